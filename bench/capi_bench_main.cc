// capi-bench: the benchmark of issue 7, in one command. It measures the
// ceilings of this machine (RocksDB, gRPC, libcurl), the outbox's enqueue
// (in process and through outboxd), its drain into fake-capi, scale and
// recovery, and the PostgreSQL and SQLite outboxes doing the same work;
// prints one table on stdout and writes JSON and CSV.
//
//   capi-bench [--quick] [--steps ceilings,enqueue,grpc,drain,scale,recovery]
//              [--runs N] [--results-dir DIR] [--work-dir DIR]
//              [--capi-validate none|shape|full] [--drain-large N]
//              [--scale-max N] [--ids uuid|sequential] [--keep-work-dir]
//
// Internally, every measurement runs in a child process:
//   capi-bench --trial NAME key=value ...
// which prints its figures as one JSON line.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/harness/events.h"
#include "bench/harness/machine.h"
#include "bench/harness/services.h"
#include "bench/runner/plan.h"
#include "bench/runner/report.h"
#include "bench/runner/runner.h"
#include "bench/trials/trials.h"

namespace {

namespace fs = std::filesystem;

constexpr char kUsage[] =
    "usage: capi-bench [--quick] [--steps LIST] [--runs N] [--results-dir "
    "DIR]\n"
    "                  [--work-dir DIR] [--capi-validate none|shape|full]\n"
    "                  [--drain-large N] [--scale-max N]\n"
    "                  [--ids uuid|sequential] [--keep-work-dir]\n"
    "steps: ceilings, enqueue, grpc, drain, scale, recovery (default: all)\n";

constexpr char kHelp[] =
    "\n"
    "Measures the outbox on this machine against its ceilings and against\n"
    "PostgreSQL and SQLite outboxes doing the same work (issue 7). Prints\n"
    "one table on stdout (medians of repeated runs, ratios within a run),\n"
    "progress on stderr, and writes JSON, CSV and latest.md. A full run\n"
    "takes 20-60 minutes on 2 cores; `make bench` builds what it needs.\n"
    "\n"
    "  --quick              tiny sizes, a few minutes: checks the pipeline\n"
    "  --steps LIST         only these steps, comma-separated\n"
    "  --runs N             runs per figure (default 3)\n"
    "  --results-dir DIR    where results go (default bench/results)\n"
    "  --work-dir DIR       databases, fixtures, PostgreSQL cluster\n"
    "                       (default a new directory under $TMPDIR)\n"
    "  --capi-validate MODE what fake-capi checks in the drain rows: none\n"
    "                       (default: fake-capi is not what is measured),\n"
    "                       shape or full; one row always uses full\n"
    "  --drain-large N      the drain's large backlog (default 1000000;\n"
    "                       0 skips it)\n"
    "  --scale-max N        also measure the scale step with N records\n"
    "                       stored, pending and delivered (10000000: the\n"
    "                       issue's 10M: some minutes and about 10 GB\n"
    "                       of disk more)\n"
    "  --ids STYLE          event ids: uuid (default: random UUIDs, events\n"
    "                       close in time far apart in key order, the\n"
    "                       harder case) or sequential (numbers in time\n"
    "                       order, as runs before 2026-12-07 night used)\n"
    "  --keep-work-dir      keep the work dir (fixtures) when done\n"
    "\n"
    "Example: capi-bench --steps drain,recovery --runs 5\n";

struct Flags {
  bool quick = false;
  bool keep_work_dir = false;
  int runs = 0;
  uint64_t scale_max = 0;
  long drain_large = -1;
  std::string steps, results_dir = "bench/results", work_dir;
  std::string capi_validate = "none";
  std::string ids = "uuid";
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      f->quick = true;
    } else if (arg == "--keep-work-dir") {
      f->keep_work_dir = true;
    } else if (arg == "--runs" && has_value) {
      f->runs = std::atoi(argv[++i]);
    } else if (arg == "--steps" && has_value) {
      f->steps = argv[++i];
    } else if (arg == "--results-dir" && has_value) {
      f->results_dir = argv[++i];
    } else if (arg == "--work-dir" && has_value) {
      f->work_dir = argv[++i];
    } else if (arg == "--capi-validate" && has_value) {
      f->capi_validate = argv[++i];
    } else if (arg == "--drain-large" && has_value) {
      f->drain_large = std::atol(argv[++i]);
    } else if (arg == "--ids" && has_value) {
      f->ids = argv[++i];
      bench::IdStyle style;
      if (!bench::ParseIdStyle(f->ids, &style)) return false;
    } else if (arg == "--scale-max" && has_value) {
      f->scale_max = std::strtoull(argv[++i], nullptr, 10);
    } else {
      return false;
    }
  }
  return true;
}

