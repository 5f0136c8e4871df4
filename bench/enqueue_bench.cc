// In-process enqueue throughput: N threads, each calling Outbox::Enqueue
// with `--events-per-call` events in a loop for `--seconds`, durably (every
// call waits for its synced write). Prints events/s and latency percentiles.
//
//   build/bin/enqueue-bench --threads 32 --events-per-call 1 --seconds 5
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "outbox/outbox.h"

namespace {

struct Flags {
  int threads = 1;
  int events_per_call = 1;
  double seconds = 5;
  std::string data_dir;
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    const char* value = argv[i + 1];
    if (name == "--threads") {
      f->threads = std::atoi(value);
    } else if (name == "--events-per-call") {
      f->events_per_call = std::atoi(value);
    } else if (name == "--seconds") {
      f->seconds = std::atof(value);
    } else if (name == "--data-dir") {
      f->data_dir = value;
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && f->threads > 0 && f->events_per_call > 0;
}

// A realistic ~600-byte purchase: hashed user data, three items.
outbox::Event Purchase(const std::string& id) {
  outbox::Event e;
  e.pixel_id = "px_bench_" + std::to_string(id.size() % 4);
  e.id = id;
  e.type = "order_created";
  e.timestamp_ms = outbox::SystemClock()->NowMs();
  e.action_source = "web";
  e.source_url = "https://shop.example.com/checkout/complete?step=done";
  e.user.emails_sha256 = {std::string(64, 'a')};
  e.user.phone_numbers_sha256 = {std::string(64, 'b')};
  e.user.ip_address = "203.0.113.42";
  e.user.user_agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36";
  e.data.type = "contents";
  e.data.amount = 25998;
  e.data.currency = "USD";
  for (int i = 0; i < 3; ++i) {
    outbox::Content c;
    c.id = "sku-" + std::to_string(1000 + i);
    c.name = "Item " + std::to_string(i);
    c.quantity = 1;
    c.amount = 8666;
    e.data.contents.push_back(c);
  }
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: enqueue-bench [--threads N] [--events-per-call N] "
                 "[--seconds S] [--data-dir DIR]\n");
    return 64;
  }
  bool temp = flags.data_dir.empty();
  if (temp) {
    flags.data_dir = std::filesystem::temp_directory_path() /
                     ("enqueue-bench-" + std::to_string(getpid()));
  }
  outbox::Options options;
  options.data_dir = flags.data_dir;
  auto opened = outbox::Outbox::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  outbox::Outbox& box = **opened;
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::duration<double>(flags.seconds);
  std::atomic<long> events{0}, failures{0};
  std::vector<std::vector<double>> latencies(flags.threads);
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int t = 0; t < flags.threads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<outbox::EnqueueResult> results;
      for (long n = 0; Clock::now() < deadline; ++n) {
        std::vector<outbox::Event> batch;
        for (int i = 0; i < flags.events_per_call; ++i) {
          batch.push_back(Purchase("t" + std::to_string(t) + "-" +
                                   std::to_string(n) + "-" +
                                   std::to_string(i)));
        }
        auto call_start = Clock::now();
        if (!box.Enqueue(std::move(batch), &results).ok()) {
          failures++;
          continue;
        }
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - call_start)
                .count());
        events += flags.events_per_call;
      }
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&all](double p) {
    return all.empty() ? 0.0
                       : all[std::min(all.size() - 1, size_t(p * all.size()))];
  };
  std::printf(
      "threads=%d events_per_call=%d: %.0f events/s, %.0f calls/s, "
      "latency p50=%.2f ms p99=%.2f ms p999=%.2f ms, failures=%ld\n",
      flags.threads, flags.events_per_call, events / elapsed,
      all.size() / elapsed, pct(0.5), pct(0.99), pct(0.999), failures.load());
  opened->reset();
  if (temp) std::filesystem::remove_all(flags.data_dir);
  return failures.load() == 0 ? 0 : 1;
}
