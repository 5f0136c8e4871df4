#include "outbox/curl_transport.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <cctype>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "outbox/http/curl_errors.h"
#include "outbox/http/curl_transfer.h"

namespace outbox {

using http_internal::DescribeCurlError;
using http_internal::Transfer;

namespace {

constexpr char kShutDownError[] = "transport shut down";

// A safety net only: new work and shutdown wake the thread explicitly, and
// libcurl shortens the wait to its own next timeout.
constexpr int kIdlePollMs = 1000;

bool InitCurlOnce() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result == CURLE_OK;
}

// Returns `part` of `url` lower-cased, or "" when it is absent.
std::string UrlPart(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK) return "";
  std::string out(value);
  curl_free(value);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "[::1]") return true;
  in_addr addr;
  if (inet_pton(AF_INET, host.c_str(), &addr) != 1) return false;
  return (ntohl(addr.s_addr) >> 24) == 127;
}

// Parses with libcurl's own URL parser so that the host checked here is
// the host libcurl will connect to (no "http://127.0.0.1@evil.com" games).
Status CheckEndpoint(const std::string& endpoint) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(),
                                                          &curl_url_cleanup);
  if (url == nullptr) return Status::Internal("curl_url failed");
  if (curl_url_set(url.get(), CURLUPART_URL, endpoint.c_str(), 0) !=
      CURLUE_OK) {
    return Status::InvalidArgument("endpoint is not a valid URL: " + endpoint);
  }
  const std::string scheme = UrlPart(url.get(), CURLUPART_SCHEME);
  if (scheme == "https") return Status::Ok();
  if (scheme == "http" && IsLoopbackHost(UrlPart(url.get(), CURLUPART_HOST))) {
    return Status::Ok();
  }
  return Status::InvalidArgument(
      "endpoint must be https://; plain http:// is allowed only for loopback "
      "hosts (127.0.0.0/8, localhost, [::1]): " +
      endpoint);
}

Status CheckOptions(const CurlTransportOptions& options) {
  OUTBOX_RETURN_IF_ERROR(CheckEndpoint(options.endpoint));
  if (options.connect_timeout_ms <= 0 || options.request_timeout_ms <= 0) {
    return Status::InvalidArgument("timeouts must be positive");
  }
  if (options.max_concurrent_requests <= 0) {
    return Status::InvalidArgument("max_concurrent_requests must be positive");
  }
  if (options.user_agent.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("user_agent must be a single line");
  }
  return Status::Ok();
}

}  // namespace

// The transport's thread and everything it owns. Members marked "thread"
// are touched only by that thread (and by the destructor after joining it).
class CurlTransport::Impl {
 public:
  explicit Impl(const CurlTransportOptions& options) : options_(options) {}
  ~Impl();

  // Creates the multi handle and starts the thread.
  Status Start();
  void Send(HttpRequest request, Callback done);

 private:
  void Run();
  bool TakeQueued(std::vector<std::unique_ptr<Transfer>>* out);
  void StartTransfer(std::unique_ptr<Transfer> transfer);
  int FinishDone();
  void FailActive(const std::string& error);
  void FailQueued();
  void Complete(std::unique_ptr<Transfer> transfer, HttpResponse response);
  CURL* AcquireEasy();

  const CurlTransportOptions options_;
  CURLM* multi_ = nullptr;
  std::thread thread_;

  std::mutex mu_;
  std::deque<std::unique_ptr<Transfer>> queue_;  // Guarded by mu_.
  bool stopping_ = false;                        // Guarded by mu_.

  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;  // Thread.
  std::vector<CURL*> idle_;  // Thread. Reset easy handles, ready for reuse.
};

Status CurlTransport::Impl::Start() {
  multi_ = curl_multi_init();
  if (multi_ == nullptr) return Status::Internal("curl_multi_init failed");
  // Keep an idle connection per concurrent request; libcurl's default
  // (4 x handles currently added) would close connections when the load
  // drops and reopen them (TCP + TLS) when it rises again.
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS,
                    static_cast<long>(options_.max_concurrent_requests));
  try {
    thread_ = std::thread(&Impl::Run, this);
  } catch (const std::system_error& e) {
    return Status::Internal(std::string("cannot start thread: ") + e.what());
  }
  return Status::Ok();
}

CurlTransport::Impl::~Impl() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      curl_multi_wakeup(multi_);
    }
    thread_.join();
  }
  for (CURL* easy : idle_) curl_easy_cleanup(easy);
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
}

void CurlTransport::Impl::Send(HttpRequest request, Callback done) {
  auto transfer =
      std::make_unique<Transfer>(std::move(request), std::move(done));
  if (transfer->request().api_key.find_first_of("\r\n") != std::string::npos) {
    // It would end the Authorization header and inject whatever follows.
    transfer->Complete(transfer->Fail("API key contains a line break"));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(transfer));
      // Under the lock, so the multi handle cannot be gone yet.
      curl_multi_wakeup(multi_);
      return;
    }
  }
  transfer->Complete(transfer->Fail(kShutDownError));
}

