#!/usr/bin/env bash
# The database failover test: starts deploy/local/cluster.sh --patroni in a
# temporary state folder (three PostgreSQL 15 nodes under Patroni with
# synchronous replication, a three-member etcd, three meshplaned replicas
# whose database URL names all three nodes with
# target_session_attrs=read-write, nginx in front), then, each under mp_load's
# retrying write load through nginx:
#
#   1. failover:   SIGKILL the Patroni leader's postmaster; Patroni promotes
#                  the synchronous standby (master_start_timeout: 0);
#   2. switchover: `patronictl switchover` to the other standby;
#
# and after each, waits for the old primary to rejoin as a replica. It then
# checks, in the database and on the event feed, that what the client
# believes it wrote was written exactly once (tests/e2e/cluster_lib.sh: every
# team once, one event and one successful audit record each, nothing the
# client did not count), that a `meshplane events watch` running through all
# of it saw every team.created event exactly once, and prints per scenario
# the window of failed calls and the time from the kill (or the switchover
# command) to the first successful write of a call started after it.
#
# ctest runs it (labels e2e, cluster) with MP_LOAD, MESHPLANE_CLI and
# MESHPLANE_BUILD_DIR set; by hand, after building meshplaned, meshplane and
# mp_load:   tests/e2e/patroni_failover_test.sh
# Knobs: MESHPLANE_FAILOVER_TEST_WORKERS (8), _DURATION (16s of load per
# scenario), _AT (6 s into the load), _KEEP=1 keeps the state folder.
# Exits 77 (ctest: skipped) only when patroni, etcd or nginx is missing and
# cannot be installed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/cluster_lib.sh"
source "$MESHPLANE_ROOT/deploy/local/patroni-lib.sh"

WORKERS="${MESHPLANE_FAILOVER_TEST_WORKERS:-8}"
DURATION="${MESHPLANE_FAILOVER_TEST_DURATION:-16s}"
AT="${MESHPLANE_FAILOVER_TEST_AT:-6}"
: "${MP_LOAD:=$BUILD_DIR/bin/mp_load}"
: "${MESHPLANE_CLI:=$BUILD_DIR/bin/meshplane}"
export MESHPLANE_BUILD_DIR="$BUILD_DIR"

say() { printf '[failover-test] %s\n' "$*"; }
fail() { printf '[failover-test] FAILED: %s\n' "$*" >&2; exit 1; }

for bin in "$BUILD_DIR/bin/meshplaned" "$MP_LOAD" "$MESHPLANE_CLI"; do
  [ -x "$bin" ] || fail "$bin is not built"
done
if ! (ensure_packages "${PATRONI_PACKAGES[@]}" nginx) >/dev/null 2>&1; then
  echo "SKIPPED: patroni, etcd-server or nginx is not installed and could" \
       "not be installed (apt-get install as root); the failover test needs them"
  exit 77
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/meshplane-failover-test.XXXXXX")"
chmod 755 "$WORK"
STATE=""
CLUSTER_PID=""
LOAD_PID=""
WATCH_PID=""
PATRONI_DIR=""

