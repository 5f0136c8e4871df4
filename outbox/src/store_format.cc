// Store::UpgradeFormat: bringing an older data directory to the format this
// build writes (docs/design.md, "Storage layout").
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>

#include <algorithm>

#include "outbox/src/record_codec.h"
#include "outbox/src/rocks_status.h"
#include "outbox/src/storage_keys.h"
#include "outbox/src/store.h"

namespace outbox {
namespace {

// In meta: the storage format of the directory, as decimal text.
constexpr char kFormatKey[] = "format";
// Records converted per synced write when opening a format-1 directory.
constexpr size_t kUpgradeBatch = 10000;

}  // namespace

Status Store::UpgradeFormat() {
  const std::string current = std::to_string(kStorageFormat);
  std::string format;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), meta_, kFormatKey, &format);
  if (s.ok() && format == current) return Status::Ok();
  if (s.ok() && format != "2" && format != "3" && format != "4") {
    return Status::FailedPrecondition(
        "the outbox database in " + options_.data_dir +
        " has storage format " + format + ", and this build reads formats 1 to " +
        current +
        ": open it with the newer capi-outbox that wrote it, or use another "
        "data_dir");
  }
  if (!s.ok() && !s.IsNotFound()) {
    return FromRocks(s, "cannot read the storage format");
  }
  // Each step is idempotent, and the format is written only after the
  // last: after a crash midway, the next open runs them again.
  if (s.IsNotFound()) OUTBOX_RETURN_IF_ERROR(MovePayloadsOutOfRecords());
  if (s.IsNotFound() || format == "2") {
    OUTBOX_RETURN_IF_ERROR(DropUnindexedStates());
  }
  OUTBOX_RETURN_IF_ERROR(RekeyPayloads());
  // Format 5 needs no conversion: a due entry without a copy of its record
  // is read as before (claim.cc), and goes when its record is sent.
  rocksdb::WriteOptions sync;
  sync.sync = true;
  rocksdb::WriteBatch written;
  written.Put(meta_, kFormatKey, current).PermitUncheckedError();
  return FromRocks(db_->Write(sync, &written),
                   "cannot convert the outbox database");
}

Status Store::MovePayloadsOutOfRecords() {
  // Format 1 (or a new directory): move every inline payload into payloads.
  // Each batch is synced on its own; after a crash midway the next open
  // converts the rest, as converted records have no inline payload left.
  rocksdb::WriteOptions sync;
  sync.sync = true;
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), records_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    // An undecodable record is left as it is: reading it reports DATA_LOSS,
    // as before, rather than keeping the whole outbox from opening.
    StatusOr<DedupKey> key = DecodeRecordKey(it->key().ToStringView());
    if (!key.ok()) continue;
    StatusOr<Record> record = DecodeRecord(*key, it->value().ToStringView());
    if (!record.ok() || record->event_json.empty()) continue;
    batch.Put(payloads_,
              PayloadKey(it->key().ToStringView(), record->timestamp_ms),
              record->event_json)
        .PermitUncheckedError();
    batch.Put(records_, it->key(), EncodeRecord(*record))
        .PermitUncheckedError();
    if (batch.Count() >= 2 * kUpgradeBatch) {
      OUTBOX_RETURN_IF_ERROR(FromRocks(db_->Write(sync, &batch),
                                       "cannot convert the outbox database"));
      batch.Clear();
    }
  }
  OUTBOX_RETURN_IF_ERROR(
      FromRocks(it->status(), "cannot read the outbox database"));
  return FromRocks(db_->Write(sync, &batch),
                   "cannot convert the outbox database");
}

