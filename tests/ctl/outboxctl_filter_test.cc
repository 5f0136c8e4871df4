// outboxctl's filters end to end: poison events that fake-capi rejects
// (422) are found by error class, HTTP status, event name and age — the
// daemon filters, outboxctl only asks — replayed by filter (a failing
// canary stops the replay; the matching set is frozen; progress and the
// purge prompt on a terminal), purged by filter, and every change shows up in
// the daemon's own audit log. Also `stats --expiring-within`, and the admin
// token from the environment or a file.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <future>

#include "tests/ctl/ctl_fixture.h"

namespace outbox::ctl::testing {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

BOOST_FIXTURE_TEST_SUITE(OutboxctlFilterTest, CtlFixture)

BOOST_FIXTURE_TEST_CASE(FindsReplaysAndPurgesByFilter, CtlFixture) {
  capi.Control(R"({"reject_ids_containing":"poison"})");
  daemon.Enqueue("px_a", {"poison-1", "poison-2", "poison-3", "good-1"});
  daemon.Enqueue("px_b", {"poison-b"});
  BOOST_REQUIRE_MESSAGE(WaitUntil([&] { return Count("dead") == 4; }),
                        daemon.log());

  BOOST_TEST(List({"--error-class", "client_error"}).Size() == 4u);
  BOOST_TEST(List({"--error-class", "server_error"}).Size() == 0u);
  BOOST_TEST(List({"--http-status", "422", "--pixel", "px_b"}).Size() == 1u);
  BOOST_TEST(
      List({"--event-name", "order_created", "--state", "dead"}).Size() == 4u);
  BOOST_TEST(List({"--event-name", "lead_created"}).Size() == 0u);
  BOOST_TEST(List({"--state", "dead", "--newer-than", "1h"}).Size() == 4u);
  BOOST_TEST(List({"--state", "dead", "--older-than", "1h"}).Size() == 0u);
  // The harness's events are a minute old.
  BOOST_TEST(List({"--state", "dead", "--event-older-than", "30s"}).Size() ==
             4u);
  BOOST_TEST(List({"--event-newer-than", "30s"}).Size() == 0u);
  rapidjson::Document one =
      List({"--error-class", "client_error", "--limit", "1"});
  BOOST_TEST(one.Size() == 1u);
  // Paging: the first two, then the rest from the token given on stderr.
  CtlResult first =
      Ctl({"list", "--state", "dead", "--limit", "2", "-o", "jsonl"});
  size_t at = first.err.find("--page-token ");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, first.err);
  std::string token = first.err.substr(at + 13);
  token = token.substr(0, token.find(')'));
  CtlResult rest =
      Ctl({"list", "--state", "dead", "--page-token", token, "-o", "jsonl"});
  BOOST_TEST(std::count(first.out.begin(), first.out.end(), '\n') == 2);
  BOOST_TEST(std::count(rest.out.begin(), rest.out.end(), '\n') == 2);
  BOOST_TEST(rest.err.find("--page-token") == std::string::npos, rest.err);
  CtlResult bad = Ctl({"list", "--error-class", "teapot"});
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(bad.err.find("--error-class: one of") != std::string::npos,
             bad.err);
  CtlResult exported =
      Ctl({"export", "--error-class", "client_error", "--pixel", "px_a"});
  BOOST_TEST(exported.code == 0, exported.err);
  BOOST_TEST(std::count(exported.out.begin(), exported.out.end(), '\n') == 3);

  // The cause is not fixed yet: the canary fails again and the rest stay.
  CtlResult canary = Ctl({"replay", "--error-class", "client_error", "--pixel",
                          "px_a", "--canary", "1", "--canary-timeout", "60"});
  BOOST_TEST(canary.code == 1);
  BOOST_TEST(
      canary.err.find("canary failed, stopped after 1") != std::string::npos,
      canary.err);
  BOOST_TEST(WaitUntil([&] { return Count("dead") == 4; }), daemon.log());

  capi.Control(R"({"reject_ids_containing":""})");
  CtlResult dry = Ctl({"replay", "--http-status", "422", "--pixel", "px_a",
                       "--dry-run", "-o", "json"});
  BOOST_TEST(dry.code == 0, dry.err);
  rapidjson::Document preview;
  BOOST_REQUIRE(!preview.Parse(dry.out.c_str()).HasParseError());
  BOOST_TEST(std::string(preview["matched"].GetString()) == "3");
  // On a terminal, with the rest capped at one key per second: progress.
  // A failure arriving once the replay has started is not swept in: the
  // matching set was frozen ("late-1" sorts before the poison keys).
  capi.Control(R"({"reject_ids_containing":"late"})");
  auto running = std::async(std::launch::async, [&] {
    return RunCtlOnTerminal({"--server", daemon.server(), "replay",
                             "--http-status", "422", "--pixel", "px_a",
                             "--canary", "1", "--canary-timeout", "60",
                             "--rate", "1"});
  });
  BOOST_TEST(WaitUntil(
      [&] { return StateOf("px_a/order_created/poison-1") != "DEAD"; }));
  daemon.Enqueue("px_a", {"late-1"});
  CtlResult replay = running.get();
  BOOST_TEST(replay.code == 0, replay.out);
  BOOST_TEST(replay.out.find("canary of 1 delivered") != std::string::npos,
             replay.out);
  BOOST_TEST(replay.out.find("replayed 2/3") != std::string::npos, replay.out);
  BOOST_TEST(replay.out.find("replayed 3 of 3") != std::string::npos,
             replay.out);
  BOOST_TEST(WaitUntil([&] {
    return List({"--pixel", "px_a", "--state", "delivered"}).Size() == 4;
  }));
  BOOST_TEST(WaitUntil(
      [&] { return StateOf("px_a/order_created/late-1") == "DEAD"; }));

