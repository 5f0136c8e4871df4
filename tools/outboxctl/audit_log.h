// The client's own audit log of destructive and bulk operations: one JSON
// line per command (who, when, on which server, what, how many), appended
// to the file given by --audit-log. Default: none. outboxd keeps the
// authoritative log (one line per RPC) whatever the client does; this one
// is for an operator who wants the command-level view on their side.
#ifndef OUTBOX_TOOLS_OUTBOXCTL_AUDIT_LOG_H_
#define OUTBOX_TOOLS_OUTBOXCTL_AUDIT_LOG_H_

#include <cstdint>
#include <string>

namespace outbox::ctl {

struct AuditEntry {
  std::string operation;  // "replay", "purge", "pause", "resume".
  std::string server;
  std::string selection;  // "keys=3" or "state=dead pixel=px_1".
  uint64_t matched = 0;
  uint64_t changed = 0;
  bool force = false;
  int exit_code = 0;
};

// Appends `entry` to `path` (created 0600). Does nothing for an empty path.
// Returns false, after a message on stderr, when the file cannot be written.
bool WriteAudit(const std::string& path, const AuditEntry& entry);

}  // namespace outbox::ctl

#endif  // OUTBOX_TOOLS_OUTBOXCTL_AUDIT_LOG_H_
