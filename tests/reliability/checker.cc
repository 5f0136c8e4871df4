#include "tests/reliability/checker.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace outbox::testing {

std::string Figures::ToString() const {
  std::ostringstream out;
  out << "acknowledged=" << acknowledged << " crashes=" << crashes
      << " lost=" << lost << " re-delivered=" << redelivered
      << " duplicates=" << duplicates << " state_errors=" << state_errors
      << " max_recovery_ms=" << max_recovery_ms;
  if (duplicate_bound > 0 || unknown > 0) {
    out << " unknown=" << unknown << " duplicate_bound=" << duplicate_bound
        << " unexplained_duplicates=" << unexplained_duplicates;
  }
  return out.str();
}

void Ledger::Acknowledge(const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  acknowledged_.insert(keys.begin(), keys.end());
}

void Ledger::Receive(const std::vector<std::string>& keys, int epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& key : keys) {
    if (delivered_seen_.count(key)) ++redelivered_;
    receipts_[key].push_back(epoch);
  }
}

void Ledger::SawDelivered(const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  delivered_seen_.insert(keys.begin(), keys.end());
}

std::set<std::string> Ledger::acknowledged() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acknowledged_;
}

std::set<std::string> Ledger::delivered_seen() const {
  std::lock_guard<std::mutex> lock(mu_);
  return delivered_seen_;
}

uint64_t Ledger::receipts(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = receipts_.find(key);
  return it == receipts_.end() ? 0 : it->second.size();
}

uint64_t Ledger::redelivered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return redelivered_;
}

uint64_t Ledger::duplicates() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const auto& [key, epochs] : receipts_) n += epochs.size() - 1;
  return n;
}

uint64_t Ledger::same_epoch_duplicates() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const auto& [key, epochs] : receipts_) {
    n += epochs.size() - std::set<int>(epochs.begin(), epochs.end()).size();
  }
  return n;
}

std::map<std::string, std::vector<int>> Ledger::receipt_epochs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return receipts_;
}

std::map<std::string, State> ListStates(const Outbox& box,
                                        uint64_t* state_errors) {
  std::map<std::string, State> states;
  StatusOr<Stats> stats = box.GetStats();
  if (!stats.ok()) ++*state_errors;
  for (State s : {State::kPending, State::kInFlight, State::kDelivered,
                  State::kDead, State::kExpired}) {
    ListQuery query;
    query.state = s;
    query.limit = 1000;
    uint64_t listed = 0;
    do {
      StatusOr<RecordPage> page = box.List(query);
      if (!page.ok()) {
        ++*state_errors;
        break;
      }
      for (const Record& r : page->records) {
        ++listed;
        if (r.state != s || !states.emplace(r.key.ToString(), s).second) {
          ++*state_errors;
        }
      }
      query.page_token = page->next_page_token;
    } while (!query.page_token.empty());
    const uint64_t counted = stats.ok() ? (*stats)[s] : 0;
    if (counted != listed) ++*state_errors;
  }
  return states;
}

std::vector<std::string> DeliveredKeys(const Outbox& box) {
  std::vector<std::string> keys;
  ListQuery query;
  query.state = State::kDelivered;
  query.limit = 1000;
  do {
    StatusOr<RecordPage> page = box.List(query);
    if (!page.ok()) break;
    for (const Record& r : page->records) keys.push_back(r.key.ToString());
    query.page_token = page->next_page_token;
  } while (!query.page_token.empty());
  return keys;
}

void Check(const Ledger& ledger, const Outbox& box, Figures* figures) {
  std::map<std::string, State> states = ListStates(box, &figures->state_errors);
  std::set<std::string> acknowledged = ledger.acknowledged();
  figures->acknowledged = acknowledged.size();
  figures->lost = 0;
  for (const std::string& key : acknowledged) {
    if (!states.count(key) && ledger.receipts(key) == 0) ++figures->lost;
  }
  // Delivered keys must stay delivered (or be gone through retention,
  // which these scenarios never reach).
  for (const std::string& key : ledger.delivered_seen()) {
    auto it = states.find(key);
    if (it == states.end() || it->second != State::kDelivered) {
      ++figures->state_errors;
    }
  }
  figures->redelivered = ledger.redelivered();
  figures->duplicates = ledger.duplicates();
}

std::vector<Receipt> ReadRequestLog(const std::string& path) {
  std::vector<Receipt> receipts;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    const std::string pixel = doc["pixel"].GetString();
    const auto& ids = doc["ids"].GetArray();
    const auto& names = doc["names"].GetArray();
    for (rapidjson::SizeType i = 0; i < ids.Size() && i < names.Size(); ++i) {
      StatusOr<DedupKey> key =
          DedupKey::Create(pixel, names[i].GetString(), ids[i].GetString());
      if (key.ok())
        receipts.push_back({key->ToString(), doc["t_ms"].GetInt64()});
    }
  }
  return receipts;
}

