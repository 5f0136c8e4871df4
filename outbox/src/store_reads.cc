// Store's readers: records, scans, counters and sizes, read from committed
// data on any thread (store.h). The writer is in store.cc.
#include <rocksdb/db.h>

#include <algorithm>
#include <optional>

#include "outbox/src/payload_lookup.h"
#include "outbox/src/record_codec.h"
#include "outbox/src/rocks_status.h"
#include "outbox/src/storage_keys.h"
#include "outbox/src/store.h"

namespace outbox {

StatusOr<Record> Store::Get(std::string_view record_key) const {
  StatusOr<Record> record = std::move(GetMany({std::string(record_key)})[0]);
  if (!record.ok()) return record;
  std::optional<LeaseTable::Lease> lease = leases_.Find(record_key);
  if (lease && record->state == State::kPending) {
    record->state = State::kInFlight;
    record->state_changed_ms = lease->since_ms;
  }
  return record;
}

std::vector<StatusOr<Record>> Store::GetMany(
    const std::vector<std::string>& record_keys) const {
  // No snapshot (each MultiGet reads one consistent view of its own):
  // releasing one makes RocksDB rewrite each bottom-level file that still
  // carries sequence numbers (compaction reason BottommostFiles), that is,
  // each file moved down without a rewrite, as files of keys written in
  // order are; a drain kept rewriting them. A claim reads leased records,
  // and nothing changes a leased record (claim.h); any other record may
  // change between the two reads, and then comes back with the payload of
  // its new state (none once delivered and dropped).
  const rocksdb::ReadOptions read;
  const size_t n = record_keys.size();
  std::vector<rocksdb::Slice> keys(record_keys.begin(), record_keys.end());
  std::vector<rocksdb::PinnableSlice> values(n);
  std::vector<rocksdb::Status> statuses(n);
  db_->MultiGet(read, records_, n, keys.data(), values.data(),
                statuses.data());
  std::vector<StatusOr<Record>> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const rocksdb::Status& s = statuses[i];
    if (s.IsNotFound()) {
      out.emplace_back(Status::NotFound("no such record"));
    } else if (!s.ok()) {
      out.emplace_back(FromRocks(s, "cannot read record"));
    } else {
      out.emplace_back(
          DecodeRecordAt(record_keys[i], values[i].ToStringView()));
    }
  }
  LoadPayloads(record_keys, &out);
  return out;
}

void Store::LoadPayloads(const std::vector<std::string>& record_keys,
                         std::vector<StatusOr<Record>>* records) const {
  // Keyed by their records' timestamps: for a claim, neighbours in a few
  // blocks rather than a block each. No snapshot, as in GetMany.
  const rocksdb::ReadOptions read;
  const PayloadLookup lookup = LookUpPayloads(record_keys, *records);
  const size_t m = lookup.keys.size();
  std::vector<rocksdb::Slice> payload_keys(lookup.keys.begin(),
                                           lookup.keys.end());
  std::vector<rocksdb::PinnableSlice> payloads(m);
  std::vector<rocksdb::Status> payload_statuses(m);
  db_->MultiGet(read, payloads_, m, payload_keys.data(), payloads.data(),
                payload_statuses.data());
  FillPayloads(
      lookup, payloads, payload_statuses,
      [](const rocksdb::Status& s) {
        return FromRocks(s, "cannot read payload");
      },
      records);
}

namespace {

Status ScanCf(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
              std::string_view prefix, std::string_view start,
              const Store::ScanFn& fn) {
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions(), cf));
  it->Seek(start > prefix ? start : prefix);
  for (; it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (key.substr(0, prefix.size()) != prefix) break;
    if (!fn(key, it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "cannot scan the outbox database");
}

}  // namespace

Status Store::Scan(IndexCf cf, std::string_view prefix, std::string_view start,
                   const ScanFn& fn) const {
  std::string from(start);
  {
    // Skip the tombstones at the front of a queue (see scan_cursors_); a
    // cursor can lag behind the newest group, never lead committed state.
    std::lock_guard<std::mutex> lock(cursors_mu_);
    auto cursor = published_cursors_.find({cf, std::string(prefix)});
    if (cursor != published_cursors_.end() && cursor->second > from) {
      from = cursor->second;
    }
  }
  return ScanCf(db_.get(), IndexHandle(cf), prefix, from, fn);
}

Status Store::ScanRecords(std::string_view prefix, std::string_view start,
                          const ScanFn& fn) const {
  return ScanCf(db_.get(), records_, prefix, start, fn);
}

Status Store::ScanMeta(std::string_view prefix, const ScanFn& fn) const {
  return ScanCf(db_.get(), meta_, prefix, prefix, fn);
}

CounterMap Store::Counters() const {
  CounterMap counters;
  {
    std::lock_guard<std::mutex> lock(counters_mu_);
    counters = counters_;
  }
  // Leased records are counted PENDING on disk. The two are read one after
  // the other while groups commit; the clamp keeps a read that raced one
  // from showing a negative count.
  for (const auto& [pixel_id, leased] : leases_.CountsByPixel()) {
    int64_t& pending = counters[{State::kPending, pixel_id}];
    int64_t moved = std::min(leased, std::max<int64_t>(pending, 0));
    pending -= moved;
    counters[{State::kInFlight, pixel_id}] += moved;
  }
  return counters;
}

uint64_t Store::DiskBytes() const {
  // The WAL is not counted: its live part mirrors the memtables.
  uint64_t sst = 0, memtables = 0;
  db_->GetAggregatedIntProperty("rocksdb.total-sst-files-size", &sst);
  db_->GetAggregatedIntProperty("rocksdb.size-all-mem-tables", &memtables);
  return sst + memtables;
}

bool Store::BackgroundWorkPending() const {
  for (const char* property :
       {"rocksdb.compaction-pending", "rocksdb.num-running-compactions",
        "rocksdb.mem-table-flush-pending", "rocksdb.num-running-flushes"}) {
    uint64_t value = 0;
    // Unknown means busy: a caller waiting for quiet should not stop early.
    if (!db_->GetAggregatedIntProperty(property, &value) || value > 0) {
      return true;
    }
  }
  return false;
}

Status Store::CheckQuota() const {
  if (options_.max_disk_bytes == 0) return Status::Ok();
  uint64_t used = DiskBytes();
  if (used <= options_.max_disk_bytes) return Status::Ok();
  return Status::ResourceExhausted(
      "outbox storage quota exceeded: " + std::to_string(used) + " of " +
      std::to_string(options_.max_disk_bytes) +
      " bytes used; deliver or purge records, or raise max_disk_bytes");
}

StatusOr<std::string> Store::GetAppValue(std::string_view column_family,
                                         std::string_view key) const {
  rocksdb::ColumnFamilyHandle* cf = AppHandle(column_family);
  if (cf == nullptr) {
    return Status::InvalidArgument("column family '" +
                                   std::string(column_family) +
                                   "' is not in Options::app_column_families");
  }
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf, key, &value);
  if (s.IsNotFound()) return Status::NotFound("no such key");
  if (!s.ok()) return FromRocks(s, "cannot read application value");
  return value;
}

}  // namespace outbox
