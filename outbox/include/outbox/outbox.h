// Outbox: a durable, dedup-keyed store of conversion events on their way to
// the OpenAI Ads Conversions API.
//
//   outbox::Options options;
//   options.data_dir = "/var/lib/outbox";
//   auto outbox = outbox::Outbox::Open(options);
//   std::vector<outbox::EnqueueResult> results;
//   outbox::Status s = (*outbox)->Enqueue({event}, &results);
//   // s.ok(): the event is on disk and will be delivered once per key.
//
// Every event is stored under its DedupKey. Enqueueing a key that is already
// stored (in any state) is a harmless duplicate: it is reported, not stored
// again, and never fails the call.
//
// Thread-safety: all methods are thread-safe. Concurrent Enqueue calls share
// disk syncs (group commit), so throughput grows with concurrency.
#ifndef OUTBOX_OUTBOX_H_
#define OUTBOX_OUTBOX_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "outbox/dedup_key.h"
#include "outbox/event.h"
#include "outbox/options.h"
#include "outbox/record.h"
#include "outbox/record_filter.h"
#include "outbox/status.h"

namespace outbox {

class Store;

struct EnqueueResult {
  DedupKey key;
  bool duplicate = false;  // true: the key was already stored (or repeated
                           // earlier in the same call); nothing was written.
};

// Application writes committed atomically with a batch of events: the
// transactional outbox. "Order saved" and "conversion queued" then either
// both happen or neither does. Column families must be declared in
// Options::app_column_families.
class AppWriteBatch {
 public:
  struct Op {
    std::string column_family;
    std::string key;
    std::optional<std::string> value;  // nullopt: delete the key.
  };
  void Put(std::string column_family, std::string key, std::string value) {
    ops_.push_back({std::move(column_family), std::move(key),
                    std::move(value)});
  }
  void Delete(std::string column_family, std::string key) {
    ops_.push_back({std::move(column_family), std::move(key), std::nullopt});
  }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

// How many records are in each state.
struct StateCounts {
  uint64_t pending = 0, in_flight = 0, delivered = 0, dead = 0, expired = 0;

  // The count of `state`.
  uint64_t& operator[](State state) {
    switch (state) {
      case State::kPending: return pending;
      case State::kInFlight: return in_flight;
      case State::kDelivered: return delivered;
      case State::kDead: return dead;
      case State::kExpired: return expired;
    }
    return pending;  // Unreachable: every State is handled above.
  }
  uint64_t operator[](State state) const {
    return const_cast<StateCounts&>(*this)[state];
  }
};

struct PixelStats : StateCounts {
  std::string pixel_id;
};

struct Stats : StateCounts {
  std::vector<PixelStats> pixels;  // Sorted by pixel id.
  // Event timestamp of the oldest PENDING event; 0 when none. Approximate
  // when more than 10,000 events are waiting for a retry time.
  int64_t oldest_pending_timestamp_ms = 0;
  uint64_t disk_bytes = 0;
};

// Pending work that delivery will give up on soon: PENDING and IN_FLIGHT
// events whose deadline (event timestamp + 7 days, less
// Options::expiry_margin_ms) falls before now + within_ms. Includes events
// already past it that the drainer has not reached yet (a paused pixel).
struct ExpiryForecast {
  int64_t within_ms = 0;
  uint64_t expiring = 0;
  // Per pixel, sorted by pixel id; pixels with none are left out.
  std::vector<std::pair<std::string, uint64_t>> pixels;
  // True when more records wait for a retry than one call examines
  // (1,000,000): the counts are then lower bounds.
  bool approximate = false;
};

// State and pixel choose what is scanned: the records of the pixel (or all
// of them), or an index of DEAD, EXPIRED or IN_FLIGHT ones. A filter, or a
// state of PENDING or DELIVERED (which have no index), is then checked on
// each record scanned, so one match may take many records scanned: one
// call scans at most `max_scanned` and returns what it found with a token
// to continue, so a page may hold fewer than `limit` records (even none)
// and still not be the last.
struct ListQuery {
  std::optional<State> state;  // Default: any state.
  std::string pixel_id;        // Default (empty): any pixel.
  RecordFilter filter;         // Default: every record.
  size_t limit = 100;          // At most this many records per page (1-1000).
  std::string page_token;      // From RecordPage::next_page_token.
  // Records examined per call when `filter` is set or `state` is PENDING
  // or DELIVERED (at least `limit`). Default: 10000.
  size_t max_scanned = 10000;
};

struct RecordPage {
  std::vector<Record> records;
  // Empty only when nothing after this page can match; otherwise pass it
  // back as ListQuery::page_token, even after a page with no records.
  std::string next_page_token;
};

struct ReplayOptions {
  bool dry_run = false;  // Count what would be replayed; change nothing.
  bool force = false;    // Also replay DELIVERED keys (sends them again).
};

struct KeyOutcome {
  DedupKey key;
  Status status;  // OK, or why this key was not replayed / purged.
};

struct ReplayResult {
  uint64_t matched = 0;   // Keys found.
  uint64_t replayed = 0;  // Keys moved back to PENDING (or would be).
  std::vector<KeyOutcome> outcomes;  // One per requested key, same order.
};

struct PurgeResult {
  uint64_t matched = 0;
  uint64_t purged = 0;
  std::vector<KeyOutcome> outcomes;
};

class Outbox {
 public:
  // Opens the outbox in options.data_dir, creating it if needed, and
  // recovers: records a crash left IN_FLIGHT become PENDING again, to be
  // resent with the same bytes. Errors: INVALID_ARGUMENT for bad options;
  // UNAVAILABLE or DATA_LOSS when the database cannot be opened.
  static StatusOr<std::unique_ptr<Outbox>> Open(const Options& options);

