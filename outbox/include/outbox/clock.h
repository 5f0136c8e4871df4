// Clock: the outbox's only source of "now", so tests can run on simulated time.
//
// Thread-safety: implementations must be safe to call from any thread.
#ifndef OUTBOX_CLOCK_H_
#define OUTBOX_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace outbox {

class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the current time as epoch milliseconds.
  virtual int64_t NowMs() const = 0;
};

// The system's wall clock (what the Conversions API compares timestamps to).
// Returns a process-wide instance that lives forever.
const Clock* SystemClock();

// A clock that only moves when told to. For tests.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void Set(int64_t now_ms) { now_ms_.store(now_ms); }
  void Advance(int64_t delta_ms) { now_ms_.fetch_add(delta_ms); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace outbox

#endif  // OUTBOX_CLOCK_H_
