#include <string.h>
#include <strings.h>

#include "outbox/record.h"

namespace outbox {

const char* StateName(State state) {
  switch (state) {
    case State::kPending: return "PENDING";
    case State::kInFlight: return "IN_FLIGHT";
    case State::kDelivered: return "DELIVERED";
    case State::kDead: return "DEAD";
    case State::kExpired: return "EXPIRED";
  }
  return "UNKNOWN";
}

bool ParseState(std::string_view name, State* state) {
  for (State s : {State::kPending, State::kInFlight, State::kDelivered,
                  State::kDead, State::kExpired}) {
    const char* n = StateName(s);
    if (name.size() == strlen(n) &&
        strncasecmp(name.data(), n, name.size()) == 0) {
      *state = s;
      return true;
    }
  }
  return false;
}

}  // namespace outbox
