// The on-disk layout: the payload is written once, in its own column family,
// in timestamp order, and leaves with its record; only DEAD and EXPIRED
// records have by_state entries; a due entry carries its record; a claim
// writes one lease entry; a read leaves the files as they are. Checked by
// reading the database underneath the Outbox (raw_db.h).
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/outbox/raw_db.h"

namespace outbox {
namespace {

using testing::FormatFixture;
using testing::kNowMs;
using testing::MakeEvent;
using testing::RawDb;

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
  BOOST_TEST(raw.All("meta").at("format") == std::to_string(kStorageFormat));
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

// A claim takes its records from the due entries it scans (format 5): each
// carries its record as stored, also after the record changed while due.
BOOST_AUTO_TEST_CASE(ADueEntryCarriesItsRecordAsStored) {
  Enqueue({MakeEvent("1"), MakeEvent("2")});
  RetryNow(ClaimAll());  // Due again, each with an attempt in its history.
  outbox.reset();
  {
    RawDb raw(options.data_dir);
    std::map<std::string, std::string> records = raw.All("records");
    std::map<std::string, std::string> due = raw.DueByRecord();
    BOOST_REQUIRE(due.size() == 2u);
    BOOST_TEST((due == records));
  }
  Reopen();
  claimed.clear();
  ClaimAll();
  const Record& again = claimed.at(KeyOf("1"));
  BOOST_TEST(again.attempt_count == 1u);
  BOOST_REQUIRE(again.attempts.size() == 1u);
  BOOST_TEST(again.attempts[0].http_status == 503);
  BOOST_TEST(again.last_error == "HTTP 503");
  BOOST_TEST(again.event_json == Get("1").event_json);
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

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
