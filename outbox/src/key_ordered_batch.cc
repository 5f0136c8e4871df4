#include "outbox/src/key_ordered_batch.h"

#include <rocksdb/db.h>

#include <algorithm>

namespace outbox {

class KeyOrderedBatch::Collector : public rocksdb::WriteBatch::Handler {
 public:
  Collector(const std::vector<rocksdb::ColumnFamilyHandle*>& by_id,
            std::vector<Entry>* entries, size_t* bytes)
      : by_id_(by_id), entries_(entries), bytes_(bytes) {}

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    return Collect(cf, key, value, /*is_delete=*/false);
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return Collect(cf, key, rocksdb::Slice(), /*is_delete=*/true);
  }
  // Every other kind of entry fails with the Handler's default
  // (InvalidArgument): Add then adds nothing.

 private:
  rocksdb::Status Collect(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice& value, bool is_delete) {
    if (cf >= by_id_.size() || by_id_[cf] == nullptr) {
      return rocksdb::Status::InvalidArgument("unknown column family");
    }
    entries_->push_back({cf, key, value, is_delete});
    *bytes_ += key.size() + value.size();
    return rocksdb::Status::OK();
  }

  const std::vector<rocksdb::ColumnFamilyHandle*>& by_id_;
  std::vector<Entry>* entries_;
  size_t* bytes_;
};

KeyOrderedBatch::KeyOrderedBatch(
    const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    const uint32_t id = handle->GetID();
    if (id >= by_id_.size()) by_id_.resize(id + 1, nullptr);
    by_id_[id] = handle;
  }
}

rocksdb::Status KeyOrderedBatch::Add(const rocksdb::WriteBatch& batch) {
  const size_t entries_before = entries_.size();
  const size_t bytes_before = bytes_;
  entries_.reserve(entries_.size() + batch.Count());
  Collector collector(by_id_, &entries_, &bytes_);
  rocksdb::Status s = batch.Iterate(&collector);
  if (!s.ok()) {
    entries_.resize(entries_before);
    bytes_ = bytes_before;
  }
  return s;
}

rocksdb::WriteBatch KeyOrderedBatch::Build() const {
  std::vector<const Entry*> order;
  order.reserve(entries_.size());
  for (const Entry& entry : entries_) order.push_back(&entry);
  std::stable_sort(order.begin(), order.end(),
                   [](const Entry* a, const Entry* b) {
                     if (a->column_family != b->column_family) {
                       return a->column_family < b->column_family;
                     }
                     return a->key.compare(b->key) < 0;
                   });
  // About 3 varints and a tag per entry on top of keys and values.
  rocksdb::WriteBatch out(bytes_ + 16 * entries_.size() + 12);
  for (const Entry* entry : order) {
    rocksdb::ColumnFamilyHandle* cf = by_id_[entry->column_family];
    rocksdb::Status s = entry->is_delete
                            ? out.Delete(cf, entry->key)
                            : out.Put(cf, entry->key, entry->value);
    s.PermitUncheckedError();  // Fails only past RocksDB's size limits.
  }
  return out;
}

}  // namespace outbox