namespace {

// delivered_ms of every DELIVERED record, by printable key.
std::map<std::string, int64_t> DeliveredTimes(const Outbox& box) {
  std::map<std::string, int64_t> times;
  ListQuery query;
  query.state = State::kDelivered;
  query.limit = 1000;
  do {
    StatusOr<RecordPage> page = box.List(query);
    if (!page.ok()) break;
    for (const Record& r : page->records) {
      times[r.key.ToString()] = r.delivered_ms;
    }
    query.page_token = page->next_page_token;
  } while (!query.page_token.empty());
  return times;
}

// The epoch running at `t_ms`: the last one spawned at or before it.
int EpochAt(const std::vector<DaemonEpoch>& epochs, int64_t t_ms) {
  auto it = std::upper_bound(
      epochs.begin(), epochs.end(), t_ms,
      [](int64_t t, const DaemonEpoch& e) { return t < e.start_ms; });
  return std::max<int>(0, static_cast<int>(it - epochs.begin()) - 1);
}

// Attributes each duplicate to the epoch of the receipt before it.
void CountDuplicates(const Ledger& ledger,
                     const std::vector<DaemonEpoch>& epochs,
                     uint64_t in_flight_bound, Figures* figures,
                     std::vector<std::string>* problems) {
  std::vector<uint64_t> per_epoch(epochs.size(), 0);
  figures->duplicates = 0;
  for (const auto& [key, seen] : ledger.receipt_epochs()) {
    for (size_t i = 1; i < seen.size(); ++i) {
      ++figures->duplicates;
      const DaemonEpoch& first = epochs[seen[i - 1]];
      const bool explained =
          first.ambiguous > 0 || (first.crashed && seen[i - 1] != seen[i]);
      if (!explained) {
        ++figures->unexplained_duplicates;
        if (problems->size() < 20) {
          problems->push_back("duplicate of " + key +
                              " not explained by a crash (epochs " +
                              std::to_string(seen[i - 1]) + ", " +
                              std::to_string(seen[i]) + ")");
        }
      } else {
        ++per_epoch[seen[i - 1]];
      }
    }
  }
  figures->duplicate_bound = 0;
  for (size_t e = 0; e < epochs.size(); ++e) {
    const uint64_t bound =
        (epochs[e].crashed ? in_flight_bound : 0) + epochs[e].ambiguous;
    figures->duplicate_bound += bound;
    if (per_epoch[e] > bound) {
      figures->unexplained_duplicates += per_epoch[e] - bound;
      problems->push_back("epoch " + std::to_string(e) + " explains " +
                          std::to_string(per_epoch[e]) +
                          " duplicates, more than its bound of " +
                          std::to_string(bound));
    }
  }
}

}  // namespace

std::vector<std::string> CheckDaemonRun(Ledger* ledger,
                                        const std::vector<Receipt>& receipts,
                                        const std::vector<DaemonEpoch>& epochs,
                                        const Outbox& box,
                                        uint64_t in_flight_bound,
                                        Figures* figures) {
  std::vector<std::string> problems;
  std::map<std::string, int64_t> delivered_ms = DeliveredTimes(box);
  figures->redelivered = 0;
  for (const Receipt& r : receipts) {
    ledger->Receive({r.key}, EpochAt(epochs, r.t_ms));
    auto it = delivered_ms.find(r.key);
    if (it != delivered_ms.end() && r.t_ms > it->second) {
      ++figures->redelivered;
      if (problems.size() < 20) {
        problems.push_back("re-delivered " + r.key + " at " +
                           std::to_string(r.t_ms) + ", delivered at " +
                           std::to_string(it->second));
      }
    }
  }
  std::map<std::string, State> states = ListStates(box, &figures->state_errors);
  std::set<std::string> acknowledged = ledger->acknowledged();
  figures->acknowledged = acknowledged.size();
  figures->lost = 0;
  for (const std::string& key : acknowledged) {
    auto it = states.find(key);
    bool held = it != states.end() && it->second != State::kDelivered;
    if (!held && ledger->receipts(key) == 0) {
      ++figures->lost;
      if (problems.size() < 40) problems.push_back("lost " + key);
    }
  }
  for (const auto& [key, epochs_seen] : ledger->receipt_epochs()) {
    auto it = states.find(key);
    if (it == states.end() || it->second != State::kDelivered) {
      ++figures->state_errors;
      if (problems.size() < 40) {
        problems.push_back("received but not DELIVERED in the outbox: " + key);
      }
    }
  }
  CountDuplicates(*ledger, epochs, in_flight_bound, figures, &problems);
  return problems;
}

std::vector<std::string> KeysOf(const std::vector<Event>& events) {
  std::vector<std::string> keys;
  for (const Event& e : events) {
    keys.push_back(DedupKey::ForEvent(e).value().ToString());
  }
  return keys;
}

std::vector<std::string> KeysOfBody(const std::string& pixel_id,
                                    const std::string& body) {
  std::vector<std::string> keys;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("events")) {
    return keys;
  }
  for (const auto& event : doc["events"].GetArray()) {
    std::string type = event["type"].GetString();
    if (type == "custom") type = event["custom_event_name"].GetString();
    keys.push_back(DedupKey::Create(pixel_id, type, event["id"].GetString())
                       .value()
                       .ToString());
  }
  return keys;
}

}  // namespace outbox::testing
