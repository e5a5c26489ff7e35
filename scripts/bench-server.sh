#!/usr/bin/env bash
# Measures the server end to end on this machine, in one self-contained run:
#
#   1. builds meshplaned, meshplane, mp_load and echo_server if needed
#      (reuses $MESHPLANE_BUILD_DIR, default ./build, when it exists);
#   2. starts a private PostgreSQL 15 (temp dir, unix socket only, a free
#      port; as user postgres when run as root) with the stock durability
#      settings: fsync=on, synchronous_commit=on; the server and pgbench are
#      measured against the same cluster with the same settings;
#   3. runs `meshplaned migrate`, starts meshplaned with a bootstrap token;
#   4. mp_load: CreateDataProduct and GetDataProduct at 1, 16 and 64 in
#      flight (mp_load creates the team and domain it writes to);
#   5. echo_server + mp_load echo at the same in-flight counts: what gRPC
#      alone costs here;
#   6. pgbench with bench/load/registration.sql (one product row, its two
#      output port rows and one audit row in one transaction) at 1, 16 and
#      64 clients, and with registration_full.sql (everything the server's
#      CreateDataProduct transaction reads and writes) at 16, against a
#      scratch database migrated with the same migrations; plus the read
#      path's query with and without its transaction (get_product*.sql);
#   7. prints a table and the two ratios the aims are stated in:
#      create@16 / pgbench@16 and get@16 / echo@16; with the REST phases,
#      REST/gRPC throughput and p99 ratios of get and create at each
#      in-flight count.
#
# Everything listens on loopback or a unix socket and is stopped on exit.
# This is a measurement, not a test: it never fails on a number.
#
# Environment (all optional):
#   BENCH_DURATION=10s BENCH_WARMUP=2s BENCH_INFLIGHT="1 16 64"
#   BENCH_PGBENCH_SECONDS=10 BENCH_CLIENT_THREADS=1
#   BENCH_METHODS="echo pgbench create get create-seq"  (phases, in order;
#                          also "governed": creates under BENCH_POLICIES;
#                          "contracts": PublishContract of new contracts
#                          and the validate_only CI check; "access":
#                          CheckAccess over 10,000 ports and 100,000 grants
#                          seeded before the server starts — compare with
#                          "echo" in the same run; "rest-get" and
#                          "rest-create": GetDataProduct and
#                          CreateDataProduct over the REST/JSON API on
#                          meshplaned's --http-listen, mp_load --transport
#                          http: one keep-alive HTTP/1.1 connection per
#                          in-flight request, at the BENCH_INFLIGHT counts,
#                          against the same server; put them beside "get"
#                          and "create" for the REST/gRPC ratios)
#   BENCH_POLICIES="0 10 100 1000"  policy counts of the governed phase
#   BENCH_OUT=DIR          keep logs and results.jsonl there (default: a
#                          folder under $MESHPLANE_BUILD_DIR/bench-server/)
#   MESHPLANED_ARGS="..."  extra flags for meshplaned (e.g. --pool-size 32)
#   BENCH_MAX_THREADS=N    --max-threads of both meshplaned and echo_server
#                          (default: their default, 256)
#   MESHPLANE_BUILD_DIR    build folder (default ./build)
#   BENCH_NO_BUILD=1       use the binaries as they are
#   BENCH_PG_CONF="k = v;..."  extra postgresql.conf lines (analysis only,
#                          e.g. "log_connections = on")
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
INFLIGHT="${BENCH_INFLIGHT:-1 16 64}"
PGBENCH_SECONDS="${BENCH_PGBENCH_SECONDS:-10}"
CLIENT_THREADS="${BENCH_CLIENT_THREADS:-1}"
METHODS="${BENCH_METHODS:-echo pgbench create get create-seq}"
POLICIES="${BENCH_POLICIES:-0 10 100 1000}"
BIN="$BUILD_DIR/bin"
LOAD_DIR="$MESHPLANE_ROOT/bench/load"

