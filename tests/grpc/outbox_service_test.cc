// The Outbox service through a real gRPC channel: what Enqueue stores, what
// it answers, and that it stays atomic and deduplicated under concurrency.
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <set>
#include <thread>

#include "tests/grpc/grpc_test_util.h"

namespace outbox::grpc_service::testing {
namespace {

BOOST_FIXTURE_TEST_SUITE(OutboxServiceTest, ServerFixture)

BOOST_AUTO_TEST_CASE(EnqueueStoresEventsAndReturnsKeysInOrder) {
  v1::EnqueueResponse response;
  grpc::Status s = Enqueue(MakeRequest({"a", "b", "c"}), &response);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_REQUIRE_EQUAL(response.results_size(), 3);
  const char* ids[] = {"a", "b", "c"};
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(response.results(i).key().pixel_id() == "px_test");
    BOOST_TEST(response.results(i).key().event_name() == "order_created");
    BOOST_TEST(response.results(i).key().id() == ids[i]);
    BOOST_TEST(!response.results(i).duplicate());
  }
  StatusOr<Stats> stats = outbox->GetStats();
  BOOST_REQUIRE(stats.ok());
  BOOST_TEST(stats->pending == 3u);
}

BOOST_AUTO_TEST_CASE(DuplicateIsReportedNotFailed) {
  v1::EnqueueResponse first, second;
  BOOST_REQUIRE(Enqueue(MakeRequest({"a"}), &first).ok());
  grpc::Status s = Enqueue(MakeRequest({"a", "b", "b"}), &second);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_REQUIRE_EQUAL(second.results_size(), 3);
  BOOST_TEST(second.results(0).duplicate());
  BOOST_TEST(!second.results(1).duplicate());
  BOOST_TEST(second.results(2).duplicate());  // Repeated within the call.
  BOOST_TEST(outbox->GetStats()->pending == 2u);
}

BOOST_AUTO_TEST_CASE(InvalidEventIsInvalidArgumentNamingTheField) {
  v1::EnqueueRequest request = MakeRequest({"a", "b", "c"});
  request.mutable_events(2)->mutable_data()->set_currency("usd");
  v1::EnqueueResponse response;
  grpc::Status s = Enqueue(request, &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  BOOST_TEST(
      s.error_message().find("events[2].data.currency") != std::string::npos,
      s.error_message());
  BOOST_TEST(response.results_size() == 0);
}

BOOST_AUTO_TEST_CASE(BatchWithOneBadEventStoresNothing) {
  v1::EnqueueRequest request = MakeRequest({"a", "b", "c", "d"});
  request.mutable_events(1)->clear_id();
  v1::EnqueueResponse response;
  grpc::Status s = Enqueue(request, &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  BOOST_TEST(s.error_message().find("events[1].id") != std::string::npos,
             s.error_message());
  StatusOr<Stats> stats = outbox->GetStats();
  BOOST_REQUIRE(stats.ok());
  BOOST_TEST(stats->pending == 0u);
}

BOOST_AUTO_TEST_CASE(QuotaExceededIsResourceExhausted) {
  server.reset();
  drainer.reset();
  options.max_disk_bytes = 1;  // Any database is bigger.
  Reopen();
  StartServer(ServerOptions{});
  v1::EnqueueResponse response;
  grpc::Status s = Enqueue(MakeRequest({"a"}), &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED,
             s.error_message());
}

BOOST_AUTO_TEST_CASE(EmptyRequestIsInvalidArgument) {
  v1::EnqueueResponse response;
  grpc::Status s = Enqueue(v1::EnqueueRequest{}, &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT,
             s.error_message());
}

BOOST_AUTO_TEST_CASE(RawPersonalDataIsHashedBeforeStorage) {
  v1::EnqueueRequest request = MakeRequest({"a"});
  request.mutable_events(0)->mutable_user()->add_emails(" Jane@Example.com ");
  v1::EnqueueResponse response;
  BOOST_REQUIRE(Enqueue(request, &response).ok());
  StatusOr<Record> record =
      outbox->Get(*DedupKey::Create("px_test", "order_created", "a"));
  BOOST_REQUIRE(record.ok());
  BOOST_TEST(record->event_json.find("Jane") == std::string::npos);
  BOOST_TEST(record->event_json.find("emails_sha256") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ExpiredDeadlineStoresNothing) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() -
                       std::chrono::seconds(1));
  v1::EnqueueResponse response;
  grpc::Status s =
      outbox_stub->Enqueue(&context, MakeRequest({"late"}), &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  BOOST_TEST(outbox->GetStats()->pending == 0u);
}

// 64 clients, each on its own channel, enqueue overlapping key ranges at
// once: every key is stored exactly once, and of all the answers for one
// key exactly one says "new".
BOOST_AUTO_TEST_CASE(ConcurrentClientsWithOverlappingKeysStoreEachKeyOnce) {
  constexpr int kClients = 64;
  constexpr int kKeysPerClient = 20;
  constexpr int kDistinctKeys = 200;
  std::mutex mu;
  std::map<std::string, int> fresh;  // Key id -> answers saying "not dup".
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto stub = v1::Outbox::NewStub(grpc::CreateCustomChannel(
          server->address(), grpc::InsecureChannelCredentials(), [c] {
            grpc::ChannelArguments args;
            args.SetInt("client_index", c);  // Distinct channel per client.
            return args;
          }()));
      for (int k = 0; k < kKeysPerClient; ++k) {
        std::string id = "k" + std::to_string((c * 7 + k) % kDistinctKeys);
        grpc::ClientContext context;
        context.set_deadline(In(30000));
        v1::EnqueueResponse response;
        grpc::Status s = stub->Enqueue(&context, MakeRequest({id}), &response);
        if (!s.ok() || response.results_size() != 1) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        fresh[id] += response.results(0).duplicate() ? 0 : 1;
      }
    });
  }
  for (auto& t : clients) t.join();
  BOOST_TEST(failures.load() == 0);
  for (const auto& [id, count] : fresh) BOOST_TEST(count == 1, id);
  StatusOr<Stats> stats = outbox->GetStats();
  BOOST_REQUIRE(stats.ok());
  BOOST_TEST(stats->pending == fresh.size());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service::testing
