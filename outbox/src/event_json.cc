#include "outbox/src/event_json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "outbox/src/pii.h"
#include "outbox/src/validation.h"

namespace outbox {
namespace {

// ---------------------------------------------------------------------------
// The field mapping: the only place that knows the API's JSON key names.
// Each line pairs a key with a member. The encoder writes the keys in this
// order and the parser accepts exactly these keys, so a renamed field is a
// one-line edit and encoder and parser cannot drift apart.

template <typename S, typename M>
struct Field {
  std::string_view name;
  M S::*member;
};
template <typename S, typename M>
Field(std::string_view, M S::*) -> Field<S, M>;

// clang-format off
constexpr auto kContentFields = std::make_tuple(
    Field{"id", &Content::id},
    Field{"group_id", &Content::group_id},
    Field{"name", &Content::name},
    Field{"content_type", &Content::content_type},
    Field{"quantity", &Content::quantity},
    Field{"amount", &Content::amount},
    Field{"currency", &Content::currency},
    Field{"variant_dict", &Content::variant_dict});

constexpr auto kDataFields = std::make_tuple(
    Field{"type", &EventData::type},
    Field{"amount", &EventData::amount},
    Field{"currency", &EventData::currency},
    Field{"plan_id", &EventData::plan_id},
    Field{"contents", &EventData::contents});

// The raw personal-data lists (UserData::emails, ...) are deliberately absent.
constexpr auto kUserFields = std::make_tuple(
    Field{"emails_sha256", &UserData::emails_sha256},
    Field{"phone_numbers_sha256", &UserData::phone_numbers_sha256},
    Field{"external_ids_sha256", &UserData::external_ids_sha256},
    Field{"first_names_sha256", &UserData::first_names_sha256},
    Field{"last_names_sha256", &UserData::last_names_sha256},
    Field{"countries", &UserData::countries},
    Field{"cities", &UserData::cities},
    Field{"regions", &UserData::regions},
    Field{"postal_codes", &UserData::postal_codes},
    Field{"obref", &UserData::obref},
    Field{"ip_address", &UserData::ip_address},
    Field{"user_agent", &UserData::user_agent},
    Field{"android_advertising_id", &UserData::android_advertising_id});

// Event::pixel_id is deliberately absent: it travels in the URL.
constexpr auto kEventFields = std::make_tuple(
    Field{"id", &Event::id},
    Field{"type", &Event::type},
    Field{"custom_event_name", &Event::custom_event_name},
    Field{"timestamp_ms", &Event::timestamp_ms},
    Field{"action_source", &Event::action_source},
    Field{"source_url", &Event::source_url},
    Field{"oppref", &Event::oppref},
    Field{"opt_out", &Event::opt_out},
    Field{"user", &Event::user},
    Field{"data", &Event::data});
// clang-format on

constexpr std::string_view kValidateOnlyKey = "validate_only";
constexpr std::string_view kEventsKey = "events";

// A `custom` event's data may carry advertiser-defined keys.
bool AllowsExtraKeys(const EventData& data) { return data.type == "custom"; }
template <typename T>
bool AllowsExtraKeys(const T&) {
  return false;
}
// ---------------------------------------------------------------------------

constexpr const auto& FieldsOf(const Event*) { return kEventFields; }
constexpr const auto& FieldsOf(const UserData*) { return kUserFields; }
constexpr const auto& FieldsOf(const EventData*) { return kDataFields; }
constexpr const auto& FieldsOf(const Content*) { return kContentFields; }

// Calls f(name, member) for every mapped field of `obj`, in mapping order.
template <typename T, typename Fn>
void ForEachField(T& obj, Fn&& f) {
  std::apply([&](const auto&... x) { (f(x.name, obj.*x.member), ...); },
             FieldsOf(&obj));
}

// Calls f(index, member) for the field named `key`; false if there is none.
template <typename T, typename Fn>
bool VisitField(T& obj, std::string_view key, Fn&& f) {
  size_t i = 0;
  auto visit = [&](const auto& x) {
    if (x.name != key) {
      ++i;
      return false;
    }
    f(i, obj.*x.member);
    return true;
  };
  return std::apply([&](const auto&... x) { return (visit(x) || ...); },
                    FieldsOf(&obj));
}

// ----------------------------- Encoding ------------------------------------

constexpr std::array<char, 256> MakeEscapeTable() {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 'u';
  table['\b'] = 'b';
  table['\t'] = 't';
  table['\n'] = 'n';
  table['\f'] = 'f';
  table['\r'] = 'r';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}
// The characters JSON requires escaping, with rapidjson::Writer's choice of
// escapes, so both writers produce the same bytes (the tests check this).
constexpr std::array<char, 256> kEscape = MakeEscapeTable();

// Has any of the 8 bytes at `p` to be escaped? Tests all 8 in one 64-bit
// word ("Bit Twiddling Hacks": haszero, hasless); a borrow can flag a byte
// above a real hit, but the yes/no answer is exact.
bool AnyToEscape(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHigh = kOnes * 0x80;
  uint64_t x;
  std::memcpy(&x, p, sizeof(x));
  auto has_zero_byte = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const uint64_t control = (x - kOnes * 0x20) & ~x & kHigh;  // Bytes < 0x20.
  return control | has_zero_byte(x ^ (kOnes * '"')) |
         has_zero_byte(x ^ (kOnes * '\\'));
}

// Writes JSON tokens to the caller's string, with the same methods as
// rapidjson::Writer so the encoder below can drive either. Tokens gather in
// a buffer on the stack and reach the string in few large appends: each
// std::string call is an out-of-line library call, and a new string gets one
// allocation of the right size for an event under 2 KB. Skipping 8 plain
// bytes at a time does the rest; together about 1.9x the speed of
// rapidjson::Writer (bench/encode_bench.cc).
// UTF-8 passes through unchanged; PrepareEvent rejects invalid UTF-8.
class JsonAppender {
 public:
  explicit JsonAppender(std::string* out) : out_(out) {}

