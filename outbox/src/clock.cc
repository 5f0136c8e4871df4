#include <chrono>

#include "outbox/clock.h"

namespace outbox {
namespace {

class WallClock : public Clock {
 public:
  int64_t NowMs() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

const Clock* SystemClock() {
  static const WallClock* const clock = new WallClock();
  return clock;
}

}  // namespace outbox
