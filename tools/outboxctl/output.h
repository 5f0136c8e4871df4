// Rendering for outboxctl: JSON from the Admin messages, aligned tables,
// times and durations, and parsing of the flags' values (states, "2h").
#ifndef OUTBOX_TOOLS_OUTBOXCTL_OUTPUT_H_
#define OUTBOX_TOOLS_OUTBOXCTL_OUTPUT_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <vector>

#include "outbox/v1/outbox.pb.h"

namespace outbox::ctl {

// How a command prints its data on stdout. Default: kTable.
enum class Format { kTable, kJson, kJsonl };

// One-line JSON of `message`, proto field names, defaults included.
std::string ToJson(const google::protobuf::Message& message);

// Prints `rows` as columns separated by two spaces; the first row is the
// header. Cells longer than 60 bytes are cut with "...".
void PrintTable(const std::vector<std::vector<std::string>>& rows);

// "2026-11-29T15:42:53.123Z"; "-" for 0.
std::string FormatTime(int64_t epoch_ms);
// "3d4h", "2h13m", "42s", "850ms".
std::string FormatDuration(int64_t ms);
// The first line of `text`, at most `max` bytes.
std::string Excerpt(const std::string& text, size_t max = 80);

// Parses "90s", "30m", "2h", "7d" or plain milliseconds "1500ms".
bool ParseDuration(const std::string& text, int64_t* ms);
// Parses "dead", "DEAD", "pending", "in_flight", ...
bool ParseState(const std::string& text, v1::State* state);
std::string StateText(v1::State state);

// Milliseconds since the epoch, now.
int64_t NowMs();

}  // namespace outbox::ctl

#endif  // OUTBOX_TOOLS_OUTBOXCTL_OUTPUT_H_
