#include "grpc_service/event_mapping.h"

#include <utility>

#include "outbox/src/event_json.h"

namespace outbox::grpc_service {
namespace {

using StringList = google::protobuf::RepeatedPtrField<std::string>;

std::vector<std::string> ToVector(const StringList& list) {
  return {list.begin(), list.end()};
}

void ToList(const std::vector<std::string>& values, StringList* list) {
  list->Reserve(static_cast<int>(values.size()));
  for (const std::string& v : values) list->Add(std::string(v));
}

UserData UserFromProto(const v1::UserData& p) {
  UserData u;
  u.emails_sha256 = ToVector(p.emails_sha256());
  u.phone_numbers_sha256 = ToVector(p.phone_numbers_sha256());
  u.external_ids_sha256 = ToVector(p.external_ids_sha256());
  u.first_names_sha256 = ToVector(p.first_names_sha256());
  u.last_names_sha256 = ToVector(p.last_names_sha256());
  u.countries = ToVector(p.countries());
  u.cities = ToVector(p.cities());
  u.regions = ToVector(p.regions());
  u.postal_codes = ToVector(p.postal_codes());
  u.obref = p.obref();
  u.ip_address = p.ip_address();
  u.user_agent = p.user_agent();
  u.android_advertising_id = p.android_advertising_id();
  u.emails = ToVector(p.emails());
  u.phone_numbers = ToVector(p.phone_numbers());
  u.external_ids = ToVector(p.external_ids());
  u.first_names = ToVector(p.first_names());
  u.last_names = ToVector(p.last_names());
  return u;
}

void UserToProto(const UserData& u, v1::UserData* p) {
  ToList(u.emails_sha256, p->mutable_emails_sha256());
  ToList(u.phone_numbers_sha256, p->mutable_phone_numbers_sha256());
  ToList(u.external_ids_sha256, p->mutable_external_ids_sha256());
  ToList(u.first_names_sha256, p->mutable_first_names_sha256());
  ToList(u.last_names_sha256, p->mutable_last_names_sha256());
  ToList(u.countries, p->mutable_countries());
  ToList(u.cities, p->mutable_cities());
  ToList(u.regions, p->mutable_regions());
  ToList(u.postal_codes, p->mutable_postal_codes());
  p->set_obref(u.obref);
  p->set_ip_address(u.ip_address);
  p->set_user_agent(u.user_agent);
  p->set_android_advertising_id(u.android_advertising_id);
  ToList(u.emails, p->mutable_emails());
  ToList(u.phone_numbers, p->mutable_phone_numbers());
  ToList(u.external_ids, p->mutable_external_ids());
  ToList(u.first_names, p->mutable_first_names());
  ToList(u.last_names, p->mutable_last_names());
}

Content ContentFromProto(const v1::Content& p) {
  Content c;
  c.id = p.id();
  c.group_id = p.group_id();
  c.name = p.name();
  c.content_type = p.content_type();
  if (p.has_quantity()) c.quantity = p.quantity();
  if (p.has_amount()) c.amount = p.amount();
  c.currency = p.currency();
  c.variant_dict.insert(p.variant_dict().begin(), p.variant_dict().end());
  return c;
}

void ContentToProto(const Content& c, v1::Content* p) {
  p->set_id(c.id);
  p->set_group_id(c.group_id);
  p->set_name(c.name);
  p->set_content_type(c.content_type);
  if (c.quantity) p->set_quantity(*c.quantity);
  if (c.amount) p->set_amount(*c.amount);
  p->set_currency(c.currency);
  p->mutable_variant_dict()->insert(c.variant_dict.begin(),
                                    c.variant_dict.end());
}

EventData DataFromProto(const v1::EventData& p) {
  EventData d;
  d.type = p.type();
  if (p.has_amount()) d.amount = p.amount();
  d.currency = p.currency();
  d.plan_id = p.plan_id();
  d.contents.reserve(p.contents_size());
  for (const v1::Content& c : p.contents()) {
    d.contents.push_back(ContentFromProto(c));
  }
  return d;
}

void DataToProto(const EventData& d, v1::EventData* p) {
  p->set_type(d.type);
  if (d.amount) p->set_amount(*d.amount);
  p->set_currency(d.currency);
  p->set_plan_id(d.plan_id);
  for (const Content& c : d.contents) ContentToProto(c, p->add_contents());
}

void AttemptToProto(const Attempt& a, v1::Attempt* p) {
  p->set_started_ms(a.started_ms);
  p->set_duration_ms(a.duration_ms);
  p->set_http_status(a.http_status);
  p->set_transport_error(a.transport_error);
  p->set_body_excerpt(a.body_excerpt);
  p->set_request_id(a.request_id);
  p->set_batch_size(a.batch_size);
}

}  // namespace

Event EventFromProto(const v1::ConversionEvent& p) {
  Event e;
  e.pixel_id = p.pixel_id();
  e.id = p.id();
  e.type = p.type();
  e.custom_event_name = p.custom_event_name();
  e.timestamp_ms = p.timestamp_ms();
  e.action_source = p.action_source();
  e.source_url = p.source_url();
  e.oppref = p.oppref();
  if (p.opt_out()) e.opt_out = true;
  e.user = UserFromProto(p.user());
  e.data = DataFromProto(p.data());
  return e;
}

std::vector<Event> EventsFromProto(const v1::EnqueueRequest& request) {
  std::vector<Event> events;
  events.reserve(request.events_size());
  for (const v1::ConversionEvent& e : request.events()) {
    events.push_back(EventFromProto(e));
  }
  return events;
}

void EventToProto(const Event& e, v1::ConversionEvent* p) {
  p->set_pixel_id(e.pixel_id);
  p->set_id(e.id);
  p->set_type(e.type);
  p->set_custom_event_name(e.custom_event_name);
  p->set_timestamp_ms(e.timestamp_ms);
  p->set_action_source(e.action_source);
  p->set_source_url(e.source_url);
  p->set_oppref(e.oppref);
  p->set_opt_out(e.opt_out.value_or(false));
  UserToProto(e.user, p->mutable_user());
  DataToProto(e.data, p->mutable_data());
}

void KeyToProto(const DedupKey& key, v1::DedupKey* proto) {
  proto->set_pixel_id(key.pixel_id());
  proto->set_event_name(key.event_name());
  proto->set_id(key.id());
}

StatusOr<DedupKey> KeyFromProto(const v1::DedupKey& proto,
                                const std::string& field) {
  StatusOr<DedupKey> key =
      DedupKey::Create(proto.pixel_id(), proto.event_name(), proto.id());
  if (!key.ok()) {
    return Status::InvalidArgument(field + "." + key.status().message());
  }
  return key;
}

v1::State StateToProto(State state) {
  switch (state) {
    case State::kPending:
      return v1::PENDING;
    case State::kInFlight:
      return v1::IN_FLIGHT;
    case State::kDelivered:
      return v1::DELIVERED;
    case State::kDead:
      return v1::DEAD;
    case State::kExpired:
      return v1::EXPIRED;
  }
  return v1::STATE_UNSPECIFIED;
}

std::optional<State> StateFromProto(v1::State state) {
  switch (state) {
    case v1::PENDING:
      return State::kPending;
    case v1::IN_FLIGHT:
      return State::kInFlight;
    case v1::DELIVERED:
      return State::kDelivered;
    case v1::DEAD:
      return State::kDead;
    case v1::EXPIRED:
      return State::kExpired;
    default:
      return std::nullopt;
  }
}

void RecordToProto(const Record& record, v1::EventRecord* p) {
  KeyToProto(record.key, p->mutable_key());
  p->set_key_text(record.key.ToString());
  p->set_state(StateToProto(record.state));
  if (!record.event_json.empty()) {
    StatusOr<Event> event =
        ParseEventJson(record.event_json, record.key.pixel_id());
    if (event.ok()) EventToProto(*event, p->mutable_event());
    p->set_event_json(record.event_json);
  }
  p->set_attempt_count(record.attempt_count);
  for (const Attempt& a : record.attempts) {
    AttemptToProto(a, p->add_attempts());
  }
  p->set_enqueued_ms(record.enqueued_ms);
  p->set_state_changed_ms(record.state_changed_ms);
  p->set_next_attempt_ms(record.next_attempt_ms);
  p->set_delivered_ms(record.delivered_ms);
  p->set_last_error(record.last_error);
  p->set_replay_count(record.replay_count);
}

}  // namespace outbox::grpc_service
