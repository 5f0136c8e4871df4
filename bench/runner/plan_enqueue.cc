// The plan's enqueue side: ceilings, enqueue shapes (in process, outboxd,
// PostgreSQL, SQLite) and gRPC against the no-op ceiling.
#include "bench/runner/plan_util.h"

namespace bench {
namespace {

const std::vector<Shape> kPeerShapes = {
    {1, 1}, {1, 16}, {1, 64}, {100, 16}, {100, 64}};
const std::vector<Shape> kSqliteShapes = {{1, 1}, {1, 16}, {100, 16}};
const std::vector<Shape> kOutboxdPeerShapes = {
    {1, 16}, {1, 64}, {100, 16}, {100, 64}};

void AddRocksDb(const Sizes& z, Step* step) {
  const struct {
    const char* id;
    int threads, batch;
    const char* words;
  } kRocks[] = {{"rocksdb-t1", 1, 1, "1 thread"},
                {"rocksdb-t32", 32, 1, "32 threads (RocksDB group commit)"},
                {"rocksdb-b100", 1, 100, "batches of 100, 1 thread"}};
  for (const auto& r : kRocks) {
    Params p{{"threads", std::to_string(r.threads)},
             {"batch", std::to_string(r.batch)}};
    p.Set("seconds", z.seconds);
    step->variants.push_back(Make(r.id, "rocksdb", p));
    const bool single = r.batch == 1;
    step->rows.push_back(Value(std::string("RocksDB synced writes, ") + r.words,
                               r.id, single ? "writes_per_s" : "events_per_s",
                               single ? "writes/s" : "events/s", true));
  }
}

// PostgreSQL is compared with outboxd (both a server behind a socket) and,
// for reference, with the in-process API.
void AddPeerRatios(const Sizes& z, const Shape& s, Step* step) {
  const bool single = s.events == 1;
  const double target = single ? 3.0 : 2.5;
  const std::string text =
      std::string("≥ ") + (single ? "3" : "2.5") + "× (issue 7)";
  if (z.outboxd && s.concurrency > 1) {
    step->rows.push_back(
        WithTarget(Ratio("outboxd (unix socket) / PostgreSQL, " + s.Words(),
                         "outboxd-" + s.Id(), "pg-" + s.Id(), "events_per_s"),
                   true, target, text));
  }
  step->rows.push_back(
      WithTarget(Ratio("in-process / PostgreSQL, " + s.Words(),
                       "inproc-" + s.Id(), "pg-" + s.Id(), "events_per_s"),
                 true, target, text + (z.outboxd ? ", reference" : "")));
}

void AddInProcess(const Sizes& z, Step* step) {
  for (const Shape& s : AllShapes()) {
    step->variants.push_back(
        Make("inproc-" + s.Id(), "enqueue", ShapeParams(s, z.seconds)));
    step->rows.push_back(Value("In-process Enqueue, " + s.Words(),
                               "inproc-" + s.Id(), s.RateMetric(), s.RateUnit(),
                               true));
  }
  step->rows.push_back(
      WithTarget(Value("In-process Enqueue p99, 1 event/call, 16 in flight",
                       "inproc-1x16", "p99_ms", "ms"),
                 false, 5, "≤ 5 ms (issue 7 sets it for gRPC)"));
  Params sustained = ShapeParams({100, 16}, z.sustained_seconds);
  step->variants.push_back(
      Make("inproc-100x16-sustained", "enqueue", sustained));
  step->rows.push_back(WithTarget(
      Value("In-process Enqueue, 100 events/call, 16 in flight, sustained " +
                std::to_string(static_cast<int>(z.sustained_seconds)) + " s",
            "inproc-100x16-sustained", "events_per_s", "events/s", true),
      true, 90000, "≥ 90,000 (issue 7 sets it for gRPC)"));
}

void AddOutboxdForPeers(const Sizes& z, Step* step) {
  for (const Shape& s : kOutboxdPeerShapes) {
    Params p = ShapeParams(s, z.seconds);
    p.Set("server", "outboxd");
    p.Set("transport", "unix");
    step->variants.push_back(Make("outboxd-" + s.Id(), "grpc", p));
    step->rows.push_back(Value("outboxd Enqueue (unix socket), " + s.Words(),
                               "outboxd-" + s.Id(), s.RateMetric(),
                               s.RateUnit(), true));
  }
}

void AddSqlPeers(const Sizes& z, Step* step) {
  for (const Shape& s : kPeerShapes) {
    Params p = ShapeParams(s, z.seconds);
    p.Set("mode", "enqueue");
    step->variants.push_back(Make("pg-" + s.Id(), "postgres", p));
    step->rows.push_back(
        Value("PostgreSQL INSERT ON CONFLICT DO NOTHING, " + s.Words(),
              "pg-" + s.Id(), s.RateMetric(), s.RateUnit(), true));
    AddPeerRatios(z, s, step);
  }
  for (const Shape& s : kSqliteShapes) {
    Params p = ShapeParams(s, z.seconds);
    p.Set("mode", "enqueue");
    step->variants.push_back(Make("sqlite-" + s.Id(), "sqlite", p));
    step->rows.push_back(Value("SQLite (WAL, synchronous=FULL), " + s.Words(),
                               "sqlite-" + s.Id(), s.RateMetric(), s.RateUnit(),
                               true));
    step->rows.push_back(Ratio("in-process / SQLite, " + s.Words(),
                               "inproc-" + s.Id(), "sqlite-" + s.Id(),
                               "events_per_s"));
  }
}

// One shape over one transport: the no-op server and outboxd, side by side.
void AddGrpcShape(const Sizes& z, const std::string& transport, const Shape& s,
                  Step* step) {
  const std::string tail = transport + "-" + s.Id();
  for (const std::string server : {"noop", "outboxd"}) {
    Params p = ShapeParams(s, z.seconds);
    p.Set("server", server);
    p.Set("transport", transport);
    step->variants.push_back(Make(server + "-" + tail, "grpc", p));
  }
  const std::string where = " (" + transport + "), " + s.Words();
  step->rows.push_back(Value("no-op gRPC server" + where, "noop-" + tail,
                             s.RateMetric(), s.RateUnit(), true));
  step->rows.push_back(Value("outboxd Enqueue" + where, "outboxd-" + tail,
                             s.RateMetric(), s.RateUnit(), true));
  Row ratio = Ratio("  outboxd / no-op" + where, "outboxd-" + tail,
                    "noop-" + tail, "events_per_s");
  if (s.events == 1 && s.concurrency >= 64) {
    ratio = WithTarget(ratio, true, 0.8, "≥ 0.8× (issue 7)");
  }
  step->rows.push_back(ratio);
  if (s.events == 1 && s.concurrency == 16) {
    step->rows.push_back(WithTarget(
        Value("  outboxd p99" + where, "outboxd-" + tail, "p99_ms", "ms"),
        false, 5, "≤ 5 ms (issue 7)"));
  }
}

}  // namespace

Step CeilingsStep(const Sizes& z) {
  Step step = NewStep("ceilings", "1. Ceilings (raw, no outbox logic)",
                      {"fake-capi"}, z.runs);
  AddRocksDb(z, &step);
  for (int c : {1, 2}) {
    const std::string id = "curl-c" + std::to_string(c);
    Params p{{"connections", std::to_string(c)}};
    p.Set("seconds", z.seconds);
    step.variants.push_back(Make(id, "curl", p));
    step.rows.push_back(Value("libcurl POST, 1,000-event body, to fake-capi, " +
                                  std::to_string(c) + " connection" +
                                  (c > 1 ? "s" : ""),
                              id, "events_per_s", "events/s", true));
    step.rows.push_back(
        Value("  fake-capi CPU meanwhile (validate " + z.capi_validate + ")",
              id, "capi_cores", "cores"));
  }
  return step;
}

Step EnqueueStep(const Sizes& z) {
  Step step = NewStep("enqueue",
                      "3+6. Enqueue: in-process C++ API and outboxd vs the "
                      "PostgreSQL and SQLite peers (durable, same shapes)",
                      {"postgres"}, z.runs);
  AddInProcess(z, &step);
  AddOutboxdForPeers(z, &step);
  AddSqlPeers(z, &step);
  return step;
}

Step GrpcStep(const Sizes& z) {
  Step step = NewStep("grpc",
                      "1+2. gRPC: no-op callback server (ceiling) vs outboxd "
                      "(durable enqueue)",
                      {}, z.runs);
  for (const std::string transport : {"tcp", "unix"}) {
    for (const Shape& s : AllShapes()) AddGrpcShape(z, transport, s, &step);
  }
  Params p = ShapeParams({100, 16}, z.sustained_seconds);
  p.Set("server", "outboxd");
  p.Set("transport", "tcp");
  step.variants.push_back(Make("outboxd-sustained", "grpc", p));
  step.rows.push_back(WithTarget(
      Value("outboxd Enqueue (tcp), 100 events/call, 16 in flight, "
            "sustained " +
                std::to_string(static_cast<int>(z.sustained_seconds)) + " s",
            "outboxd-sustained", "events_per_s", "events/s", true),
      true, 90000, "≥ 90,000 (issue 7)"));
  return step;
}

}  // namespace bench
