// FuzzConfig: outboxd's configuration parsers (grpc_service/config.h) on
// arbitrary bytes, taken three ways:
//   - as a TOML config file (ApplyConfigText): what parses must print
//     (FormatConfig) as a file that parses again to the same printout;
//   - as an API key file (ParseApiKeys): errors name a line, never echo it
//     (a key file's lines are secrets);
//   - as a command line and environment (LoadConfig): one argument per
//     line, lines NAME=VALUE naming an OUTBOX_ or OPENAI_ variable go to the
//     environment. Exit codes are 0, 64 or 78, and neither the message nor
//     the printed configuration shows the API key. '/' is replaced with '_'
//     so that no path leaves the working directory (no /dev/zero).
#include <string>
#include <vector>

#include "grpc_service/config.h"
#include "tests/fuzz/fuzz_targets.h"

namespace outbox::fuzz {
namespace {

using grpc_service::Config;

constexpr char kSecret[] = "sk-fuzz-secret-0123456789";

void FileRoundTrip(const std::string& input) {
  Config parsed;
  if (!grpc_service::ApplyConfigText(input, "fuzz.toml", &parsed).ok()) return;
  const std::string printed = grpc_service::FormatConfig(parsed, {});
  Config again;
  Status s = grpc_service::ApplyConfigText(printed, "printed", &again);
  FUZZ_CHECK(s.ok(), "the printed config does not parse: " + s.ToString() +
                         "\n" + printed);
  FUZZ_CHECK(grpc_service::FormatConfig(again, {}) == printed,
             "the printed config changes when read back:\n" + printed);
}

void KeyFile(const std::string& input) {
  StatusOr<ApiKeys> keys = grpc_service::ParseApiKeys(input);
  if (keys.ok()) return;
  const std::string& message = keys.status().message();
  FUZZ_CHECK(message.rfind("line ", 0) == 0 || message == "no key in the file",
             "a key file error that may echo the file: " + message);
  const size_t colon = message.find(':');
  FUZZ_CHECK(message == "no key in the file" ||
                 message.substr(colon) == ": expected KEY or PIXEL_ID=KEY" ||
                 message.substr(colon) == ": a second default key",
             "a key file error that may echo the file: " + message);
}

void CommandLine(std::string input) {
  for (char& c : input) {
    if (c == '/') c = '_';
  }
  std::vector<std::string> args;
  grpc_service::Environment env = {{"OPENAI_CONVERSIONS_API_KEY", kSecret}};
  size_t at = 0;
  while (at <= input.size()) {
    size_t end = input.find('\n', at);
    if (end == std::string::npos) end = input.size();
    std::string line = input.substr(at, end - at);
    size_t eq = line.find('=');
    if ((line.rfind("OUTBOX_", 0) == 0 || line.rfind("OPENAI_", 0) == 0) &&
        eq != std::string::npos) {
      env[line.substr(0, eq)] = line.substr(eq + 1);
    } else if (!line.empty()) {
      args.push_back(line);
    }
    at = end + 1;
  }
  const bool secret_given = input.find(kSecret) != std::string::npos;
  grpc_service::LoadResult result = grpc_service::LoadConfig(args, env);
  FUZZ_CHECK(
      result.exit_code == 0 || result.exit_code == 64 || result.exit_code == 78,
      "exit code " + std::to_string(result.exit_code));
  if (secret_given) return;  // The input itself put it everywhere.
  FUZZ_CHECK(result.message.find(kSecret) == std::string::npos,
             "the API key in a message: " + result.message);
  if (result.exit_code == 0) {
    FUZZ_CHECK(grpc_service::FormatConfig(result.config, result.origins)
                       .find(kSecret) == std::string::npos,
               "the API key in the printed config");
  }
}

}  // namespace

int FuzzConfig(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  FileRoundTrip(input);
  KeyFile(input);
  CommandLine(input);
  return 0;
}

}  // namespace outbox::fuzz
