#!/usr/bin/env bash
# P4 of docs/reliability.md: a network blackhole between meshplaned and
# PostgreSQL. In a network namespace of its own (so that nothing outside it
# is touched), PostgreSQL listens on the namespace's loopback over TCP and
# meshplaned connects to it there; iptables then drops every packet to and
# from PostgreSQL's port: no RST, no FIN, the peer simply goes silent, as
# when a route or a firewall fails. The test checks that
#
#   - calls made during the blackhole are answered (UNAVAILABLE or
#     DEADLINE_EXCEEDED) within their deadline, and /readyz answers 503
#     (not a hang) within seconds;
#   - once the route is back, writes succeed again within seconds, without a
#     restart, and what was acknowledged is in the database once.
#
# Needs root (a network namespace, iptables); exits 77 (ctest: skipped) with the
# reason otherwise. By hand: tests/e2e/blackhole_test.sh after building
# meshplaned and meshplane.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

say() { printf '[blackhole-test] %s\n' "$*"; }
fail() { printf '[blackhole-test] FAILED: %s\n' "$*" >&2; exit 1; }

: "${MESHPLANE_CLI:=$BUILD_DIR/bin/meshplane}"
for bin in "$BUILD_DIR/bin/meshplaned" "$MESHPLANE_CLI"; do
  [ -x "$bin" ] || fail "$bin is not built"
done
if [ "$(id -u)" != 0 ]; then
  echo "SKIPPED: needs root for a network namespace and iptables (run as root)"
  exit 77
fi
if ! command -v iptables >/dev/null && ! (ensure_packages iptables) >/dev/null 2>&1; then
  echo "SKIPPED: iptables is not installed and could not be installed"
  exit 77
fi
NS="mp-blackhole-$$"
if ! ip netns add "$NS" 2>/dev/null; then
  echo "SKIPPED: cannot create a network namespace here (no CAP_NET_ADMIN)"
  exit 77
