// The one translation unit that defines the Boost.Test module for
// outbox_http_tests; every other *_test.cc adds suites to it.
#define BOOST_TEST_MODULE outbox_http_tests
#include <boost/test/unit_test.hpp>
