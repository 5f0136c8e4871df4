#include "tests/reliability/outboxd_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace outbox::testing {

int PickFreePort() {
  std::mt19937 rng(std::random_device{}());
  for (int tries = 0; tries < 200; ++tries) {
    const int port = std::uniform_int_distribution<int>(20000, 32000)(rng);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free =
        bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (free) return port;
  }
  throw std::runtime_error("cannot pick a free port");
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ChildProcess::ChildProcess(std::vector<std::string> argv,
                           std::vector<std::string> env,
                           const std::string& log_path) {
  std::fflush(nullptr);  // Else the child repeats our buffered output.
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // Never outlive a crashed test.
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    // Not every descriptor of the test is close-on-exec (Asio's are not):
    // a child holding the FaultProxy's listening socket would keep the
    // port listening after the proxy closed it to refuse connections.
    for (int other = 3; other < 4096; ++other) close(other);
    std::vector<char*> c_argv, c_env;
    for (auto& a : argv) c_argv.push_back(a.data());
    for (auto& e : env) c_env.push_back(e.data());
    c_argv.push_back(nullptr);
    c_env.push_back(nullptr);
    execve(c_argv[0], c_argv.data(), c_env.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (running()) Kill9();
}

void ChildProcess::Kill9() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int ChildProcess::Stop(int sig, int timeout_ms) {
  if (!running()) return -1;
  kill(pid_, sig);
  return Wait(timeout_ms);
}

int ChildProcess::Wait(int timeout_ms) {
  if (!running()) return -1;
  auto give_up =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > give_up) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

grpc::ChannelArguments FastReconnectArgs() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  // One channel per test: never share a subchannel with another one.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return args;
}

DaemonClient::DaemonClient(const std::string& address)
    : channel(grpc::CreateCustomChannel(
          address, grpc::InsecureChannelCredentials(), FastReconnectArgs())),
      admin(v1::Admin::NewStub(channel)),
      outbox(v1::Outbox::NewStub(channel)) {}

std::unique_ptr<v1::GetStatsResponse> DaemonClient::Stats() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(2000));
  auto response = std::make_unique<v1::GetStatsResponse>();
  grpc::Status s =
      admin->GetStats(&context, v1::GetStatsRequest(), response.get());
  return s.ok() ? std::move(response) : nullptr;
}

std::unique_ptr<v1::GetStatsResponse> DaemonClient::AwaitServing(
    int timeout_ms) {
  auto give_up =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < give_up) {
    grpc::ClientContext context;
    // Waits for the connection, but only briefly: the poll repeats.
    context.set_wait_for_ready(true);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(100));
    auto response = std::make_unique<v1::GetStatsResponse>();
    if (admin->GetStats(&context, v1::GetStatsRequest(), response.get()).ok()) {
      return response;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return nullptr;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace outbox::testing
