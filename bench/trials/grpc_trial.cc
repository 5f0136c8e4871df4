// The gRPC measurements: the load client against the no-op ceiling server
// or against outboxd (durable enqueue), over TCP or a unix socket; and the
// time outboxd takes from start to serving with a backlog.
#include <signal.h>
#include <unistd.h>

#include "bench/harness/fixtures.h"
#include "bench/harness/grpc_load.h"
#include "bench/harness/process.h"
#include "bench/harness/services.h"
#include "bench/trials/trials.h"

namespace bench {
namespace {

using outbox::Status;
using outbox::StatusOr;

std::string Listen(const Params& p) {
  return p.Str("transport", "tcp") == "unix"
             ? "unix:" + p.Str("work_dir") + "/grpc.sock"
             : "127.0.0.1:0";
}

// Where outboxd delivers while enqueue is measured: nowhere. Delivery is
// paused as soon as it serves, and a backlog it found on start must not
// reach fake-capi in the moment before the pause.
constexpr char kUnreachableCapi[] = "http://127.0.0.1:9/v1/events";

StatusOr<GrpcServerProcess> StartOutboxdFor(const Params& p,
                                            const std::string& data_dir,
                                            const std::string& capi_url) {
  const std::string binary = FindTool("outboxd");
  if (binary.empty()) {
    return Status::FailedPrecondition("outboxd is not built yet");
  }
  return StartOutboxd(binary, data_dir, Listen(p), capi_url,
                      p.Str("work_dir") + "/outboxd.log");
}

// Clones the fixture the parameters name into `data_dir`, if any.
Status PrepareDataDir(const Params& p, const std::string& data_dir) {
  FixtureSpec spec;
  spec.events = static_cast<uint64_t>(p.Int("fixture_events", 0));
  if (spec.events == 0) return Status::Ok();
  spec.pixels = static_cast<int>(p.Int("fixture_pixels", 4));
  spec.delivered = p.Int("fixture_delivered", 0) != 0;
  auto fixture =
      EnsureFixture(p.Str("shared_dir"), spec,
                    {p.Str("capi_url"), static_cast<pid_t>(p.Int("capi_pid"))});
  if (!fixture.ok()) return fixture.status();
  return CloneDb(*fixture, data_dir);
}

StatusOr<GrpcServerProcess> StartServer(const Params& p) {
  if (p.Str("server") == "noop") {
    const std::string binary = FindTool("grpc-noop-server");
    if (binary.empty()) {
      return Status::FailedPrecondition("grpc-noop-server is not built");
    }
    return StartNoopServer(binary, Listen(p), p.Str("work_dir"));
  }
  const std::string data_dir = p.Str("work_dir") + "/db";
  OUTBOX_RETURN_IF_ERROR(PrepareDataDir(p, data_dir));
  auto server = StartOutboxdFor(p, data_dir, kUnreachableCapi);
  if (!server.ok()) return server;
  // Enqueue alone is measured: deliveries would share the two cores.
  OUTBOX_RETURN_IF_ERROR(PauseAllDelivery(server->address));
  return server;
}

// The load alone against a server started elsewhere (address=HOST:PORT or
// unix:PATH): what a client of a long-running outboxd sees. No server
// figures, and the server's delivery is left as it is.
StatusOr<Metrics> LoadExternalServer(const Params& p) {
  GrpcLoadShape shape;
  shape.address = p.Str("address");
  shape.concurrency = static_cast<int>(p.Int("concurrency", 1));
  shape.events_per_call = static_cast<int>(p.Int("events_per_call", 1));
  shape.seconds = p.Num("seconds", 5);
  shape.warmup_seconds = std::min(1.0, shape.seconds / 10);
  shape.channels =
      static_cast<int>(p.Int("channels", shape.concurrency > 1 ? 2 : 1));
  shape.id_prefix = "x" + std::to_string(getpid()) + "-";
  std::string error;
  Metrics m = RunGrpcLoad(shape, &error);
  if (m["events_per_s"] == 0) {
    return Status::Unavailable("no call succeeded: " + error);
  }
  return m;
}

}  // namespace

StatusOr<Metrics> GrpcEnqueueTrial(const Params& p) {
  if (p.Has("address")) return LoadExternalServer(p);
  auto server = StartServer(p);
  if (!server.ok()) return server.status();
  GrpcLoadShape shape;
  shape.address = server->address;
  shape.concurrency = static_cast<int>(p.Int("concurrency", 1));
  shape.events_per_call = static_cast<int>(p.Int("events_per_call", 1));
  shape.seconds = p.Num("seconds", 5);
  shape.warmup_seconds = std::min(1.0, shape.seconds / 10);
  shape.channels =
      static_cast<int>(p.Int("channels", shape.concurrency > 1 ? 2 : 1));
  shape.id_prefix = "g" + std::to_string(getpid()) + "-";
  const pid_t pid = server->child.pid();
  const double server_cpu = ProcessCpuSeconds(pid);
  const double client_cpu = SelfCpuSeconds();
  std::string error;
  Metrics m = RunGrpcLoad(shape, &error);
  const double wall = shape.seconds + shape.warmup_seconds;
  m["server_cores"] = (ProcessCpuSeconds(pid) - server_cpu) / wall;
  m["client_cores"] = (SelfCpuSeconds() - client_cpu) / wall;
  m["server_rss_mb"] = static_cast<double>(ProcessRssKb(pid)) / 1024;
  m["server_peak_rss_mb"] = static_cast<double>(ProcessPeakRssKb(pid)) / 1024;
  server->child.Stop();
  if (m["events_per_s"] == 0) {
    return Status::Unavailable("no call succeeded: " + error);
  }
  return m;
}

StatusOr<Metrics> OutboxdRecoveryTrial(const Params& p) {
  Params fixture = p;
  fixture.Set("fixture_events", p.Str("events", "1000000"));
  fixture.Set("fixture_pixels", "1");
  const std::string data_dir = p.Str("work_dir") + "/db";
  OUTBOX_RETURN_IF_ERROR(PrepareDataDir(fixture, data_dir));
  const std::string binary = FindTool("outboxd");
  if (binary.empty()) {
    return Status::FailedPrecondition("outboxd is not built yet");
  }
  // Timed from the spawn: process start, database open and recovery, and
  // the first durable enqueue over the socket.
  const auto start = std::chrono::steady_clock::now();
  auto server =
      StartOutboxdFor(p, data_dir, p.Str("capi_url", kUnreachableCapi));
  if (!server.ok()) return server.status();
  const double log_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  auto first = TimeToFirstEnqueue(server->address, 60);
  if (!first.ok()) return first.status();
  Metrics m;
  m["serving_log_s"] = log_s;
  m["serving_s"] = log_s + *first;
  m["server_rss_mb"] =
      static_cast<double>(ProcessRssKb(server->child.pid())) / 1024;
  server->child.Stop();
  return m;
}

}  // namespace bench
