#include "outbox/src/retry_policy.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace outbox {

int64_t BackoffDelayMs(uint32_t attempt, int64_t initial_ms, int64_t max_ms,
                       double unit_random) {
  int64_t ceiling = std::max<int64_t>(initial_ms, 1);
  for (uint32_t i = 1; i < attempt && ceiling < max_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, std::max<int64_t>(max_ms, 1));
  double u = std::clamp(unit_random, 0.0, 1.0);
  return std::max<int64_t>(1, static_cast<int64_t>(u * ceiling));
}

std::optional<int64_t> ParseRetryAfterMs(std::string_view value,
                                         int64_t now_ms, int64_t cap_ms) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value[0]))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  int64_t delay_ms;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (value.size() > 9) return cap_ms;  // Absurdly long: just the cap.
    delay_ms = std::stoll(std::string(value)) * 1000;
  } else {
    struct tm tm = {};
    std::string text(value);
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    delay_ms = static_cast<int64_t>(timegm(&tm)) * 1000 - now_ms;
  }
  return std::clamp<int64_t>(delay_ms, 0, cap_ms);
}

}  // namespace outbox
