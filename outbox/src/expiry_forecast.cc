// Outbox::ForecastExpiry: which pending work the drainer will mark EXPIRED
// soon. It applies the drainer's own rule (ExpireDueOp in record_ops.cc):
// a PENDING record expires once EventDeadlineMs(timestamp) minus
// Options::expiry_margin_ms is no longer after now.
#include <map>

#include "outbox/outbox.h"
#include "outbox/src/record_index.h"
#include "outbox/src/storage_keys.h"
#include "outbox/src/store.h"

namespace outbox {
namespace {

// A long outage can leave millions of records waiting for a retry; stats
// stay cheap by looking at this many and saying the count is a lower bound.
constexpr size_t kMaxRetryEntries = 1000000;

}  // namespace

StatusOr<ExpiryForecast> Outbox::ForecastExpiry(int64_t within_ms) const {
  if (within_ms < 0) {
    return Status::InvalidArgument("within_ms: must not be negative");
  }
  const Clock* clock = options_.clock ? options_.clock : SystemClock();
  // Records whose deadline is at or before this expire within `within_ms`.
  const int64_t last_deadline =
      clock->NowMs() + within_ms + options_.expiry_margin_ms;
  std::map<std::string, uint64_t> by_pixel;
  ExpiryForecast forecast;
  forecast.within_ms = within_ms;

  // Due records: the due index is ordered by deadline within each pixel.
  for (const auto& [key, count] : store_->Counters()) {
    if (key.first != State::kPending || count <= 0) continue;
    const std::string& pixel_id = key.second;
    OUTBOX_RETURN_IF_ERROR(store_->Scan(
        IndexCf::kDue, PixelPrefix(pixel_id), "",
        [&](std::string_view due_key, std::string_view) {
          int64_t deadline;
          std::string_view record_key;
          if (!ParseDueKey(due_key, &deadline, &record_key)) return true;
          if (deadline > last_deadline) return false;
          ++by_pixel[pixel_id];
          return true;
        }));
  }
  // Records waiting to retry: the index value is the event timestamp.
  size_t seen = 0;
  OUTBOX_RETURN_IF_ERROR(store_->Scan(
      IndexCf::kRetry, "", "",
      [&](std::string_view retry_key, std::string_view value) {
        if (++seen > kMaxRetryEntries) {
          forecast.approximate = true;
          return false;
        }
        int64_t next_attempt;
        std::string_view record_key;
        int64_t timestamp = static_cast<int64_t>(ReadBigEndian64(value));
        if (ParseTimeKey(retry_key, &next_attempt, &record_key) &&
            EventDeadlineMs(timestamp) <= last_deadline) {
          ++by_pixel[std::string(PixelOfRecordKey(record_key))];
        }
        return true;
      }));
  // In flight: few (a batch or two per pixel), so read each record.
  std::vector<std::string> in_flight;
  OUTBOX_RETURN_IF_ERROR(store_->Scan(
      IndexCf::kByState, ByStatePrefix(State::kInFlight), "",
      [&](std::string_view key, std::string_view) {
        in_flight.emplace_back(key.substr(1));
        return true;
      }));
  for (const std::string& record_key : in_flight) {
    StatusOr<Record> record = store_->Get(record_key);
    if (record.status().code() == StatusCode::kNotFound) continue;  // raced
    if (!record.ok()) return record.status();
    if (EventDeadlineMs(record->timestamp_ms) <= last_deadline) {
      ++by_pixel[record->key.pixel_id()];
    }
  }
  for (auto& [pixel_id, n] : by_pixel) {
    forecast.expiring += n;
    forecast.pixels.emplace_back(pixel_id, n);
  }
  return forecast;
}

}  // namespace outbox
