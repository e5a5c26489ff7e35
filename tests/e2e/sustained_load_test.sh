#!/usr/bin/env bash
# L1 of docs/reliability.md: sustained load at half the measured capacity,
# within an error budget, with the audit reconciled. Starts
# deploy/local/cluster.sh (one PostgreSQL, three replicas, nginx) in a
# temporary folder, measures the capacity of the retrying write load
# (mp_load --method team-create, 8 callers, 8 s, as fast as they go), then
# runs it open-loop at half that rate for the test's duration and checks:
#
#   - error budget: at most 0.5% of the calls answered other than OK (each
#     resent with its request id), and no write given up;
#   - reconciliation (tests/e2e/cluster_lib.sh): every write the client
#     counted exists once, with one event and one successful audit record;
#   - the rate held: at least 90% of the writes the schedule asked for.
#
# ctest runs it for 60 s (label reliability); a long run, by hand:
#   MESHPLANE_SUSTAINED_DURATION=10m tests/e2e/sustained_load_test.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/cluster_lib.sh"

DURATION="${MESHPLANE_SUSTAINED_DURATION:-60s}"
: "${MP_LOAD:=$BUILD_DIR/bin/mp_load}"
: "${MESHPLANE_CLI:=$BUILD_DIR/bin/meshplane}"
export MESHPLANE_BUILD_DIR="$BUILD_DIR"

say() { printf '[sustained-test] %s\n' "$*"; }
fail() { printf '[sustained-test] FAILED: %s\n' "$*" >&2; exit 1; }

for bin in "$BUILD_DIR/bin/meshplaned" "$MP_LOAD" "$MESHPLANE_CLI"; do
  [ -x "$bin" ] || fail "$bin is not built"
done
need_nginx

WORK="$(mktemp -d "${TMPDIR:-/tmp}/meshplane-sustained.XXXXXX")"
chmod 755 "$WORK"
STATE=""
CLUSTER_PID=""
cleanup() {
  local rc=$?
  set +e
  stop_cluster
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    for f in "$WORK/cluster.out" "$WORK"/load-*.out; do
      [ -s "$f" ] && { echo "----- last lines of $f"; tail -n 20 "$f"; }
    done
  fi
  local pgdir
  pgdir="$(sed -n 's/.*host=\([^&]*\).*/\1/p' <<<"${DB_URL:-}")"
  [ -n "$pgdir" ] && pg_stop "$pgdir" && case "$pgdir" in "$WORK"/*) ;; *) rm -rf "$pgdir" ;; esac
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_cluster "$WORK"
sql() { "$PG_BIN/psql" "$DB_URL" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$2"; }
tag="$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')"

"$MP_LOAD" --target "$MESHPLANE_ADDR" --method team-create --inflight 8 \
  --channels 4 --duration 8s --id-prefix "cap-$tag" \
  --summary "$WORK/capacity.json" >"$WORK/load-capacity.out" 2>&1 \
  || fail "the capacity run failed"
CAPACITY="$(awk -v n="$(field succeeded "$WORK/capacity.json")" \
  -v s="$(field seconds "$WORK/capacity.json")" 'BEGIN {printf "%.1f", n / s}')"
RATE="$(awk -v c="$CAPACITY" 'BEGIN {printf "%.1f", c / 2}')"
say "capacity: $CAPACITY writes/s (8 callers); sustained run at $RATE/s for $DURATION"

PREFIX="sus-$tag"
load_rc=0
"$MP_LOAD" --target "$MESHPLANE_ADDR" --method team-create --inflight 16 \
  --channels 4 --duration "$DURATION" --rate "$RATE" --max-attempts 30 \
  --id-prefix "$PREFIX" --summary "$WORK/summary.json" --ids-out "$WORK/ids.txt" \
  --timeline "$WORK/timeline.txt" >"$WORK/load-sustained.out" 2>&1 || load_rc=$?

errors=()
check_team_writes "$WORK" "$PREFIX"
[ "$load_rc" = 0 ] || errors+=("mp_load exited with $load_rc")
calls="$(wc -l <"$WORK/timeline.txt")"
bad="$(awk '$3 != "OK"' "$WORK/timeline.txt" | wc -l)"
awk '{print $2 - $1}' "$WORK/timeline.txt" | sort -n >"$WORK/latency.txt"
pct() { sed -n "$(awk -v n="$calls" -v q="$1" 'BEGIN {i = int(n * q) + 1; if (i > n) i = n; print i}')p" "$WORK/latency.txt"; }
p50="$(pct 0.5)"; p99="$(pct 0.99)"
seconds="$(field seconds "$WORK/summary.json")"
expected="$(awk -v r="$RATE" -v s="$seconds" 'BEGIN {printf "%d", r * s}')"
say "figures: $calls calls, $bad not OK ($(awk -v b="$bad" -v n="$calls" 'BEGIN {printf "%.3f", 100 * b / n}')%),"\
    "latency p50 $p50 ms, p99 $p99 ms; $SUCCEEDED writes of the $expected the schedule asked for"
[ $(( bad * 200 )) -le "$calls" ] || errors+=("$bad of $calls calls not OK: over the 0.5% budget")
[ $(( SUCCEEDED * 10 )) -ge $(( expected * 9 )) ] \
  || errors+=("only $SUCCEEDED writes of the $expected the schedule asked for")
if [ ${#errors[@]} -gt 0 ]; then
  for e in "${errors[@]}"; do echo "[sustained-test] FAILED: $e" >&2; done
  exit 1
fi
say "PASSED"
