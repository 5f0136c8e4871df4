// OutboxMetrics in process: the observer hooks and the scrape-time
// collectors over a real Outbox and a Drainer on a scripted transport.
#include "grpc_service/outbox_metrics.h"

#include <boost/test/unit_test.hpp>
#include <memory>

#include "tests/metrics/exposition_check.h"
#include "tests/outbox/fake_transport.h"
#include "tests/outbox/test_util.h"

namespace outbox::grpc_service::testing {
namespace {

using outbox::testing::FakeTransport;
using outbox::testing::MakeEvent;
using std::chrono::milliseconds;

struct MetricsFixture : outbox::testing::OutboxFixture {
  MetricsFixture() : metrics({"1.2.3", "abc123"}, &clock) {
    DrainerOptions options;
    options.log = [](LogLevel, const std::string&) {};
    options.on_request = metrics.DeliveryObserver();
    drainer = std::make_unique<Drainer>(*outbox, transport,
                                        ApiKeys{"sk-unit-secret", {}}, options);
    metrics.AttachSources(outbox.get(), drainer.get());
  }

  void EnqueueEvents(int n) {
    std::vector<Event> events;
    for (int i = 0; i < n; ++i) {
      events.push_back(MakeEvent("e" + std::to_string(i)));
      events.back().user.emails = {"jane.doe@example.com"};
    }
    std::vector<EnqueueResult> results;
    Status s = outbox->Enqueue(std::move(events), &results);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  }

  // A scrape, checked for format.
  std::string Scrape() {
    std::string text = metrics.Render();
    std::string error = ExpositionError(text);
    BOOST_TEST(error.empty(), error << "\n" << text);
    return text;
  }

  double Value(const std::string& text, const std::string& series) {
    std::optional<double> v = SampleValue(text, series);
    BOOST_TEST_REQUIRE(v.has_value(), "no " << series << " in\n" << text);
    return *v;
  }

