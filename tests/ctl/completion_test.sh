#!/usr/bin/env bash
# Sources outboxctl's bash completion and checks what it offers for a few
# command lines; also that `outboxctl completion` prints the same script.
# Usage: completion_test.sh SCRIPT [OUTBOXCTL]
set -u
script=$1
outboxctl=${2:-}
# shellcheck source=/dev/null
source "$script"
failures=0

# complete_for "outboxctl list --st": what _outboxctl offers for the last word.
complete_for() {
  read -r -a COMP_WORDS <<<"$1"
  if [[ $1 == *" " ]]; then COMP_WORDS+=(""); fi
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _outboxctl
  echo "${COMPREPLY[*]}"
}

expect() {  # expect "LINE" "EXPECTED"  (exact, space-separated, in order)
  local got
  got=$(complete_for "$1")
  if [[ $got != "$2" ]]; then
    echo "FAIL: '$1' completed to '$got', expected '$2'"
    failures=$((failures + 1))
  fi
}

expect_has() {  # expect_has "LINE" WORD...  (each WORD is offered)
  local line=$1 got
  shift
  got=" $(complete_for "$line") "
  for word in "$@"; do
    if [[ $got != *" $word "* ]]; then
      echo "FAIL: '$line' does not offer '$word' (got:$got)"
      failures=$((failures + 1))
    fi
  done
}

expect "outboxctl re" "replay resume"
expect "outboxctl st" "stats"
expect_has "outboxctl " stats list export inspect replay purge pause resume health version completion --server
expect "outboxctl list --state d" "delivered dead"
expect "outboxctl list --state " "pending in_flight delivered dead expired"
expect "outboxctl replay --error-class c" "client_error"
expect "outboxctl list -o j" "json jsonl"
expect_has "outboxctl list --" --state --pixel --event-name --error-class --http-status --older-than --newer-than --event-older-than --limit --page-token --output
expect_has "outboxctl --server unix:/run/o.sock replay --" --dry-run --canary --rate --force --error-class --older-than
expect_has "outboxctl purge --" --yes --dry-run --state
expect "outboxctl pause --" "--all"

if [[ -n $outboxctl ]]; then
  if ! diff <("$outboxctl" completion) "$script" >/dev/null; then
    echo "FAIL: 'outboxctl completion' differs from $script"
    failures=$((failures + 1))
  fi
fi

if ((failures > 0)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "all completion checks passed"
