// Normalisation and hashing of personal data, so raw values never reach disk.
//
// The rules are the Conversions API's (and the browser pixel's), so that the
// server's hashes match the pixel's for the same person:
//   email        trim, lowercase
//   phone        keep ASCII digits only, drop leading zeros; 8-15 must remain
//   external id  trim; case preserved
//   first/last   lowercase (Unicode-aware, like JavaScript's toLowerCase),
//   name         remove all whitespace and ASCII punctuation
// White space, for trimming and for names, is JavaScript's (IsJsWhitespace).
// A value that is not valid UTF-8, or that normalises to the empty string, is
// an error: the hash of an empty string is never produced.
//
// Error messages never contain the value itself (it is personal data).
#ifndef OUTBOX_SRC_PII_H_
#define OUTBOX_SRC_PII_H_

#include <string>
#include <string_view>

#include "outbox/status.h"

namespace outbox {

StatusOr<std::string> NormalizeEmail(std::string_view raw);
StatusOr<std::string> NormalizePhoneNumber(std::string_view raw);
StatusOr<std::string> NormalizeExternalId(std::string_view raw);
StatusOr<std::string> NormalizeName(std::string_view raw);

// Returns the lowercase hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(std::string_view bytes);

// True when `s` is 64 lowercase hex characters.
bool IsSha256Hex(std::string_view s);

// True when `s` is well-formed UTF-8: no overlong forms, no surrogates, no
// code points above U+10FFFF, no truncated sequences.
bool IsValidUtf8(std::string_view s);

// True for the code points JavaScript's trim() and /\s/ treat as white space:
// Unicode White_Space except U+0085, plus U+FEFF.
bool IsJsWhitespace(char32_t c);

}  // namespace outbox

#endif  // OUTBOX_SRC_PII_H_
