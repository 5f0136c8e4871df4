#include "tools/fake_capi/request_log.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <cstring>

namespace outbox {
namespace fake_capi {
namespace {

void WriteString(rapidjson::Writer<rapidjson::StringBuffer>* w,
                 std::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

StatusOr<std::unique_ptr<RequestLog>> RequestLog::Open(
    const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return Status::InvalidArgument("cannot open request log " + path + ": " +
                                   std::strerror(errno));
  }
  return std::unique_ptr<RequestLog>(new RequestLog(file));
}

RequestLog::~RequestLog() { std::fclose(file_); }

void RequestLog::Append(int64_t t_ms, std::string_view pixel,
                        const std::vector<KeyRef>& keys) {
  // Built outside the lock: only the write itself is serialised.
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("t_ms");
  w.Int64(t_ms);
  w.Key("pixel");
  WriteString(&w, pixel);
  w.Key("ids");
  w.StartArray();
  for (const KeyRef& key : keys) WriteString(&w, key.id);
  w.EndArray();
  w.Key("names");
  w.StartArray();
  for (const KeyRef& key : keys) WriteString(&w, key.event_name);
  w.EndArray();
  w.EndObject();
  buffer.Put('\n');
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(buffer.GetString(), 1, buffer.GetSize(), file_);
  std::fflush(file_);
}

}  // namespace fake_capi
}  // namespace outbox
