// CurlTransport against a scripted HTTP/1.1 server in this process.
#include "outbox/curl_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/http/test_http_server.h"

namespace outbox {
namespace {

using testing::ReceivedRequest;
using testing::Reply;
using testing::TestHttpServer;

// An upper bound for things that should take milliseconds; only reached
// when the code under test is broken.
constexpr std::chrono::seconds kGenerous(20);
constexpr char kApiKey[] = "sk-test-key-0123456789";

Reply Answer(Reply::Kind kind) { return Reply::Of(kind); }

CurlTransportOptions OptionsFor(const TestHttpServer& server) {
  CurlTransportOptions options;
  options.endpoint = server.url();
  return options;
}

std::unique_ptr<CurlTransport> MakeTransport(
    const CurlTransportOptions& options) {
  StatusOr<std::unique_ptr<CurlTransport>> transport =
      CurlTransport::Create(options);
  BOOST_REQUIRE_MESSAGE(transport.ok(), transport.status().ToString());
  return std::move(transport).value();
}

HttpRequest MakeRequest(std::string body = R"({"events":[]})") {
  return {"px_test", kApiKey, std::move(body)};
}

// Sends `request` and returns what the callback received.
HttpResponse SendAndWait(Transport& transport, HttpRequest request) {
  auto promise = std::make_shared<std::promise<HttpResponse>>();
  std::future<HttpResponse> future = promise->get_future();
  transport.Send(std::move(request), [promise](HttpResponse response) {
    promise->set_value(std::move(response));
  });
  BOOST_REQUIRE(future.wait_for(kGenerous) == std::future_status::ready);
  return future.get();
}

// Checks a "no response" outcome, and that the key stayed out of it.
void CheckTransportError(const HttpResponse& response,
                         const std::string& expected) {
  BOOST_TEST(response.status == 0);
  BOOST_TEST(response.transport_error == expected);
  BOOST_TEST(response.transport_error.find(kApiKey) == std::string::npos);
}

// Counts callbacks per request index and keeps each one's response.
class Completions {
 public:
  explicit Completions(size_t n) : counts_(n, 0), responses_(n) {}

  Transport::Callback For(size_t i) {
    return [this, i](HttpResponse response) {
      std::lock_guard<std::mutex> lock(mu_);
      ++counts_[i];
      responses_[i] = std::move(response);
      ++total_;
      cv_.notify_all();
    };
  }

  bool WaitForAll() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kGenerous,
                        [&] { return total_ >= counts_.size(); });
  }

  int count(size_t i) const {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[i];
  }

  HttpResponse response(size_t i) const {
    std::lock_guard<std::mutex> lock(mu_);
    return responses_[i];
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> counts_;
  std::vector<HttpResponse> responses_;
  size_t total_ = 0;
};

BOOST_AUTO_TEST_SUITE(CurlTransportTest)

BOOST_AUTO_TEST_CASE(SendsPostWithKeyPixelAndBody) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(); });
  auto transport = MakeTransport(OptionsFor(server));
  // Large enough that libcurl would normally ask for "100 Continue", with
  // bytes that must survive untouched.
  std::string body = "{\"events\":[{\"id\":\"caf\xC3\xA9 \\\"q\\\"\"}]}";
  body += std::string(4000, ' ');

  HttpResponse response = SendAndWait(*transport, {"px 1/2", kApiKey, body});

  BOOST_TEST(response.status == 200);
  BOOST_TEST(response.body == R"({"accepted_events":1})");
  BOOST_TEST(response.transport_error.empty());
  std::vector<ReceivedRequest> requests = server.requests();
  BOOST_REQUIRE(requests.size() == 1u);
  const ReceivedRequest& request = requests[0];
  BOOST_TEST(request.method == "POST");
  BOOST_TEST(request.target == "/v1/events?pid=px%201%2F2");
  BOOST_TEST(request.Header("authorization") ==
             std::string("Bearer ") + kApiKey);
  BOOST_TEST(request.Header("content-type") == "application/json");
  BOOST_TEST(request.Header("user-agent") == "capi-outbox/0.1");
  BOOST_TEST(!request.HasHeader("expect"));
  BOOST_TEST(request.body == body);
}

