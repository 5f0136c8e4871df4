#include "outbox/src/event_json.h"

#include <rapidjson/document.h>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace outbox {
namespace {

namespace bdata = boost::unit_test::data;
using std::string_literals::operator""s;

std::string Encode(const Event& event) {
  std::string out;
  AppendEventJson(event, &out);
  return out;
}

// Event has no operator==; compare every member here instead.
auto Tie(const Content& c) {
  return std::tie(c.id, c.group_id, c.name, c.content_type, c.quantity,
                  c.amount, c.currency, c.variant_dict);
}
auto Tie(const UserData& u) {
  return std::tie(u.emails_sha256, u.phone_numbers_sha256,
                  u.external_ids_sha256, u.first_names_sha256,
                  u.last_names_sha256, u.countries, u.cities, u.regions,
                  u.postal_codes, u.obref, u.ip_address, u.user_agent,
                  u.android_advertising_id, u.emails, u.phone_numbers,
                  u.external_ids, u.first_names, u.last_names);
}
auto Tie(const Event& e) {
  return std::tie(e.pixel_id, e.id, e.type, e.custom_event_name, e.timestamp_ms,
                  e.action_source, e.source_url, e.oppref, e.opt_out,
                  e.data.type, e.data.amount, e.data.currency, e.data.plan_id);
}
bool SameEvent(const Event& a, const Event& b) {
  if (Tie(a) != Tie(b) || Tie(a.user) != Tie(b.user)) return false;
  if (a.data.contents.size() != b.data.contents.size()) return false;
  for (size_t i = 0; i < a.data.contents.size(); ++i) {
    if (Tie(a.data.contents[i]) != Tie(b.data.contents[i])) return false;
  }
  return true;
}

void ExpectRoundTrip(const Event& event) {
  const std::string json = Encode(event);
  StatusOr<Event> parsed = ParseEventJson(json, event.pixel_id);
  BOOST_TEST_REQUIRE(parsed.ok(), parsed.status().ToString() << " in " << json);
  BOOST_TEST(SameEvent(*parsed, event),
             json << " came back as " << Encode(*parsed));
}

Event FullEvent() {
  Event e;
  e.pixel_id = "px_123";
  e.id = "ord-1001";
  e.type = "custom";
  e.custom_event_name = "gift_wrapped";
  e.timestamp_ms = 1767225600123;
  e.action_source = "web";
  e.source_url = "https://shop.example/checkout?step=2";
  e.oppref = "opp_abc";
  e.opt_out = false;
  // Short stand-ins for hex digests: the encoder does not look at them.
  e.user.emails_sha256 = {"em1", "em2"};
  e.user.phone_numbers_sha256 = {"ph1"};
  e.user.external_ids_sha256 = {"ex1"};
  e.user.first_names_sha256 = {"fn1"};
  e.user.last_names_sha256 = {"ln1"};
  e.user.countries = {"US", "CA"};
  e.user.cities = {"Boston"};
  e.user.regions = {"MA"};
  e.user.postal_codes = {"02110"};
  e.user.obref = "ob_1";
  e.user.ip_address = "203.0.113.7";
  e.user.user_agent = "Mozilla/5.0";
  e.user.android_advertising_id = "38400000-8cf0-11bd-b23e-10b96e40000d";
  e.data.type = "custom";
  e.data.amount = 12999;
  e.data.currency = "USD";
  e.data.plan_id = "gold";
  Content mug{"sku-1", "g-1", "Mug", "product", 2, 1999, "EUR", {}};
  mug.variant_dict = {{"size", "L"}, {"color", "red"}};
  e.data.contents = {
      mug, Content{"sku-2", "", "", "", std::nullopt, std::nullopt, "", {}}};
  return e;
}

Event MinimalEvent() {
  Event e;
  e.pixel_id = "px_123";
  e.id = "e1";
  e.type = "page_viewed";
  e.timestamp_ms = 1767225600000;
  e.data.type = "contents";
  return e;
}

BOOST_AUTO_TEST_SUITE(EventJsonTest)

BOOST_AUTO_TEST_CASE(EncodesFullEventExactly) {
  BOOST_TEST(
      Encode(FullEvent()) ==
      R"({"id":"ord-1001","type":"custom","custom_event_name":"gift_wrapped",)"
      R"("timestamp_ms":1767225600123,"action_source":"web",)"
      R"("source_url":"https://shop.example/checkout?step=2",)"
      R"("oppref":"opp_abc","opt_out":false,)"
      R"("user":{"emails_sha256":["em1","em2"],"phone_numbers_sha256":["ph1"],)"
      R"("external_ids_sha256":["ex1"],"first_names_sha256":["fn1"],)"
      R"("last_names_sha256":["ln1"],"countries":["US","CA"],)"
      R"("cities":["Boston"],"regions":["MA"],"postal_codes":["02110"],)"
      R"("obref":"ob_1","ip_address":"203.0.113.7",)"
      R"("user_agent":"Mozilla/5.0",)"
      R"("android_advertising_id":"38400000-8cf0-11bd-b23e-10b96e40000d"},)"
      R"("data":{"type":"custom","amount":12999,"currency":"USD",)"
      R"("plan_id":"gold","contents":[{"id":"sku-1","group_id":"g-1",)"
      R"("name":"Mug","content_type":"product","quantity":2,)"
      R"("amount":1999,"currency":"EUR",)"
      R"("variant_dict":{"color":"red","size":"L"}},{"id":"sku-2"}]}})");
}

BOOST_AUTO_TEST_CASE(EncodesMinimalEventExactly) {
  BOOST_TEST(Encode(MinimalEvent()) ==
             R"({"id":"e1","type":"page_viewed","timestamp_ms":1767225600000,)"
             R"("data":{"type":"contents"}})");
  // Even an empty event keeps the always-present fields.
  BOOST_TEST(Encode(Event{}) == R"({"timestamp_ms":0,"data":{}})");
}

BOOST_AUTO_TEST_CASE(AppendsWithoutTouchingExistingBytes) {
  std::string out = "prefix,";
  AppendEventJson(MinimalEvent(), &out);
  BOOST_TEST(out == "prefix," + Encode(MinimalEvent()));
}

BOOST_AUTO_TEST_CASE(EscapesQuotesBackslashesAndControlChars) {
  Event e;
  e.id = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\0end"s;
  // DEL (0x7F) and '/' need no escaping.
  BOOST_TEST(Encode(e) == R"({"id":"q\"b\\s/\b\f\n\r\t\u0001\u001F)"
                          "\x7f"
                          R"(\u0000end","timestamp_ms":0,"data":{}})");
}

