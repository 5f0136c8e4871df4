// The real outboxd binary: --check-config, --print-config, a bad flag, a
// short life (serve, enqueue, SIGHUP, SIGTERM -> exit 0), TLS from the
// configured files, and the warning about plaintext on a non-loopback address.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/grpc/grpc_test_util.h"
#include "tests/grpc/test_certificates.h"

namespace outbox::grpc_service::testing {
namespace {

using outbox::testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs outboxd in the background with `args`, a fixed environment, and
// stdout/stderr sent to files in `dir`.
struct Outboxd {
  Outboxd(const TempDir& dir, std::vector<std::string> args,
          std::vector<std::string> env =
              {"OPENAI_CONVERSIONS_API_KEY=sk-smoke-secret"})
      : out(dir.Sub("stdout")), err(dir.Sub("stderr")) {
    args.insert(args.begin(), OUTBOXD_PATH);
    std::fflush(nullptr);  // Else the child repeats our buffered output.
    pid = fork();
    if (pid == 0) {
      freopen(out.c_str(), "w", stdout);
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
  // Waits for the exit and returns the exit code (-signal if killed).
  int Wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  // Waits (up to 20 s) until stderr holds `text`; returns stderr.
  std::string AwaitStderr(const std::string& text) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string log;
    while (std::chrono::steady_clock::now() < give_up) {
      log = ReadAll(err);
      if (log.find(text) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return log;
  }
  std::string out, err;
  pid_t pid;
};

struct SmokeFixture {
  TempDir dir;
  std::string DataDir() { return dir.Sub("data"); }
};

BOOST_FIXTURE_TEST_SUITE(OutboxdSmokeTest, SmokeFixture)

BOOST_AUTO_TEST_CASE(CheckConfigExitsZeroForAUsableConfig) {
  Outboxd d(dir, {"--data-dir", DataDir(), "--check-config"});
  BOOST_TEST(d.Wait() == 0, ReadAll(d.err));
  BOOST_TEST(ReadAll(d.out).find("configuration OK") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(PrintConfigShowsEffectiveValuesWithoutSecrets) {
  Outboxd d(
      dir,
      {"--data-dir", DataDir(), "--print-config", "--batch-max-events", "250"},
      {"OPENAI_CONVERSIONS_API_KEY=sk-smoke-secret", "OUTBOX_LOG_FORMAT=text"});
  BOOST_TEST(d.Wait() == 0, ReadAll(d.err));
  std::string printed = ReadAll(d.out);
  BOOST_TEST(
      printed.find("batch_max_events = 250  # flag") != std::string::npos,
      printed);
  BOOST_TEST(
      printed.find("log_format = \"text\"  # environment") != std::string::npos,
      printed);
  BOOST_TEST(printed.find("sk-smoke-secret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(BadFlagExits64WithOneLine) {
  Outboxd d(dir, {"--data-dir", DataDir(), "--no-such-flag"});
  BOOST_TEST(d.Wait() == 64);
  std::string err = ReadAll(d.err);
  BOOST_TEST(err.find("--no-such-flag") != std::string::npos, err);
  BOOST_TEST(std::count(err.begin(), err.end(), '\n') == 1);
}

BOOST_AUTO_TEST_CASE(BadConfigExits78) {
  Outboxd d(dir, {"--data-dir", DataDir(), "--capi-url",
                  "http://example.com/v1/events", "--check-config"});
  BOOST_TEST(d.Wait() == 78);
  BOOST_TEST(ReadAll(d.err).find("capi_url") != std::string::npos,
             ReadAll(d.err));
}

BOOST_AUTO_TEST_CASE(ServesReloadsOnSighupAndExitsZeroOnSigterm) {
  // Port 9 on loopback refuses connections: deliveries fail and retry,
  // which is all this test needs from the API side.
  Outboxd d(dir, {"--data-dir", DataDir(), "--listen", "127.0.0.1:0",
                  "--capi-url", "http://127.0.0.1:9/v1/events"});
  std::string log = d.AwaitStderr("\"msg\":\"serving\"");
  size_t at = log.find("\"address\":\"");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, log);
  at += std::string("\"address\":\"").size();
  std::string address = log.substr(at, log.find('"', at) - at);

  auto stub = v1::Outbox::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(In(10000));
  v1::EnqueueRequest request = MakeRequest({"smoke"});
  request.mutable_events(0)->set_timestamp_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  v1::EnqueueResponse response;
  grpc::Status s = stub->Enqueue(&context, request, &response);
  BOOST_TEST(s.ok(), s.error_message());

  kill(d.pid, SIGHUP);
  BOOST_TEST(d.AwaitStderr("reloaded").find("reloaded") != std::string::npos);
  kill(d.pid, SIGTERM);
  BOOST_TEST(d.Wait() == 0);
  log = ReadAll(d.err);
  BOOST_TEST(log.find("\"msg\":\"stopped\"") != std::string::npos, log);
  BOOST_TEST(log.find("sk-smoke-secret") == std::string::npos);
}

// The "address" field of outboxd's "serving" log line.
std::string ServingAddress(Outboxd& d) {
  std::string log = d.AwaitStderr("\"msg\":\"serving\"");
  size_t at = log.find("\"address\":\"");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, log);
  at += std::string("\"address\":\"").size();
  return log.substr(at, log.find('"', at) - at);
}

// Enqueues one fresh event over TLS, trusting `ca_pem`. The channel is
// closed on return: a connected client would hold up outboxd's exit.
grpc::Status EnqueueOverTls(const std::string& address,
                            const std::string& ca_pem) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca_pem;
  auto stub = v1::Outbox::NewStub(
      grpc::CreateChannel(address, grpc::SslCredentials(ssl)));
  grpc::ClientContext context;
  context.set_deadline(In(10000));
  v1::EnqueueRequest request = MakeRequest({"tls"});
  request.mutable_events(0)->set_timestamp_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  v1::EnqueueResponse response;
  return stub->Enqueue(&context, request, &response);
}

BOOST_AUTO_TEST_CASE(ServesTlsFromTheConfiguredFilesWithoutAWarning) {
  MakeCertificates(dir, "server");
  Outboxd d(dir,
            {"--data-dir", DataDir(), "--listen", "0.0.0.0:0", "--capi-url",
             "http://127.0.0.1:9/v1/events", "--tls-cert-file",
             dir.Sub("server.crt"), "--tls-key-file", dir.Sub("server.key")});
  std::string address = ServingAddress(d);
  std::string port = address.substr(address.rfind(':') + 1);
  grpc::Status s = EnqueueOverTls("127.0.0.1:" + port,
                                  ReadTextFile(dir.Sub("server-ca.crt")));
  BOOST_TEST(s.ok(), s.error_message());
  kill(d.pid, SIGTERM);
  BOOST_TEST(d.Wait() == 0);
  BOOST_TEST(ReadAll(d.err).find("plaintext") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(WarnsAboutPlaintextOnANonLoopbackAddress) {
  Outboxd d(dir, {"--data-dir", DataDir(), "--listen", "0.0.0.0:0",
                  "--capi-url", "http://127.0.0.1:9/v1/events"});
  ServingAddress(d);
  std::string log = d.AwaitStderr("plaintext");
  BOOST_TEST(log.find("serving plaintext gRPC on a non-loopback address") !=
                 std::string::npos,
             log);
  kill(d.pid, SIGTERM);
  BOOST_TEST(d.Wait() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service::testing
