#include "bench/trials/sql_peer.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "bench/harness/events.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kSevenDaysMs = 7LL * 24 * 3600 * 1000;

Clock::time_point After(Clock::time_point t, double seconds) {
  return t + std::chrono::duration_cast<Clock::duration>(
                 std::chrono::duration<double>(seconds));
}

}  // namespace

std::vector<PeerRow> MakeRows(const std::string& prefix, uint64_t first,
                              int count, int pixels) {
  std::vector<PeerRow> rows;
  rows.reserve(static_cast<size_t>(count));
  const int64_t now = NowMs();
  for (int i = 0; i < count; ++i) {
    const uint64_t n = first + static_cast<uint64_t>(i);
    outbox::Event e = RealisticEvent(PixelId(static_cast<int>(n % pixels)),
                                     EventId(prefix, n), now);
    // The application encodes the event itself before inserting it, as the
    // outbox does inside Enqueue: the same encoder, the same cost.
    rows.push_back(
        {e.pixel_id, e.type, e.id, EventJson(e), now + kSevenDaysMs});
  }
  return rows;
}

Metrics RunPeerEnqueueLoop(
    int concurrency, int events_per_call, double seconds,
    const std::function<bool(int worker, uint64_t call)>& call) {
  const Clock::time_point start =
      After(Clock::now(), std::min(1.0, seconds / 10));
  const Clock::time_point end = After(start, seconds);
  std::mutex mu;
  std::vector<double> latencies;
  uint64_t calls = 0, failures = 0;
  std::vector<std::thread> threads;
  for (int w = 0; w < concurrency; ++w) {
    threads.emplace_back([&, w] {
      std::vector<double> mine;
      uint64_t ok = 0, failed = 0;
      for (uint64_t n = 0; Clock::now() < end; ++n) {
        const Clock::time_point t0 = Clock::now();
        const bool success = call(w, n);
        const Clock::time_point t1 = Clock::now();
        if (!success) {
          ++failed;
        } else if (t1 >= start && t1 <= end) {
          ++ok;
          mine.push_back(
              std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      calls += ok;
      failures += failed;
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& t : threads) t.join();
  Metrics m;
  m["calls_per_s"] = static_cast<double>(calls) / seconds;
  m["events_per_s"] = static_cast<double>(calls) * events_per_call / seconds;
  m["failures"] = static_cast<double>(failures);
  AddLatencyQuantiles(std::move(latencies), "", &m);
  return m;
}

Metrics RunPeerDrainLoop(int workers,
                         const std::function<long(int worker)>& batch,
                         std::string* error) {
  std::atomic<uint64_t> handled{0};
  std::atomic<bool> failed{false};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (;;) {
        const long n = batch(w);
        if (n < 0) failed = true;
        if (n <= 0) return;
        handled += static_cast<uint64_t>(n);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  if (failed && error->empty()) *error = "a drain batch failed";
  Metrics m;
  m["seconds"] = seconds;
  m["delivered"] = static_cast<double>(handled);
  m["events_per_s"] = static_cast<double>(handled) / seconds;
  return m;
}

}  // namespace bench
