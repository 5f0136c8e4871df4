// Named crash points for the reliability tests (tests/reliability/).
//
//   OUTBOX_CRASH_POINT("drainer.after_2xx");
//
// compiles to nothing unless the build defines OUTBOX_ENABLE_CRASH_POINTS
// (CMake option OUTBOX_CRASH_POINTS, used by `make reliability` only: a
// release build never contains them). In such a build, when the environment
// variable OUTBOX_CRASH_AT is "NAME" or "NAME:N", the process kills itself
// with SIGKILL at the N-th time (default: the first) it passes the point
// called NAME, exactly as `kill -9` would: no destructor, no flush.
//
// Thread-safety: a point may be passed from any thread.
#ifndef OUTBOX_SRC_CRASH_POINT_H_
#define OUTBOX_SRC_CRASH_POINT_H_

#ifdef OUTBOX_ENABLE_CRASH_POINTS

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace outbox::internal {

struct CrashTarget {
  std::string name;  // Empty: no crash point is armed.
  long hit = 1;      // Fire on this hit of the point.
};

inline CrashTarget ParseCrashTarget(const char* spec) {
  CrashTarget target;
  if (spec == nullptr) return target;
  target.name = spec;
  size_t colon = target.name.find(':');
  if (colon != std::string::npos) {
    target.hit = std::atol(target.name.c_str() + colon + 1);
    target.name.resize(colon);
  }
  return target;
}

// Inline, so every translation unit shares one target and one hit counter.
inline void CrashPoint(const char* name) {
  static const CrashTarget target =
      ParseCrashTarget(std::getenv("OUTBOX_CRASH_AT"));
  static std::atomic<long> hits{0};
  if (target.name.empty() || std::strcmp(target.name.c_str(), name) != 0) {
    return;
  }
  if (hits.fetch_add(1) + 1 != target.hit) return;
  kill(getpid(), SIGKILL);
  _exit(137);  // Not reached: SIGKILL cannot be caught.
}

}  // namespace outbox::internal

#define OUTBOX_CRASH_POINT(name) ::outbox::internal::CrashPoint(name)

#else

#define OUTBOX_CRASH_POINT(name) \
  do {                           \
  } while (false)

#endif  // OUTBOX_ENABLE_CRASH_POINTS

#endif  // OUTBOX_SRC_CRASH_POINT_H_