# ---------------------------------------------------------------- build ----
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  export CCACHE_BASEDIR="$MESHPLANE_ROOT"
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    log "configuring $BUILD_DIR"
    cmake -S "$MESHPLANE_ROOT" -B "$BUILD_DIR" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  log "building meshplaned meshplane mp_load echo_server"
  cmake --build "$BUILD_DIR" -j"${MESHPLANE_JOBS:-2}" \
    --target meshplaned meshplane mp_load echo_server >/dev/null
fi
for b in meshplaned mp_load echo_server; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing (build it, or unset BENCH_NO_BUILD)"
done

# --------------------------------------------------------------- set-up ----
OUT="${BENCH_OUT:-$BUILD_DIR/bench-server/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mp-bench.XXXXXX")"
chmod 755 "$WORK"
PGDATA="$WORK/pg"
SERVER_PID=""
ECHO_PID=""
cleanup() {
  local rc=$?
  for pid in $SERVER_PID $ECHO_PID; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  pg_stop "$PGDATA"
  # Keep the server logs with the results, then drop the temp dir.
  cp "$WORK"/*.log "$OUT"/ 2>/dev/null || true
  [ -f "$PGDATA/server.log" ] && cp "$PGDATA/server.log" "$OUT/postgres.log" 2>/dev/null
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PG_PORT="$(free_port)"
log "starting PostgreSQL 15 in $PGDATA (port $PG_PORT, unix socket only, fsync on)"
pg_init "$PGDATA"
# Stock durability (fsync=on, synchronous_commit=on, full_page_writes=on):
# stated explicitly so a changed default cannot skew the comparison.
cat >> "$PGDATA/postgresql.conf" <<'CONF'
fsync = on
synchronous_commit = on
max_connections = 200
CONF
if [ -n "${BENCH_PG_CONF:-}" ]; then
  tr ';' '\n' <<<"$BENCH_PG_CONF" >> "$PGDATA/postgresql.conf"
fi
pg_start "$PGDATA" "$PG_PORT"

psql_as() {  # psql_as DB ARGS...: psql as the postgres user on our socket
  local db="$1"; shift
  as_pg "$PG_BIN/psql" -h "$PGDATA" -p "$PG_PORT" -U postgres -d "$db" \
    -v ON_ERROR_STOP=1 -Atq "$@"
}
as_pg "$PG_BIN/createdb" -h "$PGDATA" -p "$PG_PORT" -U postgres meshplane
as_pg "$PG_BIN/createdb" -h "$PGDATA" -p "$PG_PORT" -U postgres pgbench_scratch
DB_URL="postgresql://postgres@/meshplane?host=$PGDATA&port=$PG_PORT"
SCRATCH_URL="postgresql://postgres@/pgbench_scratch?host=$PGDATA&port=$PG_PORT"

log "migrating both databases"
"$BIN/meshplaned" migrate --database-url "$DB_URL" >"$WORK/migrate.log" 2>&1 \
  || { cat "$WORK/migrate.log" >&2; die "meshplaned migrate failed"; }
"$BIN/meshplaned" migrate --database-url "$SCRATCH_URL" >>"$WORK/migrate.log" 2>&1 \
  || { cat "$WORK/migrate.log" >&2; die "meshplaned migrate (scratch) failed"; }
# The rows the registration scripts refer to (foreign keys), as the server
# would have them after mp_load's set-up.
psql_as pgbench_scratch <<'SQL'
INSERT INTO teams (id, uid, display_name, create_time, update_time, revision)
  VALUES ('bench', gen_random_uuid()::text, 'mp_load team', now(), now(), 1);
INSERT INTO team_members (team_id, principal) VALUES ('bench', 'user:admin');
INSERT INTO domains (id, uid, display_name, owner_team_id, create_time,
                     update_time, revision)
  VALUES ('bench', gen_random_uuid()::text, 'mp_load domain', 'bench', now(),
          now(), 1);
-- Products g-1 .. g-1000 with two output ports each, for get_product*.sql
-- (the shape mp_load creates).
INSERT INTO data_products (domain_id, id, uid, display_name, description,
    owner_team_id, lifecycle, tier, classification, tags, labels,
    create_time, update_time, revision)
  SELECT 'bench', 'g-' || i, gen_random_uuid()::text, 'Load test product g-' || i,
    'Orders placed on the web shop, one row per order line, refreshed hourly. Created by mp_load.',
    'bench', 'DRAFT', 2, 'INTERNAL', '{bench,orders}',
    '{"cost-center": "cc-1234", "source": "mp_load"}', now(), now(), 1
  FROM generate_series(1, 1000) AS i;
INSERT INTO output_ports (domain_id, product_id, port_id, ordinal,
    display_name, type, server, location, description, availability_percent,
    max_staleness_us)
  SELECT 'bench', 'g-' || i, 'orders-v1', 0, 'Orders (table)', 'table',
    'postgres://warehouse.internal:5432/sales', 'sales.orders_v1',
    'One row per order line.', 99.9, 3600000000
  FROM generate_series(1, 1000) AS i
  UNION ALL
  SELECT 'bench', 'g-' || i, 'orders-stream', 1, 'Orders (stream)', 'topic',
    'kafka://broker.internal:9092', 'sales.orders.v1',
    'Order events as they happen.', NULL, NULL
  FROM generate_series(1, 1000) AS i;
ANALYZE;
SQL

if [[ " $METHODS " == *" access "* ]]; then
  # CheckAccess's registry: 2,500 products with 4 output ports each, 200
  # teams of 100 members (20,000 users), 100,000 grants: grant i is on port
  # (i * 7919) mod 10,000, to user u(i mod 20,000) or, for one in ten, to
  # team t(i mod 200). mp_load --method access asks for the users' ones.
  log "seeding 10,000 ports and 100,000 grants for CheckAccess"
  psql_as meshplane <<'SQL'
INSERT INTO teams (id, uid, display_name, create_time, update_time, revision)
  VALUES ('bench', gen_random_uuid()::text, 'mp_load team', now(), now(), 1);
INSERT INTO domains (id, uid, display_name, owner_team_id, create_time,
                     update_time, revision)
  VALUES ('bench', gen_random_uuid()::text, 'mp_load domain', 'bench', now(),
          now(), 1);
INSERT INTO teams (id, uid, display_name, create_time, update_time, revision)
  SELECT 't' || t, gen_random_uuid()::text, 'team ' || t, now(), now(), 1
  FROM generate_series(0, 199) AS t;
INSERT INTO team_members (team_id, principal)
  SELECT 't' || (u / 100), 'user:u' || u || '@example.com'
  FROM generate_series(0, 19999) AS u;
INSERT INTO data_products (domain_id, id, uid, display_name, description,
    owner_team_id, lifecycle, tier, classification, tags, labels,
    create_time, update_time, revision)
  SELECT 'bench', 'p' || i, gen_random_uuid()::text, 'Product p' || i,
    'Seeded for CheckAccess.', 'bench', 'PUBLISHED', 2, 'INTERNAL',
    '{bench}', '{}', now(), now(), 1
  FROM generate_series(0, 2499) AS i;
INSERT INTO output_ports (domain_id, product_id, port_id, ordinal, type)
  SELECT 'bench', 'p' || (i / 4), 'o' || (i % 4), i % 4, 'table'
  FROM generate_series(0, 9999) AS i;
INSERT INTO grants (id, uid, domain_id, product_id, port_id, consumer,
    actions, purpose, granted_by, create_time, expire_time, revision)
  SELECT gen_random_uuid()::text, gen_random_uuid()::text, 'bench',
    'p' || (((i::bigint * 7919) % 10000) / 4),
    'o' || (((i::bigint * 7919) % 10000) % 4),
    CASE WHEN i % 10 = 9 THEN 'team:t' || (i % 200)
         ELSE 'user:u' || (i % 20000) || '@example.com' END,
    '{read}', 'bench', 'user:admin', now(), now() + interval '30 days', 1
  FROM generate_series(0, 99999) AS i;
ANALYZE;
SQL
fi

TOKEN="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PORT_FILE="$WORK/meshplaned.port"
log "starting meshplaned"
MESHPLANE_BOOTSTRAP_TOKEN="$TOKEN" "$BIN/meshplaned" \
  --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --port-file "$PORT_FILE" \
  --database-url "$DB_URL" ${BENCH_MAX_THREADS:+--max-threads "$BENCH_MAX_THREADS"} \
  ${MESHPLANED_ARGS:-} >"$WORK/meshplaned.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  [ -s "$PORT_FILE" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null \
    || { cat "$WORK/meshplaned.log" >&2; die "meshplaned exited"; }
  sleep 0.1
done
[ -s "$PORT_FILE" ] || die "meshplaned wrote no port file"
SERVER_ADDR="127.0.0.1:$(tr -d ' \n' < "$PORT_FILE")"
# The HTTP listener (REST under /v1/) took a port of its own: meshplaned
# logs it once it is bound.
HTTP_ADDR=""
for _ in $(seq 1 100); do
  HTTP_ADDR="$(sed -nE 's/.*\/readyz and \/metrics on (https?:\/\/)?([0-9.]+:[0-9]+).*/\2/p' \
                 "$WORK/meshplaned.log" | tail -n1)"
  [ -n "$HTTP_ADDR" ] && break
  sleep 0.1
done
[ -n "$HTTP_ADDR" ] || die "meshplaned logged no HTTP address"

ECHO_PORT_FILE="$WORK/echo.port"
"$BIN/echo_server" --listen 127.0.0.1:0 --port-file "$ECHO_PORT_FILE" \
  ${BENCH_MAX_THREADS:+--max-threads "$BENCH_MAX_THREADS"} \
  >"$WORK/echo_server.log" 2>&1 &
ECHO_PID=$!
for _ in $(seq 1 100); do
  [ -s "$ECHO_PORT_FILE" ] && break
  sleep 0.1
done
[ -s "$ECHO_PORT_FILE" ] || die "echo_server wrote no port file"
ECHO_ADDR="127.0.0.1:$(tr -d ' \n' < "$ECHO_PORT_FILE")"

# Flushes dirty pages before each phase so that one phase's checkpoint does
# not land in the next one's window.
checkpoint() { psql_as postgres -c CHECKPOINT >/dev/null; }

# ----------------------------------------------------------------- runs ----
run_load() {  # run_load LABEL METHOD ADDR INFLIGHT [MP_LOAD ARGS...]
  local label="$1" method="$2" addr="$3" n="$4" out watch log_lines sf
  shift 4
  if [ "$method" = echo ]; then watch="echo_server=$ECHO_PID"
  else watch="meshplaned=$SERVER_PID,postgres=$(postmaster_pid)+"; fi
  checkpoint
  # PostgreSQL logs every failed attempt (ERROR ... could not serialize),
  # retried by the store or not: count them over the phase.
  log_lines="$(wc -l < "$PGDATA/server.log")"
  out="$("$BIN/mp_load" --target "$addr" --token "$TOKEN" --method "$method" \
          --inflight "$n" --duration "$DURATION" --warmup "$WARMUP" \
          --threads "$CLIENT_THREADS" --domain bench --team bench \
          --cpu-watch "$watch" "$@" 2>>"$OUT/mp_load.stderr.log")" \
    || { log "mp_load $label @$n failed (see $OUT/mp_load.stderr.log)"; return 0; }
  sf="$(tail -n +"$((log_lines + 1))" "$PGDATA/server.log" | grep -c 'could not serialize access' || true)"
  printf '%s\n' "$out" | sed -n 1p | sed "s/^$method /$label /" >&2
  printf '%s\n' "$out" | grep '^{' | jq -c --argjson sf "${sf:-0}" --arg lbl "$label" \
    '. + {method: $lbl, pg_serialization_failures: $sf}' >> "$RESULTS"
}

postmaster_pid() { head -n1 "$PGDATA/postmaster.pid"; }

# CPU seconds used so far by the PostgreSQL cluster: the postmaster, its
# live children (backends, checkpointer, WAL writer...) and the children it
# has reaped (proc(5): utime, stime, cutime, cstime are fields 14-17).
pg_cpu() {
  local pm c
  pm="$(postmaster_pid)"
  { cat "/proc/$pm/stat"
    for c in $(ps -o pid= --ppid "$pm"); do cat "/proc/$c/stat" 2>/dev/null || true; done
  } | awk -v tck="$(getconf CLK_TCK)" '{
        sub(/^.*\) /, "")          # drop "pid (comm) ", comm may hold spaces
        t += $12 + $13; if (NR == 1) t += $14 + $15
      } END { printf "%.3f", t / tck }'
}

