#!/usr/bin/env bash
# Builds the fuzz configuration (clang, libFuzzer, ASan, UBSan) in build-fuzz/
# (or $MESHPLANE_FUZZ_BUILD_DIR) and runs each fuzzer for an equal share of
# SECONDS (default: 60 in total): the two CEL fuzzers from tests/fuzz/corpus/
# (the conformance expressions) with tests/fuzz/cel.dict, the YAML reader and
# contract library from tests/fuzz/corpus_yaml/, the REST request decoding
# from tests/fuzz/corpus_http/. Exits non-zero if a fuzzer finds a crash, a
# leak, a timeout or an out-of-memory; the reproducer is left in
# build-fuzz/artifacts/.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail

total="${1:-60}"
if ! [[ "$total" =~ ^[0-9]+$ ]] || (( total < 2 )); then
  echo "usage: scripts/fuzz.sh [SECONDS>=2]" >&2
  exit 2
fi
# fuzzer, seed corpus, dictionary ("-" for none)
FUZZERS=(
  "cel_parse_fuzzer tests/fuzz/corpus tests/fuzz/cel.dict"
  "cel_eval_fuzzer tests/fuzz/corpus tests/fuzz/cel.dict"
  "contract_yaml_fuzzer tests/fuzz/corpus_yaml -"
  "http_request_fuzzer tests/fuzz/corpus_http -"
)
per_fuzzer=$(( total / ${#FUZZERS[@]} ))
(( per_fuzzer >= 1 )) || per_fuzzer=1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MESHPLANE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${MESHPLANE_JOBS:-2}"

cmake -S "$root" -B "$build" -DMESHPLANE_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs" --target $(for f in "${FUZZERS[@]}"; do echo "${f%% *}"; done)

mkdir -p "$build/artifacts"
status=0
for entry in "${FUZZERS[@]}"; do
  read -r fuzzer seeds dict <<<"$entry"
  bin="$(find "$build" -type f -name "$fuzzer" -perm -u+x | head -n1)"
  if [[ -z "$bin" ]]; then
    echo "fuzz.sh: $fuzzer was not built" >&2
    exit 1
  fi
  # A private working corpus, so that the committed seeds stay as they are.
  work="$build/corpus/$fuzzer"
  mkdir -p "$work"
  dict_flag=()
  [[ "$dict" != - ]] && dict_flag=(-dict="$root/$dict")
  echo "== $fuzzer for ${per_fuzzer}s"
  if ! ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
      UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
      "$bin" "$work" "$root/$seeds" \
        -max_total_time="$per_fuzzer" -timeout=10 -rss_limit_mb=2048 \
        -max_len=4096 -print_final_stats=1 "${dict_flag[@]}" \
        -artifact_prefix="$build/artifacts/$fuzzer-" 2>"$build/$fuzzer.log"; then
    echo "fuzz.sh: $fuzzer failed; see $build/$fuzzer.log" >&2
    tail -n 60 "$build/$fuzzer.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$build/$fuzzer.log" | tail -n 2
  fi
done
exit "$status"
