#include "bench/harness/grpc_load.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "bench/harness/events.h"
#include "outbox/v1/outbox.grpc.pb.h"

namespace bench {
namespace {

namespace v1 = outbox::v1;
using Clock = std::chrono::steady_clock;

// The same ~700-byte event the in-process and SQL measurements use.
void ToProto(const outbox::Event& e, v1::ConversionEvent* out) {
  out->set_pixel_id(e.pixel_id);
  out->set_id(e.id);
  out->set_type(e.type);
  out->set_timestamp_ms(e.timestamp_ms);
  out->set_action_source(e.action_source);
  out->set_source_url(e.source_url);
  v1::UserData* user = out->mutable_user();
  for (const auto& s : e.user.emails_sha256) user->add_emails_sha256(s);
  for (const auto& s : e.user.phone_numbers_sha256) {
    user->add_phone_numbers_sha256(s);
  }
  user->set_ip_address(e.user.ip_address);
  user->set_user_agent(e.user.user_agent);
  v1::EventData* data = out->mutable_data();
  data->set_type(e.data.type);
  if (e.data.amount) data->set_amount(*e.data.amount);
  data->set_currency(e.data.currency);
  for (const outbox::Content& c : e.data.contents) {
    v1::Content* content = data->add_contents();
    content->set_id(c.id);
    content->set_name(c.name);
    if (c.quantity) content->set_quantity(*c.quantity);
    if (c.amount) content->set_amount(*c.amount);
  }
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           int index) {
  grpc::ChannelArguments args;
  // A distinct argument per channel stops gRPC from sharing one
  // connection between them.
  args.SetInt("bench.channel_index", index);
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

// One call slot: reissued from its own completion until the window ends.
struct Slot {
  v1::Outbox::Stub* stub = nullptr;
  std::unique_ptr<grpc::ClientContext> context;
  // The context of the call before: a context is not destroyed inside its
  // own completion callback, only one call later.
  std::unique_ptr<grpc::ClientContext> previous_context;
  v1::EnqueueRequest request;
  v1::EnqueueResponse response;
  Clock::time_point start;
  uint64_t calls = 0;
  uint64_t failures = 0;
  std::string first_error;
  std::vector<double> latencies_ms;
};

class Loop {
 public:
  explicit Loop(const GrpcLoadShape& shape) : shape_(shape) {
    for (int c = 0; c < std::max(1, shape.channels); ++c) {
      stubs_.push_back(v1::Outbox::NewStub(MakeChannel(shape.address, c)));
    }
    const int64_t now = NowMs();
    slots_.resize(static_cast<size_t>(shape.concurrency));
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = slots_[i];
      slot.stub = stubs_[i % stubs_.size()].get();
      for (int e = 0; e < shape.events_per_call; ++e) {
        ToProto(RealisticEvent(PixelId(e % shape.pixels), "", now),
                slot.request.add_events());
      }
    }
  }

  Metrics Run(std::string* error) {
    window_start_ = Clock::now() + Seconds(shape_.warmup_seconds);
    window_end_ = window_start_ + Seconds(shape_.seconds);
    active_ = static_cast<int>(slots_.size());
    for (Slot& slot : slots_) Issue(slot);
    {
      std::unique_lock<std::mutex> lock(mu_);
      done_cv_.wait(lock, [this] { return active_ == 0; });
    }
    return Collect(error);
  }

 private:
  static Clock::duration Seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(s));
  }

  void Issue(Slot& slot) {
    for (v1::ConversionEvent& e : *slot.request.mutable_events()) {
      e.set_id(EventId(shape_.id_prefix, next_id_++));
    }
    slot.previous_context = std::move(slot.context);
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(60));
    slot.response.Clear();
    slot.start = Clock::now();
    slot.stub->async()->Enqueue(
        slot.context.get(), &slot.request, &slot.response,
        [this, &slot](grpc::Status s) { OnDone(slot, s); });
  }

  void OnDone(Slot& slot, const grpc::Status& status) {
    const Clock::time_point now = Clock::now();
    if (!status.ok()) {
      if (slot.failures++ == 0) slot.first_error = status.error_message();
    } else if (now >= window_start_ && now <= window_end_) {
      ++slot.calls;
      slot.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(now - slot.start).count());
    }
    if (now < window_end_) {
      Issue(slot);
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (--active_ == 0) done_cv_.notify_all();
  }

  Metrics Collect(std::string* error) {
    uint64_t calls = 0, failures = 0;
    std::vector<double> latencies;
    for (Slot& slot : slots_) {
      calls += slot.calls;
      failures += slot.failures;
      latencies.insert(latencies.end(), slot.latencies_ms.begin(),
                       slot.latencies_ms.end());
      if (error && error->empty()) *error = slot.first_error;
    }
    Metrics m;
    m["calls_per_s"] = static_cast<double>(calls) / shape_.seconds;
    m["events_per_s"] =
        static_cast<double>(calls) * shape_.events_per_call / shape_.seconds;
    m["failures"] = static_cast<double>(failures);
    AddLatencyQuantiles(std::move(latencies), "", &m);
    return m;
  }

  const GrpcLoadShape shape_;
  std::vector<std::unique_ptr<v1::Outbox::Stub>> stubs_;
  std::vector<Slot> slots_;
  std::atomic<uint64_t> next_id_{0};
  Clock::time_point window_start_, window_end_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  int active_ = 0;
};

}  // namespace

Metrics RunGrpcLoad(const GrpcLoadShape& shape, std::string* error) {
  Loop loop(shape);
  return loop.Run(error);
}

outbox::StatusOr<double> TimeToFirstEnqueue(const std::string& address,
                                            double timeout_s) {
  const Clock::time_point start = Clock::now();
  auto stub = v1::Outbox::NewStub(MakeChannel(address, 0));
  v1::EnqueueRequest request;
  ToProto(RealisticEvent(PixelId(0), "first-after-start", NowMs()),
          request.add_events());
  std::string last_error = "no attempt";
  while (std::chrono::duration<double>(Clock::now() - start).count() <
         timeout_s) {
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(500));
    v1::EnqueueResponse response;
    const grpc::Status s = stub->Enqueue(&context, request, &response);
    if (s.ok()) {
      return std::chrono::duration<double>(Clock::now() - start).count();
    }
    last_error = s.error_message();
  }
  return outbox::Status::Unavailable("no successful Enqueue within " +
                                     std::to_string(timeout_s) +
                                     " s: " + last_error);
}

outbox::Status PauseAllDelivery(const std::string& address) {
  auto stub = v1::Admin::NewStub(MakeChannel(address, 0));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::PauseDeliveryRequest request;
  v1::PauseDeliveryResponse response;
  const grpc::Status s = stub->PauseDelivery(&context, request, &response);
  if (s.ok()) return outbox::Status::Ok();
  return outbox::Status::Unavailable("PauseDelivery: " + s.error_message());
}

}  // namespace bench
