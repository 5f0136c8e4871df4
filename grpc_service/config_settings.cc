#include "grpc_service/config_settings.h"

#include <cctype>
#include <charconv>
#include <cstdio>

namespace outbox::grpc_service {
namespace {

Setting Text(std::string name, std::string help, std::string Config::*field,
             bool is_path = false) {
  Setting s;
  s.name = std::move(name);
  s.help = std::move(help);
  s.is_path = is_path;
  s.type_name = is_path ? "PATH" : "TEXT";
  s.parse = [field](const std::string& text, Config* c) {
    c->*field = text;
    return Status::Ok();
  };
  s.show = [field](const Config& c) { return TomlString(c.*field); };
  return s;
}

Setting Path(std::string name, std::string help, std::string Config::*field) {
  return Text(std::move(name), std::move(help), field, /*is_path=*/true);
}

Setting Int(std::string name, std::string help, int64_t Config::*field,
            int64_t min, int64_t max) {
  Setting s;
  s.name = std::move(name);
  s.help = std::move(help) + " (" + std::to_string(min) + "-" +
           std::to_string(max) + ")";
  s.type_name = "INT";
  s.parse = [field, min, max](const std::string& text, Config* c) {
    int64_t value = 0;
    auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min ||
        value > max) {
      return Status::InvalidArgument(
          "expected an integer from " + std::to_string(min) + " to " +
          std::to_string(max) + ", got " + TomlString(text));
    }
    c->*field = value;
    return Status::Ok();
  };
  s.show = [field](const Config& c) { return std::to_string(c.*field); };
  return s;
}

Setting Level() {
  Setting s;
  s.name = "log_level";
  s.type_name = "LEVEL";
  s.help = "debug, info, warning or error; reloaded on SIGHUP";
  s.parse = [](const std::string& text, Config* c) {
    if (ParseLogLevel(text, &c->log_level)) return Status::Ok();
    return Status::InvalidArgument(
        "expected debug, info, warning or error, got " + TomlString(text));
  };
  s.show = [](const Config& c) {
    return TomlString(LogLevelName(c.log_level));
  };
  return s;
}

Setting Format() {
  Setting s;
  s.name = "log_format";
  s.type_name = "FORMAT";
  s.help = "json (JSON lines on stderr) or text";
  s.parse = [](const std::string& text, Config* c) {
    if (text == "json" || text == "text") {
      c->log_format = text == "json" ? LogFormat::kJson : LogFormat::kText;
      return Status::Ok();
    }
    return Status::InvalidArgument("expected json or text, got " +
                                   TomlString(text));
  };
  s.show = [](const Config& c) {
    return TomlString(c.log_format == LogFormat::kJson ? "json" : "text");
  };
  return s;
}

std::vector<Setting> MakeSettings() {
  constexpr int64_t kHourMs = 3600LL * 1000;
  std::vector<Setting> s;
  s.push_back(
      Path("data_dir", "Database directory (required)", &Config::data_dir));
  s.push_back(Text("listen",
                   "HOST:PORT or unix:PATH to serve gRPC on; port 0 picks "
                   "one. Default: loopback only",
                   &Config::listen));
  s.back().type_name = "ADDR";
  s.push_back(Text("capi_url",
                   "Conversions API endpoint (https://, or "
                   "http:// to a loopback host)",
                   &Config::capi_url));
  s.back().type_name = "URL";
  s.push_back(Text("metrics_listen",
                   "HOST:PORT to serve Prometheus /metrics, /healthz and "
                   "/readyz on (plain HTTP; port 0 picks one), e.g. "
                   "127.0.0.1:9464. Default: off",
                   &Config::metrics_listen));
  s.back().type_name = "ADDR";
  s.push_back(Int("retry_initial_ms", "First retry backoff",
                  &Config::retry_initial_ms, 1, kHourMs));
  s.push_back(Int("retry_max_ms", "Longest retry backoff",
                  &Config::retry_max_ms, 1, 24 * kHourMs));
  s.push_back(Int("request_timeout_ms", "Timeout of one API request",
                  &Config::request_timeout_ms, 100, 10 * 60 * 1000));
  s.push_back(Int("batch_max_events", "Events per API request",
                  &Config::batch_max_events, 1, 1000));
  s.push_back(Int("batch_linger_ms", "How long a partial batch waits",
                  &Config::batch_linger_ms, 1, 60 * 1000));
  s.push_back(Int("expiry_margin_s",
                  "Events this close to the API's 7-day limit expire",
                  &Config::expiry_margin_s, 0, 24 * 3600));
  s.push_back(Int("max_disk_bytes", "Disk quota for the database; 0: none",
                  &Config::max_disk_bytes, 0, INT64_MAX));
  s.push_back(Int("block_cache_bytes",
                  "Memory for cached data, index and filter blocks",
                  &Config::block_cache_bytes, 1 << 20, INT64_MAX));
  s.push_back(Int("write_buffer_bytes",
                  "Memory for all memtables together; also bounds the log "
                  "replayed after a crash (restart time); 0: no shared limit",
                  &Config::write_buffer_bytes, 0, INT64_MAX));
  s.push_back(Int("shutdown_timeout_ms",
                  "How long SIGTERM waits for calls in flight",
                  &Config::shutdown_timeout_ms, 0, 10 * 60 * 1000));
  s.push_back(Level());
  s.push_back(Format());
  Setting config = Path("config", "TOML config file", &Config::config_file);
  config.in_file = false;
  s.push_back(std::move(config));
  s.push_back(Path("api_key_file",
                   "File with the Conversions API key (line `KEY`, or "
                   "`PIXEL_ID=KEY` per pixel); reloaded on SIGHUP",
                   &Config::api_key_file));
  s.push_back(Path("admin_token_file",
                   "File with a bearer token that Admin RPCs must present",
                   &Config::admin_token_file));
  s.push_back(Path("audit_log",
                   "Where Replay/Purge/Pause/Resume calls are recorded, one "
                   "JSON line each (mode 0600). Default: DATA_DIR/audit.log; "
                   "\"off\": not recorded",
                   &Config::audit_log));
  s.push_back(Path("tls_cert_file",
                   "PEM certificate chain: serve TLS (advised when listen is "
                   "not loopback; outboxd warns otherwise)",
                   &Config::tls_cert_file));
  s.push_back(Path("tls_key_file", "PEM private key for --tls-cert-file",
                   &Config::tls_key_file));
  return s;
}

}  // namespace

std::string Setting::Flag() const {
  std::string flag = "--" + name;
  for (char& c : flag) c = c == '_' ? '-' : c;
  return flag;
}

std::string Setting::EnvVar() const {
  std::string var = "OUTBOX_" + name;
  for (char& c : var) c = std::toupper(static_cast<unsigned char>(c));
  return var;
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting>* settings =
      new std::vector<Setting>(MakeSettings());
  return *settings;
}

const Setting* FindSetting(std::string_view name) {
  for (const Setting& s : Settings()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string TomlString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04X", c);
      out.append(buf);
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

}  // namespace outbox::grpc_service
