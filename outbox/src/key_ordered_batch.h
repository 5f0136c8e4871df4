// The entries of one or more write batches, rewritten in key order.
//
// RocksDB inserts a batch into the memtables entry by entry. An entry whose
// key is near the one inserted before it is cheap to insert when the
// column family has an insert hint (ColumnFamilyOptionsFor): the skiplist
// search starts at the previous insert instead of at the top. The records
// of a write group arrive in no particular order (ids are arbitrary
// strings), so the store sorts each group's batch before writing it.
//
// Sorting does not change what the batch means: entries for different keys
// commute, and the entries for one key keep the order they were added in,
// so the last one still wins. Only Put and Delete are supported; the store
// writes nothing else.
#ifndef OUTBOX_SRC_KEY_ORDERED_BATCH_H_
#define OUTBOX_SRC_KEY_ORDERED_BATCH_H_

#include <rocksdb/status.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <vector>

namespace rocksdb {
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace outbox {

class KeyOrderedBatch {
 public:
  // `handles` must include every column family the added batches write to.
  explicit KeyOrderedBatch(
      const std::vector<rocksdb::ColumnFamilyHandle*>& handles);

  // Adds the entries of `batch` after those added before. The batch must
  // outlive Build(): entries point into it. Fails, adding nothing, on an
  // entry that is not a Put or a Delete, or for an unknown column family.
  rocksdb::Status Add(const rocksdb::WriteBatch& batch);

  bool empty() const { return entries_.empty(); }

  // Every added entry, ordered by column family id, then key; entries with
  // equal keys in the order they were added.
  rocksdb::WriteBatch Build() const;

 private:
  struct Entry {
    uint32_t column_family;
    rocksdb::Slice key;
    rocksdb::Slice value;
    bool is_delete;
  };
  class Collector;

  std::vector<rocksdb::ColumnFamilyHandle*> by_id_;  // Indexed by CF id.
  std::vector<Entry> entries_;
  size_t bytes_ = 0;
};

}  // namespace outbox

#endif  // OUTBOX_SRC_KEY_ORDERED_BATCH_H_
