#include "tools/fake_capi/replies.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

namespace outbox {
namespace fake_capi {

std::string ErrorBody(std::string_view message, std::string_view type,
                      std::string_view code) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto string = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("message");
  string(message);
  w.Key("type");
  string(type);
  if (!code.empty()) {
    w.Key("code");
    string(code);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string AcceptedBody(size_t accepted_events) {
  return "{\"accepted_events\":" + std::to_string(accepted_events) + "}";
}

HttpReply JsonReply(int status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

}  // namespace fake_capi
}  // namespace outbox
