// Which secondary-index entries a record has, derived from the record alone.
//
// Every write of a record goes through WriteTxn, which diffs the entries of
// the old and the new version, so the indexes can never disagree with the
// records they point to (both are in the same atomic write).
#ifndef OUTBOX_SRC_RECORD_INDEX_H_
#define OUTBOX_SRC_RECORD_INDEX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/record.h"

namespace outbox {

enum class IndexCf {
  kByState,  // DEAD and EXPIRED records (IndexedByState): u8 state |
             // RecordKey
  kDue,      // PENDING and due: PixelPrefix | be64 deadline | RecordKey,
             // value the record as stored (storage format 5)
  kRetry,    // PENDING, waiting to retry: be64 next_attempt | RecordKey,
             // value be64 timestamp_ms (for the oldest-pending statistic)
  kGc,       // terminal: be64 drop_at | RecordKey
};

struct IndexEntry {
  IndexCf cf;
  std::string key;
  std::string value;
  friend bool operator==(const IndexEntry& a, const IndexEntry& b) {
    return a.cf == b.cf && a.key == b.key && a.value == b.value;
  }
};

struct RetentionPolicy {
  // See Options::terminal_retention_ms.
  int64_t terminal_retention_ms = 0;
};

// The API rejects events older than this; the deadline of an event.
int64_t EventDeadlineMs(int64_t timestamp_ms);

// When a terminal record may be dropped: never before the API's window for
// its event has closed (so a resend is still recognised as a duplicate).
int64_t DropAtMs(const Record& record, const RetentionPolicy& policy);

// The entries of `record`, stored under `record_key`. `stored` is the
// record's value in `records` (EncodeRecord(record)): its due entry carries
// a copy, so that a claim takes the records it leases from its scan of
// `due` rather than with a random lookup each (1,000 per batch, when ids
// are UUIDs). Entries that are only to be deleted need no values: pass "".
std::vector<IndexEntry> IndexEntriesFor(const Record& record,
                                        std::string_view record_key,
                                        const RetentionPolicy& policy,
                                        std::string_view stored);

// Whether records in `state` have a by_state entry. Only the states an
// operator looks for among many records do: DEAD and EXPIRED, and
// IN_FLIGHT as stored by builds before leases (for recovery). PENDING and
// DELIVERED records, nearly all of them, are listed by scanning records:
// their entries cost an enqueue one write of four and a delivery two of six
// (storage format 3).
bool IndexedByState(State state);

std::string ByStateKey(State state, std::string_view record_key);
std::string ByStatePrefix(State state, std::string_view pixel_id = {});

}  // namespace outbox

#endif  // OUTBOX_SRC_RECORD_INDEX_H_