# pgbench's per-transaction log (-l) gives latencies comparable to mp_load's:
# its third field is each transaction's elapsed time in microseconds.
run_pgbench() {  # run_pgbench NAME SCRIPT CLIENTS [PGBENCH ARGS...]
  local name="$1" script="$2" clients="$3" dir tps p50 p90 p99 max lat n err
  shift 3
  checkpoint
  dir="$WORK/pgbench-$name-$clients"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  cp "$script" "$dir/script.sql"
  local jobs=$(( clients < 2 ? 1 : 2 )) cpu0 cpu1 client_cpu
  cpu0="$(pg_cpu)"
  local as_pg_cmd=() timer=()
  [ "$(id -u)" = 0 ] && as_pg_cmd=(runuser -u postgres --)
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%U %S' -o "$WORK/pgbench.time")
  echo "0 0" > "$WORK/pgbench.time"
  (cd "$dir" && "${timer[@]}" "${as_pg_cmd[@]}" "$PG_BIN/pgbench" -h "$PGDATA" -p "$PG_PORT" -U postgres \
      -n -c "$clients" -j "$jobs" -T "$PGBENCH_SECONDS" -l "$@" -f script.sql \
      pgbench_scratch) > "$dir/out.txt" 2>&1 \
    || { cat "$dir/out.txt" >&2; log "pgbench $name failed"; return 0; }
  # The backends' CPU moves to the postmaster's cutime once it has reaped
  # them; give it a moment.
  sleep 1
  cpu1="$(pg_cpu)"
  client_cpu="$(awk '{printf "%.3f", $1 + $2}' "$WORK/pgbench.time")"
  tps="$(sed -nE 's/^tps = ([0-9.]+) .*without initial.*/\1/p' "$dir/out.txt")"
  n="$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$dir/out.txt")"
  err="$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$dir/out.txt")"
  lat="$dir/lat.txt"
  # Failed transactions are logged with a word instead of a time: skip them.
  cat "$dir"/pgbench_log.* | awk '$3 ~ /^[0-9]+$/ {print $3}' | sort -n > "$lat"
  pct() { awk -v q="$1" '{a[NR]=$1} END {i=int(q*NR+0.999999); if(i<1)i=1; if(i>NR)i=NR; print a[i]+0}' "$lat"; }
  p50="$(pct 0.50)"; p90="$(pct 0.90)"; p99="$(pct 0.99)"; max="$(tail -n1 "$lat")"
  printf '%-6s clients=%-3d ok=%s err=%s in %ss: %s tx/s  p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n' \
    "$name" "$clients" "$n" "${err:-0}" "$PGBENCH_SECONDS" "$tps" \
    "$(awk -v v="$p50" 'BEGIN{print v/1000}')" "$(awk -v v="$p90" 'BEGIN{print v/1000}')" \
    "$(awk -v v="$p99" 'BEGIN{print v/1000}')" "$(awk -v v="$max" 'BEGIN{print v/1000}')" >&2
  printf '{"tool":"pgbench","method":"%s","inflight":%d,"seconds":%s,"ok":%s,"errors_total":%s,"throughput":%s,"p50_us":%s,"p90_us":%s,"p99_us":%s,"max_us":%s,"cpu_seconds":{"client":%s,"postgres":%s}}\n' \
    "$name" "$clients" "$PGBENCH_SECONDS" "${n:-0}" "${err:-0}" "${tps:-0}" \
    "$p50" "$p90" "$p99" "$max" "$client_cpu" \
    "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.3f", b - a}')" >> "$RESULTS"
}