  void StartObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void StartArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(const char* s, size_t n) {
    String(s, n);
    Put(':');
    first_ = true;  // The value that follows takes no comma.
  }
  void String(const char* s, size_t n) {
    Separate();
    PutQuoted(std::string_view(s, n));
  }
  void Int64(int64_t v) {
    Separate();
    char digits[24];
    Put(digits, std::to_chars(digits, digits + sizeof(digits), v).ptr - digits);
  }
  void Bool(bool v) {
    Separate();
    v ? Put("true", 4) : Put("false", 5);
  }
  // Appends what is buffered to the string. Call once, at the end.
  void Flush() {
    out_->append(buf_, len_);
    len_ = 0;
  }

 private:
  void Separate() {
    if (!first_) Put(',');
    first_ = false;
  }
  void Open(char c) {
    Separate();
    Put(c);
    first_ = true;
  }
  void Close(char c) {
    Put(c);
    first_ = false;
  }
  void Put(char c) {
    if (len_ == sizeof(buf_)) Flush();
    buf_[len_++] = c;
  }
  void Put(const char* s, size_t n) {
    if (n > sizeof(buf_) - len_) {
      Flush();
      if (n > sizeof(buf_)) {
        out_->append(s, n);
        return;
      }
    }
    std::memcpy(buf_ + len_, s, n);
    len_ += n;
  }
  void PutQuoted(std::string_view s);

