#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet.
# Idempotent and quiet; costs one dpkg-query when everything is present.
set -euo pipefail

# Names that installed packages provide count as installed: e.g. the
# NodeSource nodejs package provides (and conflicts with) Debian's npm.
provided=" $(dpkg-query -W -f='${db:Status-Abbrev} ${Provides}\n' 2>/dev/null |
  awk '/^ii/ { $1 = ""; print }' | tr -d ',' |
  sed -E 's/\([^)]*\)//g' | tr -s ' \n' ' ') "

missing=()
for pkg in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" || "$provided" == *" $pkg "* ]] ||
    missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing missing Debian packages: ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "error: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
