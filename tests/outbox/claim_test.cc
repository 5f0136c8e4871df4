// Claims (claim.h, ClaimDueOp): deadline order, expiry, leases, and claims
// that share a write group with an outcome, on a real RocksDB and a
// FakeClock.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <future>
#include <string>
#include <vector>

#include "outbox/src/storage_keys.h"
#include "tests/outbox/store_fixture.h"

namespace outbox {
namespace {

using testing::kDayMs;
using testing::kNowMs;
using testing::MakeEvent;
using testing::StoreFixture;

BOOST_FIXTURE_TEST_SUITE(StoreTest, StoreFixture)

BOOST_AUTO_TEST_CASE(ClaimsEarliestDeadlineFirstAndMarksInFlight) {
  Enqueue({MakeEvent("new", "px_test", kNowMs - 1000),
           MakeEvent("old", "px_test", kNowMs - 3 * kDayMs),
           MakeEvent("mid", "px_test", kNowMs - kDayMs),
           MakeEvent("other", "px_other")});
  ClaimedBatch claim = ClaimDue(2);
  BOOST_REQUIRE(claim.records.size() == 2u);
  BOOST_TEST(claim.records[0].key.id() == "old");
  BOOST_TEST(claim.records[1].key.id() == "mid");
  BOOST_TEST(Get("old").state == State::kInFlight);
  BOOST_TEST(ClaimDue().records.size() == 1u);  // "new"; not px_other's.
  BOOST_TEST(ClaimDue().records.empty());
  BOOST_TEST(outbox->GetStats()->in_flight == 3u);
}

BOOST_AUTO_TEST_CASE(AnOlderEventEnqueuedAfterClaimsIsStillClaimedFirst) {
  // Claims skip the deleted front of the due index with a cursor; an
  // insert below the cursor must move it back.
  Enqueue({MakeEvent("1"), MakeEvent("2")});
  BOOST_TEST(ClaimDue().records.size() == 2u);
  BOOST_TEST(ClaimDue().records.empty());
  Enqueue({MakeEvent("late-but-old", "px_test", kNowMs - 3 * kDayMs),
           MakeEvent("3")});
  ClaimedBatch claim = ClaimDue(1);
  BOOST_REQUIRE(claim.records.size() == 1u);
  BOOST_TEST(claim.records[0].key.id() == "late-but-old");
  BOOST_TEST(ClaimDue().records.size() == 1u);
  // Retries promoted to due go below the cursor too.
  Enqueue({MakeEvent("4")});
  BOOST_TEST(outbox->GetStats()->oldest_pending_timestamp_ms ==
             kNowMs - 60 * 1000);
}

BOOST_AUTO_TEST_CASE(AClaimIsSentInRequestsWithinTheByteCap) {
  Enqueue({MakeEvent("1"), MakeEvent("2"), MakeEvent("3")});
  std::vector<Record> records = ClaimDue().records;
  size_t one = records[0].event_json.size();
  auto requests = SplitByBytes(records, one * 2);
  BOOST_REQUIRE(requests.size() == 2u);
  BOOST_TEST(requests[0].size() == 2u);
  BOOST_TEST(requests[1][0].key.id() == records[2].key.id());
  // A single event larger than the cap still goes alone, never stuck.
  BOOST_TEST(SplitByBytes(records, 1).size() == 3u);
}

BOOST_AUTO_TEST_CASE(EventsPastTheirDeadlineExpireInsteadOfBeingClaimed) {
  Enqueue({MakeEvent("old", "px_test", kNowMs - 6 * kDayMs),
           MakeEvent("fresh")});
  clock.Advance(kDayMs - options.expiry_margin_ms + 1);
  ClaimedBatch claim = ClaimDue();
  BOOST_TEST(claim.expired == 1u);
  BOOST_REQUIRE(claim.records.size() == 1u);
  BOOST_TEST(claim.records[0].key.id() == "fresh");
  BOOST_TEST(Get("old").state == State::kExpired);
  BOOST_TEST(Get("old").last_error.find("7-day") != std::string::npos);
}

// A claim expires at most 10,000 records. When more are too old, it claims
// none rather than the ones past the limit, which are too old as well.
BOOST_AUTO_TEST_CASE(AClaimNeverTakesARecordTooOldToSend) {
  const int kTooOld = 10001;
  for (int first = 0; first < kTooOld; first += 1000) {
    std::vector<Event> events;
    for (int i = first; i < std::min(first + 1000, kTooOld); ++i) {
      events.push_back(
          MakeEvent("old-" + std::to_string(i), "px_test", kNowMs - 6 * kDayMs));
    }
    Enqueue(std::move(events));
  }
  Enqueue({MakeEvent("fresh")});
  clock.Advance(kDayMs);
  ClaimedBatch first = ClaimDue();
  BOOST_TEST(first.expired == 10000u);
  BOOST_TEST(first.records.empty());
  ClaimedBatch second = ClaimDue();
  BOOST_TEST(second.expired == 1u);
  BOOST_REQUIRE(second.records.size() == 1u);
  BOOST_TEST(second.records[0].key.id() == "fresh");
  BOOST_TEST(outbox->GetStats()->expired == static_cast<uint64_t>(kTooOld));
}

BOOST_AUTO_TEST_CASE(DeliveredKeysAreNeverClaimedAgain) {
  Enqueue({MakeEvent("1")});
  ClaimedBatch claim = ClaimDue();
  Deliver(claim.records, /*keep_payload=*/true);
  Record r = Get("1");
  BOOST_TEST(r.state == State::kDelivered);
  BOOST_TEST(r.attempts.size() == 1u);
  BOOST_TEST(r.attempts[0].request_id == "r-1");
  BOOST_TEST(ClaimDue().records.empty());
  Reopen();
  BOOST_TEST(ClaimDue().records.empty());
  std::vector<EnqueueResult> results;
  BOOST_REQUIRE(outbox->Enqueue({MakeEvent("1")}, &results).ok());
  BOOST_TEST(results[0].duplicate);
}

BOOST_AUTO_TEST_CASE(AClaimThatFailsLeavesItsRecordsClaimable) {
  Enqueue({MakeEvent("1"), MakeEvent("2")});
  ClaimRequest request{"px_test", 1000, clock.NowMs(), 0};
  Claim claim;
  Status s = store().Commit([&](WriteTxn& txn) {
    OUTBOX_RETURN_IF_ERROR(ClaimDueOp(txn, request, &claim));
    return Status::Unavailable("failed after leasing");
  });
  BOOST_TEST(s.code() == StatusCode::kUnavailable);
  BOOST_TEST(claim.keys.size() == 2u);
  BOOST_TEST(Get("1").state == State::kPending);
  BOOST_TEST(ClaimDue().records.size() == 2u);
}

BOOST_AUTO_TEST_CASE(AnEventBeingSentIsNeitherExpiredNorClaimedTwice) {
  Enqueue({MakeEvent("old", "px_test", kNowMs - 6 * kDayMs)});
  ClaimedBatch claim = ClaimDue();
  BOOST_REQUIRE(claim.records.size() == 1u);
  clock.Advance(kDayMs);  // Past its deadline while the request is out.
  ClaimedBatch again = ClaimDue();
  BOOST_TEST(again.expired == 0u);
  BOOST_TEST(again.records.empty());
  BOOST_TEST(Get("old").state == State::kInFlight);
  // The API's answer is what counts.
  Deliver(claim.records, /*keep_payload=*/true);
  BOOST_TEST(Get("old").state == State::kDelivered);
}

// An outcome's writes are not visible to the rest of its write group
// (WriteTxn::UpdateLeased); its records stay leased until the group is
// durable, so a claim in the same group cannot take them again.
BOOST_AUTO_TEST_CASE(AClaimInTheSameGroupAsADeliveryDoesNotResendIt) {
  Enqueue({MakeEvent("1"), MakeEvent("2")});
  ClaimedBatch claim = ClaimDue();
  BOOST_REQUIRE(claim.records.size() == 2u);
  // Hold the writer so that the next two operations form one group.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> holding;
  store().CommitAsync(
      [&](WriteTxn&) {
        holding.set_value();
        released.wait();
        return Status::Ok();
      },
      [](Status) {});
  holding.get_future().wait();
  std::promise<Status> delivered, claimed;
  store().CommitAsync(
      [&](WriteTxn& txn) {
        return MarkDeliveredOp(txn, claim.records, attempt, clock.NowMs(),
                               false, 10);
      },
      [&](Status s) { delivered.set_value(s); });
  Claim again;
  ClaimRequest request{"px_test", 1000, clock.NowMs(), 0};
  store().CommitAsync(
      [&](WriteTxn& txn) {
        BOOST_TEST(txn.IsLeased(RecordKey(claim.records[0].key)));
        return ClaimDueOp(txn, request, &again);
      },
      [&](Status s) { claimed.set_value(s); });
  release.set_value();
  BOOST_REQUIRE(delivered.get_future().get().ok());
  BOOST_REQUIRE(claimed.get_future().get().ok());
  BOOST_TEST(again.keys.empty());
  BOOST_TEST(Get("1").state == State::kDelivered);
  BOOST_TEST(!store().leases().IsLeased(RecordKey(claim.records[0].key)));
  BOOST_TEST(ClaimDue().records.empty());
  auto stats = outbox->GetStats();
  BOOST_TEST(stats->delivered == 2u);
  BOOST_TEST(stats->in_flight == 0u);
  BOOST_TEST(stats->pending == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
