// Runs the real daemons of the daemon-level reliability scenarios as child
// processes: outboxd (started, SIGKILLed and restarted on one data dir) and
// a small client of its Admin service that tells when it serves.
//
// Thread-safety: none; one test thread drives each object.
#ifndef OUTBOX_TESTS_RELIABILITY_OUTBOXD_PROCESS_H_
#define OUTBOX_TESTS_RELIABILITY_OUTBOXD_PROCESS_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "outbox/v1/outbox.grpc.pb.h"

namespace outbox::testing {

// A loopback TCP port that was free a moment ago, for a daemon that must
// come back on the same address after a restart. It is below the ephemeral
// range: while nothing listens on an ephemeral port, a client's connect()
// to it can get that very port as its source and connect to itself,
// taking the port away from the restarted daemon.
int PickFreePort();

// Wall-clock milliseconds, the clock outboxd and fake-capi stamp with.
int64_t WallMs();

// A child process: argv[0] is the binary; stdout and stderr are appended to
// `log_path`; the environment is exactly `env`.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::vector<std::string> env,
               const std::string& log_path);
  // SIGKILLs the child if it still runs, and reaps it.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // SIGKILL and reap.
  void Kill9();
  // Sends `sig` and waits up to `timeout_ms`; then SIGKILLs. Returns the
  // exit code, or -signal when a signal ended it.
  int Stop(int sig, int timeout_ms = 30000);
  // Waits up to `timeout_ms` for the child to exit by itself; then
  // SIGKILLs it. Returns as Stop does.
  int Wait(int timeout_ms = 30000);

 private:
  pid_t pid_ = -1;
};

// Admin and Outbox stubs for "127.0.0.1:PORT", on a channel that reconnects
// within a few tens of milliseconds (gRPC's default backoff reaches minutes,
// which a restart loop must not measure).
struct DaemonClient {
  explicit DaemonClient(const std::string& address);
  // Polls GetStats until it answers or `timeout_ms` passes; returns the
  // stats, or nullptr.
  std::unique_ptr<v1::GetStatsResponse> AwaitServing(int timeout_ms);
  // GetStats, or nullptr when it fails.
  std::unique_ptr<v1::GetStatsResponse> Stats();

  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Admin::Stub> admin;
  std::unique_ptr<v1::Outbox::Stub> outbox;
};

// Channel arguments with a fast reconnect (see DaemonClient).
grpc::ChannelArguments FastReconnectArgs();

// The whole content of a file ("" when missing).
std::string ReadFile(const std::string& path);

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_RELIABILITY_OUTBOXD_PROCESS_H_
