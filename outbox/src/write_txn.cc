// WriteTxn: one operation's view of, and writes to, the current write group.
#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <algorithm>

#include "outbox/src/payload_lookup.h"
#include "outbox/src/record_codec.h"
#include "outbox/src/storage_keys.h"
#include "outbox/src/store.h"

namespace outbox {
namespace {

bool Contains(const std::vector<IndexEntry>& entries, const IndexEntry& e) {
  return std::find(entries.begin(), entries.end(), e) != entries.end();
}

bool ContainsKey(const std::vector<IndexEntry>& entries, const IndexEntry& e) {
  return std::any_of(entries.begin(), entries.end(), [&](const IndexEntry& x) {
    return x.cf == e.cf && x.key == e.key;
  });
}

bool IsQueue(IndexCf cf) {
  return cf == IndexCf::kDue || cf == IndexCf::kRetry || cf == IndexCf::kGc;
}

// The prefix its scans use for a queue key: the pixel for `due` (scanned
// per pixel), nothing for the time-ordered `retry` and `gc`.
std::string_view QueuePrefix(IndexCf cf, std::string_view key) {
  return cf == IndexCf::kDue ? PixelPrefixOfDueKey(key) : std::string_view();
}

// Reads `keys` of `cf` in one lookup, as of `batch` over `db`. `values`
// holds one slice per key.
std::vector<rocksdb::Status> MultiGet(
    rocksdb::WriteBatchWithIndex* batch, rocksdb::DB* db,
    rocksdb::ColumnFamilyHandle* cf, const std::vector<std::string>& keys,
    std::vector<rocksdb::PinnableSlice>* values) {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::Status> statuses(keys.size());
  batch->MultiGetFromBatchAndDB(db, rocksdb::ReadOptions(), cf, keys.size(),
                                slices.data(), values->data(), statuses.data(),
                                /*sorted_input=*/false);
  return statuses;
}

}  // namespace

WriteTxn::WriteTxn(Store& store, rocksdb::WriteBatchWithIndex* indexed,
                   rocksdb::WriteBatch* unindexed)
    : store_(store),
      batch_(*indexed),
      indexed_(indexed),
      unindexed_(unindexed) {}

WriteTxn::WriteTxn(Store& store, rocksdb::WriteBatch* plain,
                   std::unordered_set<std::string>* inserted)
    : store_(store), batch_(*plain), inserted_(inserted) {}

void WriteTxn::ForgetInserts() {
  if (inserted_ == nullptr) return;
  for (const std::string& key : own_inserts_) inserted_->erase(key);
  own_inserts_.clear();
}

StatusOr<Record> WriteTxn::Get(std::string_view record_key,
                               WithPayload payload) {
  return std::move(GetMany({std::string(record_key)}, payload)[0]);
}

std::vector<StatusOr<Record>> WriteTxn::GetMany(
    const std::vector<std::string>& keys, WithPayload payload) {
  std::vector<StatusOr<Record>> out;
  out.reserve(keys.size());
  if (indexed_ == nullptr) {
    out.assign(keys.size(),
               Status::Internal("Get in an insert-only operation"));
    return out;
  }
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses =
      MultiGet(indexed_, store_.db_.get(), store_.records_, keys, &values);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) {
      out.emplace_back(Status::NotFound("no such record"));
    } else if (!statuses[i].ok()) {
      out.emplace_back(
          Status::Unavailable("cannot read record: " + statuses[i].ToString()));
    } else {
      out.emplace_back(DecodeRecordAt(keys[i], values[i].ToStringView()));
    }
  }
  if (payload == WithPayload::kYes) LoadPayloads(keys, &out);
  return out;
}

void WriteTxn::LoadPayloads(const std::vector<std::string>& record_keys,
                            std::vector<StatusOr<Record>>* records) {
  const PayloadLookup lookup = LookUpPayloads(record_keys, *records);
  std::vector<rocksdb::PinnableSlice> values(lookup.keys.size());
  std::vector<rocksdb::Status> statuses = MultiGet(
      indexed_, store_.db_.get(), store_.payloads_, lookup.keys, &values);
  FillPayloads(
      lookup, values, statuses,
      [](const rocksdb::Status& s) {
        return Status::Unavailable("cannot read payload: " + s.ToString());
      },
      records);
}

