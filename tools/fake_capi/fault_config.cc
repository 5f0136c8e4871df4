#include "tools/fake_capi/fault_config.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cstdlib>
#include <limits>
#include <string>

namespace outbox {
namespace fake_capi {
namespace {

constexpr std::string_view kFaultNames[kFaultKinds] = {
    "none",  "status_429",        "status_500", "status_503",
    "reset", "drop_after_accept", "slow",       "black_hole"};

// Far enough for any test, near enough that now + offset cannot overflow.
constexpr int64_t kMaxClockOffsetMs = 100LL * 365 * 24 * 3600 * 1000;

Status FieldError(std::string_view name, std::string_view what) {
  return Status::InvalidArgument(std::string(name) + ": " + std::string(what));
}

// A field's value as command-line text.
struct TextInput {
  std::string_view name;
  std::string_view text;

  Status Number(double* out) const {
    const std::string copy(text);  // strtod needs a terminated string.
    char* end = nullptr;
    *out = std::strtod(copy.c_str(), &end);
    if (copy.empty() || *end != '\0') return FieldError(name, "not a number");
    return Status::Ok();
  }
  Status Integer(int64_t* out) const {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, *out);
    if (ec != std::errc() || ptr != end) {
      return FieldError(name, "not an integer");
    }
    return Status::Ok();
  }
  Status String(std::string* out) const {
    *out = std::string(text);
    return Status::Ok();
  }
};

// A field's value as a member of the JSON sent to POST /control.
struct JsonInput {
  std::string_view name;
  const rapidjson::Value& value;

  Status Number(double* out) const {
    if (!value.IsNumber()) return FieldError(name, "expected a number");
    *out = value.GetDouble();
    return Status::Ok();
  }
  Status Integer(int64_t* out) const {
    if (!value.IsInt64()) return FieldError(name, "expected an integer");
    *out = value.GetInt64();
    return Status::Ok();
  }
  Status String(std::string* out) const {
    if (!value.IsString()) return FieldError(name, "expected a string");
    out->assign(value.GetString(), value.GetStringLength());
    return Status::Ok();
  }
};

template <typename In>
Status SetInteger(const In& in, int64_t min, int64_t max, int64_t* out) {
  int64_t v = 0;
  OUTBOX_RETURN_IF_ERROR(in.Integer(&v));
  if (v < min || v > max) {
    return FieldError(in.name, "must be in [" + std::to_string(min) + ", " +
                                   std::to_string(max) + "]");
  }
  *out = v;
  return Status::Ok();
}

template <typename In>
Status SetField(const In& in, FaultConfig* config) {
  for (size_t k = 1; k < kFaultKinds; ++k) {
    if (in.name != kFaultNames[k]) continue;
    double share = 0;
    OUTBOX_RETURN_IF_ERROR(in.Number(&share));
    if (!(share >= 0 && share <= 1)) {
      return FieldError(in.name, "a share must be in [0, 1]");
    }
    config->shares[k] = share;
    return Status::Ok();
  }
  const std::string_view name = in.name;
  if (name == "retry_after_s") {
    return SetInteger(in, 0, 86400, &config->retry_after_s);
  }
  if (name == "slow_ms") return SetInteger(in, 0, 3'600'000, &config->slow_ms);
  if (name == "clock_offset_ms") {
    return SetInteger(in, -kMaxClockOffsetMs, kMaxClockOffsetMs,
                      &config->clock_offset_ms);
  }
  if (name == "seed") {
    int64_t seed = 0;
    OUTBOX_RETURN_IF_ERROR(
        SetInteger(in, 0, std::numeric_limits<int64_t>::max(), &seed));
    config->seed = static_cast<uint64_t>(seed);
    return Status::Ok();
  }
  if (name == "reject_ids_containing") {
    return in.String(&config->reject_ids_containing);
  }
  return FieldError(name, "unknown field");
}

Status CheckShareSum(const FaultConfig& config) {
  double sum = 0;
  for (size_t k = 1; k < kFaultKinds; ++k) sum += config.shares[k];
  if (sum > 1 + 1e-9) {
    return Status::InvalidArgument("fault shares sum to " +
                                   std::to_string(sum) + ", more than 1");
  }
  return Status::Ok();
}

std::string Normalized(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

}  // namespace

std::string_view FaultName(FaultKind kind) {
  return kFaultNames[static_cast<size_t>(kind)];
}

bool IsFaultField(std::string_view name) {
  FaultConfig scratch;
  const std::string normalized = Normalized(name);
  // A value every field accepts, so only the name decides.
  return SetField(TextInput{normalized, "0"}, &scratch).ok();
}

Status SetFaultFlag(std::string_view name, std::string_view value,
                    FaultConfig* config) {
  FaultConfig updated = *config;
  const std::string normalized = Normalized(name);
  OUTBOX_RETURN_IF_ERROR(SetField(TextInput{normalized, value}, &updated));
  OUTBOX_RETURN_IF_ERROR(CheckShareSum(updated));
  *config = std::move(updated);
  return Status::Ok();
}

Status ApplyFaultJson(std::string_view json, FaultConfig* config) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::InvalidArgument("expected a JSON object");
  }
  FaultConfig updated = *config;
  for (const auto& m : doc.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    OUTBOX_RETURN_IF_ERROR(SetField(JsonInput{name, m.value}, &updated));
  }
  OUTBOX_RETURN_IF_ERROR(CheckShareSum(updated));
  *config = std::move(updated);
  return Status::Ok();
}

std::string FaultConfigToJson(const FaultConfig& config) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (size_t k = 1; k < kFaultKinds; ++k) {
    w.Key(kFaultNames[k].data(), kFaultNames[k].size());
    w.Double(config.shares[k]);
  }
  w.Key("retry_after_s");
  w.Int64(config.retry_after_s);
  w.Key("slow_ms");
  w.Int64(config.slow_ms);
  w.Key("reject_ids_containing");
  w.String(config.reject_ids_containing.data(),
           config.reject_ids_containing.size());
  w.Key("clock_offset_ms");
  w.Int64(config.clock_offset_ms);
  w.Key("seed");
  w.Uint64(config.seed);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void FaultPicker::Reseed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  rng_.seed(seed);
}

FaultKind FaultPicker::Pick(const FaultConfig& config) {
  double u;
  {
    std::lock_guard<std::mutex> lock(mu_);
    u = std::uniform_real_distribution<double>(0, 1)(rng_);
  }
  double cumulative = 0;
  for (size_t k = 1; k < kFaultKinds; ++k) {
    cumulative += config.shares[k];
    if (u < cumulative) return static_cast<FaultKind>(k);
  }
  return FaultKind::kNone;
}

}  // namespace fake_capi
}  // namespace outbox
