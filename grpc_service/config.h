// outboxd's configuration: every setting has a flag (--retry-initial-ms), an
// environment variable (OUTBOX_RETRY_INITIAL_MS) and a key in the TOML
// config file (retry_initial_ms = 1000), with precedence
// flags > environment > file > defaults. The file is named by --config or
// OUTBOX_CONFIG.
//
// Secrets never sit in the config itself: the Conversions API key comes
// from --api-key-file (or OUTBOX_API_KEY_FILE / api_key_file) or from
// OPENAI_CONVERSIONS_API_KEY, the admin token from --admin-token-file.
// An --api-key-file given as a flag wins over OPENAI_CONVERSIONS_API_KEY,
// which wins over a key file named by the environment or the file.
//
// Thread-safety: free functions over values; no shared state.
#ifndef OUTBOX_GRPC_SERVICE_CONFIG_H_
#define OUTBOX_GRPC_SERVICE_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "grpc_service/logger.h"
#include "outbox/drainer.h"
#include "outbox/status.h"

namespace outbox::grpc_service {

// sysexits.h conventions.
inline constexpr int kExitUsage = 64;   // Bad command line.
inline constexpr int kExitConfig = 78;  // Bad configuration.

struct Config {
  std::string data_dir;  // Required.
  std::string listen = "127.0.0.1:50051";
  std::string capi_url = "https://bzr.openai.com/v1/events";
  std::string metrics_listen;  // HOST:PORT for /metrics; empty: off.
  int64_t retry_initial_ms = 1000;
  int64_t retry_max_ms = 300000;
  int64_t request_timeout_ms = 30000;
  int64_t batch_max_events = 1000;
  int64_t batch_linger_ms = 100;
  int64_t expiry_margin_s = 600;
  int64_t max_disk_bytes = 0;  // 0: no quota.
  int64_t block_cache_bytes = 64LL << 20;   // As outbox::Options.
  int64_t write_buffer_bytes = 128LL << 20;  // As outbox::Options.
  int64_t shutdown_timeout_ms = 10000;
  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kJson;
  std::string config_file;
  std::string api_key_file;
  std::string admin_token_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // Audit log of operator actions; "" means DATA_DIR/audit.log, "off" none.
  std::string audit_log;

  // Resolved secrets; never printed or logged.
  ApiKeys api_keys;
  std::string api_key_source;  // "OPENAI_CONVERSIONS_API_KEY" or a path.
  std::string admin_token;
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

// Where a setting's value came from.
enum class Origin { kDefault, kFile, kEnv, kFlag };

enum class Action { kRun, kHelp, kVersion, kPrintConfig, kCheckConfig };

struct LoadResult {
  Action action = Action::kRun;
  Config config;
  std::map<std::string, Origin> origins;  // By setting name.
  // 0, or kExitUsage / kExitConfig with `message` saying what is wrong in
  // one line. For kHelp, `message` is the help text (or, for
  // --help-config, the settings reference).
  int exit_code = 0;
  std::string message;
};

using Environment = std::map<std::string, std::string>;

// Parses `args` (without the program name) and `env`, reads the config file
// and the secret files, and checks the result. Never throws.
LoadResult LoadConfig(const std::vector<std::string>& args,
                      const Environment& env);

// Applies the TOML settings in `text` to `config` (flat `key = value`
// lines; keys as the flags with '_' for '-'). INVALID_ARGUMENT, prefixed
// with `origin`, for a syntax error, an unknown key, or a bad value.
// Safe on any input: the fuzz target calls it directly.
Status ApplyConfigText(std::string_view text, const std::string& origin,
                       Config* config);

// The effective configuration as a TOML document that ApplyConfigText
// accepts, each line commented with its origin; secrets are shown only as
// "<redacted>" comments.
std::string FormatConfig(const Config& config,
                         const std::map<std::string, Origin>& origins);

// Parses the contents of an API key file: non-empty lines that are not
// comments (#) are either `KEY` (the default key, at most once) or
// `PIXEL_ID=KEY`. INVALID_ARGUMENT naming the line number, never the key.
StatusOr<ApiKeys> ParseApiKeys(std::string_view text);

// The reference table of every setting (config file key, flag, environment
// variable, default, meaning) as Markdown: `outboxd --help-config`, and the
// README's "Configuration reference".
std::string ConfigReferenceMarkdown();

// The environment of this process.
Environment ProcessEnvironment();

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_CONFIG_H_
