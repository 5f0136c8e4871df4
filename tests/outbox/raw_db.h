// Tests of the storage layout and its upgrades read the database underneath
// the Outbox: RawDb opens a closed Outbox's directory with every column
// family it has, and FormatFixture enqueues, claims and delivers as the
// drainer does, remembering what each claim read.
#ifndef OUTBOX_TESTS_OUTBOX_RAW_DB_H_
#define OUTBOX_TESTS_OUTBOX_RAW_DB_H_

#include <rocksdb/db.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/src/claim.h"
#include "outbox/src/column_families.h"
#include "outbox/src/record_ops.h"
#include "outbox/src/storage_keys.h"
#include "outbox/src/store.h"
#include "stored_record.pb.h"
#include "tests/outbox/test_util.h"

namespace outbox::testing {

// The database of a closed Outbox, opened with every column family it has.
class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    std::vector<std::string> names;
    Check(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names));
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : names) {
      rocksdb::ColumnFamilyOptions cf;
      if (name == "format-2") cf.comparator = FormatGuardComparator();
      descriptors.emplace_back(name, cf);
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    Check(rocksdb::DB::Open(rocksdb::DBOptions(), dir, descriptors, &handles,
                            &db));
    db_.reset(db);
    for (size_t i = 0; i < names.size(); ++i) cfs_[names[i]] = handles[i];
  }
  ~RawDb() {
    for (auto& [name, handle] : cfs_) db_->DestroyColumnFamilyHandle(handle);
    Check(db_->Close());
  }

  bool Has(const std::string& cf) const { return cfs_.count(cf) > 0; }

  // The payloads by the key of their record (payload keys have the layout
  // of due keys, with the event's timestamp for the deadline).
  std::map<std::string, std::string> Payloads() {
    std::map<std::string, std::string> out;
    for (const auto& [key, json] : All(kPayloadsCf)) {
      int64_t timestamp_ms;
      std::string_view record_key;
      BOOST_REQUIRE(ParseDueKey(key, &timestamp_ms, &record_key));
      out[std::string(record_key)] = json;
    }
    return out;
  }

  // The due entries' values (format 5: a copy of the record) by the key
  // of their record.
  std::map<std::string, std::string> DueByRecord() {
    std::map<std::string, std::string> out;
    for (const auto& [key, value] : All("due")) {
      int64_t deadline_ms;
      std::string_view record_key;
      BOOST_REQUIRE(ParseDueKey(key, &deadline_ms, &record_key));
      out[std::string(record_key)] = value;
    }
    return out;
  }

  std::map<std::string, std::string> All(const std::string& cf) {
    std::map<std::string, std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), cfs_.at(cf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out[it->key().ToString()] = it->value().ToString();
    }
    Check(it->status());
    return out;
  }
  // The names of the table files of `cf`.
  std::vector<std::string> Files(const std::string& cf) {
    std::vector<rocksdb::LiveFileMetaData> files;
    db_->GetLiveFilesMetaData(&files);
    std::vector<std::string> out;
    for (const rocksdb::LiveFileMetaData& f : files) {
      if (f.column_family_name == cf) out.push_back(f.name);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  void Put(const std::string& cf, const std::string& key,
           const std::string& value) {
    Check(db_->Put(rocksdb::WriteOptions(), cfs_.at(cf), key, value));
  }
  // Compacts a column family into files below level 0, the only ones
  // rocksdb::DeleteFilesInRange removes.
  void CompactAll(const std::string& cf) {
    Check(db_->CompactRange(rocksdb::CompactRangeOptions(), cfs_.at(cf),
                            nullptr, nullptr));
  }
  void Delete(const std::string& cf, const std::string& key) {
    Check(db_->Delete(rocksdb::WriteOptions(), cfs_.at(cf), key));
  }
  void Create(const std::string& cf) {
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    Check(db_->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), cf, &handle));
    cfs_[cf] = handle;
  }
  void Drop(const std::string& cf) {
    Check(db_->DropColumnFamily(cfs_.at(cf)));
    Check(db_->DestroyColumnFamilyHandle(cfs_.at(cf)));
    cfs_.erase(cf);
  }

  // Stores the record under `key` IN_FLIGHT, as builds that wrote that
  // state at claim time did: no due entry, by_state under IN_FLIGHT.
  void StoreInFlight(const std::string& key) {
    storage::StoredRecord record;
    BOOST_REQUIRE(record.ParseFromString(All("records").at(key)));
    BOOST_REQUIRE(record.state() == static_cast<int>(State::kPending));
    record.set_state(static_cast<int>(State::kInFlight));
    Put("records", key, record.SerializeAsString());
    Delete("by_state", std::string(1, char(State::kPending)) + key);
    Put("by_state", std::string(1, char(State::kInFlight)) + key, "");
    for (const auto& [due_key, value] : All("due")) {
      if (due_key.size() > key.size() &&
          due_key.compare(due_key.size() - key.size(), key.size(), key) == 0) {
        Delete("due", due_key);
      }
    }
  }

  // Rewrites the record under `key` as format 1 wrote it: payload inline.
  void Inline(const std::string& key) {
    storage::StoredRecord record;
    BOOST_REQUIRE(record.ParseFromString(All("records").at(key)));
    record.set_event_json(Payloads().at(key));
    Put("records", key, record.SerializeAsString());
    Delete(kPayloadsCf, PayloadKey(key, record.timestamp_ms()));
  }

  // Moves the payload of the record under `key` to where formats 2 and 3
  // kept it: "payloads", by record key (created if missing).
  void KeyByRecord(const std::string& key) {
    if (!Has(kRecordKeyedPayloadsCf)) Create(kRecordKeyedPayloadsCf);
    storage::StoredRecord record;
    BOOST_REQUIRE(record.ParseFromString(All("records").at(key)));
    Put(kRecordKeyedPayloadsCf, key, Payloads().at(key));
    Delete(kPayloadsCf, PayloadKey(key, record.timestamp_ms()));
  }

 private:
  static void Check(const rocksdb::Status& s) {
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cfs_;
};

