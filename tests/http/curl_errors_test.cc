// The CURLcode -> transport_error mapping and the API-key guard.
#include "outbox/http/curl_errors.h"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>

namespace outbox {
namespace http_internal {
namespace {

struct ErrorCase {
  CURLcode code;
  const char* detail;
  const char* expected;
};

std::ostream& operator<<(std::ostream& os, const ErrorCase& c) {
  return os << "CURLcode " << static_cast<int>(c.code);
}

const ErrorCase kErrorCases[] = {
    {CURLE_OPERATION_TIMEDOUT, "Operation timed out after 300 ms", "timeout"},
    {CURLE_COULDNT_CONNECT, "", "connection refused"},
    {CURLE_SEND_ERROR, "", "connection reset"},
    {CURLE_RECV_ERROR, "Connection reset by peer", "connection reset"},
    {CURLE_GOT_NOTHING, "", "connection closed without a response"},
    {CURLE_COULDNT_RESOLVE_HOST, "", "DNS failure"},
    {CURLE_PEER_FAILED_VERIFICATION, "certificate has expired",
     "TLS error: certificate has expired"},
    {CURLE_SSL_CONNECT_ERROR, "", "TLS error: SSL connect error"},
    {CURLE_SSL_CACERT_BADFILE, "bad file", "TLS error: bad file"},
    {CURLE_TOO_MANY_REDIRECTS, "",
     "curl: Number of redirects hit maximum amount"},
    {CURLE_PARTIAL_FILE, "ignored detail", "curl: Transferred a partial file"},
};

BOOST_AUTO_TEST_SUITE(CurlErrorsTest)

BOOST_DATA_TEST_CASE(DescribesWhatHappened,
                     boost::unit_test::data::make(kErrorCases), c) {
  BOOST_TEST(DescribeCurlError(c.code, c.detail) == c.expected);
}

BOOST_AUTO_TEST_CASE(RedactsEveryOccurrenceOfTheSecret) {
  BOOST_TEST(Redact("a sk-1 b sk-1", "sk-1") == "a [redacted] b [redacted]");
  BOOST_TEST(Redact("no secret here", "sk-1") == "no secret here");
  BOOST_TEST(Redact("empty secret", "") == "empty secret");
  // The search resumes after each mask, so a secret that occurs inside the
  // mask cannot make it loop.
  BOOST_TEST(Redact("redacted", "redacted") == "[redacted]");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace http_internal
}  // namespace outbox
