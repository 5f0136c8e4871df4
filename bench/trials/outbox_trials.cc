// The in-process measurements of the outbox library: enqueue shapes (also on
// top of many stored records, for the scale step) and draining a backlog
// into fake-capi with the libcurl transport.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "bench/harness/events.h"
#include "bench/harness/fixtures.h"
#include "bench/harness/outbox_load.h"
#include "bench/harness/process.h"
#include "bench/trials/trials.h"

namespace bench {
namespace {

using outbox::StatusOr;

CapiTarget Capi(const Params& p) {
  return {p.Str("capi_url"), static_cast<pid_t>(p.Int("capi_pid"))};
}

// Opens an outbox in work_dir/db: empty, or a clone of the fixture the
// parameters name (fixture_events > 0). Sets open_s to the time Open took.
StatusOr<std::unique_ptr<outbox::Outbox>> OpenForTrial(const Params& p,
                                                       const FixtureSpec& spec,
                                                       Metrics* m) {
  const std::string dir = p.Str("work_dir") + "/db";
  if (spec.events > 0) {
    auto fixture = EnsureFixture(p.Str("shared_dir"), spec, Capi(p));
    if (!fixture.ok()) return fixture.status();
    OUTBOX_RETURN_IF_ERROR(CloneDb(*fixture, dir));
  }
  outbox::Options options;
  options.data_dir = dir;
  const auto start = std::chrono::steady_clock::now();
  auto box = outbox::Outbox::Open(options);
  (*m)["open_s"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return box;
}

FixtureSpec FixtureFrom(const Params& p) {
  FixtureSpec spec;
  spec.events = static_cast<uint64_t>(p.Int("fixture_events", 0));
  spec.pixels = static_cast<int>(p.Int("fixture_pixels", 4));
  spec.delivered = p.Int("fixture_delivered", 0) != 0;
  return spec;
}

}  // namespace

StatusOr<Metrics> InProcessEnqueueTrial(const Params& p) {
  Metrics m;
  auto box = OpenForTrial(p, FixtureFrom(p), &m);
  if (!box.ok()) return box.status();
  LoadShape shape;
  shape.concurrency = static_cast<int>(p.Int("concurrency", 1));
  shape.events_per_call = static_cast<int>(p.Int("events_per_call", 1));
  shape.seconds = p.Num("seconds", 5);
  shape.warmup_seconds = std::min(1.0, shape.seconds / 10);
  shape.id_prefix = "t" + std::to_string(getpid()) + "-";
  RunEnqueueLoad(**box, shape, &m);
  m["rss_mb"] = static_cast<double>(ProcessRssKb(getpid())) / 1024;
  m["peak_rss_mb"] = static_cast<double>(ProcessPeakRssKb(getpid())) / 1024;
  box->reset();
  m["db_mb"] =
      static_cast<double>(DirectoryBytes(p.Str("work_dir") + "/db")) / 1e6;
  return m;
}

StatusOr<Metrics> DrainTrial(const Params& p) {
  const uint64_t events = static_cast<uint64_t>(p.Int("events", 1000000));
  const int pixels = static_cast<int>(p.Int("pixels", 1));
  const uint64_t base = static_cast<uint64_t>(p.Int("base_events", 0));
  // Plain drain: a backlog fixture of `events`. Scale step: `base`
  // delivered records stored, then `events` new ones enqueued (not timed).
  FixtureSpec spec{base > 0 ? base : events, pixels, base > 0};
  Metrics m;
  auto box = OpenForTrial(p, spec, &m);
  if (!box.ok()) return box.status();
  if (base > 0) {
    OUTBOX_RETURN_IF_ERROR(FillOutbox(**box, events, pixels, "n"));
  }
  const CapiTarget target = Capi(p);
  auto drained = DrainAll(**box, target.url, events, target.pid, 7200);
  if (!drained.ok()) return drained.status();
  const DrainOutcome& d = *drained;
  m["events_per_s"] = static_cast<double>(d.delivered) / d.seconds;
  m["seconds"] = d.seconds;
  m["requests"] = static_cast<double>(d.requests);
  m["cpu_us_per_event"] =
      d.self_cpu_seconds / static_cast<double>(d.delivered) * 1e6;
  // How busy each side was: fake-capi must stay far from a full core or it,
  // not the outbox, is what the figure measures.
  m["outbox_cores"] = d.self_cpu_seconds / d.seconds;
  m["capi_cores"] = d.capi_cpu_seconds / d.seconds;
  m["peak_rss_mb"] = static_cast<double>(ProcessPeakRssKb(getpid())) / 1024;
  return m;
}

StatusOr<Metrics> RecoveryTrial(const Params& p) {
  FixtureSpec spec{static_cast<uint64_t>(p.Int("events", 1000000)), 1, false};
  Metrics m;
  auto box = OpenForTrial(p, spec, &m);
  if (!box.ok()) return box.status();
  // Serving means a durable enqueue succeeds, not merely that Open returned.
  const auto start = std::chrono::steady_clock::now();
  std::vector<outbox::EnqueueResult> results;
  outbox::Event e = RealisticEvent(PixelId(0), "after-restart", NowMs());
  OUTBOX_RETURN_IF_ERROR((*box)->Enqueue({e}, &results));
  m["serving_s"] = m["open_s"] + std::chrono::duration<double>(
                                     std::chrono::steady_clock::now() - start)
                                     .count();
  auto stats = (*box)->GetStats();
  if (stats.ok()) m["pending"] = static_cast<double>(stats->pending);
  return m;
}

}  // namespace bench
