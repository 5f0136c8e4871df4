#!/usr/bin/python3
"""A minimal outboxd client: enqueue conversion events over gRPC.

    enqueue_client.py --server unix:/tmp/outbox.sock --pixel px_demo \
        --orders 20 --duplicates 3 --invalid 1

Generates its gRPC code from proto/outbox/v1/outbox.proto on first use
(needs Debian's python3-grpcio, python3-protobuf and protobuf-compiler-grpc).
Exit status: 0 when every call behaved as expected (new events stored,
resent ids reported as duplicates, the invalid event refused with
INVALID_ARGUMENT naming its field).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.join(HERE, "..", "..", "..", "proto")


def load_stubs():
    """Compiles outbox.proto into a temp dir and imports the modules."""
    out = tempfile.mkdtemp(prefix="outbox-py-")
    subprocess.run(
        ["protoc", "-I", PROTO_ROOT, "--python_out", out,
         "--grpc_python_out", out,
         "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
         os.path.join(PROTO_ROOT, "outbox", "v1", "outbox.proto")],
        check=True)
    sys.path.insert(0, out)
    from outbox.v1 import outbox_pb2, outbox_pb2_grpc  # noqa: E402
    return outbox_pb2, outbox_pb2_grpc


def order_event(pb, pixel, order_id):
    event = pb.ConversionEvent(
        pixel_id=pixel, id=order_id, type="order_created",
        timestamp_ms=int(time.time() * 1000), action_source="web",
        source_url="https://shop.example.com/checkout/complete")
    # Raw values: outboxd normalises and hashes them before storing.
    event.user.emails.append("Jane.Doe@Example.com")
    event.user.phone_numbers.append("+1 (555) 010-4242")
    event.data.type = "contents"
    event.data.amount = 12999  # minor units: 129.99 USD
    event.data.currency = "USD"
    return event


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--pixel", default="px_demo")
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--duplicates", type=int, default=3)
    parser.add_argument("--invalid", type=int, default=1)
    parser.add_argument("--stats", action="store_true",
                        help="print the daemon's counts (Admin.GetStats) and exit")
    args = parser.parse_args()

    import grpc
    pb, rpc = load_stubs()
    channel = grpc.insecure_channel(args.server)
    if args.stats:
        s = rpc.AdminStub(channel).GetStats(pb.GetStatsRequest(), timeout=10)
        print(f"outboxd: pending={s.pending} in_flight={s.in_flight} "
              f"delivered={s.delivered} dead={s.dead} expired={s.expired}")
        return 0
    stub = rpc.OutboxStub(channel)
    ok = True

    stored = duplicates = 0
    for i in range(args.orders):
        reply = stub.Enqueue(pb.EnqueueRequest(
            events=[order_event(pb, args.pixel, f"order-{i}")]), timeout=10)
        stored += sum(not r.duplicate for r in reply.results)
    for i in range(args.duplicates):  # The same ids again: harmless.
        reply = stub.Enqueue(pb.EnqueueRequest(
            events=[order_event(pb, args.pixel, f"order-{i}")]), timeout=10)
        duplicates += sum(r.duplicate for r in reply.results)
    print(f"enqueued {stored} new events, {duplicates} duplicates reported")
    ok &= stored == args.orders and duplicates == args.duplicates

    for i in range(args.invalid):
        bad = order_event(pb, args.pixel, f"bad-{i}")
        bad.timestamp_ms //= 1000  # seconds instead of milliseconds
        try:
            stub.Enqueue(pb.EnqueueRequest(events=[bad]), timeout=10)
            print("invalid event was accepted?!")
            ok = False
        except grpc.RpcError as e:
            print(f"invalid event refused: {e.code().name}: {e.details()}")
            # The message names the bad field: events[INDEX].FIELD.
            ok &= (e.code() == grpc.StatusCode.INVALID_ARGUMENT and
                   "events[0].timestamp_ms" in (e.details() or ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
