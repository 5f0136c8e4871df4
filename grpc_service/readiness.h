// Readiness: whether outboxd should take traffic, for GET /readyz. Ready
// only while the store is open and the gRPC server is serving; the reason
// when not ("starting", "shutting down", ...) goes into the 503 body.
//
// Thread-safety: all methods may be called from any thread.
#ifndef OUTBOX_GRPC_SERVICE_READINESS_H_
#define OUTBOX_GRPC_SERVICE_READINESS_H_

#include <atomic>
#include <string>

namespace outbox::grpc_service {

class Readiness {
 public:
  void SetStoreOpen(bool open) { store_open_.store(open); }
  void SetServing(bool serving) { serving_.store(serving); }
  // Final: nothing makes the daemon ready again.
  void SetShuttingDown() { shutting_down_.store(true); }

  // "" when ready, else why not.
  std::string NotReadyReason() const {
    if (shutting_down_.load()) return "shutting down";
    if (!store_open_.load()) return "the store is not open";
    if (!serving_.load()) return "starting: gRPC is not serving yet";
    return "";
  }

 private:
  std::atomic<bool> store_open_{false};
  std::atomic<bool> serving_{false};
  std::atomic<bool> shutting_down_{false};
};

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_READINESS_H_
