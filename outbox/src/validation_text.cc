// How validation messages are worded, and the checks of free-text fields.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/src/pii.h"
#include "outbox/src/validation_internal.h"

namespace outbox {
namespace validation_internal {

EventErrors::EventErrors(size_t index, std::vector<std::string>* out)
    : prefix_("events[" + std::to_string(index) + "]."), out_(out) {}

void EventErrors::Add(std::string_view path, std::string_view what) {
  std::string message = prefix_;
  message.append(path).append(": ").append(what);
  out_->push_back(std::move(message));
  ++count_;
}

std::string Indexed(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

std::string Quote(std::string_view value) {
  constexpr size_t kMaxQuotedBytes = 40;
  std::string out = "\"";
  for (unsigned char c : value.substr(0, kMaxQuotedBytes)) {
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02X", c);
      out += escaped;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out += value.size() > kMaxQuotedBytes ? "\"..." : "\"";
  return out;
}

std::string TextProblem(std::string_view value, size_t max_bytes) {
  if (value.size() > max_bytes) {
    return std::to_string(value.size()) + " bytes, more than the limit of " +
           std::to_string(max_bytes);
  }
  if (!IsValidUtf8(value)) return "not valid UTF-8";
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7F) {
      char code[8];
      std::snprintf(code, sizeof(code), "U+%04X", c);
      return std::string("contains the control character ") + code +
             " at byte " + std::to_string(i) + "; remove it";
    }
  }
  return "";
}

void CheckText(std::string_view path, std::string_view value, size_t max_bytes,
               EventErrors* errors) {
  std::string problem = TextProblem(value, max_bytes);
  if (!problem.empty()) errors->Add(path, problem);
}

}  // namespace validation_internal
}  // namespace outbox
