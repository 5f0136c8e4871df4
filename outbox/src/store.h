// Store: the RocksDB database behind an Outbox, and its single writer.
//
// Every mutation is a function run on one writer thread inside a *write
// group*: the writer takes everything queued, runs each operation against a
// WriteTxn (which sees the writes of earlier operations of the same group),
// and commits the whole group with one synced write. Concurrent callers thus
// share fsyncs (group commit), and because one thread applies all mutations,
// check-then-write operations (dedup, state transitions) cannot race.
//
// Readers (Get, scans) read committed data directly, from any thread.
//
// Records being sent are PENDING on disk and leased in memory (LeaseTable);
// Get and Counters report them as IN_FLIGHT.
//
// A record is stored in two parts: its state (records column family, about a
// hundred bytes, rewritten on every transition) and its payload, the event
// JSON (payloads column family, written once at enqueue). Claiming and
// delivering a batch thus rewrite small values, not whole events.
//
// Thread-safety: all public methods are thread-safe.
#ifndef OUTBOX_SRC_STORE_H_
#define OUTBOX_SRC_STORE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "outbox/record.h"
#include "outbox/status.h"
#include "outbox/src/lease_table.h"
#include "outbox/src/record_index.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Env;
class Iterator;
class WriteBatch;
class WriteBatchBase;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace outbox {

struct StoreOptions {
  std::string data_dir;
  std::vector<std::string> app_column_families;
  uint64_t max_disk_bytes = 0;  // 0: no quota.
  uint64_t block_cache_bytes = 64ULL << 20;   // See Options.
  uint64_t write_buffer_bytes = 128ULL << 20;  // See Options.
  RetentionPolicy retention;
};

// Counts of records by (state, pixel).
using CounterMap = std::map<std::pair<State, std::string>, int64_t>;

// Whether a read inside a write group also loads the payload (event_json):
// a second lookup, which only sending and replaying need.
enum class WithPayload : bool { kNo = false, kYes = true };

// The storage format this build writes. Format 1 kept the payload inside
// the record; format 2 indexed every record in by_state, format 3 only
// those in IndexedByState states; format 4 keys payloads by PayloadKey
// rather than RecordKey; format 5 stores a copy of each due record in its
// due entry (older entries, left empty, still read as before). Opening an
// older directory converts it (Store::Open); the format is what keeps a
// build of an older format from opening, and rewriting records without
// their copies in, a newer directory.
inline constexpr int kStorageFormat = 5;

class WriteTxn;

class Store {
 public:
  using Op = std::function<Status(WriteTxn&)>;
  using Done = std::function<void(Status)>;

  // What an operation may do with its WriteTxn. Insert-only operations
  // (enqueue) may call only Exists, Insert, AppPut and AppDelete; they are
  // grouped into plain write batches, which cost a fraction of the indexed
  // batches that general operations (reads of their own writes, index
  // scans) need.
  enum class OpKind { kGeneral, kInsertOnly };

  // Opens (creating if needed) the database in options.data_dir, converting
  // a directory of an older format (1 to 3) to format 4 first.
  // INVALID_ARGUMENT for bad options, FAILED_PRECONDITION for a directory
  // written by a newer format, UNAVAILABLE / INTERNAL when RocksDB cannot
  // open the directory (the message says why).
  static StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // Stops the writer after the queued operations, flushes every column
  // family (so that the next open replays no log) and closes the database.
  ~Store();

  // Runs `op` in the next write group and blocks until the group is durable.
  // Returns op's error (its writes discarded), the write's error, or OK once
  // op's writes are synced to disk.
  Status Commit(Op op, OpKind kind = OpKind::kGeneral);

  // As Commit, but returns at once; `done` runs on the writer thread after
  // the group is durable (or failed), in commit order. `done` must not
  // block and must not call Commit.
  void CommitAsync(Op op, Done done, OpKind kind = OpKind::kGeneral);

  // Reads the committed record stored under `record_key`, payload included.
  // NOT_FOUND if none. A leased PENDING record reads as IN_FLIGHT.
  StatusOr<Record> Get(std::string_view record_key) const;
  // Get for many keys in one lookup, as stored (a leased record reads as
  // PENDING); one result per key, in order. Records and payloads are read
  // one after the other: a record not leased that changes in between comes
  // back with the payload of its new state.
  std::vector<StatusOr<Record>> GetMany(
      const std::vector<std::string>& record_keys) const;
  // Sets the event_json of each readable record of `records`, read for
  // `record_keys` (one each, in order), from the committed payloads: the
  // second half of GetMany, for records read some other way (a claim's
  // come with its scan of `due`).
  void LoadPayloads(const std::vector<std::string>& record_keys,
                    std::vector<StatusOr<Record>>* records) const;