  // What is left: px_b's poison event and late-1, purged by filter (DEAD
  // and EXPIRED by default).
  CtlResult refused = Ctl({"purge", "--error-class", "client_error"});
  BOOST_TEST(refused.code == 1);
  // On a terminal it asks instead; "y" confirms.
  CtlResult purged = RunCtlOnTerminal(
      {"--server", daemon.server(), "purge", "--error-class", "client_error"},
      "y\n");
  BOOST_TEST(purged.code == 0, purged.out);
  BOOST_TEST(
      purged.out.find("purge 2 records for good? [y/N]") != std::string::npos,
      purged.out);
  BOOST_TEST(purged.out.find("purged px_b/order_created/poison-b") !=
                 std::string::npos,
             purged.out);
  BOOST_TEST(Count("dead") == 0u);

  // The daemon recorded every call that changed (or could have changed)
  // something, without the client asking for it.
  std::vector<rapidjson::Document> audit = AuditLines();
  size_t replays = 0, purges = 0, changed_by_replay = 0;
  for (const rapidjson::Document& line : audit) {
    std::string method = line["method"].GetString();
    if (method == "Replay" && !line["dry_run"].GetBool()) {
      ++replays;
      changed_by_replay += line["changed"].GetUint64();
    }
    if (method == "Purge" && !line["dry_run"].GetBool()) {
      ++purges;
      BOOST_TEST(line["changed"].GetUint64() == 2u);
    }
    BOOST_TEST(!std::string(line["operator"].GetString()).empty());
  }
  BOOST_TEST(replays >= 2u);                 // The canary, then the rest.
  BOOST_TEST(changed_by_replay == 1u + 3u);  // Failed canary + full replay.
  BOOST_TEST(purges == 1u);
}

BOOST_FIXTURE_TEST_CASE(StatsCountsEventsAboutToExpire, CtlFixture) {
  BOOST_REQUIRE(Ctl({"pause", "px_old"}).code == 0);
  v1::ConversionEvent old = MakeEvent("px_old", "nearly-7-days");
  old.set_timestamp_ms(NowMs() - (7 * 24 - 2) * 3600 * 1000LL);
  daemon.Enqueue({old, MakeEvent("px_old", "recent")});
  CtlResult json = Ctl({"stats", "--expiring-within", "24h", "-o", "json"});
  BOOST_TEST(json.code == 0, json.err);
  rapidjson::Document stats;
  BOOST_REQUIRE(!stats.Parse(json.out.c_str()).HasParseError());
  BOOST_TEST(std::string(stats["expiring"].GetString()) == "1");
  CtlResult table = Ctl({"stats", "--expiring-within", "1h"});
  BOOST_TEST(table.out.find("expiring within 1h: 0") != std::string::npos,
             table.out);
  table = Ctl({"stats"});  // Default: 24h.
  BOOST_TEST(table.out.find("expiring within 24h: 1") != std::string::npos,
             table.out);
  BOOST_TEST(table.out.find("paused pixel: px_old") != std::string::npos,
             table.out);
  BOOST_TEST(Ctl({"stats", "--expiring-within", "soon"}).code == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(OutboxctlTokenTest)

BOOST_AUTO_TEST_CASE(AdminTokenComesFromEnvironmentOrFile) {
  ScratchDir dir;
  outbox::testing::FakeCapiProcess capi;
  OutboxdProcess daemon(dir, capi.endpoint(), "tok-3f9a1c");
  std::vector<std::string> health = {"--server", daemon.server(), "health"};
  CtlResult none = RunCtl(health);
  BOOST_TEST(none.code == 3);
  BOOST_TEST(none.err.find("OUTBOX_ADMIN_TOKEN") != std::string::npos,
             none.err);
  BOOST_TEST(RunCtl(health, {"OUTBOX_ADMIN_TOKEN=tok-3f9a1c"}).code == 0);
  std::vector<std::string> with_file = {"--admin-token-file",
                                        dir.Sub("admin-token")};
  with_file.insert(with_file.end(), health.begin(), health.end());
  BOOST_TEST(RunCtl(with_file).code == 0);
  CtlResult missing_file =
      RunCtl({"--admin-token-file", dir.Sub("nope"), "health"});
  BOOST_TEST(missing_file.code == 2);
  // The daemon's audit log says a token was used, never which.
  BOOST_REQUIRE(RunCtl({"--server", daemon.server(), "pause", "--all"},
                       {"OUTBOX_ADMIN_TOKEN=tok-3f9a1c"})
                    .code == 0);
  std::ifstream in(dir.Sub("data/audit.log"));
  std::string line;
  BOOST_REQUIRE(std::getline(in, line));
  BOOST_TEST(line.find("\"token\":true") != std::string::npos, line);
  BOOST_TEST(line.find("tok-3f9a1c") == std::string::npos, line);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::ctl::testing
