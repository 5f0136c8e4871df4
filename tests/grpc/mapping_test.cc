// The pure translations: proto <-> core event, state, and Status -> gRPC.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "grpc_service/event_mapping.h"
#include "grpc_service/status_mapping.h"
#include "tests/grpc/grpc_test_util.h"

namespace outbox::grpc_service::testing {
namespace {

BOOST_AUTO_TEST_SUITE(EventMappingTest)

v1::ConversionEvent FullEvent() {
  v1::ConversionEvent e = MakeProtoEvent("id-1");
  e.set_type("custom");
  e.set_custom_event_name("quiz_done");
  e.set_oppref("opp\xc3\xa9");
  e.set_opt_out(true);
  v1::UserData* u = e.mutable_user();
  u->add_emails_sha256(std::string(64, 'a'));
  u->add_countries("US");
  u->add_cities("Paris");
  u->set_ip_address("192.0.2.1");
  u->set_user_agent("ua");
  u->add_emails("raw@example.com");
  u->add_last_names("Doe");
  v1::EventData* d = e.mutable_data();
  d->set_type("custom");
  d->set_plan_id("gold");
  v1::Content* c = d->add_contents();
  c->set_id("sku");
  c->set_quantity(0);  // Present though zero: proto3 `optional`.
  c->set_amount(250);
  (*c->mutable_variant_dict())["size"] = "M";
  return e;
}

BOOST_AUTO_TEST_CASE(EventSurvivesARoundTrip) {
  v1::ConversionEvent in = FullEvent();
  Event event = EventFromProto(in);
  BOOST_TEST(event.custom_event_name == "quiz_done");
  BOOST_TEST(event.opt_out.value_or(false));
  BOOST_TEST(event.user.emails == std::vector<std::string>{"raw@example.com"});
  BOOST_REQUIRE_EQUAL(event.data.contents.size(), 1u);
  BOOST_TEST(event.data.contents[0].quantity.has_value());
  BOOST_TEST(event.data.contents[0].currency.empty());
  BOOST_TEST(event.data.contents[0].variant_dict.at("size") == "M");
  v1::ConversionEvent out;
  EventToProto(event, &out);
  BOOST_TEST(out.SerializeAsString() == in.SerializeAsString());
}

BOOST_AUTO_TEST_CASE(UnsetOptionalsStayUnset) {
  v1::ConversionEvent in = MakeProtoEvent("id");
  in.mutable_data()->clear_amount();
  Event event = EventFromProto(in);
  BOOST_TEST(!event.data.amount.has_value());
  BOOST_TEST(!event.opt_out.has_value());
}

BOOST_AUTO_TEST_CASE(KeyFromProtoNamesTheBadComponent) {
  v1::DedupKey key;
  key.set_pixel_id("px");
  key.set_id("1");
  StatusOr<DedupKey> parsed = KeyFromProto(key, "keys[4]");
  BOOST_TEST(parsed.status().code() == StatusCode::kInvalidArgument);
  BOOST_TEST(parsed.status().message().rfind("keys[4].event", 0) == 0,
             parsed.status().message());
}

BOOST_AUTO_TEST_CASE(StatesMapBothWays) {
  for (State s : {State::kPending, State::kInFlight, State::kDelivered,
                  State::kDead, State::kExpired}) {
    BOOST_TEST((StateFromProto(StateToProto(s)) == s));
    BOOST_TEST(v1::State_Name(StateToProto(s)) == StateName(s));
  }
  BOOST_TEST(!StateFromProto(v1::STATE_UNSPECIFIED).has_value());
  BOOST_TEST(!StateFromProto(static_cast<v1::State>(99)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

struct CodeCase {
  StatusCode core;
  grpc::StatusCode grpc;
};
std::ostream& operator<<(std::ostream& os, const CodeCase& c) {
  return os << c.core;
}
const CodeCase kCodes[] = {
    {StatusCode::kOk, grpc::StatusCode::OK},
    {StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
    {StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
    {StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
    {StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
    {StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
    {StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
    {StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
    {StatusCode::kAborted, grpc::StatusCode::ABORTED},
    {StatusCode::kInternal, grpc::StatusCode::INTERNAL},
    {StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
    {StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
};

BOOST_DATA_TEST_CASE(StatusMapsToTheSameCanonicalCode,
                     boost::unit_test::data::make(kCodes), c) {
  Status status =
      c.core == StatusCode::kOk ? Status::Ok() : Status(c.core, "why");
  grpc::Status mapped = ToGrpcStatus(status);
  BOOST_TEST(mapped.error_code() == c.grpc);
  BOOST_TEST(mapped.error_message() == (status.ok() ? "" : "why"));
}

}  // namespace
}  // namespace outbox::grpc_service::testing
