#include "tools/fake_capi/body_scan.h"

#include <cstdint>
#include <cstring>

namespace outbox {
namespace fake_capi {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Depths, counting the body's own object as 1: the events array is at 2 and
// the members of each event at 3.
constexpr int kTopDepth = 1;
constexpr int kEventsDepth = 2;
constexpr int kEventDepth = 3;
constexpr int kMaxDepth = 64;

// One pass over the bytes. Strings, most of the body, are skipped with
// memchr; only structural characters are looked at one by one.
class Scanner {
 public:
  explicit Scanner(std::string_view body)
      : p_(body.data()), end_(body.data() + body.size()) {}

  std::optional<ScannedRequest> Run();

 private:
  bool Step();
  bool OnString();
  bool OnColon();
  bool Open(bool is_object);
  bool Close(bool is_object);
  bool FinishEvent();
  bool IsObject(int depth) const { return (object_bits_ >> depth) & 1; }
  char NextNonSpace() const;

  const char* p_;
  const char* end_;
  int depth_ = 0;
  uint64_t object_bits_ = 0;    // Bit d: the container at depth d is an object.
  bool expect_key_ = false;     // The next string is a member name.
  bool in_events_ = false;      // Inside the events array.
  bool done_ = false;           // The body's object is closed.
  std::string_view top_key_;    // Last member name at kTopDepth.
  std::string_view event_key_;  // Last member name at kEventDepth.
  ScannedEvent event_;
  ScannedRequest out_;
};

std::optional<ScannedRequest> Scanner::Run() {
  while (p_ < end_ && IsSpace(*p_)) ++p_;
  if (p_ == end_ || *p_ != '{') return std::nullopt;
  while (p_ < end_) {
    if (!Step()) return std::nullopt;
  }
  if (!done_) return std::nullopt;
  return std::move(out_);
}

bool Scanner::Step() {
  const char c = *p_;
  if (done_) {
    ++p_;
    return IsSpace(c);
  }
  if (c == '"') return OnString();  // Moves p_ past the string.
  bool ok = true;
  switch (c) {
    case '{':
    case '[':
      ok = Open(c == '{');
      break;
    case '}':
    case ']':
      ok = Close(c == '}');
      break;
    case ':':
      ok = OnColon();
      break;
    case ',':
      expect_key_ = IsObject(depth_);
      break;
    case 't':  // The only literal with a 't' is true.
      if (depth_ == kTopDepth && top_key_ == "validate_only") {
        out_.validate_only = true;
      }
      break;
    default:
      // A number or literal as an item of events is not an event.
      ok = !(depth_ == kEventsDepth && in_events_ && !IsSpace(c));
  }
  ++p_;
  return ok;
}

bool Scanner::OnString() {
  const char* start = p_ + 1;
  const char* q = start;
  for (;;) {
    q = static_cast<const char*>(std::memchr(q, '"', end_ - q));
    if (q == nullptr) return false;
    const char* b = q;
    while (b > start && b[-1] == '\\') --b;
    if ((q - b) % 2 == 0) break;  // Not an escaped quote.
    ++q;
  }
  const std::string_view s(start, q - start);
  p_ = q + 1;
  if (depth_ == kEventsDepth && in_events_) return false;  // Not an event.
  const bool in_event = depth_ == kEventDepth && in_events_;
  std::string_view* target = nullptr;
  if (expect_key_ && depth_ == kTopDepth) target = &top_key_;
  if (expect_key_ && in_event) target = &event_key_;
  if (!expect_key_ && in_event) {
    if (event_key_ == "id") target = &event_.id;
    if (event_key_ == "type") target = &event_.type;
    if (event_key_ == "custom_event_name") target = &event_.custom_event_name;
  }
  if (target == nullptr) return true;
  // Escaped text would have to be decoded to compare or count it.
  if (std::memchr(s.data(), '\\', s.size()) != nullptr) return false;
  *target = s;
  return true;
}

// Checks the types of the top-level values the scan reads; the full parser
// explains anything else.
bool Scanner::OnColon() {
  expect_key_ = false;
  if (depth_ != kTopDepth) return true;
  const char next = NextNonSpace();
  if (top_key_ == "events") return next == '[' || next == 'n';
  if (top_key_ == "validate_only") {
    return next == 't' || next == 'f' || next == 'n';
  }
  return true;
}

char Scanner::NextNonSpace() const {
  const char* q = p_ + 1;
  while (q < end_ && IsSpace(*q)) ++q;
  return q < end_ ? *q : '\0';
}

bool Scanner::Open(bool is_object) {
  if (depth_ + 1 >= kMaxDepth) return false;
  if (depth_ == kEventsDepth && in_events_) {
    if (!is_object) return false;
    event_ = ScannedEvent();
    event_key_ = {};
  }
  if (depth_ == kTopDepth && top_key_ == "events") {
    in_events_ = true;
    out_.has_events = true;
  }
  ++depth_;
  object_bits_ = (object_bits_ & ~(uint64_t{1} << depth_)) |
                 (uint64_t{is_object} << depth_);
  expect_key_ = is_object;
  return true;
}

bool Scanner::Close(bool is_object) {
  if (depth_ == 0 || IsObject(depth_) != is_object) return false;
  if (depth_ == kEventDepth && in_events_ && !FinishEvent()) return false;
  if (depth_ == kEventsDepth) in_events_ = false;
  --depth_;
  done_ = depth_ == 0;
  expect_key_ = false;
  return true;
}

bool Scanner::FinishEvent() {
  if (event_.id.empty() || event_.name().empty()) return false;
  out_.events.push_back(event_);
  return true;
}

}  // namespace

std::optional<ScannedRequest> ScanRequestBody(std::string_view body) {
  return Scanner(body).Run();
}

}  // namespace fake_capi
}  // namespace outbox
