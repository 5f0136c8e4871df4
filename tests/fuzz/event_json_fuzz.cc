#include <string_view>

#include "outbox/src/event_json.h"
#include "outbox/src/validation.h"
#include "tests/fuzz/fuzz_targets.h"

namespace outbox::fuzz {
namespace {

// A fixed "now" (2026-11-29T12:00:00Z) near the corpus' timestamps, so the
// fuzzer reaches the rules past the 7-day window.
constexpr int64_t kNowMs = 1795953600000;

std::string Encode(const Event& event) {
  std::string json;
  AppendEventJson(event, &json);
  return json;
}

std::string Joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const std::string& e : errors) out += e + "; ";
  return out;
}

}  // namespace

int FuzzEventJson(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  ParseRequestBody(json, "px_fuzz").status().IgnoreError();
  StatusOr<Event> parsed = ParseEventJson(json, "px_fuzz");
  if (!parsed.ok()) return 0;
  Event event = std::move(*parsed);
  const ValidationContext ctx{kNowMs, 0};
  std::vector<std::string> errors;
  if (!PrepareEvent(&event, 0, ctx, &errors)) return 0;

  const std::string encoded = Encode(event);
  std::string reference;
  internal::AppendEventJsonWithRapidJson(event, &reference);
  FUZZ_CHECK(encoded == reference,
             "encoders disagree:\n" + encoded + "\n" + reference);
  StatusOr<Event> reparsed = ParseEventJson(encoded, "px_fuzz");
  FUZZ_CHECK(reparsed.ok(), "stored JSON does not parse: " +
                                reparsed.status().ToString() + "\n" + encoded);
  FUZZ_CHECK(Encode(*reparsed) == encoded, "parse/encode changed the bytes");
  // What is stored validates again, unchanged: Prepare is idempotent.
  Event twice = std::move(*reparsed);
  errors.clear();
  FUZZ_CHECK(PrepareEvent(&twice, 0, ctx, &errors),
             "a prepared event fails validation: " + Joined(errors));
  FUZZ_CHECK(Encode(twice) == encoded, "PrepareEvent changed a prepared event");
  return 0;
}

}  // namespace outbox::fuzz
