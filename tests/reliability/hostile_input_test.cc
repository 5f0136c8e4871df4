// Scenario 6, hostile gRPC input against a live outboxd: malformed protobuf
// bytes, invalid UTF-8, NUL and control characters, 1,001 events in one
// call, a message over the server's 16 MiB limit, 10 KiB ids, the same key
// with another payload, seconds instead of milliseconds. Each gets its
// precise status code and a message naming the field; nothing of it reaches
// storage or fake-capi (which would reject it: --validate full); outboxd
// stays up and its resident memory stays bounded over many rounds.
#include <grpcpp/generic/generic_stub.h>
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <functional>
#include <thread>

#include "tests/reliability/daemon_rig.h"

namespace outbox::testing {
namespace {

constexpr char kEnqueueMethod[] = "/outbox.v1.Outbox/Enqueue";
// Bytes that do not parse as an EnqueueRequest (proto3 parsing also
// refuses invalid UTF-8 in string fields). Before outboxd parsed Enqueue
// requests itself, gRPC answered them UNIMPLEMENTED with no message
// (grpc/grpc#30454), which sends a client looking for a missing method.
constexpr grpc::StatusCode kUnparseable = grpc::StatusCode::INVALID_ARGUMENT;
constexpr char kUnparseableMessage[] = "not a valid outbox.v1.EnqueueRequest";

v1::ConversionEvent GoodEvent(const std::string& id) {
  v1::ConversionEvent e;
  e.set_pixel_id("px_hostile");
  e.set_id(id);
  e.set_type("order_created");
  e.set_timestamp_ms(WallMs() - 60 * 1000);
  e.set_action_source("web");
  e.set_source_url("https://shop.example/checkout/done");
  e.mutable_data()->set_type("contents");
  e.mutable_data()->set_amount(12999);
  e.mutable_data()->set_currency("USD");
  return e;
}

// Sends `bytes` as the serialized EnqueueRequest, unchecked by any stub.
grpc::Status RawEnqueue(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& bytes) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  auto call = stub.PrepareUnaryCall(&context, kEnqueueMethod, request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  return status;
}

// A serialized one-event request whose id is `bytes` exactly, bypassing
// the client library's UTF-8 check: a valid request with a placeholder id
// of the same length, the placeholder then overwritten.
std::string RequestWithRawId(const std::string& bytes) {
  v1::EnqueueRequest request;
  *request.add_events() = GoodEvent(std::string(bytes.size(), '#'));
  std::string wire = request.SerializeAsString();
  size_t at = wire.find(std::string(bytes.size(), '#'));
  return wire.replace(at, bytes.size(), bytes);
}

grpc::Status Enqueue(DaemonClient& client, const v1::EnqueueRequest& request,
                     v1::EnqueueResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  return client.outbox->Enqueue(&context, request, response);
}

grpc::Status EnqueueOne(DaemonClient& client, const v1::ConversionEvent& e) {
  v1::EnqueueRequest request;
  *request.add_events() = e;
  v1::EnqueueResponse response;
  return Enqueue(client, request, &response);
}

int64_t VmRssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// One hostile input: what it is, how it is sent, what must come back.
struct Case {
  std::string name;
  std::function<grpc::Status(DaemonRig&)> send;
  grpc::StatusCode code;
  std::string message_part;  // The field it names (or the limit).
};

std::vector<Case> Cases() {
  auto with = [](std::function<void(v1::ConversionEvent*)> edit) {
    return [edit](DaemonRig& rig) {
      v1::ConversionEvent e = GoodEvent("hostile-" + std::to_string(WallMs()));
      edit(&e);
      return EnqueueOne(rig.client(), e);
    };
  };
  return {
      {"malformed protobuf bytes",
       [](DaemonRig& rig) {
         return RawEnqueue(rig.client().channel, "\x0a\xff\xff\xff\xff\x0f");
       },
       kUnparseable, kUnparseableMessage},
      {"truncated protobuf",
       [](DaemonRig& rig) {
         v1::EnqueueRequest request;
         *request.add_events() = GoodEvent("truncated");
         std::string wire = request.SerializeAsString();
         return RawEnqueue(rig.client().channel,
                           wire.substr(0, wire.size() / 2));
       },
       kUnparseable, kUnparseableMessage},
      {"invalid UTF-8 in the id",
       [](DaemonRig& rig) {
         return RawEnqueue(rig.client().channel,
                           RequestWithRawId("bad-\xc3\x28-\xff"));
       },
       kUnparseable, kUnparseableMessage},
      {"NUL in the id",
       with([](auto* e) { e->set_id(std::string("a\0b", 3)); }),
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].id"},
      {"control character in the source url",
       with([](auto* e) { e->set_source_url("https://shop.example/\x1b[2J"); }),
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].source_url"},
      {"control character in a raw email",
       with([](auto* e) { e->mutable_user()->add_emails("a\x07@b.example"); }),
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].user.emails[0]"},
      {"1,001 events in one call",
       [](DaemonRig& rig) {
         v1::EnqueueRequest request;
         for (int i = 0; i < 1001; ++i) {
           *request.add_events() = GoodEvent("many-" + std::to_string(i));
         }
         v1::EnqueueResponse response;
         return Enqueue(rig.client(), request, &response);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "events: 1001 events"},
      {"a message over the 16 MiB limit",
       with([](auto* e) { e->set_source_url(std::string(17 << 20, 'x')); }),
       grpc::StatusCode::RESOURCE_EXHAUSTED, "larger than max"},
      {"a 10 KiB id", with([](auto* e) { e->set_id(std::string(10240, 'i')); }),
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].id: 10240 bytes"},
      {"a 10 KiB pixel id",
       with([](auto* e) { e->set_pixel_id(std::string(10240, 'p')); }),
       grpc::StatusCode::INVALID_ARGUMENT, "events[0].pixel_id"},
      {"seconds instead of milliseconds",
       with([](auto* e) { e->set_timestamp_ms(WallMs() / 1000); }),
       grpc::StatusCode::INVALID_ARGUMENT, "looks like seconds"},
      {"microseconds instead of milliseconds",
       with([](auto* e) { e->set_timestamp_ms(WallMs() * 1000); }),
       grpc::StatusCode::INVALID_ARGUMENT, "looks like microseconds"},
      {"one bad event among good ones",
       [](DaemonRig& rig) {
         v1::EnqueueRequest request;
         for (int i = 0; i < 3; ++i) {
           *request.add_events() = GoodEvent("mixed-" + std::to_string(i));
         }
         request.mutable_events(2)->mutable_data()->set_currency("usd!");
         v1::EnqueueResponse response;
         return Enqueue(rig.client(), request, &response);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "events[2].data.currency"},
  };
}

BOOST_AUTO_TEST_SUITE(HostileInputTest)

BOOST_AUTO_TEST_CASE(EveryHostileInputGetsAPreciseErrorAndStoresNothing) {
  DaemonRigOptions options;
  options.fake_capi_args = {"--validate", "full"};
  DaemonRig rig(options);
  rig.Spawn();
  BOOST_REQUIRE(rig.AwaitServing() >= 0);

  // The same key with another payload: a duplicate, the first payload kept.
  v1::ConversionEvent first = GoodEvent("same-key");
  BOOST_REQUIRE(EnqueueOne(rig.client(), first).ok());
  v1::ConversionEvent second = first;
  second.mutable_data()->set_amount(1);
  v1::EnqueueRequest request;
  *request.add_events() = second;
  v1::EnqueueResponse response;
  BOOST_TEST(Enqueue(rig.client(), request, &response).ok());
  BOOST_TEST(response.results(0).duplicate());

  // The raw path reaches the service: well-formed bytes are stored.
  v1::EnqueueRequest raw;
  *raw.add_events() = GoodEvent("raw-ok");
  grpc::Status raw_status =
      RawEnqueue(rig.client().channel, raw.SerializeAsString());
  BOOST_TEST(raw_status.ok(), raw_status.error_code()
                                  << " " << raw_status.error_message());

  const std::vector<Case> cases = Cases();
  const int rounds = 20 * TierFactor();
  int64_t baseline_kb = 0, peak_kb = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const Case& c : cases) {
      grpc::Status status = c.send(rig);
      if (round > 0) continue;  // Check the first round; the rest are load.
      BOOST_TEST_CONTEXT(c.name) {
        BOOST_TEST(
            static_cast<int>(status.error_code()) == static_cast<int>(c.code),
            status.error_message());
        BOOST_TEST(
            status.error_message().find(c.message_part) != std::string::npos,
            status.error_message());
        BOOST_TEST_MESSAGE(c.name << ": " << status.error_code() << " "
                                  << status.error_message().substr(0, 160));
      }
    }
    int64_t rss = VmRssKb(rig.outboxd_pid());
    if (round == 0) baseline_kb = rss;
    peak_kb = std::max(peak_kb, rss);
  }
  BOOST_TEST_MESSAGE("hostile input: " << rounds << " rounds of "
                                       << cases.size() << " inputs; VmRSS "
                                       << baseline_kb << " kB after round 1, "
                                       << peak_kb << " kB at most");
  // Generous: a leak of one 17 MiB message per round would pass 20 rounds
  // only by exceeding this.
  BOOST_TEST(peak_kb <= baseline_kb + 256 * 1024);

  // Still serving, and only the two good keys are stored and delivered.
  BOOST_REQUIRE(rig.AwaitDrained(20000));
  auto stats = rig.client().Stats();
  BOOST_REQUIRE(stats != nullptr);
  BOOST_TEST(stats->pending() + stats->in_flight() + stats->delivered() +
                 stats->dead() + stats->expired() ==
             2u);
  v1::GetEventRequest get;
  get.set_key_text("px_hostile/order_created/same-key");
  v1::GetEventResponse got;
  grpc::ClientContext context;
  BOOST_REQUIRE(rig.client().admin->GetEvent(&context, get, &got).ok());
  BOOST_TEST(got.record().event().data().amount() == 12999);
  std::map<std::string, double> capi = rig.capi().Stats();
  BOOST_TEST(capi["accepted_events"] == 2.0);  // same-key and raw-ok.
  BOOST_TEST(capi["rejected_requests"] == 0.0);
  BOOST_TEST(rig.Stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::testing
