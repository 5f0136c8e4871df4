#include "tests/ctl/ctl_harness.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace outbox::ctl::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Forks and execs `args` with `env`, stdin from /dev/null and stdout/stderr
// into the given files.
pid_t Spawn(std::vector<std::string> args, std::vector<std::string> env,
            const std::string& out, const std::string& err,
            const std::string& input = "/dev/null") {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid != 0) return pid;
  int in = open(input.c_str(), O_RDONLY);
  int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(in, 0);
  dup2(o, 1);
  dup2(e, 2);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  for (auto& v : env) envp.push_back(v.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  execve(argv[0], argv.data(), envp.data());
  _exit(127);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ScratchDir::ScratchDir() {
  std::string pattern = "/tmp/outboxctl-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
  path_ = pattern;
}

ScratchDir::~ScratchDir() { std::filesystem::remove_all(path_); }

namespace {

std::string ShellQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `argv` (stdin from `input_file`, or /dev/null) to completion or for
// at most 120 s, capturing its exit code and output.
CtlResult RunCaptured(const std::vector<std::string>& argv,
                      const std::vector<std::string>& env,
                      const std::string& input_file = "/dev/null") {
  static int run = 0;
  std::string base = "/tmp/outboxctl-run-" + std::to_string(getpid()) + "-" +
                     std::to_string(run++);
  std::vector<std::string> envp = {"PATH=/usr/bin:/bin"};
  envp.insert(envp.end(), env.begin(), env.end());
  pid_t pid = Spawn(argv, envp, base + ".out", base + ".err", input_file);
  int status = 0;
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > give_up) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CtlResult result;
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadAll(base + ".out");
  result.err = ReadAll(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return result;
}

}  // namespace

CtlResult RunCtl(const std::vector<std::string>& args,
                 const std::vector<std::string>& env) {
  std::vector<std::string> argv = {OUTBOXCTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCaptured(argv, env);
}

CtlResult RunCtlOnTerminal(const std::vector<std::string>& args,
                           const std::string& input,
                           const std::vector<std::string>& env) {
  std::string command = ShellQuoted(OUTBOXCTL_PATH);
  for (const std::string& a : args) command += " " + ShellQuoted(a);
  std::string input_file = "/tmp/outboxctl-input-" + std::to_string(getpid());
  std::ofstream(input_file) << input;
  // -e: script exits with the command's status; -q: no banner.
  CtlResult result = RunCaptured(
      {"/usr/bin/script", "-qec", command, "/dev/null"}, env, input_file);
  std::remove(input_file.c_str());
  return result;
}

bool WaitUntil(const std::function<bool()>& done, int seconds) {
  auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

OutboxdProcess::OutboxdProcess(const ScratchDir& dir,
                               const std::string& capi_url,
                               const std::string& admin_token)
    : server_("unix:" + dir.Sub("outboxd.sock")),
      log_path_(dir.Sub("outboxd.log")) {
  std::vector<std::string> args = {
      OUTBOXD_PATH, "--data-dir",     dir.Sub("data"), "--listen",
      server_,      "--capi-url",     capi_url,        "--retry-initial-ms",
      "200",        "--retry-max-ms", "1000",          "--batch-linger-ms",
      "20"};
  if (!admin_token.empty()) {
    std::ofstream(dir.Sub("admin-token")) << admin_token << "\n";
    args.insert(args.end(), {"--admin-token-file", dir.Sub("admin-token")});
  }
  pid_ = Spawn(args, {"OPENAI_CONVERSIONS_API_KEY=sk-fake-capi-demo"},
               dir.Sub("outboxd.out"), log_path_);
  bool up = WaitUntil([&] {
    return RunCtl({"--server", server_, "health"},
                  {"OUTBOX_ADMIN_TOKEN=" + admin_token})
               .code == 0;
  });
  if (!up) throw std::runtime_error("outboxd did not come up: " + log());
}

OutboxdProcess::~OutboxdProcess() {
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

std::string OutboxdProcess::log() const { return ReadAll(log_path_); }

void OutboxdProcess::Enqueue(const std::string& pixel_id,
                             const std::vector<std::string>& ids) {
  std::vector<v1::ConversionEvent> events;
  for (const std::string& id : ids) events.push_back(MakeEvent(pixel_id, id));
  Enqueue(events);
}

void OutboxdProcess::Enqueue(const std::vector<v1::ConversionEvent>& events) {
  auto stub = v1::Outbox::NewStub(
      grpc::CreateChannel(server_, grpc::InsecureChannelCredentials()));
  v1::EnqueueRequest request;
  for (const v1::ConversionEvent& e : events) *request.add_events() = e;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::EnqueueResponse response;
  grpc::Status status = stub->Enqueue(&context, request, &response);
  if (!status.ok())
    throw std::runtime_error("enqueue: " + status.error_message());
}

v1::ConversionEvent MakeEvent(const std::string& pixel_id,
                              const std::string& id) {
  v1::ConversionEvent e;
  e.set_pixel_id(pixel_id);
  e.set_id(id);
  e.set_type("order_created");
  e.set_timestamp_ms(NowMs() - 60 * 1000);
  e.set_action_source("web");
  e.set_source_url("https://shop.example.com/checkout/done");
  e.mutable_data()->set_type("contents");
  e.mutable_data()->set_amount(12999);
  e.mutable_data()->set_currency("USD");
  return e;
}

}  // namespace outbox::ctl::testing