  using ScanFn = std::function<bool(std::string_view key,
                                    std::string_view value)>;
  // Calls fn(key, value) for the committed entries of index `cf` in key
  // order, from the first key >= max(prefix, start), while fn returns true
  // and keys begin with `prefix`.
  Status Scan(IndexCf cf, std::string_view prefix, std::string_view start,
              const ScanFn& fn) const;
  // Same, over the records column family (value: an encoded record).
  Status ScanRecords(std::string_view prefix, std::string_view start,
                     const ScanFn& fn) const;

  // Same, over the meta column family (small settings such as pauses).
  Status ScanMeta(std::string_view prefix, const ScanFn& fn) const;

  // Record counts by state and pixel, as of the last committed group, with
  // leased records counted as IN_FLIGHT.
  CounterMap Counters() const;

  // The records being sent.
  const LeaseTable& leases() const { return leases_; }

  // Bytes the database holds: SST files on disk plus memtables.
  uint64_t DiskBytes() const;

  // Whether RocksDB has background work running or due: a flush, or a
  // compaction of a level over its target size. For a benchmark that must
  // start from a settled database rather than from the compactions a bulk
  // load left behind.
  bool BackgroundWorkPending() const;

  // RESOURCE_EXHAUSTED when the quota is set and exceeded.
  Status CheckQuota() const;

  // Reads an application value (transactional outbox). NOT_FOUND if absent,
  // INVALID_ARGUMENT for an undeclared column family.
  StatusOr<std::string> GetAppValue(std::string_view column_family,
                                    std::string_view key) const;

  const RetentionPolicy& retention() const { return options_.retention; }

 private:
  friend class WriteTxn;
  struct Pending {
    Op op;
    Done done;
    OpKind kind;
  };

  explicit Store(StoreOptions options);
  Status OpenDb();
  Status UpgradeFormat();
  Status MovePayloadsOutOfRecords();  // Format 1 to 2.
  Status DropUnindexedStates();       // Format 2 to 3.
  Status RekeyPayloads();             // Format 3 to 4.
  Status LoadCounters();
  void WriterLoop();
  void RunGroup(std::vector<Pending>* group);
  void RunBatch(Pending* begin, Pending* end, OpKind kind);
  // Writes `parts` and the counters changed by `deltas` as one synced
  // write, in key order.
  Status WriteGroup(const std::vector<const rocksdb::WriteBatch*>& parts,
                    const CounterMap& deltas);
  rocksdb::ColumnFamilyHandle* IndexHandle(IndexCf cf) const;
  rocksdb::ColumnFamilyHandle* AppHandle(std::string_view name) const;

  const StoreOptions options_;
  std::unique_ptr<rocksdb::Env> env_;  // Outlives db_.
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned by db_
  rocksdb::ColumnFamilyHandle* records_ = nullptr;
  rocksdb::ColumnFamilyHandle* payloads_ = nullptr;
  // Formats 2 and 3 only, until RekeyPayloads has emptied and dropped it.
  rocksdb::ColumnFamilyHandle* record_keyed_payloads_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> app_cfs_;
  std::map<IndexCf, rocksdb::ColumnFamilyHandle*> index_cfs_;

  mutable std::mutex counters_mu_;
  CounterMap counters_;  // guarded by counters_mu_
  LeaseTable leases_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;  // guarded by queue_mu_
  bool stopping_ = false;      // guarded by queue_mu_
  bool needs_resume_ = false;  // writer thread only
  // Where a scan of a queue-like index (due, retry, gc) may start: every key
  // of that (index, prefix) below its cursor is deleted. Deleted keys stay
  // in RocksDB as tombstones until compaction, and queues delete from their
  // front, so scanning from the front would cost O(everything ever
  // dequeued). Inserts below a cursor lower it; a rolled-back operation or
  // a failed write clears them all. Writer thread only.
  std::map<std::pair<IndexCf, std::string>, std::string> scan_cursors_;
  // The lowest key put in each queue in the current group's plain batch,
  // which the group's scans do not see: no cursor may pass it. Writer
  // thread only; cleared with each group.
  std::map<std::pair<IndexCf, std::string>, std::string> unseen_queue_puts_;
  // scan_cursors_ as of the last successful write, for readers' scans.
  mutable std::mutex cursors_mu_;
  std::map<std::pair<IndexCf, std::string>, std::string> published_cursors_;
  std::thread writer_;
};

// The view and the write set of one operation inside a write group.
// Only ever used on the writer thread, for the duration of one operation.
class WriteTxn {
 public:
  // Reads the record under `record_key`, including writes made earlier in
  // this group; its event_json stays empty unless `payload` says kYes.
  // NOT_FOUND if absent; DATA_LOSS if undecodable.
  // Not for insert-only operations (INTERNAL).
  StatusOr<Record> Get(std::string_view record_key, WithPayload payload);
  bool Exists(std::string_view record_key);
  // Get for many keys in one lookup (much cheaper than one Get per key);
  // one result per key, in order.
  std::vector<StatusOr<Record>> GetMany(const std::vector<std::string>& keys,
                                        WithPayload payload);