void CurlTransport::Impl::Run() {
  std::vector<std::unique_ptr<Transfer>> starting;
  while (TakeQueued(&starting)) {
    for (auto& transfer : starting) StartTransfer(std::move(transfer));
    starting.clear();
    int running = 0;
    CURLMcode code = curl_multi_perform(multi_, &running);
    if (code != CURLM_OK) {
      FailActive(std::string("curl: ") + curl_multi_strerror(code));
    }
    // Finished transfers free slots that queued requests may take at once.
    if (FinishDone() > 0) continue;
    curl_multi_poll(multi_, nullptr, 0, kIdlePollMs, nullptr);
  }
  FailActive(kShutDownError);
  FailQueued();
}

// Moves as many queued transfers as there are free slots into `out`.
// Returns false once the transport is stopping.
bool CurlTransport::Impl::TakeQueued(
    std::vector<std::unique_ptr<Transfer>>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return false;
  size_t free_slots = options_.max_concurrent_requests - active_.size();
  while (free_slots > 0 && !queue_.empty()) {
    out->push_back(std::move(queue_.front()));
    queue_.pop_front();
    --free_slots;
  }
  return true;
}

void CurlTransport::Impl::StartTransfer(std::unique_ptr<Transfer> transfer) {
  CURL* easy = AcquireEasy();
  if (easy == nullptr) {
    HttpResponse response = transfer->Fail("curl: cannot create a handle");
    Complete(std::move(transfer), std::move(response));
    return;
  }
  CURLcode code = transfer->Configure(easy, options_);
  if (code != CURLE_OK) {
    HttpResponse response = transfer->Fail(DescribeCurlError(code, ""));
    Complete(std::move(transfer), std::move(response));
    return;
  }
  CURLMcode added = curl_multi_add_handle(multi_, easy);
  if (added != CURLM_OK) {
    HttpResponse response =
        transfer->Fail(std::string("curl: ") + curl_multi_strerror(added));
    Complete(std::move(transfer), std::move(response));
    return;
  }
  active_.emplace(easy, std::move(transfer));
}

// Completes every transfer libcurl reports as done; returns how many.
int CurlTransport::Impl::FinishDone() {
  int finished = 0;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;  // `msg` dies with the removal.
    auto it = active_.find(easy);
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    active_.erase(it);
    curl_multi_remove_handle(multi_, easy);
    HttpResponse response = transfer->Finish(code);
    Complete(std::move(transfer), std::move(response));
    ++finished;
  }
  return finished;
}

void CurlTransport::Impl::FailActive(const std::string& error) {
  auto active = std::move(active_);
  active_.clear();
  for (auto& [easy, transfer] : active) {
    curl_multi_remove_handle(multi_, easy);
    HttpResponse response = transfer->Fail(error);
    Complete(std::move(transfer), std::move(response));
  }
}

void CurlTransport::Impl::FailQueued() {
  std::deque<std::unique_ptr<Transfer>> queued;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued.swap(queue_);
  }
  for (auto& transfer : queued) {
    HttpResponse response = transfer->Fail(kShutDownError);
    Complete(std::move(transfer), std::move(response));
  }
}

// Returns the transfer's easy handle to the pool, then runs the callback:
// by then the transport no longer refers to the transfer, so the callback
// may call Send again.
void CurlTransport::Impl::Complete(std::unique_ptr<Transfer> transfer,
                                   HttpResponse response) {
  if (CURL* easy = transfer->easy()) {
    // Reset now, not at reuse: the handle must not keep pointers into the
    // transfer (error buffer, header list) that is about to be freed.
    curl_easy_reset(easy);
    idle_.push_back(easy);
  }
  transfer->Complete(std::move(response));
}

// Reuses a pooled handle when there is one: besides saving the setup, it
// keeps its DNS cache and TLS session for the next request.
CURL* CurlTransport::Impl::AcquireEasy() {
  if (idle_.empty()) return curl_easy_init();
  CURL* easy = idle_.back();
  idle_.pop_back();
  return easy;
}

StatusOr<std::unique_ptr<CurlTransport>> CurlTransport::Create(
    const CurlTransportOptions& options) {
  if (!InitCurlOnce()) return Status::Internal("curl_global_init failed");
  OUTBOX_RETURN_IF_ERROR(CheckOptions(options));
  auto impl = std::make_unique<Impl>(options);
  OUTBOX_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<CurlTransport>(new CurlTransport(std::move(impl)));
}

CurlTransport::CurlTransport(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

CurlTransport::~CurlTransport() = default;

void CurlTransport::Send(HttpRequest request, Callback done) {
  impl_->Send(std::move(request), std::move(done));
}

}  // namespace outbox
