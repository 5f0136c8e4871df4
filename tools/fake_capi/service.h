// Service: fake-capi's behaviour, free of any networking. It takes one HTTP
// request and says what to do with it: the answer, or a fault (reset,
// close, black hole). The server (server.h) only translates to and from
// Boost.Beast, so the behaviour can be read in one place.
//
// Endpoints:
//   POST /v1/events?pid=PIXEL   the Conversions API (docs: capi.md)
//   GET  /stats                 counts, as JSON
//   GET  /keys                  one JSON line per dedup key accepted
//   POST /reset                 zero every count and key
//   GET  /control               the fault configuration, as JSON
//   POST /control               change some of its fields (FaultConfig)
//   GET  /healthz               {"status":"ok"}
// Only /v1/events needs a key and meets faults.
//
// Thread-safety: Handle and the accessors may be called from any thread.
#ifndef TOOLS_FAKE_CAPI_SERVICE_H_
#define TOOLS_FAKE_CAPI_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "outbox/clock.h"
#include "outbox/status.h"
#include "tools/fake_capi/fault_config.h"
#include "tools/fake_capi/ledger.h"
#include "tools/fake_capi/request_log.h"

namespace outbox {
namespace fake_capi {

struct ScannedRequest;

// The key accepted when no other is configured.
inline constexpr char kDemoApiKey[] = "sk-fake-capi-demo";

// How much of each request body is checked.
enum class ValidateMode {
  kFull,   // Parse and apply every rule of the outbox (PrepareEvent).
  kShape,  // Parse only: JSON types and known fields, no API rules.
  kNone,   // Find ids and names with a fast scan; no validation.
};
std::string_view ValidateModeName(ValidateMode mode);
std::optional<ValidateMode> ParseValidateMode(std::string_view name);

struct ServiceOptions {
  // Bearer keys accepted on /v1/events. Default: empty, meaning only
  // kDemoApiKey.
  std::vector<std::string> api_keys;
  // Pixels known; requests for others get 404. Default: empty, any pixel.
  std::vector<std::string> pixels;
  // Default: kFull.
  ValidateMode validate = ValidateMode::kFull;
  // File to append one JSON line per accepted request to (request_log.h).
  // Default: "" (none).
  std::string request_log_path;
  // Faults at start; POST /control changes them. Default: none.
  FaultConfig faults;
  // The server's clock, before FaultConfig::clock_offset_ms. Not owned.
  // Default: the wall clock.
  const Clock* clock = SystemClock();
};

struct HttpRequest {
  std::string_view method;         // "GET", "POST", ...
  std::string_view target;         // E.g. "/v1/events?pid=px".
  std::string_view authorization;  // The header's value, or "".
  std::string_view body;
};

struct HttpReply {
  enum class Action {
    kAnswer,     // Send the reply (after delay_ms).
    kReset,      // Reset the connection (RST), answering nothing.
    kClose,      // Close the connection (FIN), answering nothing.
    kBlackHole,  // Answer nothing; keep the connection until the peer leaves.
  };
  Action action = Action::kAnswer;
  int status = 200;
  std::string body;
  std::string_view content_type = "application/json";
  int64_t retry_after_s = -1;  // A Retry-After header when >= 0.
  int64_t delay_ms = 0;
};

class Service {
 public:
  // INVALID_ARGUMENT when the request log cannot be opened.
  static StatusOr<std::unique_ptr<Service>> Create(ServiceOptions options);

  // Returns what to do with `request`.
  HttpReply Handle(const HttpRequest& request);

  // Returns a new value for the x-request-id header every response carries.
  std::string NextRequestId();

  LedgerSnapshot Snapshot() const { return ledger_.Snapshot(); }
  std::vector<KeyCount> Keys() const { return ledger_.Keys(); }
  FaultConfig faults() const;
  ValidateMode validate_mode() const { return options_.validate; }

 private:
  explicit Service(ServiceOptions options);

  // Control endpoints (service.cc).
  std::string StatsJson() const;
  HttpReply HandleControl(const HttpRequest& request);
  HttpReply HandleReset();

  // The Conversions API (events_endpoint.cc).
  HttpReply HandleEvents(const HttpRequest& request);
  HttpReply HandleEventsBody(const std::string& pixel, std::string_view body,
                             const FaultConfig& faults);
  HttpReply HandleScanned(const std::string& pixel,
                          const ScannedRequest& scanned,
                          const FaultConfig& faults);
  HttpReply Accept(const std::string& pixel, bool validate_only,
                   const std::vector<KeyRef>& keys, int64_t now_ms);
  HttpReply Reject(int status, std::string body);
  bool IsKnownKey(std::string_view authorization) const;

  const ServiceOptions options_;
  const std::unordered_set<std::string> api_keys_;
  const std::unordered_set<std::string> pixels_;
  std::unique_ptr<RequestLog> request_log_;  // Null when not asked for.
  Ledger ledger_;
  FaultPicker picker_;
  std::atomic<uint64_t> request_ids_{0};

  mutable std::mutex mu_;
  FaultConfig faults_;  // Guarded by mu_.
};

}  // namespace fake_capi
}  // namespace outbox

#endif  // TOOLS_FAKE_CAPI_SERVICE_H_