BOOST_AUTO_TEST_CASE(PassesNonAsciiUtf8Through) {
  Event e;
  e.id = "caf\u00e9-\u65e5\u672c-\U0001F600-\u2028";
  BOOST_TEST(Encode(e) ==
             "{\"id\":\"" + e.id + R"(","timestamp_ms":0,"data":{}})");
}

BOOST_AUTO_TEST_CASE(EncodesIntegerExtremesAsNumbers) {
  Event e;
  e.timestamp_ms = std::numeric_limits<int64_t>::min();
  e.data.amount = std::numeric_limits<int64_t>::max();
  BOOST_TEST(Encode(e) == R"({"timestamp_ms":-9223372036854775808,)"
                          R"("data":{"amount":9223372036854775807}})");
}

BOOST_AUTO_TEST_CASE(OmitsEmptyFieldsButKeepsZeroAndFalse) {
  Event e = MinimalEvent();
  e.opt_out = false;
  e.data.amount = 0;
  e.data.contents = {Content{}};
  e.user.countries = {""};  // A list with an empty value is not empty.
  BOOST_TEST(Encode(e) ==
             R"({"id":"e1","type":"page_viewed","timestamp_ms":1767225600000,)"
             R"("opt_out":false,"user":{"countries":[""]},)"
             R"("data":{"type":"contents","amount":0,"contents":[{}]}})");
}

BOOST_AUTO_TEST_CASE(NeverEncodesRawPersonalDataOrPixelId) {
  Event e = MinimalEvent();
  e.pixel_id = "px_secret";
  e.user.emails = {"jane@example.com"};
  e.user.phone_numbers = {"+1 555 0100"};
  e.user.external_ids = {"cust-9"};
  e.user.first_names = {"Jane"};
  e.user.last_names = {"Doe"};
  // The raw lists alone do not make the user object non-empty.
  BOOST_TEST(Encode(e) == Encode(MinimalEvent()));
}

// rapidjson::Writer is the reference for escaping: on random strings the
// hand-written appender must produce the very same bytes.
BOOST_AUTO_TEST_CASE(MatchesRapidJsonWriterOnRandomStrings) {
  const std::vector<std::string> pieces = {
      "a",  "Z",    "0",    " ",    "\"",  "\\",     "/",      "\n",
      "\t", "\x01", "\x1f", "\x7f", "\0"s, "\u00e9", "\u65e5", "\U0001F600"};
  std::mt19937 rng(42);
  auto random_string = [&] {
    std::string s;
    for (int n = rng() % 12; n > 0; --n) s += pieces[rng() % pieces.size()];
    return s;
  };
  for (int i = 0; i < 500; ++i) {
    Event e = FullEvent();
    e.id = random_string();
    // Long values cross the appender's internal buffer in every way.
    e.user.user_agent.clear();
    for (int n = i * 7; n > 0; --n) e.user.user_agent += random_string();
    e.user.cities = {random_string(), random_string()};
    e.data.contents[0].variant_dict = {{random_string(), random_string()}};
    std::string reference;
    internal::AppendEventJsonWithRapidJson(e, &reference);
    BOOST_TEST_REQUIRE(Encode(e) == reference);
  }
}

