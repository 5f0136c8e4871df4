#include "grpc_service/outbox_service.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "grpc_service/event_mapping.h"
#include "grpc_service/status_mapping.h"

namespace outbox::grpc_service {
namespace {

constexpr char kUnparseable[] =
    "the request is not a valid outbox.v1.EnqueueRequest: malformed "
    "protobuf, or a string field that is not valid UTF-8 (proto3 strings "
    "must be UTF-8); nothing was stored";

// What a finishing call needs, captured when it starts.
struct PendingCall {
  grpc::ServerUnaryReactor* reactor;
  grpc::ByteBuffer* response;
  ServiceObserver* observer;
  std::chrono::steady_clock::time_point start;
  size_t events;
};

void Complete(const PendingCall& call, grpc::Status status,
              size_t duplicates = 0) {
  if (call.observer) {
    call.observer->OnEnqueue(status.error_code(), call.events, duplicates,
                             std::chrono::steady_clock::now() - call.start);
  }
  call.reactor->Finish(std::move(status));
}

// Returns how many results are duplicates.
size_t FillResponse(const std::vector<EnqueueResult>& results,
                    v1::EnqueueResponse* response) {
  size_t duplicates = 0;
  response->mutable_results()->Reserve(static_cast<int>(results.size()));
  for (const EnqueueResult& r : results) {
    v1::EnqueueResult* out = response->add_results();
    KeyToProto(r.key, out->mutable_key());
    out->set_duplicate(r.duplicate);
    duplicates += r.duplicate ? 1 : 0;
  }
  return duplicates;
}

}  // namespace

grpc::ServerUnaryReactor* OutboxService::Enqueue(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes,
    grpc::ByteBuffer* response) {
  v1::EnqueueRequest parsed;
  grpc::ByteBuffer copy(*bytes);  // Deserialize consumes it; slices are shared.
  const bool ok =
      grpc::SerializationTraits<v1::EnqueueRequest>::Deserialize(&copy, &parsed)
          .ok();
  PendingCall call{context->DefaultReactor(), response, observer_,
                   std::chrono::steady_clock::now(),
                   static_cast<size_t>(parsed.events_size())};
  if (!ok) {
    Complete(call,
             grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, kUnparseable));
    return call.reactor;
  }
  if (!Admit()) {
    Complete(call, grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "shutting down; nothing was stored, retry"));
    return call.reactor;
  }
  if (context->deadline() <= std::chrono::system_clock::now()) {
    // The client has given up already: storing now would only create work
    // the client will redo (and then see as a duplicate).
    Release();
    Complete(call, grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                "deadline passed before enqueue"));
    return call.reactor;
  }
  // The callback runs on the outbox's writer thread (or right here when
  // validation fails): it must stay short, so it only fills the response.
  // (Finishing on another thread made write groups smaller and throughput
  // lower: see bench/FINDINGS.md.)
  // Release comes before Finish: once the last call has finished, the
  // server may complete its shutdown and destroy this service.
  outbox_.EnqueueAsync(
      EventsFromProto(parsed),
      [this, call](Status status, std::vector<EnqueueResult> results) {
        v1::EnqueueResponse response;
        size_t duplicates = FillResponse(results, &response);
        bool own_buffer = false;
        if (status.ok() &&
            !grpc::SerializationTraits<v1::EnqueueResponse>::Serialize(
                 response, call.response, &own_buffer)
                 .ok()) {
          status = Status::Internal("cannot serialize the response");
        }
        Release();
        Complete(call, ToGrpcStatus(status), duplicates);
      });
  return call.reactor;
}

bool OutboxService::Admit() {
  std::lock_guard<std::mutex> lock(mu_);
  if (draining_) {
    last_arrival_ = std::chrono::steady_clock::now();
    idle_.notify_all();  // Restarts Drain's quiet period.
    return false;
  }
  ++in_flight_;
  return true;
}

void OutboxService::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--in_flight_ == 0) idle_.notify_all();
}

bool OutboxService::Drain(std::chrono::system_clock::time_point deadline,
                          std::chrono::milliseconds quiet) {
  using Steady = std::chrono::steady_clock;
  const Steady::time_point end =
      Steady::now() + std::chrono::duration_cast<Steady::duration>(
                          deadline - std::chrono::system_clock::now());
  std::unique_lock<std::mutex> lock(mu_);
  draining_ = true;
  last_arrival_ = Steady::now();
  for (;;) {
    Steady::time_point now = Steady::now();
    Steady::time_point quiet_until = last_arrival_ + quiet;
    if (in_flight_ == 0 && now >= quiet_until) return true;
    if (now >= end) return in_flight_ == 0;
    idle_.wait_until(lock, std::min(end, std::max(quiet_until, now)));
  }
}

}  // namespace outbox::grpc_service
