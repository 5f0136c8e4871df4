// outboxd: the gRPC daemon in front of the outbox. `outboxd --help` teaches.
#include <iostream>
#include <string>
#include <vector>

#include "grpc_service/config.h"
#include "grpc_service/daemon.h"
#include "grpc_service/logger.h"

namespace gs = outbox::grpc_service;

int main(int argc, char** argv) {
  // Before any thread starts, so that every thread inherits the mask and
  // only the daemon's sigwait receives these signals.
  gs::BlockShutdownSignals();
  std::vector<std::string> args(argv + 1, argv + argc);
  gs::Environment env = gs::ProcessEnvironment();
  gs::LoadResult loaded = gs::LoadConfig(args, env);
  if (loaded.exit_code != 0) {
    std::cerr << "outboxd: " << loaded.message << "\n";
    return loaded.exit_code;
  }
  switch (loaded.action) {
    case gs::Action::kHelp:
      std::cout << loaded.message;
      return 0;
    case gs::Action::kVersion:
      std::cout << "outboxd " << OUTBOXD_VERSION << "\n";
      return 0;
    case gs::Action::kPrintConfig:
    case gs::Action::kCheckConfig: {
      outbox::Status s = gs::CheckRuntimeConfig(loaded.config);
      if (!s.ok()) {
        std::cerr << "outboxd: " << s.message() << "\n";
        return gs::kExitConfig;
      }
      if (loaded.action == gs::Action::kPrintConfig) {
        std::cout << gs::FormatConfig(loaded.config, loaded.origins);
      } else {
        std::cout << "outboxd: configuration OK\n";
      }
      return 0;
    }
    case gs::Action::kRun:
      break;
  }
  gs::Logger logger(loaded.config.log_level, loaded.config.log_format);
  gs::Daemon daemon(std::move(args), std::move(env), loaded.config, logger);
  return daemon.Run();
}
