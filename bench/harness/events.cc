#include "bench/harness/events.h"

#include <chrono>
#include <cstdio>

#include "outbox/src/event_json.h"

namespace bench {

std::string PixelId(int index) { return "px_bench_" + std::to_string(index); }

namespace {

IdStyle g_id_style = IdStyle::kUuid;

// splitmix64's finalizer: a bijection on 64 bits that scatters neighbours.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

bool ParseIdStyle(const std::string& name, IdStyle* style) {
  if (name == "uuid") {
    *style = IdStyle::kUuid;
  } else if (name == "sequential") {
    *style = IdStyle::kSequential;
  } else {
    return false;
  }
  return true;
}

void SetIdStyle(IdStyle style) { g_id_style = style; }

std::string EventId(const std::string& prefix, uint64_t n) {
  if (g_id_style == IdStyle::kSequential) return prefix + std::to_string(n);
  // 128 bits as 8-4-4-4-12 hex digits; the low half is n itself, mixed, so
  // distinct n never collide.
  const uint64_t high = Mix(n ^ 0x5bd1e9955bd1e995ULL), low = Mix(n);
  char uuid[37];
  std::snprintf(uuid, sizeof uuid, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff),
                static_cast<unsigned>(high & 0xffff),
                static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return prefix + uuid;
}

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
