// The plan's delivery side: draining a backlog (ours and the SQL peers'),
// scale with many stored records, and recovery time.
#include "bench/runner/plan_util.h"

namespace bench {
namespace {

void AddOutboxDrains(const Sizes& z, Step* step) {
  const std::string events = std::to_string(z.drain_events);
  for (int pixels : {1, 16}) {
    const std::string id = "drain-" + std::to_string(pixels) + "px";
    step->variants.push_back(Make(
        id, "drain", {{"events", events}, {"pixels", std::to_string(pixels)}}));
    const std::string words = std::to_string(pixels) + " pixel" +
                              (pixels > 1 ? "s" : "") +
                              ", fake-capi --validate " + z.capi_validate;
    step->rows.push_back(
        WithTarget(Value("Outbox Drainer + CurlTransport, " + words, id,
                         "events_per_s", "events/s"),
                   true, 180000, "≥ 180,000 (issue 7)"));
    step->rows.push_back(
        Value("  outbox process CPU", id, "outbox_cores", "cores"));
    step->rows.push_back(Value("  fake-capi CPU", id, "capi_cores", "cores"));
  }
  // The same drain with fake-capi checking every event, to show what full
  // validation costs the receiver on this machine.
  step->variants.push_back(
      Make("drain-1px-full", "drain",
           {{"events", events}, {"pixels", "1"}, {"capi", "full"}}));
  step->rows.push_back(
      Value("Outbox drain, 1 pixel, fake-capi --validate full "
            "(every event checked)",
            "drain-1px-full", "events_per_s", "events/s"));
  step->rows.push_back(
      Value("  fake-capi CPU", "drain-1px-full", "capi_cores", "cores"));
}

void AddPeerDrains(const Sizes& z, Step* step) {
  const std::string events = std::to_string(z.drain_events);
  for (int workers : {2, 16}) {
    const std::string id = "pg-drain-w" + std::to_string(workers);
    step->variants.push_back(Make(id, "postgres",
                                  {{"mode", "drain"},
                                   {"events", events},
                                   {"workers", std::to_string(workers)}}));
    step->rows.push_back(Value("PostgreSQL SKIP LOCKED poller, " +
                                   std::to_string(workers) +
                                   " workers, 1 pixel",
                               id, "events_per_s", "events/s"));
  }
  step->rows.push_back(WithTarget(
      Ratio("Outbox (1 pixel, 2 requests in flight) / PostgreSQL (2 workers)",
            "drain-1px", "pg-drain-w2", "events_per_s"),
      true, 3, "≥ 3× (issue 7)"));
  step->rows.push_back(WithTarget(
      Ratio("Outbox (16 pixels, 16 in flight) / PostgreSQL (16 workers)",
            "drain-16px", "pg-drain-w16", "events_per_s"),
      true, 3, "≥ 3× (issue 7)"));
  step->variants.push_back(
      Make("sqlite-drain", "sqlite", {{"mode", "drain"}, {"events", events}}));
  step->rows.push_back(Value("SQLite poller, 1 worker, 1 pixel", "sqlite-drain",
                             "events_per_s", "events/s"));
  step->rows.push_back(Ratio("Outbox (1 pixel) / SQLite", "drain-1px",
                             "sqlite-drain", "events_per_s"));
}

// The backlog of 1,000,000, drained in every run like the rest. (It
// ran once when a drain of it took minutes; now it takes seconds, and one
// run could not tell a change of a few percent from this machine's noise.)
void AddLargeDrain(const Sizes& z, Step* step) {
  if (z.drain_large <= 0) return;
  const std::string n = Count(z.drain_large);
  const std::string events = std::to_string(z.drain_large);
  Variant ours =
      Make("drain-1px-" + n, "drain", {{"events", events}, {"pixels", "1"}});
  Variant pg = Make("pg-drain-w2-" + n, "postgres",
                    {{"mode", "drain"}, {"events", events}, {"workers", "2"}});
  step->variants.push_back(ours);
  step->variants.push_back(pg);
  step->rows.push_back(
      WithTarget(Value("Outbox Drainer, backlog of " + n + ", 1 pixel", ours.id,
                       "events_per_s", "events/s"),
                 true, 180000, "≥ 180,000 (issue 7)"));
  step->rows.push_back(
      Value("PostgreSQL poller, backlog of " + n + ", 2 workers", pg.id,
            "events_per_s", "events/s"));
  step->rows.push_back(WithTarget(Ratio("Outbox / PostgreSQL, backlog of " + n,
                                        ours.id, pg.id, "events_per_s"),
                                  true, 3, "≥ 3× (issue 7)"));
}

// Enqueue (in process and through outboxd) with `size` records stored,
// delivered-retained (`delivered`, plus a drain of new events on top) or
// pending; the variants of every size run side by side.
void AddScaleSize(const Sizes& z, long size, bool delivered, Step* step) {
  const std::string n = std::string(delivered ? "d" : "p") + Count(size);
  const std::string at = " with " + Count(size) +
                         (delivered ? " delivered" : " pending") + " stored";
  Params enqueue = ShapeParams({100, 16}, z.seconds);
  enqueue.Set("fixture_events", static_cast<double>(size));
  enqueue.Set("fixture_delivered", delivered ? 1 : 0);
  // Pending fixtures are the drain step's (one pixel): built once.
  enqueue.Set("fixture_pixels", delivered ? 4 : 1);
  step->variants.push_back(Make("enqueue-" + n, "enqueue", enqueue));
  Params daemon = enqueue;
  daemon.Set("server", "outboxd");
  daemon.Set("transport", "unix");
  step->variants.push_back(Make("outboxd-" + n, "grpc", daemon));
  step->rows.push_back(
      Value("In-process Enqueue, 100 events/call, 16 in flight" + at,
            "enqueue-" + n, "events_per_s", "events/s"));
  step->rows.push_back(
      Value("  CPU per event", "enqueue-" + n, "cpu_us_per_event", "µs"));
  step->rows.push_back(
      Value("  peak RSS of the process", "enqueue-" + n, "peak_rss_mb", "MB"));
  step->rows.push_back(
      Value("outboxd Enqueue (unix), 100 events/call, 16 in flight" + at,
            "outboxd-" + n, "events_per_s", "events/s"));
  step->rows.push_back(
      Value("  outboxd RSS", "outboxd-" + n, "server_rss_mb", "MB"));
  if (!delivered) return;
  Params drain{{"events", std::to_string(z.scale_new_events)}, {"pixels", "4"}};
  drain.Set("base_events", static_cast<double>(size));
  step->variants.push_back(Make("drain-" + n, "drain", drain));
  step->rows.push_back(
      Value("Drain " + Count(z.scale_new_events) + " new events" + at,
            "drain-" + n, "events_per_s", "events/s"));
}

// Cost per event is the inverse of a rate: rate(small) / rate(large).
void AddScaleRatios(const std::string& small, const std::string& n,
                    bool delivered, Step* step) {
  const std::string ratio = "  cost per event, " + n.substr(1) + " / " +
                            small.substr(1) +
                            (delivered ? " delivered" : " pending") + " stored";
  const std::string target = "≤ 1.5× (issue 7, at 10M)";
  step->rows.push_back(
      WithTarget(Ratio(ratio + " (enqueue, wall time)", "enqueue-" + small,
                       "enqueue-" + n, "events_per_s"),
                 false, 1.5, target));
  step->rows.push_back(
      WithTarget(Ratio(ratio + " (enqueue, CPU)", "enqueue-" + n,
                       "enqueue-" + small, "cpu_us_per_event"),
                 false, 1.5, target));
  step->rows.push_back(
      WithTarget(Ratio(ratio + " (outboxd enqueue)", "outboxd-" + small,
                       "outboxd-" + n, "events_per_s"),
                 false, 1.5, target));
  if (!delivered) return;
  step->rows.push_back(WithTarget(
      Ratio(ratio + " (drain)", "drain-" + small, "drain-" + n, "events_per_s"),
      false, 1.5, target));
}

}  // namespace

Step DrainStep(const Sizes& z) {
  Step step = NewStep("drain",
                      "4+6. Drain a backlog of " + Count(z.drain_events) +
                          " into fake-capi (batches of 1,000), vs the SQL "
                          "pollers",
                      {"fake-capi", "fake-capi-full", "postgres"}, z.runs);
  AddOutboxDrains(z, &step);
  AddPeerDrains(z, &step);
  AddLargeDrain(z, &step);
  return step;
}

Step ScaleStep(const Sizes& z) {
  Step step =
      NewStep("scale", "5. Scale: enqueue and drain with many records stored",
              {"fake-capi"}, z.runs);
  for (bool delivered : {true, false}) {
    const std::vector<long>& sizes =
        delivered ? z.scale_delivered : z.scale_pending;
    const std::string small =
        std::string(delivered ? "d" : "p") + Count(sizes.front());
    for (long size : sizes) {
      AddScaleSize(z, size, delivered, &step);
      if (size == sizes.front()) continue;
      AddScaleRatios(small, std::string(delivered ? "d" : "p") + Count(size),
                     delivered, &step);
    }
  }
  return step;
}

Step RecoveryStep(const Sizes& z) {
  const std::string n = Count(z.recovery_events);
  Step step = NewStep("recovery",
                      "7. Recovery: restart to serving with " + n + " pending",
                      {}, z.runs);
  const std::string events = std::to_string(z.recovery_events);
  step.variants.push_back(Make("open", "recovery", {{"events", events}}));
  step.variants.push_back(
      Make("outboxd", "outboxd-recovery", {{"events", events}}));
  step.rows.push_back(
      Value("Outbox::Open with " + n + " pending", "open", "open_s", "s"));
  step.rows.push_back(
      Value("Outbox::Open to first durable Enqueue", "open", "serving_s", "s"));
  step.rows.push_back(
      WithTarget(Value("outboxd start to first durable Enqueue over gRPC",
                       "outboxd", "serving_s", "s"),
                 false, 2, "≤ 2 s (issue 7)"));
  step.rows.push_back(Value("  outboxd start to its \"serving\" log line",
                            "outboxd", "serving_log_s", "s"));
  return step;
}

}  // namespace bench
