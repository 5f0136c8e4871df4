// Logger: outboxd's log lines on stderr, as JSON lines (default) or text.
//
//   {"ts":"2026-11-29T12:00:00.123Z","level":"info","component":"outboxd",
//    "msg":"serving","address":"127.0.0.1:50051"}
//
// Callers never pass an API key, a token or raw personal data; the core's
// log lines (through AsSink) promise the same.
//
// Thread-safety: all methods are thread-safe; each line is written whole.
#ifndef OUTBOX_GRPC_SERVICE_LOGGER_H_
#define OUTBOX_GRPC_SERVICE_LOGGER_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outbox/drainer.h"

namespace outbox::grpc_service {

enum class LogFormat { kJson, kText };

// "debug", "info", "warning", "error".
const char* LogLevelName(LogLevel level);
// Parses a level name ("warn" too), case-insensitively. False if unknown.
bool ParseLogLevel(std::string_view name, LogLevel* level);

class Logger {
 public:
  using Field = std::pair<std::string, std::string>;
  using Writer = std::function<void(const std::string& line)>;

  // `write` receives each line with its trailing newline.
  // Default: write to stderr.
  Logger(LogLevel level, LogFormat format, Writer write = nullptr);

  void SetLevel(LogLevel level) { level_.store(level); }
  LogLevel level() const { return level_.load(); }

  // Writes one line if `level` is at or above the current level.
  void Log(LogLevel level, std::string_view component, std::string_view msg,
           const std::vector<Field>& fields = {});
  void Info(std::string_view msg, const std::vector<Field>& fields = {}) {
    Log(LogLevel::kInfo, "outboxd", msg, fields);
  }
  void Warning(std::string_view msg, const std::vector<Field>& fields = {}) {
    Log(LogLevel::kWarning, "outboxd", msg, fields);
  }
  void Error(std::string_view msg, const std::vector<Field>& fields = {}) {
    Log(LogLevel::kError, "outboxd", msg, fields);
  }

  // A sink for the Drainer's lines (component "drainer"). The Logger must
  // outlive every user of the sink.
  LogSink AsSink();

 private:
  std::string Format(LogLevel level, std::string_view component,
                     std::string_view msg,
                     const std::vector<Field>& fields) const;

  std::atomic<LogLevel> level_;
  const LogFormat format_;
  Writer write_;
  std::mutex mu_;  // Serialises writes so lines never interleave.
};

}  // namespace outbox::grpc_service

#endif  // OUTBOX_GRPC_SERVICE_LOGGER_H_
