#include "outbox/src/pii.h"

#include <unicode/locid.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <string_view>

namespace outbox {
namespace {

namespace data = boost::unit_test::data;

// Expected values come from node (String.prototype.trim/toLowerCase, /\D/,
// crypto sha256) and were cross-checked with python3 hashlib.
struct Vector {
  const char* raw;
  const char* normalized;
  const char* sha256;
};

std::ostream& operator<<(std::ostream& os, const Vector& v) {
  return os << "expect \"" << v.normalized << "\"";
}

const Vector kEmails[] = {
    {"  John.Doe@Example.COM \n", "john.doe@example.com",
     "836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f"},
    {"\u00a0ÉLODIE@Exemple.FR\ufeff", "élodie@exemple.fr",
     "f34116fa1fa2ab3840367c97ac2fc11e9e811bc3c424a1361abfc3d719c18e8c"},
    // JavaScript's trim() keeps U+0085 (NEL), which Unicode calls white space.
    {"\u0085A@B.CO", "\u0085a@b.co",
     "e6ab9ddd2c0f305f7b46c608a765db7f3a0c60d6699aa82ee69c4c5a55b9d87f"},
    {"İ@X.TR", "i\u0307@x.tr",
     "21b38edf4691ed13a7a4141d81a7afcf2338d4068c69657560485d5a3587b52e"},
    {"\u3000STRASSE@Straße.de\u2029", "strasse@straße.de",
     "b58a59fa569e8f52563e16a867457dd83ed5cbbb9e86f877bf00041cb37a880f"},
};

const Vector kNames[] = {
    {"ÉLODIE", "élodie",
     "36bac2631d17463d569eaf1b869e7bf8d40e4636fd8b2b778ee93f504baf6691"},
    {"Jean-Pierre", "jeanpierre",
     "fbcc8fa66b9a007dc3649ee989950d38f12ed91b9f18a3d215b04ff77546dca0"},
    {"O'Brien", "obrien",
     "b4cb6cb33fe4b865868de825023a1e2790dc12ac01ecc8d7c5afe8254071c8ba"},
    {"STRASSE", "strasse",
     "16d96952087774fee069b7585d3991b24d90c181c09b2129b4908c35baa7f0c0"},
    {"Straße", "straße",
     "787f4770613d3824cbc89b6d5da90a123e41b07b90b45ea3738c216b14616140"},
    {"ΟΔΥΣΣΕΥΣ", "οδυσσευς",
     "3c70e8e70fb6820b6ae6de04be9249923ba46e8aaa0f6ecfae7a1ee8880f574d"},
    {"ΟΔΥΣΣΕΥΣ ΠΑΠΑΣ", "οδυσσευςπαπας",
     "34cc4eb941322c3ac0537a20a37c97d0cb774bae2e965a871bda57d45eb2aeda"},
    {"AΣ1", "aς1",
     "35a2dad9cde82b36ad2b0f44998d9a82362ff160df6011123051cbe94b809724"},
    {"  Mary\u3000Ann\t", "maryann",
     "16b3f07f0ec2f9dd127b71dc2e6c791b7d93116a1c3bc99d057eaa7a8a077e73"},
    {"İLKAY", "i\u0307lkay",
     "b4d5b0e830c7b9996c52c8b9620468537d42dff131ab5bc4f4dd7a11409e1dc9"},
    {"José María", "josémaría",
     "a6a9049d39c4dd1cc332a44c64da6e6ce99e4ddbc1e9b6595e7f7bad60ef5ef6"},
    {"张伟", "张伟",
     "a3a0bafd0beed44d93517e3bc1458f5645571c3295fb8a9050e2ec7cb73e2819"},
    {"ǅemal", "ǆemal",
     "4c7bda2afea428bbf00999384b79c3e0bd817dccf87785cfa44c7158b3503eda"},
    {"Dr. (J.) Smith_Jr~!", "drjsmithjr",
     "351ce6be5001ccc8bbc478f946fa41429975f063ca63db85a30b00517d774047"},
    {"Ñúñez\u00a0Ávila", "ñúñezávila",
     "0e090c3d9c240f0d773e8efb4a8825bd4c15945b34c615d463941edc72aa70e0"},
};

const Vector kPhoneNumbers[] = {
    {"+1 (555) 123-4567", "15551234567",
     "d6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a"},
    {"0044 20 7946 0958", "442079460958",
     "35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823"},
    {"00000012345678", "12345678",
     "ef797c8118f02dfb649607dd5d3f8c7623048c9c063d532cc95c5ed7a898a64f"},
    {"+44\u00a0(0)20 7946-0958", "4402079460958",
     "40f19965b0d0ebba641dbd9309c3ac18542d9ad976c47f8d35347daea67ee2c2"},
    {"123456789012345", "123456789012345",
     "e27a7686b8028cfee7b57d954c3abccfb2a701968925f52bbd482e77be5de0bb"},
};

const Vector kExternalIds[] = {
    {"  AbC-123 ", "AbC-123",
     "734126b5d56fefe9753d8e55b6534e9a5b0a068913ead589893a2ae922ae6ecf"},
    {"\u2003id\u2028", "id",
     "a56145270ce6b3bebd1dd012b73948677dd618d496488bc608a3cb43ce3547dd"},
    {"User 42", "User 42",
     "d4e6077439e51c52bfc67ad59a5107cc0b544b0c1b0a5f98103a5706a14f7fd1"},
    {"\ufeffX\u00a0", "X",
     "4b68ab3847feda7d6c62c1fbcbeebfa35eab7351ed5e78f4ddadea5df64b8015"},
};

using Normalizer = StatusOr<std::string> (*)(std::string_view);

struct NamedNormalizer {
  const char* name;
  Normalizer fn;
};

std::ostream& operator<<(std::ostream& os, const NamedNormalizer& n) {
  return os << n.name;
}

const NamedNormalizer kNormalizers[] = {
    {"email", &NormalizeEmail},
    {"phone", &NormalizePhoneNumber},
    {"external_id", &NormalizeExternalId},
    {"name", &NormalizeName},
};

// Ill-formed UTF-8: truncated, stray continuation, overlong, surrogate, above
// U+10FFFF, and a byte that never occurs. Each with enough digits to make a
// phone number otherwise.
const char* const kInvalidUtf8[] = {
    "12345678 \xC3",         "12345678 \x80",
    "12345678 \xC0\xAF",     "12345678 \xE0\x80\xAF",
    "12345678 \xED\xA0\x80", "12345678 \xF4\x90\x80\x80",
    "12345678 \xFF",         "12345678 \xE2\x82",
};

struct Rejection {
  Normalizer fn;
  const char* raw;
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const Rejection& r) {
  return os << "expect \"" << r.message << "\"";
}

const Rejection kRejections[] = {
    {&NormalizeEmail, "", "empty after trimming white space"},
    {&NormalizeEmail, " \t\u3000\ufeff\n", "empty after trimming white space"},
    {&NormalizeExternalId, "\u00a0\u2028", "empty after trimming white space"},
    {&NormalizeName, "", "empty after removing white space and punctuation"},
    {&NormalizeName, " -'. ",
     "empty after removing white space and punctuation"},
    {&NormalizePhoneNumber, "", "0 digits remain"},
    {&NormalizePhoneNumber, "call me", "0 digits remain"},
    {&NormalizePhoneNumber, "+1 555 012", "7 digits remain"},
    {&NormalizePhoneNumber, "000 1234567", "7 digits remain"},
    {&NormalizePhoneNumber, "+1234567890123456", "16 digits remain"},
    // Only ASCII digits count, as with the pixel's /\D/.
    {&NormalizePhoneNumber, "+٤٤٢٠٧٩٤٦٠٩٥٨", "0 digits remain"},
};

BOOST_AUTO_TEST_SUITE(PiiTest)

void CheckVector(Normalizer fn, const Vector& v) {
  StatusOr<std::string> normalized = fn(v.raw);
  BOOST_REQUIRE_MESSAGE(normalized.ok(), normalized.status().ToString());
  BOOST_TEST(*normalized == v.normalized);
  BOOST_TEST(Sha256Hex(*normalized) == v.sha256);
}

BOOST_DATA_TEST_CASE(NormalizesEmailsLikeJavaScript, data::make(kEmails), v) {
  CheckVector(&NormalizeEmail, v);
}

BOOST_DATA_TEST_CASE(NormalizesNamesLikeJavaScript, data::make(kNames), v) {
  CheckVector(&NormalizeName, v);
}

BOOST_DATA_TEST_CASE(NormalizesPhoneNumbersToDigits, data::make(kPhoneNumbers),
                     v) {
  CheckVector(&NormalizePhoneNumber, v);
}

BOOST_DATA_TEST_CASE(TrimsExternalIdsKeepingCase, data::make(kExternalIds), v) {
  CheckVector(&NormalizeExternalId, v);
}

BOOST_DATA_TEST_CASE(RejectsValuesThatDoNotNormalize, data::make(kRejections),
                     r) {
  StatusOr<std::string> result = r.fn(r.raw);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(StatusCodeName(result.status().code()) ==
             std::string("INVALID_ARGUMENT"));
  BOOST_TEST(result.status().message().find(r.message) != std::string::npos,
             result.status().message());
}

BOOST_DATA_TEST_CASE(RejectsInvalidUtf8WithoutQuotingIt,
                     data::make(kNormalizers) * data::make(kInvalidUtf8),
                     normalizer, raw) {
  StatusOr<std::string> result = normalizer.fn(raw);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(StatusCodeName(result.status().code()) ==
             std::string("INVALID_ARGUMENT"));
  BOOST_TEST(result.status().message() == "not valid UTF-8");
}

BOOST_DATA_TEST_CASE(NeverQuotesTheValueInMessages, data::make(kNormalizers),
                     normalizer) {
  for (const char* raw : {"Jane-Secret 555", "\u00a0", "?!", "+44 7911"}) {
    StatusOr<std::string> result = normalizer.fn(raw);
    if (result.ok()) continue;
    const std::string& message = result.status().message();
    BOOST_TEST(message.find("Secret") == std::string::npos, message);
    BOOST_TEST(message.find("7911") == std::string::npos, message);
    BOOST_TEST(message.find("?!") == std::string::npos, message);
  }
}

BOOST_AUTO_TEST_CASE(LowercasesNamesIgnoringTheProcessLocale) {
  // Under a Turkish default locale "I" would lowercase to dotless "ı"; the
  // pixel's toLowerCase() never does that.
  const icu::Locale previous = icu::Locale::getDefault();
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale::setDefault(icu::Locale("tr", "TR"), status);
  BOOST_REQUIRE(U_SUCCESS(status));
  StatusOr<std::string> name = NormalizeName("ILKAY");
  StatusOr<std::string> email = NormalizeEmail("IRMAK@X.TR");
  icu::Locale::setDefault(previous, status);
  BOOST_REQUIRE(name.ok());
  BOOST_REQUIRE(email.ok());
  BOOST_TEST(*name == "ilkay");
  BOOST_TEST(*email == "irmak@x.tr");
}

BOOST_AUTO_TEST_CASE(HashesKnownSha256Vectors) {
  BOOST_TEST(
      Sha256Hex("") ==
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(
      Sha256Hex("abc") ==
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Bytes after a NUL count.
  BOOST_TEST(
      Sha256Hex(std::string("a\0b", 3)) ==
      "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
}

struct HexCase {
  const char* text;
  bool valid;
};

std::ostream& operator<<(std::ostream& os, const HexCase& c) {
  return os << '"' << c.text << '"';
}

const HexCase kHexCases[] = {
    {"836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f", true},
    {"836F82DB99121B3481011F16B49DFA5FBC714A0D1B1B9F784A1EBBBF5B39577F", false},
    {"836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577", false},
    {"836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f0",
     false},
    {"836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577g", false},
    {"jane@example.com", false},
    {"", false},
};

BOOST_DATA_TEST_CASE(RecognisesSha256Hex, data::make(kHexCases), c) {
  BOOST_TEST(IsSha256Hex(c.text) == c.valid);
}

struct Utf8Case {
  std::string_view text;
  bool valid;
};

std::ostream& operator<<(std::ostream& os, const Utf8Case& c) {
  return os << c.text.size() << " bytes, valid=" << c.valid;
}

const Utf8Case kUtf8Cases[] = {
    {"", true},
    {"plain ascii", true},
    {"élodie 张伟 😀", true},
    {"\xF4\x8F\xBF\xBF", true},  // U+10FFFF
    {std::string_view("nul\0inside", 10), true},
    {"\xC3", false},
    {"\x80", false},
    {"\xC0\xAF", false},
    {"\xE0\x80\xAF", false},
    {"\xED\xA0\x80", false},
    {"\xF4\x90\x80\x80", false},
    {"\xFE", false},
};

BOOST_DATA_TEST_CASE(RecognisesWellFormedUtf8, data::make(kUtf8Cases), c) {
  BOOST_TEST(IsValidUtf8(c.text) == c.valid);
}

BOOST_AUTO_TEST_CASE(TreatsExactlyJavaScriptWhitespaceAsWhitespace) {
  // The set node reports for /\s/ and trim().
  const char32_t kJsWhitespace[] = {
      0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0xA0,   0x1680, 0x2000,
      0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
      0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF};
  size_t count = 0;
  for (char32_t c = 0; c < 0x110000; ++c) {
    if (IsJsWhitespace(c)) ++count;
  }
  BOOST_TEST(count == std::size(kJsWhitespace));
  for (char32_t c : kJsWhitespace) {
    BOOST_TEST(IsJsWhitespace(c), "U+" << std::hex << uint32_t{c});
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