struct FormatFixture : OutboxFixture {
  void Enqueue(std::vector<Event> events) {
    std::vector<EnqueueResult> results;
    Status s = outbox->Enqueue(std::move(events), &results);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  }

  std::vector<std::string> ClaimAll() {
    ClaimRequest request;
    request.pixel_id = "px_test";
    request.now_ms = clock.NowMs();
    StatusOr<ClaimedBatch> claim = ClaimBatch(outbox->store(), request);
    BOOST_REQUIRE_MESSAGE(claim.ok(), claim.status().ToString());
    std::vector<std::string> keys;
    for (const Record& r : claim->records) {
      BOOST_TEST(!r.event_json.empty());
      claimed_json[r.key.id()] = r.event_json;
      keys.push_back(RecordKey(r.key));
      claimed.insert_or_assign(keys.back(), r);
    }
    return keys;
  }

  void Deliver(const std::vector<std::string>& keys, bool keep_payload) {
    Attempt attempt{kNowMs, 12, 200, "", "{}", "r-1", 1};
    CommitOutcome([&](WriteTxn& txn) {
      return MarkDeliveredOp(txn, Claimed(keys), attempt, clock.NowMs(),
                             keep_payload, 10);
    });
  }

  // Sends them back to due at once, with a failed attempt in their
  // history, as a retry whose wait is over.
  void RetryNow(const std::vector<std::string>& keys) {
    Attempt attempt{kNowMs, 12, 503, "", "{}", "r-2", 1};
    CommitOutcome([&](WriteTxn& txn) {
      return MarkRetryOp(txn, Claimed(keys), attempt, /*next_attempt_ms=*/0,
                         /*count_attempt=*/true, clock.NowMs(), 10);
    });
  }

  // The records of `keys` as ClaimAll read them.
  std::vector<Record> Claimed(const std::vector<std::string>& keys) const {
    std::vector<Record> records;
    for (const std::string& key : keys) records.push_back(claimed.at(key));
    return records;
  }

  void CommitOutcome(const Store::Op& op) {
    Status s = outbox->store().Commit(op);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  }

  Record Get(const std::string& id) {
    auto r = outbox->Get(*DedupKey::ForEvent(MakeEvent(id)));
    BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r;
  }

  static std::string KeyOf(const std::string& id) {
    return RecordKey(*DedupKey::ForEvent(MakeEvent(id)));
  }

  std::map<std::string, std::string> claimed_json;  // id -> bytes sent
  std::map<std::string, Record> claimed;            // record key -> as claimed
};

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_OUTBOX_RAW_DB_H_