  OutboxMetrics metrics;
  FakeTransport transport;
  std::unique_ptr<Drainer> drainer;
};

BOOST_FIXTURE_TEST_SUITE(OutboxMetricsTest, MetricsFixture)

BOOST_AUTO_TEST_CASE(CountsEnqueueCallsAndEventsByResult) {
  metrics.OnEnqueue(grpc::StatusCode::OK, 3, 1, milliseconds(2));
  metrics.OnEnqueue(grpc::StatusCode::INVALID_ARGUMENT, 2, 0, milliseconds(1));
  metrics.OnEnqueue(grpc::StatusCode::UNAVAILABLE, 4, 0, milliseconds(0));
  metrics.OnEnqueue(grpc::StatusCode::CANCELLED, 1, 0, milliseconds(0));
  std::string t = Scrape();
  BOOST_TEST(Value(t, "outbox_enqueue_calls_total{code=\"OK\"}") == 1);
  BOOST_TEST(
      Value(t, "outbox_enqueue_calls_total{code=\"INVALID_ARGUMENT\"}") == 1);
  BOOST_TEST(Value(t, "outbox_enqueue_calls_total{code=\"CANCELLED\"}") == 1);
  BOOST_TEST(
      Value(t, "outbox_enqueue_calls_total{code=\"RESOURCE_EXHAUSTED\"}") == 0);
  BOOST_TEST(Value(t, "outbox_enqueue_events_total{result=\"ok\"}") == 2);
  BOOST_TEST(Value(t, "outbox_enqueue_events_total{result=\"duplicate\"}") ==
             1);
  BOOST_TEST(Value(t, "outbox_enqueue_events_total{result=\"invalid\"}") == 2);
  BOOST_TEST(Value(t, "outbox_enqueue_events_total{result=\"unavailable\"}") ==
             4);
  BOOST_TEST(Value(t, "outbox_enqueue_events_total{result=\"error\"}") == 1);
  BOOST_TEST(Value(t, "outbox_enqueue_duration_seconds_count") == 4);
  BOOST_TEST(
      Value(t, "outbox_enqueue_duration_seconds_bucket{le=\"0.0025\"}") == 4);
  BOOST_TEST(Value(t, "outbox_enqueue_duration_seconds_bucket{le=\"0.001\"}") ==
             3);
  BOOST_TEST(Value(t, "outbox_enqueue_duration_seconds_sum") == 0.003);
}

BOOST_AUTO_TEST_CASE(CountsAdminCallsByMethodAndCode) {
  metrics.OnAdminCall("Replay", grpc::StatusCode::OK);
  metrics.OnAdminCall("Replay", grpc::StatusCode::OK);
  metrics.OnAdminCall("Purge", grpc::StatusCode::PERMISSION_DENIED);
  std::string t = Scrape();
  BOOST_TEST(
      Value(t, "outbox_admin_calls_total{method=\"Replay\",code=\"OK\"}") == 2);
  BOOST_TEST(Value(t,
                   "outbox_admin_calls_total{method=\"Purge\",code="
                   "\"PERMISSION_DENIED\"}") == 1);
}

BOOST_AUTO_TEST_CASE(ReadsStoredCountsAndOldestAgeAtScrapeTime) {
  EnqueueEvents(5);
  std::string t = Scrape();
  BOOST_TEST(Value(t, "outbox_events{state=\"pending\"}") == 5);
  BOOST_TEST(Value(t, "outbox_events{state=\"delivered\"}") == 0);
  BOOST_TEST(Value(t, "outbox_oldest_pending_age_seconds") == 60);  // 1 min.
  BOOST_TEST(Value(t, "outbox_pixels") == 1);
  BOOST_TEST(Value(t, "outbox_storage_bytes") > 0);
  BOOST_TEST(!SampleValue(t, "outbox_storage_quota_bytes").has_value());
  clock.Advance(30 * 1000);
  BOOST_TEST(Value(Scrape(), "outbox_oldest_pending_age_seconds") == 90);
}

BOOST_AUTO_TEST_CASE(ReportsDeliveryCountsLatencyAndBatchSize) {
  EnqueueEvents(5);
  BOOST_REQUIRE(drainer->RunOnce().ok());
  std::string t = Scrape();
  BOOST_TEST(Value(t, "outbox_events{state=\"delivered\"}") == 5);
  BOOST_TEST(Value(t, "outbox_events{state=\"pending\"}") == 0);
  BOOST_TEST(Value(t, "outbox_oldest_pending_age_seconds") == 0);
  BOOST_TEST(Value(t, "outbox_events_delivered_total") == 5);
  BOOST_TEST(Value(t, "outbox_events_dead_total") == 0);
  BOOST_TEST(
      Value(t, "outbox_delivery_requests_total{outcome=\"delivered\"}") == 1);
  BOOST_TEST(Value(t, "outbox_delivery_requests_total{outcome=\"retry\"}") ==
             0);
  BOOST_TEST(Value(t,
                   "outbox_delivery_request_duration_seconds_count{outcome="
                   "\"delivered\"}") == 1);
  BOOST_TEST(Value(t, "outbox_delivery_request_events_bucket{le=\"2\"}") == 0);
  BOOST_TEST(Value(t, "outbox_delivery_request_events_bucket{le=\"5\"}") == 1);
  BOOST_TEST(Value(t, "outbox_delivery_request_events_sum") == 5);
  BOOST_TEST(Value(t, "outbox_delivery_requests_in_flight") == 0);
  BOOST_TEST(
      Value(t, "outbox_build_info{version=\"1.2.3\",commit=\"abc123\"}") == 1);
  BOOST_TEST(Value(t, "process_start_time_seconds") > 1.6e9);
}

BOOST_AUTO_TEST_CASE(CountsFailuresByVerdictAndPausedPixels) {
  transport.SetHandler([](const outbox::testing::SentRequest&) {
    return FakeTransport::Status(503);
  });
  EnqueueEvents(2);
  BOOST_REQUIRE(drainer->RunOnce().ok());
  BOOST_REQUIRE(drainer->Pause("px_test").ok());
  std::string t = Scrape();
  BOOST_TEST(Value(t, "outbox_delivery_requests_total{outcome=\"retry\"}") ==
             1);
  BOOST_TEST(Value(t,
                   "outbox_delivery_request_duration_seconds_count{outcome="
                   "\"retry\"}") == 1);
  BOOST_TEST(Value(t, "outbox_events_retried_total") == 2);
  BOOST_TEST(Value(t, "outbox_paused_pixels") == 1);
}

BOOST_AUTO_TEST_CASE(NeverShowsTheKeyOrRawPersonalData) {
  EnqueueEvents(3);
  BOOST_REQUIRE(drainer->RunOnce().ok());
  std::string t = Scrape();
  BOOST_TEST(t.find("sk-unit-secret") == std::string::npos);
  BOOST_TEST(t.find("jane") == std::string::npos);
  BOOST_TEST(t.find("example.com") == std::string::npos);
  BOOST_TEST(t.find("px_test") == std::string::npos);  // No pixel labels.
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service::testing