bool WriteTxn::Exists(std::string_view record_key) {
  std::string value;
  if (indexed_ != nullptr) {
    return indexed_
        ->GetFromBatchAndDB(store_.db_.get(), rocksdb::ReadOptions(),
                            store_.records_, record_key, &value)
        .ok();
  }
  // Insert-only: earlier batches of this group are already in the DB.
  if (inserted_->count(std::string(record_key)) > 0) return true;
  rocksdb::PinnableSlice pinned;
  return store_.db_
      ->Get(rocksdb::ReadOptions(), store_.records_, record_key, &pinned)
      .ok();
}

void WriteTxn::Insert(const Record& record) {
  std::string key = RecordKey(record.key);
  if (inserted_ != nullptr) {
    inserted_->insert(key);
    own_inserts_.push_back(key);
  }
  const std::string stored = EncodeRecord(record);
  batch_.Put(store_.records_, key, stored).PermitUncheckedError();
  if (!record.event_json.empty()) {
    batch_.Put(store_.payloads_, PayloadKey(key, record.timestamp_ms),
               record.event_json)
        .PermitUncheckedError();
  }
  PutIndex(IndexEntriesFor(record, key, store_.retention(), stored), {},
           Visibility::kGroup);
  Count(record, +1);
}

void WriteTxn::Update(const Record& before, const Record& after) {
  Rewrite(RecordKey(after.key), before, after, Visibility::kGroup);
}

void WriteTxn::UpdateLeased(const Record& before, const Record& after,
                            bool drop_payload) {
  const std::string key = RecordKey(after.key);
  Rewrite(key, before, after, Visibility::kAfterCommit);
  if (drop_payload) {
    BatchFor(Visibility::kAfterCommit)
        .Delete(store_.payloads_, PayloadKey(key, after.timestamp_ms))
        .PermitUncheckedError();
  }
}

void WriteTxn::Rewrite(const std::string& key, const Record& before,
                       const Record& after, Visibility visibility) {
  const std::string stored = EncodeRecord(after);
  // The old entries' values are left out: only their keys matter for
  // deletion, and a due entry that stays is put again with the record's
  // new value, which replaces the old one.
  auto old_entries = IndexEntriesFor(before, key, store_.retention(), "");
  auto new_entries = IndexEntriesFor(after, key, store_.retention(), stored);
  DeleteIndex(old_entries, new_entries, visibility);
  PutIndex(new_entries, old_entries, visibility);
  BatchFor(visibility).Put(store_.records_, key, stored).PermitUncheckedError();
  if (before.state != after.state) {
    Count(before, -1);
    Count(after, +1);
  }
}

void WriteTxn::Remove(const Record& before) {
  std::string key = RecordKey(before.key);
  DeleteIndex(IndexEntriesFor(before, key, store_.retention(), ""), {},
              Visibility::kGroup);
  batch_.Delete(store_.records_, key).PermitUncheckedError();
  batch_.Delete(store_.payloads_, PayloadKey(key, before.timestamp_ms))
      .PermitUncheckedError();
  Count(before, -1);
}

void WriteTxn::PutIndex(const std::vector<IndexEntry>& entries,
                        const std::vector<IndexEntry>& except,
                        Visibility visibility) {
  for (const IndexEntry& e : entries) {
    if (Contains(except, e)) continue;
    rocksdb::WriteBatchBase& batch = IndexBatch(e.cf, visibility);
    batch.Put(store_.IndexHandle(e.cf), e.key, e.value).PermitUncheckedError();
    if (!IsQueue(e.cf)) continue;
    const std::pair<IndexCf, std::string> queue{
        e.cf, std::string(QueuePrefix(e.cf, e.key))};
    auto cursor = store_.scan_cursors_.find(queue);
    if (cursor != store_.scan_cursors_.end() && e.key < cursor->second) {
      cursor->second = e.key;
    }
    if (&batch == unindexed_) {
      auto [low, added] = store_.unseen_queue_puts_.emplace(queue, e.key);
      if (!added && e.key < low->second) low->second = e.key;
    }
  }
}

void WriteTxn::DeleteIndex(const std::vector<IndexEntry>& entries,
                           const std::vector<IndexEntry>& except,
                           Visibility visibility) {
  for (const IndexEntry& e : entries) {
    // An entry kept under the same key is put again (if its value changed)
    // in the same batch, which replaces it: no delete needed.
    if (ContainsKey(except, e)) continue;
    IndexBatch(e.cf, visibility)
        .Delete(store_.IndexHandle(e.cf), e.key)
        .PermitUncheckedError();
  }
}

