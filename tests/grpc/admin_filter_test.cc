// The Admin service's filters (event name, error class, HTTP status, age),
// paging of filtered Replay/Purge, the expiry forecast in GetStats, and the
// daemon-side audit log of Replay, Purge, PauseDelivery and ResumeDelivery.
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/grpc/grpc_test_util.h"

namespace outbox::grpc_service::testing {
namespace {

using outbox::testing::FakeTransport;
constexpr int64_t kHourMs = 3600LL * 1000;

struct FilterFixture : ServerFixture {
  void EnqueueEvents(const std::vector<v1::ConversionEvent>& events) {
    v1::EnqueueRequest request;
    for (const auto& e : events) *request.add_events() = e;
    v1::EnqueueResponse response;
    grpc::Status s = Enqueue(request, &response);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  }
  // Sends everything due once, answering `status` to every request.
  void DeliverAnswering(int status) {
    transport.SetHandler([status](const outbox::testing::SentRequest& r) {
      return status == 200 ? FakeTransport::Accept(r)
                           : FakeTransport::Status(status, "{}");
    });
    BOOST_REQUIRE(drainer->RunOnce().ok());
    transport.SetHandler(FakeTransport::Accept);
  }
  template <typename Request, typename Response, typename Method>
  grpc::Status Call(Method method, const Request& request, Response* response,
                    const std::string& token = "") {
    grpc::ClientContext context;
    context.set_deadline(In(10000));
    context.AddMetadata("x-outbox-operator", "alice");
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    return ((*admin_stub).*method)(&context, request, response);
  }
  std::vector<std::string> ListIds(const v1::EventFilter& filter) {
    v1::ListEventsRequest request;
    *request.mutable_filter() = filter;
    std::vector<std::string> ids;
    do {
      v1::ListEventsResponse response;
      grpc::Status s = Call(&v1::Admin::Stub::ListEvents, request, &response);
      BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
      for (const auto& r : response.records()) ids.push_back(r.key().id());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    std::sort(ids.begin(), ids.end());
    return ids;
  }
};

BOOST_FIXTURE_TEST_SUITE(AdminFilterTest, FilterFixture)

BOOST_AUTO_TEST_CASE(ListFiltersByErrorClassStatusEventNameAndAge) {
  // Pixel px_4xx gets a 422 (DEAD), px_5xx a 503 (PENDING, retrying).
  EnqueueEvents({MakeProtoEvent("bad", "px_4xx")});
  DeliverAnswering(422);
  clock.Advance(3 * kHourMs);
  EnqueueEvents({MakeProtoEvent("later", "px_5xx")});
  DeliverAnswering(503);
  EnqueueEvents({MakeProtoEvent("fresh", "px_new")});

  v1::EventFilter f;
  f.set_error_class(v1::CLIENT_ERROR);
  BOOST_TEST(ListIds(f) == std::vector<std::string>{"bad"});
  f.set_error_class(v1::SERVER_ERROR);
  BOOST_TEST(ListIds(f) == std::vector<std::string>{"later"});
  f.Clear();
  f.set_http_status(422);
  BOOST_TEST(ListIds(f) == std::vector<std::string>{"bad"});
  f.Clear();
  f.set_event_name("order_created");
  BOOST_TEST(ListIds(f).size() == 3u);
  f.set_event_name("lead_created");
  BOOST_TEST(ListIds(f).empty());
  f.Clear();
  f.set_enqueued_before_ms(kNowMs + kHourMs);  // Older than 2h at now+3h.
  BOOST_TEST(ListIds(f) == std::vector<std::string>{"bad"});
  f.Clear();
  f.set_enqueued_after_ms(kNowMs + kHourMs);
  BOOST_TEST(ListIds(f) == (std::vector<std::string>{"fresh", "later"}));

  v1::ListEventsRequest both;
  both.set_state(v1::DEAD);
  both.mutable_filter()->set_pixel_id("px_4xx");
  v1::ListEventsResponse response;
  grpc::Status s = Call(&v1::Admin::Stub::ListEvents, both, &response);
  BOOST_TEST(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(FilteredReplayPagesWithAToken) {
  EnqueueEvents(
      {MakeProtoEvent("a"), MakeProtoEvent("b"), MakeProtoEvent("c")});
  for (int i = 0; i < 3; ++i) DeliverAnswering(422);  // Bisects to each.
  v1::ReplayRequest request;
  request.mutable_filter()->set_error_class(v1::CLIENT_ERROR);
  request.set_dry_run(true);
  request.set_limit(2);
  v1::ReplayResponse first;
  grpc::Status s = Call(&v1::Admin::Stub::Replay, request, &first);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(first.matched() == 2u);
  BOOST_TEST(first.truncated());
  BOOST_REQUIRE(!first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  v1::ReplayResponse second;
  s = Call(&v1::Admin::Stub::Replay, request, &second);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(second.matched() == 1u);
  BOOST_TEST(second.next_page_token().empty());
  BOOST_TEST(second.outcomes(0).key().id() == "c");

  v1::PurgeRequest empty_filter;
  empty_filter.mutable_filter();
  v1::PurgeResponse purged;
  s = Call(&v1::Admin::Stub::Purge, empty_filter, &purged);
  BOOST_TEST(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(GetStatsCountsEventsAboutToExpire) {
  // No delivery runs here (the fixture's drainer only runs when told).
  v1::ConversionEvent old = MakeProtoEvent("old", "px_a");
  old.set_timestamp_ms(kNowMs - 7 * 24 * kHourMs + 5 * kHourMs);
  EnqueueEvents({old, MakeProtoEvent("new", "px_b")});
  v1::GetStatsRequest request;
  request.set_expiring_within_ms(24 * kHourMs);
  v1::GetStatsResponse stats;
  grpc::Status s = Call(&v1::Admin::Stub::GetStats, request, &stats);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.error_message());
  BOOST_TEST(stats.expiring() == 1u);
  BOOST_TEST(stats.expiring_within_ms() == 24 * kHourMs);
  BOOST_REQUIRE(stats.pixels_size() == 2);
  BOOST_TEST(stats.pixels(0).expiring() == 1u);
  BOOST_TEST(stats.pixels(1).expiring() == 0u);
  request.set_expiring_within_ms(kHourMs);
  BOOST_REQUIRE(Call(&v1::Admin::Stub::GetStats, request, &stats).ok());
  BOOST_TEST(stats.expiring() == 0u);
}

BOOST_AUTO_TEST_CASE(AuditLogRecordsChangesButNeverTheToken) {
  ServerOptions options;
  options.admin_token = "s3cret-token";
  options.audit_log_path = dir.Sub("audit.log");
  StartServer(options);
  EnqueueEvents({MakeProtoEvent("a")});
  DeliverAnswering(422);

  v1::ReplayRequest replay;
  replay.mutable_filter()->set_state(v1::DEAD);
  replay.mutable_filter()->set_error_class(v1::CLIENT_ERROR);
  v1::ReplayResponse replayed;
  BOOST_REQUIRE(
      Call(&v1::Admin::Stub::Replay, replay, &replayed, "s3cret-token").ok());
  BOOST_TEST(replayed.replayed() == 1u);
  // Refused by the authorizer: nothing happened, nothing to audit.
  BOOST_TEST(!Call(&v1::Admin::Stub::Replay, replay, &replayed).ok());
  v1::PurgeRequest purge;
  purge.mutable_filter()->set_pixel_id("px_test");
  purge.set_dry_run(true);
  v1::PurgeResponse purged;
  BOOST_REQUIRE(
      Call(&v1::Admin::Stub::Purge, purge, &purged, "s3cret-token").ok());
  v1::PauseDeliveryRequest pause;
  pause.set_pixel_id("px_test");
  v1::PauseDeliveryResponse paused;
  BOOST_REQUIRE(
      Call(&v1::Admin::Stub::PauseDelivery, pause, &paused, "s3cret-token")
          .ok());
  v1::ResumeDeliveryResponse resumed;
  BOOST_REQUIRE(Call(&v1::Admin::Stub::ResumeDelivery,
                     v1::ResumeDeliveryRequest{}, &resumed, "s3cret-token")
                    .ok());

  struct stat st;
  BOOST_REQUIRE(stat(options.audit_log_path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  std::ifstream in(options.audit_log_path);
  std::vector<rapidjson::Document> lines;
  for (std::string line; std::getline(in, line);) {
    BOOST_TEST(line.find("s3cret") == std::string::npos, line);
    lines.emplace_back();
    BOOST_REQUIRE_MESSAGE(!lines.back().Parse(line.c_str()).HasParseError(),
                          line);
  }
  BOOST_REQUIRE_EQUAL(lines.size(), 4u);
  const rapidjson::Document& r = lines[0];
  BOOST_TEST(std::string(r["method"].GetString()) == "Replay");
  BOOST_TEST(r["token"].GetBool());
  BOOST_TEST(std::string(r["operator"].GetString()) == "alice");
  BOOST_TEST(std::string(r["peer"].GetString()).find("127.0.0.1") !=
             std::string::npos);
  BOOST_TEST(std::string(r["filter"]["errorClass"].GetString()) ==
             "CLIENT_ERROR");
  BOOST_TEST(!r["dry_run"].GetBool());
  BOOST_TEST(r["matched"].GetInt() == 1);
  BOOST_TEST(r["changed"].GetInt() == 1);
  BOOST_TEST(r["code"].GetInt() == 0);
  BOOST_TEST(std::string(lines[1]["method"].GetString()) == "Purge");
  BOOST_TEST(lines[1]["dry_run"].GetBool());
  BOOST_TEST(std::string(lines[2]["method"].GetString()) == "PauseDelivery");
  BOOST_TEST(std::string(lines[2]["pixel_id"].GetString()) == "px_test");
  BOOST_TEST(std::string(lines[3]["method"].GetString()) == "ResumeDelivery");
  BOOST_TEST(std::string(r["time"].GetString()).size() == 24u);
}

BOOST_AUTO_TEST_CASE(UnwritableAuditLogStopsTheServerFromStarting) {
  ServerOptions options;
  options.audit_log_path = dir.Sub("no-such-dir/audit.log");
  options.listen = "127.0.0.1:0";
  auto started = OutboxServer::Start(options, *outbox, drainer.get());
  BOOST_TEST(!started.ok());
  BOOST_TEST(started.status().message().find("audit log") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service::testing