fi
in_ns() { ip netns exec "$NS" "$@"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/meshplane-blackhole.XXXXXX")"
chmod 755 "$WORK"
PGDIR="$WORK/pg"
SERVER_PID=""
cleanup() {
  local rc=$?
  set +e
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -f "$PGDIR/postmaster.pid" ] && in_ns runuser -u postgres -- \
    "$PG_BIN/pg_ctl" -D "$PGDIR" -m immediate -w stop >/dev/null 2>&1
  # Whatever still runs in the namespace (a server that did not stop) goes
  # with it.
  ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    echo "----- last lines of the server's log"; tail -n 40 "$WORK/server.log"
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns ip link set lo up
pg_init "$PGDIR"
PGPORT=54329
in_ns runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" \
  -w -t 60 -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1" start >/dev/null \
  || { cat "$PGDIR/server.log" >&2; fail "PostgreSQL did not start"; }
pg_setup_meshplane "$PGDIR" "$PGPORT" >/dev/null
TOKEN="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Over TCP on the namespace's loopback: the socket folder would bypass the
# network.
# `ip netns exec` execs the server, so that $! is the server itself.
MESHPLANE_BOOTSTRAP_TOKEN="$TOKEN" ip netns exec "$NS" "$BUILD_DIR/bin/meshplaned" --listen 127.0.0.1:50051 --http-listen 127.0.0.1:9464 \
  --database-url "postgresql://meshplane@127.0.0.1:$PGPORT/meshplane" \
  --pool-size 4 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ready() { in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:9464/readyz || true; }
for _ in $(seq 1 120); do [ "$(ready)" = 200 ] && break; sleep 0.25; done
[ "$(ready)" = 200 ] || fail "meshplaned is not ready"
cli() { in_ns "$MESHPLANE_CLI" --addr 127.0.0.1:50051 --token "$TOKEN" "$@"; }
cli team create before >/dev/null || fail "a write before the blackhole failed"

# The blackhole: PostgreSQL's port, both ways, dropped on the loopback.
blackhole() {  # -A to add, -D to remove
  in_ns iptables "$1" INPUT -p tcp --dport "$PGPORT" -j DROP &&
    in_ns iptables "$1" INPUT -p tcp --sport "$PGPORT" -j DROP
}
if ! blackhole -A 2>"$WORK/iptables.err"; then
  echo "SKIPPED: iptables cannot filter in a network namespace here: $(head -c 200 "$WORK/iptables.err")"
  exit 77
fi
HOLE_AT=$(date +%s%3N)
say "blackhole on PostgreSQL's port $PGPORT"
# /readyz, probed as a load balancer would (2 s timeout), from now on.
( while true; do echo "$(date +%s%3N) $(ready)"; sleep 0.5; done ) >"$WORK/readyz.txt" &
PROBE_PID=$!

errors=()
# Calls during the blackhole: each answered within its deadline (5 s), by the
# server or by the client's deadline, never OK.
for i in 1 2 3; do
  t0=$(date +%s%3N)
  if cli --timeout 5s team create "during-$i" >"$WORK/during-$i.out" 2>&1; then
    errors+=("a write during the blackhole succeeded")
  fi
  took=$(( $(date +%s%3N) - t0 ))
  say "write $i during the blackhole: $(tail -n 1 "$WORK/during-$i.out" | cut -c1-120) (${took} ms)"
  [ "$took" -le 7000 ] || errors+=("write $i took ${took} ms against a 5 s deadline")
done
# Readiness: the first probe that was not 200, and the first real 503.
kill "$PROBE_PID" 2>/dev/null; wait "$PROBE_PID" 2>/dev/null || true
not_ready_ms="$(awk -v t="$HOLE_AT" '$2 != "200" {print $1 - t; exit}' "$WORK/readyz.txt")"
said_503_ms="$(awk -v t="$HOLE_AT" '$2 == "503" {print $1 - t; exit}' "$WORK/readyz.txt")"
say "/readyz: not 200 after ${not_ready_ms:-never} ms, 503 after ${said_503_ms:-never} ms"
[ -n "$not_ready_ms" ] && [ "$not_ready_ms" -le 15000 ] \
  || errors+=("/readyz still 200 15 s into the blackhole")
# A probe behind one that has no answer is told at once (503), rather than
# queueing until TCP gives up.
[ -n "$said_503_ms" ] && [ "$said_503_ms" -le 15000 ] \
  || errors+=("/readyz never answered 503 in the blackhole's first 15 s")
blackhole -D
BACK_AT=$(date +%s%3N)
say "route back"
recovered_ms=""
for i in $(seq 1 120); do
  if cli --timeout 5s team create "after-$i" >/dev/null 2>&1; then
    recovered_ms=$(( $(date +%s%3N) - BACK_AT )); break
  fi
  sleep 0.5
done
say "first write after the route came back: ${recovered_ms:-none} ms"
[ -n "$recovered_ms" ] || errors+=("no write succeeded within 60 s of the route coming back")
for _ in $(seq 1 60); do [ "$(ready)" = 200 ] && break; sleep 0.5; done
[ "$(ready)" = 200 ] || errors+=("/readyz not 200 again after the route came back")
n="$(in_ns runuser -u postgres -- "$PG_BIN/psql" -h "$PGDIR" -p "$PGPORT" -U postgres -d meshplane -Atqc \
  "SELECT count(*) FROM teams WHERE id LIKE 'during-%'")"
say "teams written during the blackhole: $n (their calls were not acknowledged)"

say "figures: writes during the blackhole answered within their 5 s deadline; /readyz not ready after ${not_ready_ms:-?} ms (503 after ${said_503_ms:-never} ms); first write ${recovered_ms:-?} ms after the route came back"
if [ ${#errors[@]} -gt 0 ]; then
  for e in "${errors[@]}"; do echo "[blackhole-test] FAILED: $e" >&2; done
  exit 1
fi
say "PASSED"
