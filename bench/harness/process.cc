#include "bench/harness/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace bench {
namespace {

// The child's environment: ours, with `extra` overriding same-named entries.
std::vector<std::string> MergedEnv(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const std::string& x : extra) replaced |= x.rfind(name, 0) == 0;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

// Only async-signal-safe calls between fork and exec.
[[noreturn]] void ExecChild(char** argv, char** envp, const SpawnOptions& o,
                            int out_fd, int err_fd, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // The parent died before prctl.
  if (o.new_process_group) setpgid(0, 0);
  if (out_fd >= 0) dup2(out_fd, STDOUT_FILENO);
  if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
  execvpe(argv[0], argv, envp);
  _exit(127);
}

int OpenOutput(const std::string& path) {
  if (path.empty()) return -1;
  return open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

}  // namespace

Child::Child(Child&& other) noexcept { *this = std::move(other); }

Child& Child::operator=(Child&& other) noexcept {
  std::swap(pid_, other.pid_);
  std::swap(group_, other.group_);
  std::swap(exit_code_, other.exit_code_);
  return *this;
}

Child::~Child() {
  if (pid_ > 0 && exit_code_ < 0) {
    Signal(SIGKILL);
    Wait();
  }
}

outbox::StatusOr<Child> Child::Spawn(const std::vector<std::string>& argv,
                                     const SpawnOptions& options) {
  std::vector<std::string> args = argv;
  std::vector<std::string> env = MergedEnv(options.env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);
  const int out_fd = OpenOutput(options.stdout_path);
  const int err_fd = OpenOutput(options.stderr_path);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    ExecChild(c_args.data(), c_env.data(), options, out_fd, err_fd, parent);
  }
  if (out_fd >= 0) close(out_fd);
  if (err_fd >= 0) close(err_fd);
  if (pid < 0) {
    return outbox::Status::Unavailable("fork " + argv[0] + ": " +
                                       std::strerror(errno));
  }
  // Also here, so the group exists before anyone signals it.
  if (options.new_process_group) setpgid(pid, pid);
  Child child;
  child.pid_ = pid;
  child.group_ = options.new_process_group;
  return child;
}

bool Child::running() {
  if (pid_ <= 0 || exit_code_ >= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_code_ = ExitCode(status);
    return false;
  }
  return true;
}

void Child::Signal(int sig) {
  if (pid_ <= 0 || exit_code_ >= 0) return;
  if (group_) kill(-pid_, sig);
  kill(pid_, sig);
}

int Child::Wait(struct rusage* usage) {
  if (pid_ <= 0) return -1;
  if (exit_code_ >= 0) return exit_code_;
  int status = 0;
  struct rusage local;
  while (wait4(pid_, &status, 0, usage ? usage : &local) < 0 &&
         errno == EINTR) {
  }
  exit_code_ = ExitCode(status);
  // Whatever the child started in its group goes with it.
  if (group_) kill(-pid_, SIGKILL);
  return exit_code_;
}

int Child::Stop(std::chrono::milliseconds grace) {
  Signal(SIGTERM);
  if (!WaitUntil([this] { return !running(); }, grace)) Signal(SIGKILL);
  return Wait();
}

int RunCommand(const std::vector<std::string>& argv, std::string* out) {
  int fds[2];
  if (out != nullptr && pipe2(fds, O_CLOEXEC) != 0) return -1;
  std::vector<std::string> args = argv;
  std::vector<std::string> env = MergedEnv({});
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    ExecChild(c_args.data(), c_env.data(), SpawnOptions{},
              out != nullptr ? fds[1] : -1, -1, parent);
  }
  if (out != nullptr) {
    close(fds[1]);
    char buffer[4096];
    ssize_t n;
    while ((n = read(fds[0], buffer, sizeof buffer)) > 0 ||
           (n < 0 && errno == EINTR)) {
      if (n > 0) out->append(buffer, static_cast<size_t>(n));
    }
    close(fds[0]);
  }
  if (pid < 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return ExitCode(status);
}

bool WaitUntil(const std::function<bool()>& ready,
               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

double ProcessCpuSeconds(pid_t pid) {
  // Fields 14 and 15 of /proc/PID/stat, after the parenthesised name (which
  // may itself contain spaces).
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close_paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

namespace {

long StatusFieldKb(pid_t pid, const std::string& name) {
  std::istringstream lines(
      ReadFile("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + ":", 0) == 0) {
      return std::atol(line.c_str() + name.size() + 1);
    }
  }
  return 0;
}

}  // namespace

long ProcessRssKb(pid_t pid) { return StatusFieldKb(pid, "VmRSS"); }
long ProcessPeakRssKb(pid_t pid) { return StatusFieldKb(pid, "VmHWM"); }

double SelfCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

std::string SelfDir() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  std::string exe(path, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

}  // namespace bench
