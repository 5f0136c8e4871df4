// RecordFilter (the predicate), List with a filter (bounded scans that page
// on), and ForecastExpiry (the drainer's expiry rule, looking ahead).
#include "outbox/record_filter.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <set>

#include "outbox/outbox.h"
#include "tests/outbox/test_util.h"

namespace outbox {
namespace {

using testing::kDayMs;
using testing::kHourMs;
using testing::kNowMs;
using testing::MakeEvent;
using testing::OutboxFixture;

struct ClassCase {
  int http_status;
  std::optional<ErrorClass> expected;
};
std::ostream& operator<<(std::ostream& os, const ClassCase& c) {
  return os << c.http_status;
}

const ClassCase kClassCases[] = {
    {0, ErrorClass::kNetwork},       {200, std::nullopt},
    {401, ErrorClass::kAuth},        {403, ErrorClass::kAuth},
    {429, ErrorClass::kRateLimited}, {400, ErrorClass::kClientError},
    {422, ErrorClass::kClientError}, {404, ErrorClass::kClientError},
    {500, ErrorClass::kServerError}, {503, ErrorClass::kServerError},
};

Record MakeRecord(const std::string& event_name, int last_status,
                  int64_t enqueued_ms, int64_t timestamp_ms) {
  Record r(*DedupKey::Create("px_a", event_name, "1"));
  r.enqueued_ms = enqueued_ms;
  r.timestamp_ms = timestamp_ms;
  if (last_status >= 0) {
    r.attempts.push_back({});  // An older attempt that the filter ignores.
    r.attempts[0].http_status = 503;
    r.attempts.push_back({});
    r.attempts[1].http_status = last_status;
  }
  return r;
}

BOOST_AUTO_TEST_SUITE(RecordFilterTest)

BOOST_DATA_TEST_CASE(ClassifiesAttemptsByStatus,
                     boost::unit_test::data::make(kClassCases), c) {
  Attempt a;
  a.http_status = c.http_status;
  BOOST_TEST((ErrorClassOf(a) == c.expected));
  if (c.expected) {
    ErrorClass parsed;
    BOOST_TEST(ParseErrorClass(ErrorClassName(*c.expected), &parsed));
    BOOST_TEST((parsed == *c.expected));
  }
}

BOOST_AUTO_TEST_CASE(ParsesClassNamesLeniently) {
  ErrorClass parsed;
  BOOST_TEST(ParseErrorClass("Client-Error", &parsed));
  BOOST_TEST((parsed == ErrorClass::kClientError));
  BOOST_TEST(!ParseErrorClass("teapot", &parsed));
}

BOOST_AUTO_TEST_CASE(EveryConditionNarrowsAndDefaultsMatchAll) {
  Record r = MakeRecord("order_created", 422, 1000, 500);
  RecordFilter f;
  BOOST_TEST(f.MatchesAll());
  BOOST_TEST(f.Matches(r));
  f.event_name = "order_created";
  BOOST_TEST(f.Matches(r));
  f.event_name = "lead_created";
  BOOST_TEST(!f.Matches(r));

  f = {};
  f.http_status = 422;
  BOOST_TEST(f.Matches(r));
  f.http_status = 503;  // Only the last attempt counts.
  BOOST_TEST(!f.Matches(r));
  f = {};
  f.error_class = ErrorClass::kClientError;
  BOOST_TEST(f.Matches(r));
  BOOST_TEST(!f.Matches(MakeRecord("order_created", -1, 1000, 500)));
  f.error_class = ErrorClass::kServerError;
  BOOST_TEST(!f.Matches(r));

  f = {};
  f.enqueued_before_ms = 1001;
  BOOST_TEST(f.Matches(r));
  f.enqueued_before_ms = 1000;  // Strictly before.
  BOOST_TEST(!f.Matches(r));
  f = {};
  f.enqueued_after_ms = 1000;
  BOOST_TEST(f.Matches(r));
  f.enqueued_after_ms = 1001;
  BOOST_TEST(!f.Matches(r));
  f = {};
  f.timestamp_before_ms = 501;
  BOOST_TEST(f.Matches(r));
  f.timestamp_after_ms = 501;
  BOOST_TEST(!f.Matches(r));
  BOOST_TEST(!f.MatchesAll());
}

BOOST_AUTO_TEST_SUITE_END()

struct FilteredListFixture : OutboxFixture {
  void Enqueue(const std::vector<Event>& events) {
    std::vector<EnqueueResult> results;
    Status s = outbox->Enqueue(events, &results);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  }
  // Pages through `query` to the end; returns the ids and counts pages.
  std::vector<std::string> ListAll(ListQuery query, int* pages,
                                   int* empty_pages) {
    std::vector<std::string> ids;
    *pages = *empty_pages = 0;
    do {
      StatusOr<RecordPage> page = outbox->List(query);
      BOOST_REQUIRE_MESSAGE(page.ok(), page.status().ToString());
      BOOST_TEST(page->records.size() <= query.limit);
      for (const Record& r : page->records) ids.push_back(r.key.id());
      ++*pages;
      if (page->records.empty()) ++*empty_pages;
      query.page_token = page->next_page_token;
      BOOST_REQUIRE(*pages < 1000);
    } while (!query.page_token.empty());
    return ids;
  }
};

BOOST_FIXTURE_TEST_SUITE(FilteredListTest, FilteredListFixture)

BOOST_AUTO_TEST_CASE(BoundsTheScanAndPagesOnUntilNothingCanMatch) {
  // 40 old records, then 3 newer ones, then 40 old ones again (key order
  // is id order: "a.." < "m.." < "z..").
  std::vector<Event> old_events, new_events;
  for (int i = 0; i < 40; ++i) {
    old_events.push_back(MakeEvent("a" + std::to_string(100 + i)));
    old_events.push_back(MakeEvent("z" + std::to_string(100 + i)));
  }
  for (int i = 0; i < 3; ++i)
    new_events.push_back(MakeEvent("m" + std::to_string(i)));
  Enqueue(old_events);
  clock.Advance(2 * kHourMs);
  Enqueue(new_events);

  ListQuery query;
  query.state = State::kPending;
  query.filter.enqueued_after_ms = kNowMs + kHourMs;
  query.limit = 2;
  query.max_scanned = 7;
  int pages = 0, empty_pages = 0;
  std::vector<std::string> ids = ListAll(query, &pages, &empty_pages);
  BOOST_TEST(ids == (std::vector<std::string>{"m0", "m1", "m2"}),
             boost::test_tools::per_element());
  // 83 records, 7 per call: the scan really was bounded, and pages without
  // a match still carried a token.
  BOOST_TEST(pages >= 12);
  BOOST_TEST(empty_pages > 0);

  // The same with no state (the records themselves are scanned).
  query.state.reset();
  query.filter.enqueued_after_ms = 0;
  query.filter.enqueued_before_ms = kNowMs + kHourMs;
  query.limit = 1000;
  ids = ListAll(query, &pages, &empty_pages);
  BOOST_TEST(ids.size() == 80u);
  BOOST_TEST(std::set<std::string>(ids.begin(), ids.end()).count("m1") == 0u);
}

BOOST_AUTO_TEST_CASE(UnfilteredPagingIsUnchanged) {
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) events.push_back(MakeEvent(std::to_string(i)));
  Enqueue(events);
  ListQuery query;
  query.limit = 5;
  StatusOr<RecordPage> page = outbox->List(query);
  BOOST_REQUIRE(page.ok());
  BOOST_TEST(page->records.size() == 5u);
  BOOST_TEST(page->next_page_token.empty());
}

BOOST_AUTO_TEST_CASE(ForecastsExpiryWithTheDrainersMargin) {
  // options.expiry_margin_ms is the default 10 minutes. Ages: 6 days 20h
  // (expires in ~4h), 6 days (in ~24h), 1 day.
  Enqueue({MakeEvent("soon", "px_a", kNowMs - 6 * kDayMs - 20 * kHourMs),
           MakeEvent("day", "px_a", kNowMs - 6 * kDayMs + 10 * 60 * 1000),
           MakeEvent("fresh", "px_b", kNowMs - kDayMs)});
  StatusOr<ExpiryForecast> f = outbox->ForecastExpiry(5 * kHourMs);
  BOOST_REQUIRE(f.ok());
  BOOST_TEST(f->expiring == 1u);
  BOOST_REQUIRE(f->pixels.size() == 1u);
  BOOST_TEST(f->pixels[0].first == "px_a");
  // "day" expires exactly 24h from now, margin included.
  BOOST_TEST(outbox->ForecastExpiry(24 * kHourMs - 1)->expiring == 1u);
  BOOST_TEST(outbox->ForecastExpiry(24 * kHourMs)->expiring == 2u);
  f = outbox->ForecastExpiry(7 * kDayMs);
  BOOST_TEST(f->expiring == 3u);
  BOOST_TEST(f->pixels.size() == 2u);
  BOOST_TEST(!f->approximate);
  BOOST_TEST(outbox->ForecastExpiry(-1).status().code() ==
             StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
