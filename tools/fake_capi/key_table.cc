#include "tools/fake_capi/key_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <new>
#include <utility>

namespace outbox {
namespace fake_capi {
namespace {

constexpr size_t kBlockBytes = 2 << 20;
constexpr size_t kInitialSlots = 1024;

}  // namespace

PageBlock::PageBlock(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<char*>(p);
  size_ = bytes;
}

PageBlock& PageBlock::operator=(PageBlock&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) munmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

PageBlock::~PageBlock() {
  if (data_ != nullptr) munmap(data_, size_);
}

uint64_t KeyTable::Hash(std::string_view key) {
  return std::hash<std::string_view>()(key);
}

uint64_t KeyTable::Increment(std::string_view key, uint64_t hash64) {
  const uint32_t hash = Slot::HashOf(hash64);
  if ((size() + 1) * 2 > cur_.capacity) StartGrowth();  // Load at most 1/2.
  if (old_.capacity != 0) {
    // Growth starts when cur_ is half full and the next one when it is
    // full: moving 8 slots per call empties old_ (half cur_'s size) in time.
    MigrateSome(8);
  }
  if (old_.capacity != 0) {
    if (uint64_t* count = FindUnmigrated(key, hash)) return ++*count;
  }
  return IncrementCurrent(key, hash);
}

void KeyTable::Clear() { *this = KeyTable(); }

uint64_t KeyTable::IncrementCurrent(std::string_view key, uint32_t hash) {
  const size_t mask = cur_.capacity - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = cur_.slots()[i];
    if (slot.record == 0) {
      slot.hash = hash;
      slot.record = static_cast<uint32_t>(Append(key) + 1);
      return 1;
    }
    if (slot.hash == hash && KeyOf(slot.record - 1) == key) {
      return ++RecordAt(slot.record - 1).count;
    }
  }
}

// Moved slots stay in old_ as they were, so that its probe sequences stay
// intact; a key found before migrated_ has moved, and lives in cur_.
uint64_t* KeyTable::FindUnmigrated(std::string_view key, uint32_t hash) {
  const size_t mask = old_.capacity - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = old_.slots()[i];
    if (slot.record == 0) return nullptr;
    if (slot.hash == hash && KeyOf(slot.record - 1) == key) {
      return i >= migrated_ ? &RecordAt(slot.record - 1).count : nullptr;
    }
  }
}

void KeyTable::StartGrowth() {
  MigrateSome(old_.capacity);  // Normally nothing is left by now.
  old_ = std::move(cur_);
  cur_.capacity = std::max(kInitialSlots, old_.capacity * 2);
  cur_.block = PageBlock(cur_.capacity * sizeof(Slot));
  migrated_ = 0;
}

// A slot keeps its hash, so no key is read.
void KeyTable::MigrateSome(size_t slots) {
  const size_t mask = cur_.capacity - 1;
  for (; slots > 0 && migrated_ < old_.capacity; --slots, ++migrated_) {
    const Slot& slot = old_.slots()[migrated_];
    if (slot.record == 0) continue;
    size_t i = slot.hash & mask;
    while (cur_.slots()[i].record != 0) i = (i + 1) & mask;
    cur_.slots()[i] = slot;
  }
  if (migrated_ == old_.capacity) {
    old_ = Table();
    migrated_ = 0;
  }
}

std::string_view KeyTable::KeyOf(size_t record) const {
  const uint64_t location = RecordAt(record).location;
  const char* p = blocks_[location >> 32].data() + (location & 0xFFFFFFFF);
  uint32_t size = 0;
  std::memcpy(&size, p, sizeof(size));
  return {p + sizeof(size), size};
}

// Stores a new key with a count of 1; returns its record.
size_t KeyTable::Append(std::string_view key) {
  const auto size = static_cast<uint32_t>(key.size());
  const size_t need = sizeof(size) + key.size();
  if (blocks_.empty() || blocks_.back().size() - last_block_used_ < need) {
    blocks_.emplace_back(std::max(kBlockBytes, need));
    last_block_used_ = 0;
  }
  char* p = blocks_.back().data() + last_block_used_;
  std::memcpy(p, &size, sizeof(size));
  std::memcpy(p + sizeof(size), key.data(), key.size());
  if ((size_ >> kRecordChunkBits) == record_chunks_.size()) {
    record_chunks_.emplace_back(new Record[size_t{1} << kRecordChunkBits]);
  }
  RecordAt(size_) = {uint64_t{blocks_.size() - 1} << 32 | last_block_used_, 1};
  last_block_used_ += need;
  return size_++;
}

}  // namespace fake_capi
}  // namespace outbox
