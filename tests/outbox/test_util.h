// Shared fixtures for the outbox tests: a temporary directory, valid events,
// and an Outbox on a FakeClock with background threads off.
#ifndef OUTBOX_TESTS_OUTBOX_TEST_UTIL_H_
#define OUTBOX_TESTS_OUTBOX_TEST_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "outbox/clock.h"
#include "outbox/event.h"
#include "outbox/outbox.h"

namespace outbox::testing {

// 2026-11-29T12:00:00Z: tests run on a fixed, simulated "now".
inline constexpr int64_t kNowMs = 1795953600000;
inline constexpr int64_t kHourMs = 3600LL * 1000;
inline constexpr int64_t kDayMs = 24 * kHourMs;

// A directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "outbox-test-XXXXXX");
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A valid order_created event for `pixel_id`, a minute old.
inline Event MakeEvent(const std::string& id,
                       const std::string& pixel_id = "px_test",
                       int64_t timestamp_ms = kNowMs - 60 * 1000) {
  Event e;
  e.pixel_id = pixel_id;
  e.id = id;
  e.type = "order_created";
  e.timestamp_ms = timestamp_ms;
  e.action_source = "web";
  e.source_url = "https://shop.example.com/checkout/done";
  e.data.type = "contents";
  e.data.amount = 12999;
  e.data.currency = "USD";
  return e;
}

// An Outbox in a fresh directory on a FakeClock; reopenable.
struct OutboxFixture {
  OutboxFixture() : clock(kNowMs) {
    options.data_dir = dir.Sub("db");
    options.clock = &clock;
    options.background_maintenance = false;
    Reopen();
  }
  void Reopen() {
    outbox.reset();
    auto opened = Outbox::Open(options);
    if (!opened.ok()) throw std::runtime_error(opened.status().ToString());
    outbox = std::move(*opened);
  }

  TempDir dir;
  FakeClock clock;
  Options options;
  std::unique_ptr<Outbox> outbox;
};

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_OUTBOX_TEST_UTIL_H_
