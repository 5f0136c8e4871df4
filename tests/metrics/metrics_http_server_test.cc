// MetricsHttpServer on a loopback port 0: the three routes, 404/405, the
// readiness flip, keep-alive, and a clean Stop.
#include "grpc_service/metrics_http_server.h"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "grpc_service/readiness.h"
#include "tests/metrics/http_get.h"

namespace outbox::grpc_service::testing {
namespace {

struct HttpServerFixture {
  HttpServerFixture() {
    MetricsHttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.render_metrics = [this] {
      ++scrapes;
      return std::string(
          "# HELP x_total X.\n# TYPE x_total counter\n"
          "x_total 1\n");
    };
    options.not_ready = [this] { return readiness.NotReadyReason(); };
    auto started = MetricsHttpServer::Start(std::move(options));
    BOOST_REQUIRE_MESSAGE(started.ok(), started.status().ToString());
    server = std::move(*started);
  }

  std::string Url(const std::string& path) {
    return "http://" + server->address() + path;
  }

  std::atomic<int> scrapes{0};
  Readiness readiness;
  std::unique_ptr<MetricsHttpServer> server;
};

BOOST_FIXTURE_TEST_SUITE(MetricsHttpServerTest, HttpServerFixture)

BOOST_AUTO_TEST_CASE(ServesMetricsInTextFormat) {
  BOOST_TEST(server->port() > 0);
  BOOST_TEST(server->address() ==
             "127.0.0.1:" + std::to_string(server->port()));
  HttpResult r = HttpCall(Url("/metrics"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.content_type == "text/plain; version=0.0.4; charset=utf-8");
  BOOST_TEST(r.body ==
             "# HELP x_total X.\n# TYPE x_total counter\n"
             "x_total 1\n");
  BOOST_TEST(HttpCall(Url("/metrics?name[]=x")).status == 200);
  BOOST_TEST(scrapes == 2);
}

BOOST_AUTO_TEST_CASE(HealthzIsAlwaysOk) {
  HttpResult r = HttpCall(Url("/healthz"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "ok\n");
}

BOOST_AUTO_TEST_CASE(ReadyzFollowsReadinessAndSaysWhyNot) {
  HttpResult no_store = HttpCall(Url("/readyz"));
  BOOST_TEST(no_store.status == 503);
  BOOST_TEST(no_store.body == "not ready: the store is not open\n");

  readiness.SetStoreOpen(true);
  HttpResult starting = HttpCall(Url("/readyz"));
  BOOST_TEST(starting.status == 503);
  BOOST_TEST(starting.body.find("starting") != std::string::npos,
             starting.body);

  readiness.SetServing(true);
  HttpResult ready = HttpCall(Url("/readyz"));
  BOOST_TEST(ready.status == 200);
  BOOST_TEST(ready.body == "ready\n");

  readiness.SetShuttingDown();
  HttpResult stopping = HttpCall(Url("/readyz"));
  BOOST_TEST(stopping.status == 503);
  BOOST_TEST(stopping.body == "not ready: shutting down\n");
  BOOST_TEST(HttpCall(Url("/healthz")).status == 200);  // Still alive.
}

BOOST_AUTO_TEST_CASE(OtherPathsAre404AndOtherMethods405) {
  BOOST_TEST(HttpCall(Url("/")).status == 404);
  BOOST_TEST(HttpCall(Url("/metricsx")).status == 404);
  BOOST_TEST(HttpCall(Url("/v1/events"), "POST", "{}").status == 404);
  BOOST_TEST(HttpCall(Url("/metrics"), "POST", "{}").status == 405);
  BOOST_TEST(HttpCall(Url("/metrics"), "DELETE").status == 405);
  BOOST_TEST(scrapes == 0);
}

BOOST_AUTO_TEST_CASE(StopClosesTheListenerAndIsIdempotent) {
  std::string url = Url("/healthz");
  server->Stop();
  server->Stop();
  BOOST_TEST(HttpCall(url).code == CURLE_COULDNT_CONNECT);
}

BOOST_AUTO_TEST_CASE(RefusesBadAddressesAndBusyPorts) {
  MetricsHttpServerOptions options;
  options.render_metrics = [] { return std::string(); };
  options.listen = "9464";
  auto bad = MetricsHttpServer::Start(options);
  BOOST_TEST(bad.status().code() == StatusCode::kInvalidArgument);
  BOOST_TEST(bad.status().message().find("HOST:PORT") != std::string::npos);

  options.listen = server->address();  // Taken by the fixture's server.
  auto busy = MetricsHttpServer::Start(options);
  BOOST_TEST(busy.status().code() == StatusCode::kUnavailable);

  options.listen = "[::1]:0";
  auto v6 = MetricsHttpServer::Start(options);
  if (v6.ok()) {  // Hosts without IPv6 cannot bind ::1; that is fine.
    BOOST_TEST((*v6)->address().rfind("[::1]:", 0) == 0u);
    BOOST_TEST(HttpCall("http://" + (*v6)->address() + "/healthz").status ==
               200);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service::testing
