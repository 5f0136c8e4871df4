// Scenario 4, network faults: a FaultProxy (fault_proxy.h) between outboxd
// and fake-capi refuses connections, black-holes them (attempts must end at
// --request-timeout-ms and delivery must resume afterwards), resets them
// mid-request and drops them after fake-capi took the request (ambiguous:
// duplicates allowed, counted); then fake-capi answers a 429 storm with
// Retry-After. A load client enqueues all along. Pass: nothing lost or
// re-delivered, no state error, duplicates within what the drops explain,
// and enqueue latency during the outages unaffected by delivery (a generous
// bound on the p99).
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "tests/reliability/daemon_rig.h"
#include "tests/reliability/fault_proxy.h"

namespace outbox::testing {
namespace {

constexpr int kBatchMaxEvents = 50;
constexpr int64_t kRequestTimeoutMs = 1000;
// The most a connection cut at a mode change can carry: every request of
// the one pixel in flight (DrainerOptions' default of 2) x batch size.
constexpr uint64_t kCutBound = 2 * kBatchMaxEvents;

void Sleep(int64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

int PortOf(const std::string& base_url) {
  return std::stoi(base_url.substr(base_url.rfind(':') + 1));
}

double Accepted(DaemonRig& rig) {
  return rig.capi().Stats()["accepted_events"];
}

// Attempts that began and ended without an HTTP answer while the black
// hole was on, as (duration, error).
std::vector<std::pair<int64_t, std::string>> BlackHoleAttempts(
    const Outbox& box, int64_t from_ms, int64_t to_ms) {
  std::vector<std::pair<int64_t, std::string>> found;
  ListQuery query;
  query.limit = 1000;
  do {
    StatusOr<RecordPage> page = box.List(query);
    if (!page.ok()) break;
    for (const Record& r : page->records) {
      for (const Attempt& a : r.attempts) {
        // Ended while the black hole was on: not cut by a mode change.
        if (a.http_status == 0 && a.started_ms >= from_ms &&
            a.started_ms + a.duration_ms < to_ms) {
          found.emplace_back(a.duration_ms, a.transport_error);
        }
      }
    }
    query.page_token = page->next_page_token;
  } while (!query.page_token.empty());
  return found;
}

BOOST_AUTO_TEST_SUITE(NetworkFaultTest)

BOOST_AUTO_TEST_CASE(OutagesLoseNothingAndDoNotSlowEnqueue) {
  const int64_t phase_ms = 2500 * TierFactor();
  DaemonRigOptions options;
  options.fake_capi_args = {"--validate", "shape"};
  options.outboxd_args = {"--batch-max-events", std::to_string(kBatchMaxEvents),
                          "--request-timeout-ms",
                          std::to_string(kRequestTimeoutMs)};
  DaemonRig rig(options);
  FaultProxy proxy(PortOf(rig.capi().base_url()));
  rig.set_capi_url("http://127.0.0.1:" + std::to_string(proxy.port()) +
                   "/v1/events");
  rig.Spawn();
  BOOST_REQUIRE(rig.AwaitServing() >= 0);
  auto load = rig.StartLoadClient({"--pixels", "px_net", "--batch", "10",
                                   "--threads", "2", "--interval-ms", "5"});
  std::vector<DaemonEpoch> phases;
  auto phase = [&](FaultProxy::Mode mode, int64_t ms, uint64_t ambiguous) {
    proxy.SetMode(mode);
    phases.push_back({WallMs(), false, kCutBound + ambiguous});
    Sleep(ms);
  };
  using Mode = FaultProxy::Mode;
  phase(Mode::kForward, 1000, 0);
  phase(Mode::kRefuse, phase_ms, 0);
  phase(Mode::kForward, 1000, 0);
  const int64_t black_hole_from = WallMs();
  phase(Mode::kBlackHole, phase_ms, 0);
  const int64_t black_hole_to = WallMs();
  const double accepted_before = Accepted(rig);
  phase(Mode::kForward, 1000, 0);
  // Delivery resumes once the black hole is gone (it may need a backoff).
  bool resumed = false;
  for (int i = 0; i < 100 && !resumed; ++i, Sleep(100)) {
    resumed = Accepted(rig) > accepted_before;
  }
  BOOST_TEST(resumed, "delivery did not resume after the black hole");
  phase(Mode::kResetMidRequest, phase_ms, 0);
  phase(Mode::kForward, 500, 0);
  const uint64_t dropped_before = proxy.dropped_after_forward();
  phase(Mode::kDropAfterForward, phase_ms, 0);
  const uint64_t drops = proxy.dropped_after_forward() - dropped_before;
  phases.back().ambiguous += drops * kBatchMaxEvents;
  phase(Mode::kForward, 0, 0);
  rig.capi().Control(R"({"status_429":0.6,"retry_after_s":1})");
  Sleep(phase_ms);
  rig.capi().Control(R"({"status_429":0})");
  Sleep(500);

  BOOST_TEST(load->Stop(SIGTERM) == 0);
  BOOST_REQUIRE_MESSAGE(rig.AwaitDrained(60000), "final drain timed out");
  BOOST_TEST(rig.Stop() == 0);

  Figures figures;
  Ledger ledger;
  uint64_t failed = 0;
  rig.ReadLoad(&ledger, &figures.unknown, &failed);
  StatusOr<std::unique_ptr<Outbox>> box = rig.OpenStore();
  BOOST_REQUIRE_MESSAGE(box.ok(), box.status().ToString());
  std::vector<std::string> problems = CheckDaemonRun(
      &ledger, ReadRequestLog(rig.request_log()), phases, **box, 0, &figures);
  auto attempts = BlackHoleAttempts(**box, black_hole_from, black_hole_to);
  int64_t longest = 0, shortest = INT64_MAX;
  for (const auto& [ms, error] : attempts) {
    longest = std::max(longest, ms);
    shortest = std::min(shortest, ms);
  }
  std::map<std::string, double> capi = rig.capi().Stats();
  std::string load_summary = ReadFile(rig.Path("load.summary"));

  BOOST_TEST_MESSAGE("network faults: " << figures.ToString());
  BOOST_TEST_MESSAGE("  proxy: black-holed "
                     << proxy.black_holed() << ", reset " << proxy.reset()
                     << ", dropped after "
                     << "forward " << proxy.dropped_after_forward()
                     << "; fake-capi 429s " << capi["faults.status_429"]
                     << "; black-hole attempts " << attempts.size()
                     << " lasting " << shortest << "-" << longest << " ms");
  BOOST_TEST_MESSAGE("  load (all phases, acknowledged calls): "
                     << load_summary << "  failed=" << failed);
  for (const std::string& p : problems) BOOST_TEST_MESSAGE("  " << p);
  BOOST_TEST(figures.acknowledged > 0u);
  BOOST_TEST(failed == 0u);
  BOOST_TEST(figures.lost == 0u);
  BOOST_TEST(figures.redelivered == 0u);
  BOOST_TEST(figures.state_errors == 0u);
  BOOST_TEST(figures.unexplained_duplicates == 0u);
  BOOST_TEST(proxy.black_holed() > 0u);
  BOOST_TEST(proxy.reset() > 0u);
  BOOST_TEST(drops > 0u);
  BOOST_TEST(capi["faults.status_429"] > 0.0);
  // Black-holed attempts end at the request timeout, not later.
  BOOST_TEST(!attempts.empty());
  BOOST_TEST(shortest >= kRequestTimeoutMs - 50);
  BOOST_TEST(longest <= kRequestTimeoutMs + 2000);
  // Enqueue does not wait for delivery: a generous bound, not a benchmark.
  const size_t at = load_summary.find("p99_us=");
  BOOST_REQUIRE(at != std::string::npos);
  BOOST_TEST(std::stoll(load_summary.substr(at + 7)) < 1000 * 1000);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::testing
