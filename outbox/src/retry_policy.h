// RetryPolicy: when to try again. Pure functions: attempt and outcome in,
// delay out, so they are tested exhaustively without clocks or sleeps.
#ifndef OUTBOX_SRC_RETRY_POLICY_H_
#define OUTBOX_SRC_RETRY_POLICY_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace outbox {

// Exponential backoff with full jitter: a delay drawn uniformly from
// [0, min(max_ms, initial_ms * 2^(attempt-1))], where `attempt` counts the
// failed attempts so far (>= 1) and `unit_random` is in [0, 1). Full jitter
// spreads retries of many outboxes that failed together (AWS's analysis).
// Never returns less than 1 ms, so a retry is always in the future.
int64_t BackoffDelayMs(uint32_t attempt, int64_t initial_ms, int64_t max_ms,
                       double unit_random);

// Parses a Retry-After header: delta-seconds ("120") or an HTTP-date
// ("Wed, 21 Oct 2026 07:28:00 GMT"). Returns the delay from `now_ms`,
// clamped to [0, cap_ms]; nullopt when the value is absent or malformed.
std::optional<int64_t> ParseRetryAfterMs(std::string_view value,
                                         int64_t now_ms, int64_t cap_ms);

}  // namespace outbox

#endif  // OUTBOX_SRC_RETRY_POLICY_H_
