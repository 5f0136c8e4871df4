// LoadConfig: defaults, then the TOML file, then the environment, then the
// flags; then the secret files; then the checks that span settings.
#include "grpc_service/config.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "grpc_service/config_settings.h"
#include "grpc_service/listen_address.h"

extern char** environ;

namespace outbox::grpc_service {
namespace {

constexpr char kApiKeyEnv[] = "OPENAI_CONVERSIONS_API_KEY";

struct Flags {
  std::vector<std::string> values;  // Parallel to Settings().
  std::vector<bool> given;
  bool print_config = false;
  bool check_config = false;
  bool version = false;
  bool help_config = false;
};

LoadResult Fail(int exit_code, std::string message) {
  LoadResult result;
  result.exit_code = exit_code;
  result.message = std::move(message);
  return result;
}

// Declares every setting's flag, the action flags, and the help text.
std::vector<CLI::Option*> DeclareFlags(CLI::App& app, Flags* flags) {
  const auto& settings = Settings();
  flags->values.resize(settings.size());
  std::vector<CLI::Option*> options;
  for (size_t i = 0; i < settings.size(); ++i) {
    const Setting& s = settings[i];
    options.push_back(app.add_option(s.Flag(), flags->values[i],
                                     s.help + " [env " + s.EnvVar() + "]")
                          ->type_name(s.type_name));
  }
  app.add_flag("--print-config", flags->print_config,
               "Print the effective configuration (secrets redacted), exit");
  app.add_flag("--check-config", flags->check_config,
               "Check the configuration, exit 0 if usable (78 if not)");
  app.add_flag("--version", flags->version, "Print the version and exit");
  app.add_flag("--help-config", flags->help_config,
               "Print every setting (file key, flag, environment variable, "
               "default) as a Markdown table, exit");
  app.footer(
      "Signals: SIGTERM/SIGINT shut down gracefully (exit 0); SIGHUP reloads "
      "the API keys and the log level.\nExit codes: 64 bad flags, 78 bad "
      "configuration, 1 cannot open the data dir or bind the address.");
  return options;
}

// Parses the command line; fills `result` on --help or a usage error.
bool ParseFlags(const std::vector<std::string>& args, Flags* flags,
                LoadResult* result) {
  CLI::App app{
      "outboxd: a durable outbox that delivers conversion events to the "
      "OpenAI Ads Conversions API, served over gRPC.\nEvery setting is also "
      "an environment variable OUTBOX_<NAME> and a key in the TOML --config "
      "file; precedence: flags > environment > file > defaults. The API key "
      "comes from OPENAI_CONVERSIONS_API_KEY or --api-key-file.",
      "outboxd"};
  std::vector<CLI::Option*> options = DeclareFlags(app, flags);
  try {
    // CLI11 consumes a vector from its back.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    result->action = Action::kHelp;
    result->message = app.help();
    return false;
  } catch (const CLI::ParseError& e) {
    *result = Fail(kExitUsage,
                   std::string(e.what()) + " (outboxd --help lists the flags)");
    return false;
  }
  for (CLI::Option* o : options) flags->given.push_back(o->count() > 0);
  return true;
}

Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(path +
                                   ": cannot read: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return Status::Ok();
}

std::string Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return true;
}

// Layers the file, the environment and the flags over the defaults.
LoadResult ApplyLayers(const Flags& flags, const Environment& env) {
  const auto& settings = Settings();
  LoadResult result;
  for (const Setting& s : settings) result.origins[s.name] = Origin::kDefault;
  const size_t config_index = FindSetting("config") - settings.data();
  std::string file = flags.given[config_index]    ? flags.values[config_index]
                     : env.count("OUTBOX_CONFIG") ? env.at("OUTBOX_CONFIG")
                                                  : "";
  if (!file.empty()) {
    std::string text;
    std::vector<std::string> applied;
    Status s = ReadFile(file, &text);
    if (s.ok())
      s = ApplyConfigTextWithKeys(text, file, &result.config, &applied);
    if (!s.ok()) return Fail(kExitConfig, s.message());
    for (const std::string& name : applied)
      result.origins[name] = Origin::kFile;
  }
  for (const Setting& s : settings) {
    auto it = env.find(s.EnvVar());
    if (it == env.end() || it->second.empty()) continue;
    Status st = s.parse(it->second, &result.config);
    if (!st.ok()) return Fail(kExitConfig, it->first + ": " + st.message());
    result.origins[s.name] = Origin::kEnv;
  }
  for (size_t i = 0; i < settings.size(); ++i) {
    if (!flags.given[i]) continue;
    Status st = settings[i].parse(flags.values[i], &result.config);
    if (!st.ok()) {
      return Fail(kExitUsage, settings[i].Flag() + ": " + st.message());
    }
    result.origins[settings[i].name] = Origin::kFlag;
  }
  return result;
}

Status LoadApiKeys(const Environment& env,
                   const std::map<std::string, Origin>& origins,
                   Config* config) {
  auto env_key = env.find(kApiKeyEnv);
  bool use_env = env_key != env.end() && !env_key->second.empty() &&
                 origins.at("api_key_file") != Origin::kFlag;
  if (use_env) {
    if (!IsToken(env_key->second)) {
      return Status::InvalidArgument(std::string(kApiKeyEnv) +
                                     ": contains whitespace");
    }
    config->api_keys = ApiKeys{env_key->second, {}};
    config->api_key_source = kApiKeyEnv;
    return Status::Ok();
  }
  if (config->api_key_file.empty()) {
    return Status::InvalidArgument(
        "no Conversions API key: set OPENAI_CONVERSIONS_API_KEY or "
        "--api-key-file");
  }
  std::string text;
  OUTBOX_RETURN_IF_ERROR(ReadFile(config->api_key_file, &text));
  StatusOr<ApiKeys> keys = ParseApiKeys(text);
  if (!keys.ok()) {
    return Status::InvalidArgument(config->api_key_file + ": " +
                                   keys.status().message());
  }
  config->api_keys = std::move(*keys);
  config->api_key_source = config->api_key_file;
  return Status::Ok();
}

Status LoadSecrets(const Environment& env,
                   const std::map<std::string, Origin>& origins,
                   Config* config) {
  OUTBOX_RETURN_IF_ERROR(LoadApiKeys(env, origins, config));
  if (!config->admin_token_file.empty()) {
    std::string text;
    OUTBOX_RETURN_IF_ERROR(ReadFile(config->admin_token_file, &text));
    config->admin_token = Trim(text);
    if (!IsToken(config->admin_token)) {
      return Status::InvalidArgument(config->admin_token_file +
                                     ": expected one token without whitespace");
    }
  }
  if (config->tls_cert_file.empty() != config->tls_key_file.empty()) {
    return Status::InvalidArgument(
        "tls_cert_file and tls_key_file: give both or neither");
  }
  if (!config->tls_cert_file.empty()) {
    OUTBOX_RETURN_IF_ERROR(
        ReadFile(config->tls_cert_file, &config->tls_cert_pem));
    OUTBOX_RETURN_IF_ERROR(
        ReadFile(config->tls_key_file, &config->tls_key_pem));
  }
  return Status::Ok();
}

Status Validate(const Config& c) {
  if (c.data_dir.empty()) {
    return Status::InvalidArgument(
        "data_dir: required (--data-dir, OUTBOX_DATA_DIR, or data_dir in the "
        "config file)");
  }
  OUTBOX_RETURN_IF_ERROR(ValidateListenAddress(c.listen));
  if (!c.metrics_listen.empty()) {
    OUTBOX_RETURN_IF_ERROR(ValidateMetricsListenAddress(c.metrics_listen));
  }
  if (c.capi_url.rfind("https://", 0) != 0 &&
      c.capi_url.rfind("http://", 0) != 0) {
    return Status::InvalidArgument("capi_url: expected an https:// URL, got " +
                                   TomlString(c.capi_url));
  }
  if (c.retry_max_ms < c.retry_initial_ms) {
    return Status::InvalidArgument(
        "retry_max_ms: must not be less than retry_initial_ms");
  }
  return Status::Ok();
}

Action ActionOf(const Flags& flags) {
  if (flags.version) return Action::kVersion;
  if (flags.print_config) return Action::kPrintConfig;
  if (flags.check_config) return Action::kCheckConfig;
  return Action::kRun;
}

}  // namespace