Status Store::DropUnindexedStates() {
  // Format 3 keeps by_state entries only for IndexedByState states; those
  // of PENDING and DELIVERED records go. Whole files first (cheap, and
  // what a large directory mostly is), then point deletions for the rest.
  // Not DeleteRange: RocksDB 7.8 corrupts a memtable that has an insert
  // hint extractor (as every index column family does) when a range
  // tombstone is added to it. Each batch is synced; after a crash the next
  // open deletes what is left.
  rocksdb::ColumnFamilyHandle* by_state = IndexHandle(IndexCf::kByState);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  for (State state : {State::kPending, State::kDelivered}) {
    const std::string from(1, static_cast<char>(state));
    const std::string to(1, static_cast<char>(static_cast<int>(state) + 1));
    const rocksdb::Slice begin(from), end(to);
    OUTBOX_RETURN_IF_ERROR(FromRocks(
        rocksdb::DeleteFilesInRange(db_.get(), by_state, &begin, &end,
                                    /*include_end=*/false),
        "cannot convert the outbox database"));
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &end;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, by_state));
    rocksdb::WriteBatch batch;
    for (it->Seek(begin); it->Valid(); it->Next()) {
      batch.Delete(by_state, it->key()).PermitUncheckedError();
      if (batch.Count() < kUpgradeBatch) continue;
      OUTBOX_RETURN_IF_ERROR(FromRocks(db_->Write(sync, &batch),
                                       "cannot convert the outbox database"));
      batch.Clear();
    }
    OUTBOX_RETURN_IF_ERROR(
        FromRocks(it->status(), "cannot read the outbox database"));
    OUTBOX_RETURN_IF_ERROR(FromRocks(db_->Write(sync, &batch),
                                     "cannot convert the outbox database"));
  }
  return Status::Ok();
}

Status Store::RekeyPayloads() {
  // Formats 2 and 3 keyed payloads by RecordKey. Each payload moves, in
  // the same synced batch as its deletion, to its PayloadKey, which needs
  // its record's timestamp; then the emptied family is dropped. A crash
  // midway leaves each payload in exactly one of the two families, and the
  // next open moves the rest. A payload without a readable record is
  // dropped: no record can ever read it.
  if (record_keyed_payloads_ == nullptr) return Status::Ok();
  rocksdb::WriteOptions sync;
  sync.sync = true;
  rocksdb::WriteBatch batch;
  // Both families are in RecordKey order: one pass over each, in step,
  // rather than a random read of a record per payload (13-16 s for a
  // million pending events with UUID ids).
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), record_keyed_payloads_));
  std::unique_ptr<rocksdb::Iterator> records(
      db_->NewIterator(rocksdb::ReadOptions(), records_));
  records->SeekToFirst();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    while (records->Valid() && records->key().compare(it->key()) < 0) {
      records->Next();
    }
    OUTBOX_RETURN_IF_ERROR(
        FromRocks(records->status(), "cannot read the outbox database"));
    const std::string_view key = it->key().ToStringView();
    StatusOr<DedupKey> record_key = DecodeRecordKey(key);
    if (records->Valid() && records->key() == it->key() && record_key.ok()) {
      StatusOr<Record> record =
          DecodeRecord(*record_key, records->value().ToStringView());
      if (record.ok()) {
        batch.Put(payloads_, PayloadKey(key, record->timestamp_ms),
                  it->value())
            .PermitUncheckedError();
      }
    }
    batch.Delete(record_keyed_payloads_, it->key()).PermitUncheckedError();
    if (batch.Count() < 2 * kUpgradeBatch) continue;
    OUTBOX_RETURN_IF_ERROR(FromRocks(db_->Write(sync, &batch),
                                     "cannot convert the outbox database"));
    batch.Clear();
  }
  OUTBOX_RETURN_IF_ERROR(
      FromRocks(it->status(), "cannot read the outbox database"));
  records.reset();
  it.reset();
  OUTBOX_RETURN_IF_ERROR(FromRocks(db_->Write(sync, &batch),
                                   "cannot convert the outbox database"));
  OUTBOX_RETURN_IF_ERROR(
      FromRocks(db_->DropColumnFamily(record_keyed_payloads_),
                "cannot convert the outbox database"));
  handles_.erase(
      std::find(handles_.begin(), handles_.end(), record_keyed_payloads_));
  OUTBOX_RETURN_IF_ERROR(
      FromRocks(db_->DestroyColumnFamilyHandle(record_keyed_payloads_),
                "cannot convert the outbox database"));
  record_keyed_payloads_ = nullptr;
  return Status::Ok();
}

}  // namespace outbox
