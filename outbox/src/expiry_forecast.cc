// Outbox::ForecastExpiry: which pending work the drainer will mark EXPIRED
// soon. It applies the drainer's own rule (ExpireDueOp in record_ops.cc):
// a PENDING record expires once EventDeadlineMs(timestamp) minus
// Options::expiry_margin_ms is no longer after now.
#include <map>
#include <set>

#include "outbox/outbox.h"
#include "outbox/src/record_index.h"
#include "outbox/src/storage_keys.h"
#include "outbox/src/store.h"

namespace outbox {
namespace {

// A long outage can leave millions of records waiting for a retry; stats
// stay cheap by looking at this many and saying the count is a lower bound.
constexpr size_t kMaxRetryEntries = 1000000;

using PixelCounts = std::map<std::string, uint64_t>;

// Due records, those being sent included (they stay due until their
// outcome): the due index is ordered by deadline within each pixel, so the
// scan stops at the first deadline past `last_deadline`.
Status CountDue(const Store& store, int64_t last_deadline, PixelCounts* out) {
  std::set<std::string> pixels;
  for (const auto& [key, count] : store.Counters()) {
    if ((key.first == State::kPending || key.first == State::kInFlight) &&
        count > 0) {
      pixels.insert(key.second);
    }
  }
  for (const std::string& pixel_id : pixels) {
    auto visit = [&](std::string_view due_key, std::string_view) {
      int64_t deadline;
      std::string_view record_key;
      if (!ParseDueKey(due_key, &deadline, &record_key)) return true;
      if (deadline > last_deadline) return false;
      ++(*out)[pixel_id];
      return true;
    };
    OUTBOX_RETURN_IF_ERROR(
        store.Scan(IndexCf::kDue, PixelPrefix(pixel_id), "", visit));
  }
  return Status::Ok();
}

// Records waiting to retry: the index value is the event timestamp.
Status CountRetrying(const Store& store, int64_t last_deadline,
                     PixelCounts* out, bool* approximate) {
  size_t seen = 0;
  auto visit = [&](std::string_view retry_key, std::string_view value) {
    if (++seen > kMaxRetryEntries) {
      *approximate = true;
      return false;
    }
    int64_t next_attempt;
    std::string_view record_key;
    int64_t timestamp = static_cast<int64_t>(ReadBigEndian64(value));
    if (ParseTimeKey(retry_key, &next_attempt, &record_key) &&
        EventDeadlineMs(timestamp) <= last_deadline) {
      ++(*out)[std::string(PixelOfRecordKey(record_key))];
    }
    return true;
  };
  return store.Scan(IndexCf::kRetry, "", "", visit);
}

}  // namespace

StatusOr<ExpiryForecast> Outbox::ForecastExpiry(int64_t within_ms) const {
  if (within_ms < 0) {
    return Status::InvalidArgument("within_ms: must not be negative");
  }
  const Clock* clock = options_.clock ? options_.clock : SystemClock();
  // Records whose deadline is at or before this expire within `within_ms`.
  const int64_t last_deadline =
      clock->NowMs() + within_ms + options_.expiry_margin_ms;
  ExpiryForecast forecast;
  forecast.within_ms = within_ms;
  PixelCounts by_pixel;
  OUTBOX_RETURN_IF_ERROR(CountDue(*store_, last_deadline, &by_pixel));
  OUTBOX_RETURN_IF_ERROR(
      CountRetrying(*store_, last_deadline, &by_pixel, &forecast.approximate));
  for (auto& [pixel_id, n] : by_pixel) {
    forecast.expiring += n;
    forecast.pixels.emplace_back(pixel_id, n);
  }
  return forecast;
}

}  // namespace outbox
