// AdminClient: outboxctl's connection to outboxd's Admin service, and the
// translation of a failed call into an exit code and a one-line hint that
// says what the operator should do next.
//
// Thread-safety: one thread at a time.
#ifndef OUTBOX_TOOLS_OUTBOXCTL_ADMIN_CLIENT_H_
#define OUTBOX_TOOLS_OUTBOXCTL_ADMIN_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "outbox/v1/outbox.grpc.pb.h"

namespace outbox::ctl {

// Exit codes of outboxctl.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // The operation failed or refused.
inline constexpr int kExitUsage = 2;        // Bad flags or arguments.
inline constexpr int kExitUnreachable = 3;  // No daemon, or not allowed in.
inline constexpr int kExitPartial = 4;      // Some keys failed, others not.

// Default: "127.0.0.1:50051", outboxd's default --listen.
inline constexpr char kDefaultServer[] = "127.0.0.1:50051";

struct ConnectOptions {
  std::string server = kDefaultServer;  // "HOST:PORT" or "unix:PATH".
  std::string admin_token;              // Empty: send none.
  int timeout_s = 30;                   // Per RPC.
};

class AdminClient {
 public:
  explicit AdminClient(ConnectOptions options);

  v1::Admin::Stub& stub() { return *stub_; }
  const std::string& server() const { return options_.server; }

  // Returns a fresh context with the deadline and the bearer token set.
  std::unique_ptr<grpc::ClientContext> NewContext() const;

  // Prints "outboxctl: <what failed>: <why> — <what to do>" on stderr and
  // returns the exit code for `status` (which must not be OK).
  int Fail(const std::string& what, const grpc::Status& status) const;

 private:
  ConnectOptions options_;
  std::unique_ptr<v1::Admin::Stub> stub_;
};

// The user running outboxctl (SUDO_USER first), sent to the daemon as
// "x-outbox-operator" metadata for its audit log.
std::string OperatorName();

// Prints "outboxctl: <message>" on stderr; returns `code`.
int Complain(int code, const std::string& message);

}  // namespace outbox::ctl

#endif  // OUTBOX_TOOLS_OUTBOXCTL_ADMIN_CLIENT_H_
