#include "bench/trials/trials.h"

namespace bench {

const std::vector<TrialInfo>& AllTrials() {
  static const std::vector<TrialInfo> kTrials = {
      {"rocksdb", RocksDbCeilingTrial},
      {"enqueue", InProcessEnqueueTrial},
      {"drain", DrainTrial},
      {"curl", CurlCeilingTrial},
      {"postgres", PostgresTrial},
      {"sqlite", SqliteTrial},
      {"grpc", GrpcEnqueueTrial},
      {"recovery", RecoveryTrial},
      {"outboxd-recovery", OutboxdRecoveryTrial},
  };
  return kTrials;
}

}  // namespace bench
