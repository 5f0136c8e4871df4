// Test harness for outboxctl's end-to-end tests: a temp directory, a real
// outboxd child process on a unix socket, and a runner for the outboxctl
// binary that captures its exit code, stdout and stderr.
#ifndef OUTBOX_TESTS_CTL_CTL_HARNESS_H_
#define OUTBOX_TESTS_CTL_CTL_HARNESS_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "outbox/v1/outbox.grpc.pb.h"

namespace outbox::ctl::testing {

// A directory under /tmp, removed with its contents on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CtlResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs outboxctl with `args` (stdin /dev/null, so never a terminal) and
// `env` added to a minimal environment. Kills it after 120 s.
CtlResult RunCtl(const std::vector<std::string>& args,
                 const std::vector<std::string>& env = {});

// Runs outboxctl under script(1) (util-linux), so its stdin, stdout and
// stderr are a terminal: progress lines and confirmation prompts appear.
// `input` is typed into the terminal. `out` holds everything it printed.
CtlResult RunCtlOnTerminal(const std::vector<std::string>& args,
                           const std::string& input = "",
                           const std::vector<std::string>& env = {});

// Polls `done` every 100 ms for up to `seconds` (generous: CI machines are
// loaded); returns its last answer.
bool WaitUntil(const std::function<bool()>& done, int seconds = 60);

// outboxd on unix:DIR/outboxd.sock delivering to `capi_url`.
class OutboxdProcess {
 public:
  // Starts it and waits (at most 30 s) until `outboxctl health` succeeds.
  // A non-empty `admin_token` is written to DIR/admin-token and required
  // by the daemon's Admin service.
  OutboxdProcess(const ScratchDir& dir, const std::string& capi_url,
                 const std::string& admin_token = "");
  // SIGTERMs and reaps it.
  ~OutboxdProcess();

  const std::string& server() const { return server_; }
  std::string log() const;

  // Enqueues order_created events, a minute old, with these ids.
  void Enqueue(const std::string& pixel_id,
               const std::vector<std::string>& ids);
  // Enqueues these events as they are.
  void Enqueue(const std::vector<v1::ConversionEvent>& events);

 private:
  pid_t pid_ = -1;
  std::string server_;
  std::string log_path_;
};

// A minute-old valid event.
v1::ConversionEvent MakeEvent(const std::string& pixel_id,
                              const std::string& id);

}  // namespace outbox::ctl::testing

#endif  // OUTBOX_TESTS_CTL_CTL_HARNESS_H_
