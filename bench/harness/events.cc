#include "bench/harness/events.h"

#include <chrono>

#include "outbox/src/event_json.h"

namespace bench {

std::string PixelId(int index) { return "px_bench_" + std::to_string(index); }

outbox::Event RealisticEvent(const std::string& pixel_id, const std::string& id,
                             int64_t timestamp_ms) {
  outbox::Event e;
  e.pixel_id = pixel_id;
  e.id = id;
  e.type = "order_created";
  e.timestamp_ms = timestamp_ms;
  e.action_source = "web";
  e.source_url = "https://shop.example.com/checkout/complete?order=" + id;
  e.user.emails_sha256 = {
      "836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f"};
  e.user.phone_numbers_sha256 = {
      "a0e2b44c9e7c5f7a6d1e4b3c2a19f8e7d6c5b4a392817f6e5d4c3b2a1908f7e6"};
  e.user.ip_address = "203.0.113.42";
  e.user.user_agent =
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
      "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
  e.data.type = "contents";
  e.data.amount = 4498;
  e.data.currency = "USD";
  outbox::Content mug;
  mug.id = "sku-10042";
  mug.name = "Ceramic mug";
  mug.quantity = 1;
  mug.amount = 1999;
  outbox::Content shirt;
  shirt.id = "sku-20077";
  shirt.name = "T-shirt";
  shirt.quantity = 1;
  shirt.amount = 2499;
  e.data.contents = {mug, shirt};
  return e;
}

std::string EventJson(const outbox::Event& event) {
  std::string json;
  outbox::AppendEventJson(event, &json);
  return json;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace bench
