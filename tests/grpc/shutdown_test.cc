// Graceful shutdown with Enqueue calls in flight: every call ends OK or
// UNAVAILABLE, and every OK names events that are on disk.
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <thread>

#include "tests/grpc/grpc_test_util.h"

namespace outbox::grpc_service::testing {
namespace {

BOOST_FIXTURE_TEST_SUITE(ShutdownTest, ServerFixture)

BOOST_AUTO_TEST_CASE(ShutdownWithCallsInFlightNeverLosesAnAck) {
  constexpr int kClients = 16;
  constexpr int kAcksBeforeShutdown = 300;
  std::mutex mu;
  std::condition_variable enough;
  std::vector<std::string> acked;
  std::map<grpc::StatusCode, int> endings;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0;; ++i) {
        std::string id = "c" + std::to_string(c) + "-" + std::to_string(i);
        v1::EnqueueResponse response;
        grpc::Status s = Enqueue(MakeRequest({id, id + "b"}), &response);
        std::lock_guard<std::mutex> lock(mu);
        if (!s.ok()) {
          endings[s.error_code()]++;
          return;
        }
        acked.push_back(id);
        acked.push_back(id + "b");
        if (acked.size() >= kAcksBeforeShutdown) enough.notify_one();
      }
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    enough.wait(lock, [&] { return acked.size() >= kAcksBeforeShutdown; });
  }
  server->Shutdown(In(5000));
  for (auto& t : clients) t.join();

  for (const auto& [code, count] : endings) {
    BOOST_TEST((code == grpc::StatusCode::UNAVAILABLE),
               "a call ended with code " << code << " (" << count << "x)");
  }
  // Close everything and reopen the database: the acks must be on disk.
  server.reset();
  drainer.reset();
  Reopen();
  for (const std::string& id : acked) {
    BOOST_TEST(
        outbox->Get(*DedupKey::Create("px_test", "order_created", id)).ok(),
        id);
  }
  BOOST_TEST_MESSAGE(acked.size() << " acks survived shutdown");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service::testing
