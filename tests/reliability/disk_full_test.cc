// Disk full: the data directory sits on a small file system (small_fs.h)
// that a filler file and enqueues fill up. Pass: while full, Enqueue
// returns RESOURCE_EXHAUSTED (never OK without storing, never a crash or a
// hang: every call is bounded); once space is freed, enqueue works again
// within 30 s without reopening; nothing acknowledged is lost, before or
// after a reopen, and everything is delivered once.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <thread>

#include "outbox/drainer.h"
#include "tests/outbox/fake_transport.h"
#include "tests/outbox/test_util.h"
#include "tests/reliability/checker.h"
#include "tests/reliability/small_fs.h"

namespace outbox::testing {
namespace {

using std::chrono::steady_clock;

// Big enough that freeing the filler leaves the 64 MiB (one memtable) that
// RocksDB waits for before it resumes writing after "no space".
constexpr int kFileSystemMb = 512;
// Left to the outbox before it fills the disk: RocksDB preallocates each
// write-ahead log for a whole memtable (64 MiB + 10%).
constexpr uint64_t kHeadroomMb = 80;
constexpr auto kCallLimit = std::chrono::seconds(30);
constexpr int64_t kRecoveryLimitMs = 30'000;

int64_t MsSince(steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             steady_clock::now() - start)
      .count();
}

// Runs `fn` on another thread and returns its result. A call that does not
// return within kCallLimit is a hang: a hung thread cannot be cancelled, so
// the test reports it and aborts instead of waiting for CTest's timeout.
template <typename F>
auto Bounded(const char* what, F fn) {
  auto result = std::async(std::launch::async, std::move(fn));
  if (result.wait_for(kCallLimit) != std::future_status::ready) {
    std::fprintf(stderr, "HANG: %s did not return within %lld s\n", what,
                 static_cast<long long>(kCallLimit.count()));
    std::abort();
  }
  return result.get();
}

class DiskFullScenario {
 public:
  explicit DiskFullScenario(const std::string& data_dir) : clock_(kNowMs) {
    options_.data_dir = data_dir;
    options_.clock = &clock_;
    options_.background_maintenance = false;
    transport_.SetHandler([this](const SentRequest& r) {
      ledger_.Receive(KeysOfBody(r.pixel_id, r.body), epoch_);
      return FakeTransport::Accept(r);
    });
    Open();
  }

  void Open() {
    box_.reset();
    ++epoch_;
    auto opened =
        Bounded("Outbox::Open", [&] { return Outbox::Open(options_); });
    BOOST_REQUIRE_MESSAGE(opened.ok(), "open: " << opened.status());
    box_ = std::move(*opened);
  }

  // One Enqueue of `n` fresh events, each made large (10 KB) by a long
  // oppref and URL so the disk fills in few calls. Checks that OK means
  // stored.
  Status EnqueueBatch(int n) {
    std::vector<Event> events;
    for (int i = 0; i < n; ++i) {
      events.push_back(MakeEvent("ev-" + std::to_string(next_id_++)));
      events.back().oppref = std::string(2000, 'o');
      events.back().source_url += "?" + std::string(8000, 'u');
    }
    Status s = Bounded("Enqueue", [&] {
      std::vector<EnqueueResult> results;
      return box_->Enqueue(events, &results);
    });
    codes_[std::string(StatusCodeName(s.code()))]++;
    if (s.ok()) {
      ledger_.Acknowledge(KeysOf(events));
      for (const std::string& key : KeysOf(events)) {
        BOOST_TEST(box_->Get(DedupKey::Parse(key).value()).ok(),
                   "OK but not stored: " << key);
      }
    }
    return s;
  }

