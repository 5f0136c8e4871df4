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

// The printable key of each event (pixel, type, id).
std::vector<std::string> KeysOf(const std::vector<Event>& events);
// The ids of a request body, as "pixel/type/id" keys (events of one type).
std::vector<std::string> KeysOfBody(const std::string& pixel_id,
                                    const std::string& body);

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_RELIABILITY_CHECKER_H_
