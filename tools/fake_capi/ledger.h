// Ledger: what fake-capi has received and accepted, counted by the API's
// dedup key (pixel, event name, id), for /stats, /keys and tests.
//
// Thread-safety: every method may be called from any thread.
#ifndef TOOLS_FAKE_CAPI_LEDGER_H_
#define TOOLS_FAKE_CAPI_LEDGER_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tools/fake_capi/fault_config.h"
#include "tools/fake_capi/key_table.h"

namespace outbox {
namespace fake_capi {

// The dedup key of one accepted event, minus the pixel: views into the
// request being handled.
struct KeyRef {
  std::string_view event_name;
  std::string_view id;
};

struct KeyCount {
  std::string pixel;
  std::string event_name;
  std::string id;
  uint64_t times_accepted = 0;
};

struct LedgerSnapshot {
  uint64_t requests = 0;                // To /v1/events, faults included.
  uint64_t accepted_requests = 0;       // Whose events were stored.
  uint64_t validate_only_requests = 0;  // Valid, validate_only: not stored.
  std::map<int, uint64_t> rejected_requests;   // By status (not faults).
  std::array<uint64_t, kFaultKinds> faults{};  // By FaultKind.
  uint64_t accepted_events = 0;   // Every event of accepted requests.
  uint64_t unique_keys = 0;       // Distinct keys among them.
  uint64_t duplicate_events = 0;  // Events whose key was accepted before.
};

class Ledger {
 public:
  void CountRequest();
  void CountRejected(int status);
  void CountFault(FaultKind kind);
  void CountValidateOnly();
  // Counts one accepted request: its events, all for `pixel`.
  void RecordAccepted(std::string_view pixel, const std::vector<KeyRef>& keys);

  LedgerSnapshot Snapshot() const;
  // Returns every key accepted, sorted by pixel, event name, id.
  std::vector<KeyCount> Keys() const;
  // Forgets everything.
  void Reset();

 private:
  mutable std::mutex mu_;
  LedgerSnapshot counts_;
  // Times accepted, by the framed key (pixel, event name, id).
  KeyTable times_accepted_;
};

}  // namespace fake_capi
}  // namespace outbox

#endif  // TOOLS_FAKE_CAPI_LEDGER_H_