  // Enqueues until the disk refuses; returns the first refusal.
  Status EnqueueUntilFull() {
    for (int call = 0; call < 5000; ++call) {
      Status s = EnqueueBatch(500);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  // Delivery passes on a full disk: whatever they return, they must not
  // crash, hang, or mark anything delivered that is not on disk.
  void DrainWhileFull() {
    Drainer drainer(*box_, transport_, ApiKeys{"sk-test", {}}, Quiet());
    for (int pass = 0; pass < 3; ++pass) {
      Bounded("Drainer::RunOnce", [&] {
        return drainer.RunOnce();
      }).IgnoreError();
    }
  }

  // Enqueues until OK again; returns how long that took, or -1.
  int64_t WaitForRecovery() {
    auto start = steady_clock::now();
    while (MsSince(start) < kRecoveryLimitMs) {
      Status s = EnqueueBatch(5);
      if (s.ok()) return MsSince(start);
      last_refusal_ = s;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return -1;
  }

  void DrainAll() {
    Drainer drainer(*box_, transport_, ApiKeys{"sk-test", {}}, Quiet());
    for (int pass = 0; pass < 1000; ++pass) {
      Status s = drainer.RunOnce();
      BOOST_REQUIRE_MESSAGE(s.ok(), "delivery pass: " << s);
      StatusOr<Stats> stats = box_->GetStats();
      BOOST_REQUIRE(stats.ok());
      if (stats->pending == 0 && stats->in_flight == 0) return;
    }
    BOOST_ERROR("delivery did not finish in 1000 passes");
  }

  Figures Finish() {
    Figures figures;
    Check(ledger_, *box_, &figures);
    figures.crashes = 0;
    return figures;
  }

  std::string Codes() const {
    std::string out;
    for (const auto& [code, n] : codes_) {
      out += (out.empty() ? "" : " ") + code + "=" + std::to_string(n);
    }
    return out;
  }
  const Status& last_refusal() const { return last_refusal_; }
  // From now on a send of a delivered key counts as a re-delivery.
  void NoteDelivered() { ledger_.SawDelivered(DeliveredKeys(*box_)); }

 private:
  static DrainerOptions Quiet() {
    DrainerOptions options;
    options.batch_max_events = 100;
    options.log = [](LogLevel, const std::string&) {};
    return options;
  }

  FakeClock clock_;
  Options options_;
  FakeTransport transport_;
  Ledger ledger_;
  int epoch_ = 0;
  int next_id_ = 0;
  std::map<std::string, int> codes_;
  Status last_refusal_;
  std::unique_ptr<Outbox> box_;
};

BOOST_AUTO_TEST_SUITE(DiskFullTest)

BOOST_AUTO_TEST_CASE(RefusesWhenFullAndRecoversWithoutRestart) {
  TempDir dir;
  SmallFileSystem fs(dir.path(), kFileSystemMb);
  if (!fs.mounted()) {
    BOOST_TEST_MESSAGE("SKIPPED: disk full scenario: " << fs.why());
    return;
  }
  // Most of the space goes to a filler the test can free; the outbox gets
  // the rest, so that its own data is not what keeps the disk full.
  const std::string filler = fs.path() + "/filler";
  uint64_t filled = SmallFileSystem::FillWith(
      filler, SmallFileSystem::FreeBytes(fs.path()) - (kHeadroomMb << 20));
  DiskFullScenario scenario(fs.path() + "/db");
  for (int i = 0; i < 10; ++i) BOOST_REQUIRE(scenario.EnqueueBatch(20).ok());
  Status full = scenario.EnqueueUntilFull();
  filled += SmallFileSystem::FillWith(filler + "2");  // The last crumbs.
  BOOST_TEST_MESSAGE("disk full: " << fs.kind() << " " << kFileSystemMb
                                   << " MiB, filler " << (filled >> 20)
                                   << " MiB, first "
                                   << "refusal: " << full);
  BOOST_REQUIRE_MESSAGE(!full.ok(), "the disk never filled up");
  BOOST_TEST((full.code() == StatusCode::kResourceExhausted),
             "expected RESOURCE_EXHAUSTED, got " << full);
  for (int i = 0; i < 20; ++i) {  // Still full: refused again, or stored.
    Status again = scenario.EnqueueBatch(20);
    BOOST_TEST((again.ok() || again.code() == StatusCode::kResourceExhausted),
               "while full: " << again);
  }
  scenario.DrainWhileFull();

  std::filesystem::remove(filler);
  std::filesystem::remove(filler + "2");
  int64_t recovery_ms = scenario.WaitForRecovery();
  BOOST_TEST_MESSAGE("disk full: enqueue works again after "
                     << recovery_ms << " ms (free "
                     << (SmallFileSystem::FreeBytes(fs.path()) >> 20)
                     << " MiB); calls by status: " << scenario.Codes());
  BOOST_REQUIRE_MESSAGE(recovery_ms >= 0, "enqueue still failing after "
                                              << kRecoveryLimitMs << " ms: "
                                              << scenario.last_refusal());
  for (int i = 0; i < 20; ++i) BOOST_TEST(scenario.EnqueueBatch(5).ok());
  scenario.DrainAll();
  scenario.NoteDelivered();

  scenario.Open();  // Nothing acknowledged may be missing after a restart.
  scenario.DrainAll();
  Figures figures = scenario.Finish();
  figures.max_recovery_ms = recovery_ms;
  BOOST_TEST_MESSAGE("disk full: " << figures.ToString());
  BOOST_TEST(figures.lost == 0u);
  BOOST_TEST(figures.redelivered == 0u);
  BOOST_TEST(figures.duplicates == 0u);
  BOOST_TEST(figures.state_errors == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::testing
