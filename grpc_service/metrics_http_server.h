// MetricsHttpServer: outboxd's small HTTP/1.1 side door for Prometheus and
// probes, on its own listener (--metrics-listen):
//
//   GET /metrics  200, text format 0.0.4 (options.render_metrics)
//   GET /healthz  200 "ok" while the process serves HTTP at all (liveness)
//   GET /readyz   200 "ready", or 503 with the reason options.not_ready
//                 gives (starting, shutting down, ...): take traffic or not
//   other paths 404; other methods 405.
//
// Plain HTTP, no authentication: bind it to loopback or a private network.
//
//   MetricsHttpServerOptions options;
//   options.listen = "127.0.0.1:0";  // port 0: pick a free port
//   options.render_metrics = [&] { return registry.Render(); };
//   options.not_ready = [&] { return readiness.NotReadyReason(); };
//   auto server = MetricsHttpServer::Start(std::move(options));
//   int port = (*server)->port();
//
// Ownership: the callbacks are called until Stop returns; what they use
// must live that long. Thread-safety: the callbacks run on the server's one
// io thread, one request at a time; all methods may be called from any
// thread.
#ifndef OUTBOX_GRPC_SERVICE_METRICS_HTTP_SERVER_H_
#define OUTBOX_GRPC_SERVICE_METRICS_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "grpc_service/listen_address.h"
#include "outbox/status.h"

namespace outbox::grpc_service {

struct MetricsHttpServerOptions {
  // "HOST:PORT": an IP address ("127.0.0.1", "[::1]", "0.0.0.0") or a name
  // that resolves to one ("localhost"). Port 0 picks a free one.
  // Default: "127.0.0.1:9464" (this host only).
  std::string listen = "127.0.0.1:9464";
  // The body of GET /metrics. Required.
  std::function<std::string()> render_metrics;
  // Why the daemon is not ready, or "" when it is. Default: always ready.
  std::function<std::string()> not_ready;
  // A connection idle this long (between or inside requests) is closed.
  // Default: 60000 (Prometheus keeps connections across scrapes).
  int idle_timeout_ms = 60 * 1000;
};

class MetricsHttpServer {
 public:
  // Binds options.listen and starts serving on a thread of its own.
  // INVALID_ARGUMENT for an address not of the form HOST:PORT or a missing
  // render_metrics; UNAVAILABLE when the address cannot be resolved or
  // bound (in use, no permission).
  static StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      MetricsHttpServerOptions options);

  // Stops, as Stop() does.
  ~MetricsHttpServer();

  // Closes the listener and every connection and joins the io thread: no
  // callback runs after it returns. Idempotent.
  void Stop();

  // The port bound (the chosen one for port 0).
  int port() const;
  // What a scraper dials: "HOST:PORT" with the real port.
  const std::string& address() const;

 private:
  struct Impl;
  explicit MetricsHttpServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};


}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_METRICS_HTTP_SERVER_H_
