// replay: freezes the matching set with a dry run, then moves it back to
// PENDING in chunks (rate cap), optionally after a canary that must deliver.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "tools/outboxctl/audit_log.h"
#include "tools/outboxctl/commands.h"

namespace outbox::ctl {
namespace {

using Keys = std::vector<v1::DedupKey>;

std::string KeyString(const v1::DedupKey& k) {
  return k.pixel_id() + "/" + k.event_name() + "/" + k.id();
}

// Replays `keys` (no dry run) and adds the outcome to `*total`.
grpc::Status ReplayKeys(AdminClient& client, Keys::const_iterator begin,
                        Keys::const_iterator end, bool force,
                        v1::ReplayResponse* total) {
  v1::ReplayRequest request;
  for (auto it = begin; it != end; ++it) *request.add_keys() = *it;
  request.set_force(force);
  v1::ReplayResponse response;
  grpc::Status status =
      client.stub().Replay(client.NewContext().get(), request, &response);
  if (!status.ok()) return status;
  total->set_matched(total->matched() + response.matched());
  total->set_replayed(total->replayed() + response.replayed());
  for (auto& o : *response.mutable_outcomes()) *total->add_outcomes() = o;
  return status;
}

// Watches the canary keys until all are DELIVERED (true) or one fails again
// or the time runs out (false, with `*why`).
bool WatchCanary(AdminClient& client, const Keys& canary, int timeout_s,
                 std::string* why) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    size_t delivered = 0;
    for (const v1::DedupKey& key : canary) {
      v1::GetEventRequest request;
      *request.mutable_key() = key;
      v1::GetEventResponse response;
      grpc::Status status =
          client.stub().GetEvent(client.NewContext().get(), request, &response);
      if (!status.ok()) return *why = status.error_message(), false;
      const v1::EventRecord& r = response.record();
      if (r.state() == v1::DELIVERED) {
        ++delivered;
      } else if (r.state() == v1::DEAD || r.state() == v1::EXPIRED ||
                 (r.state() == v1::PENDING && r.attempt_count() > 0)) {
        *why = KeyString(key) + " failed again: " + Excerpt(r.last_error());
        return false;
      }
    }
    if (delivered == canary.size()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  *why = "not delivered within " + std::to_string(timeout_s) + "s";
  return false;
}

// Dry-runs the replay of the selection, page after page: the keys it
// accepts are the frozen set.
int Preview(AdminClient& client, const ReplayFlags& flags,
            v1::ReplayResponse* preview) {
  v1::ReplayRequest request;
  v1::EventFilter filter;
  int code = FillSelection(flags.selection, request.mutable_keys(), &filter);
  if (code != kExitOk) return code;
  if (request.keys().empty()) *request.mutable_filter() = filter;
  request.set_dry_run(true);
  request.set_force(flags.force);
  std::string left;  // A token left over when --limit stopped the paging.
  grpc::Status status = ForEachSelectionPage(
      "matching", flags.selection.limit,
      [&](const std::string& token, uint32_t remaining, std::string* next,
          size_t* gathered) {
        request.set_page_token(token);
        if (request.keys().empty()) request.set_limit(remaining);
        v1::ReplayResponse part;
        grpc::Status s =
            client.stub().Replay(client.NewContext().get(), request, &part);
        *gathered += part.outcomes_size();
        left = *next = part.next_page_token();
        preview->set_matched(preview->matched() + part.matched());
        preview->set_replayed(preview->replayed() + part.replayed());
        for (auto& o : *part.mutable_outcomes()) *preview->add_outcomes() = o;
        return s;
      });
  if (!status.ok()) return client.Fail("replay", status);
  preview->set_truncated(!left.empty());
  return kExitOk;
}

// Prints refused keys on stderr; returns how many there were.
size_t PrintRefusals(const v1::ReplayResponse& r) {
  size_t refused = 0;
  for (const v1::KeyOutcome& o : r.outcomes()) {
    if (o.code() == 0) continue;
    std::cerr << "refused " << KeyString(o.key()) << ": " << o.message()
              << "\n";
    ++refused;
  }
  return refused;
}

int Outcome(size_t ok, size_t refused, const std::string& what) {
  if (refused == 0) return kExitOk;
  std::string line = std::to_string(refused) + " key(s) " + what +
                     " (reasons above) — fix or purge them, or use --force "
                     "for DELIVERED ones";
  return Complain(ok == 0 ? kExitFailed : kExitPartial, line);
}

int PrintDryRun(const v1::ReplayResponse& preview, const Keys& frozen,
                const ReplayFlags& flags) {
  if (flags.format != Format::kTable) {
    std::cout << ToJson(preview) << "\n";
  } else {
    std::cout << "would replay " << frozen.size() << " of " << preview.matched()
              << " matched"
              << (preview.truncated() ? " (more match: raise --limit)" : "")
              << "\n";
    for (size_t i = 0; i < frozen.size() && i < flags.sample; ++i) {
      std::cout << "  " << KeyString(frozen[i]) << "\n";
    }
  }
  return Outcome(frozen.size(), PrintRefusals(preview), "cannot be replayed");
}

// Replays `frozen` from `start` in chunks of at most `rate` keys per second.
grpc::Status ReplayRest(AdminClient& client, const Keys& frozen, size_t start,
                        const ReplayFlags& flags, v1::ReplayResponse* total) {
  size_t chunk = flags.rate > 0 ? std::max<size_t>(1, flags.rate) : 1000;
  chunk = std::min<size_t>(chunk, 1000);
  bool progress = isatty(STDERR_FILENO) && frozen.size() - start > chunk;
  for (size_t i = start; i < frozen.size(); i += chunk) {
    auto begin = std::chrono::steady_clock::now();
    size_t end = std::min(frozen.size(), i + chunk);
    grpc::Status status = ReplayKeys(client, frozen.begin() + i,
                                     frozen.begin() + end, flags.force, total);
    if (!status.ok()) return status;
    if (progress) std::cerr << "\rreplayed " << end << "/" << frozen.size();
    if (flags.rate > 0 && end < frozen.size()) {
      auto period = std::chrono::duration<double>(chunk / flags.rate);
      std::this_thread::sleep_until(
          begin +
          std::chrono::duration_cast<std::chrono::milliseconds>(period));
    }
  }
  if (progress) std::cerr << "\n";
  return grpc::Status::OK;
}

}  // namespace

int RunReplay(AdminClient& client, const ReplayFlags& given) {
  ReplayFlags flags = given;
  FilterFlags& filter = flags.selection.filter;
  // A filter replays DEAD records unless it names another state.
  if (flags.selection.keys.empty() && HasFilter(filter) &&
      filter.state.empty()) {
    filter.state = "dead";
  }
  v1::State state = v1::STATE_UNSPECIFIED;
  if (ParseState(filter.state, &state) && state == v1::EXPIRED) {
    return Complain(kExitFailed,
                    "EXPIRED events cannot be replayed: the API rejects "
                    "events older than 7 days — purge them instead");
  }
  v1::ReplayResponse preview;
  int code = Preview(client, flags, &preview);
  if (code != kExitOk) return code;
  Keys frozen;  // The set replayed, fixed now.
  for (const v1::KeyOutcome& o : preview.outcomes()) {
    if (o.code() == 0) frozen.push_back(o.key());
  }
  if (flags.dry_run) return PrintDryRun(preview, frozen, flags);
  v1::ReplayResponse total;
  size_t canary = std::min<size_t>(flags.canary, frozen.size());
  grpc::Status status = grpc::Status::OK;
  if (canary > 0) {
    status = ReplayKeys(client, frozen.begin(), frozen.begin() + canary,
                        flags.force, &total);
    std::string why;
    if (status.ok() &&
        !WatchCanary(client, Keys(frozen.begin(), frozen.begin() + canary),
                     flags.canary_timeout_s, &why)) {
      WriteAudit(flags.audit_log,
                 {"replay", client.server(), DescribeSelection(flags.selection),
                  frozen.size(), total.replayed(), flags.force, kExitFailed});
      return Complain(kExitFailed,
                      "canary failed, stopped after " + std::to_string(canary) +
                          " key(s): " + why + " — see `outboxctl inspect`");
    }
    if (status.ok()) std::cerr << "canary of " << canary << " delivered\n";
  }
  if (status.ok()) status = ReplayRest(client, frozen, canary, flags, &total);
  WriteAudit(flags.audit_log,
             {"replay", client.server(), DescribeSelection(flags.selection),
              frozen.size(), total.replayed(), flags.force,
              status.ok() ? 0 : kExitFailed});
  if (!status.ok()) return client.Fail("replay", status);
  if (flags.format != Format::kTable) {
    std::cout << ToJson(total) << "\n";
  } else {
    std::cout << "replayed " << total.replayed() << " of " << frozen.size()
              << " frozen at start (" << preview.matched() << " matched)\n";
  }
  size_t refused = PrintRefusals(preview) + PrintRefusals(total);
  return Outcome(total.replayed(), refused, "were not replayed");
}

}  // namespace outbox::ctl
