// The events every measurement sends: realistic order_created conversions of
// about 700 bytes of JSON (hashed email and phone, IP, user agent, two line
// items), so that the outbox, the gRPC ceiling and the SQL peers all move
// the same bytes.
#ifndef BENCH_HARNESS_EVENTS_H_
#define BENCH_HARNESS_EVENTS_H_

#include <cstdint>
#include <string>

#include "outbox/event.h"

namespace bench {

// The API key fake-capi accepts by default.
inline constexpr char kFakeCapiKey[] = "sk-fake-capi-demo";

// "px_bench_<index>".
std::string PixelId(int index);

// How event ids look. Shops send UUIDs or order numbers. UUIDs are the
// harder case for every store: events close in time are far apart in id
// order, while sequential numbers sorted by id are also sorted by time.
enum class IdStyle { kUuid, kSequential };

// Parses "uuid" or "sequential"; false for anything else.
bool ParseIdStyle(const std::string& name, IdStyle* style);

// The style EventId uses in this process (default kUuid); a trial sets it
// from its `ids` parameter before it makes any event.
void SetIdStyle(IdStyle style);

// The id of the `n`th event: `prefix`, then a UUID drawn from n (36 bytes)
// or n in decimal. The same n gives the same id in every run and peer.
std::string EventId(const std::string& prefix, uint64_t n);

// A realistic purchase; `timestamp_ms` should be recent (the outbox refuses
// events older than its 7-day window).
outbox::Event RealisticEvent(const std::string& pixel_id, const std::string& id,
                             int64_t timestamp_ms);

// The event's JSON as the outbox stores and sends it (the same encoder), so
// the SQL peers store and post byte-identical payloads.
std::string EventJson(const outbox::Event& event);

// Milliseconds since the epoch.
int64_t NowMs();

}  // namespace bench

#endif  // BENCH_HARNESS_EVENTS_H_
