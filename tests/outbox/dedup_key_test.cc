#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "outbox/dedup_key.h"

namespace outbox {
namespace {

BOOST_AUTO_TEST_SUITE(DedupKeyTest)

const std::string kIds[] = {
    "order-42",         "a/b/c",       "100%",         "with space",
    std::string("nul\0byte", 8), "émoji 🎉", "%2F",   "~._-",
};

BOOST_DATA_TEST_CASE(PrintableFormRoundTripsAnyId,
                     boost::unit_test::data::make(kIds), id) {
  auto key = DedupKey::Create("px/1", "order_created", id);
  BOOST_REQUIRE(key.ok());
  std::string text = key->ToString();
  // Exactly two separators, whatever the id contains.
  BOOST_TEST(std::count(text.begin(), text.end(), '/') == 2);
  auto parsed = DedupKey::Parse(text);
  BOOST_REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
  BOOST_TEST((*parsed == *key));
}

BOOST_AUTO_TEST_CASE(PrintableFormIsReadable) {
  auto key = DedupKey::Create("px_1", "order_created", "ord/42 x");
  BOOST_REQUIRE(key.ok());
  BOOST_TEST(key->ToString() == "px_1/order_created/ord%2F42%20x");
}

BOOST_AUTO_TEST_CASE(ForEventUsesCustomEventNameForCustomType) {
  Event e;
  e.pixel_id = "px";
  e.id = "1";
  e.type = "custom";
  e.custom_event_name = "quote_requested";
  auto key = DedupKey::ForEvent(e);
  BOOST_REQUIRE(key.ok());
  BOOST_TEST(key->event_name() == "quote_requested");
  e.type = "lead_created";
  BOOST_TEST(DedupKey::ForEvent(e)->event_name() == "lead_created");
}

const char* const kBadTexts[] = {
    "",          "px/order_created",   "px/order_created/1/2",
    "/a/b",      "px/order_created/",  "px/%zz/1",
    "px/o/%4",
};

BOOST_DATA_TEST_CASE(ParseRejectsMalformedText,
                     boost::unit_test::data::make(kBadTexts), text) {
  auto parsed = DedupKey::Parse(text);
  BOOST_TEST(parsed.status().code() == StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_CASE(CreateRejectsEmptyAndOversizeComponents) {
  BOOST_TEST(!DedupKey::Create("", "a", "b").ok());
  BOOST_TEST(!DedupKey::Create("p", "", "b").ok());
  BOOST_TEST(!DedupKey::Create("p", "a", "").ok());
  auto big = DedupKey::Create("p", "a", std::string(kMaxEventIdBytes + 1, 'x'));
  BOOST_TEST(big.status().message().find("id") != std::string::npos);
  BOOST_TEST(DedupKey::Create("p", "a", std::string(kMaxEventIdBytes, 'x')).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
