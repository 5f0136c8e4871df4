#include "bench/harness/http_client.h"

#include <curl/curl.h>

namespace bench {
namespace {

size_t Collect(char* data, size_t size, size_t n, void* user) {
  if (user != nullptr) static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct GlobalInit {
  GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

HttpClient::HttpClient() {
  static GlobalInit init;  // curl_global_init is not thread-safe: once.
  curl_ = curl_easy_init();
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

int HttpClient::Perform(std::string* response, std::string* error) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    if (error != nullptr) *error = curl_easy_strerror(rc);
    return 0;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return static_cast<int>(status);
}

int HttpClient::Post(const std::string& url, const std::string& api_key,
                     const std::string& body, std::string* response,
                     std::string* error) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_slist* headers =
      curl_slist_append(nullptr, "Content-Type: application/json");
  if (!api_key.empty()) {
    headers = curl_slist_append(headers,
                                ("Authorization: Bearer " + api_key).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(body.size()));
  const int status = Perform(response, error);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  return status;
}

int HttpClient::Get(const std::string& url, std::string* response,
                    std::string* error) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  return Perform(response, error);
}

std::string RequestBody(const std::string* const* events, size_t count) {
  size_t size = 64;
  for (size_t i = 0; i < count; ++i) size += events[i]->size() + 1;
  std::string body;
  body.reserve(size);
  body += "{\"validate_only\":false,\"events\":[";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) body += ',';
    body += *events[i];
  }
  body += "]}";
  return body;
}

}  // namespace bench
