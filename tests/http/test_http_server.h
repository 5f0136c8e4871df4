// TestHttpServer: a tiny scripted HTTP/1.1 server for transport tests.
//
// Binds 127.0.0.1 on a port the kernel picks, serves each connection on its
// own thread (keep-alive: many requests per connection), and asks a handler
// what to do with every request: answer, answer late, never answer, close
// the connection or reset it.
//
// Thread-safety: the accessors may be called from any thread. The handler
// runs on connection threads, possibly concurrently.
#ifndef TESTS_HTTP_TEST_HTTP_SERVER_H_
#define TESTS_HTTP_TEST_HTTP_SERVER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace outbox {
namespace testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ReceivedRequest {
  std::string method;
  std::string target;  // E.g. "/v1/events?pid=px".
  HeaderList headers;  // Names lower-cased, values trimmed.
  std::string body;

  // Returns the first header named `name` (lower-case), or "".
  std::string Header(const std::string& name) const;
  bool HasHeader(const std::string& name) const;
};

struct Reply {
  enum class Kind {
    kRespond,    // Send status, headers and body; keep the connection.
    kBlackHole,  // Never answer; hold the connection until the peer leaves.
    kClose,      // Close the connection (FIN) without answering.
    kReset,      // Abort the connection (RST) without answering.
  };
  Kind kind = Kind::kRespond;
  int status = 200;
  HeaderList headers;
  std::string body = R"({"accepted_events":1})";
  std::chrono::milliseconds delay{0};  // Before answering (kRespond only).

  static Reply Of(Kind kind) {
    Reply reply;
    reply.kind = kind;
    return reply;
  }
};

class TestHttpServer {
 public:
  using Handler = std::function<Reply(const ReceivedRequest&)>;

  // Starts serving. Every request gets `handler`'s reply; `greeting`, if
  // not empty, is written to each connection as soon as it is accepted.
  explicit TestHttpServer(Handler handler, std::string greeting = "");
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;
  // Stops accepting, drops every connection (black holes included), joins.
  ~TestHttpServer();

  int port() const { return port_; }
  // "http://127.0.0.1:<port>/v1/events".
  std::string url() const;
  int connections_accepted() const { return connections_accepted_; }
  std::vector<ReceivedRequest> requests() const;

  // Waits until at least `n` requests have arrived; false after `timeout`.
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout) const;

 private:
  void AcceptLoop();
  void Serve(int fd);
  bool ServeOne(int fd, std::string* buffer);
  bool ReadRequest(int fd, std::string* buffer, ReceivedRequest* request);
  bool ReadMore(int fd, std::string* buffer);
  bool WaitReadable(int fd, std::chrono::milliseconds timeout);
  void Record(const ReceivedRequest& request);

  const Handler handler_;
  const std::string greeting_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};  // Readable once the server is stopping.
  int port_ = 0;
  std::atomic<int> connections_accepted_{0};
  std::thread accept_thread_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<ReceivedRequest> requests_;  // Guarded by mu_.
  std::vector<std::thread> connections_;   // Guarded by mu_.
};

}  // namespace testing
}  // namespace outbox

#endif  // TESTS_HTTP_TEST_HTTP_SERVER_H_
