// The hashing of raw personal data and the checks of an event's `user`.
// No message here may quote a value: all of it is personal data.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "outbox/src/pii.h"
#include "outbox/src/validation.h"
#include "outbox/src/validation_internal.h"

namespace outbox {
namespace validation_internal {
namespace {

using StringList = std::vector<std::string>;

struct HashedField {
  StringList UserData::*raw;
  StringList UserData::*hashed;
  const char* raw_path;
  const char* hashed_path;
  StatusOr<std::string> (*normalize)(std::string_view);
};

const HashedField kHashedFields[] = {
    {&UserData::emails, &UserData::emails_sha256, "user.emails",
     "user.emails_sha256", &NormalizeEmail},
    {&UserData::phone_numbers, &UserData::phone_numbers_sha256,
     "user.phone_numbers", "user.phone_numbers_sha256", &NormalizePhoneNumber},
    {&UserData::external_ids, &UserData::external_ids_sha256,
     "user.external_ids", "user.external_ids_sha256", &NormalizeExternalId},
    {&UserData::first_names, &UserData::first_names_sha256, "user.first_names",
     "user.first_names_sha256", &NormalizeName},
    {&UserData::last_names, &UserData::last_names_sha256, "user.last_names",
     "user.last_names_sha256", &NormalizeName},
};

bool HasControlCharacter(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

// Returns the hash of `raw` normalised, or reports why there is none.
std::optional<std::string> HashOne(const HashedField& field,
                                   std::string_view raw,
                                   const std::string& path,
                                   EventErrors* errors) {
  if (raw.size() > kMaxStringBytes) {
    errors->Add(path, std::to_string(raw.size()) +
                          " bytes, more than the limit of " +
                          std::to_string(kMaxStringBytes));
    return std::nullopt;
  }
  StatusOr<std::string> normalized = field.normalize(raw);
  if (!normalized.ok()) {
    errors->Add(path, normalized.status().message());
    return std::nullopt;
  }
  // Trimming and name rules remove tabs and line breaks; what control
  // characters survive normalisation mark a garbled value.
  if (HasControlCharacter(*normalized)) {
    errors->Add(path, "contains a control character; remove it");
    return std::nullopt;
  }
  return Sha256Hex(*normalized);
}

void RemoveDuplicates(StringList* list) {
  std::unordered_set<std::string> seen;
  StringList unique;
  unique.reserve(list->size());
  for (std::string& value : *list) {
    if (seen.insert(value).second) unique.push_back(std::move(value));
  }
  *list = std::move(unique);
}

void CheckListSize(const char* path, const StringList& list,
                   EventErrors* errors) {
  if (list.size() > kMaxListValues) {
    errors->Add(path, std::to_string(list.size()) + " values; at most " +
                          std::to_string(kMaxListValues));
  }
}

void CheckHashedList(const HashedField& field, const UserData& user,
                     EventErrors* errors) {
  const StringList& hashed = user.*field.hashed;
  CheckListSize(field.hashed_path, hashed, errors);
  for (size_t i = 0; i < hashed.size(); ++i) {
    if (!IsSha256Hex(hashed[i])) {
      errors->Add(Indexed(field.hashed_path, i),
                  std::string("not a SHA-256 digest (64 lowercase hex "
                              "characters); give raw values in ") +
                      field.raw_path + " to have them hashed");
    }
  }
}

// Accepts two ASCII letters and upper-cases them, since the API expects the
// upper-case ISO 3166-1 form.
bool NormalizeCountry(std::string* country) {
  if (country->size() != 2) return false;
  for (char& c : *country) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

void CheckCountries(StringList* countries, EventErrors* errors) {
  CheckListSize("user.countries", *countries, errors);
  for (size_t i = 0; i < countries->size(); ++i) {
    if (!NormalizeCountry(&(*countries)[i])) {
      errors->Add(Indexed("user.countries", i),
                  "not an ISO 3166-1 alpha-2 code (two letters, e.g. \"US\")");
    }
  }
}

void CheckPlainList(const char* path, const StringList& list,
                    EventErrors* errors) {
  CheckListSize(path, list, errors);
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].empty()) {
      errors->Add(Indexed(path, i), "empty; omit it instead");
    } else {
      CheckText(Indexed(path, i), list[i], kMaxStringBytes, errors);
    }
  }
}

bool IsIpAddress(const std::string& text) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

void CheckIpAddress(const std::string& ip, EventErrors* errors) {
  if (ip.empty()) return;
  // c_str() would stop at an embedded NUL and accept the prefix.
  if (ip.find('\0') != std::string::npos || !IsIpAddress(ip)) {
    errors->Add("user.ip_address",
                "not a valid IPv4 or IPv6 address (e.g. 203.0.113.7 or "
                "2001:db8::1)");
  }
}

}  // namespace

void HashRawUserData(UserData* user, EventErrors* errors) {
  for (const HashedField& field : kHashedFields) {
    StringList& raw = user->*field.raw;
    StringList& hashed = user->*field.hashed;
    for (size_t i = 0; i < raw.size(); ++i) {
      std::optional<std::string> hash =
          HashOne(field, raw[i], Indexed(field.raw_path, i), errors);
      if (hash) hashed.push_back(std::move(*hash));
    }
    // Swap with an empty list so the raw values' storage is released too.
    StringList().swap(raw);
    RemoveDuplicates(&hashed);
  }
}

void CheckUserData(UserData* user, EventErrors* errors) {
  for (const HashedField& field : kHashedFields) {
    CheckHashedList(field, *user, errors);
  }
  CheckCountries(&user->countries, errors);
  CheckPlainList("user.cities", user->cities, errors);
  CheckPlainList("user.regions", user->regions, errors);
  CheckPlainList("user.postal_codes", user->postal_codes, errors);
  CheckText("user.obref", user->obref, kMaxStringBytes, errors);
  CheckIpAddress(user->ip_address, errors);
  CheckText("user.user_agent", user->user_agent, kMaxStringBytes, errors);
  CheckText("user.android_advertising_id", user->android_advertising_id,
            kMaxStringBytes, errors);
}

}  // namespace validation_internal
}  // namespace outbox
