// reliability-load-client: the load of the daemon-level reliability
// scenarios. A separate process that the tests never kill: it enqueues
// batches of fresh events through outboxd's gRPC API as fast as outboxd
// answers, from several threads, and records what it was told about every
// event, one line each:
//
//   A <TAB> pixel <TAB> type <TAB> id    acknowledged (OK: on disk)
//   F <TAB> ...                           failed (a definite error)
//   U <TAB> ...                           unknown (UNAVAILABLE, deadline,
//                                         cancelled: maybe stored)
//   N <TAB> ...                           not sent (no connection to
//                                         outboxd: it is down)
//
// SIGTERM or SIGINT stops it: calls under way finish, the file is flushed,
// and a summary line goes to --summary:
//   calls=N acknowledged=N failed=N unknown=N not_sent=N p50_us=N ...
// (latencies of the calls that were acknowledged).
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "outbox/v1/outbox.grpc.pb.h"

namespace {

struct Flags {
  std::string target;
  std::string out;
  std::string summary;
  std::string prefix = "ev";
  std::vector<std::string> pixels = {"px_reliability"};
  int batch = 20;
  int threads = 4;
  int deadline_ms = 2000;
  int interval_ms = 0;  // Pause between calls of one thread.
};

const char kUsage[] =
    "usage: reliability-load-client --target HOST:PORT --out FILE\n"
    "  [--summary FILE] [--prefix P] [--pixels A,B] [--batch N]\n"
    "  [--threads N] [--deadline-ms N] [--interval-ms N]\n";

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i], value = argv[i + 1];
    if (name == "--target") {
      flags->target = value;
    } else if (name == "--out") {
      flags->out = value;
    } else if (name == "--summary") {
      flags->summary = value;
    } else if (name == "--prefix") {
      flags->prefix = value;
    } else if (name == "--pixels") {
      flags->pixels.clear();
      for (size_t at = 0; at <= value.size();) {
        size_t comma = std::min(value.find(',', at), value.size());
        flags->pixels.push_back(value.substr(at, comma - at));
        at = comma + 1;
      }
    } else if (name == "--batch") {
      flags->batch = std::stoi(value);
    } else if (name == "--threads") {
      flags->threads = std::stoi(value);
    } else if (name == "--deadline-ms") {
      flags->deadline_ms = std::stoi(value);
    } else if (name == "--interval-ms") {
      flags->interval_ms = std::stoi(value);
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && !flags->target.empty() && !flags->out.empty();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What every thread shares: the output and the counts.
class Record {
 public:
  explicit Record(const std::string& path) : out_(path, std::ios::app) {}

  void Add(char verdict, const outbox::v1::EnqueueRequest& request,
           int64_t latency_us) {
    std::string lines;
    for (const auto& e : request.events()) {
      lines += verdict;
      lines += '\t' + e.pixel_id() + '\t' + e.type() + '\t' + e.id() + '\n';
    }
    std::lock_guard<std::mutex> lock(mu_);
    out_ << lines;
    out_.flush();
    ++calls_;
    const size_t index = std::string_view("AFUN").find(verdict);
    counts_[index] += request.events_size();
    if (verdict == 'A') latencies_us_.push_back(latency_us);
  }

  std::string Summary() {
    std::lock_guard<std::mutex> lock(mu_);
    std::sort(latencies_us_.begin(), latencies_us_.end());
    auto at = [&](double q) -> int64_t {
      if (latencies_us_.empty()) return 0;
      return latencies_us_[static_cast<size_t>(q * (latencies_us_.size() - 1))];
    };
    return "calls=" + std::to_string(calls_) +
           " acknowledged=" + std::to_string(counts_[0]) +
           " failed=" + std::to_string(counts_[1]) +
           " unknown=" + std::to_string(counts_[2]) +
           " not_sent=" + std::to_string(counts_[3]) +
           " p50_us=" + std::to_string(at(0.5)) +
           " p99_us=" + std::to_string(at(0.99)) +
           " max_us=" + std::to_string(at(1.0)) + "\n";
  }

 private:
  std::mutex mu_;
  std::ofstream out_;
  uint64_t calls_ = 0;
  uint64_t counts_[4] = {0, 0, 0, 0};
  std::vector<int64_t> latencies_us_;
};

std::atomic<bool> stopping{false};

// UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED, INTERNAL and UNKNOWN
// leave the outcome open (outbox.proto): the events may be stored; unless
// the channel never connected (gRPC fails such calls at once, wait_for_ready
// being off).
char Verdict(const grpc::Status& status) {
  const std::string& message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      (message.find("failed to connect") != std::string::npos ||
       message.find("Connection refused") != std::string::npos)) {
    return 'N';
  }
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return 'A';
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::UNIMPLEMENTED:
      return 'F';
    default:
      return 'U';
  }
}

void Run(const Flags& flags, int thread, Record* record) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto stub = outbox::v1::Outbox::NewStub(grpc::CreateCustomChannel(
      flags.target, grpc::InsecureChannelCredentials(), args));
  for (uint64_t seq = 0; !stopping.load(); ++seq) {
    outbox::v1::EnqueueRequest request;
    const std::string& pixel = flags.pixels[seq % flags.pixels.size()];
    for (int i = 0; i < flags.batch; ++i) {
      auto* e = request.add_events();
      e->set_pixel_id(pixel);
      e->set_id(flags.prefix + "-" + std::to_string(thread) + "-" +
                std::to_string(seq) + "-" + std::to_string(i));
      e->set_type("order_created");
      e->set_timestamp_ms(NowMs());
      e->set_action_source("web");
      e->set_source_url("https://shop.example/checkout/done");
      e->mutable_data()->set_type("contents");
      e->mutable_data()->set_amount(12999);
      e->mutable_data()->set_currency("USD");
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(flags.deadline_ms));
    outbox::v1::EnqueueResponse response;
    auto start = std::chrono::steady_clock::now();
    grpc::Status status = stub->Enqueue(&context, request, &response);
    int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    char verdict = Verdict(status);
    record->Add(verdict, request, us);
    if (verdict == 'F') {
      std::fprintf(stderr, "enqueue failed: %d %s\n",
                   static_cast<int>(status.error_code()),
                   status.error_message().c_str());
    }
    // While outboxd is down, calls fail at once: do not spin.
    int pause = verdict == 'A' ? flags.interval_ms : 5;
    if (pause > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(pause));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fputs(kUsage, stderr);
    return 64;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  Record record(flags.out);
  std::vector<std::thread> threads;
  for (int t = 0; t < flags.threads; ++t) {
    threads.emplace_back(Run, std::cref(flags), t, &record);
  }
  int sig = 0;
  sigwait(&set, &sig);
  stopping = true;
  for (auto& t : threads) t.join();
  std::string summary = record.Summary();
  if (!flags.summary.empty()) {
    std::ofstream(flags.summary) << summary;
  }
  std::fputs(summary.c_str(), stdout);
  return 0;
}
