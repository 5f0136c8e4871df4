#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then what a user and an embedder
# do with it: every file is where the README says, only public headers are
# installed, the installed outboxd accepts the installed sample config, and
# outbox/examples/embed configures, builds and runs against the installed
# package with find_package(capi_outbox CONFIG).
#   BUILD_DIR=build tests/install/install_test.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${BUILD_DIR:-build}" && pwd)
work=$(mktemp -d /tmp/outbox-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log" >&2; fail "cmake --install (is everything built?)"; }

libdir=$(dirname "$(find "$prefix" -name liboutbox.a | head -1)")
[[ -f "$libdir/liboutbox.a" && -f "$libdir/liboutbox_http.a" ]] ||
  fail "liboutbox.a and liboutbox_http.a not installed"
for f in bin/outboxd bin/outboxctl bin/fake-capi \
    include/outbox/outbox.h include/outbox/curl_transport.h \
    share/capi-outbox/outbox_v1.protoset \
    share/capi-outbox/proto/outbox/v1/outbox.proto \
    share/capi-outbox/outboxd.example.toml \
    lib/systemd/system/outboxd.service \
    share/bash-completion/completions/outboxctl \
    share/doc/capi-outbox/README.md; do
  [[ -e "$prefix/$f" ]] || fail "$f not installed"
done
[[ -f "${libdir}/cmake/capi_outbox/capi_outboxConfig.cmake" ]] ||
  fail "the CMake package config is not installed"

# Exactly the public headers: nothing from outbox/src leaks out.
expected=$(cd "$here/outbox" && ls include/outbox http/include/outbox | grep '\.h$' | sort)
installed=$(ls "$prefix/include/outbox" | sort)
[[ "$expected" == "$installed" ]] ||
  fail "installed headers differ from the public ones: $(diff <(echo "$expected") <(echo "$installed") | tr '\n' ' ')"

# The unit runs the installed binary; the sample config is valid.
grep -q "^ExecStart=$prefix/bin/outboxd " "$prefix/lib/systemd/system/outboxd.service" ||
  fail "outboxd.service does not run $prefix/bin/outboxd"
echo sk-install-test >"$work/api-key"
"$prefix/bin/outboxd" --config "$prefix/share/capi-outbox/outboxd.example.toml" \
  --data-dir "$work/data" --api-key-file "$work/api-key" --check-config ||
  fail "the installed outboxd refuses the installed sample config"
"$prefix/bin/outboxctl" version >/dev/null || fail "outboxctl version"

# An embedder's program, built the way the README says.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$here/outbox/examples/embed" -B "$work/embed" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" "${launcher[@]}" >"$work/embed.log" 2>&1 ||
  { cat "$work/embed.log" >&2; fail "find_package(capi_outbox) from the prefix"; }
cmake --build "$work/embed" >>"$work/embed.log" 2>&1 ||
  { cat "$work/embed.log" >&2; fail "building the embed example"; }
"$work/embed/embed" "$work/embed-data" | tee "$work/embed.out" ||
  fail "the embed example exited with $?"
grep -q "duplicate=0, then duplicate=1" "$work/embed.out" || fail "duplicate not reported"
grep -q "state=PENDING" "$work/embed.out" || fail "record not read back"
echo "PASS: installed into $prefix; the embed example built and ran"
