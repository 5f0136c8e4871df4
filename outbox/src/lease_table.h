// LeaseTable: the PENDING records a drainer has claimed and is sending.
//
// Claiming a batch does not rewrite its records. They stay PENDING on disk,
// due as before; the claim registers them here and writes one "lease/"
// entry listing their keys (so that a restart can tell which events were
// being sent, see RecoverInFlightOp). Whatever could disturb a record being
// sent consults this table: the claim and expiry scans skip leased keys,
// purge refuses them, and readers report them as IN_FLIGHT. A lease ends
// with the write that records the batch's outcome.
//
// Changes are made on the store's writer thread, inside write-group
// operations, and journaled: the writer undoes those of an operation that
// fails, or of a group whose write fails. Lookups work from any thread.
#ifndef OUTBOX_SRC_LEASE_TABLE_H_
#define OUTBOX_SRC_LEASE_TABLE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace outbox {

class LeaseTable {
 public:
  struct Lease {
    uint64_t id = 0;        // The claim that took it.
    int64_t since_ms = 0;   // When it was taken.
  };

  // Writer thread. Leases `keys` (none of them leased) under a new id,
  // which it returns.
  uint64_t Take(const std::vector<std::string>& keys, int64_t now_ms);
  // Writer thread. Ends the leases of those `keys` that are leased, and
  // returns the ids of the claims none of whose keys is leased any more.
  std::vector<uint64_t> End(const std::vector<std::string>& keys);

  // Writer thread. A position in the journal of changes; UndoTo reverts
  // every change made after it, newest first. Commit forgets the journal,
  // keeping every change.
  size_t Mark() const { return journal_.size(); }
  void UndoTo(size_t mark);
  void Commit() { journal_.clear(); }

  // Any thread.
  bool IsLeased(std::string_view record_key) const;
  std::optional<Lease> Find(std::string_view record_key) const;
  // Leased keys per pixel id.
  std::map<std::string, int64_t> CountsByPixel() const;
  // Up to `limit` leased keys that start with `prefix`, from the first
  // one >= `start`, in key order.
  std::vector<std::string> Keys(std::string_view prefix,
                                std::string_view start, size_t limit) const;

 private:
  struct Change {
    bool taken;  // Else ended.
    std::string key;
    Lease lease;
  };
  // Both with mu_ held.
  void Add(const std::string& key, const Lease& lease);
  void Remove(std::map<std::string, Lease, std::less<>>::iterator it);

  mutable std::mutex mu_;
  std::map<std::string, Lease, std::less<>> leases_;  // guarded by mu_
  std::unordered_map<uint64_t, size_t> keys_per_id_;  // guarded by mu_
  std::map<std::string, int64_t, std::less<>> keys_per_pixel_;  // by mu_
  uint64_t next_id_ = 1;          // writer thread
  std::vector<Change> journal_;   // writer thread
};

}  // namespace outbox

#endif  // OUTBOX_SRC_LEASE_TABLE_H_
