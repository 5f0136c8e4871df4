// FaultConfig: which failures fake-capi injects, and FaultPicker, which
// draws one for each request.
//
// The same field names serve the command line (--status-429 0.1) and
// POST /control ({"status_429":0.1}), so a test script can use either.
#ifndef TOOLS_FAKE_CAPI_FAULT_CONFIG_H_
#define TOOLS_FAKE_CAPI_FAULT_CONFIG_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "outbox/status.h"

namespace outbox {
namespace fake_capi {

// What happens to one request to /v1/events.
enum class FaultKind {
  kNone,             // Answered normally.
  kStatus429,        // 429 with Retry-After, nothing stored.
  kStatus500,        // 500, nothing stored.
  kStatus503,        // 503, nothing stored.
  kReset,            // Connection reset (RST) without an answer.
  kDropAfterAccept,  // Events stored, then the connection closed unanswered.
  kSlow,             // Answered normally after slow_ms.
  kBlackHole,        // Never answered; the connection stays open.
};
inline constexpr size_t kFaultKinds = 8;

// The field name of a fault's share, e.g. "status_429"; "none" for kNone.
std::string_view FaultName(FaultKind kind);

struct FaultConfig {
  // Shares (0..1, summing to at most 1) of requests that meet each fault,
  // indexed by FaultKind; kNone's entry is unused. Default: all 0.
  std::array<double, kFaultKinds> shares{};
  // Retry-After value of 429 answers, seconds. Default: 1.
  int64_t retry_after_s = 1;
  // Delay of a kSlow answer, milliseconds. Default: 2000.
  int64_t slow_ms = 2000;
  // Events whose id contains this fail validation with 422, failing their
  // whole request, like poison events. Default: "" (off).
  std::string reject_ids_containing;
  // Added to the wall clock to give the server's "now", to age events.
  // Default: 0.
  int64_t clock_offset_ms = 0;
  // Seeds the fault draws, so a run with one client is reproducible.
  // Default: 1.
  uint64_t seed = 1;

  double share(FaultKind kind) const {
    return shares[static_cast<size_t>(kind)];
  }
};

// Sets the field `name` (underscores or hyphens) from its command-line text.
// INVALID_ARGUMENT for an unknown name or a value out of range; `config` is
// unchanged then.
Status SetFaultFlag(std::string_view name, std::string_view value,
                    FaultConfig* config);

// True when `name` (underscores or hyphens) is a FaultConfig field.
bool IsFaultField(std::string_view name);

// Applies a JSON object of fields to `config` (fields absent stay as they
// are). INVALID_ARGUMENT naming the field for malformed JSON, an unknown
// field, a value of the wrong type or out of range, or shares summing to
// more than 1; `config` is unchanged then.
Status ApplyFaultJson(std::string_view json, FaultConfig* config);

// Returns every field of `config` as one JSON object.
std::string FaultConfigToJson(const FaultConfig& config);

// Draws a FaultKind per request from a FaultConfig's shares.
// Thread-safe.
class FaultPicker {
 public:
  explicit FaultPicker(uint64_t seed) : rng_(seed) {}

  // Restarts the sequence of draws from `seed`.
  void Reseed(uint64_t seed);
  // Returns the fault for the next request.
  FaultKind Pick(const FaultConfig& config);

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
};

}  // namespace fake_capi
}  // namespace outbox

#endif  // TOOLS_FAKE_CAPI_FAULT_CONFIG_H_
