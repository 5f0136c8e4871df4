// An informal Enqueue throughput measurement through a real gRPC channel
// (loopback TCP) into a real Outbox on disk. Disabled by default; run with
//   outbox_grpc_tests --run_test=ThroughputBench -- --log_level=message
// Environment: BENCH_CALLS (default 20000), BENCH_IN_FLIGHT (64),
// BENCH_EVENTS_PER_CALL (1).
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <cstdlib>
#include <mutex>

#include "tests/grpc/grpc_test_util.h"

namespace outbox::grpc_service::testing {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value ? std::atoi(value) : fallback;
}

// Keeps `in_flight` calls outstanding on the callback client API until
// `calls` have completed; returns how many failed.
class LoadGenerator {
 public:
  // `timestamp_ms` 0: the fixture's simulated now.
  LoadGenerator(v1::Outbox::Stub& stub, int calls, int events_per_call,
                std::string id_prefix, int64_t timestamp_ms)
      : stub_(stub),
        calls_(calls),
        events_per_call_(events_per_call),
        id_prefix_(std::move(id_prefix)),
        timestamp_ms_(timestamp_ms) {}

  int Run(int in_flight) {
    for (int i = 0; i < in_flight; ++i) StartCall();
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return completed_ == calls_; });
    return failed_.load();
  }

 private:
  struct Call {
    grpc::ClientContext context;
    v1::EnqueueRequest request;
    v1::EnqueueResponse response;
  };

  void StartCall() {
    int n = started_.fetch_add(1);
    if (n >= calls_) return;
    auto call = std::make_shared<Call>();
    for (int e = 0; e < events_per_call_; ++e) {
      v1::ConversionEvent* event = call->request.add_events();
      *event = MakeProtoEvent(id_prefix_ + std::to_string(n) + "-" +
                              std::to_string(e));
      if (timestamp_ms_ != 0) event->set_timestamp_ms(timestamp_ms_);
    }
    stub_.async()->Enqueue(&call->context, &call->request, &call->response,
                           [this, call](grpc::Status s) {
                             if (!s.ok()) ++failed_;
                             StartCall();
                             std::lock_guard<std::mutex> lock(mu_);
                             if (++completed_ == calls_) done_cv_.notify_one();
                           });
  }

  v1::Outbox::Stub& stub_;
  const int calls_;
  const int events_per_call_;
  const std::string id_prefix_;
  const int64_t timestamp_ms_;
  std::atomic<int> started_{0};
  std::atomic<int> failed_{0};
  std::mutex mu_;
  std::condition_variable done_cv_;
  int completed_ = 0;
};

BOOST_AUTO_TEST_SUITE(ThroughputBench, *boost::unit_test::disabled())

BOOST_FIXTURE_TEST_CASE(EnqueueCallsPerSecond, ServerFixture) {
  const int calls = EnvInt("BENCH_CALLS", 20000);
  const int in_flight = EnvInt("BENCH_IN_FLIGHT", 64);
  const int events = EnvInt("BENCH_EVENTS_PER_CALL", 1);
  const char* target = std::getenv("BENCH_TARGET");
  std::unique_ptr<v1::Outbox::Stub> external;
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (target != nullptr) {
    external = v1::Outbox::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  }
  LoadGenerator load(external ? *external : *outbox_stub, calls, events,
                     "bench" + std::to_string(now_ms) + "-",
                     external ? now_ms : 0);
  auto start = std::chrono::steady_clock::now();
  int failed = load.Run(in_flight);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  BOOST_TEST(failed == 0);
  if (!external) {
    BOOST_TEST(outbox->GetStats()->pending == uint64_t(calls) * events);
  }
  BOOST_TEST_MESSAGE(calls << " calls x " << events << " events, " << in_flight
                           << " in flight: " << seconds << " s, "
                           << calls / seconds << " calls/s, "
                           << calls * events / seconds << " events/s");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service::testing
