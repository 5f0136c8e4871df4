#include <string_view>

#include "outbox/dedup_key.h"
#include "tests/fuzz/fuzz_targets.h"

namespace outbox::fuzz {

int FuzzDedupKey(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  StatusOr<DedupKey> parsed = DedupKey::Parse(text);
  if (parsed.ok()) {
    StatusOr<DedupKey> again = DedupKey::Parse(parsed->ToString());
    FUZZ_CHECK(again.ok(), "ToString() does not parse: " + parsed->ToString());
    FUZZ_CHECK(*again == *parsed, "Parse(ToString()) is another key");
  }
  // Any bytes as components: '\0' separates them, so '/' and '%' are fair.
  size_t a = text.find('\0');
  size_t b = a == std::string_view::npos ? a : text.find('\0', a + 1);
  if (b == std::string_view::npos) return 0;
  StatusOr<DedupKey> created =
      DedupKey::Create(std::string(text.substr(0, a)),
                       std::string(text.substr(a + 1, b - a - 1)),
                       std::string(text.substr(b + 1)));
  if (!created.ok()) return 0;
  StatusOr<DedupKey> back = DedupKey::Parse(created->ToString());
  FUZZ_CHECK(back.ok(), "ToString() of a created key does not parse");
  FUZZ_CHECK(*back == *created, "created key does not round-trip");
  return 0;
}

}  // namespace outbox::fuzz
