#include "tools/outboxctl/filter_flags.h"

#include <CLI/CLI.hpp>
#include <cctype>

#include "tools/outboxctl/admin_client.h"
#include "tools/outboxctl/output.h"

namespace outbox::ctl {
namespace {

struct ClassName {
  const char* name;
  v1::ErrorClass value;
};
constexpr ClassName kClasses[] = {{"network", v1::NETWORK},
                                  {"auth", v1::AUTH},
                                  {"rate_limited", v1::RATE_LIMITED},
                                  {"client_error", v1::CLIENT_ERROR},
                                  {"server_error", v1::SERVER_ERROR}};

bool ParseErrorClass(std::string text, v1::ErrorClass* out) {
  for (char& c : text) {
    c = c == '-' ? '_' : std::tolower(static_cast<unsigned char>(c));
  }
  for (const ClassName& c : kClasses) {
    if (text == c.name) return *out = c.value, true;
  }
  return false;
}

// Sets `*at` to now - the duration in `text`; false when it is malformed.
bool AgeToTime(const std::string& text, int64_t now_ms, int64_t* at) {
  int64_t ms = 0;
  if (!ParseDuration(text, &ms)) return false;
  *at = std::max<int64_t>(1, now_ms - ms);
  return true;
}

}  // namespace

void AddFilterFlags(CLI::App* cmd, FilterFlags* f) {
  cmd->add_option("--state", f->state,
                  "pending, in_flight, delivered, dead or expired");
  cmd->add_option("--pixel", f->pixel, "One pixel id");
  cmd->add_option("--event-name", f->event_name,
                  "Event name: the type, or the custom event name");
  cmd->add_option("--error-class", f->error_class,
                  "Why the last attempt failed: client_error (4xx), "
                  "server_error (5xx), network, rate_limited (429), "
                  "auth (401/403)");
  cmd->add_option("--http-status", f->http_status,
                  "HTTP status of the last attempt (0: no answer)");
  cmd->add_option("--older-than", f->older_than,
                  "Stored (enqueued) at least this long ago, e.g. 2h, 3d");
  cmd->add_option("--newer-than", f->newer_than,
                  "Stored less than this long ago, e.g. 30m");
  cmd->add_option("--event-older-than", f->event_older_than,
                  "Event timestamp at least this old (the API's 7-day "
                  "window counts from it)");
  cmd->add_option("--event-newer-than", f->event_newer_than,
                  "Event timestamp less than this old");
}

bool HasFilter(const FilterFlags& f) {
  return !f.state.empty() || !f.pixel.empty() || !f.event_name.empty() ||
         !f.error_class.empty() || f.http_status >= 0 ||
         !f.older_than.empty() || !f.newer_than.empty() ||
         !f.event_older_than.empty() || !f.event_newer_than.empty();
}

int BuildFilter(const FilterFlags& f, int64_t now_ms, v1::EventFilter* out) {
  v1::State state = v1::STATE_UNSPECIFIED;
  if (!f.state.empty() && !ParseState(f.state, &state)) {
    return Complain(kExitUsage,
                    "--state: one of pending, in_flight, delivered, dead, "
                    "expired");
  }
  out->set_state(state);
  out->set_pixel_id(f.pixel);
  out->set_event_name(f.event_name);
  v1::ErrorClass error_class = v1::ERROR_CLASS_UNSPECIFIED;
  if (!f.error_class.empty() && !ParseErrorClass(f.error_class, &error_class)) {
    return Complain(kExitUsage,
                    "--error-class: one of client_error, server_error, "
                    "network, rate_limited, auth");
  }
  out->set_error_class(error_class);
  if (f.http_status >= 0) out->set_http_status(f.http_status);
  struct Age {
    const std::string& text;
    const char* flag;
    void (v1::EventFilter::*set)(int64_t);
  };
  const Age ages[] = {
      {f.older_than, "--older-than", &v1::EventFilter::set_enqueued_before_ms},
      {f.newer_than, "--newer-than", &v1::EventFilter::set_enqueued_after_ms},
      {f.event_older_than, "--event-older-than",
       &v1::EventFilter::set_timestamp_before_ms},
      {f.event_newer_than, "--event-newer-than",
       &v1::EventFilter::set_timestamp_after_ms}};
  for (const Age& age : ages) {
    if (age.text.empty()) continue;
    int64_t at = 0;
    if (!AgeToTime(age.text, now_ms, &at)) {
      return Complain(kExitUsage, std::string(age.flag) +
                                      ": write it like 90s, 30m, 2h or 3d");
    }
    (out->*age.set)(at);
  }
  return kExitOk;
}

std::string DescribeFilter(const FilterFlags& f) {
  std::string out;
  auto add = [&out](const char* name, const std::string& value) {
    if (value.empty()) return;
    out += (out.empty() ? "" : " ") + std::string(name) + "=" + value;
  };
  add("state", f.state);
  add("pixel", f.pixel);
  add("event_name", f.event_name);
  add("error_class", f.error_class);
  if (f.http_status >= 0) add("http_status", std::to_string(f.http_status));
  add("older_than", f.older_than);
  add("newer_than", f.newer_than);
  add("event_older_than", f.event_older_than);
  add("event_newer_than", f.event_newer_than);
  return out;
}

}  // namespace outbox::ctl
