#include "grpc_service/metrics_http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "grpc_service/server.h"

namespace outbox::grpc_service {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr char kMetricsContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";
constexpr char kTextContentType[] = "text/plain; charset=utf-8";
// Probes and scrapes send no body; anything bigger is not for us.
constexpr uint64_t kMaxBodyBytes = 16 << 10;

struct Answer {
  http::status status;
  std::string content_type;
  std::string body;
};

// The routing table: the whole HTTP surface in one function.
Answer Route(const MetricsHttpServerOptions& options, http::verb method,
             std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  const bool known =
      path == "/metrics" || path == "/healthz" || path == "/readyz";
  if (!known) return {http::status::not_found, kTextContentType, "not found\n"};
  if (method != http::verb::get) {
    return {http::status::method_not_allowed, kTextContentType,
            "only GET is allowed\n"};
  }
  if (path == "/metrics") {
    return {http::status::ok, kMetricsContentType, options.render_metrics()};
  }
  if (path == "/healthz") return {http::status::ok, kTextContentType, "ok\n"};
  std::string reason = options.not_ready ? options.not_ready() : "";
  if (reason.empty()) return {http::status::ok, kTextContentType, "ready\n"};
  return {http::status::service_unavailable, kTextContentType,
          "not ready: " + reason + "\n"};
}

// One connection: requests one after another (keep-alive). All its
// handlers run on the server's single io thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const MetricsHttpServerOptions& options)
      : stream_(std::move(socket)), options_(options) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(std::chrono::milliseconds(options_.idle_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](ErrorCode ec, size_t) {
                       self->OnRead(ec);
                     });
  }

 private:
  void OnRead(ErrorCode ec) {
    if (ec) return Close();  // Client left, timed out, or sent garbage.
    const auto& request = parser_->get();
    Answer answer = Route(options_, request.method(),
                          {request.target().data(), request.target().size()});
    response_ = {};
    response_.version(request.version());
    response_.result(answer.status);
    response_.set(http::field::content_type, answer.content_type);
    response_.set(http::field::cache_control, "no-store");
    if (answer.status == http::status::method_not_allowed) {
      response_.set(http::field::allow, "GET");
    }
    response_.keep_alive(request.keep_alive());
    response_.body() = std::move(answer.body);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](ErrorCode ec, size_t) {
                        if (ec || !self->response_.keep_alive()) {
                          return self->Close();
                        }
                        self->Read();
                      });
  }

  void Close() {
    ErrorCode ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  const MetricsHttpServerOptions& options_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

// A valid "HOST:PORT" split; IPv6 hosts may be bracketed ("[::1]:9464").
void SplitHostPort(const std::string& listen, std::string* host,
                   std::string* port) {
  size_t colon = listen.rfind(':');
  *host = listen.substr(0, colon);
  *port = listen.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
}

}  // namespace

struct MetricsHttpServer::Impl {
  explicit Impl(MetricsHttpServerOptions opts)
      : options(std::move(opts)), acceptor(io), retry_timer(io) {}

  Status Bind();
  void Accept();

  const MetricsHttpServerOptions options;
  net::io_context io;
  tcp::acceptor acceptor;
  net::steady_timer retry_timer;  // Re-arms Accept after an accept error.
  std::thread thread;
  int port = 0;
  std::string address;
  std::mutex stop_mu;
  bool stopped = false;  // Guarded by stop_mu.
};

Status MetricsHttpServer::Impl::Bind() {
  OUTBOX_RETURN_IF_ERROR(ValidateMetricsListenAddress(options.listen));
  std::string host, port_text;
  SplitHostPort(options.listen, &host, &port_text);
  ErrorCode ec;
  tcp::resolver resolver(io);
  auto endpoints =
      resolver.resolve(host, port_text, tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return Status::Unavailable("metrics_listen: cannot resolve \"" + host +
                               "\": " + ec.message());
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + options.listen + " (" +
                               ec.message() + ")");
  }
  port = acceptor.local_endpoint().port();
  std::string shown = endpoint.address().to_string();
  if (endpoint.address().is_v6()) shown = "[" + shown + "]";
  address = shown + ":" + std::to_string(port);
  return Status::Ok();
}

void MetricsHttpServer::Impl::Accept() {
  acceptor.async_accept([this](ErrorCode ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      std::make_shared<Session>(std::move(socket), options)->Read();
      return Accept();
    }
    // Out of file descriptors, most likely: retrying at once would spin.
    retry_timer.expires_after(std::chrono::milliseconds(100));
    retry_timer.async_wait([this](ErrorCode wait_ec) {
      if (!wait_ec) Accept();
    });
  });
}

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    MetricsHttpServerOptions options) {
  if (!options.render_metrics) {
    return Status::InvalidArgument("metrics server: render_metrics is unset");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  OUTBOX_RETURN_IF_ERROR(impl->Bind());
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MetricsHttpServer>(
      new MetricsHttpServer(std::move(impl)));
}

void MetricsHttpServer::Stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  // io.stop() abandons every pending operation; the sessions they hold are
  // destroyed with the io_context, after the thread has gone.
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  ErrorCode ignored;
  impl_->acceptor.close(ignored);
}

int MetricsHttpServer::port() const { return impl_->port; }

const std::string& MetricsHttpServer::address() const { return impl_->address; }

}  // namespace outbox::grpc_service
