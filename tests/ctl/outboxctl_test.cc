// outboxctl end to end: a real outboxd (unix socket, temp dir) delivering to
// a real fake-capi, driven only through the outboxctl binary. Poison events
// go DEAD, are listed (JSON parsed), inspected, dry-run replayed, replayed
// with a canary once the poison flag is cleared, and delivered; purge needs
// --yes; a paused pixel's events wait. Every wait is bounded.
#define BOOST_TEST_MODULE outboxctl
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "tests/ctl/ctl_fixture.h"

namespace outbox::ctl::testing {
namespace {

BOOST_AUTO_TEST_SUITE(OutboxctlTest)

BOOST_AUTO_TEST_CASE(ReportsUnreachableDaemonWithOneLineHint) {
  CtlResult r = RunCtl({"stats"}, {"OUTBOX_SERVER=unix:/nonexistent/x.sock"});
  BOOST_TEST(r.code == 3);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.find("daemon not reachable at unix:/nonexistent/x.sock") !=
                 std::string::npos,
             r.err);
  BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
  BOOST_TEST(RunCtl({"version"}).code == 0);
  BOOST_TEST(RunCtl({"no-such-command"}).code != 0);
}

BOOST_FIXTURE_TEST_CASE(ReplaysPoisonEventsOnceTheCauseIsFixed, CtlFixture) {
  capi.Control(R"({"reject_ids_containing":"poison"})");
  daemon.Enqueue("px_a", {"poison-1", "poison-2", "poison-3", "good-1"});
  BOOST_REQUIRE_MESSAGE(WaitUntil([&] { return Count("dead") == 3; }),
                        daemon.log());
  rapidjson::Document dead = List({"--state", "dead", "--pixel", "px_a"});
  BOOST_REQUIRE(dead.Size() == 3u);
  for (const auto& record : dead.GetArray()) {
    BOOST_TEST(std::string(record["state"].GetString()) == "DEAD");
    BOOST_TEST(std::string(record["key_text"].GetString()).find("poison") !=
               std::string::npos);
  }
  BOOST_TEST(List({"--state", "dead", "--pixel", "px_other"}).Size() == 0u);
  BOOST_TEST(List({"--state", "dead", "--http-status", "422"}).Size() == 3u);
  BOOST_TEST(List({"--state", "dead", "--older-than", "1h"}).Size() == 0u);
  BOOST_TEST_MESSAGE(Ctl({"stats"}).out + Ctl({"list"}).out);
  CtlResult jsonl = Ctl({"list", "--state", "dead", "-o", "jsonl"});
  BOOST_TEST(std::count(jsonl.out.begin(), jsonl.out.end(), '\n') == 3);

  const std::string key = "px_a/order_created/poison-1";
  CtlResult inspect = Ctl({"inspect", key});
  BOOST_TEST(inspect.code == 0, inspect.err);
  BOOST_TEST(inspect.out.find("DEAD") != std::string::npos, inspect.out);
  BOOST_TEST(inspect.out.find("422") != std::string::npos, inspect.out);
  BOOST_TEST_MESSAGE(inspect.out);
  CtlResult missing = Ctl({"inspect", "px_a/order_created/nope"});
  BOOST_TEST(missing.code == 1);
  BOOST_TEST(missing.err.find("outboxctl list") != std::string::npos);

  CtlResult dry = Ctl({"replay", "--state", "dead", "--dry-run"});
  BOOST_TEST(dry.code == 0, dry.err);
  BOOST_TEST(dry.out.find("would replay 3 of 3") != std::string::npos, dry.out);
  BOOST_TEST(Count("dead") == 3u);  // A dry run changes nothing.
  CtlResult expired = Ctl({"replay", "--state", "expired"});
  BOOST_TEST(expired.code == 1);
  BOOST_TEST(expired.err.find("older than 7 days") != std::string::npos);

  const std::string good = "px_a/order_created/good-1";
  BOOST_REQUIRE(WaitUntil([&] { return StateOf(good) == "DELIVERED"; }));
  CtlResult again = Ctl({"replay", good});
  BOOST_TEST(again.code == 1);
  BOOST_TEST(again.err.find("DELIVERED") != std::string::npos, again.err);

  capi.Control(R"({"reject_ids_containing":""})");
  std::string audit = dir.Sub("audit.log");
  CtlResult replay = Ctl({"--audit-log", audit, "replay", "--state", "dead",
                          "--canary", "1", "--canary-timeout", "60"});
  BOOST_TEST(replay.code == 0, replay.err);
  BOOST_TEST(replay.out.find("replayed 3 of 3") != std::string::npos,
             replay.out);
  BOOST_TEST(WaitUntil([&] { return Count("delivered") == 4; }), daemon.log());
  BOOST_TEST(capi.AcceptedKeys().count(key) == 1u);
  std::ifstream log(audit);
  std::string line;
  BOOST_REQUIRE(std::getline(log, line));
  BOOST_TEST(line.find("\"operation\":\"replay\"") != std::string::npos, line);
  BOOST_TEST(line.find("\"changed\":3") != std::string::npos, line);

  rapidjson::Document stats;
  CtlResult s = Ctl({"stats", "-o", "json"});
  BOOST_REQUIRE(!stats.Parse(s.out.c_str()).HasParseError());
  BOOST_TEST(std::string(stats["delivered"].GetString()) == "4");
  BOOST_TEST(std::string(stats["dead"].GetString()) == "0");
}

BOOST_FIXTURE_TEST_CASE(PurgeNeedsYesAndPrintsWhatItRemoved, CtlFixture) {
  capi.Control(R"({"reject_ids_containing":"poison"})");
  daemon.Enqueue("px_a", {"poison-1", "poison-2"});
  BOOST_REQUIRE(WaitUntil([&] { return Count("dead") == 2; }));
  CtlResult refused = Ctl({"purge"});
  BOOST_TEST(refused.code == 1);
  BOOST_TEST(refused.err.find("--yes") != std::string::npos, refused.err);
  BOOST_TEST(Count("dead") == 2u);
  CtlResult purged = Ctl({"purge", "--yes"});
  BOOST_TEST(purged.code == 0, purged.err);
  BOOST_TEST(purged.out.find("purged px_a/order_created/poison-1") !=
                 std::string::npos,
             purged.out);
  BOOST_TEST(Count("dead") == 0u);
  CtlResult export_all = Ctl({"export"});
  BOOST_TEST(export_all.code == 0);
  BOOST_TEST(export_all.out.empty());
}

BOOST_FIXTURE_TEST_CASE(PausedPixelWaitsUntilResumed, CtlFixture) {
  BOOST_TEST(Ctl({"pause"}).code == 2);  // Neither a pixel nor --all.
  BOOST_REQUIRE(Ctl({"pause", "px_b"}).code == 0);
  daemon.Enqueue("px_b", {"wait-1"});
  daemon.Enqueue("px_a", {"go-1"});
  BOOST_REQUIRE(WaitUntil(
      [&] { return StateOf("px_a/order_created/go-1") == "DELIVERED"; }));
  BOOST_TEST(StateOf("px_b/order_created/wait-1") == "PENDING");
  CtlResult stats = Ctl({"stats"});
  BOOST_TEST(stats.out.find("paused pixel: px_b") != std::string::npos,
             stats.out);
  BOOST_REQUIRE(Ctl({"resume", "px_b"}).code == 0);
  BOOST_TEST(WaitUntil(
      [&] { return StateOf("px_b/order_created/wait-1") == "DELIVERED"; }));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::ctl::testing