BOOST_AUTO_TEST_CASE(RoundTripsHandPickedEvents) {
  ExpectRoundTrip(FullEvent());
  ExpectRoundTrip(MinimalEvent());
  ExpectRoundTrip(Event{});
  Event odd = FullEvent();
  odd.id = "nul\0and \"quotes\" \\ \u00e9\U0001F600"s;
  odd.opt_out = true;
  odd.timestamp_ms = std::numeric_limits<int64_t>::min();
  odd.data.amount = std::numeric_limits<int64_t>::max();
  odd.data.contents[1].quantity = 0;
  odd.data.contents[1].variant_dict = {{"", ""}, {"\n", "\t"}};
  odd.user.countries = {"", "\x01"};
  ExpectRoundTrip(odd);
}

BOOST_AUTO_TEST_CASE(RoundTripsRandomEvents) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> values = {"", "x", "\"\\\n", "\u00e9\u65e5",
                                           std::string(64, 'a')};
  auto str = [&] { return values[rng() % values.size()]; };
  auto list = [&] {
    std::vector<std::string> v(rng() % 3);
    for (auto& s : v) s = str();
    return v;
  };
  auto num = [&]() -> std::optional<int64_t> {
    if (rng() % 2) return std::nullopt;
    return static_cast<int64_t>(rng());
  };
  for (int i = 0; i < 300; ++i) {
    Event e;
    e.pixel_id = str();
    e.id = str();
    e.type = str();
    e.timestamp_ms = static_cast<int64_t>(rng());
    e.source_url = str();
    if (rng() % 3 == 0) e.opt_out = rng() % 2 == 0;
    e.user.emails_sha256 = list();
    e.user.postal_codes = list();
    e.user.user_agent = str();
    e.data.type = str();
    e.data.amount = num();
    for (int n = rng() % 3; n > 0; --n) {
      Content c{str(), str(), str(), str(), num(), num(), str(), {}};
      if (rng() % 2) c.variant_dict[str()] = str();
      e.data.contents.push_back(c);
    }
    ExpectRoundTrip(e);
  }
}

BOOST_AUTO_TEST_CASE(CopiesPixelIdAndTreatsNullAsAbsent) {
  StatusOr<Event> e =
      ParseEventJson(R"({"id":"e1","oppref":null,"opt_out":null,"user":null,)"
                     R"("data":{"type":"contents","amount":null}})",
                     "px_9");
  BOOST_TEST_REQUIRE(e.ok(), e.status().ToString());
  Event expected;
  expected.pixel_id = "px_9";
  expected.id = "e1";
  expected.data.type = "contents";
  BOOST_TEST(SameEvent(*e, expected));
}

BOOST_AUTO_TEST_CASE(IgnoresAdvertiserKeysInCustomData) {
  // data.type comes last: extra keys are judged after the whole object.
  StatusOr<Event> e =
      ParseEventJson(R"({"type":"custom","data":{"color":"red","n":{"a":[1]},)"
                     R"("type":"custom"}})",
                     "");
  BOOST_TEST_REQUIRE(e.ok(), e.status().ToString());
  BOOST_TEST(e->data.type == "custom");
}

struct ParseErrorCase {
  std::string json;
  std::string message;
};
std::ostream& operator<<(std::ostream& os, const ParseErrorCase& c) {
  return os << c.json;
}

