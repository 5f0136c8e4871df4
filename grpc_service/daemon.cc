#include "grpc_service/daemon.h"

#include <signal.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "grpc_service/metrics_http_server.h"
#include "grpc_service/outbox_metrics.h"
#include "grpc_service/readiness.h"
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

// The metrics side door when metrics_listen is set (null when not). The
// callbacks borrow `metrics` and `readiness`: stop the server before them.
StatusOr<std::unique_ptr<MetricsHttpServer>> StartMetrics(
    const Config& config, const OutboxMetrics& metrics,
    const Readiness& readiness) {
  if (config.metrics_listen.empty()) {
    return std::unique_ptr<MetricsHttpServer>();
  }
  MetricsHttpServerOptions options;
  options.listen = config.metrics_listen;
  options.render_metrics = [&metrics] { return metrics.Render(); };
  options.not_ready = [&readiness] { return readiness.NotReadyReason(); };
  return MetricsHttpServer::Start(std::move(options));
}

// The fields of the "serving" log line.
std::vector<Logger::Field> ServingFields(const Config& config,
                                         const OutboxServer& server,
                                         const MetricsHttpServer* metrics) {
  std::vector<Logger::Field> fields = {{"address", server.address()}};
  if (metrics) fields.push_back({"metrics_address", metrics->address()});
  fields.insert(fields.end(), {{"data_dir", config.data_dir},
                               {"audit_log", GrpcOptions(config).audit_log_path},
                               {"capi_url", config.capi_url},
                               {"api_key_source", config.api_key_source}});
  return fields;
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
  options.block_cache_bytes =
      static_cast<uint64_t>(config_.block_cache_bytes);
  options.write_buffer_bytes =
      static_cast<uint64_t>(config_.write_buffer_bytes);
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
  const bool with_metrics = !config_.metrics_listen.empty();
  OutboxMetrics metrics({OUTBOXD_VERSION, OUTBOXD_COMMIT});
  Readiness readiness;
  readiness.SetStoreOpen(true);  // Run opened it; it closes after Serve.
  DrainerOptions delivery = DeliveryOptions(config_, logger_);
  if (with_metrics) delivery.on_request = metrics.DeliveryObserver();
  Drainer drainer(outbox, transport, config_.api_keys, std::move(delivery));
  metrics.AttachSources(&outbox, &drainer);
  // Started before gRPC, so /readyz tells probes "starting"; declared after
  // the drainer, so it stops before the drainer it reads goes away.
  StatusOr<std::unique_ptr<MetricsHttpServer>> metrics_server =
      StartMetrics(config_, metrics, readiness);
  if (!metrics_server.ok()) {
    logger_.Error("cannot serve metrics",
                  {{"error", metrics_server.status().ToString()}});
    return 1;
  }
  drainer.Start();
  ServerOptions grpc_options = GrpcOptions(config_);
  if (with_metrics) grpc_options.observer = &metrics;
  StatusOr<std::unique_ptr<OutboxServer>> server =
      OutboxServer::Start(grpc_options, outbox, &drainer);
  if (!server.ok()) {
    logger_.Error("cannot serve", {{"error", server.status().ToString()}});
    drainer.Stop();
    return 1;
  }
  readiness.SetServing(true);
  logger_.Info("serving",
               ServingFields(config_, **server, metrics_server->get()));
  if (config_.tls_cert_pem.empty() &&
      !IsLoopbackListenAddress(config_.listen)) {
    // TLS is optional, but without it other hosts' calls, the hashed user
    // data in them and any admin token cross the network in the clear.
    logger_.Warning(
        "serving plaintext gRPC on a non-loopback address; set "
        "tls_cert_file and tls_key_file unless a TLS proxy fronts outboxd",
        {{"listen", config_.listen}});
  }
  std::string signal = WaitForShutdown([&] { Reload(drainer); });
  logger_.Info("shutting down", {{"signal", signal}});
  readiness.SetShuttingDown();  // /readyz answers 503 from here on.
  auto deadline = std::chrono::system_clock::now() +
                  std::chrono::milliseconds(config_.shutdown_timeout_ms);
  (*server)->Shutdown(deadline);
  logger_.Info("gRPC calls finished; stopping delivery");
  drainer.Stop();
  if (*metrics_server) (*metrics_server)->Stop();
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
