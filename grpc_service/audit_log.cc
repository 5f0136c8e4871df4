#include "grpc_service/audit_log.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <iostream>

namespace outbox::grpc_service {
namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';  // Control characters carry nothing an auditor needs.
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string UtcNow() {
  auto now = std::chrono::system_clock::now();
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   now.time_since_epoch())
                   .count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

std::string Metadata(const grpc::ServerContextBase& context, const char* name) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(name);
  if (it == metadata.end()) return "";
  // Bounded: a claimed name is a label, not a payload.
  return std::string(it->second.data(),
                     std::min<size_t>(it->second.size(), 64));
}

}  // namespace

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::Unavailable("cannot open the audit log " + path + ": " +
                               std::strerror(errno));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(path, fd));
}

AuditLog::~AuditLog() { close(fd_); }

void AuditLog::Write(const grpc::ServerContextBase& context,
                     const AuditEntry& e) {
  bool token = context.client_metadata().count("authorization") > 0;
  std::string line =
      "{\"time\":" + JsonString(UtcNow()) +
      ",\"method\":" + JsonString(e.method) +
      ",\"peer\":" + JsonString(context.peer()) +
      ",\"token\":" + (token ? "true" : "false") +
      ",\"operator\":" + JsonString(Metadata(context, "x-outbox-operator"));
  if (e.method == "PauseDelivery" || e.method == "ResumeDelivery") {
    line += ",\"pixel_id\":" + JsonString(e.pixel_id);
  } else {
    line += ",\"keys\":" + std::to_string(e.keys) +
            ",\"filter\":" + (e.filter_json.empty() ? "null" : e.filter_json) +
            ",\"dry_run\":" + (e.dry_run ? "true" : "false") +
            ",\"force\":" + (e.force ? "true" : "false");
  }
  line += ",\"matched\":" + std::to_string(e.matched) +
          ",\"changed\":" + std::to_string(e.changed) +
          ",\"code\":" + std::to_string(e.code) + "}\n";
  std::lock_guard<std::mutex> lock(mu_);
  // One write(2) per line on an O_APPEND file: lines never interleave.
  if (write(fd_, line.data(), line.size()) ==
      static_cast<ssize_t>(line.size())) {
    return;
  }
  if (write_failures_++ == 0) {
    std::cerr << "outboxd: cannot write the audit log " << path_ << ": "
              << std::strerror(errno) << "\n";
  }
}

uint64_t AuditLog::write_failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return write_failures_;
}

std::string FilterJson(const v1::EventFilter& filter) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  if (!google::protobuf::util::MessageToJsonString(filter, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

}  // namespace outbox::grpc_service
