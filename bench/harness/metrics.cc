#include "bench/harness/metrics.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>

namespace bench {

std::string MetricsToJson(const Metrics& metrics) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (const auto& [name, value] : metrics) {
    writer.Key(name.c_str());
    // JSON has no NaN or infinity; a failed figure is reported as absent
    // rather than as a number that would be averaged in.
    if (std::isfinite(value)) {
      writer.Double(value);
    } else {
      writer.Null();
    }
  }
  writer.EndObject();
  return buffer.GetString();
}

bool MetricsFromJson(const std::string& json, Metrics* out) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    if (it->value.IsNumber()) {
      (*out)[it->name.GetString()] = it->value.GetDouble();
    } else if (!it->value.IsNull()) {
      return false;
    }
  }
  return true;
}

Summary Summarize(std::vector<double> samples) {
  Summary s;
  s.n = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.min = samples.front();
  s.max = samples.back();
  const size_t mid = samples.size() / 2;
  s.median = samples.size() % 2 == 1 ? samples[mid]
                                     : (samples[mid - 1] + samples[mid]) / 2;
  return s;
}

double Quantile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(p * static_cast<double>(sorted.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

void AddLatencyQuantiles(std::vector<double> latencies_ms,
                         const std::string& prefix, Metrics* metrics) {
  std::sort(latencies_ms.begin(), latencies_ms.end());
  (*metrics)[prefix + "p50_ms"] = Quantile(latencies_ms, 0.50);
  (*metrics)[prefix + "p99_ms"] = Quantile(latencies_ms, 0.99);
  (*metrics)[prefix + "p999_ms"] = Quantile(latencies_ms, 0.999);
}

}  // namespace bench
