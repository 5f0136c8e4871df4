#include "outbox/src/lease_table.h"

#include "outbox/src/storage_keys.h"

namespace outbox {

void LeaseTable::Add(const std::string& key, const Lease& lease) {
  if (!leases_.emplace(key, lease).second) return;
  keys_per_id_[lease.id]++;
  keys_per_pixel_[std::string(PixelOfRecordKey(key))]++;
}

void LeaseTable::Remove(std::map<std::string, Lease, std::less<>>::iterator it) {
  if (!it->second.ending) CountEnding(it->second.id);
  auto pixel = keys_per_pixel_.find(PixelOfRecordKey(it->first));
  if (pixel != keys_per_pixel_.end() && --pixel->second == 0) {
    keys_per_pixel_.erase(pixel);
  }
  leases_.erase(it);
}

bool LeaseTable::CountEnding(uint64_t id) {
  auto it = keys_per_id_.find(id);
  if (it == keys_per_id_.end() || --it->second > 0) return false;
  keys_per_id_.erase(it);
  return true;
}

uint64_t LeaseTable::Take(const std::vector<std::string>& keys,
                          int64_t now_ms) {
  const Lease lease{next_id_++, now_ms, false};
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& key : keys) {
    if (leases_.count(key) > 0) continue;
    Add(key, lease);
    journal_.push_back({true, key, lease.id});
  }
  return lease.id;
}

LeaseTable::Ending LeaseTable::End(const std::vector<std::string>& keys) {
  Ending out;
  out.ended.reserve(keys.size());
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& key : keys) {
    auto it = leases_.find(key);
    const bool ends = it != leases_.end() && !it->second.ending;
    out.ended.push_back(ends);
    if (!ends) continue;
    it->second.ending = true;
    journal_.push_back({false, key, it->second.id});
    if (CountEnding(it->second.id)) out.finished_claims.push_back(it->second.id);
  }
  return out;
}

void LeaseTable::Commit() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Change& change : journal_) {
    if (change.taken) continue;
    auto it = leases_.find(change.key);
    if (it != leases_.end() && it->second.ending) Remove(it);
  }
  journal_.clear();
}

void LeaseTable::UndoTo(size_t mark) {
  std::lock_guard<std::mutex> lock(mu_);
  while (journal_.size() > mark) {
    const Change& change = journal_.back();
    auto it = leases_.find(change.key);
    if (it != leases_.end()) {
      if (change.taken) {
        Remove(it);
      } else {
        it->second.ending = false;
        keys_per_id_[change.id]++;
      }
    }
    journal_.pop_back();
  }
}

bool LeaseTable::IsLeased(std::string_view record_key) const {
  std::lock_guard<std::mutex> lock(mu_);
  return leases_.find(record_key) != leases_.end();
}

std::optional<LeaseTable::Lease> LeaseTable::Find(
    std::string_view record_key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leases_.find(record_key);
  if (it == leases_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, int64_t> LeaseTable::CountsByPixel() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {keys_per_pixel_.begin(), keys_per_pixel_.end()};
}

std::vector<std::string> LeaseTable::Keys(std::string_view prefix,
                                          std::string_view start,
                                          size_t limit) const {
  std::vector<std::string> keys;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = leases_.lower_bound(start > prefix ? start : prefix);
       it != leases_.end() && keys.size() < limit; ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    keys.push_back(it->first);
  }
  return keys;
}

}  // namespace outbox
