// fake-capi's command line: parsing and the --help text.
#ifndef TOOLS_FAKE_CAPI_FLAGS_H_
#define TOOLS_FAKE_CAPI_FLAGS_H_

#include <string>
#include <vector>

#include "outbox/status.h"
#include "tools/fake_capi/server.h"

namespace outbox {
namespace fake_capi {

struct Flags {
  ServerOptions server;
  std::string port_file;  // Where to write the port listened on; "" none.
  bool help = false;
};

// Parses the arguments after the program name. Accepts "--name value" and
// "--name=value". INVALID_ARGUMENT naming the flag for an unknown flag, a
// missing or bad value, or an unreadable --api-key-file.
StatusOr<Flags> ParseFlags(const std::vector<std::string>& args);

// The --help text: what fake-capi is, every flag and its default, and an
// example request.
std::string HelpText();

}  // namespace fake_capi
}  // namespace outbox

#endif  // TOOLS_FAKE_CAPI_FLAGS_H_
