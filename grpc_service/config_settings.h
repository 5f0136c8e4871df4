// The table of outboxd's settings, shared by the flag, environment and file
// parsers so that all three accept the same names and values.
//
// Internal to outboxd_lib. Thread-safety: the table is immutable.
#ifndef OUTBOX_GRPC_SERVICE_CONFIG_SETTINGS_H_
#define OUTBOX_GRPC_SERVICE_CONFIG_SETTINGS_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "grpc_service/config.h"
#include "outbox/status.h"

namespace outbox::grpc_service {

struct Setting {
  std::string name;  // snake_case: the file key; flag and env derive from it.
  std::string help;
  std::string type_name = "TEXT";  // Shown in --help.
  bool in_file = true;             // False for `config` itself.
  bool is_path = false;
  // Sets the field from text; INVALID_ARGUMENT saying what was expected.
  std::function<Status(const std::string& text, Config* config)> parse;
  // The field as a TOML value.
  std::function<std::string(const Config& config)> show;

  std::string Flag() const;    // "--retry-initial-ms"
  std::string EnvVar() const;  // "OUTBOX_RETRY_INITIAL_MS"
};

// Every setting, in the order --help and --print-config list them.
const std::vector<Setting>& Settings();

// The setting named `name`, or null.
const Setting* FindSetting(std::string_view name);

// ApplyConfigText, also returning the names of the settings it applied.
Status ApplyConfigTextWithKeys(std::string_view text, const std::string& origin,
                               Config* config,
                               std::vector<std::string>* applied);

// `s` as a TOML basic string, quoted and escaped.
std::string TomlString(std::string_view s);

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_CONFIG_SETTINGS_H_
