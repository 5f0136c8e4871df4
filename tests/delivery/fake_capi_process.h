// Runs build/bin/fake-capi as a child process on a free loopback port and
// talks to its control endpoints, for tests that need a real HTTP peer.
#ifndef OUTBOX_TESTS_DELIVERY_FAKE_CAPI_PROCESS_H_
#define OUTBOX_TESTS_DELIVERY_FAKE_CAPI_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace outbox::testing {

// GETs or POSTs `url` (body: JSON) with libcurl; returns the body, or
// throws std::runtime_error when no 2xx answer arrives.
std::string HttpGet(const std::string& url);
std::string HttpPost(const std::string& url, const std::string& body);

class FakeCapiProcess {
 public:
  // Starts fake-capi with `args` added, waits until it listens.
  explicit FakeCapiProcess(const std::vector<std::string>& args = {});
  // SIGTERMs and reaps it.
  ~FakeCapiProcess();

  std::string base_url() const;  // "http://127.0.0.1:PORT"
  std::string endpoint() const { return base_url() + "/v1/events"; }

  // POST /control with a JSON object, e.g. {"status_503":0.05}.
  void Control(const std::string& json);
  // GET /stats, parsed: the top-level numeric fields and those of nested
  // objects as "object.field".
  std::map<std::string, double> Stats();
  // GET /keys: times each "pixel/event_name/id" was accepted.
  std::map<std::string, int> AcceptedKeys();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_DELIVERY_FAKE_CAPI_PROCESS_H_
