#include "grpc_service/daemon.h"

#include <signal.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "grpc_service/server.h"
#include "outbox/curl_transport.h"

namespace outbox::grpc_service {
namespace {

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

CurlTransportOptions TransportOptions(const Config& config) {
  CurlTransportOptions options;
  options.endpoint = config.capi_url;
  options.request_timeout_ms = config.request_timeout_ms;
  options.user_agent = std::string("capi-outbox-outboxd/") + OUTBOXD_VERSION;
  return options;
}

DrainerOptions DeliveryOptions(const Config& config, Logger& logger) {
  DrainerOptions options;
  options.batch_max_events = static_cast<size_t>(config.batch_max_events);
  options.batch_linger_ms = config.batch_linger_ms;
  options.retry_initial_ms = config.retry_initial_ms;
  options.retry_max_ms = config.retry_max_ms;
  options.log = logger.AsSink();
  return options;
}

ServerOptions GrpcOptions(const Config& config) {
  ServerOptions options;
  options.listen = config.listen;
  options.admin_token = config.admin_token;
  options.tls_cert_chain_pem = config.tls_cert_pem;
  options.tls_private_key_pem = config.tls_key_pem;
  if (config.audit_log.empty()) {
    options.audit_log_path = config.data_dir + "/audit.log";
  } else if (config.audit_log != "off") {
    options.audit_log_path = config.audit_log;
  }
  return options;
}

// Waits for SIGTERM or SIGINT, calling `on_hup` for each SIGHUP meanwhile.
// Returns the name of the signal that ended the wait.
template <typename OnHup>
std::string WaitForShutdown(OnHup on_hup) {
  sigset_t set = ShutdownSignals();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      on_hup();
      continue;
    }
    return sig == SIGTERM ? "SIGTERM" : "SIGINT";
  }
}

}  // namespace

void BlockShutdownSignals() {
  sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Status CheckRuntimeConfig(const Config& config) {
  StatusOr<std::unique_ptr<CurlTransport>> transport =
      CurlTransport::Create(TransportOptions(config));
  if (!transport.ok()) {
    return Status::InvalidArgument("capi_url: " + transport.status().message());
  }
  return Status::Ok();
}

int Daemon::Run() {
  Options options;
  options.data_dir = config_.data_dir;
  options.expiry_margin_ms = config_.expiry_margin_s * 1000;
  options.max_disk_bytes = static_cast<uint64_t>(config_.max_disk_bytes);
  StatusOr<std::unique_ptr<Outbox>> outbox = Outbox::Open(options);
  if (!outbox.ok()) {
    logger_.Error("cannot open the outbox",
                  {{"data_dir", config_.data_dir},
                   {"error", outbox.status().ToString()}});
    return 1;
  }
  StatusOr<std::unique_ptr<CurlTransport>> transport =
      CurlTransport::Create(TransportOptions(config_));
  if (!transport.ok()) {
    logger_.Error("bad capi_url", {{"error", transport.status().ToString()}});
    return kExitConfig;
  }
  // Destroyed in reverse: the transport outlives the drainer inside Serve,
  // and the outbox outlives both.
  return Serve(**outbox, **transport);
}

int Daemon::Serve(Outbox& outbox, Transport& transport) {
  Drainer drainer(outbox, transport, config_.api_keys,
                  DeliveryOptions(config_, logger_));
  drainer.Start();
  StatusOr<std::unique_ptr<OutboxServer>> server =
      OutboxServer::Start(GrpcOptions(config_), outbox, &drainer);
  if (!server.ok()) {
    logger_.Error("cannot serve", {{"error", server.status().ToString()}});
    drainer.Stop();
    return 1;
  }
  logger_.Info("serving", {{"address", (*server)->address()},
                           {"data_dir", config_.data_dir},
                           {"audit_log", GrpcOptions(config_).audit_log_path},
                           {"capi_url", config_.capi_url},
                           {"api_key_source", config_.api_key_source}});
  if (config_.tls_cert_pem.empty() &&
      !IsLoopbackListenAddress(config_.listen)) {
    // TLS is optional, but without it other hosts' calls, the hashed user
    // data in them and any admin token cross the network in the clear.
    logger_.Warning(
        "serving plaintext gRPC on a non-loopback address; set "
        "tls_cert_file and tls_key_file unless a TLS proxy fronts outboxd",
        {{"listen", config_.listen}});
  }
  if (!config_.metrics_listen.empty()) {
    logger_.Warning(
        "metrics_listen is accepted but metrics are not served "
        "yet",
        {{"metrics_listen", config_.metrics_listen}});
  }
  std::string signal = WaitForShutdown([&] { Reload(drainer); });
  logger_.Info("shutting down", {{"signal", signal}});
  auto deadline = std::chrono::system_clock::now() +
                  std::chrono::milliseconds(config_.shutdown_timeout_ms);
  (*server)->Shutdown(deadline);
  logger_.Info("gRPC calls finished; stopping delivery");
  drainer.Stop();
  logger_.Info("stopped");
  return 0;
}

void Daemon::Reload(Drainer& drainer) {
  LoadResult reloaded = LoadConfig(args_, env_);
  if (reloaded.exit_code != 0) {
    logger_.Error(
        "SIGHUP: reload failed; keeping the current keys and "
        "log level",
        {{"error", reloaded.message}});
    return;
  }
  drainer.SetApiKeys(reloaded.config.api_keys);
  logger_.SetLevel(reloaded.config.log_level);
  logger_.Info("SIGHUP: reloaded API keys and log level",
               {{"api_key_source", reloaded.config.api_key_source},
                {"log_level", LogLevelName(reloaded.config.log_level)}});
}

}  // namespace outbox::grpc_service
