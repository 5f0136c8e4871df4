#include "outbox/http/curl_transfer.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <utility>

#include "outbox/http/curl_errors.h"

namespace outbox {
namespace http_internal {
namespace {

// Records the first option libcurl refuses, so that Configure reads as a
// flat list of settings instead of a ladder of checks.
class OptionSetter {
 public:
  explicit OptionSetter(CURL* easy) : easy_(easy) {}

  template <typename T>
  void operator()(CURLoption option, T value) {
    CURLcode code = curl_easy_setopt(easy_, option, value);
    if (result_ == CURLE_OK) result_ = code;
  }

  CURLcode result() const { return result_; }

 private:
  CURL* easy_;
  CURLcode result_ = CURLE_OK;
};

// Returns endpoint + "?pid=<escaped pixel id>", or "" if escaping failed.
std::string BuildUrl(CURL* easy, const std::string& endpoint,
                     const std::string& pixel_id) {
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(easy, pixel_id.data(),
                       static_cast<int>(pixel_id.size())),
      &curl_free);
  if (escaped == nullptr) return "";
  const char separator = endpoint.find('?') == std::string::npos ? '?' : '&';
  return endpoint + separator + "pid=" + escaped.get();
}

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

Transfer::Transfer(HttpRequest request, Transport::Callback done)
    : request_(std::move(request)), done_(std::move(done)) {}

Transfer::~Transfer() { curl_slist_free_all(headers_); }

CURLcode Transfer::Configure(CURL* easy, const CurlTransportOptions& options) {
  easy_ = easy;
  started_ = std::chrono::steady_clock::now();
  has_started_ = true;
  body_cap_ = options.max_response_body_bytes;
  CURLcode code = ConfigureConnection(options);
  if (code != CURLE_OK) return code;
  return ConfigureRequest(options);
}

CURLcode Transfer::ConfigureConnection(const CurlTransportOptions& options) {
  OptionSetter set(easy_);
  set(CURLOPT_NOSIGNAL, 1L);  // Signals are process-wide; we are a library.
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout_ms));
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_USERAGENT, options.user_agent.c_str());
  set(CURLOPT_ERRORBUFFER, error_);
  CURLcode code = set.result();
  // A libcurl built without HTTP/2 refuses this; HTTP/1.1 still works.
  curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION,
                   static_cast<long>(CURL_HTTP_VERSION_2TLS));
  return code;
}

CURLcode Transfer::ConfigureRequest(const CurlTransportOptions& options) {
  url_ = BuildUrl(easy_, options.endpoint, request_.pixel_id);
  const std::string auth = "Authorization: Bearer " + request_.api_key;
  for (const char* header : {"Content-Type: application/json", auth.c_str(),
                             // Without this libcurl waits for
                             // "100 Continue" before sending large bodies.
                             "Expect:"}) {
    curl_slist* grown = curl_slist_append(headers_, header);
    if (grown == nullptr) return CURLE_OUT_OF_MEMORY;
    headers_ = grown;
  }
  if (url_.empty()) return CURLE_OUT_OF_MEMORY;
  OptionSetter set(easy_);
  set(CURLOPT_URL, url_.c_str());
  set(CURLOPT_POST, 1L);
  set(CURLOPT_HTTPHEADER, headers_);
  set(CURLOPT_POSTFIELDSIZE_LARGE,
      static_cast<curl_off_t>(request_.body.size()));
  set(CURLOPT_POSTFIELDS, request_.body.data());
  set(CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
  set(CURLOPT_HEADERDATA, this);
  set(CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
  set(CURLOPT_WRITEDATA, this);
  return set.result();
}

size_t Transfer::OnHeader(char* data, size_t size, size_t n, void* self) {
  static_cast<Transfer*>(self)->AddHeaderLine({data, size * n});
  return size * n;
}

size_t Transfer::OnBody(char* data, size_t size, size_t n, void* self) {
  static_cast<Transfer*>(self)->AddBody({data, size * n});
  return size * n;  // Anything less would make libcurl abort the transfer.
}

void Transfer::AddHeaderLine(std::string_view line) {
  if (line.substr(0, 5) == "HTTP/") {
    // A new status line: what came before belonged to an interim (1xx)
    // response; keep only the final response's headers.
    response_.headers.clear();
    return;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;  // The blank end-of-headers.
  response_.headers.emplace_back(ToLower(Trim(line.substr(0, colon))),
                                 std::string(Trim(line.substr(colon + 1))));
}

void Transfer::AddBody(std::string_view data) {
  const size_t room = body_cap_ - std::min(body_cap_, response_.body.size());
  response_.body.append(data.substr(0, room));
}

HttpResponse Transfer::Finish(CURLcode code) {
  HttpResponse response = std::move(response_);
  response.status = 0;
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
  } else {
    response.transport_error =
        Redact(DescribeCurlError(code, error_), request_.api_key);
  }
  response.duration_ms = ElapsedMs();
  return response;
}

HttpResponse Transfer::Fail(std::string error) const {
  HttpResponse response;
  response.transport_error = Redact(std::move(error), request_.api_key);
  response.duration_ms = ElapsedMs();
  return response;
}

void Transfer::Complete(HttpResponse response) {
  Transport::Callback done = std::move(done_);
  done(std::move(response));
}

int64_t Transfer::ElapsedMs() const {
  if (!has_started_) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - started_)
      .count();
}

}  // namespace http_internal
}  // namespace outbox
