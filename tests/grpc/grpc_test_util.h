// Shared fixture for the gRPC tests: a real Outbox in a temporary directory
// on a FakeClock, a Drainer over a scripted transport (never started: tests
// drive it with RunOnce), and an OutboxServer on 127.0.0.1:0 with stubs.
#ifndef OUTBOX_TESTS_GRPC_GRPC_TEST_UTIL_H_
#define OUTBOX_TESTS_GRPC_GRPC_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "grpc_service/server.h"
#include "outbox/drainer.h"
#include "outbox/v1/outbox.grpc.pb.h"
#include "tests/outbox/fake_transport.h"
#include "tests/outbox/test_util.h"

namespace outbox::grpc_service::testing {

using outbox::testing::kNowMs;

// A valid order_created event for `pixel_id`, a minute old.
inline v1::ConversionEvent MakeProtoEvent(
    const std::string& id, const std::string& pixel_id = "px_test") {
  v1::ConversionEvent e;
  e.set_pixel_id(pixel_id);
  e.set_id(id);
  e.set_type("order_created");
  e.set_timestamp_ms(kNowMs - 60 * 1000);
  e.set_action_source("web");
  e.set_source_url("https://shop.example.com/checkout/done");
  e.mutable_data()->set_type("contents");
  e.mutable_data()->set_amount(12999);
  e.mutable_data()->set_currency("USD");
  return e;
}

inline v1::EnqueueRequest MakeRequest(const std::vector<std::string>& ids,
                                      const std::string& pixel_id = "px_test") {
  v1::EnqueueRequest request;
  for (const std::string& id : ids) {
    *request.add_events() = MakeProtoEvent(id, pixel_id);
  }
  return request;
}

inline std::chrono::system_clock::time_point In(int ms) {
  return std::chrono::system_clock::now() + std::chrono::milliseconds(ms);
}

struct ServerFixture : outbox::testing::OutboxFixture {
  ServerFixture() { StartServer(ServerOptions{}); }

  // (Re)starts the server with `options`; listen defaults to port 0.
  void StartServer(ServerOptions options) {
    server.reset();
    if (!drainer) {
      DrainerOptions options;
      options.log = [](LogLevel, const std::string&) {};  // Expected noise.
      drainer = std::make_unique<Drainer>(*outbox, transport,
                                          ApiKeys{"sk-test", {}}, options);
    }
    if (options.listen == ServerOptions{}.listen) {
      options.listen = "127.0.0.1:0";
    }
    auto started = OutboxServer::Start(options, *outbox, drainer.get());
    if (!started.ok()) throw std::runtime_error(started.status().ToString());
    server = std::move(*started);
    channel = grpc::CreateChannel(server->address(),
                                  grpc::InsecureChannelCredentials());
    outbox_stub = v1::Outbox::NewStub(channel);
    admin_stub = v1::Admin::NewStub(channel);
  }

  ~ServerFixture() {
    server.reset();
    drainer.reset();
  }

  grpc::Status Enqueue(const v1::EnqueueRequest& request,
                       v1::EnqueueResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(In(10000));
    return outbox_stub->Enqueue(&context, request, response);
  }

  outbox::testing::FakeTransport transport;
  std::unique_ptr<Drainer> drainer;
  std::unique_ptr<OutboxServer> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Outbox::Stub> outbox_stub;
  std::unique_ptr<v1::Admin::Stub> admin_stub;
};

}  // namespace outbox::grpc_service::testing

#endif  // OUTBOX_TESTS_GRPC_GRPC_TEST_UTIL_H_
