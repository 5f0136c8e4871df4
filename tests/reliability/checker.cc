#include "tests/reliability/checker.h"

#include <rapidjson/document.h>

#include <sstream>

namespace outbox::testing {

std::string Figures::ToString() const {
  std::ostringstream out;
  out << "acknowledged=" << acknowledged << " crashes=" << crashes
      << " lost=" << lost << " re-delivered=" << redelivered
      << " duplicates=" << duplicates << " state_errors=" << state_errors
      << " max_recovery_ms=" << max_recovery_ms;
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
    uint64_t counted = 0;
    if (stats.ok()) {
      switch (s) {
        case State::kPending:
          counted = stats->pending;
          break;
        case State::kInFlight:
          counted = stats->in_flight;
          break;
        case State::kDelivered:
          counted = stats->delivered;
          break;
        case State::kDead:
          counted = stats->dead;
          break;
        case State::kExpired:
          counted = stats->expired;
          break;
      }
    }
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
