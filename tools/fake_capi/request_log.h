// RequestLog: one JSON line per accepted request, for checkers that run
// outside the test process:
//   {"t_ms":1700000000000,"pixel":"px","ids":["a","b"],"names":["x","y"]}
// ids[i] and names[i] are the id and event name of the request's event i;
// t_ms is the server's clock, clock_offset_ms included.
// Each line is flushed as it is written, so a reader never sees half a line
// once the request has been answered.
//
// Thread-safety: Append may be called from any thread.
#ifndef TOOLS_FAKE_CAPI_REQUEST_LOG_H_
#define TOOLS_FAKE_CAPI_REQUEST_LOG_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/status.h"
#include "tools/fake_capi/ledger.h"

namespace outbox {
namespace fake_capi {

class RequestLog {
 public:
  // Opens `path` for appending (creating it). INVALID_ARGUMENT when it
  // cannot be opened.
  static StatusOr<std::unique_ptr<RequestLog>> Open(const std::string& path);
  ~RequestLog();

  // Writes the line of one accepted request.
  void Append(int64_t t_ms, std::string_view pixel,
              const std::vector<KeyRef>& keys);

 private:
  explicit RequestLog(std::FILE* file) : file_(file) {}

  std::mutex mu_;
  std::FILE* file_;
};

}  // namespace fake_capi
}  // namespace outbox

#endif  // TOOLS_FAKE_CAPI_REQUEST_LOG_H_
