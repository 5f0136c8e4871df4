// LeaseTable: the PENDING records a drainer has claimed and is sending.
//
// Claiming a batch does not rewrite its records. They stay PENDING on disk,
// due as before; the claim registers them here and writes one "lease/"
// entry listing their keys (so that a restart can tell which events were
// being sent, see RecoverInFlightOp). Whatever could disturb a record being
// sent consults this table: the claim and expiry scans skip leased keys,
// purge refuses them, and readers report them as IN_FLIGHT. A lease ends
// with the write that records the batch's outcome: the outcome operation
// marks it ending (End), and it stays leased until that write is durable
// (Commit). So no other operation of the same write group reads or writes
// a record whose outcome is being written, and the outcome's writes need
// not be visible to them (WriteTxn::UpdateLeased).
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
    bool ending = false;    // Ended; gone once the group is durable.
  };

  struct Ending {
    // One per key given to End: whether End ended its lease (false: not
    // leased, or already ending).
    std::vector<bool> ended;
    // The claims none of whose keys stays leased once this group is
    // durable.
    std::vector<uint64_t> finished_claims;
  };

  // Writer thread. Leases `keys` (none of them leased) under a new id,
  // which it returns.
  uint64_t Take(const std::vector<std::string>& keys, int64_t now_ms);
  // Writer thread. Ends the leases of those `keys` that are leased and not
  // ending already. They stay leased until Commit.
  Ending End(const std::vector<std::string>& keys);

  // Writer thread. A position in the journal of changes; UndoTo reverts
  // every change made after it, newest first. Commit, once the group's
  // write is durable, drops the ended leases and forgets the journal.
  size_t Mark() const { return journal_.size(); }
  void UndoTo(size_t mark);
  void Commit();

  // Any thread. Ending leases count as leased.
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
    uint64_t id;
  };
  // All with mu_ held.
  void Add(const std::string& key, const Lease& lease);
  void Remove(std::map<std::string, Lease, std::less<>>::iterator it);
  // Counts one more of claim `id`'s keys as ending; true if it was the
  // last one not ending.
  bool CountEnding(uint64_t id);

  mutable std::mutex mu_;
  std::map<std::string, Lease, std::less<>> leases_;  // guarded by mu_
  // Keys not ending, per claim id.
  std::unordered_map<uint64_t, size_t> keys_per_id_;  // guarded by mu_
  std::map<std::string, int64_t, std::less<>> keys_per_pixel_;  // by mu_
  uint64_t next_id_ = 1;          // writer thread
  std::vector<Change> journal_;   // writer thread
};

}  // namespace outbox

#endif  // OUTBOX_SRC_LEASE_TABLE_H_
