// A scripted Transport for delivery tests: answers every request inline
// through a handler, and remembers what was sent.
#ifndef OUTBOX_TESTS_OUTBOX_FAKE_TRANSPORT_H_
#define OUTBOX_TESTS_OUTBOX_FAKE_TRANSPORT_H_

#include <rapidjson/document.h>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "outbox/transport.h"

namespace outbox::testing {

struct SentRequest {
  std::string pixel_id;
  std::string api_key;
  std::string body;
  bool validate_only = false;
  std::vector<std::string> ids;
  std::vector<int64_t> timestamps_ms;
};

class FakeTransport : public Transport {
 public:
  using Handler = std::function<HttpResponse(const SentRequest&)>;

  // Default: every request is accepted.
  FakeTransport() : handler_(Accept) {}

  static HttpResponse Accept(const SentRequest& request) {
    HttpResponse r;
    r.status = 200;
    r.body = "{\"accepted_events\":" + std::to_string(request.ids.size()) + "}";
    return r;
  }
  static HttpResponse Status(int status, std::string body = "") {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }

  void SetHandler(Handler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    handler_ = std::move(handler);
  }

  void Send(HttpRequest request, Callback done) override {
    SentRequest sent = Parse(request);
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu_);
      sent_.push_back(sent);
      handler = handler_;
    }
    done(handler(sent));
  }

  std::vector<SentRequest> sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }
  size_t count() const { return sent().size(); }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    sent_.clear();
  }

 private:
  static SentRequest Parse(const HttpRequest& request) {
    SentRequest sent;
    sent.pixel_id = request.pixel_id;
    sent.api_key = request.api_key;
    sent.body = request.body;
    rapidjson::Document doc;
    doc.Parse(request.body.data(), request.body.size());
    if (doc.HasParseError() || !doc.IsObject()) return sent;
    if (doc.HasMember("validate_only")) {
      sent.validate_only = doc["validate_only"].GetBool();
    }
    for (const auto& event : doc["events"].GetArray()) {
      sent.ids.push_back(event["id"].GetString());
      sent.timestamps_ms.push_back(event["timestamp_ms"].GetInt64());
    }
    return sent;
  }

  mutable std::mutex mu_;
  Handler handler_;
  std::vector<SentRequest> sent_;
};

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_OUTBOX_FAKE_TRANSPORT_H_
