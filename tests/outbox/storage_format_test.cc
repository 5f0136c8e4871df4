// Upgrades of the on-disk layout: a format-1 directory (payload inside each
// record) is converted on open, also after a conversion cut short, a
// format-2 one loses its other by_state entries, a format-3 one has its
// payloads rekeyed, and a format-4 one's due entries, without copies of
// their records, are still read; builds from before format 2 cannot open a
// converted directory, and a newer format is refused. Checked by reading the
// database underneath the Outbox (raw_db.h).
#include <rocksdb/db.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <string>
#include <vector>

#include "tests/outbox/raw_db.h"

namespace outbox {
namespace {

using testing::FormatFixture;
using testing::kNowMs;
using testing::MakeEvent;
using testing::RawDb;

BOOST_FIXTURE_TEST_SUITE(StorageFormatTest, FormatFixture)

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
  BOOST_TEST(raw.All("meta").at("format") == std::to_string(kStorageFormat));
  std::map<std::string, std::string> by_state = raw.All("by_state");
  BOOST_TEST(by_state.size() == 1u);
  BOOST_TEST(by_state.count(dead_entry) == 1u);
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
  BOOST_TEST(raw.All("meta").at("format") == std::to_string(kStorageFormat));
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
  BOOST_TEST(raw.All("meta").at("format") == std::to_string(kStorageFormat));
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
  BOOST_TEST(raw.All("meta").at("format") == std::to_string(kStorageFormat));
}

// Format 4 wrote due entries without a copy of their record. Opening such
// a directory converts nothing: a claim reads those records from
// `records`, in the same batch as records whose entries carry them.
BOOST_AUTO_TEST_CASE(AFormatFourDirectorysDueEntriesAreReadWithoutCopies) {
  Enqueue({MakeEvent("1", "px_test", kNowMs - 5000), MakeEvent("2")});
  RetryNow(ClaimAll());
  std::map<std::string, std::string> json;
  for (const char* id : {"1", "2"}) json[id] = Get(id).event_json;
  outbox.reset();
  {
    RawDb raw(options.data_dir);
    for (const auto& [key, value] : raw.All("due")) raw.Put("due", key, "");
    raw.Put("meta", "format", "4");
  }
  Reopen();
  Enqueue({MakeEvent("3", "px_test", kNowMs - 7000)});  // With its copy.
  claimed.clear();
  claimed_json.clear();
  std::vector<std::string> keys = ClaimAll();
  BOOST_TEST(keys.size() == 3u);
  BOOST_TEST(claimed_json["1"] == json["1"]);
  BOOST_TEST(claimed_json["2"] == json["2"]);
  BOOST_TEST(claimed.at(KeyOf("1")).attempts.size() == 1u);
  BOOST_TEST(claimed.at(KeyOf("3")).attempts.empty());
  Deliver(keys, /*keep_payload=*/true);
  BOOST_TEST(Get("1").state == State::kDelivered);
  BOOST_TEST(Get("1").attempts.size() == 2u);
  outbox.reset();
  RawDb raw(options.data_dir);
  BOOST_TEST(raw.All("due").empty());
  BOOST_TEST(raw.All("meta").at("format") == std::to_string(kStorageFormat));
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
  const std::string newer = std::to_string(kStorageFormat + 1);
  outbox.reset();
  {
    RawDb raw(options.data_dir);
    raw.Put("meta", "format", newer);
  }
  auto opened = Outbox::Open(options);
  BOOST_REQUIRE(!opened.ok());
  BOOST_TEST(opened.status().code() == StatusCode::kFailedPrecondition);
  BOOST_TEST(opened.status().message().find("format " + newer) !=
             std::string::npos);
  BOOST_TEST(opened.status().message().find(options.data_dir) !=
             std::string::npos);
  {
    RawDb raw(options.data_dir);  // Untouched.
    BOOST_TEST(raw.All("meta").at("format") == newer);
    BOOST_TEST(raw.Payloads().size() == 1u);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
