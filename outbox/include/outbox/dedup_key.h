// DedupKey: the identity under which the Conversions API deduplicates an event
// and under which the outbox stores it: (pixel id, event name, id), where the
// event name is the event's `type`, or its `custom_event_name` when `type` is
// "custom".
//
// A DedupKey is a validated value type: every instance holds three non-empty
// components within the size limits below.
//
// Its printable form, "PIXEL/EVENT_NAME/ID", is unambiguous for any bytes in
// the components: each component is percent-encoded, every byte outside
// [A-Za-z0-9._~-] becoming %XX (upper-case hex). Operators can copy it from
// any listing and type it back into the CLI; Parse() inverts ToString().
//
// Thread-safety: immutable value; safe to share.
#ifndef OUTBOX_DEDUP_KEY_H_
#define OUTBOX_DEDUP_KEY_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "outbox/event.h"
#include "outbox/status.h"

namespace outbox {

inline constexpr size_t kMaxPixelIdBytes = 128;
inline constexpr size_t kMaxEventNameBytes = 64;
inline constexpr size_t kMaxEventIdBytes = 512;

class DedupKey {
 public:
  // Returns the key for the three components, or INVALID_ARGUMENT naming the
  // component that is empty or too long.
  static StatusOr<DedupKey> Create(std::string pixel_id, std::string event_name,
                                   std::string id);

  // Returns the key of `event` (pixel_id, type or custom_event_name, id).
  // Does not validate the rest of the event.
  static StatusOr<DedupKey> ForEvent(const Event& event);

  // Parses the printable form produced by ToString(). INVALID_ARGUMENT when
  // the text does not have exactly three '/'-separated, well-encoded parts.
  static StatusOr<DedupKey> Parse(std::string_view text);

  const std::string& pixel_id() const { return pixel_id_; }
  const std::string& event_name() const { return event_name_; }
  const std::string& id() const { return id_; }

  // The printable form "PIXEL/EVENT_NAME/ID" described above.
  std::string ToString() const;

  friend bool operator==(const DedupKey& a, const DedupKey& b) {
    return a.pixel_id_ == b.pixel_id_ && a.event_name_ == b.event_name_ &&
           a.id_ == b.id_;
  }
  friend bool operator!=(const DedupKey& a, const DedupKey& b) {
    return !(a == b);
  }
  friend bool operator<(const DedupKey& a, const DedupKey& b);

 private:
  DedupKey(std::string pixel_id, std::string event_name, std::string id)
      : pixel_id_(std::move(pixel_id)),
        event_name_(std::move(event_name)),
        id_(std::move(id)) {}

  std::string pixel_id_;
  std::string event_name_;
  std::string id_;
};

}  // namespace outbox

#endif  // OUTBOX_DEDUP_KEY_H_
