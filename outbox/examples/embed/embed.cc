// Embeds the outbox: opens one in DATA_DIR, enqueues an event, enqueues it
// again (a duplicate), reads the stored record back, and creates the libcurl
// transport that a Drainer would deliver with. Prints one line per step and
// exits 0 when all of them behaved as documented.
//
//   embed DATA_DIR
#include <cstdio>
#include <string>
#include <vector>

#include "outbox/curl_transport.h"
#include "outbox/outbox.h"

namespace {

int Fail(const char* step, const outbox::Status& status) {
  std::fprintf(stderr, "embed: %s: %s\n", step, status.ToString().c_str());
  return 1;
}

outbox::Event Order(const std::string& id) {
  outbox::Event e;
  e.pixel_id = "px_embed";
  e.id = id;
  e.type = "order_created";
  e.timestamp_ms = outbox::SystemClock()->NowMs();
  e.action_source = "web";
  e.source_url = "https://shop.example.com/checkout/complete";
  e.user.emails = {"jane@example.com"};  // Hashed before it is stored.
  e.data.type = "contents";
  e.data.amount = 12999;
  e.data.currency = "USD";
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
    return 64;
  }
  outbox::Options options;
  options.data_dir = argv[1];
  auto box = outbox::Outbox::Open(options);
  if (!box.ok()) return Fail("open", box.status());

  std::vector<outbox::EnqueueResult> first, second;
  outbox::Status s = (*box)->Enqueue({Order("order-1")}, &first);
  if (!s.ok()) return Fail("enqueue", s);
  s = (*box)->Enqueue({Order("order-1")}, &second);
  if (!s.ok()) return Fail("enqueue again", s);
  std::printf("enqueued %s: duplicate=%d, then duplicate=%d\n",
              first[0].key.ToString().c_str(), first[0].duplicate,
              second[0].duplicate);

  auto record = (*box)->Get(first[0].key);
  if (!record.ok()) return Fail("get", record.status());
  std::printf("read back %s: state=%s, %zu bytes of JSON\n",
              record->key.ToString().c_str(), outbox::StateName(record->state),
              record->event_json.size());

  outbox::CurlTransportOptions transport_options;
  transport_options.endpoint = "http://127.0.0.1:9/v1/events";
  auto transport = outbox::CurlTransport::Create(transport_options);
  if (!transport.ok()) return Fail("transport", transport.status());
  std::printf("created the libcurl transport\n");

  bool ok = !first[0].duplicate && second[0].duplicate &&
            record->state == outbox::State::kPending &&
            !record->event_json.empty();
  return ok ? 0 : 1;
}
