#include "bench/harness/outbox_load.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bench/harness/events.h"
#include "bench/harness/process.h"
#include "outbox/curl_transport.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

// One issuing thread and the calls it keeps in flight. Completions arrive
// on the outbox's writer thread, hence the mutex.
struct Issuer {
  int slots = 0;
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  uint64_t calls = 0;
  uint64_t failures = 0;
  std::vector<double> latencies_ms;
};

struct Window {
  Clock::time_point start;  // End of the warm-up.
  Clock::time_point end;
};

std::vector<outbox::Event> MakeCall(const LoadShape& shape, uint64_t first) {
  std::vector<outbox::Event> events;
  events.reserve(static_cast<size_t>(shape.events_per_call));
  const int64_t now = NowMs();
  for (int i = 0; i < shape.events_per_call; ++i) {
    const uint64_t n = first + static_cast<uint64_t>(i);
    events.push_back(RealisticEvent(PixelId(static_cast<int>(n % shape.pixels)),
                                    EventId(shape.id_prefix, n), now));
  }
  return events;
}

void IssueLoop(outbox::Outbox& box, const LoadShape& shape, Issuer& issuer,
               const Window& window, std::atomic<uint64_t>& next_id) {
  while (Clock::now() < window.end) {
    {
      std::unique_lock<std::mutex> lock(issuer.mu);
      issuer.cv.wait(lock, [&] { return issuer.in_flight < issuer.slots; });
      ++issuer.in_flight;
    }
    const uint64_t first =
        next_id.fetch_add(static_cast<uint64_t>(shape.events_per_call));
    std::vector<outbox::Event> events = MakeCall(shape, first);
    const Clock::time_point start = Clock::now();
    box.EnqueueAsync(std::move(events), [&issuer, &window, start](
                                            outbox::Status s, auto) {
      const Clock::time_point done = Clock::now();
      const bool counted = done >= window.start && done <= window.end;
      std::lock_guard<std::mutex> lock(issuer.mu);
      if (!s.ok()) {
        ++issuer.failures;
      } else if (counted) {
        ++issuer.calls;
        issuer.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(done - start).count());
      }
      --issuer.in_flight;
      issuer.cv.notify_one();
    });
  }
  std::unique_lock<std::mutex> lock(issuer.mu);
  issuer.cv.wait(lock, [&] { return issuer.in_flight == 0; });
}

}  // namespace

namespace {

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(s));
}

void Summarize(const std::vector<Issuer>& issuers, const LoadShape& shape,
               double cpu_seconds, Metrics* metrics) {
  uint64_t calls = 0, failures = 0;
  std::vector<double> latencies;
  for (const Issuer& issuer : issuers) {
    calls += issuer.calls;
    failures += issuer.failures;
    latencies.insert(latencies.end(), issuer.latencies_ms.begin(),
                     issuer.latencies_ms.end());
  }
  const double events = static_cast<double>(calls) * shape.events_per_call;
  (*metrics)["calls_per_s"] = static_cast<double>(calls) / shape.seconds;
  (*metrics)["events_per_s"] = events / shape.seconds;
  (*metrics)["cpu_us_per_event"] = events > 0 ? cpu_seconds / events * 1e6 : 0;
  (*metrics)["failures"] = static_cast<double>(failures);
  AddLatencyQuantiles(std::move(latencies), "", metrics);
}

}  // namespace

