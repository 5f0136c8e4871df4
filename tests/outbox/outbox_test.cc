#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "outbox/outbox.h"
#include "tests/outbox/test_util.h"

namespace outbox {
namespace {

using testing::MakeEvent;
using testing::OutboxFixture;

std::vector<EnqueueResult> MustEnqueue(Outbox& outbox,
                                       std::vector<Event> events) {
  std::vector<EnqueueResult> results;
  Status s = outbox.Enqueue(std::move(events), &results);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  return results;
}

DedupKey KeyOf(const Event& e) { return *DedupKey::ForEvent(e); }

BOOST_FIXTURE_TEST_SUITE(OutboxTest, OutboxFixture)

BOOST_AUTO_TEST_CASE(StoresEventsAsPendingInOneCall) {
  auto results = MustEnqueue(*outbox, {MakeEvent("1"), MakeEvent("2")});
  BOOST_REQUIRE(results.size() == 2u);
  BOOST_TEST(!results[0].duplicate);
  BOOST_TEST(results[1].key.id() == "2");
  auto record = outbox->Get(results[0].key);
  BOOST_REQUIRE(record.ok());
  BOOST_TEST(record->state == State::kPending);
  BOOST_TEST(record->enqueued_ms == testing::kNowMs);
  BOOST_TEST(record->event_json.find("\"id\":\"1\"") != std::string::npos);
  BOOST_TEST(outbox->GetStats()->pending == 2u);
}

BOOST_AUTO_TEST_CASE(SameKeyTwiceInOneCallIsStoredOnce) {
  auto results = MustEnqueue(*outbox, {MakeEvent("1"), MakeEvent("1")});
  BOOST_TEST(!results[0].duplicate);
  BOOST_TEST(results[1].duplicate);
  BOOST_TEST(outbox->GetStats()->pending == 1u);
}

BOOST_AUTO_TEST_CASE(SameKeyAcrossCallsAndReopenIsDuplicate) {
  MustEnqueue(*outbox, {MakeEvent("1")});
  BOOST_TEST(MustEnqueue(*outbox, {MakeEvent("1")})[0].duplicate);
  Reopen();
  BOOST_TEST(MustEnqueue(*outbox, {MakeEvent("1")})[0].duplicate);
  // Same id under another pixel or event name is another key.
  BOOST_TEST(!MustEnqueue(*outbox, {MakeEvent("1", "px_other")})[0].duplicate);
  BOOST_TEST(outbox->GetStats()->pending == 2u);
}

BOOST_AUTO_TEST_CASE(RacingThreadsStoreEachKeyExactlyOnce) {
  constexpr int kThreads = 8, kKeys = 200;
  std::atomic<int> stored{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int k = 0; k < kKeys; ++k) {
        std::vector<EnqueueResult> results;
        Status s = outbox->Enqueue({MakeEvent(std::to_string(k))}, &results);
        if (!s.ok()) failures++;
        else if (!results[0].duplicate) stored++;
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(stored.load() == kKeys);
  BOOST_TEST(outbox->GetStats()->pending == static_cast<uint64_t>(kKeys));
}

BOOST_AUTO_TEST_CASE(AsyncEnqueueCallsBackOnceDurable) {
  std::promise<std::pair<Status, std::vector<EnqueueResult>>> got;
  outbox->EnqueueAsync({MakeEvent("1"), MakeEvent("1")},
                       [&got](Status s, std::vector<EnqueueResult> r) {
                         got.set_value({std::move(s), std::move(r)});
                       });
  auto [status, results] = got.get_future().get();
  BOOST_REQUIRE(status.ok());
  BOOST_REQUIRE(results.size() == 2u);
  BOOST_TEST(results[1].duplicate);
  BOOST_TEST(outbox->Get(results[0].key).ok());

  Event bad = MakeEvent("2");
  bad.id.clear();
  std::promise<Status> failed;
  outbox->EnqueueAsync({bad}, [&failed](Status s, std::vector<EnqueueResult>) {
    failed.set_value(s);
  });
  BOOST_TEST(failed.get_future().get().code() ==
             StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_CASE(OneInvalidEventStoresNothing) {
  Event bad = MakeEvent("2");
  bad.data.currency = "usd";
  std::vector<EnqueueResult> results;
  Status s = outbox->Enqueue({MakeEvent("1"), bad, MakeEvent("3")}, &results);
  BOOST_TEST(s.code() == StatusCode::kInvalidArgument);
  BOOST_TEST(s.message().find("events[1].data.currency") != std::string::npos,
             s.message());
  BOOST_TEST(outbox->GetStats()->pending == 0u);
  BOOST_TEST(outbox->Get(KeyOf(MakeEvent("1"))).status().code() ==
             StatusCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(RawPersonalDataNeverReachesDisk) {
  const std::string email = "Canary.Person@Example.COM";
  Event e = MakeEvent("1");
  e.user.emails = {email};
  e.user.phone_numbers = {"+1 (555) 010-9999"};
  MustEnqueue(*outbox, {e});
  auto record = outbox->Get(KeyOf(e));
  BOOST_REQUIRE(record.ok());
  // SHA-256 of "canary.person@example.com".
  BOOST_TEST(record->event_json.find("emails_sha256") != std::string::npos);
  outbox.reset();  // Close, so every byte is in files we can read.
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(options.data_dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    BOOST_TEST(bytes.find("Canary.Person") == std::string::npos,
               entry.path());
    BOOST_TEST(bytes.find("canary.person") == std::string::npos,
               entry.path());
    BOOST_TEST(bytes.find("5550109999") == std::string::npos, entry.path());
  }
}

BOOST_AUTO_TEST_CASE(DataDirectoryAndFilesArePrivate) {
  MustEnqueue(*outbox, {MakeEvent("1")});
  struct stat st;
  BOOST_REQUIRE(stat(options.data_dir.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);
  for (const auto& entry :
       std::filesystem::directory_iterator(options.data_dir)) {
    BOOST_REQUIRE(stat(entry.path().c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0077) == 0u, entry.path());
  }
}

BOOST_AUTO_TEST_CASE(QuotaExceededIsResourceExhaustedAndStoresNothing) {
  options.max_disk_bytes = 1;
  Reopen();
  std::vector<EnqueueResult> results;
  Status s = outbox->Enqueue({MakeEvent("1")}, &results);
  BOOST_TEST(s.code() == StatusCode::kResourceExhausted);
  BOOST_TEST(s.message().find("quota") != std::string::npos);
  BOOST_TEST(outbox->GetStats()->pending == 0u);
}

BOOST_AUTO_TEST_CASE(AppWritesCommitWithEventsOrNotAtAll) {
  options.app_column_families = {"orders"};
  Reopen();
  AppWriteBatch order;
  order.Put("orders", "o-1", "paid");
  std::vector<EnqueueResult> results;
  BOOST_REQUIRE(outbox->Enqueue({MakeEvent("1")}, order, &results).ok());
  BOOST_TEST(*outbox->GetAppValue("orders", "o-1") == "paid");

  Event bad = MakeEvent("2");
  bad.type = "no_such_type";
  AppWriteBatch second;
  second.Put("orders", "o-2", "paid");
  BOOST_TEST(!outbox->Enqueue({bad}, second, &results).ok());
  BOOST_TEST(outbox->GetAppValue("orders", "o-2").status().code() ==
             StatusCode::kNotFound);

  AppWriteBatch undeclared;
  undeclared.Put("nope", "k", "v");
  Status s = outbox->Enqueue({MakeEvent("3")}, undeclared, &results);
  BOOST_TEST(s.code() == StatusCode::kInvalidArgument);
  BOOST_TEST(outbox->Get(KeyOf(MakeEvent("3"))).status().code() ==
             StatusCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(StatsCountByPixelAndFindOldestPending) {
  MustEnqueue(*outbox, {MakeEvent("1", "px_a", testing::kNowMs - 3600000),
                        MakeEvent("2", "px_a"), MakeEvent("3", "px_b")});
  auto stats = outbox->GetStats();
  BOOST_REQUIRE(stats.ok());
  BOOST_TEST(stats->pending == 3u);
  BOOST_REQUIRE(stats->pixels.size() == 2u);
  BOOST_TEST(stats->pixels[0].pixel_id == "px_a");
  BOOST_TEST(stats->pixels[0].pending == 2u);
  BOOST_TEST(stats->oldest_pending_timestamp_ms == testing::kNowMs - 3600000);
  Reopen();  // Counters are persisted with the records.
  BOOST_TEST(outbox->GetStats()->pending == 3u);
}

BOOST_AUTO_TEST_CASE(ListFiltersByPixelAndStateAndPages) {
  std::vector<Event> events;
  for (int i = 0; i < 25; ++i) events.push_back(MakeEvent(std::to_string(i)));
  events.push_back(MakeEvent("x", "px_other"));
  MustEnqueue(*outbox, events);

  std::set<std::string> seen;
  ListQuery query;
  query.pixel_id = "px_test";
  query.state = State::kPending;
  query.limit = 10;
  int pages = 0;
  do {
    auto page = outbox->List(query);
    BOOST_REQUIRE(page.ok());
    for (const Record& r : page->records) {
      BOOST_TEST(r.key.pixel_id() == "px_test");
      BOOST_TEST(seen.insert(r.key.id()).second);
    }
    query.page_token = page->next_page_token;
    ++pages;
  } while (!query.page_token.empty());
  BOOST_TEST(seen.size() == 25u);
  BOOST_TEST(pages == 3);

  ListQuery all;
  all.limit = 1000;
  BOOST_TEST(outbox->List(all)->records.size() == 26u);
  all.state = State::kDead;
  BOOST_TEST(outbox->List(all)->records.empty());
  all.page_token = "zz";
  BOOST_TEST(outbox->List(all).status().code() == StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_CASE(PurgeRemovesSoTheKeyCanBeEnqueuedAgain) {
  MustEnqueue(*outbox, {MakeEvent("1")});
  DedupKey missing = KeyOf(MakeEvent("nope"));
  auto purged = outbox->Purge({KeyOf(MakeEvent("1")), missing});
  BOOST_REQUIRE(purged.ok());
  BOOST_TEST(purged->purged == 1u);
  BOOST_TEST(purged->outcomes[1].status.code() == StatusCode::kNotFound);
  BOOST_TEST(outbox->GetStats()->pending == 0u);
  BOOST_TEST(!MustEnqueue(*outbox, {MakeEvent("1")})[0].duplicate);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