cleanup() {
  local rc=$?
  set +e
  [ -n "$LOAD_PID" ] && kill -KILL "$LOAD_PID" 2>/dev/null
  [ -n "$WATCH_PID" ] && kill -TERM "$WATCH_PID" 2>/dev/null
  stop_cluster
  [ -n "$PATRONI_DIR" ] && patroni_stop "$PATRONI_DIR"
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    for f in "$WORK/cluster.out" "$STATE"/replica-*.log "$WORK"/load-*.out \
             "${PATRONI_DIR:-/nonexistent}"/pg*.log; do
      [ -s "$f" ] || continue
      echo "----- last lines of $f"
      tail -n 30 "$f"
    done
  fi
  if [ "${MESHPLANE_FAILOVER_TEST_KEEP:-0}" = 1 ]; then
    say "state kept in $WORK"
  else
    case "$PATRONI_DIR" in "$WORK"/*|"") ;; *) rm -rf "$PATRONI_DIR" ;; esac
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "starting the cluster in $WORK/cluster"
start_cluster "$WORK" --patroni
PATRONI_DIR="$(cat "$STATE/patroni.dir")"
sql() { "$PG_BIN/psql" "$DB_URL" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# The event feed, followed through everything (it resumes on UNAVAILABLE
# after the last sequence it saw).
"$MESHPLANE_CLI" events watch --since 0 --type team -o json \
  >"$WORK/watch.json" 2>"$WORK/watch.err" &
WATCH_PID=$!

now_ms() { date +%s%3N; }

# Waits until NAME runs as a replica of a cluster with a running leader
# and synchronous standby; prints the seconds it took.
await_rejoined() {
  local name="$1" since="$2" until=$(( $(date +%s) + 120 ))
  while [ "$(date +%s)" -lt "$until" ]; do
    if patronictl_do "$PATRONI_DIR" list -f json 2>/dev/null | python3 -c '
import json, sys
m = {x["Member"]: x for x in json.load(sys.stdin)}
me = m.get(sys.argv[1], {})
ok = me.get("Role") in ("Replica", "Sync Standby") and \
     me.get("State") in ("running", "streaming") and \
     any(x["Role"] == "Leader" and x["State"] == "running" for x in m.values())
sys.exit(0 if ok else 1)' "$name"; then
      echo "$(( ($(now_ms) - since) / 1000 ))"; return 0
    fi
    sleep 0.5
  done
  return 1
}

# The timeline's figures for an event at AT_MS (mp_load --timeline lines:
# START_MS END_MS CODE): failed calls after it, their window, and the time
# to the first successful write of a call started after it.
timeline_figures() {
  awk -v t="$2" '
    $3 != "OK" && $2 >= t { n++; if (first == "" || $1 < first) first = $1;
                            if ($2 > last) last = $2 }
    $3 == "OK" && $1 >= t { if (ok == "" || $2 < ok) ok = $2 }
    END {
      printf "%d %d %d\n", n, (n ? last - (first < t ? t : first) : 0),
             (ok == "" ? -1 : ok - t)
    }' "$1"
}

errors=()
declare -a REPORT
scenario() {
  local kind="$1" prefix leader target at_ms rc=0 figures failed window first
  prefix="fo-$kind-$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  leader="$(patroni_leader "$PATRONI_DIR")"
  say "$kind: load of $WORKERS workers for $DURATION, team ids $prefix-*, leader $leader"
  "$MP_LOAD" --target "$MESHPLANE_ADDR" --method team-create \
    --inflight "$WORKERS" --channels 4 --duration "$DURATION" \
    --max-attempts 60 --id-prefix "$prefix" \
    --summary "$WORK/summary.json" --ids-out "$WORK/ids.txt" \
    --timeline "$WORK/timeline-$kind.txt" >"$WORK/load-$kind.out" 2>&1 &
  LOAD_PID=$!
  sleep "$AT"
  kill -0 "$LOAD_PID" 2>/dev/null || fail "$kind: the load ended before the event"
  at_ms="$(now_ms)"
  case "$kind" in
    failover)
      local pm
      pm="$(patroni_postmaster_pid "$PATRONI_DIR" "$leader")"
      [ -n "$pm" ] || fail "no postmaster pid for $leader"
      kill -KILL "$pm"
      say "failover: SIGKILL $leader's postmaster (pid $pm)"
      ;;
    switchover)
      # To the synchronous standby, once there is one that streams: Patroni
      # refuses a candidate that is not (a member that has just rejoined may
      # still be catching up).
      target=""
      for _ in $(seq 1 60); do
        target="$(patronictl_do "$PATRONI_DIR" list -f json 2>/dev/null | python3 -c '
import json, sys
print(next((x["Member"] for x in json.load(sys.stdin)
            if x["Role"] == "Sync Standby" and x["State"] in ("running", "streaming")), ""))')"
        [ -n "$target" ] && break
        sleep 0.5
      done
      [ -n "$target" ] || fail "no synchronous standby to switch over to"
      patronictl_do "$PATRONI_DIR" switchover --master "$leader" \
        --candidate "$target" --force >"$WORK/switchover.out" 2>&1 \
        || { cat "$WORK/switchover.out" >&2; fail "patronictl switchover failed"; }
      say "switchover: $leader -> $target"
      # patronictl returns once the request is taken; the new leader runs
      # within seconds.
      for _ in $(seq 1 60); do
        [ "$(patroni_leader "$PATRONI_DIR" 2>/dev/null)" = "$target" ] && break
        sleep 0.5
      done
      ;;
  esac
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  cat "$WORK/load-$kind.out"
  [ "$rc" = 0 ] || errors+=("$kind: mp_load exited with $rc")
  local new
  new="$(patroni_leader "$PATRONI_DIR")"
  [ "$new" != "$leader" ] || errors+=("$kind: $leader still leads")
  if [ "$kind" = switchover ] && [ "$new" != "$target" ]; then
    errors+=("switchover: $new leads, not $target")
  fi
  local rejoin
  rejoin="$(await_rejoined "$leader" "$at_ms")" \
    || errors+=("$kind: $leader did not rejoin as a replica within 120 s")
  read -r failed window first < <(timeline_figures "$WORK/timeline-$kind.txt" "$at_ms")
  [ "$first" -ge 0 ] || errors+=("$kind: no write succeeded after the event")
  check_team_writes "$WORK" "$prefix"
  # For a switchover the clock starts with the command, which returns once
  # the new leader runs: writes go on until the old primary is demoted.
  local line="$kind: new leader $new; $failed failed calls in a window of ${window} ms;"
  line+=" first successful write of a call started after the $kind began: $first ms;"
  line+=" old primary back as a replica after ${rejoin:-?} s;"
  line+=" $SUCCEEDED writes, $RETRIED retried, lost $LOST, duplicated $DUPLICATED"
  say "$line"
  REPORT+=("$line")
  echo "$prefix" >>"$WORK/prefixes"
}

scenario failover
scenario switchover

# The watch: every team.created of the load's teams exactly once, after it
# catches up.
expected="$(sql -c "SELECT count(*) FROM teams WHERE id LIKE 'fo-%'")"
seen=0
for _ in $(seq 1 60); do
  seen="$(grep -c '"type": "team.created", "resource": "teams/fo-' "$WORK/watch.json" || true)"
  [ "$seen" -ge "$expected" ] && break
  sleep 0.5
done
kill -TERM "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null || true
WATCH_PID=""
distinct="$(grep -o '"resource": "teams/fo-[^"]*"' "$WORK/watch.json" | sort -u | wc -l)"
sequences="$(grep -o '"sequence": "[0-9]*"' "$WORK/watch.json" | wc -l)"
distinct_seq="$(grep -o '"sequence": "[0-9]*"' "$WORK/watch.json" | sort -u | wc -l)"
say "watch: $seen team.created events for $distinct teams ($expected in the database);" \
    "$sequences events, $distinct_seq distinct sequences;" \
    "$(grep -c -i 'resum\|reconnect' "$WORK/watch.err" || true) resumes"
[ "$seen" = "$expected" ] || errors+=("watch saw $seen team.created events for $expected teams")
[ "$distinct" = "$expected" ] || errors+=("watch saw $distinct distinct teams of $expected")
[ "$sequences" = "$distinct_seq" ] || errors+=("watch saw a sequence twice")

for line in "${REPORT[@]}"; do say "figures: $line"; done
if [ ${#errors[@]} -gt 0 ]; then
  for e in "${errors[@]}"; do echo "[failover-test] FAILED: $e" >&2; done
  exit 1
fi
say "PASSED"
