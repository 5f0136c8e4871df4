// Simulated power loss: the outbox runs on a file system that forgets
// everything not synced (power_loss_fs.h). Each cycle opens the outbox,
// enqueues from several threads while a Drainer delivers, cuts the power at
// a random instant (sometimes inside the open and its recovery), closes,
// throws the unsynced data away, and reopens. Pass: every reopen with power
// succeeds; every acknowledged enqueue survives; a key once read back as
// DELIVERED stays DELIVERED and is never sent again.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "outbox/drainer.h"
#include "outbox/src/private_file_system.h"
#include "tests/outbox/fake_transport.h"
#include "tests/outbox/test_util.h"
#include "tests/reliability/checker.h"
#include "tests/reliability/power_loss_fs.h"

namespace outbox::testing {
namespace {

constexpr int kShortCycles = 12;
constexpr int kEnqueueThreads = 3;

int64_t MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - start)
      .count();
}

// Makes every outbox opened while it lives use `fs` underneath.
class BaseFileSystemGuard {
 public:
  explicit BaseFileSystemGuard(std::shared_ptr<rocksdb::FileSystem> fs) {
    SetBaseFileSystemForTesting(std::move(fs));
  }
  ~BaseFileSystemGuard() { SetBaseFileSystemForTesting(nullptr); }
};

class PowerLossScenario {
 public:
  PowerLossScenario()
      : fs_(std::make_shared<PowerLossFileSystem>()),
        guard_(fs_),
        clock_(kNowMs) {
    options_.data_dir = dir_.Sub("db");
    options_.clock = &clock_;
    options_.background_maintenance = false;
    transport_.SetHandler([this](const SentRequest& r) {
      ledger_.Receive(KeysOfBody(r.pixel_id, r.body), epoch_);
      return FakeTransport::Accept(r);
    });
  }

  // One life of the outbox, from open to power cut.
  void RunCycle(std::mt19937& rng) {
    ++epoch_;
    bool cut_in_open = rng() % 4 == 0;
    if (cut_in_open) fs_->CutPowerAfter(rng() % 80);
    auto start = std::chrono::steady_clock::now();
    StatusOr<std::unique_ptr<Outbox>> opened = Outbox::Open(options_);
    if (!opened.ok()) {
      // Only a dead machine may fail to open; with power it must recover.
      BOOST_REQUIRE_MESSAGE(!fs_->powered(),
                            "reopen failed: " << opened.status());
      PowerCycle();
      return;
    }
    figures_.max_recovery_ms =
        std::max(figures_.max_recovery_ms, MsSince(start));
    CountSurvivors(**opened);
    RunLoad(**opened, rng, cut_in_open);
    opened->reset();  // Closes the database, as far as it can without power.
    PowerCycle();
  }

  // Power stays on: drain everything, then check the whole history.
  void Finish() {
    ++epoch_;
    auto start = std::chrono::steady_clock::now();
    auto opened = Outbox::Open(options_);
    BOOST_REQUIRE_MESSAGE(opened.ok(), "final reopen: " << opened.status());
    figures_.max_recovery_ms =
        std::max(figures_.max_recovery_ms, MsSince(start));
    Outbox& box = **opened;
    CountSurvivors(box);
    Drainer drainer(box, transport_, ApiKeys{"sk-test", {}}, DrainerOptions());
    for (int pass = 0; pass < 1000; ++pass) {
      BOOST_REQUIRE(drainer.RunOnce().ok());
      StatusOr<Stats> stats = box.GetStats();
      BOOST_REQUIRE(stats.ok());
      if (stats->pending == 0 && stats->in_flight == 0) break;
    }
    Check(ledger_, box, &figures_);
    figures_.lost += lost_on_reopen_;
    BOOST_TEST_MESSAGE("power loss: "
                       << figures_.ToString() << " cycles=" << epoch_
                       << " files_truncated=" << losses_.files_truncated
                       << " bytes_dropped=" << losses_.bytes_dropped
                       << " files_removed=" << losses_.files_removed
                       << " renames_undone=" << losses_.renames_undone);
    BOOST_TEST(figures_.acknowledged > 0u);
    BOOST_TEST(figures_.lost == 0u);
    BOOST_TEST(figures_.redelivered == 0u);
    BOOST_TEST(figures_.state_errors == 0u);
    BOOST_TEST(ledger_.same_epoch_duplicates() == 0u);
    BOOST_TEST(DeliveredKeys(box).size() >= figures_.acknowledged);
  }

