// outboxctl's commands. Each Run* function talks to the daemon through an
// AdminClient, prints its data on stdout (and nothing else there), reasons
// and progress on stderr, and returns the process exit code.
#ifndef OUTBOX_TOOLS_OUTBOXCTL_COMMANDS_H_
#define OUTBOX_TOOLS_OUTBOXCTL_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/outboxctl/admin_client.h"
#include "tools/outboxctl/filter_flags.h"
#include "tools/outboxctl/output.h"

namespace outbox::ctl {

struct ListOptions {
  FilterFlags filter;      // Applied by the daemon.
  uint32_t limit = 100;    // Records to print; 0: all.
  uint32_t page_size = 500;
  std::string page_token;  // Resume a previous listing.
  Format format = Format::kTable;
};

// Which records a replay or purge acts on: keys, or a filter.
struct Selection {
  std::vector<std::string> keys;  // Printable keys.
  FilterFlags filter;
  uint32_t limit = 0;  // Most records a filter selects; 0: all that match.
};

struct ReplayFlags {
  Selection selection;
  bool dry_run = false;
  bool force = false;
  uint32_t canary = 0;         // Replay this many first and watch them.
  int canary_timeout_s = 120;  // How long to watch the canary.
  double rate = 0;             // Keys per second; 0: no cap.
  uint32_t sample = 10;        // Keys shown by --dry-run.
  Format format = Format::kTable;
  std::string audit_log;
};

struct PurgeFlags {
  Selection selection;
  bool dry_run = false;
  bool yes = false;
  Format format = Format::kTable;
  std::string audit_log;
};

int RunStats(AdminClient& client, Format format,
             const std::string& expiring_within);
int RunList(AdminClient& client, const ListOptions& options);
int RunInspect(AdminClient& client, const std::string& key, Format format);
int RunHealth(AdminClient& client);
int RunReplay(AdminClient& client, const ReplayFlags& flags);
int RunPurge(AdminClient& client, const PurgeFlags& flags);
// Pauses (or resumes) `pixel`, or every pixel when it is empty.
int RunPause(AdminClient& client, const std::string& pixel, bool resume,
             const std::string& audit_log);

// Fills `*keys` from the selection's keys, or else `*filter` from its
// filter flags (`*has_filter` says which). Returns kExitOk, or an exit code
// after a message on stderr.
int FillSelection(const Selection& selection,
                  google::protobuf::RepeatedPtrField<v1::DedupKey>* keys,
                  v1::EventFilter* filter);
// "keys=3" or "state=dead pixel=px_1", for messages and the audit log.
std::string DescribeSelection(const Selection& selection);

// Calls `call(page_token, remaining)` for pages of a filter selection (once
// for keys) until it returns no token or `limit` (0: no limit) keys were
// gathered, showing progress on a terminal. `call` returns the call's
// status, fills `*next_token` and adds the keys it found to `*gathered`.
using PageCall = std::function<grpc::Status(
    const std::string& page_token, uint32_t remaining, std::string* next_token,
    size_t* gathered)>;
grpc::Status ForEachSelectionPage(const char* what, uint32_t limit,
                                  const PageCall& call);

}  // namespace outbox::ctl

#endif  // OUTBOX_TOOLS_OUTBOXCTL_COMMANDS_H_
