// Who may call the Admin service.
//
// Admin RPCs read event records and change delivery, so by default they are
// served only to callers on the same host (loopback TCP or a unix socket).
// When an admin token is configured, every caller, local or not, must send
// "authorization: Bearer <token>" metadata instead; a non-loopback listener
// should then also use TLS so the token is not sent in the clear.
//
// Thread-safety: immutable after construction; Check may run concurrently.
#ifndef OUTBOX_GRPC_SERVICE_ADMIN_AUTH_H_
#define OUTBOX_GRPC_SERVICE_ADMIN_AUTH_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <string>
#include <string_view>

namespace outbox::grpc_service {

// True when `peer` (grpc::ServerContextBase::peer(), e.g.
// "ipv4:127.0.0.1:5000", "ipv6:[::1]:5000", "unix:/run/x.sock") is on this
// host: 127.0.0.0/8, ::1, an IPv4-mapped 127.0.0.0/8, or a unix socket.
bool IsLoopbackPeer(std::string_view peer);

class AdminAuthorizer {
 public:
  // `token` empty: loopback peers only, no token. Otherwise: the token is
  // required from every peer.
  explicit AdminAuthorizer(std::string token) : token_(std::move(token)) {}

  // Returns OK when the caller may use Admin RPCs; PERMISSION_DENIED for a
  // non-loopback peer when no token is configured; UNAUTHENTICATED when a
  // token is configured and the call lacks it or carries another one.
  grpc::Status Check(const grpc::ServerContextBase& context) const;

 private:
  const std::string token_;
};

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_ADMIN_AUTH_H_
