// outboxd's configuration: precedence flags > environment > file >
// defaults, exit codes 64 (bad flags) and 78 (bad configuration), secrets
// kept out of --print-config.
#include "grpc_service/config.h"

#include <algorithm>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "grpc_service/config_settings.h"
#include "tests/outbox/test_util.h"

namespace outbox::grpc_service {
namespace {

using outbox::testing::TempDir;

struct ConfigFixture {
  ConfigFixture() { env["OPENAI_CONVERSIONS_API_KEY"] = "sk-env-secret"; }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir.Sub(name);
    std::ofstream(path) << text;
    return path;
  }
  LoadResult Load(std::vector<std::string> args) {
    return LoadConfig(args, env);
  }

  TempDir dir;
  Environment env;
};

BOOST_FIXTURE_TEST_SUITE(ConfigTest, ConfigFixture)

BOOST_AUTO_TEST_CASE(DefaultsApplyWhenNothingIsSet) {
  LoadResult r = Load({"--data-dir", "/d"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.message);
  BOOST_TEST((r.action == Action::kRun));
  BOOST_TEST(r.config.listen == "127.0.0.1:50051");
  BOOST_TEST(r.config.retry_initial_ms == 1000);
  BOOST_TEST(r.config.batch_max_events == 1000);
  BOOST_TEST((r.config.log_format == LogFormat::kJson));
  BOOST_TEST((r.origins.at("listen") == Origin::kDefault));
}

BOOST_AUTO_TEST_CASE(FlagsBeatEnvironmentBeatsFileBeatsDefaults) {
  std::string file = WriteFile("outboxd.toml",
                               "data_dir = \"/from-file\"\n"
                               "retry_initial_ms = 11\n"
                               "retry_max_ms = 22000\n"
                               "batch_linger_ms = 33\n"
                               "log_level = \"debug\"\n");
  env["OUTBOX_CONFIG"] = file;
  env["OUTBOX_RETRY_INITIAL_MS"] = "44";
  env["OUTBOX_RETRY_MAX_MS"] = "55000";
  LoadResult r = Load({"--retry-max-ms", "66000"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.message);
  BOOST_TEST(r.config.retry_max_ms == 66000);   // flag over env and file
  BOOST_TEST(r.config.retry_initial_ms == 44);  // env over file
  BOOST_TEST(r.config.batch_linger_ms == 33);   // file over default
  BOOST_TEST(r.config.data_dir == "/from-file");
  BOOST_TEST(r.config.request_timeout_ms == 30000);  // default
  BOOST_TEST((r.config.log_level == LogLevel::kDebug));
  BOOST_TEST((r.origins.at("retry_max_ms") == Origin::kFlag));
  BOOST_TEST((r.origins.at("retry_initial_ms") == Origin::kEnv));
  BOOST_TEST((r.origins.at("batch_linger_ms") == Origin::kFile));
}

BOOST_AUTO_TEST_CASE(ConfigFlagBeatsConfigEnvironment) {
  env["OUTBOX_CONFIG"] = WriteFile("a.toml", "data_dir = \"/a\"\n");
  std::string b = WriteFile("b.toml", "data_dir = \"/b\"\n");
  LoadResult r = Load({"--config", b});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.message);
  BOOST_TEST(r.config.data_dir == "/b");
}

BOOST_AUTO_TEST_CASE(ActionsAreRecognised) {
  BOOST_TEST((Load({"--version"}).action == Action::kVersion));
  LoadResult help = Load({"--help"});
  BOOST_TEST((help.action == Action::kHelp));
  BOOST_TEST(help.exit_code == 0);
  BOOST_TEST(help.message.find("--retry-initial-ms") != std::string::npos);
  BOOST_TEST((Load({"--data-dir", "/d", "--check-config"}).action ==
              Action::kCheckConfig));
  BOOST_TEST((Load({"--data-dir", "/d", "--print-config"}).action ==
              Action::kPrintConfig));
}

BOOST_AUTO_TEST_CASE(HelpConfigListsEverySettingInATableRow) {
  // No data dir needed: it documents, like --help.
  LoadResult r = Load({"--help-config"});
  BOOST_TEST((r.action == Action::kHelp));
  BOOST_TEST(r.exit_code == 0);
  for (const char* row :
       {"| `retry_initial_ms` | `--retry-initial-ms INT` | "
        "`OUTBOX_RETRY_INITIAL_MS` | `1000` |",
        "| `data_dir` | `--data-dir PATH` | `OUTBOX_DATA_DIR` | none |",
        "| (flag or env only) | `--config PATH` | `OUTBOX_CONFIG` | none |",
        "`OPENAI_CONVERSIONS_API_KEY`"}) {
    BOOST_TEST(r.message.find(row) != std::string::npos, row);
  }
  // One header, one separator, one row per setting plus the key variable.
  BOOST_TEST(std::count(r.message.begin(), r.message.end(), '\n') ==
             static_cast<long>(Settings().size() + 3));
}

struct BadCase {
  std::vector<std::string> args;
  std::string env_name, env_value;
  std::string file;  // TOML text; "" for no file.
  int exit_code;
  std::string message_part;
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) {
  return os << c.message_part;
}

const BadCase kBadCases[] = {
    {{"--bogus"}, "", "", "", kExitUsage, "--bogus"},
    {{"--data-dir", "/d", "--retry-initial-ms", "x"},
     "",
     "",
     "",
     kExitUsage,
     "--retry-initial-ms: expected an integer"},
    {{"--data-dir", "/d", "--batch-max-events", "1001"},
     "",
     "",
     "",
     kExitUsage,
     "--batch-max-events"},
    {{"--data-dir", "/d", "stray"}, "", "", "", kExitUsage, "stray"},
    {{"--data-dir", "/d", "--log-format", "xml"},
     "",
     "",
     "",
     kExitUsage,
     "expected json or text"},
    {{"--data-dir", "/d"},
     "OUTBOX_RETRY_MAX_MS",
     "-1",
     "",
     kExitConfig,
     "OUTBOX_RETRY_MAX_MS: expected an integer"},
    {{},
     "",
     "",
     "data_dir = \"/d\"\nretry_max_ms = \"soon\"\n",
     kExitConfig,
     "retry_max_ms: expected an integer"},
    {{},
     "",
     "",
     "data_dir = \"/d\"\nretry_max_msec = 5\n",
     kExitConfig,
     "retry_max_msec: unknown setting"},
    {{}, "", "", "data_dir = \n", kExitConfig, ":1:"},
    {{},
     "",
     "",
     "[server]\nlisten = \"x\"\n",
     kExitConfig,
     "server: unknown setting"},
    {{}, "", "", "config = \"/x\"\n", kExitConfig, "config: unknown setting"},
    {{}, "", "", "", kExitConfig, "data_dir: required"},
    {{"--data-dir", "/d", "--listen", "localhost"},
     "",
     "",
     "",
     kExitConfig,
     "listen: expected HOST:PORT"},
    {{"--data-dir", "/d", "--metrics-listen", "x"},
     "",
     "",
     "",
     kExitConfig,
     "metrics_listen"},
    {{"--data-dir", "/d", "--metrics-listen", "unix:/tmp/m.sock"},
     "",
     "",
     "",
     kExitConfig,
     "metrics_listen: expected HOST:PORT"},
    {{"--data-dir", "/d", "--capi-url", "ftp://x"},
     "",
     "",
     "",
     kExitConfig,
     "capi_url"},
    {{"--data-dir", "/d", "--retry-initial-ms", "5000", "--retry-max-ms", "10"},
     "",
     "",
     "",
     kExitConfig,
     "retry_max_ms: must not be less"},
    {{"--data-dir", "/d", "--api-key-file", "/nonexistent/key"},
     "",
     "",
     "",
     kExitConfig,
     "/nonexistent/key: cannot read"},
    {{"--data-dir", "/d", "--tls-cert-file", "/c"},
     "",
     "",
     "",
     kExitConfig,
     "give both or neither"},
    {{"--data-dir", "/d"},
     "OPENAI_CONVERSIONS_API_KEY",
     "",
     "",
     kExitConfig,
     "no Conversions API key"},
};

BOOST_DATA_TEST_CASE_F(ConfigFixture, BadInputExitsWithItsCodeAndSaysWhy,
                       boost::unit_test::data::make(kBadCases), c) {
  if (!c.env_name.empty()) env[c.env_name] = c.env_value;
  std::vector<std::string> args = c.args;
  if (!c.file.empty()) {
    args.push_back("--config");
    args.push_back(WriteFile("bad.toml", c.file));
  }
  LoadResult r = Load(args);
  BOOST_TEST(r.exit_code == c.exit_code, r.message);
  BOOST_TEST(r.message.find(c.message_part) != std::string::npos, r.message);
  BOOST_TEST(r.message.find('\n') == std::string::npos);  // One line.
}

BOOST_AUTO_TEST_CASE(ApiKeyFileFlagBeatsKeyEnvironmentWhichBeatsFileSetting) {
  std::string keys = WriteFile("keys",
                               "# keys\nsk-file-default\n"
                               "px_a = sk-file-a\n\n");
  LoadResult r = Load({"--data-dir", "/d", "--api-key-file", keys});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.message);
  BOOST_TEST(r.config.api_keys.default_key == "sk-file-default");
  BOOST_TEST(r.config.api_keys.For("px_a") == "sk-file-a");
  BOOST_TEST(r.config.api_key_source == keys);

  env["OUTBOX_API_KEY_FILE"] = keys;
  r = Load({"--data-dir", "/d"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.message);
  BOOST_TEST(r.config.api_keys.default_key == "sk-env-secret");

  env.erase("OPENAI_CONVERSIONS_API_KEY");
  r = Load({"--data-dir", "/d"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.message);
  BOOST_TEST(r.config.api_keys.default_key == "sk-file-default");
}

BOOST_AUTO_TEST_CASE(ApiKeyFileErrorsNameTheLineNotTheKey) {
  StatusOr<ApiKeys> keys = ParseApiKeys("sk-one\nsk-two-secret\n");
  BOOST_TEST(keys.status().code() == StatusCode::kInvalidArgument);
  BOOST_TEST(keys.status().message().find("line 2") != std::string::npos);
  BOOST_TEST(keys.status().message().find("sk-two") == std::string::npos);
  BOOST_TEST(ParseApiKeys("# only a comment\n").status().code() ==
             StatusCode::kInvalidArgument);
  BOOST_TEST(ParseApiKeys("px = has space\n").status().code() ==
             StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_CASE(PrintedConfigRedactsSecretsAndParsesBack) {
  std::string token = WriteFile("token", "admin-secret-token\n");
  LoadResult r = Load({"--data-dir", "/d", "--admin-token-file", token,
                       "--batch-linger-ms", "7"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.message);
  BOOST_TEST(r.config.admin_token == "admin-secret-token");
  std::string printed = FormatConfig(r.config, r.origins);
  BOOST_TEST(printed.find("sk-env-secret") == std::string::npos);
  BOOST_TEST(printed.find("admin-secret-token") == std::string::npos);
  BOOST_TEST(printed.find("<redacted>") != std::string::npos);
  BOOST_TEST(printed.find("batch_linger_ms = 7  # flag") != std::string::npos,
             printed);
  Config reparsed;
  Status s = ApplyConfigText(printed, "printed", &reparsed);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  BOOST_TEST(reparsed.batch_linger_ms == 7);
  BOOST_TEST(reparsed.data_dir == "/d");
}

BOOST_AUTO_TEST_CASE(ExampleConfigFileIsValid) {
  std::ifstream in(std::string(PROJECT_SOURCE_DIR) +
                   "/grpc_service/outboxd.example.toml");
  std::stringstream text;
  text << in.rdbuf();
  BOOST_REQUIRE(!text.str().empty());
  Config config;
  Status s = ApplyConfigText(text.str(), "outboxd.example.toml", &config);
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(config.data_dir == "/var/lib/outboxd");
}

BOOST_AUTO_TEST_CASE(ConfigTextParserSurvivesHostileInput) {
  const char* inputs[] = {"",
                          "=",
                          "[[",
                          "a = [1, {b = 2}]",
                          "\"\\u0000\" = 1",
                          "data_dir = \"\\uD800\"",
                          "listen = 1e999",
                          "batch_max_events = 99999999999999999999"};
  for (const char* text : inputs) {
    Config config;
    Status s = ApplyConfigText(text, "fuzz", &config);
    BOOST_TEST((s.ok() || s.code() == StatusCode::kInvalidArgument), text);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::grpc_service
