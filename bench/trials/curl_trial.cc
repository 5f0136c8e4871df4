// The HTTP ceiling: libcurl POSTs of one 1,000-event body to fake-capi over
// kept-alive connections, with no outbox work around them.
#include <atomic>
#include <chrono>
#include <thread>

#include "bench/harness/events.h"
#include "bench/harness/http_client.h"
#include "bench/harness/process.h"
#include "bench/trials/trials.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

// One body, posted again and again: fake-capi sees the same keys as
// duplicates, which costs it no more than new ones and keeps its ledger
// small.
std::string Body(int batch) {
  std::vector<std::string> events;
  for (int i = 0; i < batch; ++i) {
    events.push_back(EventJson(RealisticEvent(
        PixelId(0), EventId("c", static_cast<uint64_t>(i)), NowMs())));
  }
  std::vector<const std::string*> pointers;
  for (const std::string& e : events) pointers.push_back(&e);
  return RequestBody(pointers.data(), pointers.size());
}

struct Poster {
  uint64_t requests = 0;
  uint64_t failures = 0;
  std::vector<double> latencies_ms;
};

void PostLoop(const std::string& url, const std::string& body,
              Clock::time_point end, Poster* out) {
  HttpClient client;
  while (Clock::now() < end) {
    const Clock::time_point start = Clock::now();
    if (client.Post(url, kFakeCapiKey, body) != 200) {
      ++out->failures;
      continue;
    }
    out->latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - start)
            .count());
    ++out->requests;
  }
}

}  // namespace

outbox::StatusOr<Metrics> CurlCeilingTrial(const Params& p) {
  const int connections = static_cast<int>(p.Int("connections", 1));
  const double seconds = p.Num("seconds", 5);
  const int batch = static_cast<int>(p.Int("batch", 1000));
  const std::string url = p.Str("capi_url") + "?pid=" + PixelId(0);
  const std::string body = Body(batch);
  const pid_t capi_pid = static_cast<pid_t>(p.Int("capi_pid"));
  const double capi_cpu = ProcessCpuSeconds(capi_pid);
  const Clock::time_point end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(seconds));
  std::vector<Poster> posters(static_cast<size_t>(connections));
  std::vector<std::thread> threads;
  for (Poster& poster : posters) {
    threads.emplace_back(PostLoop, std::cref(url), std::cref(body), end,
                         &poster);
  }
  for (std::thread& t : threads) t.join();
  uint64_t requests = 0, failures = 0;
  std::vector<double> latencies;
  for (const Poster& poster : posters) {
    requests += poster.requests;
    failures += poster.failures;
    latencies.insert(latencies.end(), poster.latencies_ms.begin(),
                     poster.latencies_ms.end());
  }
  if (requests == 0) {
    return outbox::Status::Unavailable("every POST to " + url + " failed");
  }
  Metrics m;
  m["requests_per_s"] = static_cast<double>(requests) / seconds;
  m["events_per_s"] = static_cast<double>(requests) * batch / seconds;
  m["body_bytes"] = static_cast<double>(body.size());
  m["capi_cores"] = (ProcessCpuSeconds(capi_pid) - capi_cpu) / seconds;
  m["failures"] = static_cast<double>(failures);
  AddLatencyQuantiles(std::move(latencies), "", &m);
  return m;
}

}  // namespace bench
