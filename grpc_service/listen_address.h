// Listen addresses ("HOST:PORT" or "unix:PATH"), checked without gRPC, so
// that the config parser (and its fuzz target) need not link it.
#ifndef OUTBOX_GRPC_SERVICE_LISTEN_ADDRESS_H_
#define OUTBOX_GRPC_SERVICE_LISTEN_ADDRESS_H_

#include <string>

#include "outbox/status.h"

namespace outbox::grpc_service {

// True for "unix:PATH".
bool IsUnixListenAddress(const std::string& listen);

// Checks the shape of a listen address ("HOST:PORT" or "unix:PATH");
// INVALID_ARGUMENT saying what is wrong.
Status ValidateListenAddress(const std::string& listen);

// Checks the shape of a metrics address: "HOST:PORT" as for --listen, but
// no unix: socket (Prometheus scrapes TCP). INVALID_ARGUMENT, naming
// metrics_listen, saying what is wrong.
Status ValidateMetricsListenAddress(const std::string& listen);

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_LISTEN_ADDRESS_H_
