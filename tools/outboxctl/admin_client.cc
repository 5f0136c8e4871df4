#include "tools/outboxctl/admin_client.h"

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <utility>

namespace outbox::ctl {
namespace {

// What the operator should do about each status code; empty: nothing to add.
std::string Hint(const grpc::Status& status, const std::string& server) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return "daemon not reachable at " + server +
             " — is outboxd running? (set --server or OUTBOX_SERVER)";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "daemon at " + server +
             " did not answer in time — is it overloaded? retry, or raise "
             "--timeout";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "the daemon wants an admin token — set OUTBOX_ADMIN_TOKEN or "
             "--admin-token-file";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "connect over loopback or a unix socket, or configure an admin "
             "token on outboxd";
    case grpc::StatusCode::NOT_FOUND:
      return "check the key with `outboxctl list`";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "the daemon is older than this outboxctl — upgrade outboxd";
    default:
      return "";
  }
}

int ExitCodeFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kExitUnreachable;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kExitUsage;
    default:
      return kExitFailed;
  }
}

}  // namespace

AdminClient::AdminClient(ConnectOptions options)
    : options_(std::move(options)) {
  grpc::ChannelArguments args;
  // Fail fast when no daemon listens, instead of retrying until the deadline.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  auto channel = grpc::CreateCustomChannel(
      options_.server, grpc::InsecureChannelCredentials(), args);
  stub_ = v1::Admin::NewStub(channel);
}

std::unique_ptr<grpc::ClientContext> AdminClient::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(options_.timeout_s));
  if (!options_.admin_token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options_.admin_token);
  }
  // Who runs this, for the daemon's audit log (a claim, not a credential).
  context->AddMetadata("x-outbox-operator", OperatorName());
  return context;
}

int AdminClient::Fail(const std::string& what,
                      const grpc::Status& status) const {
  std::string line = what + ": " + status.error_message();
  std::string hint = Hint(status, options_.server);
  if (!hint.empty()) line += " — " + hint;
  return Complain(ExitCodeFor(status.error_code()), line);
}

std::string OperatorName() {
  if (const char* sudo = std::getenv("SUDO_USER")) return sudo;
  if (passwd* pw = getpwuid(getuid())) return pw->pw_name;
  return "uid " + std::to_string(getuid());
}

int Complain(int code, const std::string& message) {
  std::cerr << "outboxctl: " << message << "\n";
  return code;
}

}  // namespace outbox::ctl
