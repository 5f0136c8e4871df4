// The one translation from the core's Status to a gRPC status.
#ifndef OUTBOX_GRPC_SERVICE_STATUS_MAPPING_H_
#define OUTBOX_GRPC_SERVICE_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include "outbox/status.h"

namespace outbox::grpc_service {

// Returns the gRPC status with the same canonical code and message. The
// codes keep their meaning for clients: INVALID_ARGUMENT (do not retry),
// RESOURCE_EXHAUSTED and UNAVAILABLE (retry later), NOT_FOUND,
// FAILED_PRECONDITION (fix state first), INTERNAL and DATA_LOSS (alert).
grpc::Status ToGrpcStatus(const Status& status);

// The numeric gRPC code of `code`, for per-key outcomes in responses.
grpc::StatusCode ToGrpcCode(StatusCode code);

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_STATUS_MAPPING_H_
