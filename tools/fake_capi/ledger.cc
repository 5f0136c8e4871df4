#include "tools/fake_capi/ledger.h"

#include <algorithm>
#include <cstring>
#include <tuple>

namespace outbox {
namespace fake_capi {
namespace {

// Length-prefixed, so that any bytes in the components (unvalidated in the
// faster --validate modes) cannot make two keys collide.
void AppendComponent(std::string_view part, std::string* out) {
  const auto size = static_cast<uint32_t>(part.size());
  out->append(reinterpret_cast<const char*>(&size), sizeof(size));
  out->append(part);
}

std::string_view TakeComponent(std::string_view* in) {
  uint32_t size = 0;
  std::memcpy(&size, in->data(), sizeof(size));
  const std::string_view part = in->substr(sizeof(size), size);
  in->remove_prefix(sizeof(size) + size);
  return part;
}

KeyCount Unframe(std::string_view framed, uint64_t times) {
  KeyCount key;
  key.pixel = std::string(TakeComponent(&framed));
  key.event_name = std::string(TakeComponent(&framed));
  key.id = std::string(TakeComponent(&framed));
  key.times_accepted = times;
  return key;
}

}  // namespace

void Ledger::CountRequest() {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.requests;
}

void Ledger::CountRejected(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.rejected_requests[status];
}

void Ledger::CountFault(FaultKind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.faults[static_cast<size_t>(kind)];
}

void Ledger::CountValidateOnly() {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.validate_only_requests;
}

// The framed keys and their hashes are made before taking the lock, and
// slots are prefetched a few keys ahead: with millions of keys, nearly every
// insert is a cache miss, and this hides most of them.
void Ledger::RecordAccepted(std::string_view pixel,
                            const std::vector<KeyRef>& keys) {
  constexpr size_t kPrefetchDistance = 8;
  std::string arena;
  std::vector<size_t> ends(keys.size());
  std::vector<uint64_t> hashes(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    const size_t begin = arena.size();
    AppendComponent(pixel, &arena);
    AppendComponent(keys[i].event_name, &arena);
    AppendComponent(keys[i].id, &arena);
    ends[i] = arena.size();
    hashes[i] = KeyTable::Hash(std::string_view(arena).substr(begin));
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.accepted_requests;
  counts_.accepted_events += keys.size();
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i + kPrefetchDistance < keys.size()) {
      times_accepted_.Prefetch(hashes[i + kPrefetchDistance]);
    }
    const size_t begin = i == 0 ? 0 : ends[i - 1];
    const std::string_view framed(arena.data() + begin, ends[i] - begin);
    if (times_accepted_.Increment(framed, hashes[i]) == 1) {
      ++counts_.unique_keys;
    } else {
      ++counts_.duplicate_events;
    }
  }
}

LedgerSnapshot Ledger::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

std::vector<KeyCount> Ledger::Keys() const {
  std::vector<KeyCount> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys.reserve(times_accepted_.size());
    times_accepted_.ForEach([&keys](std::string_view framed, uint64_t times) {
      keys.push_back(Unframe(framed, times));
    });
  }
  std::sort(keys.begin(), keys.end(), [](const KeyCount& a, const KeyCount& b) {
    return std::tie(a.pixel, a.event_name, a.id) <
           std::tie(b.pixel, b.event_name, b.id);
  });
  return keys;
}

void Ledger::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  counts_ = LedgerSnapshot();
  times_accepted_.Clear();
}

}  // namespace fake_capi
}  // namespace outbox
