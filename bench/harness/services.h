// The servers a measurement runs against, each a child process started and
// cleaned up by the bench: fake-capi, PostgreSQL 15, outboxd and the no-op
// gRPC server.
//
// Ownership: each object owns its process (and PostgreSQL its data
// directory); destroying it stops the process. Thread-safety: none needed;
// they are started and stopped by one thread.
#ifndef BENCH_HARNESS_SERVICES_H_
#define BENCH_HARNESS_SERVICES_H_

#include <memory>
#include <string>

#include "bench/harness/process.h"
#include "outbox/status.h"

namespace bench {

// fake-capi on a loopback port chosen by the kernel.
class FakeCapiProcess {
 public:
  // Starts `binary` with --validate `validate` (full, shape or none) and
  // waits until it listens. Logs go to `work_dir`/fake-capi.log.
  static outbox::StatusOr<std::unique_ptr<FakeCapiProcess>> Start(
      const std::string& binary, const std::string& work_dir,
      const std::string& validate);

  pid_t pid() const { return child_.pid(); }
  // http://127.0.0.1:PORT
  const std::string& base_url() const { return base_url_; }
  std::string events_url() const { return base_url_ + "/v1/events"; }

 private:
  Child child_;
  std::string base_url_;
};

// A throwaway PostgreSQL cluster: initdb in `dir`, fsync=on and
// synchronous_commit=on, reachable only through a unix socket in `dir`.
// PostgreSQL refuses to run as root, so as root it runs as the "postgres"
// user (or "nobody").
class PostgresProcess {
 public:
  // Errors: FAILED_PRECONDITION when no PostgreSQL server binaries are
  // installed; UNAVAILABLE when initdb or the start fails (see dir/log).
  static outbox::StatusOr<std::unique_ptr<PostgresProcess>> Start(
      const std::string& dir, int max_connections);
  // Stops the server (fast shutdown) and removes the directory.
  ~PostgresProcess();

  // A libpq connection string for the "postgres" database.
  const std::string& conninfo() const { return conninfo_; }
  const std::string& version() const { return version_; }

 private:
  outbox::Status InitDb();
  outbox::Status StartServer(int max_connections);

  std::string bin_dir_;
  std::string dir_;
  std::string user_;
  std::string conninfo_;
  std::string version_;
};

// A gRPC server process (outboxd or the no-op server) and where to reach it.
struct GrpcServerProcess {
  Child child;
  std::string address;  // "127.0.0.1:PORT" or "unix:PATH".
};

// Starts outboxd on `data_dir`, listening on `listen` ("127.0.0.1:0" or
// "unix:PATH"), delivering to `capi_url` with fake-capi's key; waits until
// its log says it serves. Logs go to `log_path`.
outbox::StatusOr<GrpcServerProcess> StartOutboxd(const std::string& binary,
                                                 const std::string& data_dir,
                                                 const std::string& listen,
                                                 const std::string& capi_url,
                                                 const std::string& log_path);

// Starts the no-op gRPC server (bench/grpc_noop_server.cc).
outbox::StatusOr<GrpcServerProcess> StartNoopServer(
    const std::string& binary, const std::string& listen,
    const std::string& work_dir);

// Finds a sibling executable of this one (build/bin/NAME); "" if absent.
std::string FindTool(const std::string& name);

}  // namespace bench

#endif  // BENCH_HARNESS_SERVICES_H_
