// The record filter flags that list, export, replay and purge share, and
// their translation into the Admin API's EventFilter. The daemon applies
// the filter (server-side), so paging and bulk operations see the same set.
//
// Ages: --older-than / --newer-than count from when the outbox stored the
// record (enqueue time); --event-older-than / --event-newer-than from the
// event's own timestamp, which is what the API's 7-day window counts from.
// Both are turned into absolute times once, when the command starts, so a
// listing over many pages (or a replay's frozen set) uses one cut-off.
#ifndef OUTBOX_TOOLS_OUTBOXCTL_FILTER_FLAGS_H_
#define OUTBOX_TOOLS_OUTBOXCTL_FILTER_FLAGS_H_

#include <string>

#include "outbox/v1/outbox.pb.h"

namespace CLI {
class App;
}

namespace outbox::ctl {

struct FilterFlags {
  std::string state;        // Empty: any.
  std::string pixel;        // Empty: any.
  std::string event_name;   // Empty: any.
  std::string error_class;  // Empty: any.
  int http_status = -1;     // Last attempt's HTTP status; -1: any.
  std::string older_than;   // "2h": enqueued at least that long ago.
  std::string newer_than;
  std::string event_older_than;  // By the event's timestamp.
  std::string event_newer_than;
};

// Adds --state, --pixel, --event-name, --error-class, --http-status,
// --older-than, --newer-than, --event-older-than, --event-newer-than.
void AddFilterFlags(CLI::App* command, FilterFlags* flags);

// True when any filter flag is set.
bool HasFilter(const FilterFlags& flags);

// Fills `*filter` from `flags`, with ages relative to `now_ms`. Returns
// kExitOk, or kExitUsage after a one-line message naming the bad flag.
int BuildFilter(const FilterFlags& flags, int64_t now_ms,
                v1::EventFilter* filter);

// "state=dead error_class=client_error older_than=2h", for messages.
std::string DescribeFilter(const FilterFlags& flags);

}  // namespace outbox::ctl

#endif  // OUTBOX_TOOLS_OUTBOXCTL_FILTER_FLAGS_H_
