// The one translation unit that defines the Boost.Test module for
// reliability_tests; every other *_test.cc adds suites to it.
#define BOOST_TEST_MODULE reliability_tests
#include <boost/test/unit_test.hpp>