LoadResult LoadConfig(const std::vector<std::string>& args,
                      const Environment& env) {
  Flags flags;
  LoadResult result;
  if (!ParseFlags(args, &flags, &result)) return result;
  if (flags.version) {
    result.action = Action::kVersion;
    return result;
  }
  if (flags.help_config) {
    result.action = Action::kHelp;
    result.message = ConfigReferenceMarkdown();
    return result;
  }
  result = ApplyLayers(flags, env);
  if (result.exit_code != 0) return result;
  result.action = ActionOf(flags);
  Status s = Validate(result.config);
  if (s.ok()) s = LoadSecrets(env, result.origins, &result.config);
  if (!s.ok()) return Fail(kExitConfig, s.message());
  return result;
}

StatusOr<ApiKeys> ParseApiKeys(std::string_view text) {
  ApiKeys keys;
  bool any = false;
  std::istringstream lines{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    std::string pixel = eq == std::string::npos ? "" : Trim(line.substr(0, eq));
    std::string key =
        Trim(eq == std::string::npos ? line : line.substr(eq + 1));
    std::string where = "line " + std::to_string(number);
    if (!IsToken(key) || (eq != std::string::npos && !IsToken(pixel))) {
      return Status::InvalidArgument(where + ": expected KEY or PIXEL_ID=KEY");
    }
    if (pixel.empty() && !keys.default_key.empty()) {
      return Status::InvalidArgument(where + ": a second default key");
    }
    (pixel.empty() ? keys.default_key : keys.per_pixel[pixel]) = key;
    any = true;
  }
  if (!any) return Status::InvalidArgument("no key in the file");
  return keys;
}

std::string FormatConfig(const Config& config,
                         const std::map<std::string, Origin>& origins) {
  static const char* kOrigin[] = {"default", "config file", "environment",
                                  "flag"};
  std::string out = "# outboxd effective configuration (secrets redacted)\n";
  for (const Setting& s : Settings()) {
    auto it = origins.find(s.name);
    Origin origin = it == origins.end() ? Origin::kDefault : it->second;
    out += std::string(s.in_file ? "" : "# ") + s.name + " = " +
           s.show(config) + "  # " + kOrigin[static_cast<int>(origin)] + "\n";
  }
  out += "# api key: <redacted>, from " + config.api_key_source +
         (config.api_keys.default_key.empty() ? "" : ", a default key") + ", " +
         std::to_string(config.api_keys.per_pixel.size()) +
         " per-pixel key(s)\n";
  out += "# admin token: " +
         std::string(config.admin_token.empty()
                         ? "none (Admin RPCs from loopback peers only)"
                         : "<redacted>") +
         "\n";
  return out;
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)),
                std::string(entry.substr(eq + 1)));
  }
  return env;
}

}  // namespace outbox::grpc_service
