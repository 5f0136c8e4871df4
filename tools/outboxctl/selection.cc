// The selection replay and purge share: keys or a filter, and the paging
// through a filter's matches (the daemon scans a bounded number of records
// per call and hands back a token).
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "tools/outboxctl/commands.h"
#include "tools/outboxctl/key_text.h"

namespace outbox::ctl {
namespace {

// The most keys one Replay/Purge call may select (the daemon's limit).
constexpr uint32_t kMaxPerCall = 10000;

}  // namespace

int FillSelection(const Selection& selection,
                  google::protobuf::RepeatedPtrField<v1::DedupKey>* keys,
                  v1::EventFilter* filter) {
  if (selection.keys.empty() == !HasFilter(selection.filter)) {
    return Complain(kExitUsage,
                    "give keys (PIXEL/EVENT_NAME/ID) or filter flags "
                    "(--state, --pixel, --event-name, --error-class, ...), "
                    "not both or neither");
  }
  for (const std::string& text : selection.keys) {
    std::string error;
    if (!ParseKeyText(text, keys->Add(), &error)) {
      return Complain(kExitUsage, error);
    }
  }
  if (selection.keys.empty()) {
    return BuildFilter(selection.filter, NowMs(), filter);
  }
  return kExitOk;
}

std::string DescribeSelection(const Selection& s) {
  if (!s.keys.empty()) return "keys=" + std::to_string(s.keys.size());
  return DescribeFilter(s.filter);
}

grpc::Status ForEachSelectionPage(const char* what, uint32_t limit,
                                  const PageCall& call) {
  const bool progress = isatty(STDERR_FILENO);
  std::string token;
  size_t gathered = 0;
  int pages = 0;
  do {
    uint32_t remaining =
        limit == 0 ? kMaxPerCall
                   : std::min<uint32_t>(kMaxPerCall, limit - gathered);
    std::string next;
    grpc::Status status = call(token, remaining, &next, &gathered);
    if (!status.ok()) return status;
    token = std::move(next);
    if (progress && ++pages > 1) {
      std::cerr << "\r" << what << ": " << gathered << " so far..."
                << std::flush;
    }
  } while (!token.empty() && (limit == 0 || gathered < limit));
  if (progress && pages > 1) std::cerr << "\n";
  return grpc::Status::OK;
}

}  // namespace outbox::ctl
