// The Admin service through a real gRPC channel: statistics, listing,
// inspection, replay, purge, pausing delivery, and who may call it.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "grpc_service/admin_auth.h"
#include "tests/grpc/grpc_test_util.h"

namespace outbox::grpc_service::testing {
namespace {

using outbox::testing::FakeTransport;

struct AdminFixture : ServerFixture {
  void EnqueueIds(const std::vector<std::string>& ids,
                  const std::string& pixel = "px_test") {
    v1::EnqueueResponse response;
    grpc::Status s = Enqueue(MakeRequest(ids, pixel), &response);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  }
  // Leaves `id` DEAD: the API refuses it alone with a 400.
  void MakeDead(const std::string& id) {
    EnqueueIds({id});
    transport.SetHandler([](const outbox::testing::SentRequest&) {
      return FakeTransport::Status(400, "{\"error\":{\"message\":\"bad\"}}");
    });
    BOOST_REQUIRE(drainer->RunOnce().ok());
    transport.SetHandler(FakeTransport::Accept);
  }
  v1::DedupKey Key(const std::string& id,
                   const std::string& pixel = "px_test") {
    v1::DedupKey key;
    key.set_pixel_id(pixel);
    key.set_event_name("order_created");
    key.set_id(id);
    return key;
  }
  State StateOf(const std::string& id) {
    auto record =
        outbox->Get(*DedupKey::Create("px_test", "order_created", id));
    BOOST_REQUIRE(record.ok());
    return record->state;
  }
  template <typename Request, typename Response, typename Method>
  grpc::Status Call(Method method, const Request& request, Response* response,
                    const std::string& token = "") {
    grpc::ClientContext context;
    context.set_deadline(In(10000));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    return ((*admin_stub).*method)(&context, request, response);
  }
};

BOOST_FIXTURE_TEST_SUITE(AdminServiceTest, AdminFixture)

BOOST_AUTO_TEST_CASE(GetStatsCountsByStateAndPixel) {
  EnqueueIds({"a", "b"}, "px_a");
  EnqueueIds({"c"}, "px_b");
  v1::GetStatsResponse stats;
  grpc::Status s =
      Call(&v1::Admin::Stub::GetStats, v1::GetStatsRequest{}, &stats);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(stats.pending() == 3u);
  BOOST_TEST(stats.oldest_pending_age_ms() == 60 * 1000);
  BOOST_REQUIRE_EQUAL(stats.pixels_size(), 2);
  BOOST_TEST(stats.pixels(0).pixel_id() == "px_a");
  BOOST_TEST(stats.pixels(0).pending() == 2u);
  BOOST_TEST(stats.pixels(1).pending() == 1u);
  BOOST_TEST(stats.has_delivery());
}

BOOST_AUTO_TEST_CASE(ListEventsFiltersByPixelAndPages) {
  EnqueueIds({"a1", "a2", "a3", "a4", "a5"}, "px_a");
  EnqueueIds({"b1", "b2"}, "px_b");
  v1::ListEventsRequest request;
  request.set_pixel_id("px_a");
  request.set_state(v1::PENDING);
  request.set_limit(2);
  std::vector<std::string> ids;
  for (int page = 0; page < 10; ++page) {
    v1::ListEventsResponse response;
    grpc::Status s = Call(&v1::Admin::Stub::ListEvents, request, &response);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
    BOOST_TEST(response.records_size() <= 2);
    for (const auto& r : response.records()) {
      ids.push_back(r.key().id());
      BOOST_TEST(r.state() == v1::PENDING);
      BOOST_TEST(r.event().id() == r.key().id());
      BOOST_TEST(r.event().data().currency() == "USD");
      BOOST_TEST(r.key_text() == "px_a/order_created/" + r.key().id());
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  std::sort(ids.begin(), ids.end());
  BOOST_TEST(ids == (std::vector<std::string>{"a1", "a2", "a3", "a4", "a5"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ListEventsRejectsLimitOverOneThousand) {
  v1::ListEventsRequest request;
  request.set_limit(1001);
  v1::ListEventsResponse response;
  grpc::Status s = Call(&v1::Admin::Stub::ListEvents, request, &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(GetEventFindsByKeyOrPrintableKey) {
  EnqueueIds({"a/1"});
  v1::GetEventRequest by_key;
  *by_key.mutable_key() = Key("a/1");
  v1::GetEventResponse response;
  grpc::Status s = Call(&v1::Admin::Stub::GetEvent, by_key, &response);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(response.record().event().source_url() ==
             "https://shop.example.com/checkout/done");
  BOOST_TEST(response.record().enqueued_ms() == kNowMs);

  v1::GetEventRequest by_text;
  by_text.set_key_text(response.record().key_text());  // "a%2F1" encoded.
  v1::GetEventResponse again;
  s = Call(&v1::Admin::Stub::GetEvent, by_text, &again);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(again.record().key().id() == "a/1");
}

BOOST_AUTO_TEST_CASE(GetEventOfUnknownKeyIsNotFound) {
  v1::GetEventRequest request;
  *request.mutable_key() = Key("nope");
  v1::GetEventResponse response;
  grpc::Status s = Call(&v1::Admin::Stub::GetEvent, request, &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::NOT_FOUND);
  s = Call(&v1::Admin::Stub::GetEvent, v1::GetEventRequest{}, &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(ReplayDryRunCountsAndReplayMovesDeadToPending) {
  MakeDead("d");
  BOOST_REQUIRE(StateOf("d") == State::kDead);
  v1::ReplayRequest request;
  *request.add_keys() = Key("d");
  *request.add_keys() = Key("unknown");
  request.set_dry_run(true);
  v1::ReplayResponse response;
  grpc::Status s = Call(&v1::Admin::Stub::Replay, request, &response);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(response.matched() == 1u);
  BOOST_TEST(response.replayed() == 1u);
  BOOST_REQUIRE_EQUAL(response.outcomes_size(), 2);
  BOOST_TEST(response.outcomes(0).code() == 0);
  BOOST_TEST(response.outcomes(1).code() == int(grpc::StatusCode::NOT_FOUND));
  BOOST_TEST(StateOf("d") == State::kDead);

  request.set_dry_run(false);
  s = Call(&v1::Admin::Stub::Replay, request, &response);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(StateOf("d") == State::kPending);
}

BOOST_AUTO_TEST_CASE(ReplayByFilterSelectsMatchingRecords) {
  MakeDead("d");
  EnqueueIds({"p"});
  v1::ReplayRequest request;
  request.mutable_filter()->set_state(v1::DEAD);
  v1::ReplayResponse response;
  grpc::Status s = Call(&v1::Admin::Stub::Replay, request, &response);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(response.matched() == 1u);
  BOOST_TEST(response.replayed() == 1u);
  BOOST_TEST(!response.truncated());
  BOOST_TEST(StateOf("d") == State::kPending);
}

BOOST_AUTO_TEST_CASE(ReplayNeedsEitherKeysOrFilter) {
  v1::ReplayResponse response;
  grpc::Status s =
      Call(&v1::Admin::Stub::Replay, v1::ReplayRequest{}, &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  v1::ReplayRequest both;
  *both.add_keys() = Key("a");
  both.mutable_filter()->set_state(v1::DEAD);
  s = Call(&v1::Admin::Stub::Replay, both, &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  v1::ReplayRequest bad_key;
  *bad_key.add_keys() = Key("");
  s = Call(&v1::Admin::Stub::Replay, bad_key, &response);
  BOOST_TEST(s.error_message().find("keys[0].id") != std::string::npos,
             s.error_message());
}

BOOST_AUTO_TEST_CASE(PurgeRemovesRecordsAndDryRunKeepsThem) {
  EnqueueIds({"a", "b"});
  v1::PurgeRequest request;
  request.mutable_filter()->set_pixel_id("px_test");
  request.set_dry_run(true);
  v1::PurgeResponse response;
  grpc::Status s = Call(&v1::Admin::Stub::Purge, request, &response);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(response.matched() == 2u);
  BOOST_TEST(response.purged() == 2u);
  BOOST_TEST(outbox->GetStats()->pending == 2u);

  request.set_dry_run(false);
  s = Call(&v1::Admin::Stub::Purge, request, &response);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(response.purged() == 2u);
  BOOST_TEST(outbox->GetStats()->pending == 0u);
  v1::EnqueueResponse again;
  BOOST_REQUIRE(Enqueue(MakeRequest({"a"}), &again).ok());
  BOOST_TEST(!again.results(0).duplicate());  // A purged key is new again.
}

BOOST_AUTO_TEST_CASE(PausedPixelIsNotDeliveredUntilResumed) {
  EnqueueIds({"a"}, "px_a");
  EnqueueIds({"b"}, "px_b");
  v1::PauseDeliveryRequest pause;
  pause.set_pixel_id("px_a");
  v1::PauseDeliveryResponse paused;
  BOOST_REQUIRE(Call(&v1::Admin::Stub::PauseDelivery, pause, &paused).ok());
  BOOST_REQUIRE(drainer->RunOnce().ok());
  BOOST_REQUIRE_EQUAL(transport.count(), 1u);
  BOOST_TEST(transport.sent()[0].pixel_id == "px_b");
  v1::GetStatsResponse stats;
  BOOST_REQUIRE(
      Call(&v1::Admin::Stub::GetStats, v1::GetStatsRequest{}, &stats).ok());
  BOOST_TEST(std::vector<std::string>(stats.paused_pixel_ids().begin(),
                                      stats.paused_pixel_ids().end()) ==
             std::vector<std::string>{"px_a"});

  v1::ResumeDeliveryRequest resume;
  resume.set_pixel_id("px_a");
  v1::ResumeDeliveryResponse resumed;
  BOOST_REQUIRE(Call(&v1::Admin::Stub::ResumeDelivery, resume, &resumed).ok());
  BOOST_REQUIRE(drainer->RunOnce().ok());
  BOOST_REQUIRE_EQUAL(transport.count(), 2u);
  BOOST_TEST(transport.sent()[1].pixel_id == "px_a");
}

BOOST_AUTO_TEST_CASE(PauseOfEveryPixelIsReported) {
  v1::PauseDeliveryResponse paused;
  BOOST_REQUIRE(
      Call(&v1::Admin::Stub::PauseDelivery, v1::PauseDeliveryRequest{}, &paused)
          .ok());
  EnqueueIds({"a"});
  BOOST_REQUIRE(drainer->RunOnce().ok());
  BOOST_TEST(transport.count() == 0u);
  v1::GetStatsResponse stats;
  BOOST_REQUIRE(
      Call(&v1::Admin::Stub::GetStats, v1::GetStatsRequest{}, &stats).ok());
  BOOST_TEST(stats.all_paused());
}

BOOST_AUTO_TEST_CASE(ConfiguredTokenIsRequiredEvenFromLoopback) {
  ServerOptions options;
  options.admin_token = "s3cret-token";
  StartServer(options);
  v1::GetStatsResponse stats;
  grpc::Status s =
      Call(&v1::Admin::Stub::GetStats, v1::GetStatsRequest{}, &stats);
  BOOST_TEST(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  s = Call(&v1::Admin::Stub::GetStats, v1::GetStatsRequest{}, &stats,
           "wrong-token");
  BOOST_TEST(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  s = Call(&v1::Admin::Stub::GetStats, v1::GetStatsRequest{}, &stats,
           "s3cret-token");
  BOOST_TEST(s.ok(), s.error_message());
  v1::EnqueueResponse response;  // The Outbox service needs no token.
  BOOST_TEST(Enqueue(MakeRequest({"a"}), &response).ok());
}

// A non-loopback IPv4 address of this host, or "" when it has none.
std::string NonLoopbackAddress() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    auto* in = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    found = text;
  }
  freeifaddrs(list);
  return found;
}

BOOST_AUTO_TEST_CASE(AdminIsRefusedFromNonLoopbackPeer) {
  std::string address = NonLoopbackAddress();
  if (address.empty()) {
    BOOST_TEST_MESSAGE("no non-loopback address: covered by IsLoopbackPeer");
    return;
  }
  ServerOptions options;
  options.listen = address + ":0";
  StartServer(options);
  v1::GetStatsResponse stats;
  grpc::Status s =
      Call(&v1::Admin::Stub::GetStats, v1::GetStatsRequest{}, &stats);
  BOOST_TEST(s.error_code() == grpc::StatusCode::PERMISSION_DENIED,
             s.error_message());
  v1::EnqueueResponse response;
  BOOST_TEST(Enqueue(MakeRequest({"a"}), &response).ok());
}

BOOST_AUTO_TEST_SUITE_END()

struct PeerCase {
  const char* peer;
  bool loopback;
};
std::ostream& operator<<(std::ostream& os, const PeerCase& c) {
  return os << c.peer;
}

const PeerCase kPeers[] = {
    {"ipv4:127.0.0.1:5000", true},
    {"ipv4:127.8.9.10:1", true},
    {"ipv6:[::1]:5000", true},
    {"ipv6:%5B::1%5D:5000", true},
    {"ipv6:[::ffff:127.0.0.1]:5000", true},
    {"unix:/run/outboxd.sock", true},
    {"unix:", true},
    {"ipv4:10.0.0.1:5000", false},
    {"ipv4:128.0.0.1:5000", false},
    {"ipv6:[2001:db8::1]:5000", false},
    {"ipv6:[::ffff:10.0.0.1]:5000", false},
    {"ipv4:localhost:5000", false},
    {"", false},
    {"garbage", false},
};

BOOST_DATA_TEST_CASE(IsLoopbackPeerClassifiesPeers,
                     boost::unit_test::data::make(kPeers), c) {
  BOOST_TEST(IsLoopbackPeer(c.peer) == c.loopback);
}

}  // namespace
}  // namespace outbox::grpc_service::testing
