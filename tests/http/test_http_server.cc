#include "tests/http/test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace outbox {
namespace testing {
namespace {

std::string Trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string ToLower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Fills method, target and headers from the request head (no final CRLF).
void ParseHead(const std::string& head, ReceivedRequest* request) {
  size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const size_t space1 = request_line.find(' ');
  const size_t space2 = request_line.find(' ', space1 + 1);
  request->method = request_line.substr(0, space1);
  request->target = request_line.substr(space1 + 1, space2 - space1 - 1);
  while (line_end != std::string::npos) {
    const size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end - start);
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    request->headers.emplace_back(ToLower(Trim(line.substr(0, colon))),
                                  Trim(line.substr(colon + 1)));
  }
}

std::string FormatResponse(const Reply& reply) {
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                    (reply.status == 200 ? " OK" : " Scripted") + "\r\n";
  for (const auto& [name, value] : reply.headers) {
    out += name + ": " + value + "\r\n";
  }
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
  return out + reply.body;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n =
        send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

}  // namespace

std::string ReceivedRequest::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

bool ReceivedRequest::HasHeader(const std::string& name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return header.first == name; });
}

TestHttpServer::TestHttpServer(Handler handler, std::string greeting)
    : handler_(std::move(handler)), greeting_(std::move(greeting)) {
  Check(pipe(stop_pipe_) == 0, "pipe");
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  Check(listen_fd_ >= 0, "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // The kernel picks a free port; read it back below.
  Check(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0,
        "bind");
  Check(listen(listen_fd_, 64) == 0, "listen");
  socklen_t len = sizeof(addr);
  Check(getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0,
        "getsockname");
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread(&TestHttpServer::AcceptLoop, this);
}

TestHttpServer::~TestHttpServer() {
  Check(write(stop_pipe_[1], "x", 1) == 1, "write");
  accept_thread_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections.swap(connections_);
  }
  for (std::thread& connection : connections) connection.join();
  close(listen_fd_);
  close(stop_pipe_[0]);
  close(stop_pipe_[1]);
}

std::string TestHttpServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1/events";
}

std::vector<ReceivedRequest> TestHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

bool TestHttpServer::WaitForRequests(size_t n,
                                     std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

void TestHttpServer::AcceptLoop() {
  while (WaitReadable(listen_fd_, std::chrono::milliseconds(-1))) {
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections_accepted_;
    std::lock_guard<std::mutex> lock(mu_);
    connections_.emplace_back(&TestHttpServer::Serve, this, fd);
  }
}

void TestHttpServer::Serve(int fd) {
  std::string buffer;
  if (greeting_.empty() || SendAll(fd, greeting_)) {
    while (ServeOne(fd, &buffer)) {
    }
  }
  close(fd);
}

// Handles one request; returns false when the connection should end.
bool TestHttpServer::ServeOne(int fd, std::string* buffer) {
  ReceivedRequest request;
  if (!ReadRequest(fd, buffer, &request)) return false;
  Record(request);
  const Reply reply = handler_(request);
  switch (reply.kind) {
    case Reply::Kind::kBlackHole:
      while (ReadMore(fd, buffer)) {
      }
      return false;
    case Reply::Kind::kClose:
      return false;
    case Reply::Kind::kReset: {
      // Zero linger turns the coming close() into an RST.
      linger abort_on_close{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close,
                 sizeof(abort_on_close));
      return false;
    }
    case Reply::Kind::kRespond:
      break;
  }
  if (reply.delay.count() > 0 && !WaitReadable(-1, reply.delay)) return false;
  return SendAll(fd, FormatResponse(reply));
}

bool TestHttpServer::ReadRequest(int fd, std::string* buffer,
                                 ReceivedRequest* request) {
  size_t head_end;
  while ((head_end = buffer->find("\r\n\r\n")) == std::string::npos) {
    if (!ReadMore(fd, buffer)) return false;
  }
  ParseHead(buffer->substr(0, head_end), request);
  buffer->erase(0, head_end + 4);
  const std::string length_header = request->Header("content-length");
  const size_t length = std::strtoul(length_header.c_str(), nullptr, 10);
  while (buffer->size() < length) {
    if (!ReadMore(fd, buffer)) return false;
  }
  request->body = buffer->substr(0, length);
  buffer->erase(0, length);
  return true;
}

// Appends what the peer sent; false when it closed or the server stops.
bool TestHttpServer::ReadMore(int fd, std::string* buffer) {
  if (!WaitReadable(fd, std::chrono::milliseconds(-1))) return false;
  char chunk[16384];
  const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
  if (n <= 0) return false;
  buffer->append(chunk, static_cast<size_t>(n));
  return true;
}

// Waits until `fd` is readable (true) or the server stops or `timeout`
// passes (false). With fd -1 it waits out the timeout unless stopped, and
// returns true if the full timeout passed. A negative timeout is infinite.
bool TestHttpServer::WaitReadable(int fd, std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{stop_pipe_[0], POLLIN, 0}, {fd, POLLIN, 0}};
  const int n = poll(fds, fd >= 0 ? 2 : 1, static_cast<int>(timeout.count()));
  if (n < 0 || (fds[0].revents & POLLIN)) return false;
  if (fd < 0) return n == 0;
  return n > 0;
}

void TestHttpServer::Record(const ReceivedRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(request);
  cv_.notify_all();
}

}  // namespace testing
}  // namespace outbox
