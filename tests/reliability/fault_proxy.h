// FaultProxy: a TCP proxy on a loopback port, put between outboxd and
// fake-capi, that injects the network faults fake-capi cannot: a receiver
// that refuses connections, one that accepts and never answers, one that
// resets the connection mid-request, and one that drops the connection
// after the receiver accepted the request (the ambiguous failure: the
// sender cannot tell it from a lost request and must resend).
//
// Changing the mode closes every open connection, so a kept-alive
// connection does not carry the old behaviour into the new mode.
//
// Thread-safety: all methods may be called from any thread; the proxy runs
// on one thread of its own.
#ifndef OUTBOX_TESTS_RELIABILITY_FAULT_PROXY_H_
#define OUTBOX_TESTS_RELIABILITY_FAULT_PROXY_H_

#include <cstdint>
#include <memory>
#include <string>

namespace outbox::testing {

class FaultProxy {
 public:
  enum class Mode {
    kForward,           // Pass bytes both ways.
    kRefuse,            // Stop listening: connect() is refused.
    kBlackHole,         // Accept, read everything, never answer.
    kResetMidRequest,   // Read the first bytes, then RST; nothing forwarded.
    kDropAfterForward,  // Forward the request; when the answer starts,
                        // close the client's connection unanswered.
  };

  // Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:upstream.
  explicit FaultProxy(int upstream_port);
  ~FaultProxy();

  int port() const;
  void SetMode(Mode mode);
  // Connections the faults have hit so far (refused ones are not seen).
  uint64_t black_holed() const;
  uint64_t reset() const;
  uint64_t dropped_after_forward() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

const char* ModeName(FaultProxy::Mode mode);

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_RELIABILITY_FAULT_PROXY_H_
