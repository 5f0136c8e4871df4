// outboxctl's commands. Each Run* function talks to the daemon through an
// AdminClient, prints its data on stdout (and nothing else there), reasons
// and progress on stderr, and returns the process exit code.
#ifndef OUTBOX_TOOLS_OUTBOXCTL_COMMANDS_H_
#define OUTBOX_TOOLS_OUTBOXCTL_COMMANDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/outboxctl/admin_client.h"
#include "tools/outboxctl/output.h"

namespace outbox::ctl {

struct ListOptions {
  std::string state;       // Empty: any.
  std::string pixel;       // Empty: any.
  std::string event_name;  // Empty: any (filtered here, not by the server).
  int http_status = -1;    // Last attempt's HTTP status; -1: any.
  std::string older_than;  // "2h": enqueued at least that long ago.
  uint32_t limit = 100;    // Records to print; 0: all.
  uint32_t page_size = 500;
  std::string page_token;  // Resume a previous listing.
  Format format = Format::kTable;
};

// Which records a replay or purge acts on: keys, or a state/pixel filter.
struct Selection {
  std::vector<std::string> keys;  // Printable keys.
  std::string state;
  std::string pixel;
  uint32_t limit = 0;  // Most records a filter selects; 0: server default.
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

// Fills `*keys` from the selection's keys, or else `*filter` from its state
// and pixel. Returns kExitOk, or an exit code after a message on stderr.
int FillSelection(const Selection& selection,
                  google::protobuf::RepeatedPtrField<v1::DedupKey>* keys,
                  v1::EventFilter* filter);
// "keys=3" or "state=DEAD pixel=px_1", for messages and the audit log.
std::string DescribeSelection(const Selection& selection);

}  // namespace outbox::ctl

#endif  // OUTBOX_TOOLS_OUTBOXCTL_COMMANDS_H_
