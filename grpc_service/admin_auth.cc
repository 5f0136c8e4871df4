#include "grpc_service/admin_auth.h"

#include <arpa/inet.h>

#include <cstring>

namespace outbox::grpc_service {
namespace {

// Strips a trailing ":PORT" and the brackets (raw or percent-encoded) that
// gRPC puts around an IPv6 address.
std::string HostOf(std::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return "";
  std::string host(address.substr(0, colon));
  for (const char* open : {"[", "%5B", "%5b"}) {
    if (host.rfind(open, 0) == 0) host.erase(0, std::strlen(open));
  }
  for (const char* close : {"]", "%5D", "%5d"}) {
    size_t n = std::strlen(close);
    if (host.size() >= n && host.compare(host.size() - n, n, close) == 0) {
      host.erase(host.size() - n);
    }
  }
  return host;
}

bool IsLoopbackV4(const std::string& host) {
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) != 1) return false;
  return (ntohl(addr.s_addr) >> 24) == 127;
}

bool IsLoopbackV6(const std::string& host) {
  in6_addr addr{};
  if (inet_pton(AF_INET6, host.c_str(), &addr) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&addr)) return true;
  return IN6_IS_ADDR_V4MAPPED(&addr) && addr.s6_addr[12] == 127;
}

// Compares in time independent of where the strings differ, so the token
// cannot be guessed byte by byte from response times.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

bool IsLoopbackPeer(std::string_view peer) {
  if (peer.rfind("unix:", 0) == 0 || peer.rfind("unix-abstract:", 0) == 0) {
    return true;
  }
  if (peer.rfind("ipv4:", 0) == 0) return IsLoopbackV4(HostOf(peer.substr(5)));
  if (peer.rfind("ipv6:", 0) == 0) return IsLoopbackV6(HostOf(peer.substr(5)));
  return false;
}

grpc::Status AdminAuthorizer::Check(
    const grpc::ServerContextBase& context) const {
  if (token_.empty()) {
    if (IsLoopbackPeer(context.peer())) return grpc::Status::OK;
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "admin RPCs are served to loopback peers only; "
                        "configure an admin token to allow remote callers");
  }
  constexpr std::string_view kPrefix = "Bearer ";
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    std::string_view value(it->second.data(), it->second.size());
    if (value.substr(0, kPrefix.size()) == kPrefix &&
        ConstantTimeEquals(value.substr(kPrefix.size()), token_)) {
      return grpc::Status::OK;
    }
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "admin RPCs need \"authorization: Bearer <token>\" "
                      "metadata with the configured admin token");
}

}  // namespace outbox::grpc_service
