// The registry and the text format 0.0.4: exact output for each type,
// escaping, bucket edges, name checks.
#include "grpc_service/metrics_registry.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace outbox::grpc_service {
namespace {

namespace data = boost::unit_test::data;

BOOST_AUTO_TEST_SUITE(MetricsRegistryTest)

BOOST_AUTO_TEST_CASE(RendersCountersWithHelpTypeAndSortedLabels) {
  MetricsRegistry r;
  Family<Counter>& calls =
      r.AddCounter("app_calls_total", "Calls by code.", {"code"});
  calls.WithLabels({"UNAVAILABLE"}).Increment(2);
  calls.WithLabels({"OK"}).Increment();
  r.AddCounter("app_plain_total", "No labels.").WithLabels({});
  BOOST_TEST(r.Render() ==
             "# HELP app_calls_total Calls by code.\n"
             "# TYPE app_calls_total counter\n"
             "app_calls_total{code=\"OK\"} 1\n"
             "app_calls_total{code=\"UNAVAILABLE\"} 2\n"
             "# HELP app_plain_total No labels.\n"
             "# TYPE app_plain_total counter\n"
             "app_plain_total 0\n");
}

BOOST_AUTO_TEST_CASE(RendersGaugesWithFractionsAndNegatives) {
  MetricsRegistry r;
  Family<Gauge>& g = r.AddGauge("app_temp", "T.", {"room", "floor"});
  g.WithLabels({"a", "1"}).Set(0.25);
  g.WithLabels({"b", "2"}).Set(-3);
  g.WithLabels({"b", "2"}).Add(1.5);
  BOOST_TEST(r.Render() ==
             "# HELP app_temp T.\n"
             "# TYPE app_temp gauge\n"
             "app_temp{room=\"a\",floor=\"1\"} 0.25\n"
             "app_temp{room=\"b\",floor=\"2\"} -1.5\n");
}

BOOST_AUTO_TEST_CASE(RendersHistogramsCumulativeWithInfSumAndCount) {
  MetricsRegistry r;
  Family<Histogram>& h =
      r.AddHistogram("app_latency_seconds", "L.", {"op"}, {0.25, 1, 2.5});
  Histogram& get = h.WithLabels({"get"});
  get.Observe(0.125);
  get.Observe(0.25);  // On a bound: counts in that bucket (le is <=).
  get.Observe(2);
  get.Observe(7);  // Above every bound: only +Inf.
  BOOST_TEST(r.Render() ==
             "# HELP app_latency_seconds L.\n"
             "# TYPE app_latency_seconds histogram\n"
             "app_latency_seconds_bucket{op=\"get\",le=\"0.25\"} 2\n"
             "app_latency_seconds_bucket{op=\"get\",le=\"1\"} 2\n"
             "app_latency_seconds_bucket{op=\"get\",le=\"2.5\"} 3\n"
             "app_latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
             "app_latency_seconds_sum{op=\"get\"} 9.375\n"
             "app_latency_seconds_count{op=\"get\"} 4\n");
}

BOOST_AUTO_TEST_CASE(EscapesLabelValuesAndHelp) {
  MetricsRegistry r;
  r.AddCounter("app_x_total", "Back\\slash and\nnewline \"kept\".", {"v"})
      .WithLabels({"a\"b\\c\nd"})
      .Increment();
  BOOST_TEST(r.Render() ==
             "# HELP app_x_total Back\\\\slash and\\nnewline \"kept\".\n"
             "# TYPE app_x_total counter\n"
             "app_x_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

BOOST_AUTO_TEST_CASE(CollectorsRunAtEveryScrapeInRegistrationOrder) {
  MetricsRegistry r;
  int scrapes = 0;
  r.AddCollector([&scrapes](std::vector<MetricFamily>* out) {
    out->push_back(GaugeFamily("app_scrapes", "Scrapes.", ++scrapes));
  });
  r.AddCounter("app_after_total", "After.").WithLabels({});
  r.Render();
  BOOST_TEST(r.Render() ==
             "# HELP app_scrapes Scrapes.\n"
             "# TYPE app_scrapes gauge\n"
             "app_scrapes 2\n"
             "# HELP app_after_total After.\n"
             "# TYPE app_after_total counter\n"
             "app_after_total 0\n");
}

const std::pair<double, const char*> kValues[] = {
    {0, "0"},
    {1, "1"},
    {0.005, "0.005"},
    {0.0005, "0.0005"},
    {0.00001, "1e-05"},
    {6621088, "6621088"},
    {1795975252.1266289, "1795975252.1266289"},
    {1e21, "1e+21"},
    {123456789, "123456789"},
    {-2.5, "-2.5"},
    {std::numeric_limits<double>::infinity(), "+Inf"},
    {-std::numeric_limits<double>::infinity(), "-Inf"},
    {std::nan(""), "NaN"},
};

BOOST_DATA_TEST_CASE(FormatsValuesAsPrometheusDoes, data::xrange(13), i) {
  BOOST_TEST(FormatValue(kValues[i].first) == kValues[i].second);
}

BOOST_AUTO_TEST_CASE(ChecksNames) {
  BOOST_TEST(IsValidMetricName("outbox_events"));
  BOOST_TEST(IsValidMetricName("a:b_c9"));
  BOOST_TEST(!IsValidMetricName("9lives"));
  BOOST_TEST(!IsValidMetricName("has-dash"));
  BOOST_TEST(!IsValidMetricName(""));
  BOOST_TEST(IsValidLabelName("code"));
  BOOST_TEST(!IsValidLabelName("__reserved"));
  BOOST_TEST(!IsValidLabelName("a:b"));
}

BOOST_AUTO_TEST_CASE(CountsEveryIncrementFromManyThreads) {
  MetricsRegistry r;
  Counter& c = r.AddCounter("app_n_total", "N.").WithLabels({});
  Histogram& h = r.AddHistogram("app_h", "H.", {}, {1}).WithLabels({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Increment();
        h.Observe(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(c.Value() == 40000u);
  Histogram::Snapshot s = h.Take();
  BOOST_TEST(s.cumulative[0] == 40000u);
  BOOST_TEST(s.sum == 40000.0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service
