#include "grpc_service/admin_service.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "grpc_service/event_mapping.h"
#include "grpc_service/key_selection.h"
#include "grpc_service/status_mapping.h"

namespace outbox::grpc_service {
namespace {

void PixelToProto(const PixelStats& p, v1::PixelStats* out) {
  out->set_pixel_id(p.pixel_id);
  out->set_pending(p.pending);
  out->set_in_flight(p.in_flight);
  out->set_delivered(p.delivered);
  out->set_dead(p.dead);
  out->set_expired(p.expired);
}

void DeliveryToProto(const PixelDeliveryStatus& d, v1::PixelStats* out) {
  out->set_paused(d.paused);
  out->set_key_rejected(d.key_rejected);
  out->set_key_rejected_reason(d.key_rejected_reason);
  out->set_deferred_until_ms(d.deferred_until_ms);
  out->set_consecutive_failures(d.consecutive_failures);
  out->set_requests_in_flight(static_cast<uint32_t>(d.requests_in_flight));
}

void DrainerStatsToProto(const DrainerStats& s, v1::DeliveryStats* out) {
  out->set_requests(s.requests);
  out->mutable_requests_by_verdict()->insert(s.requests_by_verdict.begin(),
                                             s.requests_by_verdict.end());
  out->set_events_delivered(s.events_delivered);
  out->set_events_dead(s.events_dead);
  out->set_events_expired(s.events_expired);
  out->set_events_retried(s.events_retried);
  out->set_accepted_mismatches(s.accepted_mismatches);
  out->set_outcome_write_failures(s.outcome_write_failures);
}

// Adds the drainer's view of each pixel, including pixels that have no
// records (paused before any event arrived).
void MergePixelDelivery(const DrainerStats& drainer,
                        v1::GetStatsResponse* response) {
  // RepeatedPtrField elements stay put while others are added.
  std::map<std::string, v1::PixelStats*> by_id;
  for (v1::PixelStats& p : *response->mutable_pixels()) {
    by_id[p.pixel_id()] = &p;
  }
  for (const PixelDeliveryStatus& d : drainer.pixels) {
    v1::PixelStats*& out = by_id[d.pixel_id];
    if (out == nullptr) {
      out = response->add_pixels();
      out->set_pixel_id(d.pixel_id);
    }
    DeliveryToProto(d, out);
  }
  std::sort(response->mutable_pixels()->pointer_begin(),
            response->mutable_pixels()->pointer_end(),
            [](const v1::PixelStats* a, const v1::PixelStats* b) {
              return a->pixel_id() < b->pixel_id();
            });
}

void OutcomeToProto(const KeyOutcome& outcome, v1::KeyOutcome* out) {
  KeyToProto(outcome.key, out->mutable_key());
  out->set_code(static_cast<int32_t>(ToGrpcCode(outcome.status.code())));
  out->set_message(outcome.status.message());
}

// What Outbox::Purge would do to `keys`, without doing it: the one rule it
// applies is that IN_FLIGHT records are left alone.
PurgeResult PreviewPurge(const Outbox& outbox,
                         const std::vector<DedupKey>& keys) {
  PurgeResult result;
  for (const DedupKey& key : keys) {
    StatusOr<Record> record = outbox.Get(key);
    Status status = record.status();
    if (record.ok()) {
      ++result.matched;
      if (record->state == State::kInFlight) {
        status = Status::FailedPrecondition("IN_FLIGHT: being delivered");
      } else {
        ++result.purged;
      }
    }
    result.outcomes.push_back({key, std::move(status)});
  }
  return result;
}

// The audit entry of a Replay or Purge request, before its outcome.
template <typename Request>
AuditEntry SelectionEntry(const char* method, const Request& request) {
  AuditEntry entry;
  entry.method = method;
  entry.keys = request.keys_size();
  if (request.has_filter()) entry.filter_json = FilterJson(request.filter());
  entry.dry_run = request.dry_run();
  return entry;
}

}  // namespace

AdminService::AdminService(outbox::Outbox& outbox, Drainer* drainer,
                           AdminAuthorizer authorizer,
                           ServiceObserver* observer, AuditLog* audit_log)
    : outbox_(outbox),
      drainer_(drainer),
      authorizer_(std::move(authorizer)),
      observer_(observer),
      audit_log_(audit_log) {}

void AdminService::Audit(const grpc::CallbackServerContext& context,
                         AuditEntry entry, const grpc::Status& status) {
  if (audit_log_ == nullptr) return;
  entry.code = static_cast<int>(status.error_code());
  audit_log_->Write(context, entry);
}

grpc::ServerUnaryReactor* AdminService::Finish(
    grpc::CallbackServerContext* context, const char* method,
    const grpc::Status& status) {
  if (observer_) observer_->OnAdminCall(method, status.error_code());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::GetStats(
    grpc::CallbackServerContext* context, const v1::GetStatsRequest* request,
    v1::GetStatsResponse* response) {
  grpc::Status status = authorizer_.Check(*context);
  if (status.ok()) status = DoGetStats(*request, response);
  return Finish(context, "GetStats", status);
}

namespace {

// Adds the forecast of expiring events to the totals and to each pixel.
void ForecastToProto(const ExpiryForecast& f, v1::GetStatsResponse* out) {
  out->set_expiring(f.expiring);
  out->set_expiring_within_ms(f.within_ms);
  out->set_expiring_approximate(f.approximate);
  std::map<std::string, uint64_t> by_pixel(f.pixels.begin(), f.pixels.end());
  for (v1::PixelStats& p : *out->mutable_pixels()) {
    auto it = by_pixel.find(p.pixel_id());
    if (it != by_pixel.end()) p.set_expiring(it->second);
  }
}

}  // namespace

grpc::Status AdminService::DoGetStats(const v1::GetStatsRequest& request,
                                      v1::GetStatsResponse* response) {
  StatusOr<Stats> stats = outbox_.GetStats();
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  response->set_pending(stats->pending);
  response->set_in_flight(stats->in_flight);
  response->set_delivered(stats->delivered);
  response->set_dead(stats->dead);
  response->set_expired(stats->expired);
  response->set_disk_bytes(stats->disk_bytes);
  if (stats->oldest_pending_timestamp_ms != 0) {
    const Clock* clock = outbox_.options().clock;
    int64_t now = (clock ? clock : SystemClock())->NowMs();
    response->set_oldest_pending_age_ms(
        std::max<int64_t>(0, now - stats->oldest_pending_timestamp_ms));
  }
  for (const PixelStats& p : stats->pixels) {
    PixelToProto(p, response->add_pixels());
  }
  StatusOr<std::vector<std::string>> paused = outbox_.PausedPixels();
  if (!paused.ok()) return ToGrpcStatus(paused.status());
  for (const std::string& pixel_id : *paused) {
    // The core records a pause of every pixel as "".
    if (pixel_id.empty()) {
      response->set_all_paused(true);
    } else {
      response->add_paused_pixel_ids(pixel_id);
    }
  }
  if (drainer_ != nullptr) {
    DrainerStats delivery = drainer_->GetStats();
    MergePixelDelivery(delivery, response);
    DrainerStatsToProto(delivery, response->mutable_delivery());
  }
  if (request.has_expiring_within_ms()) {
    StatusOr<ExpiryForecast> forecast =
        outbox_.ForecastExpiry(request.expiring_within_ms());
    if (!forecast.ok()) return ToGrpcStatus(forecast.status());
    ForecastToProto(*forecast, response);
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* AdminService::ListEvents(
    grpc::CallbackServerContext* context, const v1::ListEventsRequest* request,
    v1::ListEventsResponse* response) {
  grpc::Status status = authorizer_.Check(*context);
  if (status.ok()) status = DoListEvents(*request, response);
  return Finish(context, "ListEvents", status);
}

grpc::Status AdminService::DoListEvents(const v1::ListEventsRequest& request,
                                        v1::ListEventsResponse* response) {
  if (request.has_filter() && (request.state() != v1::STATE_UNSPECIFIED ||
                               !request.pixel_id().empty())) {
    return ToGrpcStatus(Status::InvalidArgument(
        "give state and pixel_id inside filter, or outside it, not both"));
  }
  v1::EventFilter legacy;
  legacy.set_state(request.state());
  legacy.set_pixel_id(request.pixel_id());
  StatusOr<ListQuery> query =
      QueryFromFilter(request.has_filter() ? request.filter() : legacy);
  if (!query.ok()) return ToGrpcStatus(query.status());
  if (request.limit() != 0) query->limit = request.limit();
  query->page_token = request.page_token();
  StatusOr<RecordPage> page = outbox_.List(*query);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const Record& r : page->records) {
    RecordToProto(r, response->add_records());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* AdminService::GetEvent(
    grpc::CallbackServerContext* context, const v1::GetEventRequest* request,
    v1::GetEventResponse* response) {
  grpc::Status status = authorizer_.Check(*context);
  if (status.ok()) {
    StatusOr<DedupKey> key =
        request->has_key() == !request->key_text().empty()
            ? Status::InvalidArgument("give either key or key_text")
        : request->has_key() ? KeyFromProto(request->key(), "key")
                             : DedupKey::Parse(request->key_text());
    StatusOr<Record> record = key.ok() ? outbox_.Get(*key) : key.status();
    status = ToGrpcStatus(record.status());
    if (record.ok()) RecordToProto(*record, response->mutable_record());
  }
  return Finish(context, "GetEvent", status);
}

grpc::ServerUnaryReactor* AdminService::Replay(
    grpc::CallbackServerContext* context, const v1::ReplayRequest* request,
    v1::ReplayResponse* response) {
  grpc::Status status = authorizer_.Check(*context);
  if (!status.ok()) return Finish(context, "Replay", status);
  status = DoReplay(*request, response);
  AuditEntry entry = SelectionEntry("Replay", *request);
  entry.force = request->force();
  entry.matched = response->matched();
  entry.changed = response->replayed();
  Audit(*context, std::move(entry), status);
  return Finish(context, "Replay", status);
}

grpc::Status AdminService::DoReplay(const v1::ReplayRequest& request,
                                    v1::ReplayResponse* response) {
  StatusOr<KeySelection> selection = SelectKeys(
      outbox_, request.keys(),
      request.has_filter() ? &request.filter() : nullptr, request.limit(),
      request.page_token());
  if (!selection.ok()) return ToGrpcStatus(selection.status());
  ReplayOptions options;
  options.dry_run = request.dry_run();
  options.force = request.force();
  StatusOr<ReplayResult> result = outbox_.Replay(selection->keys, options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_matched(result->matched);
  response->set_replayed(result->replayed);
  response->set_truncated(selection->truncated);
  response->set_next_page_token(selection->next_page_token);
  for (const KeyOutcome& o : result->outcomes) {
    OutcomeToProto(o, response->add_outcomes());
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* AdminService::Purge(
    grpc::CallbackServerContext* context, const v1::PurgeRequest* request,
    v1::PurgeResponse* response) {
  grpc::Status status = authorizer_.Check(*context);
  if (!status.ok()) return Finish(context, "Purge", status);
  status = DoPurge(*request, response);
  AuditEntry entry = SelectionEntry("Purge", *request);
  entry.matched = response->matched();
  entry.changed = response->purged();
  Audit(*context, std::move(entry), status);
  return Finish(context, "Purge", status);
}

grpc::Status AdminService::DoPurge(const v1::PurgeRequest& request,
                                   v1::PurgeResponse* response) {
  StatusOr<KeySelection> selection = SelectKeys(
      outbox_, request.keys(),
      request.has_filter() ? &request.filter() : nullptr, request.limit(),
      request.page_token());
  if (!selection.ok()) return ToGrpcStatus(selection.status());
  StatusOr<PurgeResult> result = request.dry_run()
                                     ? PreviewPurge(outbox_, selection->keys)
                                     : outbox_.Purge(selection->keys);
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_matched(result->matched);
  response->set_purged(result->purged);
  response->set_truncated(selection->truncated);
  response->set_next_page_token(selection->next_page_token);
  for (const KeyOutcome& o : result->outcomes) {
    OutcomeToProto(o, response->add_outcomes());
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* AdminService::PauseDelivery(
    grpc::CallbackServerContext* context,
    const v1::PauseDeliveryRequest* request, v1::PauseDeliveryResponse*) {
  grpc::Status status = authorizer_.Check(*context);
  if (status.ok() && drainer_ == nullptr) {
    status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "this server runs without delivery");
  }
  if (status.ok()) status = ToGrpcStatus(drainer_->Pause(request->pixel_id()));
  if (status.error_code() != grpc::StatusCode::PERMISSION_DENIED &&
      status.error_code() != grpc::StatusCode::UNAUTHENTICATED) {
    AuditEntry entry;
    entry.method = "PauseDelivery";
    entry.pixel_id = request->pixel_id();
    entry.changed = status.ok() ? 1 : 0;
    Audit(*context, std::move(entry), status);
  }
  return Finish(context, "PauseDelivery", status);
}

grpc::ServerUnaryReactor* AdminService::ResumeDelivery(
    grpc::CallbackServerContext* context,
    const v1::ResumeDeliveryRequest* request, v1::ResumeDeliveryResponse*) {
  grpc::Status status = authorizer_.Check(*context);
  if (status.ok() && drainer_ == nullptr) {
    status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "this server runs without delivery");
  }
  if (status.ok()) {
    status = ToGrpcStatus(drainer_->Resume(request->pixel_id()));
  }
  if (status.error_code() != grpc::StatusCode::PERMISSION_DENIED &&
      status.error_code() != grpc::StatusCode::UNAUTHENTICATED) {
    AuditEntry entry;
    entry.method = "ResumeDelivery";
    entry.pixel_id = request->pixel_id();
    entry.changed = status.ok() ? 1 : 0;
    Audit(*context, std::move(entry), status);
  }
  return Finish(context, "ResumeDelivery", status);
}

}  // namespace outbox::grpc_service
