// The fixture of outboxctl's end-to-end tests: fake-capi, an outboxd
// delivering to it, and helpers that run outboxctl and parse its JSON.
#ifndef OUTBOX_TESTS_CTL_CTL_FIXTURE_H_
#define OUTBOX_TESTS_CTL_CTL_FIXTURE_H_

#include <rapidjson/document.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/ctl/ctl_harness.h"
#include "tests/delivery/fake_capi_process.h"

namespace outbox::ctl::testing {

struct CtlFixture {
  ScratchDir dir;
  outbox::testing::FakeCapiProcess capi;
  OutboxdProcess daemon{dir, capi.endpoint()};

  CtlResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", daemon.server()});
    return RunCtl(args);
  }
  // `list ... -o json`, parsed; an empty array on any failure.
  rapidjson::Document List(const std::vector<std::string>& filter) {
    std::vector<std::string> args = {"list", "-o", "json"};
    args.insert(args.end(), filter.begin(), filter.end());
    CtlResult r = Ctl(args);
    rapidjson::Document doc;
    if (r.code != 0 || doc.Parse(r.out.c_str()).HasParseError() ||
        !doc.IsArray()) {
      doc.SetArray();
    }
    return doc;
  }
  size_t Count(const std::string& state) {
    return List({"--state", state}).Size();
  }
  // The daemon's audit log (DATA_DIR/audit.log), one parsed line each.
  std::vector<rapidjson::Document> AuditLines() {
    std::ifstream in(dir.Sub("data/audit.log"));
    std::vector<rapidjson::Document> lines;
    for (std::string line; std::getline(in, line);) {
      lines.emplace_back();
      if (lines.back().Parse(line.c_str()).HasParseError()) lines.pop_back();
    }
    return lines;
  }
  std::string StateOf(const std::string& key) {
    CtlResult r = Ctl({"inspect", key, "-o", "json"});
    rapidjson::Document doc;
    if (r.code != 0 || doc.Parse(r.out.c_str()).HasParseError()) return "";
    return doc["state"].GetString();
  }
};

}  // namespace outbox::ctl::testing

#endif  // OUTBOX_TESTS_CTL_CTL_FIXTURE_H_
