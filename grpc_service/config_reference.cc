// ConfigReferenceMarkdown: the README's config reference, printed from the
// same table the parsers use, so that the documentation cannot drift from
// the code (tests/docs/readme_config_test.sh compares the two).
#include <string>

#include "grpc_service/config.h"
#include "grpc_service/config_settings.h"

namespace outbox::grpc_service {
namespace {

// Table cells hold no '|' or newline of their own.
std::string Cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else {
      out.push_back(c == '\n' ? ' ' : c);
    }
  }
  return out;
}

std::string Code(const std::string& text) { return "`" + text + "`"; }

}  // namespace

std::string ConfigReferenceMarkdown() {
  const Config defaults;
  std::string out =
      "| Config file key | Flag | Environment | Default | Meaning |\n"
      "|---|---|---|---|---|\n";
  for (const Setting& s : Settings()) {
    std::string value = s.show(defaults);
    std::string shown = value == "\"\"" ? "none" : Code(value);
    out += "| " + (s.in_file ? Code(s.name) : "(flag or env only)") + " | " +
           Code(s.Flag() + " " + s.type_name) + " | " + Code(s.EnvVar()) +
           " | " + shown + " | " + Cell(s.help) + " |\n";
  }
  out +=
      "| (none) | (none) | `OPENAI_CONVERSIONS_API_KEY` | none | The "
      "Conversions API key for every pixel; used unless `--api-key-file` is "
      "given as a flag, and wins over a key file named by the environment or "
      "the config file |\n";
  return out;
}

}  // namespace outbox::grpc_service
