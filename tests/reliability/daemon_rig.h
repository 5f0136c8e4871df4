// DaemonRig: the setting of every daemon-level reliability scenario. A
// fake-capi process logging each accepted request (--request-log), and an
// outboxd process on one data dir and one loopback port, which the scenario
// starts, SIGKILLs and restarts at will; each run of outboxd is an epoch
// (checker.h). Also starts the load client (load_client.cc).
//
// Thread-safety: none; the test thread drives it.
#ifndef OUTBOX_TESTS_RELIABILITY_DAEMON_RIG_H_
#define OUTBOX_TESTS_RELIABILITY_DAEMON_RIG_H_

#include <memory>
#include <string>
#include <vector>

#include "tests/delivery/fake_capi_process.h"
#include "tests/outbox/test_util.h"
#include "tests/reliability/checker.h"
#include "tests/reliability/outboxd_process.h"

namespace outbox::testing {

struct DaemonRigOptions {
  std::vector<std::string> fake_capi_args;  // Faults, validate mode.
  // Flags added to outboxd's (data dir, listen, capi url, short retries).
  std::vector<std::string> outboxd_args;
  // outboxd's capi_url; default: fake-capi's endpoint. A test with a proxy
  // in between sets it once the proxy listens (set_capi_url).
  std::string capi_url;
  // outboxd's whole environment. Default: the fake-capi demo key.
  std::vector<std::string> env = {
      "OPENAI_CONVERSIONS_API_KEY=sk-fake-capi-demo"};
};

class DaemonRig {
 public:
  explicit DaemonRig(DaemonRigOptions options);
  ~DaemonRig();

  FakeCapiProcess& capi() { return *capi_; }
  const std::string& address() const { return address_; }
  std::string data_dir() const { return dir_.Sub("data"); }
  std::string outboxd_log() const { return dir_.Sub("outboxd.log"); }
  std::string request_log() const { return dir_.Sub("requests.jsonl"); }
  std::string Path(const std::string& name) const { return dir_.Sub(name); }
  void set_capi_url(const std::string& url) { options_.capi_url = url; }
  void set_outboxd_args(std::vector<std::string> args) {
    options_.outboxd_args = std::move(args);
  }
  DaemonClient& client() { return *client_; }
  pid_t outboxd_pid() const { return outboxd_ ? outboxd_->pid() : -1; }

  // Spawns outboxd (a new epoch).
  void Spawn();
  // Milliseconds from the last Spawn until GetStats answers, or -1 after
  // `timeout_ms`.
  int64_t AwaitServing(int timeout_ms = 20000);
  // SIGKILLs outboxd; its epoch counts as a crash.
  void Kill9();
  // SIGTERMs outboxd; returns its exit code.
  int Stop();
  // Waits until nothing is PENDING or IN_FLIGHT; false after `timeout_ms`.
  bool AwaitDrained(int timeout_ms);
  // How many times outboxd has logged "serving" so far.
  size_t ServingLines() const;

  const std::vector<DaemonEpoch>& epochs() const { return epochs_; }

  // Starts the load client against outboxd with extra `args`; it writes
  // Path("load.tsv") and, when stopped, Path("load.summary").
  std::unique_ptr<ChildProcess> StartLoadClient(
      const std::vector<std::string>& args);

  // Reads the load client's file into `ledger` (acknowledged keys) and
  // returns the count of unknown and failed events in *unknown, *failed
  // (events not sent, outboxd being down, are neither).
  void ReadLoad(Ledger* ledger, uint64_t* unknown, uint64_t* failed) const;

  // Opens the data dir with the library, for the checker; only once outboxd
  // has stopped (RocksDB allows one process at a time).
  StatusOr<std::unique_ptr<Outbox>> OpenStore() const;

 private:
  DaemonRigOptions options_;
  TempDir dir_;
  std::unique_ptr<FakeCapiProcess> capi_;
  std::string address_;
  std::unique_ptr<DaemonClient> client_;
  std::unique_ptr<ChildProcess> outboxd_;
  std::vector<DaemonEpoch> epochs_;
};

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_RELIABILITY_DAEMON_RIG_H_
