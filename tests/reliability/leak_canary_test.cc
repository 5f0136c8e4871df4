// Leak canary: events carry raw personal data (an email, a phone number, a
// name, an external id) and are delivered with a recognisable API key to a
// receiver that echoes the key back in every way it can (body, request-id
// header, transport error) and answers 200, 400, 401, 500 and network
// failures. Afterwards the key and the raw values (as given and as
// normalised before hashing) must appear nowhere: not in the data directory
// (write-ahead log, SST files raw and decoded, LOG), not in the drainer's
// log lines, not in any record or attempt.
#include <boost/test/unit_test.hpp>
#include <mutex>

#include "outbox/drainer.h"
#include "tests/outbox/fake_transport.h"
#include "tests/outbox/test_util.h"
#include "tests/reliability/leak_search.h"

namespace outbox::testing {
namespace {

constexpr char kApiKey[] = "sk-svcacct-CANARYKEY0123456789abcdef";

const std::vector<Needle>& Needles() {
  static const std::vector<Needle> needles = {
      {"API key", kApiKey},
      {"email", "Canary.Person@Leak-Test.example"},
      {"normalised email", "canary.person@leak-test.example"},
      {"phone", "+1 (555) 867-5309"},
      {"normalised phone", "15558675309"},
      {"first name", "Zebulonius"},
      {"normalised first name", "zebulonius"},
      {"last name", "Quagmire-Canary"},
      {"normalised last name", "quagmirecanary"},
      {"external id", "ext-canary-7731"},
  };
  return needles;
}

Event CanaryEvent(const std::string& id, const std::string& pixel) {
  Event e = MakeEvent(id, pixel);
  e.user.emails = {Needles()[1].bytes};
  e.user.phone_numbers = {Needles()[3].bytes};
  e.user.first_names = {Needles()[5].bytes};
  e.user.last_names = {Needles()[7].bytes};
  e.user.external_ids = {Needles()[9].bytes};
  return e;
}

// A receiver that answers by pixel and echoes the key it was sent.
HttpResponse Echo(const SentRequest& r) {
  const std::string echo = "key " + r.api_key + " (Bearer " + r.api_key + ")";
  HttpResponse response;
  response.headers = {{"x-request-id", "req-" + r.api_key},
                      {"www-authenticate", "Bearer " + r.api_key}};
  if (r.pixel_id == "px_ok") response.status = 200;
  if (r.pixel_id == "px_bad_event") response.status = 400;
  if (r.pixel_id == "px_bad_key") response.status = 401;
  if (r.pixel_id == "px_down") response.status = 503;
  if (r.pixel_id == "px_network") response.transport_error = "reset: " + echo;
  response.body = "{\"error\":{\"message\":\"" + echo + "\"}}";
  return response;
}

std::string RecordsText(const Outbox& box) {
  std::string out;
  ListQuery query;
  query.limit = 1000;
  do {
    StatusOr<RecordPage> page = box.List(query);
    BOOST_REQUIRE(page.ok());
    for (const Record& r : page->records) {
      out += r.event_json + "|" + r.last_error + "|";
      for (const Attempt& a : r.attempts) {
        out += a.transport_error + "|" + a.body_excerpt + "|" + a.request_id;
      }
    }
    query.page_token = page->next_page_token;
  } while (!query.page_token.empty());
  return out;
}

size_t Search(const std::string& where, const std::string& haystack) {
  return SearchText(Needles(), where, haystack);
}

BOOST_AUTO_TEST_SUITE(LeakCanaryTest)

BOOST_AUTO_TEST_CASE(NoKeyOrRawPersonalDataReachesDiskLogsOrRecords) {
  OutboxFixture f;
  std::mutex log_mu;
  std::string log_text;
  DrainerOptions options;
  options.jitter_seed = 1;
  options.log = [&](LogLevel, const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mu);
    log_text += line + "\n";
  };
  FakeTransport transport;
  transport.SetHandler(Echo);
  size_t events = 0;
  {
    Drainer drainer(*f.outbox, transport, ApiKeys{kApiKey, {}}, options);
    for (const char* pixel :
         {"px_ok", "px_bad_event", "px_bad_key", "px_down", "px_network"}) {
      std::vector<Event> batch;
      for (int i = 0; i < 3; ++i) {
        batch.push_back(CanaryEvent("canary-" + std::to_string(i), pixel));
      }
      std::vector<EnqueueResult> results;
      BOOST_REQUIRE(f.outbox->Enqueue(batch, &results).ok());
      events += batch.size();
    }
    for (int pass = 0; pass < 5; ++pass) {  // Retries and key probes too.
      BOOST_REQUIRE(drainer.RunOnce().ok());
      f.clock.Advance(10 * 60 * 1000);
    }
  }
  BOOST_TEST(transport.count() >= 5u);
  size_t found = Search("drainer log lines", log_text) +
                 Search("records and attempts", RecordsText(*f.outbox));
  // Reopening replays the write-ahead log into SST files: both kinds exist.
  f.Reopen();
  f.outbox.reset();
  DirectorySearch dir = SearchDirectory(Needles(), f.options.data_dir);
  found += dir.found;
  BOOST_TEST_MESSAGE("leak canary: "
                     << events << " events, " << transport.count()
                     << " requests, " << dir.files << " files (" << dir.ssts
                     << " SST) searched for " << Needles().size()
                     << " needles: " << found << " occurrences");
  BOOST_TEST(dir.ssts > 0u);
  BOOST_TEST(found == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::testing
