// fake-capi, end to end: a server in this process on 127.0.0.1 port 0,
// driven with libcurl the way a sender would.
#define BOOST_TEST_MODULE fake_capi_tests
#include <curl/curl.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/tools/fake_capi_harness.h"
#include "tools/fake_capi/body_scan.h"
#include "tools/fake_capi/flags.h"
#include "tools/fake_capi/key_table.h"

namespace outbox {
namespace fake_capi {
namespace {

using testing::Body;
using testing::EventJson;
using testing::FakeCapi;
using testing::Json;
using testing::kDayMs;
using testing::ManyEvents;
using testing::NowMs;
using testing::OnFreshConnection;
using testing::Response;
using testing::SendOptions;
using testing::ToPixel;
using testing::WithKey;
using testing::WithTimeoutMs;

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};
BOOST_TEST_GLOBAL_FIXTURE(CurlGlobal);

BOOST_AUTO_TEST_SUITE(FakeCapiTest)

BOOST_AUTO_TEST_CASE(AcceptsValidBatchAndCountsKeys) {
  FakeCapi capi;
  Response r = capi.PostEvents(Body({EventJson("a"), EventJson("b")}));
  BOOST_TEST(r.code == CURLE_OK);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"accepted_events":2})");
  BOOST_TEST(r.HasHeader("x-request-id: req_1"));
  BOOST_TEST(capi.Count("accepted_events") == 2u);
  BOOST_TEST(capi.Count("unique_keys") == 2u);
  BOOST_TEST(capi.Get("/keys").body ==
             R"({"pixel":"px","event_name":"page_viewed","id":"a",)"
             R"("times_accepted":1})"
             "\n"
             R"({"pixel":"px","event_name":"page_viewed","id":"b",)"
             R"("times_accepted":1})"
             "\n");
}

BOOST_AUTO_TEST_CASE(KeepsConnectionAliveBetweenRequests) {
  FakeCapi capi;
  BOOST_TEST(capi.PostEvents(Body({EventJson("a")})).status == 200);
  Response second = capi.PostEvents(Body({EventJson("b")}));
  BOOST_TEST(second.status == 200);
  BOOST_TEST(second.new_connections == 0);
}

// Without the interim 100 answer, curl would wait its 5 s timeout.
BOOST_AUTO_TEST_CASE(AnswersExpect100ContinueAtOnce) {
  FakeCapi capi;
  SendOptions options = WithKey(kDemoApiKey);
  options.expect_continue = true;
  const auto start = std::chrono::steady_clock::now();
  Response r = capi.PostEvents(Body(ManyEvents(100, "e")), options);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(
      (std::chrono::steady_clock::now() - start < std::chrono::seconds(4)),
      "waited for curl's Expect timeout");
}

BOOST_AUTO_TEST_CASE(CountsRepeatedKeyAsDuplicate) {
  FakeCapi capi;
  BOOST_TEST(capi.PostEvents(Body({EventJson("a")})).status == 200);
  BOOST_TEST(capi.PostEvents(Body({EventJson("a")})).status == 200);
  BOOST_TEST(capi.Count("accepted_events") == 2u);
  BOOST_TEST(capi.Count("unique_keys") == 1u);
  BOOST_TEST(capi.Count("duplicate_events") == 1u);
  BOOST_TEST(capi.Get("/keys").body.find(R"("times_accepted":2)") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(RefusesUnknownKeyWith401) {
  ServiceOptions options;
  options.api_keys = {"sk-good"};
  FakeCapi capi(options);
  Response r = capi.PostEvents(Body({EventJson("a")}), WithKey(kDemoApiKey));
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.body == R"({"error":{"message":"Invalid API key",)"
                       R"("type":"invalid_request_error"}})");
  BOOST_TEST(capi.PostEvents(Body({EventJson("a")}), WithKey("")).status ==
             401);
  BOOST_TEST(
      capi.PostEvents(Body({EventJson("a")}), WithKey("sk-good")).status ==
      200);
  BOOST_TEST(capi.Stats()["rejected_requests"]["401"].GetUint64() == 2u);
}

BOOST_AUTO_TEST_CASE(RefusesMissingPidWith400AndUnknownPixelWith404) {
  ServiceOptions options;
  options.pixels = {"px"};
  FakeCapi capi(options);
  BOOST_TEST(capi.PostEvents(Body({EventJson("a")}), ToPixel("")).status ==
             400);
  BOOST_TEST(capi.PostEvents(Body({EventJson("a")}), ToPixel("other")).status ==
             404);
  BOOST_TEST(capi.PostEvents(Body({EventJson("a")})).status == 200);
}

BOOST_AUTO_TEST_CASE(RefusesBodyWithoutEventsWith400) {
  FakeCapi capi;
  Response r = capi.PostEvents(R"({"validate_only":false})");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.body.find("Missing required field: events") !=
             std::string::npos);
  BOOST_TEST(capi.PostEvents(R"({"events":[)").status == 400);
}

