#!/usr/bin/env bash
# Installs the npm packages of the Node example (grpc_service/examples/node)
# exactly as its committed package-lock.json says (`npm ci`), unless they are
# already installed from that lock file. Offline-safe once installed: the
# check is a file comparison, the registry is only asked when needed.
set -euo pipefail

dir=${1:-$(cd "$(dirname "$0")/.." && pwd)/grpc_service/examples/node}
lock="$dir/package-lock.json"
# npm writes node_modules/.package-lock.json on every install: when it is
# newer than the committed lock file, the install matches it.
installed="$dir/node_modules/.package-lock.json"
[[ -f "$installed" && ! "$lock" -nt "$installed" ]] && exit 0

command -v npm >/dev/null || {
  echo "error: npm not found; run scripts/install-deps.sh (make deps)" >&2
  exit 1
}
echo "Installing the Node example's packages (npm ci in $dir)" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
