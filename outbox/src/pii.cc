#include "outbox/src/pii.h"

#include <openssl/evp.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <climits>
#include <cstdlib>

namespace outbox {
namespace {

constexpr size_t kMinPhoneDigits = 8;
constexpr size_t kMaxPhoneDigits = 15;
constexpr std::string_view kAsciiPunctuation =
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

// Calls fn(code_point, begin, end) for each code point of `s`, where
// [begin, end) are its byte offsets. Requires IsValidUtf8(s).
template <typename Fn>
void ForEachCodePoint(std::string_view s, Fn fn) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto length = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < length) {
    const int32_t begin = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    fn(static_cast<char32_t>(c), static_cast<size_t>(begin),
       static_cast<size_t>(i));
  }
}

std::string_view TrimJsWhitespace(std::string_view s) {
  size_t begin = s.size();
  size_t end = 0;
  ForEachCodePoint(s, [&](char32_t c, size_t b, size_t e) {
    if (IsJsWhitespace(c)) return;
    if (begin == s.size()) begin = b;
    end = e;
  });
  return begin < end ? s.substr(begin, end - begin) : std::string_view();
}

// The root locale gives JavaScript's locale-independent toLowerCase (full
// mappings, Final_Sigma); the process default locale could be Turkish or
// Lithuanian and change the result, and with it the hash.
std::string ToLowerLikeJs(std::string_view s) {
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  text.toLower(icu::Locale::getRoot());
  std::string out;
  text.toUTF8String(out);
  return out;
}

bool IsAsciiPunctuation(char32_t c) {
  return c < 0x80 &&
         kAsciiPunctuation.find(static_cast<char>(c)) != std::string_view::npos;
}

Status NotUtf8() { return Status::InvalidArgument("not valid UTF-8"); }

}  // namespace

bool IsValidUtf8(std::string_view s) {
  if (s.size() > static_cast<size_t>(INT32_MAX)) return false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto length = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

bool IsJsWhitespace(char32_t c) {
  if (c == 0xFEFF) return true;
  return c != 0x85 && u_isUWhiteSpace(static_cast<UChar32>(c));
}

StatusOr<std::string> NormalizeEmail(std::string_view raw) {
  if (!IsValidUtf8(raw)) return NotUtf8();
  std::string_view trimmed = TrimJsWhitespace(raw);
  if (trimmed.empty()) {
    return Status::InvalidArgument("empty after trimming white space");
  }
  return ToLowerLikeJs(trimmed);
}

StatusOr<std::string> NormalizePhoneNumber(std::string_view raw) {
  if (!IsValidUtf8(raw)) return NotUtf8();
  // Only ASCII digits count, as with the pixel's /\D/ (which is not Unicode
  // aware): other scripts' digits are removed like any other non-digit.
  std::string digits;
  for (char c : raw) {
    if (c < '0' || c > '9') continue;
    if (c == '0' && digits.empty()) continue;
    digits.push_back(c);
  }
  if (digits.size() < kMinPhoneDigits || digits.size() > kMaxPhoneDigits) {
    return Status::InvalidArgument(
        std::to_string(digits.size()) +
        " digits remain after removing non-digits and leading zeros; " +
        std::to_string(kMinPhoneDigits) + " to " +
        std::to_string(kMaxPhoneDigits) +
        " are required (country code and national number)");
  }
  return digits;
}

StatusOr<std::string> NormalizeExternalId(std::string_view raw) {
  if (!IsValidUtf8(raw)) return NotUtf8();
  std::string_view trimmed = TrimJsWhitespace(raw);
  if (trimmed.empty()) {
    return Status::InvalidArgument("empty after trimming white space");
  }
  return std::string(trimmed);
}

StatusOr<std::string> NormalizeName(std::string_view raw) {
  if (!IsValidUtf8(raw)) return NotUtf8();
  // Lowercase before removing spaces: Final_Sigma depends on the word
  // boundary the space marks ("ΟΔΥΣ ΠΑ" -> "οδυςπα", as the pixel does).
  const std::string lower = ToLowerLikeJs(raw);
  std::string out;
  out.reserve(lower.size());
  ForEachCodePoint(lower, [&](char32_t c, size_t begin, size_t end) {
    if (IsJsWhitespace(c) || IsAsciiPunctuation(c)) return;
    out.append(lower, begin, end - begin);
  });
  if (out.empty()) {
    return Status::InvalidArgument(
        "empty after removing white space and punctuation");
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &digest_len, EVP_sha256(),
                 nullptr) != 1 ||
      digest_len != 32) {
    // Only a broken libcrypto gets here; hashing personal data must not
    // silently degrade, so stop.
    std::abort();
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out(2 * digest_len, '0');
  for (unsigned int i = 0; i < digest_len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return out;
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace outbox
