// Child processes and /proc readings for the bench: the servers it measures
// (fake-capi, outboxd, the no-op gRPC server, PostgreSQL) and the trial
// processes the runner starts.
//
// Thread-safety: a Child is used by one thread. Spawn from the thread that
// will outlive the child: children are killed when that thread exits
// (PR_SET_PDEATHSIG), so an aborted bench leaves no servers behind.
#ifndef BENCH_HARNESS_PROCESS_H_
#define BENCH_HARNESS_PROCESS_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "outbox/status.h"

namespace bench {

struct SpawnOptions {
  // Files that receive the child's stdout / stderr; "" inherits ours.
  std::string stdout_path;
  std::string stderr_path;
  // "NAME=value" entries added to (or replacing in) our environment.
  std::vector<std::string> env;
  // Put the child in a new process group, so that it and everything it
  // starts can be killed together (KillGroup).
  bool new_process_group = false;
};

class Child {
 public:
  Child() = default;
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // Kills (SIGKILL) and reaps the child if it is still running.
  ~Child();

  // Starts argv[0] (searched in PATH) with `argv`. UNAVAILABLE if it cannot
  // be started (the exec failure is reported through the exit status).
  static outbox::StatusOr<Child> Spawn(const std::vector<std::string>& argv,
                                       const SpawnOptions& options = {});

  pid_t pid() const { return pid_; }
  bool running();  // Reaps the child if it has exited.

  // Sends `sig` to the child (or its whole group, if it has one).
  void Signal(int sig);

  // Waits for the exit; returns the exit code (128 + signal when killed).
  // Fills `usage` with the child's resource usage when non-null.
  int Wait(struct rusage* usage = nullptr);

  // SIGTERM, then SIGKILL after `grace`; returns the exit code.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
  bool group_ = false;
  int exit_code_ = -1;
};

// Runs argv to completion and returns its exit code; its stdout is appended
// to `*out` when non-null (stderr is inherited).
int RunCommand(const std::vector<std::string>& argv,
               std::string* out = nullptr);

// Polls `ready` every 10 ms until it returns true or `timeout` passes.
bool WaitUntil(const std::function<bool()>& ready,
               std::chrono::milliseconds timeout);

// The whole file, or "" if it cannot be read.
std::string ReadFile(const std::string& path);

// User + system CPU seconds a process has used so far (from /proc); 0 if
// it is gone.
double ProcessCpuSeconds(pid_t pid);

// Resident set size of a process, current and peak, in KiB (from /proc).
long ProcessRssKb(pid_t pid);
long ProcessPeakRssKb(pid_t pid);

// CPU seconds used by this process so far (all threads).
double SelfCpuSeconds();

// Where this executable lives (for finding fake-capi, outboxd, ...).
std::string SelfDir();

}  // namespace bench

#endif  // BENCH_HARNESS_PROCESS_H_
