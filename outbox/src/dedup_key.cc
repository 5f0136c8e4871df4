#include "outbox/dedup_key.h"

#include <tuple>

namespace outbox {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' ||
         c == '-';
}

void AppendPercentEncoded(std::string_view in, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : in) {
    if (IsUnreserved(c)) {
      out->push_back(static_cast<char>(c));
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

StatusOr<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
    int lo = hi >= 0 ? HexValue(in[i + 2]) : -1;
    if (lo < 0) {
      return Status::InvalidArgument(
          "bad percent-escape at offset " + std::to_string(i) +
          " (write a literal '%' as %25)");
    }
    out.push_back(static_cast<char>(hi << 4 | lo));
    i += 2;
  }
  return out;
}

Status CheckComponent(const std::string& value, const char* name,
                      size_t max_bytes) {
  if (value.empty()) {
    return Status::InvalidArgument(std::string(name) + ": required");
  }
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(
        std::string(name) + ": " + std::to_string(value.size()) +
        " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<DedupKey> DedupKey::Create(std::string pixel_id,
                                    std::string event_name, std::string id) {
  OUTBOX_RETURN_IF_ERROR(CheckComponent(pixel_id, "pixel_id", kMaxPixelIdBytes));
  OUTBOX_RETURN_IF_ERROR(
      CheckComponent(event_name, "event name", kMaxEventNameBytes));
  OUTBOX_RETURN_IF_ERROR(CheckComponent(id, "id", kMaxEventIdBytes));
  return DedupKey(std::move(pixel_id), std::move(event_name), std::move(id));
}

StatusOr<DedupKey> DedupKey::ForEvent(const Event& event) {
  const std::string& name =
      event.type == "custom" ? event.custom_event_name : event.type;
  return Create(event.pixel_id, name, event.id);
}

StatusOr<DedupKey> DedupKey::Parse(std::string_view text) {
  size_t first = text.find('/');
  size_t second =
      first == std::string_view::npos ? first : text.find('/', first + 1);
  if (second == std::string_view::npos ||
      text.find('/', second + 1) != std::string_view::npos) {
    return Status::InvalidArgument(
        "a dedup key is written PIXEL/EVENT_NAME/ID (percent-encode any '/' "
        "inside a part as %2F)");
  }
  StatusOr<std::string> parts[3] = {
      PercentDecode(text.substr(0, first)),
      PercentDecode(text.substr(first + 1, second - first - 1)),
      PercentDecode(text.substr(second + 1))};
  for (auto& part : parts) {
    if (!part.ok()) return part.status();
  }
  return Create(std::move(*parts[0]), std::move(*parts[1]),
                std::move(*parts[2]));
}

std::string DedupKey::ToString() const {
  std::string out;
  out.reserve(pixel_id_.size() + event_name_.size() + id_.size() + 2);
  AppendPercentEncoded(pixel_id_, &out);
  out.push_back('/');
  AppendPercentEncoded(event_name_, &out);
  out.push_back('/');
  AppendPercentEncoded(id_, &out);
  return out;
}

bool operator<(const DedupKey& a, const DedupKey& b) {
  return std::tie(a.pixel_id_, a.event_name_, a.id_) <
         std::tie(b.pixel_id_, b.event_name_, b.id_);
}

}  // namespace outbox
