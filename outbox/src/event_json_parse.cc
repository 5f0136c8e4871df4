// Parsing: JSON -> Event, and whole request bodies (fake-capi, tests).
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outbox/src/event_json.h"
#include "outbox/src/event_json_mapping.h"
#include "outbox/src/pii.h"
#include "outbox/src/validation.h"

namespace outbox {

namespace {

using event_json_mapping::AllowsExtraKeys;
using event_json_mapping::FieldsOf;
using event_json_mapping::kEventsKey;
using event_json_mapping::kValidateOnlyKey;
using event_json_mapping::VisitField;
using rapidjson::Value;

// rapidjson 1.1 turns an escaped lone low surrogate ("\uDC00") into the
// bytes ED B0 80, which are not UTF-8; the API would refuse the whole batch.
// In valid UTF-8, ED is only ever followed by 80..9F.
bool HasEncodedSurrogate(std::string_view s) {
  for (size_t i = s.find('\xED'); i != s.npos; i = s.find('\xED', i + 1)) {
    if (i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
      return true;
    }
  }
  return false;
}

// Error messages must stay valid UTF-8 (they may end up in logs or RPC
// replies), so they never quote a key that is not.
std::string KeyForMessage(std::string_view key) {
  if (key.empty()) return "\"\"";
  if (HasEncodedSurrogate(key)) return "(invalid key)";
  return std::string(key);
}

// A JSON path kept as a chain on the stack: it becomes text only when an
// error needs it, so a successful parse builds no strings.
struct Path {
  const Path* parent = nullptr;  // Null for the event object itself.
  bool is_item = false;          // An array item (index), else a member (key).
  std::string_view key;
  size_t index = 0;

  Path Member(std::string_view k) const { return {this, false, k, 0}; }
  Path Item(size_t i) const { return {this, true, {}, i}; }
  std::string ToString() const {
    if (parent == nullptr) return "";
    std::string s = parent->ToString();
    if (is_item) return s + "[" + std::to_string(index) + "]";
    const std::string k = KeyForMessage(key);
    return parent->parent == nullptr ? k : s + "." + k;
  }
};

Status Error(const Path& path, std::string_view what) {
  std::string where = path.ToString();
  if (where.empty()) return Status::InvalidArgument(std::string(what));
  return Status::InvalidArgument(where + ": " + std::string(what));
}

std::string_view View(const Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// Reads any struct that has a field mapping, from an object.
template <typename T>
auto ReadValue(const Value& v, const Path& path, T* out)
    -> decltype(FieldsOf(out), Status());

Status ReadValue(const Value& v, const Path& path, std::string* out) {
  if (!v.IsString()) return Error(path, "expected a string");
  out->assign(v.GetString(), v.GetStringLength());
  if (HasEncodedSurrogate(*out)) return Error(path, "lone UTF-16 surrogate");
  return Status::Ok();
}
// Integers within int64 only. rapidjson keeps 1.5, 1.0 and 1e3 as doubles;
// refusing them all is simpler than proving some whole, and no sane encoder
// writes an integer field that way.
Status ReadValue(const Value& v, const Path& path, int64_t* out) {
  if (!v.IsInt64()) return Error(path, "expected an integer");
  *out = v.GetInt64();
  return Status::Ok();
}
Status ReadValue(const Value& v, const Path& path, bool* out) {
  if (!v.IsBool()) return Error(path, "expected a boolean");
  *out = v.GetBool();
  return Status::Ok();
}
template <typename T>
Status ReadValue(const Value& v, const Path& path, std::optional<T>* out) {
  T value{};
  OUTBOX_RETURN_IF_ERROR(ReadValue(v, path, &value));
  *out = std::move(value);
  return Status::Ok();
}
template <typename T>
Status ReadValue(const Value& v, const Path& path, std::vector<T>* out) {
  if (!v.IsArray()) return Error(path, "expected an array");
  out->assign(v.Size(), T{});
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    OUTBOX_RETURN_IF_ERROR(ReadValue(v[i], path.Item(i), &(*out)[i]));
  }
  return Status::Ok();
}
Status ReadValue(const Value& v, const Path& path,
                 std::map<std::string, std::string>* out) {
  if (!v.IsObject()) return Error(path, "expected an object");
  for (const auto& m : v.GetObject()) {
    const Path child = path.Member(View(m.name));
    std::string key, value;
    OUTBOX_RETURN_IF_ERROR(ReadValue(m.name, child, &key));
    OUTBOX_RETURN_IF_ERROR(ReadValue(m.value, child, &value));
    if (!out->emplace(std::move(key), std::move(value)).second) {
      return Error(child, "duplicate key");
    }
  }
  return Status::Ok();
}
// Fills the mapped fields of `out` from the members of `v`. A member that is
// null counts as absent: many JSON encoders write unset optionals as null.
// Unknown and repeated keys are errors: silently dropping or overriding a
// value would deliver something other than what the client meant.
template <typename T>
auto ReadValue(const Value& v, const Path& path, T* out)
    -> decltype(FieldsOf(out), Status()) {
  static_assert(std::tuple_size_v<std::decay_t<decltype(FieldsOf(out))>> <= 32);
  if (!v.IsObject()) return Error(path, "expected an object");
  uint32_t seen = 0;  // Bit i: mapped field i was present.
  std::optional<std::string_view> extra_key;
  for (const auto& m : v.GetObject()) {
    const Path child = path.Member(View(m.name));
    Status status;
    const bool known = VisitField(*out, child.key, [&](size_t i, auto& f) {
      if (seen & (1u << i)) {
        status = Error(child, "duplicate key");
        return;
      }
      seen |= 1u << i;
      if (!m.value.IsNull()) status = ReadValue(m.value, child, &f);
    });
    OUTBOX_RETURN_IF_ERROR(status);
    if (!known && !extra_key) extra_key = child.key;
  }
  // Checked after the loop: whether extra keys are allowed can depend on a
  // field (data.type) that comes after them.
  if (extra_key && !AllowsExtraKeys(*out)) {
    return Error(path.Member(*extra_key), "unknown field");
  }
  return Status::Ok();
}

bool AllAscii8(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, sizeof(x));
  return (x & 0x8080808080808080) == 0;
}

// True when `s` is valid UTF-8. ASCII, nearly all of any request, is
// skipped 8 bytes at a time; each run of other bytes, which no ASCII byte
// can split, is checked as a whole.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size() && AllAscii8(s.data() + i)) {
      i += 8;
    } else if ((s[i] & 0x80) == 0) {
      ++i;
    } else {
      size_t end = i;
      while (end < s.size() && (s[end] & 0x80) != 0) ++end;
      if (!IsValidUtf8(s.substr(i, end - i))) return false;
      i = end;
    }
  }
  return true;
}

