#include "tools/fake_capi/flags.h"

#include <charconv>
#include <fstream>
#include <string_view>

namespace outbox {
namespace fake_capi {
namespace {

Status FlagError(std::string_view flag, std::string_view what) {
  return Status::InvalidArgument("--" + std::string(flag) + ": " +
                                 std::string(what));
}

std::vector<std::string> SplitCommas(std::string_view text) {
  std::vector<std::string> parts;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    if (comma != 0) parts.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return parts;
}

// One key a line; blank lines and lines starting with '#' are skipped.
Status ReadKeyFile(const std::string& path, std::vector<std::string>* keys) {
  std::ifstream in(path);
  if (!in) return FlagError("api-key-file", "cannot read " + path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    const size_t end = line.find_last_not_of(" \t\r");
    keys->push_back(line.substr(begin, end - begin + 1));
  }
  return Status::Ok();
}

// "HOST:PORT", "[IPV6]:PORT" or ":PORT".
Status ParseListen(std::string_view text, ServerOptions* options) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return FlagError("listen", "expected HOST:PORT");
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned value = 0;
  auto [ptr, ec] =
      std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return FlagError("listen", "bad port");
  }
  if (!host.empty()) options->host = std::string(host);
  options->port = static_cast<uint16_t>(value);
  return Status::Ok();
}

Status ParseThreads(std::string_view text, int* threads) {
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *threads);
  if (ec != std::errc() || ptr != text.data() + text.size() || *threads < 1 ||
      *threads > 256) {
    return FlagError("threads", "expected a number from 1 to 256");
  }
  return Status::Ok();
}

Status ApplyFlag(const std::string& name, const std::string& value,
                 Flags* flags) {
  ServerOptions& server = flags->server;
  ServiceOptions& service = server.service;
  if (name == "listen") return ParseListen(value, &server);
  if (name == "port-file") {
    flags->port_file = value;
  } else if (name == "threads") {
    return ParseThreads(value, &server.threads);
  } else if (name == "api-key") {
    service.api_keys.push_back(value);
  } else if (name == "api-key-file") {
    return ReadKeyFile(value, &service.api_keys);
  } else if (name == "pixels") {
    service.pixels = SplitCommas(value);
  } else if (name == "validate") {
    std::optional<ValidateMode> mode = ParseValidateMode(value);
    if (!mode) return FlagError(name, "expected full, shape or none");
    service.validate = *mode;
  } else if (name == "request-log") {
    service.request_log_path = value;
  } else if (IsFaultField(name)) {
    const Status status = SetFaultFlag(name, value, &service.faults);
    if (!status.ok()) return Status::InvalidArgument("--" + status.message());
  } else {
    return Status::InvalidArgument("unknown flag --" + name + "; see --help");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      continue;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      // Not echoed: it could be a key given without its flag.
      return Status::InvalidArgument("argument " + std::to_string(i + 1) +
                                     " is not a --flag; see --help");
    }
    const size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return FlagError(name, "needs a value");
    }
    for (char& c : name) {
      if (c == '_') c = '-';
    }
    OUTBOX_RETURN_IF_ERROR(ApplyFlag(name, value, &flags));
  }
  return flags;
}

std::string HelpText() {
  return R"(fake-capi: a local stand-in for the OpenAI Ads Conversions API.

It accepts POST /v1/events?pid=PIXEL with "Authorization: Bearer KEY" and a
body {"validate_only":false,"events":[...]}, validates the events with the
same rules as capi-outbox, counts them by the API's dedup key (pixel, event
name, id) and answers like the real API: 200 {"accepted_events":N}; 400 for
a missing "events", malformed JSON or an invalid field; 422 (code
event_timestamp_too_old) for an event 7 days old or more; 413 for more than
1000 events; 401 for an unknown key. One invalid event fails the whole
request and nothing is stored. Every response has an x-request-id header.
It can also inject faults, to test how a sender copes with them.

Usage: fake-capi [flags]

Server:
  --listen HOST:PORT      Address to listen on; port 0 picks a free port.
                          Default: 127.0.0.1:8787 (loopback only).
  --port-file FILE        Write the port listened on to FILE. Default: none.
  --threads N             IO threads. Default: 2.
  --api-key KEY           A key to accept; repeat for more. Default, when
                          neither this nor --api-key-file is given: the one
                          demo key sk-fake-capi-demo.
  --api-key-file FILE     Keys to accept, one a line ('#' comments).
  --pixels A,B            Known pixel ids; others get 404. Default: any.
  --validate MODE         full: parse and check every rule (default).
                          shape: parse only (JSON types, known fields).
                          none: find ids with a fast scan, check nothing;
                          for benchmarks, so fake-capi is not what they
                          measure.
  --request-log FILE      Append one JSON line per accepted request:
                          {"t_ms":..,"pixel":..,"ids":[..],"names":[..]}.

Faults (also settable at run time with POST /control, same names with '_'):
  --status-429 SHARE      Share (0..1) of requests answered 429. Default: 0.
  --retry-after-s N       Retry-After of those answers, seconds. Default: 1.
  --status-500 SHARE      Share answered 500. Default: 0.
  --status-503 SHARE      Share answered 503. Default: 0.
  --reset SHARE           Share whose connection is reset, unanswered.
                          Default: 0.
  --drop-after-accept SHARE
                          Share whose events are stored and counted, then
                          the connection closed unanswered: the ambiguous
                          failure a sender must resend. Default: 0.
  --slow SHARE            Share answered after --slow-ms. Default: 0.
  --slow-ms MS            Default: 2000.
  --black-hole SHARE      Share never answered; the connection stays open
                          until the client gives up. Default: 0.
  --reject-ids-containing TEXT
                          Events whose id contains TEXT fail with 422,
                          failing their whole request (poison events).
                          Default: none.
  --clock-offset-ms MS    Added to the server's clock, to age events.
                          Default: 0.
  --seed N                Seed of the fault draws. Default: 1.
  The shares add up to at most 1.

Inspection and control (no key needed):
  GET /stats     counts: requests, accepted_requests, rejected_requests by
                 status, accepted_events, unique_keys, duplicate_events,
                 faults by kind, validate mode, clock_offset_ms
  GET /keys      one JSON line per key: pixel, event_name, id, times_accepted
  POST /reset    zero every count and key
  GET /control   the fault settings; POST /control {"status_503":0.2}
                 changes the fields given and restarts the draws from seed
  GET /healthz   {"status":"ok"}

Example:
  fake-capi --listen 127.0.0.1:8787 &
  curl -s -H 'Authorization: Bearer sk-fake-capi-demo' \
    -H 'Content-Type: application/json' \
    'http://127.0.0.1:8787/v1/events?pid=px_demo' \
    -d '{"events":[{"id":"order-1","type":"order_created",
         "timestamp_ms":'$(date +%s000)',"action_source":"web",
         "source_url":"https://shop.example/checkout",
         "data":{"type":"contents","amount":12999,"currency":"USD"}}]}'
  curl -s http://127.0.0.1:8787/stats

Every key accepted is kept (about 100 bytes each) until POST /reset.
SIGINT or SIGTERM stops it, printing a summary of the counts. It logs
nothing else: no keys, no bodies.
)";
}

}  // namespace fake_capi
}  // namespace outbox
