// The TOML config file: flat `key = value` pairs, one per setting.
#include <toml++/toml.h>

#include <string>

#include "grpc_service/config.h"
#include "grpc_service/config_settings.h"

namespace outbox::grpc_service {
namespace {

// The value as the text a flag would carry, so the file accepts exactly
// what the flags and the environment accept.
bool ValueText(const toml::node& node, std::string* text) {
  if (const auto* s = node.as_string()) {
    *text = s->get();
  } else if (const auto* i = node.as_integer()) {
    *text = std::to_string(i->get());
  } else if (const auto* b = node.as_boolean()) {
    *text = b->get() ? "true" : "false";
  } else {
    return false;
  }
  return true;
}

Status ApplyTable(const toml::table& table, const std::string& origin,
                  Config* config, std::vector<std::string>* applied) {
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    const Setting* setting = FindSetting(name);
    if (setting == nullptr || !setting->in_file) {
      return Status::InvalidArgument(origin + ": " + name +
                                     ": unknown setting");
    }
    std::string text;
    if (!ValueText(node, &text)) {
      return Status::InvalidArgument(origin + ": " + name +
                                     ": expected a string or an integer");
    }
    Status s = setting->parse(text, config);
    if (!s.ok()) {
      return Status::InvalidArgument(origin + ": " + name + ": " + s.message());
    }
    applied->push_back(std::move(name));
  }
  return Status::Ok();
}

}  // namespace

Status ApplyConfigText(std::string_view text, const std::string& origin,
                       Config* config) {
  std::vector<std::string> applied;
  return ApplyConfigTextWithKeys(text, origin, config, &applied);
}

Status ApplyConfigTextWithKeys(std::string_view text, const std::string& origin,
                               Config* config,
                               std::vector<std::string>* applied) {
  toml::table table;
  try {
    table = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const toml::source_position& at = e.source().begin;
    return Status::InvalidArgument(origin + ":" + std::to_string(at.line) +
                                   ":" + std::to_string(at.column) + ": " +
                                   std::string(e.description()));
  }
  return ApplyTable(table, origin, config, applied);
}

}  // namespace outbox::grpc_service
