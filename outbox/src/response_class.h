// How the outbox reads the Conversions API's answer to one batch: the whole
// HTTP-to-decision mapping lives in ClassifyResponse, and what is kept of an
// answer for operators in MakeAttempt.
#ifndef OUTBOX_SRC_RESPONSE_CLASS_H_
#define OUTBOX_SRC_RESPONSE_CLASS_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "outbox/record.h"
#include "outbox/transport.h"

namespace outbox {

enum class Verdict {
  kDelivered,  // 2xx: every event of the batch is accepted.
  kSplit,      // 400/413/422 on a batch of several: one or more events are
               // bad; halve the batch to find them, send the rest.
  kDead,       // The event(s) will never be accepted (4xx on one event, or
               // another 4xx such as 404 unknown pixel).
  kRetry,      // 5xx, 408, timeout, connection failure: back off, retry.
  kThrottled,  // 429: defer the pixel without using the attempt budget.
  kBadKey,     // 401/403: the API key is wrong; pause the pixel.
};

const char* VerdictName(Verdict verdict);

// `retryable_statuses`: extra 4xx statuses to treat as kRetry.
Verdict ClassifyResponse(const HttpResponse& response, size_t batch_size,
                         const std::set<int>& retryable_statuses);

// The attempt record of `response`: body truncated to `max_excerpt_bytes`
// with any occurrence of `api_key` redacted, and the first
// request-id-like header (x-request-id, openai-request-id, request-id,
// x-trace-id, traceparent, cf-ray, ...).
Attempt MakeAttempt(const HttpResponse& response, int64_t started_ms,
                    size_t batch_size, const std::string& api_key,
                    size_t max_excerpt_bytes);

// A one-line reason for DEAD records: "HTTP 422: <excerpt>".
std::string DeadReason(const Attempt& attempt);

// The "accepted_events" count of a 2xx body; -1 when absent.
int64_t AcceptedEvents(const std::string& body);

}  // namespace outbox

#endif  // OUTBOX_SRC_RESPONSE_CLASS_H_
