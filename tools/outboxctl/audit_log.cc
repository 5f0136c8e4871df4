#include "tools/outboxctl/audit_log.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "tools/outboxctl/admin_client.h"
#include "tools/outboxctl/output.h"

namespace outbox::ctl {
namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

bool WriteAudit(const std::string& path, const AuditEntry& e) {
  if (path.empty()) return true;
  std::string line = "{\"time\":" + JsonString(FormatTime(NowMs())) +
                     ",\"user\":" + JsonString(OperatorName()) +
                     ",\"server\":" + JsonString(e.server) +
                     ",\"operation\":" + JsonString(e.operation) +
                     ",\"selection\":" + JsonString(e.selection) +
                     ",\"matched\":" + std::to_string(e.matched) +
                     ",\"changed\":" + std::to_string(e.changed) +
                     ",\"force\":" + (e.force ? "true" : "false") +
                     ",\"exit_code\":" + std::to_string(e.exit_code) + "}\n";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && write(fd, line.data(), line.size()) ==
                           static_cast<ssize_t>(line.size());
  if (fd >= 0) close(fd);
  if (!ok)
    std::cerr << "outboxctl: cannot write the audit log " << path << "\n";
  return ok;
}

}  // namespace outbox::ctl
