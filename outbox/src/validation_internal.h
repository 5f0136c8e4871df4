// Pieces shared by validation.cc, validation_data.cc and validation_user.cc.
// The contract is validation.h's; nothing here is part of any public API.
#ifndef OUTBOX_SRC_VALIDATION_INTERNAL_H_
#define OUTBOX_SRC_VALIDATION_INTERNAL_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/event.h"

namespace outbox {
namespace validation_internal {

// Collects the messages about one event, each formatted
// "events[<index>].<path>: <what>". Messages must not contain personal data.
class EventErrors {
 public:
  EventErrors(size_t index, std::vector<std::string>* out);

  void Add(std::string_view path, std::string_view what);

  // How many messages this event has produced so far.
  size_t count() const { return count_; }

 private:
  std::string prefix_;
  std::vector<std::string>* out_;
  size_t count_ = 0;
};

// Returns "<path>[<i>]".
std::string Indexed(std::string_view path, size_t i);

// Returns `value` in double quotes for a message: cut to about 40 bytes,
// with control, quote, backslash and non-ASCII bytes escaped as \xNN.
// Only for values that are not personal data (type names, currencies).
std::string Quote(std::string_view value);

// Returns what is wrong with a free-text field, or an empty string when it is
// valid UTF-8 without control characters (C0, DEL) and at most `max_bytes`
// long. An empty value is fine here: callers decide whether it is required.
std::string TextProblem(std::string_view value, size_t max_bytes);

// Adds TextProblem(value, max_bytes), if any, at `path`.
void CheckText(std::string_view path, std::string_view value, size_t max_bytes,
               EventErrors* errors);

// Returns the data.type a standard event `type` requires ("custom" for
// "custom"), or an empty view when `type` is not a known name.
std::string_view DataTypeForEventType(std::string_view type);

// Moves the raw personal data of `user` into the *_sha256 lists (normalised,
// hashed, de-duplicated keeping first occurrences) and clears the raw lists,
// reporting values that do not normalise.
void HashRawUserData(UserData* user, EventErrors* errors);

// Checks the user data after hashing; upper-cases valid country codes.
void CheckUserData(UserData* user, EventErrors* errors);

// Checks `event.data` against the event's type.
void CheckEventData(const Event& event, EventErrors* errors);

}  // namespace validation_internal
}  // namespace outbox

#endif  // OUTBOX_SRC_VALIDATION_INTERNAL_H_
