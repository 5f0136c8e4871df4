#include <boost/test/unit_test.hpp>

#include "outbox/src/record_codec.h"
#include "outbox/src/record_index.h"
#include "outbox/src/storage_keys.h"

namespace outbox {
namespace {

DedupKey Key(const std::string& id, const std::string& pixel = "px") {
  return *DedupKey::Create(pixel, "order_created", id);
}

BOOST_AUTO_TEST_SUITE(RecordCodecTest)

BOOST_AUTO_TEST_CASE(RoundTripsEveryField) {
  Record r(Key("1"));
  r.state = State::kDead;
  r.event_json = R"({"id":"1"})";
  r.timestamp_ms = 1;
  r.enqueued_ms = 2;
  r.state_changed_ms = 3;
  r.next_attempt_ms = 4;
  r.delivered_ms = 5;
  r.attempt_count = 6;
  r.replay_count = 7;
  r.last_error = "HTTP 400";
  r.attempts.push_back({8, 9, 400, "", "{\"error\":1}", "req-1", 1000});
  auto back = DecodeRecord(r.key, EncodeRecord(r));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(EncodeRecord(*back) == EncodeRecord(r));
  BOOST_TEST(back->attempts.at(0).request_id == "req-1");
  BOOST_TEST(static_cast<int>(back->state) == static_cast<int>(State::kDead));
}

BOOST_AUTO_TEST_CASE(GarbageIsDataLossNotACrash) {
  for (std::string bytes : {std::string("\xff\xff\xff"), std::string("\x08" "c"),
                            std::string(1, '\0')}) {
    auto r = DecodeRecord(Key("1"), bytes);
    BOOST_TEST(r.status().code() == StatusCode::kDataLoss);
  }
}

BOOST_AUTO_TEST_CASE(RecordKeysRoundTripAndGroupByPixel) {
  DedupKey key = Key("a/b\0c", "pixel-7");
  std::string bytes = RecordKey(key);
  auto back = DecodeRecordKey(bytes);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((*back == key));
  BOOST_TEST(bytes.rfind(PixelPrefix("pixel-7"), 0) == 0);
  BOOST_TEST(!DecodeRecordKey("\x05" "ab").ok());
}

BOOST_AUTO_TEST_CASE(DueKeysSortByDeadlineWithinAPixel) {
  std::string late = DueKey(RecordKey(Key("a")), 2000);
  std::string early = DueKey(RecordKey(Key("z")), 1000);
  BOOST_TEST(early < late);
  int64_t deadline;
  std::string_view record_key;
  BOOST_REQUIRE(ParseDueKey(early, &deadline, &record_key));
  BOOST_TEST(deadline == 1000);
  BOOST_TEST(record_key == RecordKey(Key("z")));
}

BOOST_AUTO_TEST_CASE(ADueKeyStartsWithItsPixelPrefix) {
  std::string key = DueKey(RecordKey(Key("a")), 2000);
  std::string prefix = PixelPrefix(Key("a").pixel_id());
  BOOST_TEST(PixelPrefixOfDueKey(key) == prefix);
  BOOST_TEST(PixelPrefixOfDueKey(prefix) == prefix);
  BOOST_TEST(PixelPrefixOfDueKey(prefix.substr(0, prefix.size() - 1)).empty());
  BOOST_TEST(PixelPrefixOfDueKey("").empty());
}

BOOST_AUTO_TEST_CASE(IndexEntriesFollowTheState) {
  Record r(Key("1"));
  r.timestamp_ms = 1000;
  std::string rk = RecordKey(r.key);
  RetentionPolicy policy{5000};
  // Pending and delivered records are listed by scanning the records, so
  // only the queue they wait in (or the gc sweep) indexes them.
  auto entries = IndexEntriesFor(r, rk, policy, "");
  BOOST_TEST(entries.size() == 1u);
  BOOST_TEST((entries[0].cf == IndexCf::kDue));
  r.next_attempt_ms = 99;
  entries = IndexEntriesFor(r, rk, policy, "");
  BOOST_TEST(entries.size() == 1u);
  BOOST_TEST((entries[0].cf == IndexCf::kRetry));
  r.state = State::kInFlight;  // Written only by stores before leases.
  entries = IndexEntriesFor(r, rk, policy, "");
  BOOST_TEST(entries.size() == 1u);
  BOOST_TEST((entries[0].cf == IndexCf::kByState));
  r.state = State::kDelivered;
  entries = IndexEntriesFor(r, rk, policy, "");
  BOOST_TEST(entries.size() == 1u);
  BOOST_TEST((entries[0].cf == IndexCf::kGc));
  // Dead and expired records are few and wanted by operators: they keep a
  // by_state entry besides their gc entry.
  r.state = State::kDead;
  entries = IndexEntriesFor(r, rk, policy, "");
  BOOST_TEST(entries.size() == 2u);
  BOOST_TEST((entries[0].cf == IndexCf::kByState));
  // Delivered keys are remembered until the API's window has closed.
  BOOST_TEST(DropAtMs(r, policy) > EventDeadlineMs(r.timestamp_ms));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
