// Child process of the delivery tests: enqueues events (optionally), then
// delivers everything to a Conversions API endpoint with the real Drainer
// and libcurl transport, and exits 0 once nothing is pending or in flight.
//
//   delivery_child DATA_DIR ENDPOINT [ENQUEUE_COUNT [PIXELS [BATCH_MAX]]]
//
// Tests kill it with SIGKILL at random moments and start it again.
#include <unistd.h>

#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "outbox/curl_transport.h"
#include "outbox/drainer.h"
#include "outbox/outbox.h"

namespace {

outbox::Status EnqueueAll(outbox::Outbox& box, int count, int pixels) {
  std::vector<outbox::Event> batch;
  std::vector<outbox::EnqueueResult> results;
  for (int i = 0; i < count; ++i) {
    outbox::Event e;
    e.pixel_id = "px_" + std::to_string(i % pixels);
    e.id = "ev-" + std::to_string(i);
    e.type = "order_created";
    e.timestamp_ms = outbox::SystemClock()->NowMs();
    e.data.type = "contents";
    e.data.amount = 100 + i;
    e.data.currency = "USD";
    batch.push_back(std::move(e));
    if (batch.size() == 500 || i + 1 == count) {
      OUTBOX_RETURN_IF_ERROR(box.Enqueue(std::move(batch), &results));
      batch.clear();
    }
  }
  return outbox::Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: delivery_child DATA_DIR ENDPOINT [COUNT [PIXELS [BATCH]]]\n");
    return 64;
  }
  outbox::Options options;
  options.data_dir = argv[1];
  auto box = outbox::Outbox::Open(options);
  if (!box.ok()) {
    std::fprintf(stderr, "open: %s\n", box.status().ToString().c_str());
    return 1;
  }
  if (argc > 3) {
    int pixels = argc > 4 ? std::atoi(argv[4]) : 1;
    outbox::Status s = EnqueueAll(**box, std::atoi(argv[3]), pixels);
    if (!s.ok()) {
      std::fprintf(stderr, "enqueue: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  outbox::CurlTransportOptions transport_options;
  transport_options.endpoint = argv[2];
  transport_options.request_timeout_ms = 2000;
  auto transport = outbox::CurlTransport::Create(transport_options);
  if (!transport.ok()) {
    std::fprintf(stderr, "transport: %s\n",
                 transport.status().ToString().c_str());
    return 1;
  }
  outbox::DrainerOptions drainer_options;
  drainer_options.retry_initial_ms = 20;  // Tests want quick retries.
  drainer_options.retry_max_ms = 200;
  drainer_options.batch_linger_ms = 10;
  drainer_options.log = [](outbox::LogLevel, const std::string&) {};
  if (argc > 5) drainer_options.batch_max_events = std::atoi(argv[5]);
  outbox::Drainer drainer(**box, **transport,
                          outbox::ApiKeys{"sk-fake-capi-demo", {}},
                          drainer_options);
  auto drain_start = std::chrono::steady_clock::now();
  drainer.Start();
  for (;;) {
    auto stats = (*box)->GetStats();
    if (stats.ok() && stats->pending == 0 && stats->in_flight == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  drainer.Stop();
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - drain_start)
                       .count();
  auto stats = drainer.GetStats();
  std::fprintf(stderr, "drained %llu events in %.2f s (%.0f events/s)\n",
               static_cast<unsigned long long>(stats.events_delivered),
               seconds, stats.events_delivered / seconds);
  std::printf("DONE\n");
  return 0;
}
