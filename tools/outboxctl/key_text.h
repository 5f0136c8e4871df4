// Parses the printable dedup key "PIXEL/EVENT_NAME/ID" (each part
// percent-encoded, as outboxd lists it) into its proto form.
#ifndef OUTBOX_TOOLS_OUTBOXCTL_KEY_TEXT_H_
#define OUTBOX_TOOLS_OUTBOXCTL_KEY_TEXT_H_

#include <string>
#include <string_view>

#include "outbox/v1/outbox.pb.h"

namespace outbox::ctl {

// Fills `*key` from `text`. Returns false, with `*error` saying why, when the
// text does not have exactly three non-empty, well-encoded parts.
bool ParseKeyText(std::string_view text, v1::DedupKey* key, std::string* error);

}  // namespace outbox::ctl

#endif  // OUTBOX_TOOLS_OUTBOXCTL_KEY_TEXT_H_
