#!/usr/bin/env bash
# Builds the fuzz configuration (clang, libFuzzer, ASan, UBSan) in build-fuzz/
# (or $MESHPLANE_FUZZ_BUILD_DIR) and runs each CEL fuzzer for SECONDS/2
# seconds (default: 60 in total), starting from the seed corpus in tests/fuzz/corpus/ (the conformance
# expressions). Exits non-zero if a fuzzer finds a crash, a leak, a timeout
# or an out-of-memory; the reproducer is left in build-fuzz/artifacts/.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail

total="${1:-60}"
if ! [[ "$total" =~ ^[0-9]+$ ]] || (( total < 2 )); then
  echo "usage: scripts/fuzz.sh [SECONDS>=2]" >&2
  exit 2
fi
per_fuzzer=$(( total / 2 ))

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MESHPLANE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${MESHPLANE_JOBS:-2}"

cmake -S "$root" -B "$build" -DMESHPLANE_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs" --target cel_parse_fuzzer cel_eval_fuzzer

mkdir -p "$build/artifacts"
status=0
for fuzzer in cel_parse_fuzzer cel_eval_fuzzer; do
  bin="$(find "$build" -type f -name "$fuzzer" -perm -u+x | head -n1)"
  if [[ -z "$bin" ]]; then
    echo "fuzz.sh: $fuzzer was not built" >&2
    exit 1
  fi
  # A private working corpus, so that the committed seeds stay as they are.
  work="$build/corpus/$fuzzer"
  mkdir -p "$work"
  echo "== $fuzzer for ${per_fuzzer}s"
  if ! ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
      UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
      "$bin" "$work" "$root/tests/fuzz/corpus" \
        -max_total_time="$per_fuzzer" -timeout=10 -rss_limit_mb=2048 \
        -max_len=4096 -print_final_stats=1 \
        -dict="$root/tests/fuzz/cel.dict" \
        -artifact_prefix="$build/artifacts/$fuzzer-" 2>"$build/$fuzzer.log"; then
    echo "fuzz.sh: $fuzzer failed; see $build/$fuzzer.log" >&2
    tail -n 60 "$build/$fuzzer.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$build/$fuzzer.log" | tail -n 2
  fi
done
exit "$status"
