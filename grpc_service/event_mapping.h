// Field-by-field mapping between the outbox.v1 messages and the core's types.
//
// The only place that knows both schemas: when either side gains a field,
// this file and event_mapping.cc are the ones to edit. The mapping is pure
// translation; every rule about what is valid lives in the core.
//
// Thread-safety: free functions without shared state.
#ifndef OUTBOX_GRPC_SERVICE_EVENT_MAPPING_H_
#define OUTBOX_GRPC_SERVICE_EVENT_MAPPING_H_

#include <optional>
#include <string>
#include <vector>

#include "outbox/dedup_key.h"
#include "outbox/event.h"
#include "outbox/record.h"
#include "outbox/status.h"
#include "outbox/v1/outbox.pb.h"

namespace outbox::grpc_service {

// Returns the core event for `proto`. proto3's `opt_out = false` cannot be
// told from "not set", so it maps to an unset opt_out.
Event EventFromProto(const v1::ConversionEvent& proto);

// Returns the core events of `request`, same order.
std::vector<Event> EventsFromProto(const v1::EnqueueRequest& request);

// Writes `event` into `proto` (raw personal-data lists included; stored
// events never have any).
void EventToProto(const Event& event, v1::ConversionEvent* proto);

void KeyToProto(const DedupKey& key, v1::DedupKey* proto);

// Returns the validated key of `proto`; INVALID_ARGUMENT prefixed with
// `field` (e.g. "keys[3].pixel_id: ...") when a component is bad.
StatusOr<DedupKey> KeyFromProto(const v1::DedupKey& proto,
                                const std::string& field);

v1::State StateToProto(State state);
// Returns nullopt for STATE_UNSPECIFIED (meaning "any state") and for
// numbers this build does not know.
std::optional<State> StateFromProto(v1::State state);

// Writes `record` into `proto`. The stored event JSON is parsed back into
// `proto->event`; if it cannot be (it always can, unless retention dropped
// it), `event` stays absent and `event_json` still carries the bytes.
void RecordToProto(const Record& record, v1::EventRecord* proto);

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_EVENT_MAPPING_H_
