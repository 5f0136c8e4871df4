#!/usr/bin/env bash
# `systemd-analyze verify` on outboxd.service, with ExecStart pointing at the
# outboxd of this build. Exits 77 (skipped) without systemd-analyze.
# Unknown or misspelt directives are only warnings to systemd-analyze, so
# any message about the unit fails the test too.
#   BUILD_DIR=build tests/install/verify_unit.sh
set -euo pipefail

command -v systemd-analyze >/dev/null || {
  echo "SKIP: systemd-analyze is not installed"
  exit 77
}
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${BUILD_DIR:-build}/bin" && pwd)
[[ -x "$bin/outboxd" ]] || { echo "FAIL: build outboxd first" >&2; exit 1; }
work=$(mktemp -d /tmp/outboxd-unit.XXXXXX)
trap 'rm -rf "$work"' EXIT

sed -e "s|@OUTBOX_BINDIR@|$bin|g" \
    -e "s|@OUTBOX_DOC_DIR@|$here|g" \
    -e "s|@OUTBOX_SAMPLE_CONFIG@|$here/grpc_service/outboxd.example.toml|g" \
    "$here/grpc_service/systemd/outboxd.service.in" >"$work/outboxd.service"
if grep -n '@[A-Z_]*@' "$work/outboxd.service"; then
  echo "FAIL: placeholders left in the unit" >&2
  exit 1
fi
rc=0
messages=$(systemd-analyze verify --man=no "$work/outboxd.service" 2>&1) || rc=$?
[[ -z "$messages" ]] || echo "$messages"
if [[ $rc -ne 0 ]] || grep -q 'outboxd.service' <<<"$messages"; then
  echo "FAIL: systemd-analyze verify found problems in outboxd.service" >&2
  exit 1
fi
# The properties this test exists for: a hardened, reloadable service.
for directive in DynamicUser=yes StateDirectory=outboxd ProtectSystem=strict \
    NoNewPrivileges=yes Restart=on-failure 'ExecReload=/bin/kill -HUP $MAINPID' \
    LoadCredential=api-key: TimeoutStopSec=; do
  grep -qF "$directive" "$work/outboxd.service" ||
    { echo "FAIL: outboxd.service lacks $directive" >&2; exit 1; }
done
# ExecStart's flags are outboxd's: run its command line with --check-config,
# the unit's paths mapped into the temp dir (%S state root, %d credentials)
# and the sample config in place of /etc/outboxd/outboxd.toml.
mkdir -p "$work/credentials"
echo sk-unit-test >"$work/credentials/api-key"
exec_start=$(sed -n 's/^ExecStart=//p' "$work/outboxd.service")
exec_start=${exec_start//%S/$work/state}
exec_start=${exec_start//%d/$work/credentials}
exec_start=${exec_start//\/etc\/outboxd\/outboxd.toml/$here/grpc_service/outboxd.example.toml}
read -r -a command <<<"$exec_start"
"${command[@]}" --check-config ||
  { echo "FAIL: outboxd refuses the unit's ExecStart: $exec_start" >&2; exit 1; }

# systemd must not SIGKILL outboxd while it still shuts down gracefully:
# calls in flight get shutdown_timeout_ms, then the delivery in flight up to
# request_timeout_ms.
config=$(OPENAI_CONVERSIONS_API_KEY=sk-unit-test "$bin/outboxd" \
  --data-dir "$work/data" --print-config)
setting() { sed -n "s/^$1 = \([0-9]*\).*/\1/p" <<<"$config"; }
needed_ms=$(( $(setting shutdown_timeout_ms) + $(setting request_timeout_ms) ))
stop_s=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\?$/\1/p' "$work/outboxd.service")
(( stop_s * 1000 > needed_ms )) || {
  echo "FAIL: TimeoutStopSec=${stop_s}s is not above the default graceful" \
       "shutdown (${needed_ms} ms)" >&2
  exit 1
}
echo "PASS: outboxd.service verifies; TimeoutStopSec=${stop_s}s > ${needed_ms} ms"
