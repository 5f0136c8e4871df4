// Crash points (outbox/src/crash_point.h; built only with
// OUTBOX_CRASH_POINTS=ON): a child outbox enqueues and delivers while one
// named point kills it with SIGKILL on its N-th hit; the next child
// restarts on the same data. At the end a last child drains everything and
// the checker reads the ledger the children appended (crash_points_child.cc)
// and the final database. Pass: 0 lost, 0 re-delivered, 0 state errors,
// every acknowledged key delivered, and duplicates only across a crash
// (never two acceptances of one key within one life of the outbox).
#define BOOST_TEST_MODULE crash_points_test
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "tests/outbox/test_util.h"
#include "tests/reliability/checker.h"

namespace outbox::testing {
namespace {

constexpr int kRunMs = 1500;
constexpr auto kChildLimit = std::chrono::seconds(60);

struct Point {
  const char* name;
  int max_hit;  // N is drawn from [1, max_hit]: the point fires early or late.
};
const Point kPoints[] = {
    {"store.after_sync", 300},
    {"drainer.before_send", 40},
    {"drainer.after_2xx", 40},
    {"outbox.recovery", 1},  // Once per life: at every start.
};

class CrashPointRunner {
 public:
  // Runs one child life; returns true when a crash point killed it.
  bool RunChild(const std::string& crash_at, const std::string& mode) {
    ++epoch_;
    pid_t pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      if (crash_at.empty()) {
        unsetenv("OUTBOX_CRASH_AT");
      } else {
        setenv("OUTBOX_CRASH_AT", crash_at.c_str(), 1);
      }
      execl(CRASH_POINTS_CHILD_PATH, "crash_points_child", data_dir_.c_str(),
            ledger_path_.c_str(), std::to_string(epoch_).c_str(), mode.c_str(),
            std::to_string(kRunMs).c_str(), nullptr);
      _exit(127);
    }
    int status = Wait(pid);
    bool crashed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    BOOST_REQUIRE_MESSAGE(
        crashed || (WIFEXITED(status) && WEXITSTATUS(status) == 0),
        "child for '" << crash_at << "' ended with status " << status);
    return crashed;
  }

  // Reads the ledger into `ledger`; returns how many lives stopped cleanly.
  int ReadLedger(Ledger* ledger) const {
    std::ifstream in(ledger_path_);
    int done = 0;
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields(line);
      std::string tag, key;
      int epoch = 0;
      fields >> tag;
      if (tag == "RECV") fields >> epoch;
      fields >> key;
      if (tag == "ACK") ledger->Acknowledge({key});
      if (tag == "SEEN") ledger->SawDelivered({key});
      if (tag == "RECV") ledger->Receive({key}, epoch);
      if (tag == "DONE") ++done;
    }
    return done;
  }

  const std::string& data_dir() const { return data_dir_; }

 private:
  // Waits for the child, killing it if it outlives kChildLimit (a hang).
  int Wait(pid_t pid) {
    auto start = std::chrono::steady_clock::now();
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() - start > kChildLimit) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        BOOST_FAIL("child hung for " << kChildLimit.count() << " s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status;
  }

  TempDir dir_;
  const std::string data_dir_ = dir_.Sub("db");
  const std::string ledger_path_ = dir_.Sub("ledger");
  int epoch_ = 0;
};

BOOST_AUTO_TEST_CASE(InvariantsHoldAcrossEveryCrashPoint) {
  uint32_t seed = std::random_device{}();
  if (const char* s = std::getenv("OUTBOX_RELIABILITY_SEED")) {
    seed = static_cast<uint32_t>(std::stoul(s));
  }
  std::mt19937 rng(seed);
  CrashPointRunner runner;
  Figures figures;
  const int rounds = 3 * TierFactor();
  std::ostringstream per_point;
  for (const Point& point : kPoints) {
    int fired = 0;
    for (int round = 0; round < rounds; ++round) {
      // Recovery has work only if the previous life died with requests in
      // flight, so it follows a crash before a send.
      if (point.max_hit == 1) {
        figures.crashes += runner.RunChild("drainer.before_send:3", "load");
      }
      int hit = 1 + static_cast<int>(rng() % point.max_hit);
      fired +=
          runner.RunChild(point.name + (":" + std::to_string(hit)), "load");
    }
    figures.crashes += fired;
    per_point << " " << point.name << "=" << fired << "/" << rounds;
    BOOST_TEST(fired > 0, point.name << " never fired");
  }
  auto start = std::chrono::steady_clock::now();
  BOOST_REQUIRE(!runner.RunChild("", "drain"));
  int64_t drain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();

  Ledger ledger;
  int clean = runner.ReadLedger(&ledger);
  Options options;
  options.data_dir = runner.data_dir();
  options.background_maintenance = false;
  auto opened = Outbox::Open(options);
  BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
  Check(ledger, **opened, &figures);
  figures.max_recovery_ms = drain_ms;  // Restart plus delivering the backlog.
  size_t delivered = DeliveredKeys(**opened).size();
  BOOST_TEST_MESSAGE("crash points: seed "
                     << seed << "; fired" << per_point.str() << "; "
                     << figures.ToString() << " clean_lives=" << clean
                     << " delivered=" << delivered << " same_life_duplicates="
                     << ledger.same_epoch_duplicates());
  BOOST_TEST(figures.acknowledged > 0u);
  BOOST_TEST(figures.lost == 0u);
  BOOST_TEST(figures.redelivered == 0u);
  BOOST_TEST(figures.state_errors == 0u);
  BOOST_TEST(ledger.same_epoch_duplicates() == 0u);
  for (const std::string& key : ledger.acknowledged()) {
    auto record = (*opened)->Get(DedupKey::Parse(key).value());
    BOOST_TEST((record.ok() && record->state == State::kDelivered), key);
  }
}

}  // namespace
}  // namespace outbox::testing
