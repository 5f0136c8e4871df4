// JSON bodies fake-capi answers with, shaped like the real API's.
#ifndef TOOLS_FAKE_CAPI_REPLIES_H_
#define TOOLS_FAKE_CAPI_REPLIES_H_

#include <string>
#include <string_view>

#include "tools/fake_capi/service.h"

namespace outbox {
namespace fake_capi {

inline constexpr std::string_view kInvalidRequest = "invalid_request_error";

// Returns {"error":{"message":M,"type":T}}, with "code":C after the type
// when `code` is not empty.
std::string ErrorBody(std::string_view message,
                      std::string_view type = kInvalidRequest,
                      std::string_view code = {});

// Returns {"accepted_events":N}.
std::string AcceptedBody(size_t accepted_events);

HttpReply JsonReply(int status, std::string body);

}  // namespace fake_capi
}  // namespace outbox

#endif  // TOOLS_FAKE_CAPI_REPLIES_H_