  // Writes `record` (a new key) and its payload, with its index entries and
  // counters.
  void Insert(const Record& record);
  // Replaces the state of `before` (as read from this txn) with `after`
  // (same key, same timestamp), moving its index entries and counters.
  // The payload is not touched: after.event_json is ignored.
  void Update(const Record& before, const Record& after);
  // Update for a record whose lease this operation ended (EndLeases):
  // `before` is the record as stored when it was claimed (a leased record
  // does not change), and the payload is deleted if `drop_payload`. Until
  // the group is durable the record stays leased, so no later operation
  // of the group reads it: these writes are not visible to them, which
  // saves indexing them in the group's batch.
  void UpdateLeased(const Record& before, const Record& after,
                    bool drop_payload);
  // Removes `before` (as read from this txn), its payload and its index
  // entries.
  void Remove(const Record& before);

  // Application writes of the transactional outbox. INVALID_ARGUMENT for a
  // column family not declared in Options::app_column_families.
  Status AppPut(std::string_view column_family, std::string_view key,
                std::string_view value);
  Status AppDelete(std::string_view column_family, std::string_view key);

  // Small settings kept beside the counters (e.g. paused pixels).
  void PutMeta(std::string_view key, std::string_view value);
  void DeleteMeta(std::string_view key);

  // Leases: see lease_table.h. Lease takes `keys` (PENDING, not leased)
  // for a claim and writes its "lease/" entry listing them. EndLeases ends
  // those of `keys` that are leased and not ending already, saying which
  // (one flag per key), and deletes the entries of claims left with no
  // lease; the leases stay (IsLeased) until the group is durable. Both are
  // undone if the operation or the write fails.
  bool IsLeased(std::string_view record_key) const;
  void Lease(const std::vector<std::string>& keys, int64_t now_ms);
  std::vector<bool> EndLeases(const std::vector<std::string>& keys);

  // Visits index entries (key, value) of `cf` with `prefix`, in order, as
  // of this group, while fn returns true. Do not write inside fn; collect,
  // then write. Not for insert-only operations (INTERNAL).
  //
  // by_state and gc entries written in the current group are not visible
  // to these scans (see Store::RunBatch): a scan of them may list a record
  // that has since left that state, or miss one that just entered it, so
  // check each record's state after reading it.
  Status ScanIndex(
      IndexCf cf, std::string_view prefix,
      const std::function<bool(std::string_view, std::string_view)>& fn);

  const Store& store() const { return store_; }

 private:
  friend class Store;
  // A general transaction over an indexed batch; by_state and gc entries
  // go to `unindexed`.
  WriteTxn(Store& store, rocksdb::WriteBatchWithIndex* indexed,
           rocksdb::WriteBatch* unindexed);
  // An insert-only transaction over a plain batch; `inserted` holds the
  // record keys inserted by earlier operations of the same batch.
  WriteTxn(Store& store, rocksdb::WriteBatch* plain,
           std::unordered_set<std::string>* inserted);
  // Forgets this operation's inserts after its writes were rolled back.
  void ForgetInserts();
  // Fills event_json of the `records` read for `record_keys` from the
  // payloads.
  void LoadPayloads(const std::vector<std::string>& record_keys,
                    std::vector<StatusOr<Record>>* records);
  // Whether later operations of the group must see a write (the indexed
  // batch) or need not (the plain batch; see RunBatch).
  enum class Visibility { kGroup, kAfterCommit };
  // Update under `key`, the RecordKey of `after`.
  void Rewrite(const std::string& key, const Record& before,
               const Record& after, Visibility visibility);
  // Puts `entries` but those in `except` with the same value; deletes
  // `entries` but those whose key `except` has (put again, so replaced).
  void PutIndex(const std::vector<IndexEntry>& entries,
                const std::vector<IndexEntry>& except, Visibility visibility);
  void DeleteIndex(const std::vector<IndexEntry>& entries,
                   const std::vector<IndexEntry>& except,
                   Visibility visibility);
  void Count(const Record& record, int delta);
  // The batch that entries of index `cf` are written to.
  rocksdb::WriteBatchBase& IndexBatch(IndexCf cf, Visibility visibility);
  rocksdb::WriteBatchBase& BatchFor(Visibility visibility);

  Store& store_;
  rocksdb::WriteBatchBase& batch_;
  rocksdb::WriteBatchWithIndex* indexed_ = nullptr;     // general only
  rocksdb::WriteBatch* unindexed_ = nullptr;             // general only
  std::unordered_set<std::string>* inserted_ = nullptr;  // insert-only only
  std::vector<std::string> own_inserts_;                  // insert-only only
  CounterMap deltas_;  // this operation's counter changes
};

}  // namespace outbox

#endif  // OUTBOX_SRC_STORE_H_
