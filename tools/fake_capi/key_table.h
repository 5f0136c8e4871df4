// KeyTable: a count for each of many byte-string keys, insert-only.
//
// A benchmark sends millions of distinct dedup keys. A node per key
// (std::unordered_map) made counting them fake-capi's largest cost, and
// growing one big table at once stalled requests for seconds. Here the
// table holds 8-byte slots (hash, record number), the keys and counts are
// appended in large blocks, and growth moves a few slots per insert: adding
// a key costs no allocation, about one cache miss, and never a long wait.
// (Transparent huge pages made it faster on average but brought back
// second-long stalls, from the kernel compacting memory.)
//
// Thread-safety: none; the caller serialises access.
#ifndef TOOLS_FAKE_CAPI_KEY_TABLE_H_
#define TOOLS_FAKE_CAPI_KEY_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace outbox {
namespace fake_capi {

// Zero-filled memory from mmap, returned to the kernel when destroyed.
// Move-only.
class PageBlock {
 public:
  PageBlock() = default;
  // Throws std::bad_alloc when the memory cannot be mapped.
  explicit PageBlock(size_t bytes);
  PageBlock(PageBlock&& other) noexcept { *this = std::move(other); }
  PageBlock& operator=(PageBlock&& other) noexcept;
  ~PageBlock();

  char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

class KeyTable {
 public:
  static uint64_t Hash(std::string_view key);

  // Starts loading the slot where the key of `hash` would go. Adding many
  // keys, prefetching a few ahead hides most of each one's cache miss.
  void Prefetch(uint64_t hash) const {
    if (cur_.capacity != 0) {
      __builtin_prefetch(
          &cur_.slots()[Slot::HashOf(hash) & (cur_.capacity - 1)]);
    }
  }
  // Adds one to the count of `key` (0 if never seen); returns the new count.
  // `hash` is Hash(key).
  uint64_t Increment(std::string_view key, uint64_t hash);

  // Calls fn(key, count) for every key, in the order they were first added.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t i = 0; i < size_; ++i) fn(KeyOf(i), RecordAt(i).count);
  }

  size_t size() const { return size_; }
  void Clear();

 private:
  // 8 bytes, so that the part of the table a lookup touches at random stays
  // small: the keys and counts are appended, in order, elsewhere. All zeros
  // is an empty slot, so fresh mapped memory is an empty table.
  struct Slot {
    uint32_t hash;    // The low 32 bits of the key's hash.
    uint32_t record;  // 1 + the index of the key's Record.
    static uint32_t HashOf(uint64_t hash) {
      return static_cast<uint32_t>(hash);
    }
  };
  struct Record {
    uint64_t location;  // Of the key's bytes: block << 32 | offset.
    uint64_t count;
  };
  static constexpr int kRecordChunkBits = 16;
  struct Table {
    PageBlock block;
    size_t capacity = 0;  // Slots: 0 or a power of two.
    Slot* slots() const { return reinterpret_cast<Slot*>(block.data()); }
  };

  Record& RecordAt(size_t i) const {
    return record_chunks_[i >> kRecordChunkBits]
                         [i & ((size_t{1} << kRecordChunkBits) - 1)];
  }
  std::string_view KeyOf(size_t record) const;
  size_t Append(std::string_view key);
  void StartGrowth();
  void MigrateSome(size_t slots);
  uint64_t* FindUnmigrated(std::string_view key, uint32_t hash);
  uint64_t IncrementCurrent(std::string_view key, uint32_t hash);

  // Growth is incremental: a table twice the size becomes current, and
  // each Increment moves a few slots of the old one into it. Moving
  // millions of slots at once stalled every request for seconds.
  Table cur_;
  Table old_;            // Being emptied into cur_; capacity 0 when none.
  size_t migrated_ = 0;  // Slots of old_ before this one have moved.

  // Records in fixed-size chunks: a vector of them would copy them all
  // whenever it grew.
  std::vector<std::unique_ptr<Record[]>> record_chunks_;
  size_t size_ = 0;                // Records.
  std::vector<PageBlock> blocks_;  // The keys' bytes.
  size_t last_block_used_ = 0;     // Bytes used in blocks_.back().
};

}  // namespace fake_capi
}  // namespace outbox

#endif  // TOOLS_FAKE_CAPI_KEY_TABLE_H_