std::vector<std::string> Split(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// A trial process: runs one measurement, prints its figures (or
// "ERROR: ...") as the last line of stdout.
int RunTrial(int argc, char** argv) {
  const std::string name = argc > 2 ? argv[2] : "";
  bench::Params params;
  if (!params.ParseArgs(std::vector<std::string>(argv + 3, argv + argc))) {
    std::printf("ERROR: bad trial parameters\n");
    return 2;
  }
  bench::IdStyle ids;
  if (!bench::ParseIdStyle(params.Str("ids", "uuid"), &ids)) {
    std::printf("ERROR: ids must be uuid or sequential\n");
    return 2;
  }
  bench::SetIdStyle(ids);
  for (const bench::TrialInfo& trial : bench::AllTrials()) {
    if (trial.name != name) continue;
    outbox::StatusOr<bench::Metrics> m = trial.run(params);
    if (!m.ok()) {
      std::printf("ERROR: %s\n", m.status().message().c_str());
      return 1;
    }
    std::printf("%s\n", bench::MetricsToJson(*m).c_str());
    return 0;
  }
  std::printf("ERROR: no trial named %s\n", name.c_str());
  return 2;
}

std::string Command(int argc, char** argv) {
  std::string out = "capi-bench";
  for (int i = 1; i < argc; ++i) out += std::string(" ") + argv[i];
  return out;
}

std::string ResultsBase(const Flags& f, const std::string& date) {
  std::string stamp = date;
  for (char& c : stamp) {
    if (c == ':') c = '-';
  }
  return f.results_dir + "/bench-" + stamp + (f.quick ? "-quick" : "");
}

// How to read the table; the same every run, so kept here, not in the plan.
void AddStandardNotes(const Flags& flags, const bench::PlanOptions& plan,
                      bench::Report* report) {
  auto& notes = report->notes;
  notes.push_back(
      "Every figure is the median of " +
      std::string(flags.runs > 0 ? std::to_string(flags.runs) : "3") +
      " runs; the variants of a step run interleaved, run by "
      "run, and each ratio is computed within one run.");
  notes.push_back("fake-capi ran with --validate " + flags.capi_validate +
                  (flags.capi_validate == "full"
                       ? " (every event checked)"
                       : " (events not checked, so that fake-capi is not what "
                         "is measured); one drain row uses --validate full") +
                  ".");
  notes.push_back(
      flags.ids == "uuid"
          ? "Event ids are random UUIDs: events close in time are far apart "
            "in key order, for the outbox's records and the SQL peers' "
            "primary keys alike (--ids sequential: numbers in time order)."
          : "Event ids are sequential numbers, in time order (--ids "
            "sequential; the default, UUIDs, is the harder case).");
  notes.push_back(
      "Enqueue figures are durable: a call returns after its "
      "synced write (RocksDB WAL fsync, PostgreSQL WAL fsync with "
      "synchronous_commit=on, SQLite WAL with synchronous=FULL). "
      "outboxd's delivery is paused while enqueue is measured.");
  notes.push_back(
      "In-process shapes: EnqueueAsync with N calls in flight "
      "from 2 issuing threads (the way a callback gRPC server "
      "uses it). Latency: call to durable completion.");
  if (!plan.outboxd_available) {
    notes.push_back("outboxd was not built: its rows are skipped.");
  }
  if (flags.quick) {
    notes.push_back(
        "--quick: tiny sizes and 1-second trials, to check the "
        "pipeline; not figures to quote.");
  }
  notes.push_back("The machine is shared (load average " +
                  std::to_string(report->machine.load_average).substr(0, 4) +
                  " at start): absolute figures drift between runs; ratios "
                  "are the comparable part.");
}

// Runs the plan and returns the report (without writing it).
bench::Report RunBench(const Flags& flags, const std::string& command) {
  bench::PlanOptions plan_options;
  plan_options.quick = flags.quick;
  plan_options.runs = flags.runs;
  plan_options.scale_max = flags.scale_max;
  plan_options.drain_large = flags.drain_large;
  plan_options.outboxd_available = !bench::FindTool("outboxd").empty();
  plan_options.capi_validate = flags.capi_validate;

  bench::Report report;
  report.date = bench::UtcTimestamp();
  report.mode = flags.quick ? "quick" : "full";
  report.command = command;
  fs::create_directories(flags.work_dir);
  report.machine = bench::DescribeMachine(flags.work_dir);
  std::fprintf(stderr, "capi-bench %s; machine: %s\n", report.mode.c_str(),
               report.machine.Line().c_str());

  bench::Runner::InstallSignalHandlers();
  bench::RunnerOptions runner_options;
  runner_options.work_dir = flags.work_dir;
  runner_options.keep_work_dir = flags.keep_work_dir;
  runner_options.steps = Split(flags.steps);
  runner_options.capi_validate = flags.capi_validate;
  runner_options.ids = flags.ids;
  bench::Runner runner(runner_options);
  report.steps = runner.Run(bench::BuildPlan(plan_options));
  if (!runner.postgres_version().empty()) {
    report.notes.push_back("PostgreSQL peer: " + runner.postgres_version());
  }
  AddStandardNotes(flags, plan_options, &report);
  return report;
}

// Prints the table and writes bench-DATE.json/.csv and latest.md.
bool WriteOutputs(const Flags& flags, const bench::Report& report) {
  const std::string table = bench::FormatTable(report);
  std::fputs(table.c_str(), stdout);
  std::fflush(stdout);
  fs::create_directories(flags.results_dir);
  const std::string base = ResultsBase(flags, report.date);
  std::FILE* latest =
      std::fopen((flags.results_dir + "/latest.md").c_str(), "w");
  if (latest != nullptr) {
    std::fputs(table.c_str(), latest);
    std::fclose(latest);
  }
  if (!bench::WriteResults(report, base) || latest == nullptr) {
    std::fprintf(stderr, "cannot write the results under %s\n",
                 flags.results_dir.c_str());
    return false;
  }
  std::fprintf(stderr, "wrote %s.json, %s.csv and %s/latest.md\n", base.c_str(),
               base.c_str(), flags.results_dir.c_str());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--trial") == 0) {
    return RunTrial(argc, argv);
  }
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 ||
                   std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    std::fputs(kHelp, stdout);
    return 0;
  }
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fputs(kUsage, stderr);
    std::fputs("capi-bench --help explains each flag.\n", stderr);
    return 64;
  }
  if (flags.work_dir.empty()) {
    flags.work_dir =
        (fs::temp_directory_path() / ("capi-bench-" + std::to_string(getpid())))
            .string();
  }
  const bench::Report report = RunBench(flags, Command(argc, argv));
  if (!WriteOutputs(flags, report)) return 1;
  return bench::Runner::Interrupted() ? 130 : 0;
}