BOOST_AUTO_TEST_CASE(ReportsStatusBodyAndLowerCasedHeaders) {
  TestHttpServer server([](const ReceivedRequest&) {
    Reply reply;
    reply.status = 429;
    reply.headers = {{"Retry-After", "3"}, {"X-Request-Id", "  abc  "}};
    reply.body = R"({"error":{"message":"slow down"}})";
    return reply;
  });
  auto transport = MakeTransport(OptionsFor(server));

  HttpResponse response = SendAndWait(*transport, MakeRequest());

  BOOST_TEST(response.status == 429);
  BOOST_TEST(response.transport_error.empty());
  BOOST_TEST(response.Header("retry-after") == "3");
  BOOST_TEST(response.Header("x-request-id") == "abc");
  BOOST_TEST(response.Header("content-length") == "33");
  BOOST_TEST(response.body == R"({"error":{"message":"slow down"}})");
  BOOST_TEST(response.duration_ms >= 0);
}

BOOST_AUTO_TEST_CASE(KeepsOnlyTheFirstBytesOfALargeBody) {
  TestHttpServer server([](const ReceivedRequest&) {
    Reply reply;
    reply.body = "0123456789" + std::string(100000, 'x');
    return reply;
  });
  CurlTransportOptions options = OptionsFor(server);
  options.max_response_body_bytes = 10;
  auto transport = MakeTransport(options);

  HttpResponse response = SendAndWait(*transport, MakeRequest());

  BOOST_TEST(response.status == 200);
  BOOST_TEST(response.body == "0123456789");
}

BOOST_AUTO_TEST_CASE(TimesOutABlackHole) {
  TestHttpServer server(
      [](const ReceivedRequest&) { return Answer(Reply::Kind::kBlackHole); });
  CurlTransportOptions options = OptionsFor(server);
  options.request_timeout_ms = 300;
  auto transport = MakeTransport(options);

  HttpResponse response = SendAndWait(*transport, MakeRequest());

  CheckTransportError(response, "timeout");
  BOOST_TEST(response.duration_ms >= 250);
  BOOST_TEST(response.duration_ms < 10000);
}

BOOST_AUTO_TEST_CASE(TimesOutASlowAnswer) {
  TestHttpServer server([](const ReceivedRequest&) {
    Reply reply;
    reply.delay = std::chrono::seconds(30);  // Cut short by server shutdown.
    return reply;
  });
  CurlTransportOptions options = OptionsFor(server);
  options.request_timeout_ms = 300;
  auto transport = MakeTransport(options);

  CheckTransportError(SendAndWait(*transport, MakeRequest()), "timeout");
}

BOOST_AUTO_TEST_CASE(ReportsConnectionRefused) {
  // A bound socket that never listens: connecting to its port is refused,
  // and no other process can take the port meanwhile.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  BOOST_REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  BOOST_REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  CurlTransportOptions options;
  options.endpoint = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto transport = MakeTransport(options);

  CheckTransportError(SendAndWait(*transport, MakeRequest()),
                      "connection refused");
  close(fd);
}

BOOST_AUTO_TEST_CASE(ReportsConnectionClosedWithoutResponse) {
  TestHttpServer server(
      [](const ReceivedRequest&) { return Answer(Reply::Kind::kClose); });
  auto transport = MakeTransport(OptionsFor(server));

  CheckTransportError(SendAndWait(*transport, MakeRequest()),
                      "connection closed without a response");
}

BOOST_AUTO_TEST_CASE(ReportsConnectionReset) {
  TestHttpServer server(
      [](const ReceivedRequest&) { return Answer(Reply::Kind::kReset); });
  auto transport = MakeTransport(OptionsFor(server));

  CheckTransportError(SendAndWait(*transport, MakeRequest()),
                      "connection reset");
}

BOOST_AUTO_TEST_CASE(ReportsTlsErrorFromAServerThatDoesNotSpeakTls) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(); },
                        "HTTP/1.1 400 Bad Request\r\n\r\n");
  CurlTransportOptions options;
  options.endpoint =
      "https://127.0.0.1:" + std::to_string(server.port()) + "/v1/events";
  auto transport = MakeTransport(options);

  HttpResponse response = SendAndWait(*transport, MakeRequest());

  BOOST_TEST(response.status == 0);
  BOOST_TEST(response.transport_error.rfind("TLS error: ", 0) == 0u,
             response.transport_error);
  BOOST_TEST(server.requests().empty());
}

