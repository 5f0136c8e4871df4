#include "outbox/http/curl_errors.h"

namespace outbox {
namespace http_internal {
namespace {

bool IsTlsError(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string DescribeCurlError(CURLcode code, const std::string& detail) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_CONNECT:
      return "connection refused";
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      return "connection reset";
    case CURLE_GOT_NOTHING:
      return "connection closed without a response";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "DNS failure";
    default:
      break;
  }
  if (IsTlsError(code)) {
    // "SSL connect error" alone does not tell an operator whether the
    // certificate, the protocol version or the peer was at fault.
    return "TLS error: " + (detail.empty() ? curl_easy_strerror(code) : detail);
  }
  return std::string("curl: ") + curl_easy_strerror(code);
}

std::string Redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  static constexpr char kMask[] = "[redacted]";
  for (size_t pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + sizeof(kMask) - 1)) {
    text.replace(pos, secret.size(), kMask);
  }
  return text;
}

}  // namespace http_internal
}  // namespace outbox
