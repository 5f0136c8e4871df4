// Scenario 1, the kill -9 loop: a load client (a process of its own, never
// killed) enqueues through gRPC at full rate while outboxd delivers to a
// fake-capi that answers 503 to 5% of requests; the test SIGKILLs outboxd
// 15 times (x10 in the long tier) at random moments, during enqueue and
// drain and some during startup recovery, and restarts it on the same data
// dir, timing how long it takes to serve again. After a clean stop and a
// final drain the checker (checker.h) must find nothing lost, nothing
// re-delivered, no state error, and no more duplicates than the events the
// killed processes can have had in flight.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "tests/reliability/daemon_rig.h"

namespace outbox::testing {
namespace {

constexpr int kBatchMaxEvents = 100;
constexpr int kPixels = 2;
constexpr int kRequestsPerPixel = 2;  // DrainerOptions' default.
constexpr int64_t kMaxRecoveryMs = 5000;

void Sleep(int64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

BOOST_AUTO_TEST_SUITE(KillLoopTest)

BOOST_AUTO_TEST_CASE(KillNineLoopLosesNothingAndRedeliversNothing) {
  const int target_crashes = 15 * TierFactor();
  unsigned seed = std::random_device{}();
  if (const char* s = std::getenv("OUTBOX_RELIABILITY_SEED")) {
    seed = static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  }
  BOOST_TEST_MESSAGE("kill -9 loop: seed "
                     << seed << " (OUTBOX_RELIABILITY_SEED picks the same "
                     << "kill times; the load differs), " << target_crashes
                     << " crashes");
  std::mt19937 rng(seed);
  DaemonRigOptions options;
  options.fake_capi_args = {"--status-503", "0.05",   "--validate",
                            "shape",        "--seed", std::to_string(seed)};
  options.outboxd_args = {"--batch-max-events",
                          std::to_string(kBatchMaxEvents)};
  DaemonRig rig(options);
  rig.Spawn();
  BOOST_REQUIRE(rig.AwaitServing() >= 0);
  auto load = rig.StartLoadClient(
      {"--pixels", "px_kill_a,px_kill_b", "--batch", "20", "--threads", "4"});

  Figures figures;
  int startup_kills = 0, startup_kills_before_serving = 0;
  int64_t last_recovery_ms = 50;
  for (int round = 0; figures.crashes < uint64_t(target_crashes); ++round) {
    Sleep(std::uniform_int_distribution<int>(300, 3000)(rng));
    rig.Kill9();
    ++figures.crashes;
    rig.Spawn();
    if (round % 4 == 3 && figures.crashes < uint64_t(target_crashes)) {
      // Kill it again while it opens the store and recovers IN_FLIGHT
      // records, before (most of the time) it serves.
      size_t serving = rig.ServingLines();
      Sleep(std::uniform_int_distribution<int64_t>(0, last_recovery_ms)(rng));
      rig.Kill9();
      ++figures.crashes;
      ++startup_kills;
      if (rig.ServingLines() == serving) ++startup_kills_before_serving;
      rig.Spawn();
    }
    int64_t recovery_ms = rig.AwaitServing();
    BOOST_REQUIRE_MESSAGE(recovery_ms >= 0, "outboxd did not come back; see "
                                                << rig.outboxd_log());
    last_recovery_ms = std::max<int64_t>(recovery_ms, 10);
    figures.max_recovery_ms = std::max(figures.max_recovery_ms, recovery_ms);
  }
  Sleep(500);  // The last epoch also enqueues.
  BOOST_TEST(load->Stop(SIGTERM) == 0);
  BOOST_REQUIRE_MESSAGE(rig.AwaitDrained(120000), "final drain timed out");
  BOOST_TEST(rig.Stop() == 0);

  Ledger ledger;
  uint64_t failed = 0;
  rig.ReadLoad(&ledger, &figures.unknown, &failed);
  StatusOr<std::unique_ptr<Outbox>> box = rig.OpenStore();
  BOOST_REQUIRE_MESSAGE(box.ok(), box.status().ToString());
  const uint64_t in_flight_bound =
      kPixels * kRequestsPerPixel * kBatchMaxEvents;
  std::vector<std::string> problems =
      CheckDaemonRun(&ledger, ReadRequestLog(rig.request_log()), rig.epochs(),
                     **box, in_flight_bound, &figures);

  BOOST_TEST_MESSAGE("kill -9 loop: " << figures.ToString());
  BOOST_TEST_MESSAGE("  load: " << ReadFile(rig.Path("load.summary"))
                                << "  failed=" << failed
                                << "; kills during startup: " << startup_kills
                                << " (" << startup_kills_before_serving
                                << " before it served); duplicates allowed "
                                << in_flight_bound << " per crash");
  for (const std::string& p : problems) BOOST_TEST_MESSAGE("  " << p);
  BOOST_TEST(figures.acknowledged > 0u);
  BOOST_TEST(failed == 0u);
  BOOST_TEST(figures.lost == 0u);
  BOOST_TEST(figures.redelivered == 0u);
  BOOST_TEST(figures.state_errors == 0u);
  BOOST_TEST(figures.unexplained_duplicates == 0u);
  BOOST_TEST(figures.duplicates <= figures.duplicate_bound);
  BOOST_TEST(figures.max_recovery_ms <= kMaxRecoveryMs);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::testing