const ParseErrorCase kParseErrors[] = {
    {R"([])", "expected an object"},
    {R"({"id":1})", "id: expected a string"},
    {R"({"timestamp_ms":1.5})", "timestamp_ms: expected an integer"},
    {R"({"timestamp_ms":1e3})", "timestamp_ms: expected an integer"},
    {R"({"timestamp_ms":9223372036854775808})",
     "timestamp_ms: expected an integer"},
    {R"({"timestamp_ms":"1"})", "timestamp_ms: expected an integer"},
    {R"({"opt_out":"yes"})", "opt_out: expected a boolean"},
    {R"({"data":{"amount":"12"}})", "data.amount: expected an integer"},
    {R"({"data":[]})", "data: expected an object"},
    {R"({"user":{"countries":["US","CA",7]}})",
     "user.countries[2]: expected a string"},
    {R"({"user":{"countries":["US",null]}})",
     "user.countries[1]: expected a string"},
    {R"({"user":{"countries":"US"}})", "user.countries: expected an array"},
    {R"({"data":{"contents":[{"id":"a"},{"quantity":1.5}]}})",
     "data.contents[1].quantity: expected an integer"},
    {R"({"data":{"contents":[3]}})", "data.contents[0]: expected an object"},
    {R"({"data":{"contents":[{"variant_dict":{"color":1}}]}})",
     "data.contents[0].variant_dict.color: expected a string"},
    {R"({"data":{"contents":[{"variant_dict":{"c":"a","c":"b"}}]}})",
     "data.contents[0].variant_dict.c: duplicate key"},
    {R"({"id":"a","id":"b"})", "id: duplicate key"},
    {R"({"foo":1})", "foo: unknown field"},
    {R"({"pixel_id":"px"})", "pixel_id: unknown field"},
    {R"({"user":{"emails":["jane@example.com"]}})",
     "user.emails: unknown field"},
    {R"({"user":{"email_sha256":"x"}})", "user.email_sha256: unknown field"},
    {R"({"data":{"type":"contents","color":"red"}})",
     "data.color: unknown field"},
    {R"({"type":"custom","data":{"contents":[{"sku":"x"}],"type":"custom"}})",
     "data.contents[0].sku: unknown field"},
    {R"({"":1})", R"("": unknown field)"},
    {R"({"id":"a\uDC00"})", "id: lone UTF-16 surrogate"},
    {R"({"data":{"contents":[{"variant_dict":{"\uDFFF":"x"}}]}})",
     "data.contents[0].variant_dict.(invalid key): lone UTF-16 surrogate"},
    {"", "invalid JSON at offset 0: The document is empty."},
    {R"({"id":"a"} {})",
     "invalid JSON at offset 11: The document root must not be followed by "
     "other values."},
};

BOOST_DATA_TEST_CASE(RejectsWrongShapesNamingThePath, bdata::make(kParseErrors),
                     c) {
  StatusOr<Event> e = ParseEventJson(c.json, "px");
  BOOST_TEST_REQUIRE(!e.ok());
  BOOST_TEST(e.status().ToString() == "INVALID_ARGUMENT: " + c.message);
}

const std::string kInvalidUtf8[] = {
    "\xff",
    "\x80",              // Never valid; a lone continuation byte.
    "\xc0\xaf",          // Overlong '/'.
    "\xed\xa0\x80",      // An encoded UTF-16 surrogate.
    "\xe6\x97",          // Truncated sequence.
    "\xf4\x90\x80\x80",  // Beyond U+10FFFF.
};

BOOST_DATA_TEST_CASE(RejectsInvalidUtf8InValuesAndKeys,
                     bdata::make(kInvalidUtf8), bad) {
  for (const std::string& json :
       {R"({"id":"a)" + bad + R"("})", R"({"data":{"x)" + bad + R"(":1}})"}) {
    StatusOr<Event> e = ParseEventJson(json, "px");
    BOOST_TEST_REQUIRE(!e.ok());
    BOOST_TEST(e.status().ToString().rfind(
                   "INVALID_ARGUMENT: invalid JSON at offset", 0) == 0);
    BOOST_TEST(e.status().message().find("Invalid encoding") !=
               std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(SurvivesDeeplyNestedInput) {
  const size_t depth = 1000000;
  const std::string json = R"({"type":"custom","data":{"type":"custom","x":)" +
                           std::string(depth, '[') + std::string(depth, ']') +
                           "}}";
  StatusOr<Event> e = ParseEventJson(json, "px");
  BOOST_TEST_REQUIRE(e.ok(), e.status().ToString());
  BOOST_TEST(!ParseEventJson(std::string(depth, '['), "px").ok());
}

BOOST_AUTO_TEST_CASE(BuildsRequestBodyBySplicingEventBytes) {
  const std::string a = Encode(FullEvent()), b = Encode(MinimalEvent());
  BOOST_TEST(BuildRequestBody({a, b}, false) ==
             R"({"validate_only":false,"events":[)" + a + "," + b + "]}");
  BOOST_TEST(BuildRequestBody({b}, true) ==
             R"({"validate_only":true,"events":[)" + b + "]}");
  BOOST_TEST(BuildRequestBody({}, false) ==
             R"({"validate_only":false,"events":[]})");
}

BOOST_AUTO_TEST_CASE(RequestBodyIsJsonWhoseEventsParseBack) {
  const std::string a = Encode(FullEvent());
  const std::string body = BuildRequestBody({a, a, a}, false);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  BOOST_TEST_REQUIRE(!doc.HasParseError());
  BOOST_TEST(doc["events"].Size() == 3u);
  BOOST_TEST(doc["validate_only"].GetBool() == false);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
