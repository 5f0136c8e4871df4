#include "outbox/src/validation.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "outbox/dedup_key.h"
#include "outbox/src/pii.h"

namespace outbox {
namespace {

namespace data = boost::unit_test::data;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kDay = 24 * 60 * kMinute;
constexpr int64_t kMargin = 10 * kMinute;

ValidationContext Context() { return {kNow, kMargin}; }

// A valid order with one item and raw personal data in every hashed field.
Event ValidEvent() {
  Event e;
  e.pixel_id = "px_123";
  e.id = "order-1";
  e.type = "order_created";
  e.timestamp_ms = kNow - kMinute;
  e.action_source = "web";
  e.source_url = "https://shop.example/checkout?step=3";
  e.data.type = "contents";
  e.data.amount = 12999;
  e.data.currency = "USD";
  Content item;
  item.id = "sku-1";
  item.quantity = 2;
  item.amount = 4999;
  item.variant_dict = {{"size", "M"}};
  e.data.contents = {item};
  e.user.emails = {" Jane.Doe@Example.com "};
  e.user.phone_numbers = {"+1 (555) 123-4567"};
  e.user.external_ids = {"cust-42"};
  e.user.first_names = {"Élodie"};
  e.user.last_names = {"Dupont"};
  e.user.countries = {"FR"};
  e.user.cities = {"Paris"};
  e.user.postal_codes = {"75001"};
  e.user.ip_address = "203.0.113.7";
  e.user.user_agent = "Mozilla/5.0";
  return e;
}

std::vector<std::string> Prepare(Event* event, size_t index = 0) {
  std::vector<std::string> errors;
  PrepareEvent(event, index, Context(), &errors);
  return errors;
}

std::string Join(const std::vector<std::string>& errors) {
  std::string out;
  for (const std::string& e : errors) out += e + "\n";
  return out;
}

std::string Repeat(char c, size_t n) { return std::string(n, c); }

std::vector<std::string> Numbered(const std::string& stem, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(stem + std::to_string(i));
  return out;
}

// One way to break (or, for kAccepted, to bend without breaking) ValidEvent.
struct Rule {
  const char* name;
  void (*mutate)(Event*);
  const char* path;      // The one message must start "events[0].<path>: "
  const char* fragment;  // ... and contain this.
};

std::ostream& operator<<(std::ostream& os, const Rule& r) {
  return os << r.name;
}

void MakeCustom(Event* e) {
  e->type = "custom";
  e->data.type = "custom";
  e->custom_event_name = "newsletter_signup";
}

void MakeLead(Event* e) {
  e->type = "lead_created";
  e->data.type = "customer_action";
  e->data.contents.clear();
}

const Rule kRejected[] = {
    // Required fields.
    {"NoPixelId", [](Event* e) { e->pixel_id.clear(); }, "pixel_id",
     "required"},
    {"NoId", [](Event* e) { e->id.clear(); }, "id", "required"},
    {"NoType", [](Event* e) { e->type.clear(); }, "type", "required"},
    {"NoTimestamp", [](Event* e) { e->timestamp_ms = 0; }, "timestamp_ms",
     "required"},
    {"NoDataType", [](Event* e) { e->data.type.clear(); }, "data.type",
     "required: \"contents\""},
    // Type and custom_event_name.
    {"UnknownType", [](Event* e) { e->type = "purchase"; }, "type",
     "\"purchase\" is not a standard event name"},
    {"TypeInWrongCase", [](Event* e) { e->type = "Order_Created"; }, "type",
     "\"Order_Created\" is not"},
    {"CustomWithoutName",
     [](Event* e) {
       MakeCustom(e);
       e->custom_event_name.clear();
     },
     "custom_event_name", "required when type is \"custom\""},
    {"CustomNameWithSpace",
     [](Event* e) {
       MakeCustom(e);
       e->custom_event_name = "my event";
     },
     "custom_event_name", "only A-Z, a-z, 0-9, '_' and '-'"},
    {"CustomNameNotAscii",
     [](Event* e) {
       MakeCustom(e);
       e->custom_event_name = "événement";
     },
     "custom_event_name", "only A-Z"},
    {"CustomNameStartsWithDash",
     [](Event* e) {
       MakeCustom(e);
       e->custom_event_name = "-signup";
     },
     "custom_event_name", "start and end with a letter or digit"},
    {"CustomNameEndsWithUnderscore",
     [](Event* e) {
       MakeCustom(e);
       e->custom_event_name = "signup_";
     },
     "custom_event_name", "start and end"},
    {"CustomNameTooLong",
     [](Event* e) {
       MakeCustom(e);
       e->custom_event_name = Repeat('a', 65);
     },
     "custom_event_name", "longer than 64"},
    {"CustomNameIsStandardName",
     [](Event* e) {
       MakeCustom(e);
       e->custom_event_name = "ORDER_Created";
     },
     "custom_event_name", "standard event name; send type \"order_created\""},
    {"NameOnStandardType", [](Event* e) { e->custom_event_name = "x"; },
     "custom_event_name", "must be empty unless type is \"custom\""},
    // Timestamp window.
    {"OlderThanSevenDays",
     [](Event* e) { e->timestamp_ms = kNow - 7 * kDay - 1; }, "timestamp_ms",
     "older than 7 days (the API rejects it)"},
    {"WithinExpiryMargin",
     [](Event* e) { e->timestamp_ms = kNow - 7 * kDay + kMargin; },
     "timestamp_ms", "expiry_margin_ms (600000 ms): it would expire before"},
    {"TooFarInFuture",
     [](Event* e) { e->timestamp_ms = kNow + 10 * kMinute + 1; },
     "timestamp_ms", "more than 10 minutes in the future"},
    {"Seconds", [](Event* e) { e->timestamp_ms = kNow / 1000; }, "timestamp_ms",
     "looks like seconds, not milliseconds: multiply by 1000"},
    {"SecondsMonthOld",
     [](Event* e) { e->timestamp_ms = (kNow - 30 * kDay) / 1000; },
     "timestamp_ms", "looks like seconds"},
    {"Microseconds", [](Event* e) { e->timestamp_ms = kNow * 1000 + 7; },
     "timestamp_ms", "looks like microseconds, not milliseconds: divide by"},
    {"Nanoseconds", [](Event* e) { e->timestamp_ms = kNow * 1'000'000; },
     "timestamp_ms", "looks like nanoseconds"},
    {"Negative", [](Event* e) { e->timestamp_ms = -kNow; }, "timestamp_ms",
     "negative"},
    {"Year1970", [](Event* e) { e->timestamp_ms = 1; }, "timestamp_ms",
     "older than 7 days"},
    // action_source and source_url.
    {"UnknownActionSource", [](Event* e) { e->action_source = "website"; },
     "action_source", "\"website\" is not one of web, mobile_app"},
    {"ActionSourceInCaps", [](Event* e) { e->action_source = "WEB"; },
     "action_source", "\"WEB\" is not one of"},
    {"WebWithoutUrl", [](Event* e) { e->source_url.clear(); }, "source_url",
     "required when action_source is \"web\""},
    {"RelativeUrl", [](Event* e) { e->source_url = "shop.example/a"; },
     "source_url", "absolute http:// or https:// URL"},
    {"FtpUrl", [](Event* e) { e->source_url = "ftp://shop.example/"; },
     "source_url", "absolute http"},
    {"UrlWithoutHost", [](Event* e) { e->source_url = "https://"; },
     "source_url", "has no host"},
    {"UrlWithEmptyHost", [](Event* e) { e->source_url = "https:///a?b"; },
     "source_url", "has no host"},
    {"UrlWithOnlyPort", [](Event* e) { e->source_url = "http://:80/"; },
     "source_url", "has no host"},
    {"UrlWithSpace", [](Event* e) { e->source_url = "https://a.example/a b"; },
     "source_url", "white space"},
    {"UrlWithNoBreakSpace",
     [](Event* e) { e->source_url = "https://a.example/a\u00a0b"; },
     "source_url", "white space"},
    {"UrlWithBadPort",
     [](Event* e) { e->source_url = "https://a.example:80x/"; }, "source_url",
     "malformed port"},
    {"UrlWithBadIpv6", [](Event* e) { e->source_url = "https://[::1/"; },
     "source_url", "malformed [IPv6] host"},
    {"UrlWithNewline", [](Event* e) { e->source_url = "https://a.example/\n"; },
     "source_url", "control character U+000A"},
    {"UrlTooLong",
     [](Event* e) { e->source_url = "https://a.example/" + Repeat('a', 8200); },
     "source_url", "8218 bytes, more than the limit of 8192"},
    {"BadUrlOnEmailSource",
     [](Event* e) {
       e->action_source = "email";
       e->source_url = "javascript:alert(1)";
     },
     "source_url", "absolute http"},
    // data.type.
    {"DataTypeOfOtherCategory",
     [](Event* e) { e->data.type = "customer_action"; }, "data.type",
     "\"customer_action\" does not match type \"order_created\"; expected "
     "\"contents\""},
    {"UnknownDataType", [](Event* e) { e->data.type = "purchase"; },
     "data.type", "is not one of contents, customer_action"},
    {"LeadWithContentsDataType",
     [](Event* e) {
       MakeLead(e);
       e->data.type = "contents";
     },
     "data.type", "expected \"customer_action\""},
    {"CustomWithContentsDataType",
     [](Event* e) {
       MakeCustom(e);
       e->data.type = "contents";
     },
     "data.type", "expected \"custom\""},
    // Money.
    {"AmountWithoutCurrency",
     [](Event* e) {
       e->data.currency.clear();
       e->data.contents.clear();
     },
     "data.currency", "required when data.amount is set"},
    {"LowercaseCurrency", [](Event* e) { e->data.currency = "usd"; },
     "data.currency", "\"usd\" is not an ISO 4217 code"},
    {"TwoLetterCurrency", [](Event* e) { e->data.currency = "US"; },
     "data.currency", "not an ISO 4217"},
    {"FourLetterCurrency", [](Event* e) { e->data.currency = "USDT"; },
     "data.currency", "not an ISO 4217"},
    {"CurrencyWithSymbol", [](Event* e) { e->data.currency = "U$D"; },
     "data.currency", "not an ISO 4217"},
    {"NegativeAmount", [](Event* e) { e->data.amount = -1; }, "data.amount",
     "negative (-1)"},
    // Contents and plan_id.
    {"ContentsOnCustomerAction",
     [](Event* e) {
       MakeLead(e);
       e->data.contents.emplace_back();
     },
     "data.contents", "not allowed on customer_action events"},
    {"TooManyContents",
     [](Event* e) { e->data.contents.resize(kMaxContents + 1); },
     "data.contents", "1001 items; at most 1000"},
    {"ItemAmountWithoutAnyCurrency",
     [](Event* e) {
       e->data.currency.clear();
       e->data.amount.reset();
     },
     "data.contents[0].currency", "required when the item has an amount"},
    {"NegativeQuantity", [](Event* e) { e->data.contents[0].quantity = -1; },
     "data.contents[0].quantity", "negative (-1)"},
    {"NegativeItemAmount", [](Event* e) { e->data.contents[0].amount = -5; },
     "data.contents[0].amount", "negative (-5)"},
    {"BadItemCurrency", [](Event* e) { e->data.contents[0].currency = "eur"; },
     "data.contents[0].currency", "\"eur\" is not an ISO 4217 code"},
    {"SecondItemBad",
     [](Event* e) {
       e->data.contents.resize(5);
       e->data.contents[4].name = "bad\x01name";
     },
     "data.contents[4].name", "control character U+0001"},
    {"TooManyVariants",
     [](Event* e) {
       for (const std::string& k : Numbered("k", kMaxVariantEntries)) {
         e->data.contents[0].variant_dict[k] = "v";
       }
     },
     "data.contents[0].variant_dict", "51 entries; at most 50"},
    {"VariantValueWithControl",
     [](Event* e) { e->data.contents[0].variant_dict["size"] = "M\x7f"; },
     "data.contents[0].variant_dict[\"size\"]", "control character U+007F"},
    {"VariantKeyNotUtf8",
     [](Event* e) { e->data.contents[0].variant_dict["\xff"] = "v"; },
     "data.contents[0].variant_dict", "not valid UTF-8"},
    {"ItemIdTooLong",
     [](Event* e) { e->data.contents[0].id = Repeat('x', 2049); },
     "data.contents[0].id", "2049 bytes, more than the limit of 2048"},
    {"ItemGroupIdNotUtf8",
     [](Event* e) { e->data.contents[0].group_id = "\xc0\xaf"; },
     "data.contents[0].group_id", "not valid UTF-8"},
    {"ItemContentTypeWithTab",
     [](Event* e) { e->data.contents[0].content_type = "a\tb"; },
     "data.contents[0].content_type", "U+0009"},
    {"PlanIdOnContents", [](Event* e) { e->data.plan_id = "gold"; },
     "data.plan_id", "not allowed on contents events"},
    {"PlanIdOnCustomerAction",
     [](Event* e) {
       MakeLead(e);
       e->data.plan_id = "gold";
     },
     "data.plan_id", "not allowed on customer_action events"},
    // User data.
    {"UppercaseDigest",
     [](Event* e) { e->user.emails_sha256 = {Repeat('A', 64)}; },
     "user.emails_sha256[0]", "not a SHA-256 digest"},
    {"ShortDigest",
     [](Event* e) { e->user.phone_numbers_sha256 = {Repeat('a', 63)}; },
     "user.phone_numbers_sha256[0]", "64 lowercase hex"},
    {"RawValueInDigestList",
     [](Event* e) { e->user.last_names_sha256 = {"Dupont"}; },
     "user.last_names_sha256[0]", "give raw values in user.last_names"},
    {"TooManyDigests",
     [](Event* e) {
       e->user.external_ids.clear();
       for (const std::string& v : Numbered("id", kMaxListValues + 1)) {
         e->user.external_ids_sha256.push_back(Sha256Hex(v));
       }
     },
     "user.external_ids_sha256", "21 values; at most 20"},
    {"TooManyRawEmails",
     [](Event* e) { e->user.emails = Numbered("a@b.c", kMaxListValues + 1); },
     "user.emails_sha256", "21 values; at most 20"},
    {"ShortPhone", [](Event* e) { e->user.phone_numbers = {"555-1234"}; },
     "user.phone_numbers[0]", "7 digits remain"},
    {"SecondPhoneTooLong",
     [](Event* e) { e->user.phone_numbers.push_back(Repeat('9', 16)); },
     "user.phone_numbers[1]", "16 digits remain"},
    {"BlankEmail", [](Event* e) { e->user.emails = {" \t "}; },
     "user.emails[0]", "empty after trimming white space"},
    {"FirstNameNotUtf8", [](Event* e) { e->user.first_names = {"Zo\xeb"}; },
     "user.first_names[0]", "not valid UTF-8"},
    {"LastNameOnlyPunctuation", [](Event* e) { e->user.last_names = {"--"}; },
     "user.last_names[0]", "empty after removing white space and punctuation"},
    {"BlankExternalId", [](Event* e) { e->user.external_ids = {"\u3000"}; },
     "user.external_ids[0]", "empty after trimming"},
    {"EmailWithControl", [](Event* e) { e->user.emails = {"a\x01@b.co"}; },
     "user.emails[0]", "control character"},
    {"ExternalIdTooLong",
     [](Event* e) { e->user.external_ids = {Repeat('x', 2049)}; },
     "user.external_ids[0]", "2049 bytes"},
    {"ThreeLetterCountry", [](Event* e) { e->user.countries = {"FRA"}; },
     "user.countries[0]", "not an ISO 3166-1 alpha-2 code"},
    {"CountryWithDigit",
     [](Event* e) {
       e->user.countries = {"FR", "1A"};
     },
     "user.countries[1]", "not an ISO 3166-1"},
    {"TooManyCountries",
     [](Event* e) { e->user.countries.assign(kMaxListValues + 1, "FR"); },
     "user.countries", "21 values"},
    {"EmptyCity", [](Event* e) { e->user.cities = {""}; }, "user.cities[0]",
     "empty"},
    {"RegionWithControl", [](Event* e) { e->user.regions = {"I\x1f"}; },
     "user.regions[0]", "U+001F"},
    {"PostalCodeTooLong",
     [](Event* e) { e->user.postal_codes = {Repeat('1', 2049)}; },
     "user.postal_codes[0]", "2049 bytes"},
    {"TooManyCities",
     [](Event* e) { e->user.cities = Numbered("c", kMaxListValues + 1); },
     "user.cities", "21 values"},
    {"BadIpv4", [](Event* e) { e->user.ip_address = "999.1.1.1"; },
     "user.ip_address", "not a valid IPv4 or IPv6 address"},
    {"IpWithZone", [](Event* e) { e->user.ip_address = "fe80::1%eth0"; },
     "user.ip_address", "not a valid"},
    {"IpWithNul",
     [](Event* e) { e->user.ip_address = std::string("1.2.3.4\0x", 9); },
     "user.ip_address", "not a valid"},
    {"UserAgentWithDel", [](Event* e) { e->user.user_agent = "UA\x7f"; },
     "user.user_agent", "U+007F"},
    {"AaidNotUtf8",
     [](Event* e) { e->user.android_advertising_id = "\xed\xa0\x80"; },
     "user.android_advertising_id", "not valid UTF-8"},
    {"ObrefTooLong", [](Event* e) { e->user.obref = Repeat('o', 2049); },
     "user.obref", "2049 bytes"},
    // Every other string.
    {"PixelIdTooLong", [](Event* e) { e->pixel_id = Repeat('p', 129); },
     "pixel_id", "129 bytes, more than the limit of 128"},
    {"IdTooLong", [](Event* e) { e->id = Repeat('i', 513); }, "id",
     "513 bytes, more than the limit of 512"},
    {"IdWithNul", [](Event* e) { e->id = std::string("a\0b", 3); }, "id",
     "control character U+0000 at byte 1"},
    {"IdOverlongUtf8", [](Event* e) { e->id = "a\xc0\xaf"; }, "id",
     "not valid UTF-8"},
    {"PixelIdWithDel", [](Event* e) { e->pixel_id = "px\x7f"; }, "pixel_id",
     "U+007F"},
    {"OpprefNotUtf8", [](Event* e) { e->oppref = "\xff"; }, "oppref",
     "not valid UTF-8"},
    {"OpprefTooLong", [](Event* e) { e->oppref = Repeat('o', 2049); }, "oppref",
     "2049 bytes"},
    {"PlanIdWithNewline",
     [](Event* e) {
       MakeCustom(e);
       e->data.plan_id = "gold\n";
     },
     "data.plan_id", "U+000A"},
};

const Rule kAccepted[] = {
    {"AsIs", [](Event*) {}, "", ""},
    {"Minimal",
     [](Event* e) {
       Event minimal;
       minimal.pixel_id = "p";
       minimal.id = "i";
       minimal.type = "page_viewed";
       minimal.timestamp_ms = kNow;
       minimal.data.type = "contents";
       *e = minimal;
     },
     "", ""},
    {"CustomWithContentsAndPlan",
     [](Event* e) {
       MakeCustom(e);
       e->custom_event_name = "Newsletter_signup-2";
       e->data.plan_id = "gold";
     },
     "", ""},
    {"CustomNameOneChar",
     [](Event* e) {
       MakeCustom(e);
       e->custom_event_name = "a";
     },
     "", ""},
    {"CustomNameSixtyFourChars",
     [](Event* e) {
       MakeCustom(e);
       e->custom_event_name = Repeat('Z', 64);
     },
     "", ""},
    {"PlanEnrollmentWithPlanAndContents",
     [](Event* e) {
       e->type = "subscription_created";
       e->data.type = "plan_enrollment";
       e->data.plan_id = "gold-monthly";
     },
     "", ""},
    {"InTenMinutes", [](Event* e) { e->timestamp_ms = kNow + 10 * kMinute; },
     "", ""},
    {"JustOutsideMargin",
     [](Event* e) { e->timestamp_ms = kNow - 7 * kDay + kMargin + 1; }, "", ""},
    {"AnyActionSourceWithUrl", [](Event* e) { e->action_source = "email"; }, "",
     ""},
    {"NoActionSourceNoUrl",
     [](Event* e) {
       e->action_source.clear();
       e->source_url.clear();
     },
     "", ""},
    {"UrlWithPortUserAndFragment",
     [](Event* e) {
       e->source_url = "HTTP://user:pw@Shop.Example:8080/p%20q?x=1#top";
     },
     "", ""},
    {"UrlWithIpv6Host",
     [](Event* e) { e->source_url = "https://[2001:db8::1]:443"; }, "", ""},
    {"UrlAtLimit",
     [](Event* e) {
       e->source_url = "http://a.example/";
       e->source_url += Repeat('a', kMaxUrlBytes - e->source_url.size());
     },
     "", ""},
    {"ZeroAmountAndQuantity",
     [](Event* e) {
       e->data.amount = 0;
       e->data.contents[0].quantity = 0;
     },
     "", ""},
    {"ItemCurrencyWithoutEventCurrency",
     [](Event* e) {
       e->data.amount.reset();
       e->data.currency.clear();
       e->data.contents[0].currency = "EUR";
     },
     "", ""},
    {"FiftyVariants",
     [](Event* e) {
       for (const std::string& k : Numbered("k", kMaxVariantEntries - 1)) {
         e->data.contents[0].variant_dict[k] = "v";
       }
     },
     "", ""},
    {"UnicodeItemName",
     [](Event* e) { e->data.contents[0].name = "Crème brûlée 😀"; }, "", ""},
    {"TwentyEmails",
     [](Event* e) { e->user.emails = Numbered("a@b.c", kMaxListValues); }, "",
     ""},
    {"DuplicateEmailsCollapse",
     [](Event* e) { e->user.emails.assign(25, "jane@example.com"); }, "", ""},
    {"LowercaseCountry", [](Event* e) { e->user.countries = {"fr"}; }, "", ""},
    {"Ipv6", [](Event* e) { e->user.ip_address = "2001:db8::1"; }, "", ""},
    {"Ipv4MappedIpv6",
     [](Event* e) { e->user.ip_address = "::ffff:192.0.2.1"; }, "", ""},
    {"LimitsExactly",
     [](Event* e) {
       e->pixel_id = Repeat('p', kMaxPixelIdBytes);
       e->id = Repeat('i', kMaxEventIdBytes);
       e->oppref = Repeat('o', kMaxStringBytes);
     },
     "", ""},
    {"NoUserData", [](Event* e) { e->user = UserData(); }, "", ""},
};

BOOST_AUTO_TEST_SUITE(ValidationTest)

BOOST_DATA_TEST_CASE(RejectsEachBrokenRuleNamingTheField, data::make(kRejected),
                     rule) {
  Event event = ValidEvent();
  rule.mutate(&event);
  const std::vector<std::string> errors = Prepare(&event);
  BOOST_TEST_CONTEXT("errors:\n" << Join(errors)) {
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    const std::string prefix = std::string("events[0].") + rule.path + ": ";
    BOOST_TEST(errors[0].compare(0, prefix.size(), prefix) == 0);
    BOOST_TEST(errors[0].find(rule.fragment) != std::string::npos);
  }
}

BOOST_DATA_TEST_CASE(AcceptsEventsWithinTheRules, data::make(kAccepted), rule) {
  Event event = ValidEvent();
  rule.mutate(&event);
  const std::vector<std::string> errors = Prepare(&event);
  BOOST_TEST(errors.empty(), "errors:\n" << Join(errors));
}

struct TypePair {
  const char* type;
  const char* data_type;
};

std::ostream& operator<<(std::ostream& os, const TypePair& p) {
  return os << p.type;
}

const TypePair kTypes[] = {
    {"page_viewed", "contents"},
    {"contents_viewed", "contents"},
    {"items_added", "contents"},
    {"checkout_started", "contents"},
    {"order_created", "contents"},
    {"lead_created", "customer_action"},
    {"registration_completed", "customer_action"},
    {"appointment_scheduled", "customer_action"},
    {"app_installed", "customer_action"},
    {"app_opened", "customer_action"},
    {"subscription_created", "plan_enrollment"},
    {"trial_started", "plan_enrollment"},
};

BOOST_DATA_TEST_CASE(AcceptsEveryStandardTypeWithItsDataType,
                     data::make(kTypes), pair) {
  Event event = ValidEvent();
  event.type = pair.type;
  event.data.type = pair.data_type;
  if (event.data.type == "customer_action") event.data.contents.clear();
  BOOST_TEST(Prepare(&event).empty());
  event.data.type = "custom";
  const std::vector<std::string> errors = Prepare(&event);
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  const std::string expected =
      std::string("events[0].data.type: \"custom\" does not match type \"") +
      pair.type + "\"; expected \"" + pair.data_type + "\"";
  BOOST_TEST(errors[0] == expected);
}

BOOST_DATA_TEST_CASE(AcceptsEveryActionSource,
                     data::make({"web", "mobile_app", "offline",
                                 "physical_store", "phone_call", "email",
                                 "other"}),
                     source) {
  Event event = ValidEvent();
  event.action_source = source;
  if (event.action_source != "web") event.source_url.clear();
  BOOST_TEST(Prepare(&event).empty());
}

BOOST_AUTO_TEST_CASE(HashesRawUserDataAndClearsTheRawLists) {
  Event event = ValidEvent();
  BOOST_REQUIRE(Prepare(&event).empty());
  const UserData& user = event.user;
  BOOST_TEST(user.emails_sha256 ==
             std::vector<std::string>{"86e0b9e56c17cc4d12387e1949b85053fbe73bc"
                                      "3ce5a1188713a9d300cc6133d"});
  BOOST_TEST(user.phone_numbers_sha256 ==
             std::vector<std::string>{"d6736136ea896c1bfdc553e0e86e702c70d060d"
                                      "805696ca3e4e9e0961353860a"});
  BOOST_TEST(user.external_ids_sha256 ==
             std::vector<std::string>{"8a3c5a67cad508582b5edf6b8352cea3ffbad7f"
                                      "44812c1a736b4444c0f5746aa"});
  BOOST_TEST(user.first_names_sha256 ==
             std::vector<std::string>{"36bac2631d17463d569eaf1b869e7bf8d40e463"
                                      "6fd8b2b778ee93f504baf6691"});
  BOOST_TEST(user.last_names_sha256 ==
             std::vector<std::string>{"b043864b7ffb308f63b438a86e60c6d231aae29"
                                      "e020be80c944801e065229e15"});
  BOOST_TEST(user.emails.empty());
  BOOST_TEST(user.phone_numbers.empty());
  BOOST_TEST(user.external_ids.empty());
  BOOST_TEST(user.first_names.empty());
  BOOST_TEST(user.last_names.empty());
}

BOOST_AUTO_TEST_CASE(AppendsHashesAfterGivenDigestsKeepingFirstOccurrences) {
  Event event = ValidEvent();
  const std::string jane = Sha256Hex("jane@example.com");
  const std::string bob = Sha256Hex("bob@example.com");
  event.user.emails_sha256 = {bob, jane, bob};
  event.user.emails = {"Ann@Example.com", " JANE@example.com",
                       "ann@example.com"};
  BOOST_REQUIRE(Prepare(&event).empty());
  BOOST_TEST(
      event.user.emails_sha256 ==
      (std::vector<std::string>{bob, jane, Sha256Hex("ann@example.com")}));
}

BOOST_AUTO_TEST_CASE(ClearsRawListsEvenWhenTheEventIsInvalid) {
  Event event = ValidEvent();
  event.id.clear();
  event.user.phone_numbers.push_back("12");
  BOOST_TEST(Prepare(&event).size() == 2u);
  BOOST_TEST(event.user.emails.empty());
  BOOST_TEST(event.user.phone_numbers.empty());
  BOOST_TEST(event.user.phone_numbers_sha256.size() == 1u);
}

BOOST_AUTO_TEST_CASE(PreparingTwiceChangesNothing) {
  Event event = ValidEvent();
  BOOST_REQUIRE(Prepare(&event).empty());
  const std::vector<std::string> hashes = event.user.first_names_sha256;
  BOOST_TEST(Prepare(&event).empty());
  BOOST_TEST(event.user.first_names_sha256 == hashes);
}

BOOST_AUTO_TEST_CASE(UppercasesLowercaseCountryCodes) {
  Event event = ValidEvent();
  event.user.countries = {"fr", "De", "US"};
  BOOST_REQUIRE(Prepare(&event).empty());
  BOOST_TEST(event.user.countries ==
             (std::vector<std::string>{"FR", "DE", "US"}));
}

BOOST_AUTO_TEST_CASE(WithoutMarginAcceptsUpToTheLastMillisecond) {
  Event event = ValidEvent();
  event.timestamp_ms = kNow - 7 * kDay + 1;
  std::vector<std::string> errors;
  BOOST_TEST(PrepareEvent(&event, 0, {kNow, 0}, &errors));
  event.timestamp_ms = kNow - 7 * kDay;
  BOOST_TEST(!PrepareEvent(&event, 0, {kNow, 0}, &errors));
  BOOST_TEST(errors.size() == 1u, Join(errors));
}

BOOST_AUTO_TEST_CASE(CollectsEveryErrorOfAnEvent) {
  Event event = ValidEvent();
  event.pixel_id.clear();
  event.type = "buy";
  event.timestamp_ms = kNow - 8 * kDay;
  event.source_url = "nope";
  event.data.currency = "usd";
  event.data.contents[0].quantity = -1;
  event.user.emails = {""};
  event.user.ip_address = "1.2.3";
  const std::vector<std::string> errors = Prepare(&event);
  const char* const kPaths[] = {"user.emails[0]",
                                "pixel_id",
                                "type",
                                "timestamp_ms",
                                "source_url",
                                "data.currency",
                                "data.contents[0].quantity",
                                "user.ip_address"};
  BOOST_TEST_CONTEXT(Join(errors)) {
    BOOST_REQUIRE_EQUAL(errors.size(), std::size(kPaths));
    for (size_t i = 0; i < errors.size(); ++i) {
      const std::string prefix = std::string("events[0].") + kPaths[i] + ": ";
      BOOST_TEST(errors[i].compare(0, prefix.size(), prefix) == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(NeverQuotesPersonalDataInMessages) {
  const std::string kSecrets[] = {"Secret",  "secret",  "4477", "Zoë",
                                  "999.888", "Springf", "SW1A"};
  Event event = ValidEvent();
  event.type = "buy";  // Keeps the event invalid whatever else happens.
  event.user.emails = {"Jane.Secret@example.com", "jane.secret\x01@x.co",
                       "Secret\xff@x.co"};
  event.user.phone_numbers = {"+44 77", "secret 4477 \xff"};
  event.user.first_names = {"Zoë\xc0", "?!"};
  event.user.last_names = {"Secretson\x02"};
  event.user.external_ids = {"\u3000", "Secret-id\xff"};
  event.user.emails_sha256 = {"jane.secret@example.com"};
  event.user.ip_address = "999.888.777.666";
  event.user.cities = {"Springfield\x01"};
  event.user.postal_codes = {"SW1A " + Repeat('1', 3000)};
  event.user.countries = {"Secretland"};
  const std::vector<std::string> errors = Prepare(&event);
  BOOST_TEST(errors.size() == 15u, Join(errors));
  for (const std::string& error : errors) {
    for (const std::string& secret : kSecrets) {
      BOOST_TEST(error.find(secret) == std::string::npos, error);
    }
  }
}

BOOST_AUTO_TEST_CASE(QuotesNonPersonalValuesTruncatedAndEscaped) {
  Event event = ValidEvent();
  event.type = "bad\x01\"type\"" + Repeat('x', 100);
  const std::vector<std::string> errors = Prepare(&event);
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].find("\"bad\\x01\\x22type\\x22xxx") != std::string::npos,
             errors[0]);
  BOOST_TEST(errors[0].find("xxx\"... is not a standard event name") !=
                 std::string::npos,
             errors[0]);
  BOOST_TEST(errors[0].size() < 200u);
}

BOOST_AUTO_TEST_CASE(NamesTheEventByItsIndex) {
  Event event = ValidEvent();
  event.id.clear();
  const std::vector<std::string> errors = Prepare(&event, 7);
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0] ==
             "events[7].id: required: the event id, equal to the pixel's "
             "event_id");
}

Status PrepareCopies(const Event& event, size_t n) {
  std::vector<Event> events(n, event);
  return PrepareEvents(&events, Context());
}

BOOST_AUTO_TEST_CASE(RejectsAnEmptyRequest) {
  std::vector<Event> events;
  const Status status = PrepareEvents(&events, Context());
  BOOST_TEST(status.ToString() ==
             "INVALID_ARGUMENT: events: at least one event is required");
}

BOOST_AUTO_TEST_CASE(RejectsMoreThanAThousandEvents) {
  BOOST_TEST(PrepareCopies(ValidEvent(), 1001).ToString() ==
             "INVALID_ARGUMENT: events: 1001 events; at most 1000 per call");
}

BOOST_AUTO_TEST_CASE(PreparesAThousandValidEvents) {
  std::vector<Event> events(kMaxEventsPerRequest, ValidEvent());
  const Status status = PrepareEvents(&events, Context());
  BOOST_TEST(status.ok(), status.ToString());
  BOOST_TEST(events.back().user.emails.empty());
  BOOST_TEST(events.back().user.emails_sha256.size() == 1u);
}

BOOST_AUTO_TEST_CASE(JoinsTheErrorsOfEveryEvent) {
  std::vector<Event> events(4, ValidEvent());
  events[1].data.currency = "EURO";
  events[3].timestamp_ms = kNow - 8 * kDay;
  const Status status = PrepareEvents(&events, Context());
  BOOST_TEST(status.code() == StatusCode::kInvalidArgument);
  BOOST_TEST(status.message() ==
             "events[1].data.currency: \"EURO\" is not an ISO 4217 code (three "
             "upper-case letters, e.g. \"USD\"); "
             "events[3].timestamp_ms: older than 7 days (the API rejects it)");
}

BOOST_AUTO_TEST_CASE(CapsTheMessageAtFiftyErrors) {
  Event event = ValidEvent();
  event.id.clear();
  event.pixel_id.clear();
  const Status status = PrepareCopies(event, 30);
  const std::string& message = status.message();
  BOOST_TEST(message.find("events[24].pixel_id") != std::string::npos);
  BOOST_TEST(message.find("events[25].") == std::string::npos);
  const std::string tail = "; ... and 10 more errors";
  BOOST_TEST(
      message.compare(message.size() - tail.size(), tail.size(), tail) == 0,
      message.substr(message.size() - 100));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
