// Child process of crash_points_test: one life of an outbox, built with
// crash points (OUTBOX_CRASH_AT may kill it anywhere).
//
//   crash_points_child DATA_DIR LEDGER EPOCH MODE RUN_MS
//
// MODE "load": enqueues from two threads while a Drainer delivers to an
// in-process receiver (5% of requests get a 503), for RUN_MS, then stops
// cleanly. MODE "drain": delivers until nothing is pending, enqueues nothing.
//
// Everything the checker needs is appended to LEDGER, one write(2) per
// line group, so a SIGKILL never leaves half a group:
//   SEEN key        at start: a key the outbox holds as DELIVERED
//   ACK key         Enqueue returned OK for it
//   RECV epoch key  the receiver accepted it (written before answering)
//   DONE epoch      the child stopped by itself
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "outbox/drainer.h"
#include "outbox/outbox.h"
#include "tests/reliability/checker.h"

namespace outbox::testing {
namespace {

class LedgerFile {
 public:
  explicit LedgerFile(const std::string& path)
      : fd_(open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600)) {}
  ~LedgerFile() { close(fd_); }
  void Write(const std::string& prefix, const std::vector<std::string>& keys) {
    std::string lines;
    for (const std::string& key : keys) lines += prefix + key + "\n";
    if (!lines.empty() && write(fd_, lines.data(), lines.size()) < 0) {
      std::perror("ledger");
    }
  }

 private:
  const int fd_;
};

// Accepts requests inline, logging each before it answers, as a real
// receiver has stored a request before its answer can be lost.
class LoggingReceiver : public Transport {
 public:
  LoggingReceiver(LedgerFile* ledger, int epoch)
      : ledger_(ledger), epoch_(epoch), rng_(epoch) {}
  void Send(HttpRequest request, Callback done) override {
    HttpResponse response;
    {
      std::lock_guard<std::mutex> lock(mu_);
      response.status = rng_() % 20 == 0 ? 503 : 200;
    }
    if (response.status == 200) {
      std::vector<std::string> keys =
          KeysOfBody(request.pixel_id, request.body);
      ledger_->Write("RECV " + std::to_string(epoch_) + " ", keys);
      response.body =
          "{\"accepted_events\":" + std::to_string(keys.size()) + "}";
    }
    done(std::move(response));
  }

 private:
  LedgerFile* ledger_;
  const int epoch_;
  std::mutex mu_;
  std::mt19937 rng_;  // guarded by mu_
};

void Enqueue(Outbox& box, LedgerFile& ledger, const std::string& prefix,
             const std::atomic<bool>& stop) {
  for (int n = 0; !stop; ++n) {
    std::vector<Event> events;
    for (int i = 0; i <= n % 3; ++i) {
      Event e;
      e.pixel_id = n % 2 ? "px_a" : "px_b";
      e.id = prefix + "-" + std::to_string(n) + "-" + std::to_string(i);
      e.type = "lead_created";
      e.timestamp_ms = SystemClock()->NowMs() - 60 * 1000;
      e.data.type = "customer_action";
      events.push_back(std::move(e));
    }
    std::vector<EnqueueResult> results;
    if (box.Enqueue(events, &results).ok())
      ledger.Write("ACK ", KeysOf(events));
  }
}

bool Idle(const Outbox& box) {
  StatusOr<Stats> stats = box.GetStats();
  return stats.ok() && stats->pending == 0 && stats->in_flight == 0;
}

int Run(const std::string& data_dir, LedgerFile& ledger, int epoch,
        const std::string& mode, int run_ms) {
  Options options;
  options.data_dir = data_dir;
  options.background_maintenance = false;
  auto opened = Outbox::Open(options);  // Recovery: a crash point.
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  Outbox& box = **opened;
  ledger.Write("SEEN ", DeliveredKeys(box));
  LoggingReceiver receiver(&ledger, epoch);
  DrainerOptions drainer_options;
  drainer_options.batch_linger_ms = 5;
  drainer_options.batch_max_events = 20;
  drainer_options.retry_initial_ms = 10;
  drainer_options.retry_max_ms = 100;
  drainer_options.log = [](LogLevel, const std::string&) {};
  Drainer drainer(box, receiver, ApiKeys{"sk-test", {}}, drainer_options);
  drainer.Start();
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  if (mode == "load") {
    for (int t = 0; t < 2; ++t) {
      std::string prefix =
          "e" + std::to_string(epoch) + "-" + std::to_string(t);
      threads.emplace_back([&, prefix] { Enqueue(box, ledger, prefix, stop); });
    }
  }
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start <
             std::chrono::milliseconds(run_ms) &&
         (mode == "load" || !Idle(box))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  for (auto& thread : threads) thread.join();
  drainer.Stop();
  ledger.Write("DONE ", {std::to_string(epoch)});
  return 0;
}

}  // namespace
}  // namespace outbox::testing

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(
        stderr,
        "usage: crash_points_child DATA_DIR LEDGER EPOCH MODE RUN_MS\n");
    return 64;
  }
  outbox::testing::LedgerFile ledger(argv[2]);
  return outbox::testing::Run(argv[1], ledger, std::atoi(argv[3]), argv[4],
                              std::atoi(argv[5]));
}
