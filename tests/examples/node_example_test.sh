#!/usr/bin/env bash
# The Node example against a live outboxd: starts fake-capi and outboxd on a
# temporary data dir and unix socket, runs grpc_service/examples/node with
# 3 orders, 2 resent ids and 1 invalid event, checks what it printed, and
# checks that fake-capi received the 3 events.
#   BUILD_DIR=build tests/examples/node_example_test.sh
set -euo pipefail

bin=$(cd "${BUILD_DIR:-build}/bin" && pwd)
here=$(cd "$(dirname "$0")/../.." && pwd)
example="$here/grpc_service/examples/node"
[[ -d "$example/node_modules/@grpc/grpc-js" ]] || {
  echo "error: the Node example's packages are missing: run make deps" \
       "(it runs npm ci in $example)" >&2
  exit 1
}
work=$(mktemp -d /tmp/outbox-node-test.XXXXXX)
capi_pid="" outboxd_pid=""
cleanup() {
  [[ -n "$outboxd_pid" ]] && kill "$outboxd_pid" 2>/dev/null && wait "$outboxd_pid" 2>/dev/null
  [[ -n "$capi_pid" ]] && kill "$capi_pid" 2>/dev/null && wait "$capi_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.log; do echo "--- $log" >&2; tail -20 "$log" >&2; done
  exit 1
}
wait_for() {  # wait_for DESCRIPTION TEST...
  local what=$1; shift
  for _ in $(seq 200); do "$@" && return 0; sleep 0.05; done
  fail "$what did not happen"
}

"$bin/fake-capi" --listen 127.0.0.1:0 --port-file "$work/port" >"$work/capi.log" 2>&1 &
capi_pid=$!
wait_for "fake-capi start" test -s "$work/port"
capi="http://127.0.0.1:$(cat "$work/port")"

OPENAI_CONVERSIONS_API_KEY=sk-fake-capi-demo "$bin/outboxd" \
  --data-dir "$work/db" --listen "unix:$work/outbox.sock" \
  --capi-url "$capi/v1/events" --batch-linger-ms 20 2>"$work/outboxd.log" &
outboxd_pid=$!
wait_for "outboxd start" test -S "$work/outbox.sock"

node "$example/enqueue_client.js" --server "unix:$work/outbox.sock" \
  --pixel px_node --orders 3 --duplicates 2 --invalid 1 >"$work/client.log" 2>&1 ||
  fail "the Node client exited with $?"
cat "$work/client.log"
grep -qx "enqueued 3 new events, 2 duplicates reported" "$work/client.log" ||
  fail "expected 3 new events and 2 duplicates"
grep -q "^invalid event refused: INVALID_ARGUMENT: .*events\[0\]\.timestamp_ms" \
  "$work/client.log" || fail "expected INVALID_ARGUMENT naming events[0].timestamp_ms"

for _ in $(seq 100); do
  accepted=$(curl -fsS "$capi/stats" | sed -n 's/.*"accepted_events":\([0-9]*\).*/\1/p')
  [[ "${accepted:-0}" -ge 3 ]] && break
  sleep 0.1
done
[[ "${accepted:-0}" -eq 3 ]] || fail "fake-capi accepted ${accepted:-0} events, expected 3"

node "$example/enqueue_client.js" --server "unix:$work/outbox.sock" --stats |
  tee "$work/stats.log"
grep -q "delivered=3 " "$work/stats.log" || fail "outboxd does not report 3 delivered"
kill -TERM "$outboxd_pid"; wait "$outboxd_pid" || fail "outboxd exited with $?"
outboxd_pid=""
echo "PASS: Node example: 3 stored, 2 duplicates, invalid refused, 3 delivered"
