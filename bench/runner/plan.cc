#include "bench/runner/plan.h"

#include "bench/runner/plan_util.h"

namespace bench {
namespace {

Sizes SizesFor(const PlanOptions& o) {
  Sizes s;
  if (o.quick) {
    s.seconds = 1;
    s.sustained_seconds = 2;
    s.drain_events = 20000;
    s.drain_large = 0;
    s.recovery_events = 20000;
    s.scale_new_events = 5000;
    s.scale_delivered = {2000, 20000};
    s.scale_pending = {2000, 20000};
  }
  if (o.drain_large >= 0) s.drain_large = o.drain_large;
  for (std::vector<long>* sizes : {&s.scale_pending, &s.scale_delivered}) {
    if (o.scale_max > static_cast<uint64_t>(sizes->back())) {
      sizes->push_back(static_cast<long>(o.scale_max));
    }
  }
  if (o.runs > 0) s.runs = o.runs;
  s.outboxd = o.outboxd_available;
  s.capi_validate = o.capi_validate;
  return s;
}

}  // namespace

std::vector<Step> BuildPlan(const PlanOptions& options) {
  const Sizes z = SizesFor(options);
  std::vector<Step> steps = {CeilingsStep(z), EnqueueStep(z), GrpcStep(z),
                             DrainStep(z),    ScaleStep(z),   RecoveryStep(z)};
  if (!z.outboxd) {
    for (Step& step : steps) {
      for (Variant& v : step.variants) {
        const bool needs_outboxd = v.params.Str("server") == "outboxd" ||
                                   v.trial == "outboxd-recovery";
        if (needs_outboxd) {
          v.skip =
              "build/bin/outboxd is not built yet (the daemon is "
              "being finished); rerun `make bench` once it builds";
        }
      }
    }
  }
  return steps;
}

}  // namespace bench
