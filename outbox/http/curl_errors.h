// How a failed libcurl transfer is described to the outbox: short phrases
// that say what happened ("timeout", "connection refused", ...), which end
// up in attempt records and operator tools.
#ifndef OUTBOX_HTTP_CURL_ERRORS_H_
#define OUTBOX_HTTP_CURL_ERRORS_H_

#include <curl/curl.h>

#include <string>

namespace outbox {
namespace http_internal {

// Returns the transport_error for a transfer that ended with `code` (not
// CURLE_OK). `detail` is libcurl's CURLOPT_ERRORBUFFER text, possibly empty;
// it is only used where the code alone is too vague (TLS failures).
std::string DescribeCurlError(CURLcode code, const std::string& detail);

// Returns `text` with every occurrence of `secret` replaced by
// "[redacted]". A guard so that no error string can ever carry the API key,
// whatever libcurl puts in its messages.
std::string Redact(std::string text, const std::string& secret);

}  // namespace http_internal
}  // namespace outbox

#endif  // OUTBOX_HTTP_CURL_ERRORS_H_
