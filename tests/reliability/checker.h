// The checker shared by the reliability scenarios: what the application was
// told (acknowledged keys), what the receiver accepted (receipts), and what
// the outbox holds; from these it computes the figures every scenario
// reports and the invariants it must keep:
//
//   lost          acknowledged, but neither stored nor accepted
//   re-delivered  accepted again after the outbox was seen recording it
//                 DELIVERED
//   duplicates    accepted more than once (allowed only across a crash)
//   state errors  a key listed under two states, or a counter that
//                 disagrees with the listing
//
// In-process scenarios feed the Ledger as they go; the daemon-level ones
// (outboxd and fake-capi as processes) feed it afterwards from the load
// client's file and fake-capi's request log, and call CheckDaemonRun, which
// judges re-deliveries by time (a receipt later than the record's
// delivered_ms) and duplicates by the crash that explains them.
//
// Thread-safety: Ledger is thread-safe; the free functions are not.
#ifndef OUTBOX_TESTS_RELIABILITY_CHECKER_H_
#define OUTBOX_TESTS_RELIABILITY_CHECKER_H_

#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "outbox/outbox.h"

namespace outbox::testing {

// How much work a scenario does: 1 in `make test`, more under
// `make reliability` (OUTBOX_RELIABILITY_TIER=long).
inline int TierFactor() {
  const char* tier = std::getenv("OUTBOX_RELIABILITY_TIER");
  return tier != nullptr && std::string(tier) == "long" ? 10 : 1;
}

struct Figures {
  uint64_t acknowledged = 0;
  uint64_t crashes = 0;
  uint64_t lost = 0;
  uint64_t redelivered = 0;
  uint64_t duplicates = 0;
  uint64_t state_errors = 0;
  int64_t max_recovery_ms = 0;
  // Daemon-level runs: keys whose enqueue ended without a verdict, the
  // duplicates the crashes allow, and those no crash explains.
  uint64_t unknown = 0;
  uint64_t duplicate_bound = 0;
  uint64_t unexplained_duplicates = 0;
  std::string ToString() const;
};

class Ledger {
 public:
  // The application was told these keys are stored (printable forms).
  void Acknowledge(const std::vector<std::string>& keys);
  // The receiver accepted a request with these keys, in `epoch` (a run of
  // the outbox between two crashes).
  void Receive(const std::vector<std::string>& keys, int epoch);
  // Keys read back as DELIVERED; from now on a receipt of one is a
  // re-delivery.
  void SawDelivered(const std::vector<std::string>& keys);

  std::set<std::string> acknowledged() const;
  std::set<std::string> delivered_seen() const;
  uint64_t receipts(const std::string& key) const;
  uint64_t redelivered() const;
  uint64_t duplicates() const;
  // Keys accepted twice within one epoch: never allowed, as no crash came
  // between the two sends.
  uint64_t same_epoch_duplicates() const;
  // Epochs of each key's receipts, in the order received.
  std::map<std::string, std::vector<int>> receipt_epochs() const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> acknowledged_;
  std::set<std::string> delivered_seen_;
  std::map<std::string, std::vector<int>> receipts_;  // key -> epochs
  uint64_t redelivered_ = 0;
};

// Every record of the outbox by printable key; a key found under two
// states adds to *state_errors, as does a per-state count that differs
// from Outbox::GetStats.
std::map<std::string, State> ListStates(const Outbox& box,
                                        uint64_t* state_errors);

// The printable keys listed as DELIVERED.
std::vector<std::string> DeliveredKeys(const Outbox& box);

// Fills in lost, redelivered, duplicates and state_errors from the ledger
// and the final contents of `box`. An acknowledged key counts as lost when
// the outbox has no record of it and the receiver never accepted it.
void Check(const Ledger& ledger, const Outbox& box, Figures* figures);

// One key of a request fake-capi accepted, from its --request-log.
struct Receipt {
  std::string key;  // Printable DedupKey.
  int64_t t_ms = 0;
};

// Every key of every line of a fake-capi --request-log file, in file order.
std::vector<Receipt> ReadRequestLog(const std::string& path);

// One run of outboxd between two stops.
// One run of outboxd between two stops, or one phase of a run whose
// network failures may make it resend what the receiver took.
struct DaemonEpoch {
  int64_t start_ms = 0;  // When it was spawned, or the phase began.
  bool crashed = false;  // Ended by SIGKILL, not a clean stop.
  // Duplicates this epoch's ambiguous network failures can explain (e.g.
  // connections dropped after the receiver took the request x batch size);
  // unlike a crash's, their resends may come within the same epoch.
  uint64_t ambiguous = 0;
};

// The daemon-level checker. `ledger` holds the acknowledged keys; the
// receipts are added to it here (each in the epoch that was running at its
// time). `box` is the outbox reopened after the final clean stop, once it
// had drained. Fills every figure but crashes and recovery; returns one line
// per problem found (empty: the run keeps every invariant).
//   lost: acknowledged, never received, and not PENDING/IN_FLIGHT/DEAD/
//     EXPIRED in `box`.
//   re-delivered: a receipt later than the record's delivered_ms (the
//     drainer stamps it when the 2xx arrives, so after fake-capi stamped
//     the request that earned it; both read the host's wall clock).
//   duplicates: receipts after a key's first; each is explained only when
//     the receipt before it came in an epoch that crashed (and the resend
//     in a later one) or that had ambiguous failures, and at most
//     `in_flight_bound` per crash (the events a killed outboxd can have had
//     in flight: concurrent requests x batch size) plus the epoch's
//     `ambiguous` are explained.
//   state errors: ListStates' plus received keys the outbox does not hold
//     as DELIVERED.
std::vector<std::string> CheckDaemonRun(Ledger* ledger,
                                        const std::vector<Receipt>& receipts,
                                        const std::vector<DaemonEpoch>& epochs,
                                        const Outbox& box,
                                        uint64_t in_flight_bound,
                                        Figures* figures);

// The printable key of each event (pixel, type, id).
std::vector<std::string> KeysOf(const std::vector<Event>& events);
// The ids of a request body, as "pixel/type/id" keys (events of one type).
std::vector<std::string> KeysOfBody(const std::string& pixel_id,
                                    const std::string& body);

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_RELIABILITY_CHECKER_H_
