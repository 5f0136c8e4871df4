#include "tools/fake_capi/server.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tools/fake_capi/replies.h"

namespace outbox {
namespace fake_capi {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;

// Far above the API's 1,000 events; a bigger body gets 413.
constexpr uint64_t kMaxBodyBytes = 64ull << 20;
// Beast reads as much as the buffer has room for, at least 512 bytes: left
// to grow by itself it would take a 700 KB body 512 bytes per recv call.
constexpr size_t kReadBufferBytes = 256 << 10;

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

// One connection: reads requests one after another (keep-alive), asks the
// Service, and carries out its answer. Its handlers run on one strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Service* service)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        service_(service) {
    buffer_.reserve(kReadBufferBytes);
  }

  void ReadRequest();

 private:
  void OnHeader();
  void ReadBody();
  void OnRequest(ErrorCode ec);
  void Carry(HttpReply reply);
  void PrepareResponse(HttpReply reply);
  void Write();
  void AnswerProtocolError(int status, std::string_view message);
  void Swallow();
  void Reset();
  void Close();

  tcp::socket socket_;
  net::steady_timer timer_;
  Service* service_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::string spare_body_;
  bool keep_alive_ = true;
  char sink_[4096];  // Where a black hole's further input goes.
};

// The header first: a client that sent "Expect: 100-continue" (curl does
// for bodies over 1 MB) waits for a go-ahead before sending the body.
void Session::ReadRequest() {
  parser_.emplace(std::piecewise_construct,
                  std::make_tuple(std::move(spare_body_)));
  parser_->body_limit(kMaxBodyBytes);
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](ErrorCode ec, size_t) {
                            if (ec) return self->OnRequest(ec);
                            self->OnHeader();
                          });
}

void Session::OnHeader() {
  const auto& header = parser_->get();
  if (!beast::iequals(header[http::field::expect], "100-continue")) {
    return ReadBody();
  }
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                   [self = shared_from_this()](ErrorCode ec, size_t) {
                     if (ec) return self->Close();
                     self->ReadBody();
                   });
}

void Session::ReadBody() {
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](ErrorCode ec, size_t) {
                     self->OnRequest(ec);
                   });
}

void Session::OnRequest(ErrorCode ec) {
  if (ec == http::error::body_limit) {
    return AnswerProtocolError(413, "Request body too large");
  }
  const bool unparsable =
      ec.category() ==
          http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message;
  if (unparsable) return AnswerProtocolError(400, "Malformed HTTP request");
  if (ec) return Close();  // The client left, or the server is stopping.
  const auto& request = parser_->get();
  keep_alive_ = request.keep_alive();
  const HttpRequest view{View(request.method_string()), View(request.target()),
                         View(request[http::field::authorization]),
                         request.body()};
  HttpReply reply = service_->Handle(view);
  // Kept for the next request: its capacity spares a fresh allocation of
  // the next body's size and the page faults of touching it.
  spare_body_ = std::move(parser_->get().body());
  spare_body_.clear();
  Carry(std::move(reply));
}

void Session::Carry(HttpReply reply) {
  switch (reply.action) {
    case HttpReply::Action::kReset:
      return Reset();
    case HttpReply::Action::kClose:
      return Close();
    case HttpReply::Action::kBlackHole:
      return Swallow();
    case HttpReply::Action::kAnswer:
      break;
  }
  const int64_t delay_ms = reply.delay_ms;
  PrepareResponse(std::move(reply));
  if (delay_ms <= 0) return Write();
  timer_.expires_after(std::chrono::milliseconds(delay_ms));
  timer_.async_wait([self = shared_from_this()](ErrorCode ec) {
    if (ec) return self->Close();
    self->Write();
  });
}

void Session::PrepareResponse(HttpReply reply) {
  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(reply.status));
  response_.set(
      http::field::content_type,
      beast::string_view(reply.content_type.data(), reply.content_type.size()));
  response_.set("x-request-id", service_->NextRequestId());
  if (reply.retry_after_s >= 0) {
    response_.set(http::field::retry_after,
                  std::to_string(reply.retry_after_s));
  }
  response_.keep_alive(keep_alive_);
  response_.body() = std::move(reply.body);
  response_.prepare_payload();
}