void RunEnqueueLoad(outbox::Outbox& box, const LoadShape& shape,
                    Metrics* metrics) {
  // Validation and encoding run on the issuing thread; two of them use both
  // cores of the development machines, as gRPC's handler threads would.
  const int issuers = shape.concurrency > 1 ? 2 : 1;
  std::vector<Issuer> state(static_cast<size_t>(issuers));
  for (int i = 0; i < shape.concurrency; ++i) state[i % issuers].slots++;
  Window window;
  window.start = Clock::now() + Seconds(shape.warmup_seconds);
  window.end = window.start + Seconds(shape.seconds);
  std::atomic<uint64_t> next_id{0};
  std::vector<std::thread> threads;
  for (Issuer& issuer : state) {
    threads.emplace_back([&box, &shape, &window, &next_id, p = &issuer] {
      IssueLoop(box, shape, *p, window, next_id);
    });
  }
  // CPU is counted over the measured window only, like the calls.
  std::this_thread::sleep_until(window.start);
  const double cpu_at_start = SelfCpuSeconds();
  std::this_thread::sleep_until(window.end);
  const double cpu = SelfCpuSeconds() - cpu_at_start;
  for (std::thread& t : threads) t.join();
  Summarize(state, shape, cpu, metrics);
}

outbox::Status FillOutbox(outbox::Outbox& box, uint64_t count, int pixels,
                          const std::string& id_prefix) {
  constexpr uint64_t kPerCall = 1000;
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  outbox::Status first_error;
  std::mutex error_mu;
  const Clock::time_point start = Clock::now();
  auto fill = [&] {
    LoadShape shape;
    shape.pixels = pixels;
    shape.id_prefix = id_prefix;
    std::vector<outbox::EnqueueResult> results;
    for (uint64_t n; !failed && (n = next.fetch_add(kPerCall)) < count;) {
      shape.events_per_call = static_cast<int>(std::min(kPerCall, count - n));
      outbox::Status s = box.Enqueue(MakeCall(shape, n), &results);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        first_error = s;
        failed = true;
      }
      if (n % 100000 == 0 && n > 0) {
        std::fprintf(stderr, "    filled %llu of %llu (%.0f events/s)\n",
                     static_cast<unsigned long long>(n),
                     static_cast<unsigned long long>(count),
                     static_cast<double>(n) / (MsSince(start) / 1000));
      }
    }
  };
  std::thread other(fill);
  fill();
  other.join();
  return first_error;
}

outbox::StatusOr<DrainOutcome> DrainAll(outbox::Outbox& box,
                                        const std::string& capi_url,
                                        uint64_t expected, pid_t capi_pid,
                                        double timeout_s) {
  outbox::CurlTransportOptions transport_options;
  transport_options.endpoint = capi_url;
  auto transport = outbox::CurlTransport::Create(transport_options);
  if (!transport.ok()) return transport.status();
  outbox::DrainerOptions options;  // Defaults: batches of 1,000.
  options.log = [](outbox::LogLevel level, const std::string& line) {
    if (level >= outbox::LogLevel::kWarning) {
      std::fprintf(stderr, "    drainer: %s\n", line.c_str());
    }
  };
  outbox::ApiKeys keys;
  keys.default_key = kFakeCapiKey;
  outbox::Drainer drainer(box, **transport, keys, options);
  DrainOutcome outcome;
  const double self_cpu = SelfCpuSeconds();
  const double capi_cpu = capi_pid > 0 ? ProcessCpuSeconds(capi_pid) : 0;
  const Clock::time_point start = Clock::now();
  drainer.Start();
  outbox::DrainerStats stats;
  const bool done = WaitUntil(
      [&] {
        stats = drainer.GetStats();
        return stats.events_delivered >= expected || stats.events_dead > 0;
      },
      std::chrono::milliseconds(static_cast<long>(timeout_s * 1000)));
  outcome.seconds = MsSince(start) / 1000;
  outcome.self_cpu_seconds = SelfCpuSeconds() - self_cpu;
  if (capi_pid > 0) {
    outcome.capi_cpu_seconds = ProcessCpuSeconds(capi_pid) - capi_cpu;
  }
  drainer.Stop();
  outcome.delivered = stats.events_delivered;
  outcome.requests = stats.requests;
  if (!done || stats.events_dead > 0) {
    return outbox::Status::Unavailable(
        "drain incomplete: " + std::to_string(stats.events_delivered) + " of " +
        std::to_string(expected) + " delivered, " +
        std::to_string(stats.events_dead) + " dead");
  }
  return outcome;
}

}  // namespace bench
