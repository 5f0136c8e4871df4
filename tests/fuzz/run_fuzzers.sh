#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS, starting from the committed corpus
# (tests/fuzz/corpus/<target>/, never written to: new inputs go to a scratch
# copy under BUILD_DIR). A crash leaves its input in BUILD_DIR/artifacts/;
# turn it into a case in corpus_test.cc and fix it.
# Usage: tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run_fuzzers.sh BUILD_DIR SECONDS}
corpus="$(dirname "$0")/corpus"
mkdir -p "$build/artifacts"
status=0
for target in event_json record_codec dedup_key config; do
  scratch="$build/scratch/$target"
  mkdir -p "$scratch"
  echo "fuzz_$target: ${seconds}s"
  # protobuf logs every invalid string it meets; the noise hides nothing.
  if ! "$build/fuzz_$target" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$target-" \
      "$scratch" "$corpus/$target" 2> "$build/fuzz_$target.log"; then
    echo "fuzz_$target FAILED; see $build/fuzz_$target.log and $build/artifacts/"
    tail -40 "$build/fuzz_$target.log"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" \
    "$build/fuzz_$target.log" | sed "s/^/  /" || true
done
exit $status
