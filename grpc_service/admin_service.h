// AdminService: the outbox.v1.Admin gRPC service — statistics, listing and
// inspection of records, replay, purge, and pausing delivery — on the
// callback API.
//
// Every handler first asks the AdminAuthorizer, then translates the request
// into one or a few core calls. Admin calls are rare and short (one page of
// records, one synced write), so handlers run them inline rather than
// handing them to another thread.
//
// Replay, Purge, PauseDelivery and ResumeDelivery calls that pass the
// authorizer are written to the AuditLog, refused or not.
//
// Ownership: borrows the Outbox, the Drainer (null when the server runs
// without delivery: PauseDelivery/ResumeDelivery then fail with
// FAILED_PRECONDITION), the audit log and the observer (both may be null);
// all must outlive the grpc::Server serving this service.
// Thread-safety: gRPC calls the handlers from many threads at once.
#ifndef OUTBOX_GRPC_SERVICE_ADMIN_SERVICE_H_
#define OUTBOX_GRPC_SERVICE_ADMIN_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "grpc_service/admin_auth.h"
#include "grpc_service/audit_log.h"
#include "grpc_service/service_observer.h"
#include "outbox/drainer.h"
#include "outbox/outbox.h"
#include "outbox/v1/outbox.grpc.pb.h"

namespace outbox::grpc_service {

class AdminService final : public v1::Admin::CallbackService {
 public:
  AdminService(outbox::Outbox& outbox, Drainer* drainer,
               AdminAuthorizer authorizer, ServiceObserver* observer,
               AuditLog* audit_log = nullptr);

  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* context,
                                     const v1::GetStatsRequest* request,
                                     v1::GetStatsResponse* response) override;
  // INVALID_ARGUMENT for a limit over 1000, a bad page token, or a filter
  // together with state or pixel_id.
  grpc::ServerUnaryReactor* ListEvents(
      grpc::CallbackServerContext* context,
      const v1::ListEventsRequest* request,
      v1::ListEventsResponse* response) override;
  // INVALID_ARGUMENT unless exactly one of key / key_text is given and
  // valid; NOT_FOUND when no record has the key.
  grpc::ServerUnaryReactor* GetEvent(grpc::CallbackServerContext* context,
                                     const v1::GetEventRequest* request,
                                     v1::GetEventResponse* response) override;
  // INVALID_ARGUMENT unless exactly one of keys / filter is given; per-key
  // refusals (NOT_FOUND, FAILED_PRECONDITION) are outcomes, not errors.
  grpc::ServerUnaryReactor* Replay(grpc::CallbackServerContext* context,
                                   const v1::ReplayRequest* request,
                                   v1::ReplayResponse* response) override;
  // As Replay. IN_FLIGHT records are not purged (FAILED_PRECONDITION).
  grpc::ServerUnaryReactor* Purge(grpc::CallbackServerContext* context,
                                  const v1::PurgeRequest* request,
                                  v1::PurgeResponse* response) override;
  grpc::ServerUnaryReactor* PauseDelivery(
      grpc::CallbackServerContext* context,
      const v1::PauseDeliveryRequest* request,
      v1::PauseDeliveryResponse* response) override;
  grpc::ServerUnaryReactor* ResumeDelivery(
      grpc::CallbackServerContext* context,
      const v1::ResumeDeliveryRequest* request,
      v1::ResumeDeliveryResponse* response) override;

 private:
  // Finishes the call with `status` and tells the observer.
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                   const char* method,
                                   const grpc::Status& status);

  // Writes `entry` to the audit log (if any) with the call's status.
  void Audit(const grpc::CallbackServerContext& context, AuditEntry entry,
             const grpc::Status& status);

  grpc::Status DoGetStats(const v1::GetStatsRequest& request,
                          v1::GetStatsResponse* response);
  grpc::Status DoListEvents(const v1::ListEventsRequest& request,
                            v1::ListEventsResponse* response);
  grpc::Status DoReplay(const v1::ReplayRequest& request,
                        v1::ReplayResponse* response);
  grpc::Status DoPurge(const v1::PurgeRequest& request,
                       v1::PurgeResponse* response);

  outbox::Outbox& outbox_;
  Drainer* const drainer_;
  const AdminAuthorizer authorizer_;
  ServiceObserver* const observer_;
  AuditLog* const audit_log_;
};

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_ADMIN_SERVICE_H_