BOOST_AUTO_TEST_CASE(RefusesInvalidUtf8With400) {
  FakeCapi capi;
  Response r =
      capi.PostEvents(Body({EventJson("ok\xc3\xa9"), EventJson("\xff")}));
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.body.find("Invalid encoding") != std::string::npos, r.body);
  BOOST_TEST(capi.PostEvents(Body({EventJson("ok\xc3\xa9")})).status == 200);
}

BOOST_AUTO_TEST_CASE(RefusesMoreThan1000EventsWith413) {
  FakeCapi capi;
  BOOST_TEST(capi.PostEvents(Body(ManyEvents(1001, "e"))).status == 413);
  BOOST_TEST(capi.PostEvents(Body(ManyEvents(1000, "e"))).status == 200);
}

BOOST_AUTO_TEST_CASE(TooOldEventFailsWholeBatchWith422) {
  FakeCapi capi;
  const std::string old = EventJson("old", NowMs() - 8 * kDayMs);
  Response r = capi.PostEvents(
      Body({EventJson("a"), EventJson("b"), EventJson("c"), old}));
  BOOST_TEST(r.status == 422);
  const rapidjson::Document error = Json(r.body);
  BOOST_TEST(error["error"]["code"].GetString() ==
             std::string("event_timestamp_too_old"));
  BOOST_TEST(std::string(error["error"]["message"].GetString())
                 .rfind("events[3].timestamp_ms: ", 0) == 0);
  BOOST_TEST(capi.Count("accepted_events") == 0u);
  BOOST_TEST(capi.Get("/keys").body.empty());
}

BOOST_AUTO_TEST_CASE(InvalidFieldFailsWith400NamingTheField) {
  FakeCapi capi;
  Response shape = capi.PostEvents(
      Body({EventJson("a"), EventJson("b", NowMs(), R"({"amount":"1"})")}));
  BOOST_TEST(shape.status == 400);
  BOOST_TEST(shape.body.find("events[1].data.amount: expected an integer") !=
             std::string::npos);
  Response rule = capi.PostEvents(
      Body({EventJson("b", NowMs(), R"({"type":"contents","amount":100})")}));
  BOOST_TEST(rule.status == 400);
  BOOST_TEST(rule.body.find("events[0].data.currency") != std::string::npos);
  BOOST_TEST(capi.Count("accepted_events") == 0u);
}

BOOST_AUTO_TEST_CASE(ValidateOnlyStoresNothing) {
  FakeCapi capi;
  Response r = capi.PostEvents(Body({EventJson("a"), EventJson("b")}, true));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"accepted_events":2})");
  BOOST_TEST(capi.Count("validate_only_requests") == 1u);
  BOOST_TEST(capi.Count("accepted_events") == 0u);
  BOOST_TEST(capi.Get("/keys").body.empty());
}

