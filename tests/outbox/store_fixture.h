// The Store test fixture: an Outbox on a temporary directory with a
// FakeClock, and helpers that claim, deliver and promote as the drainer
// does, one step at a time.
#ifndef OUTBOX_TESTS_OUTBOX_STORE_FIXTURE_H_
#define OUTBOX_TESTS_OUTBOX_STORE_FIXTURE_H_

#include <string>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "outbox/src/claim.h"
#include "outbox/src/record_ops.h"
#include "outbox/src/store.h"
#include "tests/outbox/test_util.h"

namespace outbox::testing {

struct StoreFixture : OutboxFixture {
  Store& store() { return outbox->store(); }

  void Enqueue(std::vector<Event> events) {
    std::vector<EnqueueResult> results;
    Status s = outbox->Enqueue(std::move(events), &results);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  }

  ClaimedBatch ClaimDue(size_t max_events = 1000) {
    ClaimRequest request;
    request.pixel_id = "px_test";
    request.max_events = max_events;
    request.now_ms = clock.NowMs();
    request.expiry_margin_ms = options.expiry_margin_ms;
    StatusOr<ClaimedBatch> claim = ClaimBatch(store(), request);
    BOOST_REQUIRE_MESSAGE(claim.ok(), claim.status().ToString());
    return std::move(*claim);
  }

  // Marks the claimed records delivered, as the drainer does after a 200.
  void Deliver(const std::vector<Record>& claimed, bool keep_payload) {
    Status s = store().Commit([&](WriteTxn& txn) {
      return MarkDeliveredOp(txn, claimed, attempt, clock.NowMs(),
                             keep_payload, 10);
    });
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  }

  Record Get(const std::string& id) {
    auto r = outbox->Get(*DedupKey::ForEvent(MakeEvent(id)));
    BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r;
  }

  size_t Promote() {
    size_t promoted = 0;
    BOOST_REQUIRE(store()
                      .Commit([&](WriteTxn& txn) {
                        return PromoteRetriesOp(txn, clock.NowMs(), 1000,
                                                &promoted);
                      })
                      .ok());
    return promoted;
  }

  Attempt attempt{kNowMs, 12, 200, "", "{\"accepted_events\":1}", "r-1", 1};
};

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_OUTBOX_STORE_FIXTURE_H_
