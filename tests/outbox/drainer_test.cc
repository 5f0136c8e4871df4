// The Drainer against a scripted transport and a FakeClock: every row of
// the outcome table, bisection, backoff, throttling, key failures, expiry.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "outbox/drainer.h"
#include "outbox/src/store.h"
#include "tests/outbox/fake_transport.h"
#include "tests/outbox/test_util.h"

namespace outbox {
namespace {

using testing::FakeTransport;
using testing::kNowMs;
using testing::MakeEvent;
using testing::SentRequest;

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

struct DrainerFixture : testing::OutboxFixture {
  DrainerFixture() {
    drainer_options.jitter_seed = 42;
    drainer_options.log = [this](LogLevel level, const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu);
      logs.push_back(line);
      if (level == LogLevel::kError) errors++;
    };
    MakeDrainer();
  }

  void MakeDrainer() {
    drainer.reset();
    drainer = std::make_unique<Drainer>(*outbox, transport,
                                        ApiKeys{"sk-test-key", {}},
                                        drainer_options);
  }

  void Enqueue(std::vector<Event> events) {
    std::vector<EnqueueResult> results;
    Status s = outbox->Enqueue(std::move(events), &results);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  }

  void EnqueueMany(int n, const std::string& pixel = "px_test",
                   const std::string& prefix = "e") {
    std::vector<Event> batch;
    for (int i = 0; i < n; ++i) {
      batch.push_back(MakeEvent(prefix + std::to_string(i), pixel));
      if (batch.size() == 1000) Enqueue(std::exchange(batch, {}));
    }
    if (!batch.empty()) Enqueue(batch);
  }

  // Runs passes until one sends nothing (at most `max_passes`).
  void Drain(int max_passes = 50) {
    for (int i = 0; i < max_passes; ++i) {
      size_t before = transport.count();
      Status s = drainer->RunOnce();
      BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
      if (transport.count() == before) return;
    }
  }

  Record Get(const std::string& id, const std::string& pixel = "px_test") {
    auto r = outbox->Get(*DedupKey::ForEvent(MakeEvent(id, pixel)));
    BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r;
  }

  static bool Contains(const SentRequest& r, const std::string& id) {
    return std::find(r.ids.begin(), r.ids.end(), id) != r.ids.end();
  }

