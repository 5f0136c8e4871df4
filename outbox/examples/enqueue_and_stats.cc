// Opens an outbox, enqueues a few conversion events (one of them twice, one
// invalid), prints what was stored, and with --deliver-to delivers them
// with the Drainer and the libcurl transport. Used by the README and
// `make demo`.
//
//   outbox-example --data-dir /tmp/outbox-demo \
//       --deliver-to http://127.0.0.1:8787/v1/events --api-key sk-fake-capi-demo
#include <cstdio>
#include <string>

#include <chrono>
#include <thread>

#include "outbox/curl_transport.h"
#include "outbox/drainer.h"
#include "outbox/outbox.h"

namespace {

outbox::Event Purchase(const std::string& order_id, int64_t amount) {
  outbox::Event e;
  e.pixel_id = "px_demo";
  e.id = order_id;  // The same id the browser pixel sent as event_id.
  e.type = "order_created";
  e.timestamp_ms = outbox::SystemClock()->NowMs();
  e.action_source = "web";
  e.source_url = "https://shop.example.com/checkout/complete";
  e.user.emails = {" Jane.Doe@Example.com "};  // Hashed before storage.
  e.data.type = "contents";
  e.data.amount = amount;  // Minor units: 12999 = 129.99 USD.
  e.data.currency = "USD";
  return e;
}

// Delivers everything pending and prints progress until nothing is left.
int Deliver(outbox::Outbox& box, const std::string& endpoint,
            const std::string& api_key) {
  outbox::CurlTransportOptions transport_options;
  transport_options.endpoint = endpoint;
  auto transport = outbox::CurlTransport::Create(transport_options);
  if (!transport.ok()) {
    std::fprintf(stderr, "error: %s\n", transport.status().ToString().c_str());
    return 1;
  }
  outbox::Drainer drainer(box, **transport, outbox::ApiKeys{api_key, {}},
                          outbox::DrainerOptions());
  drainer.Start();
  for (int i = 0; i < 100; ++i) {
    auto stats = box.GetStats();
    if (!stats.ok()) return 1;
    std::printf("delivery: pending=%llu in_flight=%llu delivered=%llu\n",
                static_cast<unsigned long long>(stats->pending),
                static_cast<unsigned long long>(stats->in_flight),
                static_cast<unsigned long long>(stats->delivered));
    if (stats->pending + stats->in_flight == 0) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::fprintf(stderr, "error: events still pending after 20 s\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = "/tmp/outbox-example";
  std::string deliver_to, api_key = "sk-fake-capi-demo";
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--data-dir" && i + 1 < argc) {
      data_dir = argv[++i];
    } else if (flag == "--deliver-to" && i + 1 < argc) {
      deliver_to = argv[++i];
    } else if (flag == "--api-key" && i + 1 < argc) {
      api_key = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--data-dir DIR] [--deliver-to URL "
                   "[--api-key KEY]]\n",
                   argv[0]);
      return 64;
    }
  }
  outbox::Options options;
  options.data_dir = data_dir;
  auto opened = outbox::Outbox::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "error: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  outbox::Outbox& box = **opened;

  std::vector<outbox::EnqueueResult> results;
  outbox::Status s = box.Enqueue(
      {Purchase("order-1001", 12999), Purchase("order-1002", 4500),
       Purchase("order-1001", 12999)},  // A resend: reported as duplicate.
      &results);
  std::printf("enqueue: %s\n", s.ToString().c_str());
  for (const auto& r : results) {
    std::printf("  %s %s\n", r.key.ToString().c_str(),
                r.duplicate ? "duplicate" : "stored");
  }

  outbox::Event bad = Purchase("order-1003", 100);
  bad.timestamp_ms /= 1000;  // Seconds instead of milliseconds.
  s = box.Enqueue({bad}, &results);
  std::printf("invalid event: %s\n", s.ToString().c_str());

  auto stats = box.GetStats();
  if (!stats.ok()) return 1;
  std::printf("stats: pending=%llu delivered=%llu dead=%llu expired=%llu\n",
              static_cast<unsigned long long>(stats->pending),
              static_cast<unsigned long long>(stats->delivered),
              static_cast<unsigned long long>(stats->dead),
              static_cast<unsigned long long>(stats->expired));
  auto key = outbox::DedupKey::Create("px_demo", "order_created", "order-1001");
  auto record = box.Get(*key);
  if (record.ok()) {
    std::printf("stored JSON of order-1001: %s\n", record->event_json.c_str());
  }
  return deliver_to.empty() ? 0 : Deliver(box, deliver_to, api_key);
}
