// ServiceObserver: how metrics (or anything else) watch the gRPC services
// without the services knowing about them.
//
// Thread-safety: implementations are called from many threads at once and
// must be quick (they run on the outbox's writer thread for Enqueue).
#ifndef OUTBOX_GRPC_SERVICE_SERVICE_OBSERVER_H_
#define OUTBOX_GRPC_SERVICE_SERVICE_OBSERVER_H_

#include <grpcpp/support/status.h>

#include <chrono>
#include <cstddef>
#include <string_view>

namespace outbox::grpc_service {

class ServiceObserver {
 public:
  virtual ~ServiceObserver() = default;

  // One Enqueue call finished with `code`: `events` in the request, of which
  // `duplicates` were already stored; `latency` from handler to completion.
  virtual void OnEnqueue(grpc::StatusCode code, size_t events,
                         size_t duplicates,
                         std::chrono::steady_clock::duration latency) = 0;

  // One Admin call finished with `code`; `method` is e.g. "Replay".
  virtual void OnAdminCall(std::string_view method, grpc::StatusCode code) = 0;
};

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_SERVICE_OBSERVER_H_