  FakeTransport transport;
  DrainerOptions drainer_options;
  std::unique_ptr<Drainer> drainer;
  std::mutex log_mu;
  std::vector<std::string> logs;
  std::atomic<int> errors{0};
};

BOOST_FIXTURE_TEST_SUITE(DrainerTest, DrainerFixture)

BOOST_AUTO_TEST_CASE(DeliversEveryEventInBatchesOfAtMostOneThousandPerPixel) {
  EnqueueMany(2500, "px_a");
  EnqueueMany(10, "px_b");
  Drain();
  auto sent = transport.sent();
  std::set<std::string> ids_a;
  for (const auto& r : sent) {
    BOOST_TEST(r.ids.size() <= 1000u);
    BOOST_TEST(r.api_key == "sk-test-key");
    BOOST_TEST(!r.validate_only);
    for (const auto& id : r.ids) {
      if (r.pixel_id == "px_a") BOOST_TEST(ids_a.insert(id).second);
    }
  }
  BOOST_TEST(ids_a.size() == 2500u);
  BOOST_TEST(sent.size() == 4u);  // 1000 + 1000 + 500 for px_a, 10 for px_b
  auto stats = outbox->GetStats();
  BOOST_TEST(stats->delivered == 2510u);
  BOOST_TEST(stats->pending + stats->in_flight == 0u);
  BOOST_TEST(drainer->GetStats().events_delivered == 2510u);
}

BOOST_AUTO_TEST_CASE(DeliveredKeysAreNeverSentAgain) {
  EnqueueMany(5);
  Drain();
  size_t sent = transport.count();
  Drain();
  Reopen();
  MakeDrainer();
  Drain();
  BOOST_TEST(transport.count() == sent);
  Record r = Get("e0");
  BOOST_TEST(r.state == State::kDelivered);
  BOOST_TEST(r.attempts.size() == 1u);
  BOOST_TEST(r.attempts[0].http_status == 200);
}

BOOST_AUTO_TEST_CASE(SendsEarliestDeadlineFirst) {
  drainer_options.batch_max_events = 1;
  drainer_options.max_requests_per_pixel = 1;
  MakeDrainer();
  Enqueue({MakeEvent("new", "px_test", kNowMs - 1000),
           MakeEvent("oldest", "px_test", kNowMs - 5 * kDayMs),
           MakeEvent("older", "px_test", kNowMs - 2 * kDayMs)});
  Drain();
  auto sent = transport.sent();
  BOOST_REQUIRE(sent.size() == 3u);
  BOOST_TEST(sent[0].ids[0] == "oldest");
  BOOST_TEST(sent[1].ids[0] == "older");
  BOOST_TEST(sent[2].ids[0] == "new");
}

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

BOOST_AUTO_TEST_CASE(AFailingPixelWaitsForItsFailedBatchBeforeClaimingMore) {
  drainer_options.batch_max_events = 2;
  drainer_options.max_requests_per_pixel = 1;
  MakeDrainer();
  transport.SetHandler(
      [](const SentRequest&) { return FakeTransport::Status(503); });
  EnqueueMany(10);
  Drain();
  // One failed batch, not the whole backlog claimed and failed in turn.
  BOOST_TEST(transport.count() == 1u);
  BOOST_TEST(outbox->GetStats()->pending == 10u);
  int64_t due = 0;
  for (int i = 0; i < 10; ++i) {
    due = std::max(due, Get("e" + std::to_string(i)).next_attempt_ms);
  }
  transport.SetHandler(FakeTransport::Accept);
  clock.Advance(due - clock.NowMs());
  Drain();
  BOOST_TEST(outbox->GetStats()->delivered == 10u);
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

BOOST_AUTO_TEST_CASE(EventsExpireWhileAnOutageLastsAndAreNeverSentLate) {
  int late = 0;
  transport.SetHandler([this, &late](const SentRequest& r) {
    for (int64_t ts : r.timestamps_ms) {
      if (ts + 7 * kDayMs - options.expiry_margin_ms <= clock.NowMs()) late++;
    }
    return FakeTransport::Status(502);
  });
  Enqueue({MakeEvent("old", "px_test", kNowMs - 6 * kDayMs),
           MakeEvent("young", "px_test", kNowMs - 1000)});
  for (int step = 0; step < 8 * 24 * 4; ++step) {
    Drain();
    clock.Advance(15 * 60 * 1000);
  }
  BOOST_TEST(transport.count() > 50u);
  BOOST_TEST(late == 0);
  BOOST_TEST(Get("old").state == State::kExpired);
  BOOST_TEST(Get("young").state == State::kExpired);
  BOOST_TEST(drainer->GetStats().events_expired == 2u);
}

BOOST_AUTO_TEST_CASE(OperatorPauseHoldsDeliveryUntilResumeAcrossRestarts) {
  EnqueueMany(3, "px_a");
  EnqueueMany(3, "px_b");
  BOOST_REQUIRE(drainer->Pause("px_a").ok());
  Drain();
  BOOST_TEST(Get("e0", "px_a").state == State::kPending);
  BOOST_TEST(Get("e0", "px_b").state == State::kDelivered);
  drainer.reset();
  Reopen();  // The pause is durable.
  MakeDrainer();
  Drain();
  BOOST_TEST(Get("e0", "px_a").state == State::kPending);
  BOOST_REQUIRE(drainer->Resume("px_a").ok());
  Drain();
  BOOST_TEST(Get("e0", "px_a").state == State::kDelivered);

  BOOST_REQUIRE(drainer->Pause("").ok());
  BOOST_REQUIRE(drainer->Pause("px_b").ok());
  EnqueueMany(1, "px_b", "late");
  Drain();
  BOOST_TEST(Get("late0", "px_b").state == State::kPending);
  BOOST_REQUIRE(drainer->Resume("").ok());  // Lifts px_b's own pause too.
  BOOST_TEST(outbox->PausedPixels()->empty());
  Drain();
  BOOST_TEST(Get("late0", "px_b").state == State::kDelivered);
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

BOOST_AUTO_TEST_CASE(TellsTheRequestObserverAboutEveryAnsweredRequest) {
  struct Seen {
    std::string pixel_id, verdict;
    size_t events;
    int http_status;
  };
  std::mutex mu;
  std::vector<Seen> seen;
  drainer_options.on_request = [&](const RequestOutcome& o) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back({std::string(o.pixel_id), std::string(o.verdict),
                    o.events, o.http_status});
    BOOST_TEST(o.latency.count() >= 0);
  };
  MakeDrainer();
  transport.SetHandler([](const SentRequest& r) {
    if (std::find(r.ids.begin(), r.ids.end(), "e2") != r.ids.end()) {
      return FakeTransport::Status(422, "{\"error\":{}}");
    }
    return FakeTransport::Accept(r);
  });
  EnqueueMany(4);
  Drain();
  // 4 events -> split; [e0 e1] delivered, [e2 e3] split; e2 dead, e3 ok.
  std::lock_guard<std::mutex> lock(mu);
  BOOST_REQUIRE(seen.size() == transport.count());
  std::map<std::string, size_t> events_by_verdict;
  for (const Seen& s : seen) {
    BOOST_TEST(s.pixel_id == "px_test");
    events_by_verdict[s.verdict] += s.events;
  }
  BOOST_TEST(events_by_verdict["delivered"] == 3u);
  BOOST_TEST(events_by_verdict["dead"] == 1u);
  BOOST_TEST(events_by_verdict["split"] == 6u);  // 4, then 2.
  BOOST_TEST(seen.front().http_status == 422);
}

BOOST_AUTO_TEST_CASE(AnAnsweredRequestFreesItsSlotBeforeItsOutcomeIsWritten) {
  // So the pixel's next claim can share the outcome's write group instead
  // of waiting for it to be durable; RunOnce still waits for the outcome.
  std::promise<void> writer_held, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> answered{false};
  transport.SetHandler([&](const SentRequest& r) {
    // Hold the store's writer, so that the outcome waits in its queue.
    outbox->store().CommitAsync(
        [&writer_held, released](WriteTxn&) {
          writer_held.set_value();
          released.wait();
          return Status::Ok();
        },
        [](Status) {});
    writer_held.get_future().wait();
    answered = true;
    return FakeTransport::Accept(r);
  });
  EnqueueMany(1);
  std::atomic<bool> pass_done{false};
  Status pass_status;
  std::thread pass([&] {
    pass_status = drainer->RunOnce();
    pass_done = true;
  });
  bool slot_free = false;
  for (int i = 0; i < 500 && !slot_free; ++i) {
    DrainerStats stats = drainer->GetStats();
    slot_free = answered && stats.pixels.size() == 1 &&
                stats.pixels[0].requests_in_flight == 0;
    if (!slot_free) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST(slot_free);
  BOOST_TEST(drainer->GetStats().events_delivered == 0u);  // Not written.
  BOOST_TEST(!pass_done);
  release.set_value();
  pass.join();
  BOOST_TEST(pass_status.ok());
  BOOST_TEST(drainer->GetStats().events_delivered == 1u);
  BOOST_TEST(Get("e0").state == State::kDelivered);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
