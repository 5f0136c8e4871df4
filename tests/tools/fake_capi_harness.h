// A harness for fake-capi tests: a server in the test process on a free
// loopback port, and a libcurl client for it that sends the way the outbox
// would (keep-alive, Bearer key).
#ifndef TESTS_TOOLS_FAKE_CAPI_HARNESS_H_
#define TESTS_TOOLS_FAKE_CAPI_HARNESS_H_

#include <curl/curl.h>
#include <rapidjson/document.h>

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "outbox/clock.h"
#include "tools/fake_capi/server.h"

namespace outbox {
namespace fake_capi {
namespace testing {

inline constexpr int64_t kDayMs = 24LL * 3600 * 1000;

struct Response {
  CURLcode code = CURLE_OK;
  long status = 0;
  long new_connections = 0;
  std::string headers;  // Raw header lines, names lower-cased.
  std::string body;

  bool HasHeader(const std::string& line) const {
    return headers.find(line + "\r\n") != std::string::npos;
  }
};

inline size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

inline size_t AppendLowered(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  for (size_t i = 0; i < line.size() && line[i] != ':'; ++i) {
    line[i] = static_cast<char>(std::tolower(line[i]));
  }
  static_cast<std::string*>(out)->append(line);
  return size * n;
}

struct SendOptions {
  std::string key;  // Sent as "Authorization: Bearer KEY" unless empty.
  std::string pid = "px";
  long timeout_ms = 10000;
  // A fresh connection keeps curl from quietly re-sending a request whose
  // reused connection closed unanswered (it takes that for a stale one).
  bool fresh_connection = false;
  bool expect_continue = false;  // Send "Expect: 100-continue".
};

// SendOptions with the demo key and one thing changed.
inline SendOptions WithKey(const std::string& key) {
  SendOptions options;
  options.key = key;
  return options;
}
inline SendOptions ToPixel(const std::string& pid) {
  SendOptions options = WithKey(kDemoApiKey);
  options.pid = pid;
  return options;
}
inline SendOptions OnFreshConnection() {
  SendOptions options = WithKey(kDemoApiKey);
  options.fresh_connection = true;
  return options;
}
inline SendOptions WithTimeoutMs(long timeout_ms) {
  SendOptions options = WithKey(kDemoApiKey);
  options.timeout_ms = timeout_ms;
  return options;
}

// One easy handle, reused, so connections are kept alive between requests.
class Client {
 public:
  Client() : curl_(curl_easy_init()) {}
  ~Client() { curl_easy_cleanup(curl_); }

  Response Send(const std::string& url, const std::string* post_body,
                const SendOptions& options = {}) {
    Response r;
    curl_easy_reset(curl_);
    curl_easy_setopt(curl_, CURLOPT_FRESH_CONNECT,
                     options.fresh_connection ? 1L : 0L);
    // curl asks for 100-continue by itself only past 1 MB.
    curl_slist* headers = curl_slist_append(
        nullptr, options.expect_continue ? "Expect: 100-continue" : "Expect:");
    curl_easy_setopt(curl_, CURLOPT_EXPECT_100_TIMEOUT_MS, 5000L);
    if (!options.key.empty()) {
      headers = curl_slist_append(
          headers, ("Authorization: Bearer " + options.key).c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, options.timeout_ms);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    if (post_body != nullptr) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, post_body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(post_body->size()));
    }
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, AppendLowered);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r.headers);
    r.code = curl_easy_perform(curl_);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &r.new_connections);
    curl_slist_free_all(headers);
    return r;
  }

 private:
  CURL* curl_;
};

inline int64_t NowMs() { return SystemClock()->NowMs(); }

inline std::string EventJson(
    const std::string& id, int64_t ts = NowMs(),
    const std::string& data = R"({"type":"contents"})") {
  return R"({"id":")" + id + R"(","type":"page_viewed","timestamp_ms":)" +
         std::to_string(ts) +
         R"(,"action_source":"web","source_url":"https://shop.example/p",)"
         R"("data":)" +
         data + "}";
}

inline std::string Body(const std::vector<std::string>& events,
                        bool validate_only = false) {
  std::string body =
      validate_only ? R"({"validate_only":true,"events":[)" : R"({"events":[)";
  for (size_t i = 0; i < events.size(); ++i) {
    body += (i > 0 ? "," : "") + events[i];
  }
  return body + "]}";
}

inline std::vector<std::string> ManyEvents(size_t n,
                                           const std::string& prefix) {
  std::vector<std::string> events;
  for (size_t i = 0; i < n; ++i) {
    events.push_back(EventJson(prefix + std::to_string(i)));
  }
  return events;
}

inline rapidjson::Document Json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  BOOST_TEST_REQUIRE(!doc.HasParseError(), text);
  return doc;
}

// A fake-capi on a free loopback port, and a client for it.
class FakeCapi {
 public:
  explicit FakeCapi(ServiceOptions service = {}) {
    ServerOptions options;
    options.port = 0;
    options.service = std::move(service);
    auto started = FakeCapiServer::Start(std::move(options));
    BOOST_TEST_REQUIRE(started.ok(), started.status().ToString());
    server_ = std::move(started).value();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  // POSTs to /v1/events?pid=<options.pid>, with the demo key by default.
  Response PostEvents(const std::string& body) {
    SendOptions options;
    options.key = kDemoApiKey;
    return PostEvents(body, options);
  }
  Response PostEvents(const std::string& body, const SendOptions& options) {
    return client_.Send(Url("/v1/events?pid=" + options.pid), &body, options);
  }
  Response Post(const std::string& path, const std::string& body) {
    return client_.Send(Url(path), &body);
  }
  Response Get(const std::string& path) {
    return client_.Send(Url(path), nullptr);
  }
  rapidjson::Document Stats() { return Json(Get("/stats").body); }
  void Control(const std::string& json) {
    BOOST_TEST_REQUIRE(Post("/control", json).status == 200);
  }
  uint64_t Count(const char* name) { return Stats()[name].GetUint64(); }
  uint64_t Faults(const char* kind) {
    return Stats()["faults"][kind].GetUint64();
  }

 private:
  std::unique_ptr<FakeCapiServer> server_;
  Client client_;
};

}  // namespace testing
}  // namespace fake_capi
}  // namespace outbox

#endif  // TESTS_TOOLS_FAKE_CAPI_HARNESS_H_
