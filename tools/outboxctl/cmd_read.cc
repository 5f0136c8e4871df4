// The read-only commands: stats, list (and export), inspect, health.
#include <algorithm>
#include <iostream>

#include "tools/outboxctl/commands.h"

namespace outbox::ctl {
namespace {

void PrintPixels(const v1::GetStatsResponse& stats) {
  std::vector<std::vector<std::string>> rows = {
      {"PIXEL", "PENDING", "IN_FLIGHT", "DELIVERED", "DEAD", "EXPIRED",
       "EXPIRING", "DELIVERY"}};
  for (const v1::PixelStats& p : stats.pixels()) {
    std::string delivery = p.paused() ? "paused by operator" : "running";
    if (p.key_rejected()) delivery = "key rejected: " + p.key_rejected_reason();
    if (p.deferred_until_ms() > NowMs()) {
      delivery = "throttled until " + FormatTime(p.deferred_until_ms());
    }
    rows.push_back({p.pixel_id(), std::to_string(p.pending()),
                    std::to_string(p.in_flight()),
                    std::to_string(p.delivered()), std::to_string(p.dead()),
                    std::to_string(p.expired()), std::to_string(p.expiring()),
                    delivery});
  }
  PrintTable(rows);
}

void PrintStats(const v1::GetStatsResponse& s,
                const std::string& expiring_within) {
  std::cout << "pending " << s.pending() << "  in_flight " << s.in_flight()
            << "  delivered " << s.delivered() << "  dead " << s.dead()
            << "  expired " << s.expired() << "\n";
  std::cout << "oldest pending: "
            << (s.pending() ? FormatDuration(s.oldest_pending_age_ms()) : "-")
            << "\n";
  std::cout << "expiring within " << expiring_within << ": "
            << s.expiring() << (s.expiring_approximate() ? " or more" : "")
            << (s.expiring() ? " (pending or in flight; they will be marked "
                               "EXPIRED unless delivered first)"
                             : "")
            << "\n";
  if (s.all_paused()) std::cout << "delivery: PAUSED for every pixel\n";
  for (const std::string& p : s.paused_pixel_ids()) {
    std::cout << "paused pixel: " << p << " (by an operator)\n";
  }
  if (s.has_delivery()) {
    std::cout << "since start: " << s.delivery().requests() << " requests, "
              << s.delivery().events_delivered() << " delivered, "
              << s.delivery().events_dead() << " dead, "
              << s.delivery().events_retried() << " retried\n";
  }
  std::cout << "\n";
  PrintPixels(s);
}

std::vector<std::string> RecordRow(const v1::EventRecord& r) {
  const v1::Attempt* last =
      r.attempts().empty() ? nullptr : &*r.attempts().rbegin();
  return {
      r.key_text(),
      StateText(r.state()),
      std::to_string(r.attempt_count()),
      last && last->http_status() ? std::to_string(last->http_status()) : "-",
      FormatDuration(NowMs() - r.enqueued_ms()),
      r.state() == v1::PENDING ? FormatTime(r.next_attempt_ms()) : "-",
      Excerpt(r.last_error(), 50)};
}

}  // namespace

int RunStats(AdminClient& client, Format format,
             const std::string& expiring_within) {
  int64_t within_ms = 0;
  if (!ParseDuration(expiring_within, &within_ms)) {
    return Complain(kExitUsage, "--expiring-within: write it like 24h or 90m");
  }
  v1::GetStatsRequest request;
  request.set_expiring_within_ms(within_ms);
  v1::GetStatsResponse stats;
  grpc::Status status =
      client.stub().GetStats(client.NewContext().get(), request, &stats);
  if (!status.ok()) return client.Fail("stats", status);
  if (format != Format::kTable) {
    std::cout << ToJson(stats) << "\n";
    return kExitOk;
  }
  PrintStats(stats, expiring_within);
  return kExitOk;
}

int RunList(AdminClient& client, const ListOptions& o) {
  v1::ListEventsRequest request;
  int code = BuildFilter(o.filter, NowMs(), request.mutable_filter());
  if (code != kExitOk) return code;
  request.set_limit(o.page_size);
  request.set_page_token(o.page_token);
  std::vector<std::vector<std::string>> rows = {{"KEY", "STATE", "ATTEMPTS",
                                                 "HTTP", "AGE", "NEXT_ATTEMPT",
                                                 "LAST_ERROR"}};
  size_t printed = 0;
  if (o.format == Format::kJson) std::cout << "[";
  do {
    // Never ask for more than is left to print: the page token then always
    // continues right after the last record printed.
    if (o.limit != 0) {
      request.set_limit(std::min<uint32_t>(o.page_size, o.limit - printed));
    }
    v1::ListEventsResponse page;
    grpc::Status status =
        client.stub().ListEvents(client.NewContext().get(), request, &page);
    if (!status.ok()) return client.Fail("list", status);
    request.set_page_token(page.next_page_token());
    for (const v1::EventRecord& r : page.records()) {
      if (o.format == Format::kTable) rows.push_back(RecordRow(r));
      if (o.format == Format::kJson) std::cout << (printed ? ",\n" : "\n");
      if (o.format != Format::kTable) std::cout << ToJson(r);
      if (o.format == Format::kJsonl) std::cout << "\n";
      ++printed;
    }
  } while (!request.page_token().empty() && printed != o.limit);
  if (o.format == Format::kJson) std::cout << (printed ? "\n]\n" : "]\n");
  if (o.format == Format::kTable) PrintTable(rows);
  // On stderr, so stdout stays pure data; scripts continue from it too.
  if (!request.page_token().empty()) {
    std::cerr << "(more: --page-token " << request.page_token() << ")\n";
  }
  return kExitOk;
}

int RunInspect(AdminClient& client, const std::string& key, Format format) {
  v1::GetEventRequest request;
  request.set_key_text(key);
  v1::GetEventResponse response;
  grpc::Status status =
      client.stub().GetEvent(client.NewContext().get(), request, &response);
  if (!status.ok()) return client.Fail("inspect " + key, status);
  const v1::EventRecord& r = response.record();
  if (format != Format::kTable) {
    std::cout << ToJson(r) << "\n";
    return kExitOk;
  }
  std::cout << "key:          " << r.key_text() << "\n"
            << "state:        " << StateText(r.state()) << " since "
            << FormatTime(r.state_changed_ms()) << "\n"
            << "enqueued:     " << FormatTime(r.enqueued_ms()) << "\n"
            << "attempts:     " << r.attempt_count() << " (replays "
            << r.replay_count() << ")\n"
            << "next attempt: "
            << (r.state() == v1::PENDING
                    ? (r.next_attempt_ms() ? FormatTime(r.next_attempt_ms())
                                           : "due now")
                    : "-")
            << "\n"
            << "delivered:    " << FormatTime(r.delivered_ms()) << "\n"
            << "last error:   "
            << (r.last_error().empty() ? "-" : r.last_error()) << "\n\n";
  std::vector<std::vector<std::string>> rows = {
      {"STARTED", "DURATION", "HTTP", "BATCH", "REQUEST_ID", "ERROR"}};
  for (const v1::Attempt& a : r.attempts()) {
    std::string error =
        a.transport_error().empty() ? a.body_excerpt() : a.transport_error();
    rows.push_back({FormatTime(a.started_ms()), FormatDuration(a.duration_ms()),
                    a.http_status() ? std::to_string(a.http_status()) : "-",
                    std::to_string(a.batch_size()),
                    a.request_id().empty() ? "-" : a.request_id(),
                    Excerpt(error, 60)});
  }
  PrintTable(rows);
  std::cout << "\nevent (personal data hashed):\n" << r.event_json() << "\n";
  return kExitOk;
}

int RunHealth(AdminClient& client) {
  v1::GetStatsResponse stats;
  grpc::Status status =
      client.stub().GetStats(client.NewContext().get(), {}, &stats);
  if (!status.ok()) return client.Fail("health", status);
  std::cout << "ok: outboxd at " << client.server() << " answers; "
            << stats.pending() << " pending, " << stats.dead() << " dead";
  if (!stats.has_delivery()) std::cout << "; delivery NOT running";
  if (stats.all_paused()) std::cout << "; delivery paused for every pixel";
  int rejected = 0;
  for (const auto& p : stats.pixels()) rejected += p.key_rejected() ? 1 : 0;
  if (rejected) std::cout << "; " << rejected << " pixel(s) with a refused key";
  std::cout << "\n";
  return kExitOk;
}

}  // namespace outbox::ctl
