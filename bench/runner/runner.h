// Runner: executes the plan. Starts the services each step needs, runs every
// variant of a step once per repetition (interleaved), each trial in its own
// process, and collects what they report. Progress goes to stderr.
//
// Ownership: the runner owns the services and the work directory; both are
// cleaned up when it is destroyed, and on SIGINT/SIGTERM.
#ifndef BENCH_RUNNER_RUNNER_H_
#define BENCH_RUNNER_RUNNER_H_

#include <memory>
#include <string>
#include <vector>

#include "bench/harness/services.h"
#include "bench/runner/plan.h"
#include "bench/runner/report.h"

namespace bench {

struct RunnerOptions {
  std::string work_dir;  // Created; removed at the end unless keep_work_dir.
  bool keep_work_dir = false;
  std::vector<std::string> steps;  // Empty: every step.
  std::string capi_validate = "none";
  std::string ids = "uuid";  // Passed to every trial (events.h, IdStyle).
};

class Runner {
 public:
  explicit Runner(RunnerOptions options);
  ~Runner();

  // Runs `plan` and returns each step's results, in order. Stops early
  // (returning what it has) on SIGINT or SIGTERM.
  std::vector<StepResult> Run(const std::vector<Step>& plan);

  // The PostgreSQL version used, once started ("" before).
  const std::string& postgres_version() const { return postgres_version_; }

  // Installs the SIGINT/SIGTERM handler that kills the running trial.
  static void InstallSignalHandlers();
  static bool Interrupted();

 private:
  outbox::Status StartServices(const Step& step);
  Params ServiceParams(const Variant& v) const;
  // The command line of one trial process, writing into `dir`.
  std::vector<std::string> TrialArgv(const Variant& v,
                                     const std::string& dir) const;
  void RunVariant(const Step& step, const Variant& v, int rep,
                  VariantResult* result);

  RunnerOptions options_;
  std::unique_ptr<FakeCapiProcess> capi_;
  std::unique_ptr<FakeCapiProcess> capi_full_;
  std::unique_ptr<PostgresProcess> postgres_;
  std::string postgres_version_;
  int trial_counter_ = 0;
};

}  // namespace bench

#endif  // BENCH_RUNNER_RUNNER_H_
