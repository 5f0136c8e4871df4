// Daemon: outboxd's life — open the outbox, start delivery and the gRPC
// server, serve until SIGTERM/SIGINT, reload on SIGHUP, shut down in order.
//
// With metrics_listen set, the metrics side door (metrics_http_server.h)
// starts before gRPC and stops last, so scrapes see the whole shutdown.
//
// Shutdown order, each step bounded: /readyz 503, health NOT_SERVING and no
// new calls; calls in flight finish (until shutdown_timeout_ms, then
// cancelled); delivery stops after recording the outcome of requests in
// flight (bounded by request_timeout_ms); metrics stop; the outbox closes.
// Exit code 0.
//
// Thread-safety: Run is called once, from the main thread.
#ifndef OUTBOX_GRPC_SERVICE_DAEMON_H_
#define OUTBOX_GRPC_SERVICE_DAEMON_H_

#include <string>
#include <vector>

#include "grpc_service/config.h"
#include "grpc_service/logger.h"
#include "outbox/drainer.h"
#include "outbox/outbox.h"
#include "outbox/status.h"
#include "outbox/transport.h"

namespace outbox::grpc_service {

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and in every
// thread it starts later, so that Run can take them with sigwait. Call at
// the top of main, before any thread exists.
void BlockShutdownSignals();

// Checks what LoadConfig cannot: that the transport accepts capi_url.
// INVALID_ARGUMENT saying what is wrong.
Status CheckRuntimeConfig(const Config& config);

class Daemon {
 public:
  // `args` and `env` are kept to reload the configuration on SIGHUP.
  Daemon(std::vector<std::string> args, Environment env, Config config,
         Logger& logger)
      : args_(std::move(args)),
        env_(std::move(env)),
        config_(std::move(config)),
        logger_(logger) {}

  // Serves until SIGTERM or SIGINT; returns the process exit code: 0 after
  // a clean shutdown, kExitConfig for a configuration the transport
  // refuses, 1 when the outbox cannot be opened or the address bound.
  int Run();

 private:
  void Reload(Drainer& drainer);
  int Serve(Outbox& outbox, Transport& transport);

  const std::vector<std::string> args_;
  const Environment env_;
  const Config config_;
  Logger& logger_;
};

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_DAEMON_H_
