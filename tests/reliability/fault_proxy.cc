#include "tests/reliability/fault_proxy.h"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <future>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

namespace outbox::testing {

namespace asio = boost::asio;
using asio::ip::tcp;
using Mode = FaultProxy::Mode;

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kForward:
      return "forward";
    case Mode::kRefuse:
      return "refuse";
    case Mode::kBlackHole:
      return "black hole";
    case Mode::kResetMidRequest:
      return "reset mid-request";
    case Mode::kDropAfterForward:
      return "drop after forward";
  }
  return "?";
}

namespace {

// One client connection, in the mode it was accepted in.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket client, Mode mode, std::atomic<uint64_t>* hits)
      : client_(std::move(client)),
        upstream_(client_.get_executor()),
        mode_(mode),
        hits_(hits) {}

  void Start(const tcp::endpoint& upstream) {
    if (mode_ == Mode::kBlackHole) ++*hits_;
    if (mode_ == Mode::kForward || mode_ == Mode::kDropAfterForward) {
      boost::system::error_code ec;
      upstream_.connect(upstream, ec);
      if (ec) return Close();
      Pump(upstream_, client_, &from_upstream_, /*answer=*/true);
    }
    Pump(client_, upstream_, &from_client_, /*answer=*/false);
  }

  void Close() {
    boost::system::error_code ignored;
    client_.close(ignored);
    upstream_.close(ignored);
  }

 private:
  using Buffer = std::array<char, 16384>;

  // Copies `from` to `to` until either closes, applying the mode.
  void Pump(tcp::socket& from, tcp::socket& to, Buffer* buffer, bool answer) {
    auto self = shared_from_this();
    from.async_read_some(
        asio::buffer(*buffer), [this, self, &from, &to, buffer, answer](
                                   boost::system::error_code ec, size_t n) {
          if (ec) return Close();
          if (!answer && mode_ == Mode::kBlackHole) {
            return Pump(from, to, buffer, answer);  // Swallow it.
          }
          if (!answer && mode_ == Mode::kResetMidRequest) {
            ++*hits_;
            client_.set_option(asio::socket_base::linger(true, 0));
            return Close();  // linger 0: close sends RST.
          }
          if (answer && mode_ == Mode::kDropAfterForward) {
            ++*hits_;  // The receiver has answered: it took the request.
            return Close();
          }
          asio::async_write(to, asio::buffer(buffer->data(), n),
                            [this, self, &from, &to, buffer, answer](
                                boost::system::error_code ec, size_t) {
                              if (ec) return Close();
                              Pump(from, to, buffer, answer);
                            });
        });
  }

  tcp::socket client_;
  tcp::socket upstream_;
  Mode mode_;
  std::atomic<uint64_t>* hits_;
  Buffer from_client_{};
  Buffer from_upstream_{};
};

}  // namespace

class FaultProxy::Impl {
 public:
  explicit Impl(int upstream_port)
      : upstream_(asio::ip::make_address("127.0.0.1"), upstream_port),
        acceptor_(io_) {
    Listen(0);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Impl() {
    asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      CloseSessions();
    });
    work_.reset();
    io_.stop();
    thread_.join();
  }

  int port() const { return port_; }

  void SetMode(Mode mode) {
    std::promise<void> done;
    asio::post(io_, [this, mode, &done] {
      const Mode old = mode_;
      mode_ = mode;
      CloseSessions();
      boost::system::error_code ignored;
      if (mode == Mode::kRefuse) acceptor_.close(ignored);
      if (old == Mode::kRefuse && mode != Mode::kRefuse) Listen(port_);
      done.set_value();
    });
    done.get_future().wait();
  }

  std::atomic<uint64_t> black_holed{0}, reset{0}, dropped{0};

 private:
  // Listens on `port`, or on a free port below the ephemeral range when 0:
  // with no listener on an ephemeral port, a connect() to it can be given
  // that very port as its source and connect to itself (TCP simultaneous
  // open), taking the port before the proxy listens again.
  void Listen(int port) {
    std::mt19937 rng(std::random_device{}());
    std::string last_error;
    for (int tries = 0; tries < 200; ++tries) {
      const int candidate =
          port != 0 ? port
                    : std::uniform_int_distribution<int>(20000, 32000)(rng);
      tcp::endpoint at(asio::ip::make_address("127.0.0.1"), candidate);
      boost::system::error_code ec;
      acceptor_.open(at.protocol(), ec);
      acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
      acceptor_.bind(at, ec);
      if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
      if (!ec) {
        port_ = candidate;
        return Accept();
      }
      last_error = ec.message();
      acceptor_.close(ec);
      if (port != 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    throw std::runtime_error("FaultProxy: cannot listen on port " +
                             std::to_string(port) + ": " + last_error);
  }

  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec,
                                  tcp::socket socket) {
      if (ec) return;  // Closed: refusing, or shutting down.
      std::atomic<uint64_t>* hits = mode_ == Mode::kBlackHole ? &black_holed
                                    : mode_ == Mode::kDropAfterForward
                                        ? &dropped
                                        : &reset;
      auto session = std::make_shared<Session>(std::move(socket), mode_, hits);
      sessions_.insert(session);
      session->Start(upstream_);
      Accept();
    });
  }

  void CloseSessions() {
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) session->Close();
    }
    sessions_.clear();
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>>
      work_{io_.get_executor()};
  tcp::endpoint upstream_;
  tcp::acceptor acceptor_;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>>
      sessions_;
  Mode mode_ = Mode::kForward;
  int port_ = 0;
  std::thread thread_;
};

FaultProxy::FaultProxy(int upstream_port)
    : impl_(std::make_unique<Impl>(upstream_port)) {}
FaultProxy::~FaultProxy() = default;
int FaultProxy::port() const { return impl_->port(); }
void FaultProxy::SetMode(Mode mode) { impl_->SetMode(mode); }
uint64_t FaultProxy::black_holed() const { return impl_->black_holed; }
uint64_t FaultProxy::reset() const { return impl_->reset; }
uint64_t FaultProxy::dropped_after_forward() const { return impl_->dropped; }

}  // namespace outbox::testing
