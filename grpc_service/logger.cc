#include "grpc_service/logger.h"

#include <strings.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace outbox::grpc_service {
namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// RFC 3339 UTC with milliseconds, e.g. "2026-11-29T12:00:00.123Z".
std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                now.time_since_epoch())
                .count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];  // Sized for any int the compiler imagines in each field.
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

bool ParseLogLevel(std::string_view name, LogLevel* level) {
  std::string s(name);
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning,
                     LogLevel::kError}) {
    if (strcasecmp(s.c_str(), LogLevelName(l)) == 0) {
      *level = l;
      return true;
    }
  }
  if (strcasecmp(s.c_str(), "warn") == 0) {
    *level = LogLevel::kWarning;
    return true;
  }
  return false;
}

Logger::Logger(LogLevel level, LogFormat format, Writer write)
    : level_(level), format_(format), write_(std::move(write)) {
  if (!write_) {
    write_ = [](const std::string& line) {
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fflush(stderr);
    };
  }
}

void Logger::Log(LogLevel level, std::string_view component,
                 std::string_view msg, const std::vector<Field>& fields) {
  if (level < level_.load()) return;
  std::string line = Format(level, component, msg, fields);
  std::lock_guard<std::mutex> lock(mu_);
  write_(line);
}

std::string Logger::Format(LogLevel level, std::string_view component,
                           std::string_view msg,
                           const std::vector<Field>& fields) const {
  std::string line;
  if (format_ == LogFormat::kText) {
    line = Timestamp() + " " + LogLevelName(level) + " " +
           std::string(component) + ": " + std::string(msg);
    for (const auto& [key, value] : fields) line += " " + key + "=" + value;
  } else {
    line = "{\"ts\":\"" + Timestamp() + "\",\"level\":\"" +
           LogLevelName(level) + "\",\"component\":";
    AppendJsonString(component, &line);
    line += ",\"msg\":";
    AppendJsonString(msg, &line);
    for (const auto& [key, value] : fields) {
      line.push_back(',');
      AppendJsonString(key, &line);
      line.push_back(':');
      AppendJsonString(value, &line);
    }
    line.push_back('}');
  }
  line.push_back('\n');
  return line;
}

LogSink Logger::AsSink() {
  return [this](LogLevel level, const std::string& line) {
    Log(level, "drainer", line);
  };
}

}  // namespace outbox::grpc_service
