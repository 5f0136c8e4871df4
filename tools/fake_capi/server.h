// FakeCapiServer: fake-capi's HTTP/1.1 server (keep-alive, a few io
// threads), serving a Service (service.h). Tests start one in-process on
// port 0 and read the port it got:
//
//   ServerOptions options;
//   options.port = 0;
//   auto server = FakeCapiServer::Start(options);
//   std::string url = "http://127.0.0.1:" +
//                     std::to_string((*server)->port()) + "/v1/events";
//
// Thread-safety: all methods may be called from any thread.
#ifndef TOOLS_FAKE_CAPI_SERVER_H_
#define TOOLS_FAKE_CAPI_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "outbox/status.h"
#include "tools/fake_capi/service.h"

namespace outbox {
namespace fake_capi {

struct ServerOptions {
  // Address to listen on: an IP address or "localhost". Default: loopback.
  std::string host = "127.0.0.1";
  // Port; 0 picks a free one (see FakeCapiServer::port). Default: 8787.
  uint16_t port = 8787;
  // Threads running the io loop. Default: 2.
  int threads = 2;
  ServiceOptions service;
};

class FakeCapiServer {
 public:
  // Binds, listens and starts serving. INVALID_ARGUMENT for a host that is
  // not an address or an invalid option; UNAVAILABLE when the address
  // cannot be bound (e.g. the port is taken).
  static StatusOr<std::unique_ptr<FakeCapiServer>> Start(ServerOptions options);

  // Stops, as Stop() does.
  ~FakeCapiServer();

  // Stops accepting, drops every connection (black holes included) and
  // joins the io threads. Idempotent.
  void Stop();

  // The port listened on: the one picked when options.port was 0.
  uint16_t port() const;
  // The address listened on, e.g. "127.0.0.1" or "::1".
  std::string host() const;

  Service& service();

 private:
  struct Impl;
  explicit FakeCapiServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace fake_capi
}  // namespace outbox

#endif  // TOOLS_FAKE_CAPI_SERVER_H_
