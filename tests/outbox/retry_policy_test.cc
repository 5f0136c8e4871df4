#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "outbox/src/response_class.h"
#include "outbox/src/retry_policy.h"

namespace outbox {
namespace {

namespace data = boost::unit_test::data;

BOOST_AUTO_TEST_SUITE(RetryPolicyTest)

BOOST_AUTO_TEST_CASE(BackoffDoublesUpToTheCapWithFullJitter) {
  BOOST_TEST(BackoffDelayMs(1, 1000, 300000, 0.999999) == 999);
  BOOST_TEST(BackoffDelayMs(2, 1000, 300000, 0.5) == 1000);
  BOOST_TEST(BackoffDelayMs(4, 1000, 300000, 0.5) == 4000);
  BOOST_TEST(BackoffDelayMs(40, 1000, 300000, 0.5) == 150000);
  BOOST_TEST(BackoffDelayMs(1000000, 1000, 300000, 0.999) <= 300000);
  BOOST_TEST(BackoffDelayMs(3, 1000, 300000, 0.0) == 1);  // Never 0.
}

BOOST_AUTO_TEST_CASE(RetryAfterAcceptsSecondsAndHttpDates) {
  const int64_t now = 1795953600000;  // Sun, 29 Nov 2026 12:00:00 GMT
  BOOST_TEST(*ParseRetryAfterMs("30", now, 600000) == 30000);
  BOOST_TEST(*ParseRetryAfterMs(" 0 ", now, 600000) == 0);
  BOOST_TEST(*ParseRetryAfterMs("99999", now, 600000) == 600000);  // Capped.
  BOOST_TEST(*ParseRetryAfterMs("Sun, 29 Nov 2026 12:01:00 GMT", now,
                                600000) == 60000);
  BOOST_TEST(*ParseRetryAfterMs("Sun, 29 Nov 2026 11:00:00 GMT", now,
                                600000) == 0);  // In the past.
  BOOST_TEST(!ParseRetryAfterMs("", now, 600000));
  BOOST_TEST(!ParseRetryAfterMs("soon", now, 600000));
  BOOST_TEST(!ParseRetryAfterMs("-5", now, 600000));
}

struct Row {
  int status;
  const char* transport_error;
  size_t batch_size;
  Verdict verdict;
};
std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.status << "/" << r.transport_error << "/" << r.batch_size;
}

const Row kRows[] = {
    {200, "", 1000, Verdict::kDelivered}, {204, "", 1, Verdict::kDelivered},
    {400, "", 1000, Verdict::kSplit},     {422, "", 2, Verdict::kSplit},
    {413, "", 500, Verdict::kSplit},      {400, "", 1, Verdict::kDead},
    {422, "", 1, Verdict::kDead},         {413, "", 1, Verdict::kDead},
    {404, "", 1000, Verdict::kDead},      {409, "", 10, Verdict::kDead},
    {401, "", 1000, Verdict::kBadKey},    {403, "", 1, Verdict::kBadKey},
    {429, "", 1000, Verdict::kThrottled}, {500, "", 1000, Verdict::kRetry},
    {503, "", 1, Verdict::kRetry},        {408, "", 5, Verdict::kRetry},
    {0, "timeout", 1000, Verdict::kRetry},
    {0, "connection refused", 1, Verdict::kRetry},
    {301, "", 3, Verdict::kRetry},
};

BOOST_DATA_TEST_CASE(EveryStatusMapsToOneVerdict, data::make(kRows), row) {
  HttpResponse r;
  r.status = row.status;
  r.transport_error = row.transport_error;
  BOOST_TEST(VerdictName(ClassifyResponse(r, row.batch_size, {})) ==
             VerdictName(row.verdict));
}

BOOST_AUTO_TEST_CASE(ConfiguredStatusesAreRetried) {
  HttpResponse r;
  r.status = 404;
  BOOST_TEST((ClassifyResponse(r, 10, {404}) == Verdict::kRetry));
}

BOOST_AUTO_TEST_CASE(AttemptsRedactTheKeyTruncateAndKeepRequestIds) {
  HttpResponse r;
  r.status = 401;
  r.body = "bad key sk-secret-123 " + std::string(1000, 'x');
  r.headers = {{"date", "x"}, {"openai-request-id", "req_42"}};
  Attempt a = MakeAttempt(r, 5, 10, "sk-secret-123", 64);
  BOOST_TEST(a.body_excerpt.find("sk-secret") == std::string::npos);
  BOOST_TEST(a.body_excerpt.find("[redacted]") != std::string::npos);
  BOOST_TEST(a.body_excerpt.size() <= 67u);
  BOOST_TEST(a.request_id == "req_42");
  BOOST_TEST(a.batch_size == 10u);
  BOOST_TEST(DeadReason(a).rfind("HTTP 401: bad key", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(ReadsAcceptedEvents) {
  BOOST_TEST(AcceptedEvents("{\"accepted_events\": 1000}") == 1000);
  BOOST_TEST(AcceptedEvents("{\"accepted_events\":3}") == 3);
  BOOST_TEST(AcceptedEvents("{}") == -1);
  BOOST_TEST(AcceptedEvents("{\"accepted_events\":\"x\"}") == -1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
