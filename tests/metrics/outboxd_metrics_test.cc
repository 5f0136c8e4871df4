// The real outboxd with --metrics-listen, delivering to an in-process
// fake-capi: the scrape follows enqueues and deliveries, never shows the
// key or raw personal data, and /readyz turns 503 while shutting down.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "outbox/v1/outbox.grpc.pb.h"
#include "tests/metrics/exposition_check.h"
#include "tests/metrics/http_get.h"
#include "tests/outbox/test_util.h"
#include "tools/fake_capi/server.h"

namespace outbox::grpc_service::testing {
namespace {

using outbox::testing::TempDir;

constexpr char kRawEmail[] = "jane.doe@example.com";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Polls `done` every 20 ms for up to 20 s; true once it holds.
bool Eventually(const std::function<bool()>& done) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < give_up) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// The value of `"key":"...` in a JSON log line.
std::string LogField(const std::string& log, const std::string& key) {
  std::string needle = "\"" + key + "\":\"";
  size_t at = log.find(needle);
  if (at == std::string::npos) return "";
  at += needle.size();
  return log.substr(at, log.find('"', at) - at);
}

// The sample's value, or -1 when it is missing.
double Num(const std::string& text, const std::string& series) {
  return SampleValue(text, series).value_or(-1);
}

// outboxd in the background, stderr to a file.
struct Outboxd {
  Outboxd(const TempDir& dir, std::vector<std::string> args)
      : err(dir.Sub("stderr")) {
    args.insert(args.begin(), OUTBOXD_PATH);
    std::vector<std::string> env = {std::string("OPENAI_CONVERSIONS_API_KEY=") +
                                    fake_capi::kDemoApiKey};
    std::fflush(nullptr);
    pid = fork();
    if (pid == 0) {
      freopen("/dev/null", "w", stdout);
      freopen(err.c_str(), "w", stderr);
      std::vector<char*> argv, envp;
      for (auto& a : args) argv.push_back(a.data());
      for (auto& e : env) envp.push_back(e.data());
      argv.push_back(nullptr);
      envp.push_back(nullptr);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
  }
  ~Outboxd() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      Wait();
    }
  }
  int Wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  std::string err;
  pid_t pid;
};

struct DaemonFixture {
  DaemonFixture() {
    fake_capi::ServerOptions options;
    options.port = 0;
    auto started = fake_capi::FakeCapiServer::Start(options);
    BOOST_REQUIRE_MESSAGE(started.ok(), started.status().ToString());
    capi = std::move(*started);
    capi_base = "http://127.0.0.1:" + std::to_string(capi->port());
    daemon = std::make_unique<Outboxd>(
        dir, std::vector<std::string>{
                 "--data-dir", dir.Sub("data"), "--listen", "127.0.0.1:0",
                 "--metrics-listen", "127.0.0.1:0", "--capi-url",
                 capi_base + "/v1/events", "--batch-linger-ms", "10",
                 "--shutdown-timeout-ms", "5000"});
    std::string log;
    BOOST_REQUIRE(Eventually([&] {
      log = ReadAll(daemon->err);
      return log.find("\"msg\":\"serving\"") != std::string::npos;
    }));
    grpc_address = LogField(log, "address");
    metrics_address = LogField(log, "metrics_address");
    BOOST_REQUIRE_MESSAGE(!metrics_address.empty(), log);
    stub = v1::Outbox::NewStub(
        grpc::CreateChannel(grpc_address, grpc::InsecureChannelCredentials()));
  }

