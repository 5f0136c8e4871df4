// Measures the event encoder and the request-body builder on one core.
// Build (one command, split here), then run:
//   g++ -std=c++17 -O2 -DNDEBUG -I outbox/include -I . bench/encode_bench.cc
//       outbox/src/event_json.cc outbox/src/status.cc -o /tmp/encode_bench
//   /tmp/encode_bench [iterations per round; default 1000000]
//
// Target: AppendEventJson >= 1,000,000 events/s for a realistic event
// (order_created, 3 items, hashed email and phone: about 770 bytes).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/event.h"
#include "outbox/src/event_json.h"

namespace {

// The build machines are shared, so rates are per second of this thread's
// CPU time (what "on one core" means), not of wall time.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// An order_created event shaped like a typical web checkout.
outbox::Event RealisticEvent() {
  outbox::Event e;
  e.pixel_id = "px_5f2c1e0a";
  e.id = "order-2026-000184213";
  e.type = "order_created";
  e.timestamp_ms = 1767225600123;
  e.action_source = "web";
  e.source_url = "https://shop.example.com/checkout/done?o=184213";
  e.user.emails_sha256 = {
      "836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f"};
  e.user.phone_numbers_sha256 = {
      "a0e2b44c9e7c5f7a6d1e4b3c2a19f8e7d6c5b4a392817f6e5d4c3b2a1908f7e6"};
  e.user.ip_address = "203.0.113.42";
  e.user.user_agent =
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
      "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
  e.data.type = "contents";
  e.data.amount = 15497;
  e.data.currency = "USD";
  e.data.contents = {
      {"sku-10042", "", "Ceramic mug", "", 2, 1999, "", {}},
      {"sku-20077", "", "T-shirt", "", 1, 2499, "", {}},
      {"sku-30001", "", "Gift card", "", 1, 9000, "", {}},
  };
  return e;
}

// Runs `body` n times, five rounds, and prints the fastest round's rates.
template <typename Body>
void Measure(const char* name, long n, size_t bytes_per_op,
             size_t events_per_op, Body body) {
  for (long i = 0; i < n / 10; ++i) body();  // Warm caches and allocator.
  double best = 1e300;
  for (int round = 0; round < 5; ++round) {
    const double start = ThreadCpuSeconds();
    for (long i = 0; i < n; ++i) body();
    best = std::min(best, ThreadCpuSeconds() - start);
  }
  const double ops = n / best;
  std::printf("%-34s %12.0f events/s %8.1f MB/s  (%.0f ns/op)\n", name,
              ops * events_per_op, ops * bytes_per_op / 1e6, best / n * 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 1000000;
  const outbox::Event event = RealisticEvent();
  std::string encoded;
  outbox::AppendEventJson(event, &encoded);
  std::printf("event: %zu bytes; best of 5 rounds of %ld\n", encoded.size(), n);
  size_t sink = 0;  // Consumed below so the work is not optimised away.

  std::string out;
  Measure("AppendEventJson (reused buffer)", n, encoded.size(), 1, [&] {
    out.clear();
    outbox::AppendEventJson(event, &out);
    sink += out.size();
  });
  Measure("AppendEventJson (new string)", n, encoded.size(), 1, [&] {
    std::string fresh;
    outbox::AppendEventJson(event, &fresh);
    sink += fresh.size();
  });
  Measure("rapidjson::Writer (reused buffer)", n, encoded.size(), 1, [&] {
    out.clear();
    outbox::internal::AppendEventJsonWithRapidJson(event, &out);
    sink += out.size();
  });

  const std::vector<std::string_view> batch(1000, encoded);
  const size_t body_size = outbox::BuildRequestBody(batch, false).size();
  Measure("BuildRequestBody (1000 events)", n / 1000 + 1, body_size, 1000,
          [&] { sink += outbox::BuildRequestBody(batch, false).size(); });

  std::printf("(checksum %zu)\n", sink);
  return 0;
}
