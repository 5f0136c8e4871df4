// Opens an outbox, enqueues a few conversion events (one of them twice, one
// invalid), and prints what was stored. Used by the README and `make demo`.
//
//   outbox-example --data-dir /tmp/outbox-demo
#include <cstdio>
#include <cstring>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = "/tmp/outbox-example";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc) {
      data_dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--data-dir DIR]\n", argv[0]);
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
  return 0;
}