BOOST_AUTO_TEST_CASE(RejectsWholeBatchWhenAnIdContainsPoison) {
  FakeCapi capi;
  capi.Control(R"({"reject_ids_containing":"poison"})");
  Response r = capi.PostEvents(Body({EventJson("ok"), EventJson("x-poison")}));
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.body.find("events[1].id") != std::string::npos);
  BOOST_TEST(capi.Count("accepted_events") == 0u);
  BOOST_TEST(capi.PostEvents(Body({EventJson("ok")})).status == 200);
}

BOOST_AUTO_TEST_CASE(Answers429WithRetryAfter) {
  FakeCapi capi;
  capi.Control(R"({"status_429":1,"retry_after_s":7})");
  Response r = capi.PostEvents(Body({EventJson("a")}));
  BOOST_TEST(r.status == 429);
  BOOST_TEST(r.HasHeader("retry-after: 7"));
  BOOST_TEST(capi.Faults("status_429") == 1u);
  BOOST_TEST(capi.Count("accepted_events") == 0u);
}

BOOST_AUTO_TEST_CASE(Answers500And503) {
  FakeCapi capi;
  capi.Control(R"({"status_500":1})");
  BOOST_TEST(capi.PostEvents(Body({EventJson("a")})).status == 500);
  capi.Control(R"({"status_500":0,"status_503":1})");
  BOOST_TEST(capi.PostEvents(Body({EventJson("a")})).status == 503);
  BOOST_TEST(capi.Faults("status_500") == 1u);
  BOOST_TEST(capi.Faults("status_503") == 1u);
  BOOST_TEST(capi.Count("accepted_events") == 0u);
}

BOOST_AUTO_TEST_CASE(ResetFaultAbortsConnectionWithoutAnswer) {
  FakeCapi capi;
  capi.Control(R"({"reset":1})");
  Response r = capi.PostEvents(Body({EventJson("a")}), OnFreshConnection());
  BOOST_TEST(r.code == CURLE_RECV_ERROR, curl_easy_strerror(r.code));
  BOOST_TEST(capi.Faults("reset") == 1u);
  BOOST_TEST(capi.Count("accepted_events") == 0u);
}

BOOST_AUTO_TEST_CASE(DropAfterAcceptCountsEventsButClosesUnanswered) {
  FakeCapi capi;
  capi.Control(R"({"drop_after_accept":1})");
  Response r = capi.PostEvents(Body({EventJson("a")}), OnFreshConnection());
  BOOST_TEST(r.code == CURLE_GOT_NOTHING, curl_easy_strerror(r.code));
  BOOST_TEST(capi.Faults("drop_after_accept") == 1u);
  BOOST_TEST(capi.Count("unique_keys") == 1u);
}

BOOST_AUTO_TEST_CASE(SlowFaultAnswersAfterDelay) {
  FakeCapi capi;
  capi.Control(R"({"slow":1,"slow_ms":300})");
  const auto start = std::chrono::steady_clock::now();
  Response r = capi.PostEvents(Body({EventJson("a")}));
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
  BOOST_TEST(r.status == 200);
  BOOST_TEST(elapsed_ms >= 300);
  BOOST_TEST(capi.Faults("slow") == 1u);
}

BOOST_AUTO_TEST_CASE(BlackHoleHoldsRequestUntilClientTimesOut) {
  FakeCapi capi;
  capi.Control(R"({"black_hole":1})");
  Response r = capi.PostEvents(Body({EventJson("a")}), WithTimeoutMs(300));
  BOOST_TEST(r.code == CURLE_OPERATION_TIMEDOUT, curl_easy_strerror(r.code));
  BOOST_TEST(capi.Faults("black_hole") == 1u);
  BOOST_TEST(capi.Count("accepted_events") == 0u);
}

