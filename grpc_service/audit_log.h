// AuditLog: the daemon's record of operator actions that change data or
// delivery — Replay, Purge, PauseDelivery, ResumeDelivery — one JSON line
// per call, appended to a file only the daemon's user can read (0600).
//
// It is written by the daemon, not by the client, so no caller can skip
// it. A line says when, who (the peer address, whether an admin token was
// presented — never the token — and the operator name the client claims in
// "x-outbox-operator" metadata, which is not verified), what (method, keys
// count or filter, dry_run, force), and how many records it matched and
// changed, and the call's status code:
//
//   {"time":"2026-11-29T12:00:00.000Z","method":"Replay",
//    "peer":"unix:/run/outboxd.sock","token":false,"operator":"alice",
//    "keys":0,"filter":{"state":"DEAD","errorClass":"CLIENT_ERROR"},
//    "dry_run":false,"force":false,"matched":3,"changed":3,"code":0}
//
// Thread-safety: Write may be called from many threads at once.
#ifndef OUTBOX_GRPC_SERVICE_AUDIT_LOG_H_
#define OUTBOX_GRPC_SERVICE_AUDIT_LOG_H_

#include <grpcpp/server_context.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "outbox/status.h"
#include "outbox/v1/outbox.pb.h"

namespace outbox::grpc_service {

// What one audited call did.
struct AuditEntry {
  std::string method;       // "Replay", "Purge", "PauseDelivery", ...
  int keys = 0;             // Keys named explicitly.
  std::string filter_json;  // The filter as JSON, or "" when none.
  std::string pixel_id;     // Pause/Resume: the pixel ("" = every pixel).
  bool dry_run = false;
  bool force = false;
  uint64_t matched = 0;
  uint64_t changed = 0;  // Replayed, purged, or 1 for a pause/resume.
  int code = 0;          // The gRPC status code of the call.
};

class AuditLog {
 public:
  // Opens (creating, mode 0600) `path` for appending. UNAVAILABLE, saying
  // why, when it cannot be opened.
  static StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();

  // Appends one line for `entry`, made by the caller of `context`. A
  // failed write is counted (write_failures) and reported on stderr once;
  // the operation it describes has already happened.
  void Write(const grpc::ServerContextBase& context, const AuditEntry& entry);

  uint64_t write_failures() const;
  const std::string& path() const { return path_; }

 private:
  AuditLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  const std::string path_;
  const int fd_;
  mutable std::mutex mu_;
  uint64_t write_failures_ = 0;  // guarded by mu_
};

// The filter of a request as compact JSON, for AuditEntry::filter_json.
std::string FilterJson(const v1::EventFilter& filter);

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_AUDIT_LOG_H_
