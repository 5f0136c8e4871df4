#include "bench/runner/runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "bench/harness/process.h"

namespace bench {
namespace fs = std::filesystem;
namespace {

std::atomic<pid_t> g_trial_group{0};
std::atomic<bool> g_interrupted{false};

void OnSignal(int) {
  g_interrupted = true;
  const pid_t group = g_trial_group.load();
  if (group > 0) kill(-group, SIGKILL);
}

// The last non-empty line of a trial's stdout.
std::string LastLine(const std::string& text) {
  std::istringstream lines(text);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

// "21,345 events/s (p99 1.20 ms)", for the progress line.
std::string Brief(const Metrics& m) {
  static const std::pair<const char*, const char*> kHeadline[] = {
      {"writes_per_s", "writes/s"},
      {"events_per_s", "events/s"},
      {"serving_s", "s"}};
  std::string out;
  for (const auto& [key, unit] : kHeadline) {
    auto it = m.find(key);
    if (it == m.end()) continue;
    out = FormatValue(it->second, unit);
    break;
  }
  auto p99 = m.find("p99_ms");
  if (p99 != m.end()) out += " (p99 " + FormatValue(p99->second, "ms") + ")";
  return out;
}

}  // namespace

Runner::Runner(RunnerOptions options) : options_(std::move(options)) {
  fs::create_directories(options_.work_dir);
  // PostgreSQL runs as another user and must traverse into its directory.
  fs::permissions(options_.work_dir, fs::perms::owner_all |
                                         fs::perms::group_exec |
                                         fs::perms::others_exec);
}

Runner::~Runner() {
  capi_.reset();
  capi_full_.reset();
  postgres_.reset();
  if (!options_.keep_work_dir) {
    std::error_code ignored;
    fs::remove_all(options_.work_dir, ignored);
  }
}

void Runner::InstallSignalHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool Runner::Interrupted() { return g_interrupted; }

outbox::Status Runner::StartServices(const Step& step) {
  for (const std::string& name : step.services) {
    if (name == "fake-capi" && !capi_) {
      auto started = FakeCapiProcess::Start(
          FindTool("fake-capi"), options_.work_dir, options_.capi_validate);
      if (!started.ok()) return started.status();
      capi_ = std::move(*started);
    } else if (name == "fake-capi-full" && !capi_full_) {
      const std::string dir = options_.work_dir + "/fake-capi-full";
      fs::create_directories(dir);
      auto started = FakeCapiProcess::Start(FindTool("fake-capi"), dir, "full");
      if (!started.ok()) return started.status();
      capi_full_ = std::move(*started);
    } else if (name == "postgres" && !postgres_) {
      std::fprintf(stderr,
                   "  starting PostgreSQL (initdb, fsync=on, "
                   "synchronous_commit=on)\n");
      auto started =
          PostgresProcess::Start(options_.work_dir + "/postgres", 300);
      if (!started.ok()) return started.status();
      postgres_ = std::move(*started);
      postgres_version_ = postgres_->version();
    }
  }
  return outbox::Status::Ok();
}

Params Runner::ServiceParams(const Variant& v) const {
  Params p;
  p.Set("ids", options_.ids);
  const FakeCapiProcess* capi =
      v.params.Str("capi") == "full" ? capi_full_.get() : capi_.get();
  if (capi != nullptr) {
    p.Set("capi_url", capi->events_url());
    p.Set("capi_pid", static_cast<double>(capi->pid()));
  }
  if (postgres_) p.Set("pg", postgres_->conninfo());
  return p;
}

std::vector<std::string> Runner::TrialArgv(const Variant& v,
                                           const std::string& dir) const {
  std::vector<std::string> argv = {SelfDir() + "/capi-bench", "--trial",
                                   v.trial};
  Params params = v.params;
  for (const std::string& word : ServiceParams(v).ToArgs()) {
    params.ParseArgs({word});
  }
  params.Set("work_dir", dir);
  params.Set("shared_dir", options_.work_dir);
  for (const std::string& word : params.ToArgs()) argv.push_back(word);
  return argv;
}

void Runner::RunVariant(const Step& step, const Variant& v, int rep,
                        VariantResult* result) {
  const std::string dir =
      options_.work_dir + "/trial-" + std::to_string(++trial_counter_);
  fs::create_directories(dir);
  SpawnOptions spawn;
  spawn.stdout_path = dir + "/result";
  // Its own group, so that an interrupt also kills the servers it started.
  spawn.new_process_group = true;
  std::fprintf(stderr, "[%s %d/%d] %s ...\n", step.name.c_str(), rep + 1,
               step.runs, v.id.c_str());
  const auto start = std::chrono::steady_clock::now();
  auto child = Child::Spawn(TrialArgv(v, dir), spawn);
  int code = -1;
  if (child.ok()) {
    g_trial_group = child->pid();
    code = child->Wait();
    g_trial_group = 0;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const std::string line = LastLine(ReadFile(dir + "/result"));
  const std::string where = "[" + step.name + " " + std::to_string(rep + 1) +
                            "/" + std::to_string(step.runs) + "] " + v.id;
  Metrics metrics;
  if (code == 0 && MetricsFromJson(line, &metrics)) {
    result->runs[rep] = metrics;
    std::fprintf(stderr, "%s: %s [%.1f s]\n", where.c_str(),
                 Brief(metrics).c_str(), seconds);
  } else {
    const std::string error = line.rfind("ERROR: ", 0) == 0
                                  ? line.substr(7)
                                  : "trial exited with " + std::to_string(code);
    std::fprintf(stderr, "%s FAILED: %s\n", where.c_str(), error.c_str());
    if (std::find(result->errors.begin(), result->errors.end(), error) ==
        result->errors.end()) {
      result->errors.push_back(error);
    }
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

std::vector<StepResult> Runner::Run(const std::vector<Step>& plan) {
  std::vector<StepResult> results;
  for (const Step& step : plan) {
    if (Interrupted()) break;
    if (!options_.steps.empty() &&
        std::find(options_.steps.begin(), options_.steps.end(), step.name) ==
            options_.steps.end()) {
      continue;
    }
    std::fprintf(stderr, "== %s\n", step.title.c_str());
    StepResult result;
    result.step = step;
    const auto start = std::chrono::steady_clock::now();
    outbox::Status services = StartServices(step);
    if (!services.ok()) {
      result.error = services.message();
      std::fprintf(stderr, "  step skipped: %s\n", result.error.c_str());
    }
    for (int rep = 0; services.ok() && rep < step.runs; ++rep) {
      for (const Variant& v : step.variants) {
        if (Interrupted()) break;
        VariantResult& r = result.variants[v.id];
        r.runs.resize(static_cast<size_t>(step.runs));
        const bool in_rep = v.max_runs == 0 || rep < v.max_runs;
        if (v.skip.empty() && in_rep) RunVariant(step, v, rep, &r);
      }
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace bench
