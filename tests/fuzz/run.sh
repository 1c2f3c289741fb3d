#!/usr/bin/env bash
# Builds the libFuzzer targets (the fuzz preset: clang, ASan + UBSan) and
# runs each for SECONDS (default 60) from its committed corpus. New inputs
# go to a scratch directory; a crash leaves its input in build-fuzz/findings
# (add it to tests/fuzz/corpus/<target>/ once fixed: the corpus replays in
# every build). Prints each target's executions; exits non-zero on a finding.
#
# Usage: tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
mkdir -p build-fuzz/findings
for source in tests/fuzz/*_fuzz.cpp; do
  target=$(basename "$source" _fuzz.cpp)
  scratch=$(mktemp -d)
  log=build-fuzz/findings/$target.log
  if ! build-fuzz/tests/fuzz_$target -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix=build-fuzz/findings/$target- "$scratch" tests/fuzz/corpus/$target > "$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $target found a failing input (see build-fuzz/findings/)" >&2
    rm -rf "$scratch"
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  printf 'fuzz: %-14s %10s executions in %ss, no findings\n' "$target" "$runs" "$seconds"
  rm -rf "$scratch"
done
