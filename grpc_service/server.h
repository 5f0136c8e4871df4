// OutboxServer: a running gRPC server with the Outbox and Admin services,
// the standard health service (grpc.health.v1) and server reflection.
//
//   ServerOptions options;
//   options.listen = "127.0.0.1:0";           // port 0: pick a free port
//   auto server = OutboxServer::Start(options, *outbox, drainer.get());
//   int port = (*server)->port();
//   ...
//   (*server)->Shutdown(std::chrono::system_clock::now() + 10s);
//
// Ownership: borrows the Outbox, the Drainer (may be null: no delivery) and
// the observer; they must outlive the OutboxServer.
// Thread-safety: port() and address() are safe from any thread; Shutdown
// may be called once, from any thread.
#ifndef OUTBOX_GRPC_SERVICE_SERVER_H_
#define OUTBOX_GRPC_SERVICE_SERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include "grpc_service/listen_address.h"
#include "grpc_service/service_observer.h"
#include "outbox/drainer.h"
#include "outbox/outbox.h"
#include "outbox/status.h"

namespace grpc {
class Server;
}

namespace outbox::grpc_service {

class AdminService;
class AuditLog;
class OutboxService;

struct ServerOptions {
  // "HOST:PORT" (e.g. "127.0.0.1:50051", "[::1]:0", "0.0.0.0:50051") or
  // "unix:PATH". Port 0 picks a free port (see port()).
  // Default: "127.0.0.1:50051" (this host only).
  std::string listen = "127.0.0.1:50051";

  // Bearer token for Admin RPCs; empty: Admin serves loopback peers only
  // (see admin_auth.h). Default: "".
  std::string admin_token;

  // PEM certificate chain and private key; both set: the listener uses TLS.
  // Default: "" (plaintext, fine for loopback and unix sockets).
  std::string tls_cert_chain_pem;
  std::string tls_private_key_pem;

  // Largest request accepted: 1000 typical events take well under 1 MiB.
  // Default: 16 MiB.
  int max_receive_message_bytes = 16 << 20;
  // Largest response (a page of 1000 records with attempt histories).
  // Default: 64 MiB.
  int max_send_message_bytes = 64 << 20;

  // Keepalive: the server pings a connection idle this long, and drops it
  // when the ping is not answered within the timeout.
  // Defaults: 60000 and 20000.
  int keepalive_time_ms = 60 * 1000;
  int keepalive_timeout_ms = 20 * 1000;
  // Enforcement: clients pinging more often than this without data are
  // sent GOAWAY ("too_many_pings") after a few strikes. Default: 10000.
  int keepalive_min_client_ping_interval_ms = 10 * 1000;

  // On Shutdown, new Enqueue calls are answered UNAVAILABLE until none has
  // arrived for this long (clients have noticed), before the listener
  // closes; bounded by the shutdown deadline. Default: 200.
  int drain_quiet_ms = 200;

  // Where Replay, Purge, PauseDelivery and ResumeDelivery calls are
  // recorded (see audit_log.h); created 0600 if absent. Start fails when it
  // cannot be opened. Default: "" (no audit log; outboxd passes
  // DATA_DIR/audit.log unless configured otherwise).
  std::string audit_log_path;

  // Told about every call; not owned. Default: none.
  ServiceObserver* observer = nullptr;
};

class OutboxServer {
 public:
  // Binds options.listen and starts serving. INVALID_ARGUMENT for a listen
  // address of the wrong shape or half a TLS configuration; UNAVAILABLE
  // when the address cannot be bound (in use, no permission).
  static StatusOr<std::unique_ptr<OutboxServer>> Start(
      const ServerOptions& options, Outbox& outbox, Drainer* drainer);

  // Shuts down at once if Shutdown was not called.
  ~OutboxServer();

  // The TCP port bound (the chosen one for port 0); 0 for a unix socket.
  int port() const { return port_; }
  // What a client dials: "HOST:PORT" with the real port, or "unix:PATH".
  const std::string& address() const { return address_; }

  // Reports NOT_SERVING on the health service, answers new Enqueue calls
  // UNAVAILABLE while those in flight finish and clients go quiet (see
  // drain_quiet_ms), then stops the listener, cancels what still runs at
  // `deadline` (Admin calls: at most 1 s after the last Enqueue finished;
  // idle client connections are closed then too), and returns once every
  // call has completed. A call that
  // completes reports its true outcome: an Enqueue answered OK is durable.
  void Shutdown(std::chrono::system_clock::time_point deadline);

 private:
  OutboxServer();

  std::unique_ptr<OutboxService> outbox_service_;
  std::unique_ptr<AuditLog> audit_log_;  // Outlives admin_service_.
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
  int drain_quiet_ms_ = 0;
  bool shut_down_ = false;
};


// True when only this host can reach `listen`: a unix socket, "localhost",
// 127.0.0.0/8 or ::1. False for wildcard and other addresses, which should
// then use TLS (ServerOptions::tls_cert_chain_pem).
bool IsLoopbackListenAddress(const std::string& listen);

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_SERVER_H_