BOOST_AUTO_TEST_CASE(RefusesApiKeyWithLineBreak) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(); });
  auto transport = MakeTransport(OptionsFor(server));

  HttpResponse response =
      SendAndWait(*transport, {"px", "sk-1\r\nX-Injected: 1", "{}"});

  BOOST_TEST(response.status == 0);
  BOOST_TEST(response.transport_error == "API key contains a line break");
  BOOST_TEST(server.requests().empty());
}

BOOST_AUTO_TEST_CASE(ManyConcurrentSendsAllComplete) {
  // Echo the body so that every callback can be matched to its request.
  TestHttpServer server([](const ReceivedRequest& request) {
    Reply reply;
    reply.body = request.body;
    return reply;
  });
  constexpr size_t kSends = 200;
  constexpr size_t kSenders = 4;
  Completions completions(kSends);
  CurlTransportOptions options = OptionsFor(server);
  {
    auto transport = MakeTransport(options);
    std::vector<std::thread> senders;
    for (size_t s = 0; s < kSenders; ++s) {
      senders.emplace_back([&, s] {
        for (size_t i = s; i < kSends; i += kSenders) {
          transport->Send(MakeRequest("{\"n\":" + std::to_string(i) + "}"),
                          completions.For(i));
        }
      });
    }
    for (std::thread& sender : senders) sender.join();
    BOOST_REQUIRE(completions.WaitForAll());
  }  // Destroying the transport must not add late or duplicate callbacks.

  for (size_t i = 0; i < kSends; ++i) {
    BOOST_TEST_CONTEXT("send " << i) {
      BOOST_TEST(completions.count(i) == 1);
      HttpResponse response = completions.response(i);
      BOOST_TEST(response.status == 200);
      BOOST_TEST(response.body == "{\"n\":" + std::to_string(i) + "}");
    }
  }
  BOOST_TEST(server.connections_accepted() <= options.max_concurrent_requests);
}

BOOST_AUTO_TEST_CASE(ReusesConnections) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(); });
  auto transport = MakeTransport(OptionsFor(server));

  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(SendAndWait(*transport, MakeRequest()).status == 200);
  }

  BOOST_TEST(server.requests().size() == 5u);
  BOOST_TEST(server.connections_accepted() == 1);
}

BOOST_AUTO_TEST_CASE(CallbackMaySendAgain) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(); });
  auto transport = MakeTransport(OptionsFor(server));
  std::promise<HttpResponse> second;

  transport->Send(MakeRequest(), [&](HttpResponse) {
    transport->Send(MakeRequest(), [&](HttpResponse response) {
      second.set_value(std::move(response));
    });
  });

  std::future<HttpResponse> future = second.get_future();
  BOOST_REQUIRE(future.wait_for(kGenerous) == std::future_status::ready);
  BOOST_TEST(future.get().status == 200);
}

BOOST_AUTO_TEST_CASE(ShutdownCompletesPendingSends) {
  TestHttpServer server(
      [](const ReceivedRequest&) { return Answer(Reply::Kind::kBlackHole); });
  CurlTransportOptions options = OptionsFor(server);
  options.max_concurrent_requests = 2;
  constexpr size_t kSends = 5;
  Completions completions(kSends);
  {
    auto transport = MakeTransport(options);
    for (size_t i = 0; i < kSends; ++i) {
      transport->Send(MakeRequest(), completions.For(i));
    }
    // Two requests in flight, three still queued.
    BOOST_REQUIRE(server.WaitForRequests(2, kGenerous));
  }

  // No waiting: the destructor returns only after every callback ran.
  for (size_t i = 0; i < kSends; ++i) {
    BOOST_TEST_CONTEXT("send " << i) {
      BOOST_TEST(completions.count(i) == 1);
      CheckTransportError(completions.response(i), "transport shut down");
    }
  }
  BOOST_TEST(server.requests().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
