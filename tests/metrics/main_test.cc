// The one translation unit that defines the Boost.Test module for
// outbox_metrics_tests; every other *_test.cc adds suites to it.
#define BOOST_TEST_MODULE outbox_metrics_tests
#include <boost/test/unit_test.hpp>
