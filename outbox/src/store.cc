#include "outbox/src/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/sst_file_manager.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_buffer_manager.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "outbox/src/column_families.h"
#include "outbox/src/crash_point.h"
#include "outbox/src/key_ordered_batch.h"
#include "outbox/src/private_file_system.h"
#include "outbox/src/record_codec.h"
#include "outbox/src/rocks_status.h"
#include "outbox/src/storage_keys.h"

namespace outbox {
namespace {

constexpr char kMetaCf[] = "meta";
constexpr char kAppCfPrefix[] = "app.";
const std::pair<IndexCf, const char*> kIndexCfs[] = {
    {IndexCf::kByState, "by_state"},
    {IndexCf::kDue, kDueCf},
    {IndexCf::kRetry, "retry"},
    {IndexCf::kGc, "gc"},
};
// A write group holds at most this many operations, bounding the latency a
// burst adds to the callers queued behind it.
constexpr size_t kMaxOpsPerGroup = 4096;

Status MakeDataDir(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("data_dir: required");
  // Each missing level is created private: the data includes hashed
  // personal data and must not be world-readable.
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    std::string part = dir.substr(0, pos);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::Unavailable("cannot create data directory " + part +
                                 ": " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

}  // namespace

Store::Store(StoreOptions options) : options_(std::move(options)) {}

StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  for (const std::string& name : options.app_column_families) {
    if (name.empty() || name.find('/') != std::string::npos) {
      return Status::InvalidArgument(
          "app_column_families: names must be non-empty and contain no '/'");
    }
  }
  OUTBOX_RETURN_IF_ERROR(MakeDataDir(options.data_dir));
  std::unique_ptr<Store> store(new Store(options));
  OUTBOX_RETURN_IF_ERROR(store->OpenDb());
  OUTBOX_RETURN_IF_ERROR(store->UpgradeFormat());
  OUTBOX_RETURN_IF_ERROR(store->LoadCounters());
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  return store;
}

Status Store::OpenDb() {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  env_ = NewPrivateEnv();  // Files 0600.
  db_options.env = env_.get();
  // With an SstFileManager RocksDB recovers by itself from "no space" once
  // space returns, instead of staying read-only until reopened. It waits for
  // a memtable's worth (write_buffer_size, 64 MiB) of free space, checking
  // every 5 s, and answers DB::Resume() with Busy meanwhile
  // (tests/reliability/disk_full_test.cc).
  db_options.sst_file_manager.reset(
      rocksdb::NewSstFileManager(db_options.env));
  db_options.info_log = NewPrivateInfoLog(options_.data_dir);  // Disk full.
  // Memtables of all column families share one budget, and the log is
  // bounded by it too: RocksDB flushes the column families that pin the
  // oldest log file once the log outgrows the budget. Without that, the
  // small column families (due, by_state, meta) never fill a memtable,
  // pin every log file, and an open replays all of it (3 s per 1M records).
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(
          options_.write_buffer_bytes);
  db_options.max_total_wal_size = options_.write_buffer_bytes;
  // After a crash the replayed log stays in memtables (and the log files are
  // kept until they are flushed) rather than being flushed before Open
  // returns: a restart does not wait for writing SST files.
  db_options.avoid_flush_during_recovery = true;
  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(options_.block_cache_bytes);

  std::vector<std::string> existing;
  rocksdb::DB::ListColumnFamilies(db_options, options_.data_dir, &existing)
      .PermitUncheckedError();  // Fails on a new database: nothing exists.
  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName,
                                    kRecordsCf,    kPayloadsCf,
                                    kMetaCf,       kFormatGuardCf};
  for (const auto& [cf, name] : kIndexCfs) names.push_back(name);
  for (const auto& app : options_.app_column_families) {
    names.push_back(kAppCfPrefix + app);
  }
  for (const auto& name : existing) {  // Open all, or RocksDB refuses.
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) {
    descriptors.emplace_back(name, ColumnFamilyOptionsFor(name, cache));
  }
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options_.data_dir,
                                        descriptors, &handles_, &db);
  if (!s.ok()) {
    return FromRocks(s, "cannot open outbox database in " + options_.data_dir);
  }
  db_.reset(db);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (name == kRecordsCf) records_ = handles_[i];
    if (name == kPayloadsCf) payloads_ = handles_[i];
    if (name == kRecordKeyedPayloadsCf) record_keyed_payloads_ = handles_[i];
    if (name == kMetaCf) meta_ = handles_[i];
    for (const auto& [cf, cf_name] : kIndexCfs) {
      if (name == cf_name) index_cfs_[cf] = handles_[i];
    }
    if (name.rfind(kAppCfPrefix, 0) == 0) {
      app_cfs_[name.substr(strlen(kAppCfPrefix))] = handles_[i];
    }
  }
  return Status::Ok();
}

