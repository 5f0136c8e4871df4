#include "tests/reliability/daemon_rig.h"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace outbox::testing {

DaemonRig::DaemonRig(DaemonRigOptions options) : options_(std::move(options)) {
  std::vector<std::string> capi_args = {"--request-log", request_log()};
  capi_args.insert(capi_args.end(), options_.fake_capi_args.begin(),
                   options_.fake_capi_args.end());
  capi_ = std::make_unique<FakeCapiProcess>(capi_args);
  if (options_.capi_url.empty()) options_.capi_url = capi_->endpoint();
  address_ = "127.0.0.1:" + std::to_string(PickFreePort());
  client_ = std::make_unique<DaemonClient>(address_);
}

DaemonRig::~DaemonRig() { outboxd_.reset(); }

void DaemonRig::Spawn() {
  std::vector<std::string> argv = {OUTBOXD_PATH,
                                   "--data-dir",
                                   data_dir(),
                                   "--listen",
                                   address_,
                                   "--capi-url",
                                   options_.capi_url,
                                   "--retry-initial-ms",
                                   "50",
                                   "--retry-max-ms",
                                   "1000",
                                   "--batch-linger-ms",
                                   "20"};
  argv.insert(argv.end(), options_.outboxd_args.begin(),
              options_.outboxd_args.end());
  epochs_.push_back({WallMs(), false});
  outboxd_ = std::make_unique<ChildProcess>(argv, options_.env, outboxd_log());
}

int64_t DaemonRig::AwaitServing(int timeout_ms) {
  const int64_t start = epochs_.back().start_ms;
  if (client_->AwaitServing(timeout_ms) == nullptr) return -1;
  return WallMs() - start;
}

void DaemonRig::Kill9() {
  outboxd_->Kill9();
  epochs_.back().crashed = true;
}

int DaemonRig::Stop() { return outboxd_->Stop(SIGTERM); }

bool DaemonRig::AwaitDrained(int timeout_ms) {
  auto give_up =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < give_up) {
    auto stats = client_->Stats();
    if (stats && stats->pending() == 0 && stats->in_flight() == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

size_t DaemonRig::ServingLines() const {
  std::string log = ReadFile(outboxd_log());
  size_t n = 0;
  for (size_t at = 0;
       (at = log.find("\"msg\":\"serving\"", at)) != std::string::npos; ++at) {
    ++n;
  }
  return n;
}

std::unique_ptr<ChildProcess> DaemonRig::StartLoadClient(
    const std::vector<std::string>& args) {
  std::vector<std::string> argv = {LOAD_CLIENT_PATH,
                                   "--target",
                                   address_,
                                   "--out",
                                   Path("load.tsv"),
                                   "--summary",
                                   Path("load.summary")};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<ChildProcess>(argv, std::vector<std::string>{},
                                        Path("load.log"));
}

StatusOr<std::unique_ptr<Outbox>> DaemonRig::OpenStore() const {
  Options options;
  options.data_dir = data_dir();
  return Outbox::Open(options);
}

void DaemonRig::ReadLoad(Ledger* ledger, uint64_t* unknown,
                         uint64_t* failed) const {
  std::ifstream in(Path("load.tsv"));
  std::vector<std::string> acknowledged;
  *unknown = *failed = 0;
  for (std::string line; std::getline(in, line);) {
    size_t a = line.find('\t'), b = line.find('\t', a + 1),
           c = line.find('\t', b + 1);
    if (c == std::string::npos) continue;
    if (line[0] == 'U') ++*unknown;
    if (line[0] == 'F') ++*failed;
    if (line[0] != 'A') continue;
    StatusOr<DedupKey> key =
        DedupKey::Create(line.substr(a + 1, b - a - 1),
                         line.substr(b + 1, c - b - 1), line.substr(c + 1));
    if (key.ok()) acknowledged.push_back(key->ToString());
  }
  ledger->Acknowledge(acknowledged);
}

}  // namespace outbox::testing
