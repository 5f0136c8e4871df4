// Scenario 8 at the daemon level, the leak canary: outboxd reads a
// recognisable API key from --api-key-file (and a second, per-pixel key
// that fake-capi refuses with 401), and is sent raw personal data (emails,
// phone numbers, names, external ids in the raw `emails`... fields), some
// of it in an event that fails validation; fake-capi answers 500 to a share
// of requests so that error paths log too, at --log-level debug. Then the
// key and the raw values (as given and normalised) must appear nowhere:
// outboxd's stderr, the enqueue error, every file of the data dir (the
// write-ahead log and the SST files, raw and decoded, since blocks may be
// compressed), outboxctl's stats/list/inspect/export output, and /metrics
// on --metrics-listen.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/reliability/daemon_rig.h"
#include "tests/reliability/leak_search.h"

namespace outbox::testing {
namespace {

constexpr char kApiKey[] = "sk-svcacct-DAEMONCANARY0123456789abcdef";
constexpr char kRefusedKey[] = "sk-svcacct-REFUSEDCANARY9876543210fedcba";

const std::vector<Needle>& Needles() {
  static const std::vector<Needle> needles = {
      {"API key", kApiKey},
      {"refused per-pixel API key", kRefusedKey},
      {"email", "Daemon.Canary@Leak-Test.example"},
      {"normalised email", "daemon.canary@leak-test.example"},
      {"phone", "+1 (555) 867-5309"},
      {"normalised phone", "15558675309"},
      {"first name", "Zebulonius"},
      {"normalised first name", "zebulonius"},
      {"last name", "Quagmire-Canary"},
      {"normalised last name", "quagmirecanary"},
      {"external id", "ext-daemon-canary-7731"},
  };
  return needles;
}

v1::ConversionEvent CanaryEvent(const std::string& id,
                                const std::string& pixel) {
  v1::ConversionEvent e;
  e.set_pixel_id(pixel);
  e.set_id(id);
  e.set_type("order_created");
  e.set_timestamp_ms(WallMs() - 60 * 1000);
  e.set_action_source("web");
  e.set_source_url("https://shop.example/checkout/done");
  e.mutable_data()->set_type("contents");
  e.mutable_data()->set_amount(12999);
  e.mutable_data()->set_currency("USD");
  v1::UserData* user = e.mutable_user();
  user->add_emails(Needles()[2].bytes);
  user->add_phone_numbers(Needles()[4].bytes);
  user->add_first_names(Needles()[6].bytes);
  user->add_last_names(Needles()[8].bytes);
  user->add_external_ids(Needles()[10].bytes);
  return e;
}

size_t Search(const std::string& where, const std::string& haystack) {
  return SearchText(Needles(), where, haystack);
}

// Runs outboxctl against the rig; returns its stdout and stderr.
std::string Ctl(DaemonRig& rig, std::vector<std::string> args) {
  args.insert(args.begin(), {OUTBOXCTL_PATH, "--server", rig.address()});
  const std::string out = rig.Path("ctl.out");
  std::filesystem::remove(out);
  ChildProcess ctl(args, {}, out);
  const int code = ctl.Wait(60000);
  std::string text = ReadFile(out);
  BOOST_TEST(code == 0, "outboxctl " << args[3] << ": " << text);
  return text;
}

// GET http://ADDRESS/metrics, or "" when nothing answers there.
std::string ScrapeMetrics(const std::string& address) {
  try {
    return HttpGet("http://" + address + "/metrics");
  } catch (const std::exception&) {
    return "";
  }
}

bool AwaitDelivered(DaemonRig& rig, uint64_t events) {
  for (int i = 0; i < 300; ++i) {
    auto stats = rig.client().Stats();
    if (stats && stats->delivered() >= events) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

BOOST_AUTO_TEST_SUITE(DaemonLeakCanaryTest)

BOOST_AUTO_TEST_CASE(NoKeyOrRawPersonalDataLeavesOutboxd) {
  DaemonRigOptions options;
  options.fake_capi_args = {"--api-key", kApiKey,      "--status-500",
                            "0.3",       "--validate", "full"};
  const std::string metrics_address =
      "127.0.0.1:" + std::to_string(PickFreePort());
  options.env = {};  // No OPENAI_CONVERSIONS_API_KEY: the file's key only.
  DaemonRig rig(options);
  {
    std::ofstream keys(rig.Path("api-keys"));
    keys << "# the default key, then one fake-capi refuses\n"
         << kApiKey << "\npx_refused=" << kRefusedKey << "\n";
  }
  rig.set_outboxd_args({"--api-key-file", rig.Path("api-keys"), "--log-level",
                        "debug", "--metrics-listen", metrics_address});
  rig.Spawn();
  BOOST_REQUIRE(rig.AwaitServing() >= 0);

  const int events = 30;
  for (int i = 0; i < events; ++i) {
    v1::EnqueueRequest request;
    *request.add_events() = CanaryEvent("canary-" + std::to_string(i),
                                        i % 3 == 2 ? "px_refused" : "px_ok");
    v1::EnqueueResponse response;
    grpc::ClientContext context;
    BOOST_REQUIRE(
        rig.client().outbox->Enqueue(&context, request, &response).ok());
  }
  // Invalid: a control character inside the raw email.
  v1::EnqueueRequest bad;
  *bad.add_events() = CanaryEvent("canary-bad", "px_ok");
  bad.mutable_events(0)->mutable_user()->set_emails(
      0, Needles()[2].bytes + "\x01");
  v1::EnqueueResponse bad_response;
  grpc::ClientContext bad_context;
  grpc::Status rejected =
      rig.client().outbox->Enqueue(&bad_context, bad, &bad_response);
  BOOST_TEST(rejected.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  size_t found = Search("the enqueue error", rejected.error_message());

  BOOST_REQUIRE(AwaitDelivered(rig, events - events / 3));
  // The refused key took its path too: 401, pixel held.
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    auto stats = rig.client().Stats();
    for (const auto& pixel :
         stats ? stats->pixels() : decltype(stats->pixels()){}) {
      refused |= pixel.pixel_id() == "px_refused" && pixel.key_rejected();
    }
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(refused);
  std::string ctl =
      Ctl(rig, {"stats"}) + Ctl(rig, {"stats", "-o", "json"}) +
      Ctl(rig, {"list", "--limit", "0"}) +
      Ctl(rig, {"list", "--limit", "0", "-o", "json"}) +
      Ctl(rig, {"inspect", "px_ok/order_created/canary-0"}) +
      Ctl(rig, {"inspect", "px_refused/order_created/canary-2", "-o", "json"}) +
      Ctl(rig, {"export", "--state", "pending"}) +
      Ctl(rig, {"export", "--state", "delivered"});
  found += Search("outboxctl output", ctl);
  BOOST_TEST(ctl.find("canary-0") != std::string::npos);  // It did print.
  const std::string metrics = ScrapeMetrics(metrics_address);
  // An empty scrape would make this part pass without looking at anything.
  BOOST_TEST(metrics.find("outbox_enqueue_events_total") != std::string::npos);
  found += Search("/metrics", metrics);
  BOOST_TEST(rig.Stop() == 0);
  {
    // Opening replays the write-ahead log into an SST file: both exist.
    BOOST_REQUIRE(rig.OpenStore().ok());
  }
  const std::string log = ReadFile(rig.outboxd_log());
  found += Search("outboxd's log", log);
  DirectorySearch dir = SearchDirectory(Needles(), rig.data_dir());
  found += dir.found;
  std::map<std::string, double> capi = rig.capi().Stats();
  BOOST_TEST_MESSAGE("daemon leak canary: "
                     << events + 1 << " events, " << capi["requests"]
                     << " requests (" << capi["faults.status_500"]
                     << " answered 500), " << log.size() << " log bytes, "
                     << ctl.size() << " outboxctl bytes, " << metrics.size()
                     << " metrics bytes, " << dir.files << " files (" << dir.ssts
                     << " SST) searched for " << Needles().size()
                     << " needles: " << found << " occurrences");
  BOOST_TEST(dir.ssts > 0u);
  BOOST_TEST(found == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::testing