  grpc::Status Enqueue(const std::vector<std::string>& ids, bool valid = true) {
    v1::EnqueueRequest request;
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    for (const std::string& id : ids) {
      v1::ConversionEvent* e = request.add_events();
      e->set_pixel_id("px_metrics");
      e->set_id(id);
      e->set_type("order_created");
      e->set_timestamp_ms(now - 1000);
      e->set_action_source("web");
      e->set_source_url("https://shop.example.com/done");
      e->mutable_user()->add_emails(kRawEmail);
      e->mutable_data()->set_type("contents");
      e->mutable_data()->set_amount(12999);
      e->mutable_data()->set_currency(valid ? "USD" : "DOLLARS");
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::EnqueueResponse response;
    return stub->Enqueue(&context, request, &response);
  }

  HttpResult Get(const std::string& path) {
    return HttpCall("http://" + metrics_address + path);
  }

  // A scrape, checked for format; "" when it failed.
  std::string Scrape() {
    HttpResult r = Get("/metrics");
    if (r.status != 200) return "";
    std::string error = ExpositionError(r.body);
    BOOST_TEST(error.empty(), error);
    return r.body;
  }

  double Value(const std::string& series) { return Num(Scrape(), series); }

  TempDir dir;
  std::unique_ptr<fake_capi::FakeCapiServer> capi;
  std::string capi_base;
  std::unique_ptr<Outboxd> daemon;
  std::string grpc_address, metrics_address;
  std::unique_ptr<v1::Outbox::Stub> stub;
};

BOOST_FIXTURE_TEST_SUITE(OutboxdMetricsTest, DaemonFixture)

BOOST_AUTO_TEST_CASE(ScrapeFollowsEnqueuesAndDeliveriesAndReadyzFlips) {
  BOOST_TEST(Get("/healthz").status == 200);
  BOOST_TEST(Eventually([&] { return Get("/readyz").status == 200; }));

  const int n = 25;
  for (int i = 0; i < n; ++i) {
    grpc::Status s = Enqueue({"m" + std::to_string(i)});
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  }
  BOOST_TEST(Enqueue({"m0", "m1"}).ok());  // Two duplicates.
  BOOST_TEST(Enqueue({"bad"}, /*valid=*/false).error_code() ==
             grpc::StatusCode::INVALID_ARGUMENT);

  std::string t = Scrape();
  BOOST_TEST(Num(t, "outbox_enqueue_events_total{result=\"ok\"}") == n);
  BOOST_TEST(Num(t, "outbox_enqueue_events_total{result=\"duplicate\"}") == 2);
  BOOST_TEST(Num(t, "outbox_enqueue_events_total{result=\"invalid\"}") == 1);
  BOOST_TEST(Num(t, "outbox_enqueue_calls_total{code=\"OK\"}") == n + 1);
  BOOST_TEST(Num(t, "outbox_enqueue_duration_seconds_count") == n + 2);

  BOOST_TEST(
      Eventually([&] { return Value("outbox_events_delivered_total") == n; }));
  t = Scrape();
  BOOST_TEST(Num(t, "outbox_events{state=\"delivered\"}") == n);
  BOOST_TEST(Num(t, "outbox_events{state=\"pending\"}") == 0);
  BOOST_TEST(Num(t,
                 "outbox_delivery_request_duration_seconds_count{"
                 "outcome=\"delivered\"}") > 0);
  BOOST_TEST(Num(t, "outbox_delivery_request_events_sum") == n);
  BOOST_TEST(Num(t, "outbox_storage_bytes") > 0);
  BOOST_TEST(t.find("outbox_build_info{version=\"") != std::string::npos);
  BOOST_TEST(t.find(fake_capi::kDemoApiKey) == std::string::npos);
  BOOST_TEST(t.find(kRawEmail) == std::string::npos);
  BOOST_TEST(t.find("example.com") == std::string::npos);
  BOOST_TEST_MESSAGE("scrape after delivery:\n" << t);

  // Hold one request at the API so shutdown has to wait for it: /readyz
  // must say so while the daemon finishes.
  HttpResult slow =
      HttpCall(capi_base + "/control", "POST", "{\"slow\":1,\"slow_ms\":3000}");
  BOOST_REQUIRE_MESSAGE(slow.status == 200, slow.body);
  BOOST_REQUIRE(Enqueue({"last"}).ok());
  BOOST_REQUIRE(Eventually(
      [&] { return Value("outbox_delivery_requests_in_flight") == 1; }));
  kill(daemon->pid, SIGTERM);
  HttpResult ready;
  BOOST_TEST(Eventually([&] {
    ready = Get("/readyz");
    return ready.status != 200;
  }));
  BOOST_TEST(ready.status == 503);
  BOOST_TEST(ready.body == "not ready: shutting down\n");
  BOOST_TEST(daemon->Wait() == 0);
  std::string log = ReadAll(daemon->err);
  BOOST_TEST(log.find(fake_capi::kDemoApiKey) == std::string::npos);
  BOOST_TEST(Get("/healthz").code == CURLE_COULDNT_CONNECT);  // Gone.
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service::testing
