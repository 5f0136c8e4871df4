#include "grpc_service/listen_address.h"

#include <cctype>

namespace outbox::grpc_service {
namespace {

constexpr char kUnixPrefix[] = "unix:";

}  // namespace

bool IsUnixListenAddress(const std::string& listen) {
  return listen.rfind(kUnixPrefix, 0) == 0;
}

Status ValidateListenAddress(const std::string& listen) {
  if (IsUnixListenAddress(listen)) {
    if (listen.size() == sizeof(kUnixPrefix) - 1) {
      return Status::InvalidArgument("listen: unix: needs a socket path");
    }
    return Status::Ok();
  }
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return Status::InvalidArgument(
        "listen: expected HOST:PORT or unix:PATH, got \"" + listen + "\"");
  }
  std::string port = listen.substr(colon + 1);
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return Status::InvalidArgument("listen: port \"" + port +
                                     "\" is not a number");
    }
  }
  if (port.size() > 5 || std::stoi(port) > 65535) {
    return Status::InvalidArgument("listen: port " + port + " is over 65535");
  }
  return Status::Ok();
}

Status ValidateMetricsListenAddress(const std::string& listen) {
  if (listen.rfind("unix:", 0) == 0 || listen.find(':') == std::string::npos) {
    return Status::InvalidArgument(
        "metrics_listen: expected HOST:PORT, e.g. 127.0.0.1:9464, got \"" +
        listen + "\"");
  }
  Status s = ValidateListenAddress(listen);
  if (!s.ok()) return Status::InvalidArgument("metrics_" + s.message());
  return Status::Ok();
}

}  // namespace outbox::grpc_service
