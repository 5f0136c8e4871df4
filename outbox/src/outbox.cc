#include "outbox/outbox.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "outbox/src/crash_point.h"
#include "outbox/src/event_json.h"
#include "outbox/src/record_codec.h"
#include "outbox/src/record_index.h"
#include "outbox/src/record_ops.h"
#include "outbox/src/storage_keys.h"
#include "outbox/src/store.h"
#include "outbox/src/validation.h"

namespace outbox {
namespace {

constexpr int64_t kMaintenanceIntervalMs = 10 * 1000;
// Stats look this far into the retry index for the oldest pending event:
// beyond it (a long outage) the figure is approximate, and stays cheap.
constexpr size_t kMaxRetryEntriesForStats = 10000;

// Whether the stored record `value` under `record_key` is in `state`, as
// stored (a leased record is stored PENDING). An undecodable one counts as
// a match, so that reading it reports the error.
bool StoredIn(std::string_view record_key, std::string_view value,
              State state) {
  StatusOr<DedupKey> key = DecodeRecordKey(record_key);
  if (!key.ok()) return true;
  StatusOr<Record> record = DecodeRecord(*key, value);
  return !record.ok() || record->state == state;
}

const Clock* ClockOf(const Options& options) {
  return options.clock != nullptr ? options.clock : SystemClock();
}

StatusOr<std::vector<PreparedEvent>> Prepare(std::vector<Event> events,
                                             const Options& options) {
  ValidationContext ctx{ClockOf(options)->NowMs(), options.expiry_margin_ms};
  OUTBOX_RETURN_IF_ERROR(PrepareEvents(&events, ctx));
  std::vector<PreparedEvent> prepared;
  prepared.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    StatusOr<DedupKey> key = DedupKey::ForEvent(events[i]);
    if (!key.ok()) {  // Validation checks the same; this is belt and braces.
      return Status::InvalidArgument("events[" + std::to_string(i) +
                                     "]." + key.status().message());
    }
    PreparedEvent p{*key, RecordKey(*key), {}, events[i].timestamp_ms};
    AppendEventJson(events[i], &p.json);
    if (p.json.size() > kMaxEventJsonBytes) {
      return Status::InvalidArgument(
          "events[" + std::to_string(i) + "]: encoded event is " +
          std::to_string(p.json.size()) + " bytes, more than the limit of " +
          std::to_string(kMaxEventJsonBytes));
    }
    prepared.push_back(std::move(p));
  }
  return prepared;
}

std::string HexEncode(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

bool HexDecode(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

}  // namespace

struct Outbox::Background {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::thread thread;
};

Outbox::Outbox(const Options& options, std::unique_ptr<Store> store)
    : options_(options), store_(std::move(store)) {}

StatusOr<std::unique_ptr<Outbox>> Outbox::Open(const Options& options) {
  if (options.expiry_margin_ms < 0 || options.terminal_retention_ms < 0) {
    return Status::InvalidArgument(
        "expiry_margin_ms and terminal_retention_ms must be >= 0");
  }
  StoreOptions store_options;
  store_options.data_dir = options.data_dir;
  store_options.app_column_families = options.app_column_families;
  store_options.max_disk_bytes = options.max_disk_bytes;
  store_options.block_cache_bytes = options.block_cache_bytes;
  store_options.write_buffer_bytes = options.write_buffer_bytes;
  store_options.retention.terminal_retention_ms =
      options.terminal_retention_ms;
  StatusOr<std::unique_ptr<Store>> store = Store::Open(store_options);
  if (!store.ok()) return store.status();

  size_t recovered = 0;
  int64_t now = ClockOf(options)->NowMs();
  OUTBOX_RETURN_IF_ERROR((*store)->Commit([&](WriteTxn& txn) {
    return RecoverInFlightOp(txn, now, &recovered);
  }));
  OUTBOX_CRASH_POINT("outbox.recovery");

  std::unique_ptr<Outbox> outbox(new Outbox(options, std::move(*store)));
  if (options.background_maintenance) {
    outbox->background_ = std::make_unique<Background>();
    outbox->background_->thread =
        std::thread([o = outbox.get()] { o->MaintenanceLoop(); });
  }
  return outbox;
}

Outbox::~Outbox() {
  if (background_) {
    {
      std::lock_guard<std::mutex> lock(background_->mu);
      background_->stop = true;
    }
    background_->cv.notify_all();
    background_->thread.join();
  }
}

void Outbox::MaintenanceLoop() {
  std::unique_lock<std::mutex> lock(background_->mu);
  while (!background_->cv.wait_for(
      lock, std::chrono::milliseconds(kMaintenanceIntervalMs),
      [this] { return background_->stop; })) {
    lock.unlock();
    // Bounded rounds keep each write group small: no cleanup storm.
    RunMaintenance().status().IgnoreError();
    lock.lock();
  }
}

Status Outbox::Enqueue(std::vector<Event> events,
                       std::vector<EnqueueResult>* results) {
  return Enqueue(std::move(events), AppWriteBatch(), results);
}

Status Outbox::Enqueue(std::vector<Event> events,
                       const AppWriteBatch& app_writes,
                       std::vector<EnqueueResult>* results) {
  // Validation, hashing and encoding run here, on the caller's thread, so
  // concurrent callers do them in parallel; the writer only stores.
  StatusOr<std::vector<PreparedEvent>> prepared =
      Prepare(std::move(events), options_);
  if (!prepared.ok()) return prepared.status();
  int64_t now = ClockOf(options_)->NowMs();
  std::vector<EnqueueResult> out;
  OUTBOX_RETURN_IF_ERROR(store_->Commit(
      [&](WriteTxn& txn) {
        return EnqueueOp(txn, now, *prepared, &app_writes, &out);
      },
      Store::OpKind::kInsertOnly));
  *results = std::move(out);
  return Status::Ok();
}

void Outbox::EnqueueAsync(std::vector<Event> events, EnqueueCallback done) {
  StatusOr<std::vector<PreparedEvent>> prepared =
      Prepare(std::move(events), options_);
  if (!prepared.ok()) {
    done(prepared.status(), {});
    return;
  }
  int64_t now = ClockOf(options_)->NowMs();
  auto shared = std::make_shared<std::vector<PreparedEvent>>(
      std::move(*prepared));
  auto results = std::make_shared<std::vector<EnqueueResult>>();
  store_->CommitAsync(
      [shared, results, now](WriteTxn& txn) {
        return EnqueueOp(txn, now, *shared, nullptr, results.get());
      },
      [results, done = std::move(done)](Status s) {
        std::vector<EnqueueResult> out;
        if (s.ok()) out = std::move(*results);
        done(std::move(s), std::move(out));
      },
      Store::OpKind::kInsertOnly);
}

StatusOr<std::string> Outbox::GetAppValue(const std::string& column_family,
                                          const std::string& key) const {
  return store_->GetAppValue(column_family, key);
}

StatusOr<Record> Outbox::Get(const DedupKey& key) const {
  StatusOr<Record> record = store_->Get(RecordKey(key));
  if (record.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("no record for key " + key.ToString());
  }
  return record;
}

StatusOr<Stats> Outbox::GetStats() const {
  Stats stats;
  std::map<std::string, PixelStats> pixels;
  for (const auto& [key, count] : store_->Counters()) {
    if (count <= 0) continue;
    PixelStats& p = pixels[key.second];
    p.pixel_id = key.second;
    p[key.first] += count;
    stats[key.first] += count;
  }
  int64_t oldest = 0;
  auto consider = [&oldest](int64_t ts) {
    if (ts > 0 && (oldest == 0 || ts < oldest)) oldest = ts;
  };
  for (auto& [pixel_id, p] : pixels) {
    if (p.pending > 0) {
      // The first due entry not being sent (leased) has the earliest
      // deadline.
      OUTBOX_RETURN_IF_ERROR(store_->Scan(
          IndexCf::kDue, PixelPrefix(pixel_id), "",
          [&](std::string_view key, std::string_view) {
            int64_t deadline;
            std::string_view record_key;
            if (!ParseDueKey(key, &deadline, &record_key)) return false;
            if (store_->leases().IsLeased(record_key)) return true;
            consider(deadline - kMaxEventAgeMs);
            return false;
          }));
    }
    stats.pixels.push_back(std::move(p));
  }
  size_t seen = 0;
  OUTBOX_RETURN_IF_ERROR(store_->Scan(
      IndexCf::kRetry, "", "", [&](std::string_view, std::string_view value) {
        consider(static_cast<int64_t>(ReadBigEndian64(value)));
        return ++seen < kMaxRetryEntriesForStats;
      }));
  stats.oldest_pending_timestamp_ms = oldest;
  stats.disk_bytes = store_->DiskBytes();
  return stats;
}

StatusOr<RecordPage> Outbox::List(const ListQuery& query) const {
  if (query.limit < 1 || query.limit > 1000) {
    return Status::InvalidArgument("limit: must be between 1 and 1000");
  }
  std::string start;
  if (!HexDecode(query.page_token, &start)) {
    return Status::InvalidArgument("page_token: not a token from this API");
  }
  // PENDING and DELIVERED have no by_state entries (IndexedByState): they
  // are found by scanning records and checking each one's state.
  const bool scan_for_state = query.state && !IndexedByState(*query.state);
  // Without a filter every key scanned is a match; with one, scan up to
  // max_scanned keys and stop loading records once the page is full.
  const size_t budget = query.filter.MatchesAll() && !scan_for_state
                            ? query.limit
                            : std::max(query.limit, query.max_scanned);
  std::vector<std::string> keys;
  std::string resume;  // The first key not scanned, when the budget ran out.
  size_t scanned = 0;
  auto collect = [&](std::string_view key, std::string_view value) {
    if (scanned == budget) {
      resume = HexEncode(key);
      return false;
    }
    ++scanned;
    if (scan_for_state && !StoredIn(key, value, *query.state)) return true;
    keys.emplace_back(key);
    return true;
  };
  size_t strip = 0;  // Bytes before the record key in the scanned keys.
  if (query.state == State::kInFlight) {
    // Being sent: leased in memory, PENDING on disk (lease_table.h).
    std::string prefix =
        query.pixel_id.empty() ? "" : PixelPrefix(query.pixel_id);
    for (std::string& key : store_->leases().Keys(prefix, start, budget + 1)) {
      if (!collect(key, "")) break;
    }
  } else if (query.state && !scan_for_state) {
    strip = 1;
    OUTBOX_RETURN_IF_ERROR(store_->Scan(
        IndexCf::kByState, ByStatePrefix(*query.state, query.pixel_id), start,
        collect));
  } else {
    std::string prefix =
        query.pixel_id.empty() ? "" : PixelPrefix(query.pixel_id);
    OUTBOX_RETURN_IF_ERROR(store_->ScanRecords(prefix, start, collect));
  }
  RecordPage page;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (page.records.size() == query.limit) {
      page.next_page_token = HexEncode(keys[i]);
      return page;
    }
    StatusOr<Record> record = store_->Get(keys[i].substr(strip));
    if (record.status().code() == StatusCode::kNotFound) continue;  // raced
    if (!record.ok()) return record.status();
    // A leased record listed as PENDING reads as IN_FLIGHT: not a match.
    if (query.state && record->state != *query.state) continue;
    if (query.filter.Matches(*record)) {
      page.records.push_back(std::move(*record));
    }
  }
  page.next_page_token = std::move(resume);
  return page;
}

StatusOr<ReplayResult> Outbox::Replay(const std::vector<DedupKey>& keys,
                                      const ReplayOptions& options) {
  ReplayResult result;
  int64_t now = ClockOf(options_)->NowMs();
  OUTBOX_RETURN_IF_ERROR(store_->Commit([&](WriteTxn& txn) {
    result = ReplayResult();  // The op may only run once, but stay exact.
    return ReplayOp(txn, keys, options, now, &result);
  }));
  return result;
}

StatusOr<PurgeResult> Outbox::Purge(const std::vector<DedupKey>& keys) {
  PurgeResult result;
  OUTBOX_RETURN_IF_ERROR(store_->Commit([&](WriteTxn& txn) {
    result = PurgeResult();
    return PurgeOp(txn, keys, &result);
  }));
  return result;
}

namespace {
constexpr std::string_view kPausedPrefix = "paused/";
}  // namespace

Status Outbox::SetDeliveryPaused(const std::string& pixel_id, bool paused) {
  std::string key = std::string(kPausedPrefix) + pixel_id;
  return store_->Commit([&](WriteTxn& txn) {
    if (paused) {
      txn.PutMeta(key, "");
    } else {
      txn.DeleteMeta(key);
    }
    return Status::Ok();
  });
}

StatusOr<std::vector<std::string>> Outbox::PausedPixels() const {
  std::vector<std::string> pixels;
  OUTBOX_RETURN_IF_ERROR(store_->ScanMeta(
      kPausedPrefix, [&](std::string_view key, std::string_view) {
        pixels.emplace_back(key.substr(kPausedPrefix.size()));
        return true;
      }));
  return pixels;
}

StatusOr<size_t> Outbox::RunMaintenance(size_t limit) {
  size_t dropped = 0;
  int64_t now = ClockOf(options_)->NowMs();
  OUTBOX_RETURN_IF_ERROR(store_->Commit([&](WriteTxn& txn) {
    return SweepRetentionOp(txn, now, limit, &dropped);
  }));
  return dropped;
}

}  // namespace outbox