BOOST_AUTO_TEST_CASE(ControlRoundTripsAndRefusesBadSettings) {
  FakeCapi capi;
  Response set =
      capi.Post("/control",
                R"({"status_503":0.25,"reject_ids_containing":"x","seed":9})");
  BOOST_TEST(set.status == 200);
  BOOST_TEST(capi.Get("/control").body == set.body);
  const rapidjson::Document config = Json(set.body);
  BOOST_TEST(config["status_503"].GetDouble() == 0.25);
  BOOST_TEST(config["seed"].GetUint64() == 9u);
  BOOST_TEST(capi.Post("/control", R"({"status_503":2})").status == 400);
  BOOST_TEST(capi.Post("/control", R"({"status_500":0.8})").status == 400);
  BOOST_TEST(capi.Post("/control", R"({"nope":1})").status == 400);
  BOOST_TEST(capi.Get("/control").body == set.body);
}

BOOST_AUTO_TEST_CASE(SameSeedGivesSameFaults) {
  FakeCapi capi;
  auto statuses = [&capi] {
    capi.Control(R"({"status_503":0.5,"seed":42})");
    std::string seen;
    for (int i = 0; i < 20; ++i) {
      seen += capi.PostEvents(Body({EventJson("a")})).status == 503 ? 'F' : '.';
    }
    return seen;
  };
  const std::string first = statuses();
  BOOST_TEST(first.find('F') != std::string::npos);
  BOOST_TEST(first.find('.') != std::string::npos);
  BOOST_TEST(statuses() == first);
}

BOOST_AUTO_TEST_CASE(ResetEndpointZeroesCounts) {
  FakeCapi capi;
  BOOST_TEST(capi.PostEvents(Body({EventJson("a")})).status == 200);
  BOOST_TEST(capi.Post("/reset", "").status == 200);
  BOOST_TEST(capi.Count("requests") == 0u);
  BOOST_TEST(capi.Count("accepted_events") == 0u);
  BOOST_TEST(capi.Count("unique_keys") == 0u);
  BOOST_TEST(capi.Get("/keys").body.empty());
}

BOOST_AUTO_TEST_CASE(ClockOffsetMakesFreshEventTooOld) {
  FakeCapi capi;
  capi.Control(R"({"clock_offset_ms":)" + std::to_string(8 * kDayMs) + "}");
  Response r = capi.PostEvents(Body({EventJson("a")}));
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.body.find("event_timestamp_too_old") != std::string::npos);
  BOOST_TEST(capi.Stats()["clock_offset_ms"].GetInt64() == 8 * kDayMs);
}

BOOST_AUTO_TEST_CASE(ShapeModeParsesButSkipsApiRules) {
  ServiceOptions options;
  options.validate = ValidateMode::kShape;
  FakeCapi capi(options);
  const std::string old = EventJson("old", NowMs() - 8 * kDayMs);
  BOOST_TEST(capi.PostEvents(Body({old})).status == 200);
  BOOST_TEST(capi.PostEvents(Body({EventJson("a", 1, "[]")})).status == 400);
  BOOST_TEST(capi.Stats()["validate"].GetString() == std::string("shape"));
}

BOOST_AUTO_TEST_CASE(NoneModeCountsKeysLikeTheParser) {
  ServiceOptions options;
  options.validate = ValidateMode::kNone;
  FakeCapi capi(options);
  const std::string custom =
      R"({"type":"custom","custom_event_name":"quiz_done","id":"q1",)"
      R"("data":{"type":"custom","contents":[{"id":"nested"}]}})";
  const std::string escaped = EventJson(R"(e\"1)");
  BOOST_TEST(capi.PostEvents(Body({custom, escaped})).status == 200);
  BOOST_TEST(capi.Get("/keys").body ==
             R"({"pixel":"px","event_name":"page_viewed","id":"e\"1",)"
             R"("times_accepted":1})"
             "\n"
             R"({"pixel":"px","event_name":"quiz_done","id":"q1",)"
             R"("times_accepted":1})"
             "\n");
  BOOST_TEST(capi.PostEvents(Body(ManyEvents(1001, "e"))).status == 413);
  BOOST_TEST(capi.PostEvents(R"({"events":[1]})").status == 400);
}

