// Internals of the Drainer shared by drainer.cc (scheduling) and
// drainer_outcomes.cc (what each response leads to).
#ifndef OUTBOX_SRC_DRAINER_IMPL_H_
#define OUTBOX_SRC_DRAINER_IMPL_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "outbox/drainer.h"
#include "outbox/src/record_ops.h"
#include "outbox/src/response_class.h"
#include "outbox/src/store.h"

namespace outbox {

// One request's worth of records of one pixel.
struct Batch {
  std::string pixel_id;
  std::vector<Record> records;
  std::string api_key;
  bool full = false;      // Claimed at the cap: more work is likely waiting.
  bool is_probe = false;  // A validate_only request for a refused key.
};

// The batch's records without their payloads, for an outcome operation
// (which may be written again later, so it shares rather than owns them).
std::shared_ptr<const std::vector<Record>> ClaimedRecords(const Batch& batch);

// Delivery state of one pixel, kept in memory: after a restart a pixel
// starts fresh (retry times are in the records themselves).
struct PixelState {
  bool paused = false;
  bool key_rejected = false;
  std::string key_rejected_reason;
  int64_t next_probe_ms = 0;
  int64_t deferred_until_ms = 0;
  int64_t next_expiry_check_ms = 0;
  uint32_t consecutive_failures = 0;
  uint32_t consecutive_throttles = 0;
  size_t requests_in_flight = 0;
};

// A claim (keys leased, not read yet) on its way to the reader thread.
struct ClaimToSend {
  std::string pixel_id;
  Claim claim;
  int64_t claimed_ms = 0;
  std::string api_key;
  bool full = false;
};

struct Drainer::Impl {
  Impl(Outbox& o, Transport& t, ApiKeys k, DrainerOptions opts);

  // Scheduling (loop thread, or RunOnce's caller).
  Status RunPass();
  Status ServePixel(const std::string& pixel_id, int64_t now);
  bool MayClaim(const std::string& pixel_id, int64_t now);
  void MaybeProbe(const std::string& pixel_id, int64_t now);
  void Send(Batch batch);
  void WaitForIdle();
  void SetPausedLocked(const std::string& pixel_id, bool paused);
  void Loop();

  // Reading claimed records and sending them (reader thread), so that the
  // loop's next claim waits for the writer while this one is being read.
  void ReaderLoop();
  void ReadAndSend(ClaimToSend job);
  void StopReader();

  // Outcomes (transport thread).
  // `verdict` is ClassifyResponse of `response` for the whole batch.
  void OnResponse(const Batch& batch, int64_t started_ms,
                  const HttpResponse& response, Verdict verdict);
  void OnProbeResponse(const Batch& batch, const HttpResponse& response);
  void Report(const Batch& batch, const HttpResponse& response,
              Verdict verdict, std::chrono::steady_clock::duration latency);
  void OnBadKey(const Batch& batch, const Attempt& attempt, int64_t now);
  void OnThrottled(const Batch& batch, const Attempt& attempt,
                   const HttpResponse& response, int64_t now);
  void Split(const Batch& batch);
  void Persist(const Batch& batch, Store::Op op,
               uint64_t DrainerStats::*count);
  void Finish(const std::string& pixel_id, bool wake_loop);
  int64_t Backoff(uint32_t attempt);
  void Log(LogLevel level, const std::string& line) { options.log(level, line); }

  Outbox& outbox;
  Store& store;
  Transport& transport;
  DrainerOptions options;
  const Clock* clock;

  mutable std::mutex mu;
  std::condition_variable cv;  // Signals idle (for RunOnce/Stop) and wake.
  ApiKeys keys;                               // guarded by mu
  std::map<std::string, PixelState> pixels;   // guarded by mu
  bool all_paused = false;                    // guarded by mu
  // Requests sent and not answered, and claims not sent yet.
  size_t requests_in_flight = 0;              // guarded by mu
  // Outcomes queued to the store's writer and not written yet.
  size_t outcomes_being_written = 0;          // guarded by mu
  size_t rotation = 0;                        // guarded by mu
  bool wake = false;                          // guarded by mu
  bool stopping = false;                      // guarded by mu
  std::vector<Store::Op> failed_outcomes;     // guarded by mu; re-written
  Status first_error;                         // guarded by mu
  DrainerStats stats;                         // guarded by mu
  std::mt19937_64 rng;                        // guarded by mu
  std::deque<ClaimToSend> to_read;            // guarded by mu
  bool reader_stopping = false;               // guarded by mu
  std::condition_variable reader_cv;          // Signals to_read.
  std::thread thread;
  std::thread reader;
};

}  // namespace outbox

#endif  // OUTBOX_SRC_DRAINER_IMPL_H_