Status Store::LoadCounters() {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), meta_));
  for (it->Seek(kCounterPrefix); it->Valid(); it->Next()) {
    State state;
    std::string_view pixel;
    if (!ParseCounterKey(it->key().ToStringView(), &state, &pixel)) break;
    counters_[{state, std::string(pixel)}] =
        static_cast<int64_t>(ReadBigEndian64(it->value().ToStringView()));
  }
  return FromRocks(it->status(), "cannot read counters");
}

Store::~Store() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (db_) {
    // Everything is in the synced log already; flushing it now means the
    // next open replays nothing. When it fails (disk full, power gone) the
    // log still holds every write, and the next open replays it.
    rocksdb::FlushOptions flush;
    flush.allow_write_stall = true;
    db_->Flush(flush, handles_).PermitUncheckedError();
  }
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  if (db_) db_->Close().PermitUncheckedError();
}

Status Store::Commit(Op op, OpKind kind) {
  std::promise<Status> promise;
  std::future<Status> result = promise.get_future();
  CommitAsync(
      std::move(op), [&promise](Status s) { promise.set_value(std::move(s)); },
      kind);
  return result.get();
}

void Store::CommitAsync(Op op, Done done, OpKind kind) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back({std::move(op), std::move(done), kind});
      queue_cv_.notify_one();
      return;
    }
  }
  done(Status::Unavailable("outbox is shutting down; retry on another "
                           "instance or after restart"));
}

void Store::WriterLoop() {
  std::vector<Pending> group;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is done
      while (!queue_.empty() && group.size() < kMaxOpsPerGroup) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunGroup(&group);
    group.clear();
  }
}

void Store::RunGroup(std::vector<Pending>* group) {
  // Consecutive operations of one kind share a batch and one synced write.
  Pending* begin = group->data();
  Pending* const last = begin + group->size();
  while (begin != last) {
    Pending* end = begin;
    while (end != last && end->kind == begin->kind) ++end;
    RunBatch(begin, end, begin->kind);
    begin = end;
  }
}

