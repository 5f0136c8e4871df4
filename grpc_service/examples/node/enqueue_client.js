#!/usr/bin/env node
// A minimal outboxd client: enqueue conversion events over gRPC from Node.
//
//   npm ci            # once, in this folder (`make deps` does it for you)
//   node enqueue_client.js --server unix:/tmp/outbox.sock --pixel px_demo \
//       --orders 20 --duplicates 3 --invalid 1
//
// Loads proto/outbox/v1/outbox.proto at run time with @grpc/proto-loader (no
// code generation step). Exit status: 0 when every call behaved as expected
// (new events stored, resent ids reported as duplicates, the invalid event
// refused with INVALID_ARGUMENT naming its field).
'use strict';

const fs = require('fs');
const path = require('path');
const { parseArgs } = require('util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.join(__dirname, '..', '..', '..', 'proto');

function loadApi() {
  const definition = protoLoader.loadSync('outbox/v1/outbox.proto', {
    includeDirs: [PROTO_ROOT],
    keepCase: true,  // Field names as in the .proto: pixel_id, timestamp_ms.
    longs: String,   // int64 values arrive as strings, never rounded.
    defaults: true,
  });
  return grpc.loadPackageDefinition(definition).outbox.v1;
}

function orderEvent(pixel, orderId) {
  return {
    pixel_id: pixel,
    id: orderId,  // The same id the browser pixel sent as event_id.
    type: 'order_created',
    timestamp_ms: Date.now(),
    action_source: 'web',
    source_url: 'https://shop.example.com/checkout/complete',
    // Raw values: outboxd normalises and hashes them before storing.
    user: { emails: ['Jane.Doe@Example.com'], phone_numbers: ['+1 (555) 010-4242'] },
    data: { type: 'contents', amount: 12999, currency: 'USD' },  // 129.99 USD
  };
}

// Promisified unary call with a 10 s deadline.
function call(client, method, request) {
  const deadline = new Date(Date.now() + 10000);
  return new Promise((resolve, reject) => {
    client[method](request, { deadline }, (err, reply) => (err ? reject(err) : resolve(reply)));
  });
}

function codeName(code) {
  return Object.keys(grpc.status).find((name) => grpc.status[name] === code);
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      server: { type: 'string', default: '127.0.0.1:50051' },
      pixel: { type: 'string', default: 'px_demo' },
      orders: { type: 'string', default: '20' },
      duplicates: { type: 'string', default: '3' },
      invalid: { type: 'string', default: '1' },
      ca: { type: 'string' },  // PEM CA file: use TLS (outboxd --tls-cert-file).
      stats: { type: 'boolean', default: false },
    },
  });
  const api = loadApi();
  const credentials = args.ca
    ? grpc.credentials.createSsl(fs.readFileSync(args.ca))
    : grpc.credentials.createInsecure();
  if (args.stats) {
    const s = await call(new api.Admin(args.server, credentials), 'GetStats', {});
    console.log(`outboxd: pending=${s.pending} in_flight=${s.in_flight} ` +
                `delivered=${s.delivered} dead=${s.dead} expired=${s.expired}`);
    return true;
  }
  const outbox = new api.Outbox(args.server, credentials);
  const [orders, duplicates, invalid] =
      [args.orders, args.duplicates, args.invalid].map(Number);

  let stored = 0;
  let reported = 0;
  for (let i = 0; i < orders; i++) {
    const reply = await call(outbox, 'Enqueue', { events: [orderEvent(args.pixel, `order-${i}`)] });
    stored += reply.results.filter((r) => !r.duplicate).length;
  }
  for (let i = 0; i < duplicates; i++) {  // The same ids again: harmless.
    const reply = await call(outbox, 'Enqueue', { events: [orderEvent(args.pixel, `order-${i}`)] });
    reported += reply.results.filter((r) => r.duplicate).length;
  }
  console.log(`enqueued ${stored} new events, ${reported} duplicates reported`);
  let ok = stored === orders && reported === duplicates;

  for (let i = 0; i < invalid; i++) {
    const bad = orderEvent(args.pixel, `bad-${i}`);
    bad.timestamp_ms = Math.floor(bad.timestamp_ms / 1000);  // Seconds, not ms.
    try {
      await call(outbox, 'Enqueue', { events: [bad] });
      console.log('invalid event was accepted?!');
      ok = false;
    } catch (err) {
      console.log(`invalid event refused: ${codeName(err.code)}: ${err.details}`);
      ok = ok && err.code === grpc.status.INVALID_ARGUMENT &&
           err.details.includes('events[0].timestamp_ms');
    }
  }
  outbox.close();
  return ok;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    console.error(`error: ${err.message} (is outboxd running at --server?)`);
    process.exit(1);
  });