// `validate_encoding` false is for input known to be valid UTF-8: rapidjson
// validates it byte by byte through a slower stream, most of a parse's cost.
Status ParseDocument(std::string_view json, rapidjson::Document* doc,
                     bool validate_encoding = true) {
  // Iterative: the recursive parser can overflow the stack on deeply nested
  // input, and this parses what clients send.
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag;
  if (validate_encoding) {
    doc->Parse<kFlags | rapidjson::kParseValidateEncodingFlag>(json.data(),
                                                               json.size());
  } else {
    doc->Parse<kFlags>(json.data(), json.size());
  }
  if (!doc->HasParseError()) return Status::Ok();
  return Status::InvalidArgument(
      "invalid JSON at offset " + std::to_string(doc->GetErrorOffset()) + ": " +
      rapidjson::GetParseError_En(doc->GetParseError()));
}

// Returns the member `key` of `obj`, or null when it is absent or null.
const Value* FindMember(const Value& obj, std::string_view key) {
  const auto it = obj.FindMember(Value(rapidjson::StringRef(
      key.data(), static_cast<rapidjson::SizeType>(key.size()))));
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

}  // namespace

StatusOr<Event> ParseEventJson(std::string_view json, std::string pixel_id) {
  rapidjson::Document doc;
  OUTBOX_RETURN_IF_ERROR(ParseDocument(json, &doc));
  Event event;
  OUTBOX_RETURN_IF_ERROR(ReadValue(doc, Path{}, &event));
  event.pixel_id = std::move(pixel_id);
  return event;
}

StatusOr<ParsedRequest> ParseRequestBody(std::string_view body,
                                         const std::string& pixel_id) {
  rapidjson::Document doc;
  // Invalid UTF-8 gets the validating parse, for its message.
  OUTBOX_RETURN_IF_ERROR(ParseDocument(body, &doc, !IsUtf8(body)));
  if (!doc.IsObject()) return Status::InvalidArgument("expected an object");
  ParsedRequest request;
  const Path top;
  if (const Value* flag = FindMember(doc, kValidateOnlyKey)) {
    OUTBOX_RETURN_IF_ERROR(
        ReadValue(*flag, top.Member(kValidateOnlyKey), &request.validate_only));
  }
  const Value* events = FindMember(doc, kEventsKey);
  if (events == nullptr) return request;
  request.has_events = true;
  const Path events_path = top.Member(kEventsKey);
  if (!events->IsArray()) return Error(events_path, "expected an array");
  if (events->Size() > kMaxEventsPerRequest) {
    return Status::ResourceExhausted(
        "events: " + std::to_string(events->Size()) + " events; at most " +
        std::to_string(kMaxEventsPerRequest) + " per request");
  }
  request.events.resize(events->Size());
  for (rapidjson::SizeType i = 0; i < events->Size(); ++i) {
    Event& event = request.events[i];
    OUTBOX_RETURN_IF_ERROR(
        ReadValue((*events)[i], events_path.Item(i), &event));
    event.pixel_id = pixel_id;
  }
  return request;
}


}  // namespace outbox
