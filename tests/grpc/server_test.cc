// OutboxServer: binding (port 0, unix sockets, refused addresses), the
// health service and server reflection.
#include <grpcpp/generic/generic_stub.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <mutex>

#include "tests/grpc/grpc_test_util.h"

namespace outbox::grpc_service::testing {
namespace {

grpc::ByteBuffer Bytes(const std::string& s) {
  grpc::Slice slice(s);
  return grpc::ByteBuffer(&slice, 1);
}

std::string String(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  (void)buffer.Dump(&slices);
  std::string out;
  for (const auto& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

// Calls a unary method with hand-encoded protobuf bytes: the test needs no
// generated code for grpc.health.v1.
grpc::Status GenericUnary(std::shared_ptr<grpc::Channel> channel,
                          const std::string& method, const std::string& request,
                          std::string* response) {
  grpc::GenericStub stub(std::move(channel));
  grpc::ClientContext context;
  context.set_deadline(In(5000));
  grpc::ByteBuffer in = Bytes(request), out;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &in, &out,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  *response = String(out);
  return status;
}

BOOST_FIXTURE_TEST_SUITE(ServerTest, ServerFixture)

BOOST_AUTO_TEST_CASE(PortZeroBindsAFreePortAndReportsIt) {
  BOOST_TEST(server->port() > 0);
  BOOST_TEST(server->address() ==
             "127.0.0.1:" + std::to_string(server->port()));
}

BOOST_AUTO_TEST_CASE(SecondServerOnTheSamePortIsUnavailable) {
  ServerOptions options;
  options.listen = server->address();
  auto second = OutboxServer::Start(options, *outbox, nullptr);
  BOOST_TEST(second.status().code() == StatusCode::kUnavailable,
             second.status().ToString());
}

BOOST_AUTO_TEST_CASE(ServesOnUnixSocketAndAdminTreatsItAsLocal) {
  ServerOptions options;
  options.listen = "unix:" + dir.Sub("outboxd.sock");
  StartServer(options);
  BOOST_TEST(server->port() == 0);
  BOOST_TEST(server->address() == options.listen);
  v1::EnqueueResponse response;
  BOOST_TEST(Enqueue(MakeRequest({"a"}), &response).ok());
  grpc::ClientContext context;
  v1::GetStatsResponse stats;
  grpc::Status s = admin_stub->GetStats(&context, {}, &stats);
  BOOST_TEST(s.ok(), s.error_message());
  BOOST_TEST(stats.pending() == 1u);
}

BOOST_AUTO_TEST_CASE(HealthServiceReportsServing) {
  std::string response;
  grpc::Status s = GenericUnary(channel, "/grpc.health.v1.Health/Check",
                                /*service=""*/ "", &response);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(response == std::string("\x08\x01"));  // status: SERVING
}

BOOST_AUTO_TEST_CASE(ReflectionListsTheServices) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(In(5000));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(
      &context,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  BOOST_REQUIRE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer request =
      Bytes(std::string("\x3a\x00", 2));  // list_services
  call->Write(request, reinterpret_cast<void*>(2));
  BOOST_REQUIRE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer reply;
  call->Read(&reply, reinterpret_cast<void*>(3));
  BOOST_REQUIRE(cq.Next(&tag, &ok) && ok);
  std::string listed = String(reply);
  BOOST_TEST(listed.find("outbox.v1.Outbox") != std::string::npos);
  BOOST_TEST(listed.find("outbox.v1.Admin") != std::string::npos);
  BOOST_TEST(listed.find("grpc.health.v1.Health") != std::string::npos);
  call->WritesDone(reinterpret_cast<void*>(4));
  BOOST_REQUIRE(cq.Next(&tag, &ok));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  BOOST_REQUIRE(cq.Next(&tag, &ok));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

BOOST_AUTO_TEST_SUITE_END()

const char* const kBadAddresses[] = {
    "",       "localhost",      "127.0.0.1:",
    ":50051", "127.0.0.1:http", "127.0.0.1:70000",
    "unix:"};

BOOST_DATA_TEST_CASE(MalformedListenAddressIsInvalidArgument,
                     boost::unit_test::data::make(kBadAddresses), address) {
  BOOST_TEST(ValidateListenAddress(address).code() ==
             StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace outbox::grpc_service::testing