  std::string* out_;
  bool first_ = true;  // No value yet in the innermost object or array.
  size_t len_ = 0;
  char buf_[2048];
};

void JsonAppender::PutQuoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  Put('"');
  size_t run = 0;  // Start of the bytes not yet copied.
  for (size_t i = 0; i < s.size(); ++i) {
    while (i + 8 <= s.size() && !AnyToEscape(s.data() + i)) i += 8;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    const char e = kEscape[c];
    if (e == 0) continue;
    Put(s.data() + run, i - run);
    run = i + 1;
    if (e == 'u') {
      const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      Put(esc, sizeof(esc));
    } else {
      const char esc[] = {'\\', e};
      Put(esc, sizeof(esc));
    }
  }
  Put(s.data() + run, s.size() - run);
  Put('"');
}

// The omission rules: an absent value is not written, key included.
bool IsAbsent(const std::string& v) { return v.empty(); }
template <typename T>
bool IsAbsent(const std::vector<T>& v) {
  return v.empty();
}
bool IsAbsent(const std::map<std::string, std::string>& v) { return v.empty(); }
template <typename T>
bool IsAbsent(const std::optional<T>& v) {
  return !v.has_value();
}
bool IsAbsent(int64_t) { return false; }           // timestamp_ms
bool IsAbsent(const EventData&) { return false; }  // Required by the API.
bool IsAbsent(const UserData& v) {                 // No empty "user":{}.
  bool absent = true;
  ForEachField(v, [&](std::string_view, const auto& x) {
    absent = absent && IsAbsent(x);
  });
  return absent;
}

rapidjson::SizeType Size(std::string_view s) {
  return static_cast<rapidjson::SizeType>(s.size());
}

// Writes any struct that has a field mapping, as an object.
template <typename W, typename T>
auto WriteValue(W* w, const T& obj) -> decltype(FieldsOf(&obj), void());
template <typename W>
void WriteValue(W* w, const std::string& v) {
  w->String(v.data(), Size(v));
}
template <typename W>
void WriteValue(W* w, int64_t v) {
  w->Int64(v);
}
template <typename W>
void WriteValue(W* w, bool v) {
  w->Bool(v);
}
template <typename W, typename T>
void WriteValue(W* w, const std::optional<T>& v) {
  WriteValue(w, *v);
}
template <typename W, typename T>
void WriteValue(W* w, const std::vector<T>& v) {
  w->StartArray();
  for (const T& item : v) WriteValue(w, item);
  w->EndArray();
}
template <typename W>
void WriteValue(W* w, const std::map<std::string, std::string>& v) {
  w->StartObject();
  for (const auto& [key, value] : v) {
    w->Key(key.data(), Size(key));
    WriteValue(w, value);
  }
  w->EndObject();
}

template <typename W, typename T>
auto WriteValue(W* w, const T& obj) -> decltype(FieldsOf(&obj), void()) {
  w->StartObject();
  ForEachField(obj, [w](std::string_view key, const auto& value) {
    if (IsAbsent(value)) return;
    w->Key(key.data(), Size(key));
    WriteValue(w, value);
  });
  w->EndObject();
}

}  // namespace

void AppendEventJson(const Event& event, std::string* out) {
  JsonAppender appender(out);
  WriteValue(&appender, event);
  appender.Flush();
}

namespace internal {

void AppendEventJsonWithRapidJson(const Event& event, std::string* out) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  WriteValue(&writer, event);
  out->append(buffer.GetString(), buffer.GetSize());
}

}  // namespace internal

std::string BuildRequestBody(const std::vector<std::string_view>& events,
                             bool validate_only) {
  const std::string_view flag = validate_only ? "true" : "false";
  constexpr size_t kPunctuation = 11;  // {"":,"":[]}
  size_t size = kPunctuation + kValidateOnlyKey.size() + flag.size() +
                kEventsKey.size() + (events.empty() ? 0 : events.size() - 1);
  for (std::string_view e : events) size += e.size();
  std::string body;
  body.reserve(size);
  body.append("{\"").append(kValidateOnlyKey).append("\":").append(flag);
  body.append(",\"").append(kEventsKey).append("\":[");
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) body.push_back(',');
    body.append(events[i]);
  }
  body.append("]}");
  return body;
}

// ----------------------------- Parsing -------------------------------------

namespace {

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