void Store::RunBatch(Pending* begin, Pending* end, OpKind kind) {
  // Insert-only operations share `plain`. General ones write to `indexed`,
  // whose index lets later operations of the group read their writes, and
  // put the entries nobody reads within a group in `plain` (by_state and gc
  // entries, lease outcomes: WriteTxn::IndexBatch, UpdateLeased); both go
  // into the one synced write.
  std::optional<rocksdb::WriteBatchWithIndex> indexed;
  rocksdb::WriteBatch plain;
  std::unordered_set<std::string> inserted;
  if (kind == OpKind::kGeneral) {
    indexed.emplace(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true);
  }
  CounterMap deltas;
  std::vector<Status> results;
  results.reserve(end - begin);
  for (Pending* p = begin; p != end; ++p) {
    WriteTxn txn = indexed ? WriteTxn(*this, &*indexed, &plain)
                           : WriteTxn(*this, &plain, &inserted);
    plain.SetSavePoint();
    if (indexed) indexed->SetSavePoint();
    const size_t lease_mark = leases_.Mark();
    Status s = p->op(txn);
    if (s.ok()) {
      plain.PopSavePoint().PermitUncheckedError();
      if (indexed) indexed->PopSavePoint().PermitUncheckedError();
      for (const auto& [key, delta] : txn.deltas_) deltas[key] += delta;
    } else {
      plain.RollbackToSavePoint().PermitUncheckedError();
      if (indexed) indexed->RollbackToSavePoint().PermitUncheckedError();
      leases_.UndoTo(lease_mark);
      txn.ForgetInserts();
      scan_cursors_.clear();  // They may point past a restored key.
    }
    results.push_back(std::move(s));
  }
  // No key is written to both batches (what goes to `plain` is read by no
  // operation of the group, so none writes it again), so their order in the
  // write does not matter.
  std::vector<const rocksdb::WriteBatch*> parts = {&plain};
  if (indexed) parts.push_back(indexed->GetWriteBatch());
  unseen_queue_puts_.clear();
  Status written = WriteGroup(parts, deltas);
  // A claim whose write failed was never told its keys; an outcome whose
  // write failed is written again, and its keys stay leased till then.
  if (written.ok()) {
    leases_.Commit();
  } else {
    leases_.UndoTo(0);
  }
  // Callbacks run here, before the next group is taken: with clients that
  // send their next call once answered, finishing every call first lets the
  // next group gather them all. (Handing callbacks to a completion thread
  // made groups smaller and cost 10-20% at 64 in flight; bench/FINDINGS.md.)
  for (Pending* p = begin; p != end; ++p) {
    Status& s = results[p - begin];
    p->done(s.ok() ? written : std::move(s));
  }
}

Status Store::WriteGroup(const std::vector<const rocksdb::WriteBatch*>& parts,
                         const CounterMap& deltas) {
  KeyOrderedBatch ordered(handles_);
  for (const rocksdb::WriteBatch* part : parts) {
    OUTBOX_RETURN_IF_ERROR(
        FromRocks(ordered.Add(*part), "cannot assemble the write"));
  }
  if (ordered.empty() && deltas.empty()) {
    return Status::Ok();
  }
  CounterMap updated;
  {
    std::lock_guard<std::mutex> lock(counters_mu_);
    for (const auto& [key, delta] : deltas) {
      auto it = counters_.find(key);
      updated[key] = (it == counters_.end() ? 0 : it->second) + delta;
    }
  }
  rocksdb::WriteBatch counters;
  for (const auto& [key, value] : updated) {
    std::string bytes;
    AppendBigEndian64(static_cast<uint64_t>(std::max<int64_t>(value, 0)),
                      &bytes);
    counters.Put(meta_, CounterKey(key.first, key.second), bytes)
        .PermitUncheckedError();
  }
  OUTBOX_RETURN_IF_ERROR(
      FromRocks(ordered.Add(counters), "cannot assemble the write"));
  if (needs_resume_) {
    // A failed write (e.g. disk full) may leave RocksDB read-only until it
    // is told to resume; doing so here retries recovery on each new group.
    db_->Resume().PermitUncheckedError();
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  // In key order, each memtable insert starts where the one before it
  // ended (key_ordered_batch.h).
  rocksdb::WriteBatch batch = ordered.Build();
  rocksdb::Status s = db_->Write(sync, &batch);
  needs_resume_ = !s.ok();
  if (!s.ok()) {
    scan_cursors_.clear();  // The deletes they rely on did not happen.
    return FromRocks(s, "cannot write to the outbox database");
  }
  OUTBOX_CRASH_POINT("store.after_sync");  // Durable, callers not told yet.
  {
    std::lock_guard<std::mutex> lock(cursors_mu_);
    published_cursors_ = scan_cursors_;
  }
  std::lock_guard<std::mutex> lock(counters_mu_);
  for (auto& [key, value] : updated) counters_[key] = value;
  return Status::Ok();
}

rocksdb::ColumnFamilyHandle* Store::IndexHandle(IndexCf cf) const {
  return index_cfs_.at(cf);
}

rocksdb::ColumnFamilyHandle* Store::AppHandle(std::string_view name) const {
  auto it = app_cfs_.find(name);
  return it == app_cfs_.end() ? nullptr : it->second;
}

}  // namespace outbox