 private:
  void PowerCycle() {
    ++figures_.crashes;
    PowerLossFileSystem::Losses l = fs_->LoseUnsyncedData();
    losses_.files_truncated += l.files_truncated;
    losses_.bytes_dropped += l.bytes_dropped;
    losses_.files_removed += l.files_removed;
    losses_.renames_undone += l.renames_undone;
  }

  // Every key acknowledged before the last cut must be stored.
  void CountSurvivors(const Outbox& box) {
    for (const std::string& key : ledger_.acknowledged()) {
      if (!box.Get(DedupKey::Parse(key).value()).ok() &&
          ++lost_on_reopen_ <= 10) {
        BOOST_ERROR("acknowledged key lost: " << key);
      }
    }
  }

  void RunLoad(Outbox& box, std::mt19937& rng, bool cut_in_open) {
    DrainerOptions drainer_options;
    drainer_options.batch_linger_ms = 2;
    drainer_options.batch_max_events = 20;
    drainer_options.log = [](LogLevel, const std::string&) {};
    Drainer drainer(box, transport_, ApiKeys{"sk-test", {}}, drainer_options);
    drainer.Start();
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kEnqueueThreads; ++t) {
      threads.emplace_back([&, t] { Enqueuer(box, t, &stop); });
    }
    threads.emplace_back([&] {  // Reads see only synced writes.
      while (!stop) {
        ledger_.SawDelivered(DeliveredKeys(box));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    int run_ms = 20 + static_cast<int>(rng() % 230);
    auto start = std::chrono::steady_clock::now();
    while (fs_->powered() && MsSince(start) < run_ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!cut_in_open || fs_->powered()) fs_->CutPower();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stop = true;
    for (auto& thread : threads) thread.join();
    drainer.Stop();
  }

  void Enqueuer(Outbox& box, int thread, const std::atomic<bool>* stop) {
    for (int n = 0; !*stop; ++n) {
      std::vector<Event> events;
      for (int i = 0; i <= n % 4; ++i) {
        events.push_back(MakeEvent(
            "e" + std::to_string(epoch_) + "-" + std::to_string(thread) + "-" +
                std::to_string(n) + "-" + std::to_string(i),
            thread % 2 ? "px_a" : "px_b"));
      }
      std::vector<EnqueueResult> results;
      if (box.Enqueue(events, &results).ok())
        ledger_.Acknowledge(KeysOf(events));
    }
  }

  TempDir dir_;
  std::shared_ptr<PowerLossFileSystem> fs_;
  BaseFileSystemGuard guard_;
  FakeClock clock_;
  Options options_;
  FakeTransport transport_;
  Ledger ledger_;
  std::atomic<int> epoch_{0};
  Figures figures_;
  uint64_t lost_on_reopen_ = 0;
  PowerLossFileSystem::Losses losses_;
};

BOOST_AUTO_TEST_SUITE(PowerLossTest)

BOOST_AUTO_TEST_CASE(AcknowledgedEnqueuesSurviveEveryPowerCut) {
  uint32_t seed = std::random_device{}();
  if (const char* s = std::getenv("OUTBOX_RELIABILITY_SEED")) {
    seed = static_cast<uint32_t>(std::stoul(s));
  }
  BOOST_TEST_MESSAGE("power loss: seed "
                     << seed << " (OUTBOX_RELIABILITY_SEED reproduces)");
  std::mt19937 rng(seed);
  PowerLossScenario scenario;
  auto start = std::chrono::steady_clock::now();
  const int cycles = kShortCycles * TierFactor();
  // Bounded in time as well as in cycles, so a slow machine still finishes.
  for (int i = 0; i < cycles && MsSince(start) < 60'000 * TierFactor(); ++i) {
    scenario.RunCycle(rng);
  }
  scenario.Finish();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::testing
