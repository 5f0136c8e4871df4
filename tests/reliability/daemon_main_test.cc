// The one translation unit that defines the Boost.Test module for
// daemon_reliability_tests: scenarios against real outboxd and fake-capi
// processes (kill_loop_test.cc, hostile_input_test.cc, ...).
#define BOOST_TEST_MODULE daemon_reliability_tests
#include <boost/test/unit_test.hpp>