BOOST_AUTO_TEST_CASE(WritesOneLogLinePerAcceptedRequest) {
  char path[] = "/tmp/fake_capi_log_XXXXXX";
  const int fd = mkstemp(path);
  BOOST_TEST_REQUIRE(fd >= 0);
  close(fd);
  {
    ServiceOptions options;
    options.request_log_path = path;
    FakeCapi capi(options);
    BOOST_TEST(capi.PostEvents(Body({EventJson("a"), EventJson("b")})).status ==
               200);
    BOOST_TEST(capi.PostEvents(R"({"events":[]})").status == 400);
  }
  std::ifstream in(path);
  std::string line, rest;
  std::getline(in, line);
  BOOST_TEST(!std::getline(in, rest));
  std::remove(path);
  const rapidjson::Document doc = Json(line);
  BOOST_TEST(doc["pixel"].GetString() == std::string("px"));
  BOOST_TEST(doc["ids"][1].GetString() == std::string("b"));
  BOOST_TEST(doc["names"][0].GetString() == std::string("page_viewed"));
  BOOST_TEST(doc["t_ms"].IsInt64());
}

BOOST_AUTO_TEST_CASE(ScanReadsTopLevelFieldsOfEventsOnly) {
  const auto scanned = ScanRequestBody(
      R"( {"integration_source":"x","events":[{"data":{"id":"no"},"id":"a",)"
      R"("type":"page_viewed"}],"validate_only":true} )");
  BOOST_TEST_REQUIRE(scanned.has_value());
  BOOST_TEST(scanned->validate_only);
  BOOST_TEST_REQUIRE(scanned->events.size() == 1u);
  BOOST_TEST(scanned->events[0].id == "a");
  BOOST_TEST(scanned->events[0].name() == "page_viewed");
  BOOST_TEST(!ScanRequestBody(R"({"events":[{"id":"a"}]})").has_value());
  BOOST_TEST(!ScanRequestBody(R"({"events":"x"})").has_value());
  BOOST_TEST(!ScanRequestBody(R"({"events":[]} x)").has_value());
  BOOST_TEST(
      !ScanRequestBody(R"({"events":[{"id":"a","type":"b"})").has_value());
}

// Growth moves slots a few at a time; keys must stay findable meanwhile.
BOOST_AUTO_TEST_CASE(KeyTableCountsEveryKeyWhileGrowing) {
  KeyTable table;
  std::map<std::string, uint64_t> expected;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20000 * (round + 1); i += round + 1) {
      const std::string key = "k" + std::to_string(i);
      const uint64_t count = table.Increment(key, KeyTable::Hash(key));
      BOOST_TEST_REQUIRE(count == ++expected[key], key);
    }
  }
  BOOST_TEST(table.size() == expected.size());
  std::map<std::string, uint64_t> listed;
  table.ForEach([&listed](std::string_view key, uint64_t count) {
    listed[std::string(key)] += count;
  });
  BOOST_TEST((listed == expected));
}

BOOST_AUTO_TEST_CASE(ParsesFlagsWithDefaults) {
  auto defaults = ParseFlags({});
  BOOST_TEST_REQUIRE(defaults.ok());
  BOOST_TEST(defaults->server.host == "127.0.0.1");
  BOOST_TEST(defaults->server.port == 8787);
  BOOST_TEST(defaults->server.threads == 2);
  auto flags = ParseFlags({"--listen", ":0", "--status-429=0.5", "--validate",
                           "none", "--api-key", "k1", "--api-key", "k2"});
  BOOST_TEST_REQUIRE(flags.ok(), flags.status().ToString());
  BOOST_TEST(flags->server.port == 0);
  BOOST_TEST(flags->server.service.faults.share(FaultKind::kStatus429) == 0.5);
  BOOST_TEST(flags->server.service.api_keys.size() == 2u);
  BOOST_TEST(!ParseFlags({"--status-429", "0.5", "--slow", "0.6"}).ok());
  BOOST_TEST(!ParseFlags({"--nope", "1"}).ok());
  BOOST_TEST(!ParseFlags({"--validate", "some"}).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace fake_capi
}  // namespace outbox
