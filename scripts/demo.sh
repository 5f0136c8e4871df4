#!/usr/bin/env bash
# `make demo`: the whole path on one machine, no account needed.
# Starts fake-capi (a local stand-in for the Conversions API) and outboxd on
# a temporary data directory, sends a stream of order events from the Python
# example client (some duplicates, one invalid), shows delivery progress and
# the final counts from both sides, then stops everything cleanly.
set -euo pipefail

bin=$(cd "${BUILD_DIR:-build}/bin" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/capi-outbox-demo.XXXXXX)
capi_pid="" outboxd_pid=""
cleanup() {
  [[ -n "$outboxd_pid" ]] && kill "$outboxd_pid" 2>/dev/null && wait "$outboxd_pid" 2>/dev/null
  [[ -n "$capi_pid" ]] && kill "$capi_pid" 2>/dev/null && wait "$capi_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
wait_for() {  # wait_for DESCRIPTION TEST...
  local what=$1; shift
  for _ in $(seq 200); do "$@" && return 0; sleep 0.05; done
  echo "error: $what did not happen; logs in $work" >&2; trap - EXIT; exit 1
}

echo "== 1. fake-capi: the API stand-in, on a free loopback port"
"$bin/fake-capi" --listen 127.0.0.1:0 --port-file "$work/port" >"$work/capi.log" 2>&1 &
capi_pid=$!
wait_for "fake-capi start" test -s "$work/port"
capi="http://127.0.0.1:$(cat "$work/port")"
echo "   $capi/v1/events"

echo "== 2. outboxd: data in $work/db, gRPC on unix:$work/outbox.sock"
OPENAI_CONVERSIONS_API_KEY=sk-fake-capi-demo "$bin/outboxd" \
  --data-dir "$work/db" --listen "unix:$work/outbox.sock" \
  --capi-url "$capi/v1/events" --batch-linger-ms 50 \
  2>"$work/outboxd.log" &
outboxd_pid=$!
wait_for "outboxd start" test -S "$work/outbox.sock"

echo "== 3. The Python example enqueues 20 orders, resends 3, sends 1 invalid"
client=("/usr/bin/python3" "$here/grpc_service/examples/python/enqueue_client.py"
        --server "unix:$work/outbox.sock")
"${client[@]}" --orders 20 --duplicates 3 --invalid 1

echo "== 4. Delivery"
for _ in $(seq 100); do
  accepted=$(curl -fsS "$capi/stats" | sed -n 's/.*"accepted_events":\([0-9]*\).*/\1/p')
  echo "   fake-capi has accepted ${accepted:-0} of 20 events"
  [[ "${accepted:-0}" -ge 20 ]] && break
  sleep 0.3
done
[[ "${accepted:-0}" -ge 20 ]] || { echo "error: not everything was delivered" >&2; exit 1; }

echo "== 5. Final counts"
"${client[@]}" --stats
echo "   fake-capi: $(curl -fsS "$capi/stats")"

echo "== 6. Stopping outboxd (SIGTERM) and fake-capi"
kill -TERM "$outboxd_pid"; wait "$outboxd_pid"; outboxd_pid=""
echo "   outboxd exited cleanly. Its log (JSON lines) said:"
grep -c . "$work/outboxd.log" | xargs -I{} echo "   {} lines; e.g.: $(head -c 300 "$work/outboxd.log" | head -1)"