log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
for method in $METHODS; do
  case "$method" in
    echo)
      for n in $INFLIGHT; do run_load echo echo "$ECHO_ADDR" "$n"; done ;;
    pgbench)
      for n in $INFLIGHT; do run_pgbench pgbench "$LOAD_DIR/registration.sql" "$n"; done
      # As the store runs it: prepared statements; SERIALIZABLE, so retry
      # serialization failures as Store::RunInTransaction does.
      run_pgbench pgfull "$LOAD_DIR/registration_full.sql" 16 -M prepared --max-tries 5
      # The same without the store's global outbox lock (AppendEvent holds
      # it from the event insert to commit): what that lock costs.
      sed 's/ FROM (SELECT pg_advisory_xact_lock(1297109832, 2)) AS outbox_lock//' \
        "$LOAD_DIR/registration_full.sql" > "$WORK/registration_full_nolock.sql"
      run_pgbench pgfull-nolock "$WORK/registration_full_nolock.sql" 16 -M prepared --max-tries 5
      # The read path: GetDataProduct's query with and without the
      # transaction the store wraps it in.
      run_pgbench pgget "$LOAD_DIR/get_product.sql" 16 -M prepared
      run_pgbench pgget1 "$LOAD_DIR/get_product_bare.sql" 16 -M prepared ;;
    create|get)
      for n in $INFLIGHT; do run_load "$method" "$method" "$SERVER_ADDR" "$n"; done ;;
    rest-create|rest-get)
      # The same calls over REST/JSON; set-up (team, domain, the products
      # get reads) stays on gRPC.
      for n in $INFLIGHT; do
        run_load "$method" "${method#rest-}" "$SERVER_ADDR" "$n" \
          --transport http --http-target "$HTTP_ADDR"
      done ;;
    governed)
      # CreateDataProduct with 0, 10, 100 and 1,000 global policies in force
      # (one in ten on its trigger, all holding): what governance adds.
      # Policies accumulate, so the counts must rise.
      for pol in $POLICIES; do
        for n in 1 16; do
          run_load "create-pol$pol" create "$SERVER_ADDR" "$n" --policies "$pol"
        done
      done ;;
    contracts)
      # PublishContract: a fresh 40-property contract per call; then the CI
      # check (validate_only: parse, validate, compare, impact, policies).
      for n in $INFLIGHT; do run_load publish publish "$SERVER_ADDR" "$n"; done
      for n in $INFLIGHT; do run_load contract-check contract-check "$SERVER_ADDR" "$n"; done ;;
    access)
      # CheckAccess answered from the replica's index (seeded above); the
      # decision log in its default (batched) mode.
      log "meshplaned resident memory with the index: $(grep VmRSS "/proc/$SERVER_PID/status" | tr -s ' ')"
      for n in $INFLIGHT; do run_load access access "$SERVER_ADDR" "$n"; done ;;
    create-seq)
      # Sequential ids: every insert on the same index page, the worst case
      # for SERIALIZABLE's page-level predicate locks.
      run_load create-seq create "$SERVER_ADDR" 16 --ids sequential ;;
    *) die "unknown phase in BENCH_METHODS: $method" ;;
  esac
