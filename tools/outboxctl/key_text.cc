#include "tools/outboxctl/key_text.h"

#include <vector>

namespace outbox::ctl {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace

bool ParseKeyText(std::string_view text, v1::DedupKey* key,
                  std::string* error) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t slash; (slash = text.find('/', start)) != text.npos;) {
    parts.push_back(text.substr(start, slash - start));
    start = slash + 1;
  }
  parts.push_back(text.substr(start));
  std::string decoded[3];
  bool ok = parts.size() == 3;
  for (size_t i = 0; ok && i < 3; ++i) {
    ok = !parts[i].empty() && PercentDecode(parts[i], &decoded[i]);
  }
  if (!ok) {
    *error = "bad key \"" + std::string(text) +
             "\": write it PIXEL/EVENT_NAME/ID as `outboxctl list` shows it";
    return false;
  }
  key->set_pixel_id(decoded[0]);
  key->set_event_name(decoded[1]);
  key->set_id(decoded[2]);
  return true;
}

}  // namespace outbox::ctl
