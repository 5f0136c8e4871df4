// OutboxService: the outbox.v1.Outbox gRPC service (Enqueue), on the
// callback API.
//
// It only translates: request -> core events, Outbox::EnqueueAsync, core
// results -> response. The handler never blocks a gRPC thread on a disk
// sync: the outbox's writer thread merges everything queued into one synced
// write and then finishes all those calls, so concurrent single-event
// calls share fsyncs.
//
// Ownership: borrows the Outbox and the observer, which must outlive the
// grpc::Server that serves this service (the server's Shutdown waits for
// every call's completion, which the outbox delivers).
// Thread-safety: gRPC calls the handler from many threads at once; Drain
// may be called from any thread.
#ifndef OUTBOX_GRPC_SERVICE_OUTBOX_SERVICE_H_
#define OUTBOX_GRPC_SERVICE_OUTBOX_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "grpc_service/service_observer.h"
#include "outbox/outbox.h"
#include "outbox/v1/outbox.grpc.pb.h"

namespace outbox::grpc_service {

class OutboxService final : public v1::Outbox::CallbackService {
 public:
  // `observer` may be null.
  OutboxService(outbox::Outbox& outbox, ServiceObserver* observer)
      : outbox_(outbox), observer_(observer) {}

  // Answers OK once every event is durable; see outbox.proto for the
  // error codes. A call whose deadline has already passed stores nothing
  // and gets DEADLINE_EXCEEDED.
  grpc::ServerUnaryReactor* Enqueue(grpc::CallbackServerContext* context,
                                    const v1::EnqueueRequest* request,
                                    v1::EnqueueResponse* response) override;

  // Answers every later call UNAVAILABLE ("shutting down") without storing
  // anything, then waits until the calls already handed to the outbox have
  // completed and no call has arrived for `quiet`, or until `deadline`.
  // Returns true if no call is left in flight.
  //
  // Why: grpc::Server::Shutdown cancels (CANCELLED) the calls that arrive
  // while clients have not yet seen its GOAWAY, and a client cannot tell
  // that from a lost answer. Draining until clients go quiet turns those
  // into a clear "nothing stored, retry".
  bool Drain(std::chrono::system_clock::time_point deadline,
             std::chrono::milliseconds quiet);

 private:
  // Counts a call in; false when draining.
  bool Admit();
  void Release();

  outbox::Outbox& outbox_;
  ServiceObserver* const observer_;
  std::mutex mu_;
  std::condition_variable idle_;
  bool draining_ = false;                               // Guarded by mu_.
  size_t in_flight_ = 0;                                // Guarded by mu_.
  std::chrono::steady_clock::time_point last_arrival_;  // Guarded by mu_.
};

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_OUTBOX_SERVICE_H_
