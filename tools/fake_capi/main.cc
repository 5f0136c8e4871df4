// fake-capi: a local stand-in for the Conversions API. See --help.
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "tools/fake_capi/flags.h"
#include "tools/fake_capi/server.h"

namespace {

using outbox::fake_capi::FakeCapiServer;

// Written whole, then renamed, so a test polling the file never reads a
// partial number.
bool WritePortFile(const std::string& path, uint16_t port) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << "\n";
    if (!out) return false;
  }
  return std::rename(temp.c_str(), path.c_str()) == 0;
}

std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

void PrintSummary(FakeCapiServer& server) {
  const auto s = server.service().Snapshot();
  uint64_t rejected = 0;
  for (const auto& [status, n] : s.rejected_requests) rejected += n;
  std::cout << "fake-capi: " << s.requests << " requests, "
            << s.accepted_requests << " accepted, " << rejected << " rejected; "
            << s.accepted_events << " events accepted, " << s.unique_keys
            << " unique keys, " << s.duplicate_events << " duplicates"
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  auto flags = outbox::fake_capi::ParseFlags(
      std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) {
    std::cerr << "fake-capi: " << flags.status().message() << "\n";
    return 2;
  }
  if (flags->help) {
    std::cout << outbox::fake_capi::HelpText();
    return 0;
  }
  // Each request allocates and frees megabytes (the body, a thousand
  // parsed events). By default glibc serves that from fresh mmaps, or trims
  // it back to the kernel, and page faults then cost more than the parsing.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  // Blocked before the io threads start, so they inherit the mask and the
  // signals reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = FakeCapiServer::Start(flags->server);
  if (!server.ok()) {
    std::cerr << "fake-capi: " << server.status().message() << "\n";
    return 1;
  }
  const uint16_t port = (*server)->port();
  if (!flags->port_file.empty() && !WritePortFile(flags->port_file, port)) {
    std::cerr << "fake-capi: cannot write " << flags->port_file << "\n";
    return 1;
  }
  std::cout << "fake-capi listening on http://" << UrlHost((*server)->host())
            << ":" << port << "/v1/events" << std::endl;

  int signal = 0;
  sigwait(&signals, &signal);
  (*server)->Stop();
  PrintSummary(**server);
  return 0;
}
