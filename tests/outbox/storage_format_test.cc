// The on-disk layout: the payload is written once, in its own column family,
// in timestamp order, and leaves with its record; only DEAD and EXPIRED
// records have by_state entries; a format-1 directory (payload inside each
// record) is converted on open, also after a conversion cut short, a
// format-2 one loses its other by_state entries, and a format-3 one has its
// payloads rekeyed; a newer format is refused. Checked by reading the
// database underneath the Outbox.
#include <rocksdb/db.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "outbox/src/claim.h"
#include "outbox/src/column_families.h"
#include "outbox/src/record_ops.h"
#include "outbox/src/storage_keys.h"
#include "outbox/src/store.h"
#include "stored_record.pb.h"
#include "tests/outbox/test_util.h"

namespace outbox {
namespace {

using testing::kNowMs;
using testing::MakeEvent;

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

struct FormatFixture : testing::OutboxFixture {
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
    std::vector<Record> records;
    for (const std::string& key : keys) records.push_back(claimed.at(key));
    BOOST_REQUIRE(outbox->store()
                      .Commit([&](WriteTxn& txn) {
                        return MarkDeliveredOp(txn, records, attempt,
                                               clock.NowMs(), keep_payload, 10);
                      })
                      .ok());
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

BOOST_FIXTURE_TEST_SUITE(StorageFormatTest, FormatFixture)

BOOST_AUTO_TEST_CASE(StateChangesRewriteASmallRecordAndNotThePayload) {
  Enqueue({MakeEvent("1"), MakeEvent("2")});
  std::vector<std::string> keys = ClaimAll();
  Deliver(keys, /*keep_payload=*/true);
  std::string json = Get("1").event_json;
  BOOST_TEST(json == claimed_json["1"]);
  outbox.reset();

  RawDb raw(options.data_dir);
  auto records = raw.All("records");
  auto payloads = raw.Payloads();
  BOOST_REQUIRE(records.size() == 2u);
  BOOST_TEST(payloads.at(KeyOf("1")) == json);
  for (const auto& [key, value] : records) {
    // State and one attempt: a fraction of the event.
    BOOST_TEST(value.size() < json.size() / 2);
    BOOST_TEST(value.find("order_created") == std::string::npos);
  }
  BOOST_TEST(raw.All("meta").at("format") == "4");
}

// A claim takes a pixel's records earliest deadline first, that is, by
// timestamp: their payloads are stored in that order, so a claim reads
// neighbours rather than one block per payload.
BOOST_AUTO_TEST_CASE(APixelsPayloadsAreStoredInTimestampOrder) {
  // Ids in the opposite order of their timestamps.
  Enqueue({MakeEvent("a", "px_test", kNowMs - 1000),
           MakeEvent("b", "px_test", kNowMs - 2000),
           MakeEvent("c", "px_test", kNowMs - 3000),
           MakeEvent("d", "px_other", kNowMs - 4000)});
  outbox.reset();
  RawDb raw(options.data_dir);
  std::vector<std::string> order;
  for (const auto& [key, json] : raw.All(kPayloadsCf)) {
    int64_t timestamp_ms;
    std::string_view record_key;
    BOOST_REQUIRE(ParseDueKey(key, &timestamp_ms, &record_key));
    order.push_back(std::string(PixelOfRecordKey(record_key)) + "/" +
                    DecodeRecordKey(record_key)->id());
  }
  // Pixels apart (a pixel's prefix starts with its length), each in time.
  BOOST_TEST((order == std::vector<std::string>{"px_test/c", "px_test/b",
                                                "px_test/a", "px_other/d"}));
}

// Reads take no RocksDB snapshot: releasing one lets RocksDB rewrite every
// bottom-level file that still carries sequence numbers (compaction reason
// BottommostFiles), as flushed files and files moved down unchanged do,
// and a drain reads at every claim. Here the records' and payloads' files,
// flushed when the outbox closed, must stay as they are.
BOOST_AUTO_TEST_CASE(ReadingRecordsLeavesTheirFilesAsTheyAre) {
  Enqueue({MakeEvent("1"), MakeEvent("2")});
  outbox.reset();
  std::vector<std::string> before;
  {
    RawDb raw(options.data_dir);
    before = raw.Files("records");
    for (const std::string& f : raw.Files(kPayloadsCf)) before.push_back(f);
  }
  BOOST_REQUIRE(before.size() == 2u);
  Reopen();
  ClaimAll();
  BOOST_TEST(Get("1").state == State::kInFlight);
  bool busy = true;
  for (int i = 0; i < 200 && busy; ++i) {
    busy = outbox->store().BackgroundWorkPending();
    if (busy) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  outbox.reset();
  RawDb raw(options.data_dir);
  std::vector<std::string> after = raw.Files("records");
  for (const std::string& f : raw.Files(kPayloadsCf)) after.push_back(f);
  BOOST_TEST(after == before, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(OnlyDeadAndExpiredRecordsHaveStateEntries) {
  Enqueue({MakeEvent("delivered"), MakeEvent("dead")});
  ClaimAll();
  Deliver({KeyOf("delivered")}, /*keep_payload=*/false);
  Attempt attempt{kNowMs, 12, 400, "", "{}", "r-1", 1};
  std::vector<Record> dead = {claimed.at(KeyOf("dead"))};
  BOOST_REQUIRE(outbox->store()
                    .Commit([&](WriteTxn& txn) {
                      return MarkDeadOp(txn, dead, attempt, "HTTP 400",
                                        clock.NowMs(), 10);
                    })
                    .ok());
  Enqueue({MakeEvent("pending")});
  outbox.reset();
  RawDb raw(options.data_dir);
  std::map<std::string, std::string> by_state = raw.All("by_state");
  BOOST_TEST(by_state.size() == 1u);
  BOOST_TEST(by_state.count(std::string(1, char(State::kDead)) +
                            KeyOf("dead")) == 1u);
}

// Format 2 indexed every record in by_state. Opening it drops the entries
// of PENDING and DELIVERED records, and listing still finds them.
BOOST_AUTO_TEST_CASE(AFormatTwoDirectoryLosesItsPendingAndDeliveredEntries) {
  Enqueue({MakeEvent("delivered"), MakeEvent("dead"), MakeEvent("pending")});
  ClaimAll();
  Deliver({KeyOf("delivered")}, /*keep_payload=*/false);
  Attempt attempt{kNowMs, 12, 400, "", "{}", "r-1", 1};
  std::vector<Record> dead = {claimed.at(KeyOf("dead"))};
  std::vector<Record> pending = {claimed.at(KeyOf("pending"))};
  BOOST_REQUIRE(outbox->store()
                    .Commit([&](WriteTxn& txn) {
                      OUTBOX_RETURN_IF_ERROR(MarkDeadOp(
                          txn, dead, attempt, "HTTP 400", clock.NowMs(), 10));
                      return MarkRetryOp(txn, pending, attempt, 0, false,
                                         clock.NowMs(), 10);
                    })
                    .ok());
  outbox.reset();
  const std::string dead_entry =
      std::string(1, char(State::kDead)) + KeyOf("dead");
  {
    RawDb raw(options.data_dir);
    // The pending entry shares a compacted file with the dead one, which
    // must survive the upgrade's whole-file deletion; the delivered one is
    // in the memtable, deleted by key.
    raw.Put("by_state", std::string(1, char(State::kPending)) +
                            KeyOf("pending"), "");
    raw.CompactAll("by_state");
    raw.Put("by_state", std::string(1, char(State::kDelivered)) +
                            KeyOf("delivered"), "");
    raw.Put("meta", "format", "2");
    BOOST_REQUIRE(raw.All("by_state").size() == 3u);
  }
  Reopen();
  auto ids = [&](State state) {
    ListQuery query;
    query.state = state;
    std::vector<std::string> out;
    auto page = outbox->List(query);
    BOOST_REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    for (const Record& r : page->records) out.push_back(r.key.id());
    return out;
  };
  BOOST_TEST((ids(State::kPending) == std::vector<std::string>{"pending"}));
  BOOST_TEST((ids(State::kDelivered) == std::vector<std::string>{"delivered"}));
  BOOST_TEST((ids(State::kDead) == std::vector<std::string>{"dead"}));
  outbox.reset();
  RawDb raw(options.data_dir);
  BOOST_TEST(raw.All("meta").at("format") == "4");
  std::map<std::string, std::string> by_state = raw.All("by_state");
  BOOST_TEST(by_state.size() == 1u);
  BOOST_TEST(by_state.count(dead_entry) == 1u);
}

BOOST_AUTO_TEST_CASE(AClaimWritesOneLeaseEntryAndLeavesItsRecordsAsTheyWere) {
  Enqueue({MakeEvent("1"), MakeEvent("2")});
  outbox.reset();
  std::map<std::string, std::string> records, due;
  {
    RawDb raw(options.data_dir);
    records = raw.All("records");
    due = raw.All("due");
  }
  Reopen();
  std::vector<std::string> keys = ClaimAll();
  BOOST_TEST(Get("1").state == State::kInFlight);
  outbox.reset();
  {
    RawDb raw(options.data_dir);
    BOOST_TEST((raw.All("records") == records));
    BOOST_TEST((raw.All("due") == due));
    std::vector<std::string> listed;
    for (const auto& [key, value] : raw.All("meta")) {
      if (key.rfind("lease/", 0) != 0) continue;
      BOOST_TEST(DecodeKeyList(value, &listed));
    }
    BOOST_TEST((listed == keys));
  }
  // A restart finds the lease: both are due again, marked as interrupted,
  // and the entry is gone.
  Reopen();
  BOOST_TEST(Get("2").state == State::kPending);
  BOOST_TEST(Get("2").last_error.find("interrupted") != std::string::npos);
  keys = ClaimAll();
  Deliver(keys, /*keep_payload=*/true);
  BOOST_TEST(Get("1").state == State::kDelivered);
  outbox.reset();
  RawDb raw(options.data_dir);
  for (const auto& [key, value] : raw.All("meta")) {
    BOOST_TEST(key.rfind("lease/", 0) != 0u, "left behind: " << key);
  }
  BOOST_TEST(raw.All("due").empty());
}

BOOST_AUTO_TEST_CASE(PayloadsLeaveWithTheirRecords) {
  Enqueue({MakeEvent("dropped"), MakeEvent("kept"), MakeEvent("purged")});
  std::vector<std::string> keys = ClaimAll();
  Deliver({KeyOf("dropped")}, /*keep_payload=*/false);
  Deliver({KeyOf("kept")}, /*keep_payload=*/true);
  Deliver({KeyOf("purged")}, /*keep_payload=*/true);
  BOOST_TEST(Get("dropped").event_json.empty());
  BOOST_TEST(!Get("kept").event_json.empty());
  BOOST_REQUIRE(
      outbox->Purge({*DedupKey::ForEvent(MakeEvent("purged"))})->purged == 1u);
  // The dropped payload cannot be replayed; nothing would be sent.
  auto replay = outbox->Replay({*DedupKey::ForEvent(MakeEvent("dropped"))},
                               {false, /*force=*/true});
  BOOST_TEST(replay->outcomes[0].status.code() ==
             StatusCode::kFailedPrecondition);
  outbox.reset();
  {
    RawDb raw(options.data_dir);
    auto payloads = raw.Payloads();
    BOOST_TEST(payloads.size() == 1u);
    BOOST_TEST(payloads.count(KeyOf("kept")) == 1u);
  }
  // Retention drops the last record and its payload.
  Reopen();
  clock.Advance(8LL * 24 * 3600 * 1000);
  BOOST_TEST(*outbox->RunMaintenance() == 2u);
  outbox.reset();
  RawDb raw(options.data_dir);
  BOOST_TEST(raw.All(kPayloadsCf).empty());
  BOOST_TEST(raw.All("records").empty());
}

BOOST_AUTO_TEST_CASE(AFormatOneDirectoryIsConvertedOnOpen) {
  Enqueue({MakeEvent("delivered"), MakeEvent("gone"), MakeEvent("inflight")});
  ClaimAll();
  Deliver({KeyOf("delivered")}, /*keep_payload=*/true);
  Deliver({KeyOf("gone")}, /*keep_payload=*/false);
  Enqueue({MakeEvent("pending")});
  const std::string pending_json = Get("pending").event_json;
  const std::map<std::string, std::string> sent = claimed_json;
  outbox.reset();
  // Back to format 1: payloads inline, no payloads family, no format key.
  {
    RawDb raw(options.data_dir);
    for (const char* id : {"delivered", "inflight", "pending"}) {
      raw.Inline(KeyOf(id));
    }
    raw.StoreInFlight(KeyOf("inflight"));
    raw.Delete("meta", "format");
    BOOST_REQUIRE(raw.All(kPayloadsCf).empty());
    raw.Drop(kPayloadsCf);
  }

  Reopen();
  BOOST_TEST(Get("delivered").event_json == sent.at("delivered"));
  BOOST_TEST(Get("gone").event_json.empty());
  BOOST_TEST(Get("pending").event_json == pending_json);
  // Claimed before the upgrade: due again, and resent byte for byte.
  BOOST_TEST(Get("inflight").state == State::kPending);
  BOOST_TEST(Get("inflight").last_error.find("interrupted") !=
             std::string::npos);
  claimed_json.clear();
  ClaimAll();
  BOOST_TEST(claimed_json.size() == 2u);
  BOOST_TEST(claimed_json["inflight"] == sent.at("inflight"));
  BOOST_TEST(claimed_json["pending"] == pending_json);
  outbox.reset();

  RawDb raw(options.data_dir);
  BOOST_TEST(raw.All("meta").at("format") == "4");
  BOOST_TEST(raw.Payloads().size() == 3u);
  for (const auto& [key, value] : raw.All("records")) {
    BOOST_TEST(value.find("order_created") == std::string::npos);
    BOOST_TEST(value.find("source_url") == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(AConversionCutShortIsFinishedOnTheNextOpen) {
  Enqueue({MakeEvent("1"), MakeEvent("2"), MakeEvent("3")});
  std::string json = Get("1").event_json;
  outbox.reset();
  {
    // As if a crash came after the batch holding "2" and "3" was synced
    // but before "1" was converted and the format key written.
    RawDb raw(options.data_dir);
    raw.Inline(KeyOf("1"));
    raw.Delete("meta", "format");
  }
  Reopen();
  BOOST_TEST(Get("1").event_json == json);
  for (const char* id : {"2", "3"}) {
    BOOST_TEST(Get(id).event_json.find(std::string("\"id\":\"") + id + "\"") !=
               std::string::npos);
  }
  ClaimAll();
  BOOST_TEST(claimed_json.size() == 3u);
  outbox.reset();
  RawDb raw(options.data_dir);
  BOOST_TEST(raw.Payloads().size() == 3u);
  BOOST_TEST(raw.All("meta").at("format") == "4");
}

// Format 3 (and 2) kept payloads by record key in "payloads". Opening such
// a directory moves each to its new key and drops the family; a move cut
// short ("2" moved, "1" not) is finished, and a payload whose record is
// gone is dropped.
BOOST_AUTO_TEST_CASE(AFormatThreeDirectoryHasItsPayloadsRekeyedOnOpen) {
  Enqueue({MakeEvent("1", "px_test", kNowMs - 5000), MakeEvent("2"),
           MakeEvent("3", "px_test", kNowMs - 9000)});
  std::map<std::string, std::string> json;
  for (const char* id : {"1", "2", "3"}) json[id] = Get(id).event_json;
  std::vector<std::string> keys = ClaimAll();
  Deliver({KeyOf("3")}, /*keep_payload=*/true);
  outbox.reset();
  {
    RawDb raw(options.data_dir);
    raw.KeyByRecord(KeyOf("1"));
    raw.KeyByRecord(KeyOf("3"));
    raw.Put(kRecordKeyedPayloadsCf, KeyOf("orphan"), "{}");
    raw.Put("meta", "format", "3");
  }
  Reopen();
  // "1" and "2" were claimed before: due again, and resent byte for byte.
  claimed_json.clear();
  ClaimAll();
  BOOST_TEST(claimed_json.size() == 2u);
  BOOST_TEST(claimed_json["1"] == json["1"]);
  BOOST_TEST(claimed_json["2"] == json["2"]);
  BOOST_TEST(Get("3").event_json == json["3"]);
  outbox.reset();
  RawDb raw(options.data_dir);
  BOOST_TEST(!raw.Has(kRecordKeyedPayloadsCf));
  BOOST_TEST(raw.Payloads().size() == 3u);
  BOOST_TEST(raw.All("meta").at("format") == "4");
}

BOOST_AUTO_TEST_CASE(AnUndecodableRecordDoesNotKeepTheConversionFromOpening) {
  Enqueue({MakeEvent("good"), MakeEvent("bad")});
  std::string json = Get("good").event_json;
  outbox.reset();
  {
    RawDb raw(options.data_dir);
    raw.Inline(KeyOf("good"));
    raw.Put("records", KeyOf("bad"), "\xff\xff not a record");
    raw.Delete("meta", "format");
  }
  Reopen();
  BOOST_TEST(Get("good").event_json == json);
  auto bad = outbox->Get(*DedupKey::ForEvent(MakeEvent("bad")));
  BOOST_TEST(bad.status().code() == StatusCode::kDataLoss);
}

BOOST_AUTO_TEST_CASE(ABuildFromBeforeFormatTwoCannotOpenAConvertedDirectory) {
  Enqueue({MakeEvent("1")});
  outbox.reset();
  // What such a build does: every existing column family, bytewise order.
  std::vector<std::string> names;
  BOOST_REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(),
                                                options.data_dir, &names)
                    .ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), options.data_dir,
                                        descriptors, &handles, &db);
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.ToString().find("storage format 2") != std::string::npos,
             s.ToString());
  if (s.ok()) {
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
    delete db;
  }
  Reopen();  // This build still opens it.
  BOOST_TEST(Get("1").event_json.find("\"id\":\"1\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ANewerFormatIsRefusedWithAClearError) {
  Enqueue({MakeEvent("1")});
  outbox.reset();
  {
    RawDb raw(options.data_dir);
    raw.Put("meta", "format", "5");
  }
  auto opened = Outbox::Open(options);
  BOOST_REQUIRE(!opened.ok());
  BOOST_TEST(opened.status().code() == StatusCode::kFailedPrecondition);
  BOOST_TEST(opened.status().message().find("format 5") != std::string::npos);
  BOOST_TEST(opened.status().message().find(options.data_dir) !=
             std::string::npos);
  {
    RawDb raw(options.data_dir);  // Untouched.
    BOOST_TEST(raw.All("meta").at("format") == "5");
    BOOST_TEST(raw.Payloads().size() == 1u);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