rocksdb::WriteBatchBase& WriteTxn::IndexBatch(IndexCf cf,
                                              Visibility visibility) {
  // Indexing an entry in the batch costs two skiplist searches; by_state
  // and gc are only scanned by recovery (at open) and retention, which
  // check each record they find, so their entries skip the index.
  if (cf == IndexCf::kByState || cf == IndexCf::kGc) {
    return BatchFor(Visibility::kAfterCommit);
  }
  return BatchFor(visibility);
}

rocksdb::WriteBatchBase& WriteTxn::BatchFor(Visibility visibility) {
  if (visibility == Visibility::kAfterCommit && unindexed_ != nullptr) {
    return *unindexed_;
  }
  return batch_;
}

void WriteTxn::Count(const Record& record, int delta) {
  deltas_[{record.state, record.key.pixel_id()}] += delta;
}

bool WriteTxn::IsLeased(std::string_view record_key) const {
  return store_.leases_.IsLeased(record_key);
}

void WriteTxn::Lease(const std::vector<std::string>& keys, int64_t now_ms) {
  if (keys.empty()) return;
  uint64_t id = store_.leases_.Take(keys, now_ms);
  PutMeta(LeaseKey(id), EncodeKeyList(keys));
}

std::vector<bool> WriteTxn::EndLeases(const std::vector<std::string>& keys) {
  LeaseTable::Ending ending = store_.leases_.End(keys);
  // Lease entries are read only when opening, never within a group.
  for (uint64_t id : ending.finished_claims) {
    BatchFor(Visibility::kAfterCommit)
        .Delete(store_.meta_, LeaseKey(id))
        .PermitUncheckedError();
  }
  return std::move(ending.ended);
}

void WriteTxn::PutMeta(std::string_view key, std::string_view value) {
  batch_.Put(store_.meta_, key, value).PermitUncheckedError();
}

void WriteTxn::DeleteMeta(std::string_view key) {
  batch_.Delete(store_.meta_, key).PermitUncheckedError();
}

Status WriteTxn::AppPut(std::string_view column_family, std::string_view key,
                        std::string_view value) {
  rocksdb::ColumnFamilyHandle* cf = store_.AppHandle(column_family);
  if (cf == nullptr) {
    return Status::InvalidArgument("column family '" +
                                   std::string(column_family) +
                                   "' is not in Options::app_column_families");
  }
  batch_.Put(cf, key, value).PermitUncheckedError();
  return Status::Ok();
}

Status WriteTxn::AppDelete(std::string_view column_family,
                           std::string_view key) {
  rocksdb::ColumnFamilyHandle* cf = store_.AppHandle(column_family);
  if (cf == nullptr) {
    return Status::InvalidArgument("column family '" +
                                   std::string(column_family) +
                                   "' is not in Options::app_column_families");
  }
  batch_.Delete(cf, key).PermitUncheckedError();
  return Status::Ok();
}

Status WriteTxn::ScanIndex(
    IndexCf cf, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  if (indexed_ == nullptr) {
    return Status::Internal("ScanIndex in an insert-only operation");
  }
  std::string* cursor = nullptr;
  std::string start(prefix);
  if (IsQueue(cf)) {
    cursor = &store_.scan_cursors_[{cf, std::string(prefix)}];
    if (*cursor > start) start = *cursor;
  }
  rocksdb::ColumnFamilyHandle* handle = store_.IndexHandle(cf);
  std::unique_ptr<rocksdb::Iterator> it(indexed_->NewIteratorWithBase(
      handle, store_.db_->NewIterator(rocksdb::ReadOptions(), handle)));
  bool first = true;
  for (it->Seek(start); it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (key.substr(0, prefix.size()) != prefix) break;
    if (first && cursor != nullptr) *cursor = std::string(key);
    first = false;
    if (!fn(key, it->value().ToStringView())) break;
  }
  if (!it->status().ok()) {
    return Status::Unavailable("cannot scan index: " + it->status().ToString());
  }
  if (cursor == nullptr) return Status::Ok();
  if (first) *cursor = start;  // Nothing live after it.
  // This scan cannot see the entries put in the group's plain batch; the
  // cursor must stay at or below them.
  auto unseen = store_.unseen_queue_puts_.find({cf, std::string(prefix)});
  if (unseen != store_.unseen_queue_puts_.end() && unseen->second < *cursor) {
    *cursor = unseen->second;
  }
  return Status::Ok();
}

}  // namespace outbox