done

# -------------------------------------------------------------- summary ----
# One row per (what, in flight): throughput, latency, and the CPU each
# process spent per call in the measured window (client = mp_load or
# pgbench; server = meshplaned or echo_server; pg = the whole PostgreSQL
# cluster). "cpu-bound" is what the machine's cores could do if the run
# had them to itself: cores * 1e6 / (client + server + pg us per call).
row() {  # row WHAT INFLIGHT -> tab-separated fields, or nothing
  jq -r --arg m "$1" --argjson n "$2" --argjson cores "$(nproc)" '
    select(.method == $m and .inflight == $n and .ok > 0)
    | (.cpu_seconds // {}) as $c
    | (($c.client // 0) * 1e6 / .ok) as $cl
    | ((($c.meshplaned // $c.echo_server) // 0) * 1e6 / .ok) as $sv
    | (($c.postgres // 0) * 1e6 / .ok) as $pg
    | [.throughput, .p50_us / 1e3, .p90_us / 1e3, .p99_us / 1e3, .max_us / 1e3,
       .errors_total, $cl, $sv, $pg,
       (if ($cl + $sv + $pg) > 0 then $cores * 1e6 / ($cl + $sv + $pg) else 0 end),
       ((.pg_serialization_failures // 0) / ((.completed_total // .ok) | if . > 0 then . else 1 end))]
    | @tsv' "$RESULTS" | head -n1
}
field() { row "$1" "$2" | cut -f"$3"; }
{
  echo
  echo "Meshplane server benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores shared by client, server and PostgreSQL (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  printf '%-13s %4s %9s %7s %7s %7s %7s %5s | %-23s %9s %8s\n' "" "" "" "" "" "" "" "" \
    "CPU us per call" "" "PG ser."
  printf '%-13s %4s %9s %7s %7s %7s %7s %5s | %7s %7s %7s %9s %8s\n' what n "calls/s" \
    "p50 ms" "p90 ms" "p99 ms" "max ms" errs client server pg "cpu-bound" "fail/call"
  for m in echo get rest-get pgget pgget1 create rest-create create-seq \
           pgbench pgfull pgfull-nolock \
           publish contract-check access \
           $(for p in $POLICIES; do echo "create-pol$p"; done); do
    for n in $(echo 1 16 $INFLIGHT | tr ' ' '\n' | sort -nu); do
      r="$(row "$m" "$n")"
      [ -n "$r" ] || continue
      # shellcheck disable=SC2086
      printf '%-13s %4d %9.0f %7.2f %7.2f %7.2f %7.2f %5d | %7.0f %7.0f %7.0f %9.0f %8.2f\n' \
        "$m" "$n" $r
    done
  done
  ratio() {  # ratio NAME A B [AIM]
    if [ -n "$2" ] && [ -n "$3" ]; then
      awk -v a="$2" -v b="$3" -v aim="${4:-0}" -v name="$1" 'BEGIN {
        r = a / b; printf "%-26s %6.1f%%", name, 100 * r
        if (aim > 0) printf "   (aim >= %d%%: %s)", 100 * aim, (r >= aim ? "met" : "missed")
        printf "\n" }'
    fi
  }
  echo
  ratio "create@16 / pgbench@16" "$(field create 16 1)" "$(field pgbench 16 1)" 0.5
  ratio "get@16 / echo@16" "$(field get 16 1)" "$(field echo 16 1)" 0.4
  ratio "create@16 / pgfull@16" "$(field create 16 1)" "$(field pgfull 16 1)"
  ratio "access@16 / echo@16" "$(field access 16 1)" "$(field echo 16 1)" 0.7
  ratio "access@64 / echo@64" "$(field access 64 1)" "$(field echo 64 1)" 0.7
  ratio "access p99@16 / echo p99@16" "$(field access 16 4)" "$(field echo 16 4)"
  ratio "access p99@64 / echo p99@64" "$(field access 64 4)" "$(field echo 64 4)"
  # REST against gRPC, same server, same run (issue 16's aim: throughput
  # >= 70% and p99 within 1.5x at 16 in flight).
  p99_ratio() {  # p99_ratio NAME A B [AIM]
    if [ -n "$2" ] && [ -n "$3" ]; then
      awk -v a="$2" -v b="$3" -v aim="${4:-0}" -v name="$1" 'BEGIN {
        r = a / b; printf "%-26s %6.2fx", name, r
        if (aim > 0) printf "   (aim <= %.1fx: %s)", aim, (r <= aim ? "met" : "missed")
        printf "\n" }'
    fi
  }
  for m in get create; do
    for n in $(echo $INFLIGHT | tr ' ' '\n' | sort -nu); do
      aim=""; [ "$n" = 16 ] && aim=1
      ratio "rest-$m@$n / $m@$n" "$(field "rest-$m" "$n" 1)" \
        "$(field "$m" "$n" 1)" ${aim:+0.7}
      p99_ratio "rest-$m p99@$n / $m p99@$n" "$(field "rest-$m" "$n" 4)" \
        "$(field "$m" "$n" 4)" ${aim:+1.5}
    done
  done
} | tee "$OUT/summary.txt"
log "results: $RESULTS"
