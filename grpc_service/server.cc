#include "grpc_service/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

#include "grpc_service/admin_auth.h"
#include "grpc_service/admin_service.h"
#include "grpc_service/outbox_service.h"

namespace outbox::grpc_service {
namespace {

// How long Shutdown lets running Admin calls (a Replay or Purge page) finish
// once every Enqueue is done, before it cancels them and closes idle
// connections.
constexpr std::chrono::seconds kAdminGrace(1);

std::shared_ptr<grpc::ServerCredentials> Credentials(
    const ServerOptions& options) {
  if (options.tls_cert_chain_pem.empty()) {
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back(
      {options.tls_private_key_pem, options.tls_cert_chain_pem});
  return grpc::SslServerCredentials(ssl);
}

void SetLimits(const ServerOptions& options, grpc::ServerBuilder& builder) {
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(options.max_send_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             options.keepalive_time_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             options.keepalive_timeout_ms);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      options.keepalive_min_client_ping_interval_ms);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  // Clients that keep idle connections alive with pings (as recommended
  // for the request path) are allowed to, at the enforced rate.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Two daemons on one port would split the calls between two data dirs:
  // the second must fail to bind instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
}

// "HOST:PORT" with the port the server actually bound.
std::string DialAddress(const std::string& listen, int port) {
  if (IsUnixListenAddress(listen)) return listen;
  std::string host = listen.substr(0, listen.rfind(':'));
  return host + ":" + std::to_string(port);
}

}  // namespace

bool IsLoopbackListenAddress(const std::string& listen) {
  if (IsUnixListenAddress(listen)) return true;
  if (listen.rfind("localhost:", 0) == 0) return true;
  // IsLoopbackPeer strips the port and IPv6 brackets of a peer address.
  return IsLoopbackPeer("ipv4:" + listen) || IsLoopbackPeer("ipv6:" + listen);
}

OutboxServer::OutboxServer() = default;

OutboxServer::~OutboxServer() {
  if (!shut_down_) Shutdown(std::chrono::system_clock::now());
}

StatusOr<std::unique_ptr<OutboxServer>> OutboxServer::Start(
    const ServerOptions& options, Outbox& outbox, Drainer* drainer) {
  OUTBOX_RETURN_IF_ERROR(ValidateListenAddress(options.listen));
  if (options.tls_cert_chain_pem.empty() !=
      options.tls_private_key_pem.empty()) {
    return Status::InvalidArgument(
        "TLS needs both a certificate chain and a private key");
  }
  std::unique_ptr<AuditLog> audit_log;
  if (!options.audit_log_path.empty()) {
    StatusOr<std::unique_ptr<AuditLog>> opened =
        AuditLog::Open(options.audit_log_path);
    if (!opened.ok()) return opened.status();
    audit_log = std::move(*opened);
  }
  std::unique_ptr<OutboxServer> server(new OutboxServer());
  server->audit_log_ = std::move(audit_log);
  server->outbox_service_ =
      std::make_unique<OutboxService>(outbox, options.observer);
  server->admin_service_ = std::make_unique<AdminService>(
      outbox, drainer, AdminAuthorizer(options.admin_token), options.observer,
      server->audit_log_.get());

  // The builder steps, in order: process-wide plugins, the listener,
  // limits, services, start.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(options.listen, Credentials(options), &bound_port);
  SetLimits(options, builder);
  builder.RegisterService(server->outbox_service_.get());
  builder.RegisterService(server->admin_service_.get());
  server->server_ = builder.BuildAndStart();
  // gRPC reports a failed bind as a null server, or as port 0 for TCP.
  if (!server->server_ ||
      (!IsUnixListenAddress(options.listen) && bound_port == 0)) {
    server->shut_down_ = server->server_ == nullptr;
    return Status::Unavailable("cannot listen on " + options.listen +
                               " (address in use, or no permission?)");
  }
  server->port_ = IsUnixListenAddress(options.listen) ? 0 : bound_port;
  server->drain_quiet_ms_ = options.drain_quiet_ms;
  server->address_ = DialAddress(options.listen, server->port_);
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

void OutboxServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  // Load balancers and health probes see NOT_SERVING before the listener
  // closes.
  server_->GetHealthCheckService()->SetServingStatus(false);
  outbox_service_->Drain(deadline, std::chrono::milliseconds(drain_quiet_ms_));
  // Every Enqueue has finished by now (or the deadline has passed). gRPC
  // would still wait for each idle client connection to close after its
  // GOAWAY, and an idle client only reads its socket when its backup poller
  // runs (every 5 s), so every stop took ~5 s. A short grace lets Admin calls
  // that are running finish; after it, idle connections are closed.
  server_->Shutdown(std::min(
      deadline, std::chrono::system_clock::now() + kAdminGrace));
  server_->Wait();
}

}  // namespace outbox::grpc_service