void Session::Write() {
  http::async_write(socket_, response_,
                    [self = shared_from_this()](ErrorCode ec, size_t) {
                      if (ec || !self->keep_alive_) return self->Close();
                      self->ReadRequest();
                    });
}

// Answers a request Beast could not parse, then closes: the rest of the
// stream cannot be trusted to start at a request boundary.
void Session::AnswerProtocolError(int status, std::string_view message) {
  keep_alive_ = false;
  PrepareResponse(JsonReply(status, ErrorBody(message)));
  Write();
}

// Reads and discards until the client leaves; never answers.
void Session::Swallow() {
  socket_.async_read_some(net::buffer(sink_),
                          [self = shared_from_this()](ErrorCode ec, size_t) {
                            if (ec) return self->Close();
                            self->Swallow();
                          });
}

// SO_LINGER 0 makes close() send RST instead of FIN.
void Session::Reset() {
  ErrorCode ignored;
  socket_.set_option(net::socket_base::linger(true, 0), ignored);
  socket_.close(ignored);
}

void Session::Close() {
  ErrorCode ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace

struct FakeCapiServer::Impl {
  explicit Impl(int threads) : io(std::in_place, threads), acceptor(*io) {}

  Status Listen(const std::string& host, uint16_t port);
  void Accept();

  std::unique_ptr<Service> service;
  // Reset by Stop(), acceptor first: destroying the io_context destroys the
  // handlers of pending operations, and with them the sessions and sockets.
  std::optional<net::io_context> io;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  tcp::endpoint local;  // What the acceptor is bound to.
  std::once_flag stopped;
};

Status FakeCapiServer::Impl::Listen(const std::string& host, uint16_t port) {
  ErrorCode ec;
  net::ip::address address = net::ip::make_address(
      host == "localhost" ? std::string("127.0.0.1") : host, ec);
  if (ec) {
    return Status::InvalidArgument("listen host \"" + host +
                                   "\" is not an IP address");
  }
  const tcp::endpoint endpoint(address, port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (!ec) local = acceptor->local_endpoint(ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + host + ":" +
                               std::to_string(port) + ": " + ec.message());
  }
  return Status::Ok();
}

void FakeCapiServer::Impl::Accept() {
  acceptor->async_accept(
      net::make_strand(*io), [this](ErrorCode ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted) return;
        if (!ec) {
          socket.set_option(tcp::no_delay(true), ec);
          std::make_shared<Session>(std::move(socket), service.get())
              ->ReadRequest();
        }
        Accept();
      });
}

StatusOr<std::unique_ptr<FakeCapiServer>> FakeCapiServer::Start(
    ServerOptions options) {
  if (options.threads < 1 || options.threads > 256) {
    return Status::InvalidArgument("threads must be in [1, 256]");
  }
  auto impl = std::make_unique<Impl>(options.threads);
  StatusOr<std::unique_ptr<Service>> service =
      Service::Create(std::move(options.service));
  if (!service.ok()) return service.status();
  impl->service = std::move(service).value();
  OUTBOX_RETURN_IF_ERROR(impl->Listen(options.host, options.port));
  impl->Accept();
  for (int i = 0; i < options.threads; ++i) {
    impl->threads.emplace_back([io = &*impl->io] { io->run(); });
  }
  return std::unique_ptr<FakeCapiServer>(new FakeCapiServer(std::move(impl)));
}

FakeCapiServer::FakeCapiServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

FakeCapiServer::~FakeCapiServer() { Stop(); }

void FakeCapiServer::Stop() {
  std::call_once(impl_->stopped, [this] {
    impl_->io->stop();
    for (std::thread& t : impl_->threads) t.join();
    impl_->acceptor.reset();
    impl_->io.reset();
  });
}

uint16_t FakeCapiServer::port() const { return impl_->local.port(); }

std::string FakeCapiServer::host() const {
  return impl_->local.address().to_string();
}

Service& FakeCapiServer::service() { return *impl_->service; }

}  // namespace fake_capi
}  // namespace outbox
