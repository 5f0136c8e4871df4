// CurlTransport::Create: which endpoints and limits it accepts.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <ostream>
#include <string>

#include "outbox/curl_transport.h"

namespace outbox {
namespace {

BOOST_AUTO_TEST_SUITE(CurlTransportTest)

struct EndpointCase {
  const char* endpoint;
  bool accepted;
};

std::ostream& operator<<(std::ostream& os, const EndpointCase& c) {
  return os << c.endpoint << (c.accepted ? " accepted" : " refused");
}

const EndpointCase kEndpointCases[] = {
    {"https://example.com/v1/events", true},
    {"https://bzr.openai.com/v1/events", true},
    {"http://127.0.0.1:1", true},
    {"http://127.255.3.4:1/v1/events", true},
    {"http://localhost:1", true},
    {"HTTP://LOCALHOST:1", true},
    {"http://[::1]:1", true},
    {"http://example.com", false},
    {"http://example.com/v1/events", false},
    {"http://128.0.0.1", false},
    {"http://127.0.0.1.example.com", false},
    {"http://localhost.example.com", false},
    {"http://127.0.0.1@example.com/", false},
    {"http://[::2]:1", false},
    {"ftp://127.0.0.1/", false},
    {"bzr.openai.com/v1/events", false},
    {"", false},
};

BOOST_DATA_TEST_CASE(RefusesPlainHttpForNonLoopbackHosts,
                     boost::unit_test::data::make(kEndpointCases), c) {
  CurlTransportOptions options;
  options.endpoint = c.endpoint;

  StatusOr<std::unique_ptr<CurlTransport>> transport =
      CurlTransport::Create(options);

  BOOST_TEST(transport.ok() == c.accepted, transport.status());
  if (!c.accepted) {
    BOOST_TEST(transport.status().code() == StatusCode::kInvalidArgument);
  }
}

BOOST_AUTO_TEST_CASE(ExplainsWhyPlainHttpIsRefused) {
  CurlTransportOptions options;
  options.endpoint = "http://example.com/v1/events";

  Status status = CurlTransport::Create(options).status();

  BOOST_TEST(status.code() == StatusCode::kInvalidArgument);
  BOOST_TEST(status.message().find("loopback") != std::string::npos);
  BOOST_TEST(status.message().find("https://") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(RefusesNonPositiveLimits) {
  CurlTransportOptions options;
  options.max_concurrent_requests = 0;
  BOOST_TEST(CurlTransport::Create(options).status().code() ==
             StatusCode::kInvalidArgument);
  options = CurlTransportOptions();
  options.request_timeout_ms = 0;
  BOOST_TEST(CurlTransport::Create(options).status().code() ==
             StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
