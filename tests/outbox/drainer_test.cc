// The Drainer's scheduling against a scripted transport and a FakeClock:
// what it claims and sends, in which order, and when (batches, deadlines,
// a failing pixel, expiry, pauses, request slots); the request observer.
// The outcome of each answer is in drainer_outcomes_test.cc.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "outbox/src/store.h"
#include "tests/outbox/drainer_fixture.h"

namespace outbox {
namespace {

using testing::DrainerFixture;
using testing::FakeTransport;
using testing::kDayMs;
using testing::kNowMs;
using testing::MakeEvent;
using testing::SentRequest;

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
