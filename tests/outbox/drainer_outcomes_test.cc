// What each answer of the API leads to, against a scripted transport and a
// FakeClock: every row of the outcome table, bisection, backoff,
// throttling, key failures.
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <set>

#include <boost/test/unit_test.hpp>

#include "tests/outbox/drainer_fixture.h"

namespace outbox {
namespace {

using testing::DrainerFixture;
using testing::FakeTransport;
using testing::kNowMs;
using testing::SentRequest;

BOOST_FIXTURE_TEST_SUITE(DrainerTest, DrainerFixture)

void CheckIsolation(DrainerFixture& f, const std::set<std::string>& poison) {
  f.transport.SetHandler([&poison](const SentRequest& r) {
    for (const auto& id : r.ids) {
      if (poison.count(id)) {
        return FakeTransport::Status(
            422, "{\"error\":{\"code\":\"event_timestamp_too_old\"}}");
      }
    }
    return FakeTransport::Accept(r);
  });
  f.EnqueueMany(1000);
  f.Drain();
  auto stats = f.outbox->GetStats();
  BOOST_TEST(stats->dead == poison.size());
  BOOST_TEST(stats->delivered == 1000 - poison.size());
  // Halving costs about 2·log2(n) requests per poison event.
  size_t bound = 1 + poison.size() * 2 * std::ceil(std::log2(1000.0));
  BOOST_TEST(f.transport.count() <= bound);
  for (const auto& id : poison) {
    Record r = f.Get(id);
    BOOST_TEST(r.state == State::kDead);
    BOOST_TEST(r.last_error.find("HTTP 422") != std::string::npos);
    BOOST_TEST(r.last_error.find("event_timestamp_too_old") !=
               std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(IsolatesOnePoisonEventInAFullBatch) {
  CheckIsolation(*this, {"e617"});
  BOOST_TEST_MESSAGE("requests for 1 poison in 1000: " << transport.count());
}

BOOST_AUTO_TEST_CASE(IsolatesThreePoisonEventsInAFullBatch) {
  CheckIsolation(*this, {"e3", "e500", "e999"});
  BOOST_TEST_MESSAGE("requests for 3 poison in 1000: " << transport.count());
}

BOOST_AUTO_TEST_CASE(ALoneRejectedEventIsDeadWithoutRetry) {
  transport.SetHandler(
      [](const SentRequest&) { return FakeTransport::Status(400, "bad"); });
  EnqueueMany(1);
  Drain();
  Drain();
  BOOST_TEST(transport.count() == 1u);
  BOOST_TEST(Get("e0").state == State::kDead);
}

BOOST_AUTO_TEST_CASE(UnknownPixelIsDeadUnlessConfiguredRetryable) {
  transport.SetHandler([](const SentRequest&) {
    return FakeTransport::Status(404, "unknown pixel");
  });
  EnqueueMany(3);
  Drain();
  BOOST_TEST(transport.count() == 1u);  // No bisection for a 404.
  BOOST_TEST(outbox->GetStats()->dead == 3u);

  drainer_options.retryable_statuses = {404};
  MakeDrainer();
  EnqueueMany(1, "px_test", "r");
  Drain();
  BOOST_TEST(Get("r0").state == State::kPending);
  BOOST_TEST(Get("r0").attempt_count == 1u);
}

BOOST_AUTO_TEST_CASE(BacksOffAfterServerErrorsAndPersistsTheRetryTime) {
  drainer_options.retry_initial_ms = 1000;
  drainer_options.retry_max_ms = 60000;
  MakeDrainer();
  transport.SetHandler(
      [](const SentRequest&) { return FakeTransport::Status(503); });
  EnqueueMany(1);
  for (uint32_t attempt = 1; attempt <= 8; ++attempt) {
    Drain();
    Record r = Get("e0");
    BOOST_REQUIRE(r.state == State::kPending);
    BOOST_TEST(r.attempt_count == attempt);
    int64_t ceiling = std::min<int64_t>(60000, 1000LL << (attempt - 1));
    int64_t delay = r.next_attempt_ms - clock.NowMs();
    BOOST_TEST(delay >= 1);
    BOOST_TEST(delay <= ceiling);
    Reopen();  // The retry time survives a restart: no early retry.
    MakeDrainer();
    size_t sent = transport.count();
    clock.Advance(delay - 1);
    Drain();
    BOOST_TEST(transport.count() == sent);
    clock.Advance(1);
  }
  transport.SetHandler(FakeTransport::Accept);
  Drain();
  BOOST_TEST(Get("e0").state == State::kDelivered);
  BOOST_TEST(Get("e0").attempts.size() == 9u);
}

BOOST_AUTO_TEST_CASE(NetworkFailuresAreRetriedAndRecorded) {
  transport.SetHandler([](const SentRequest&) {
    HttpResponse r;
    r.transport_error = "timeout";
    return r;
  });
  EnqueueMany(2);
  Drain();
  Record r = Get("e0");
  BOOST_TEST(r.state == State::kPending);
  BOOST_TEST(r.last_error == "timeout");
  BOOST_TEST(r.attempts.back().transport_error == "timeout");
}

BOOST_AUTO_TEST_CASE(ThrottlingHonoursRetryAfterWithoutUsingAttempts) {
  transport.SetHandler([](const SentRequest&) {
    HttpResponse r = FakeTransport::Status(429, "slow down");
    r.headers = {{"retry-after", "30"}};
    return r;
  });
  EnqueueMany(3);
  Drain();
  BOOST_TEST(transport.count() == 1u);
  Record r = Get("e0");
  BOOST_TEST(r.state == State::kPending);
  BOOST_TEST(r.attempt_count == 0u);
  BOOST_TEST(r.next_attempt_ms == kNowMs + 30000);
  transport.SetHandler(FakeTransport::Accept);
  clock.Advance(29999);
  Drain();
  BOOST_TEST(transport.count() == 1u);
  clock.Advance(1);
  Drain();
  BOOST_TEST(outbox->GetStats()->delivered == 3u);
}

// A rejected batch is split; one half is throttled (429) while the other
// half is accepted. Each key must end in exactly one state, and no accepted
// key may be sent again once the throttled half goes through.
BOOST_AUTO_TEST_CASE(AThrottledSplitDoesNotDisturbItsAcceptedSibling) {
  std::mutex mu;
  std::map<std::string, int> accepted;
  bool throttled_once = false;
  transport.SetHandler([&](const SentRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    bool has_poison =
        std::find(r.ids.begin(), r.ids.end(), "e5") != r.ids.end();
    bool is_first_half =
        std::find(r.ids.begin(), r.ids.end(), "e0") != r.ids.end();
    if (has_poison) return FakeTransport::Status(422, "bad event");
    if (is_first_half && !throttled_once) {
      throttled_once = true;
      HttpResponse throttle = FakeTransport::Status(429, "slow down");
      throttle.headers = {{"retry-after", "30"}};
      return throttle;
    }
    for (const auto& id : r.ids) ++accepted[id];
    return FakeTransport::Accept(r);
  });
  EnqueueMany(8);
  for (int round = 0; round < 10; ++round) {
    Drain();
    clock.Advance(31 * 1000);
  }
  BOOST_TEST(throttled_once);
  auto stats = outbox->GetStats();
  BOOST_TEST(stats->delivered == 7u);
  BOOST_TEST(stats->dead == 1u);
  BOOST_TEST(stats->pending + stats->in_flight == 0u);
  BOOST_TEST(Get("e5").state == State::kDead);
  for (int i = 0; i < 8; ++i) {
    if (i == 5) continue;
    std::string id = "e" + std::to_string(i);
    BOOST_TEST(Get(id).state == State::kDelivered, id);
    BOOST_TEST(accepted[id] == 1, id << " accepted " << accepted[id]);
  }
}

BOOST_AUTO_TEST_CASE(ARefusedKeyPausesOnlyItsPixelUntilKeysAreReloaded) {
  transport.SetHandler([](const SentRequest& r) {
    if (r.api_key == "sk-test-key" && r.pixel_id == "px_bad") {
      return FakeTransport::Status(
          401, "Missing scopes: ads.third_party_events.write sk-test-key");
    }
    return FakeTransport::Accept(r);
  });
  EnqueueMany(5, "px_bad");
  EnqueueMany(5, "px_good");
  Drain();
  BOOST_TEST(Get("e0", "px_good").state == State::kDelivered);
  Record r = Get("e0", "px_bad");
  BOOST_TEST(r.state == State::kPending);
  BOOST_TEST(r.attempt_count == 0u);
  // The key never appears in what operators see.
  BOOST_TEST(r.attempts.back().body_excerpt.find("sk-test-key") ==
             std::string::npos);
  BOOST_TEST(errors.load() == 1);
  for (const auto& line : logs) {
    BOOST_TEST(line.find("sk-test-key") == std::string::npos);
  }
  size_t sent = transport.count();
  Drain();
  BOOST_TEST(transport.count() == sent);  // Paused: nothing sent.
  auto stats = drainer->GetStats();
  bool flagged = false;
  for (const auto& p : stats.pixels) {
    if (p.pixel_id == "px_bad") flagged = p.key_rejected;
  }
  BOOST_TEST(flagged);

  drainer->SetApiKeys(ApiKeys{"sk-test-key", {{"px_bad", "sk-new-key"}}});
  Drain();
  BOOST_TEST(Get("e4", "px_bad").state == State::kDelivered);
}

BOOST_AUTO_TEST_CASE(ASuccessfulValidateOnlyProbeResumesARefusedPixel) {
  bool key_fixed = false;
  transport.SetHandler([&key_fixed](const SentRequest& r) {
    return key_fixed ? FakeTransport::Accept(r) : FakeTransport::Status(403);
  });
  EnqueueMany(3);
  Drain();
  BOOST_TEST(transport.count() == 1u);
  clock.Advance(drainer_options.key_probe_interval_ms);
  Drain();  // Probe refused again.
  BOOST_REQUIRE(transport.count() == 2u);
  BOOST_TEST(transport.sent()[1].validate_only);
  BOOST_TEST(transport.sent()[1].ids.size() == 1u);
  key_fixed = true;  // E.g. the scope was added to the key.
  clock.Advance(drainer_options.key_probe_interval_ms);
  Drain();
  BOOST_TEST(outbox->GetStats()->delivered == 3u);
}

BOOST_AUTO_TEST_CASE(KeepsRequestIdAndCountsAcceptedMismatch) {
  transport.SetHandler([](const SentRequest&) {
    HttpResponse r = FakeTransport::Status(200, "{\"accepted_events\": 1}");
    r.headers = {{"content-type", "application/json"},
                 {"x-request-id", "req-abc"}};
    return r;
  });
  EnqueueMany(2);
  Drain();
  BOOST_TEST(Get("e0").attempts.back().request_id == "req-abc");
  BOOST_TEST(drainer->GetStats().accepted_mismatches == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
