// Durability under kill -9: a child enqueues and reports each acknowledged
// key; the test kills it at random moments, reopens the outbox each time,
// and checks that every acknowledged key is stored, in exactly one state.
#define BOOST_TEST_MODULE durability_test
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <random>
#include <set>

#include "outbox/outbox.h"
#include "tests/outbox/test_util.h"

namespace outbox {
namespace {

constexpr int kKills = 20;

// Runs the child for about `run_ms`, SIGKILLs it, and returns the
// (pixel, id) pairs it acknowledged.
std::vector<std::pair<std::string, std::string>> RunAndKill(
    const std::string& data_dir, const std::string& prefix, int run_ms) {
  int out[2];
  BOOST_REQUIRE(pipe(out) == 0);
  pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(CRASH_CHILD_PATH, "crash_child", data_dir.c_str(), prefix.c_str(),
          nullptr);
    _exit(127);
  }
  close(out[1]);
  usleep(run_ms * 1000);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL),
             "child exited by itself; status " << status);
  std::string output;
  char buf[65536];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) output.append(buf, n);
  close(out[0]);
  std::vector<std::pair<std::string, std::string>> acked;
  size_t pos = 0;
  for (size_t nl; (nl = output.find('\n', pos)) != std::string::npos;
       pos = nl + 1) {
    std::string line = output.substr(pos, nl - pos);
    size_t space = line.find(' ', 4);
    acked.emplace_back(line.substr(4, space - 4), line.substr(space + 1));
  }
  return acked;
}

BOOST_AUTO_TEST_CASE(AcknowledgedEventsSurviveKillNine) {
  testing::TempDir dir;
  const std::string data_dir = dir.Sub("db");
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> run_ms(30, 400);
  std::vector<std::pair<std::string, std::string>> all_acked;
  for (int round = 0; round < kKills; ++round) {
    // Opening takes up to a second under sanitizers (`make asan`): every
    // fourth life lasts long enough to acknowledge something.
    int ms = round % 4 == 3 ? 1500 : run_ms(rng);
    auto acked = RunAndKill(data_dir, "r" + std::to_string(round), ms);
    all_acked.insert(all_acked.end(), acked.begin(), acked.end());
  }
  BOOST_TEST_MESSAGE(all_acked.size() << " acknowledged events, " << kKills
                                      << " kills");
  BOOST_REQUIRE(all_acked.size() > 0u);

  Options options;
  options.data_dir = data_dir;
  options.background_maintenance = false;
  auto opened = Outbox::Open(options);
  BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
  Outbox& box = **opened;

  // Every record appears under exactly one state, and counters agree.
  std::map<std::string, int> states_of;
  auto stats = box.GetStats();
  BOOST_REQUIRE(stats.ok());
  for (State s : {State::kPending, State::kInFlight, State::kDelivered,
                  State::kDead, State::kExpired}) {
    ListQuery query;
    query.state = s;
    query.limit = 1000;
    uint64_t n = 0;
    do {
      auto page = box.List(query);
      BOOST_REQUIRE(page.ok());
      for (const Record& r : page->records) {
        BOOST_TEST((r.state == s));
        states_of[r.key.ToString()]++;
        ++n;
      }
      query.page_token = page->next_page_token;
    } while (!query.page_token.empty());
    if (s == State::kPending) BOOST_TEST(n == stats->pending);
  }
  size_t lost = 0;
  for (const auto& [pixel, id] : all_acked) {
    auto key = DedupKey::Create(pixel, "lead_created", id);
    BOOST_REQUIRE(key.ok());
    auto record = box.Get(*key);
    if (!record.ok()) ++lost;
    BOOST_TEST(states_of[key->ToString()] == 1, key->ToString());
  }
  BOOST_TEST(lost == 0u);
}

}  // namespace
}  // namespace outbox
