#include "tools/fake_capi/service.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

#include "tools/fake_capi/replies.h"

namespace outbox {
namespace fake_capi {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

std::unordered_set<std::string> KeySet(const std::vector<std::string>& keys) {
  if (keys.empty()) return {kDemoApiKey};
  return {keys.begin(), keys.end()};
}

void WriteString(JsonWriter* w, std::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteCount(JsonWriter* w, const char* name, uint64_t n) {
  w->Key(name);
  w->Uint64(n);
}

std::string KeysJsonLines(const std::vector<KeyCount>& keys) {
  rapidjson::StringBuffer buffer;
  for (const KeyCount& key : keys) {
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("pixel");
    WriteString(&w, key.pixel);
    w.Key("event_name");
    WriteString(&w, key.event_name);
    w.Key("id");
    WriteString(&w, key.id);
    WriteCount(&w, "times_accepted", key.times_accepted);
    w.EndObject();
    buffer.Put('\n');
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

HttpReply NotFound() {
  return JsonReply(404,
                   ErrorBody("Not found. The API is POST "
                             "/v1/events?pid=PIXEL; see fake-capi --help"));
}

HttpReply MethodNotAllowed() {
  return JsonReply(405, ErrorBody("Method not allowed"));
}

}  // namespace

std::string_view ValidateModeName(ValidateMode mode) {
  switch (mode) {
    case ValidateMode::kFull:
      return "full";
    case ValidateMode::kShape:
      return "shape";
    case ValidateMode::kNone:
      return "none";
  }
  return "full";
}

std::optional<ValidateMode> ParseValidateMode(std::string_view name) {
  for (ValidateMode mode :
       {ValidateMode::kFull, ValidateMode::kShape, ValidateMode::kNone}) {
    if (name == ValidateModeName(mode)) return mode;
  }
  return std::nullopt;
}

StatusOr<std::unique_ptr<Service>> Service::Create(ServiceOptions options) {
  std::unique_ptr<RequestLog> log;
  if (!options.request_log_path.empty()) {
    StatusOr<std::unique_ptr<RequestLog>> opened =
        RequestLog::Open(options.request_log_path);
    if (!opened.ok()) return opened.status();
    log = std::move(opened).value();
  }
  std::unique_ptr<Service> service(new Service(std::move(options)));
  service->request_log_ = std::move(log);
  return service;
}

Service::Service(ServiceOptions options)
    : options_(std::move(options)),
      api_keys_(KeySet(options_.api_keys)),
      pixels_(options_.pixels.begin(), options_.pixels.end()),
      picker_(options_.faults.seed),
      faults_(options_.faults) {}

std::string Service::NextRequestId() {
  return "req_" + std::to_string(++request_ids_);
}

FaultConfig Service::faults() const {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_;
}

HttpReply Service::Handle(const HttpRequest& request) {
  const std::string_view path =
      request.target.substr(0, request.target.find('?'));
  if (path == "/v1/events") return HandleEvents(request);
  const bool get = request.method == "GET", post = request.method == "POST";
  if (path == "/stats")
    return get ? JsonReply(200, StatsJson()) : MethodNotAllowed();
  if (path == "/keys") {
    if (!get) return MethodNotAllowed();
    HttpReply reply = JsonReply(200, KeysJsonLines(ledger_.Keys()));
    reply.content_type = "application/x-ndjson";
    return reply;
  }
  if (path == "/reset") return post ? HandleReset() : MethodNotAllowed();
  if (path == "/control") {
    return get || post ? HandleControl(request) : MethodNotAllowed();
  }
  if (path == "/healthz") return JsonReply(200, "{\"status\":\"ok\"}");
  return NotFound();
}

std::string Service::StatsJson() const {
  const LedgerSnapshot s = ledger_.Snapshot();
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteCount(&w, "requests", s.requests);
  WriteCount(&w, "accepted_requests", s.accepted_requests);
  WriteCount(&w, "validate_only_requests", s.validate_only_requests);
  w.Key("rejected_requests");
  w.StartObject();
  for (const auto& [status, n] : s.rejected_requests) {
    WriteCount(&w, std::to_string(status).c_str(), n);
  }
  w.EndObject();
  WriteCount(&w, "accepted_events", s.accepted_events);
  WriteCount(&w, "unique_keys", s.unique_keys);
  WriteCount(&w, "duplicate_events", s.duplicate_events);
  w.Key("faults");
  w.StartObject();
  for (size_t k = 1; k < kFaultKinds; ++k) {
    WriteString(&w, FaultName(static_cast<FaultKind>(k)));
    w.Uint64(s.faults[k]);
  }
  w.EndObject();
  w.Key("validate");
  WriteString(&w, ValidateModeName(options_.validate));
  w.Key("clock_offset_ms");
  w.Int64(faults().clock_offset_ms);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Every successful POST restarts the fault draws from the seed, so a test
// that sets faults gets the same sequence each run.
HttpReply Service::HandleControl(const HttpRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  if (request.method == "POST") {
    const Status status = ApplyFaultJson(request.body, &faults_);
    if (!status.ok()) return JsonReply(400, ErrorBody(status.message()));
    picker_.Reseed(faults_.seed);
  }
  return JsonReply(200, FaultConfigToJson(faults_));
}

HttpReply Service::HandleReset() {
  ledger_.Reset();
  picker_.Reseed(faults().seed);
  return JsonReply(200, "{\"reset\":true}");
}

}  // namespace fake_capi
}  // namespace outbox
