// The Drainer test fixture: an Outbox on a temporary directory with a
// FakeClock, a scripted FakeTransport, and a Drainer between them.
#ifndef OUTBOX_TESTS_OUTBOX_DRAINER_FIXTURE_H_
#define OUTBOX_TESTS_OUTBOX_DRAINER_FIXTURE_H_

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "outbox/drainer.h"
#include "tests/outbox/fake_transport.h"
#include "tests/outbox/test_util.h"

namespace outbox::testing {

struct DrainerFixture : OutboxFixture {
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

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_OUTBOX_DRAINER_FIXTURE_H_