  // Stops background work and closes the database. Blocks until queued
  // writes have completed.
  ~Outbox();

  // Validates every event, normalises and hashes raw personal data, and
  // stores every event whose key is new, all in one atomic write that is
  // synced to disk before this returns.
  //
  // OK means: every event is on disk (or was already), and `results` holds
  // one entry per event, in order. On any error nothing was stored:
  //   INVALID_ARGUMENT   an event breaks a rule; the message names each
  //                      problem as "events[i].field: ...".
  //   RESOURCE_EXHAUSTED the storage quota is exceeded or the disk is full.
  //   UNAVAILABLE        shutting down, or storage is recovering; retry.
  Status Enqueue(std::vector<Event> events,
                 std::vector<EnqueueResult>* results);

  // As above, and applies `app_writes` in the same atomic write: the
  // transactional outbox. INVALID_ARGUMENT also for an undeclared column
  // family. The writes apply even when every event is a duplicate.
  Status Enqueue(std::vector<Event> events, const AppWriteBatch& app_writes,
                 std::vector<EnqueueResult>* results);

  // As Enqueue, but returns at once: validation runs on this thread, then
  // `done` runs with the outcome on the outbox's writer thread once the
  // events are durable (or failed). `done` must be quick and must not call
  // back into this Outbox synchronously. For servers that must not block a
  // thread per call (the gRPC callback API).
  using EnqueueCallback =
      std::function<void(Status, std::vector<EnqueueResult>)>;
  void EnqueueAsync(std::vector<Event> events, EnqueueCallback done);

  // Reads an application value written through AppWriteBatch.
  // NOT_FOUND if absent; INVALID_ARGUMENT for an undeclared column family.
  StatusOr<std::string> GetAppValue(const std::string& column_family,
                                    const std::string& key) const;

  // Returns the record stored under `key`; NOT_FOUND if there is none.
  StatusOr<Record> Get(const DedupKey& key) const;

  // Counts by state and pixel, and the age of the oldest pending event.
  StatusOr<Stats> GetStats() const;

  // Counts the events at risk of expiring within `within_ms` (see
  // ExpiryForecast). INVALID_ARGUMENT for a negative `within_ms`.
  StatusOr<ExpiryForecast> ForecastExpiry(int64_t within_ms) const;

  // Lists records matching `query`, one page at a time, in key order.
  // INVALID_ARGUMENT for a limit outside 1-1000 or a bad page token.
  StatusOr<RecordPage> List(const ListQuery& query) const;

  // Moves DEAD (and, with force, DELIVERED) records back to PENDING with
  // their attempt budget reset and their history kept. EXPIRED records are
  // refused (FAILED_PRECONDITION in their outcome): the API would reject
  // them. Unknown keys get NOT_FOUND outcomes. The call itself fails only
  // when storage fails.
  StatusOr<ReplayResult> Replay(const std::vector<DedupKey>& keys,
                                const ReplayOptions& options);

  // Removes the records of `keys` entirely, in any state except IN_FLIGHT
  // (FAILED_PRECONDITION outcome: it may be being delivered right now).
  // A purged key can be enqueued again.
  StatusOr<PurgeResult> Purge(const std::vector<DedupKey>& keys);

  // Records that delivery for `pixel_id` ("" = every pixel) is paused or
  // resumed by an operator, durably, so a restart keeps it. The Drainer
  // reads this when it starts and writes it through Drainer::Pause/Resume.
  Status SetDeliveryPaused(const std::string& pixel_id, bool paused);
  // The paused pixels ("" stands for "every pixel").
  StatusOr<std::vector<std::string>> PausedPixels() const;

  // Runs one round of retention: drops terminal records whose time has come
  // (at most `limit`, oldest first) and returns how many it dropped. The
  // background thread calls this when Options::background_maintenance.
  StatusOr<size_t> RunMaintenance(size_t limit = 10000);

  // The store underneath, for the delivery engine in this library.
  Store& store() { return *store_; }
  const Options& options() const { return options_; }

 private:
  Outbox(const Options& options, std::unique_ptr<Store> store);
  void MaintenanceLoop();

  const Options options_;
  std::unique_ptr<Store> store_;
  struct Background;
  std::unique_ptr<Background> background_;
};

}  // namespace outbox

#endif  // OUTBOX_OUTBOX_H_
