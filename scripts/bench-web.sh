#!/usr/bin/env bash
# Measures the web catalog at 100,000 products on this machine, in one
# self-contained run (a benchmark, not a test: it never fails on a number):
#
#   1. builds meshplaned (with the embedded web catalog) if needed
#      (reuses $MESHPLANE_BUILD_DIR, default ./build, when it exists);
#   2. starts a private PostgreSQL 15 (temp dir, unix socket only, a free
#      port; as user postgres when run as root), migrates it;
#   3. loads, in bulk SQL: 100 teams, 180 domains (20 top-level, each with
#      4 subdomains, each of those with one more), 100,000 products spread
#      over them (names and descriptions from a 30-word vocabulary, 2 of 30
#      tags, tiers 0-3, every classification and lifecycle, labels) with 2
#      output ports each, and a lineage tree of 200 products in domain
#      `lineage` (lin-i reads lin-((i-1)/2)); then ANALYZE;
#   4. starts meshplaned with a bootstrap token and its HTTP listener;
#   5. runs web/bench/catalog.bench.mjs: Debian's chromium, headless,
#      through puppeteer-core (pinned in web/package-lock.json;
#      PUPPETEER_SKIP_DOWNLOAD=1, no browser is downloaded), which measures
#      with the Performance API: the search page usable (first result on
#      screen) cold (new profile) and warm, the product page (full load and
#      in-app), lineage at 200 nodes, search calls from the page and
#      directly with fetch, typing into the search box; with a static asset,
#      /healthz and GetCallerIdentity over REST as references in the same
#      run; and the embedded assets' size raw, gzip -9 and brotli q11;
#   6. prints a summary with `uptime` before and after (the machine's load
#      is part of the result).
#
# Environment (all optional):
#   BENCH_PRODUCTS=100000  products to load
#   BENCH_REPEAT=7         page loads of each kind
#   BENCH_QUERIES=200      search calls per series
#   BENCH_OUT=DIR          keep logs and results there (default: a folder
#                          under $MESHPLANE_BUILD_DIR/bench-web/)
#   MESHPLANE_BUILD_DIR    build folder (default ./build)
#   BENCH_NO_BUILD=1       use the binaries as they are
#   CHROMIUM               the browser (default /usr/bin/chromium)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PRODUCTS="${BENCH_PRODUCTS:-100000}"
BIN="$BUILD_DIR/bin"
export PUPPETEER_SKIP_DOWNLOAD=1

# ---------------------------------------------------------------- build ----
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  export CCACHE_BASEDIR="$MESHPLANE_ROOT"
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    log "configuring $BUILD_DIR"
    cmake -S "$MESHPLANE_ROOT" -B "$BUILD_DIR" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  log "building meshplaned"
  cmake --build "$BUILD_DIR" -j"${MESHPLANE_JOBS:-2}" --target meshplaned >/dev/null
fi
[ -x "$BIN/meshplaned" ] || die "$BIN/meshplaned is missing (build it, or unset BENCH_NO_BUILD)"
ASSETS="$BUILD_DIR/src/server/web"
[ -f "$ASSETS/index.html" ] || die "$ASSETS/index.html is missing (a build with MESHPLANE_WEB=ON)"
[ -d "$MESHPLANE_ROOT/web/node_modules/puppeteer-core" ] \
  || die "web/node_modules is missing: the meshplaned build installs it (npm ci in web/)"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing (apt-get install chromium)"
export CHROMIUM

# --------------------------------------------------------------- set-up ----
OUT="${BENCH_OUT:-$BUILD_DIR/bench-web/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
LOAD_BEFORE="$(uptime)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mp-bench-web.XXXXXX")"
chmod 755 "$WORK"
PGDATA="$WORK/pg"
SERVER_PID=""
cleanup() {
  local rc=$?
  [ -n "$SERVER_PID" ] && { kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; }
  pg_stop "$PGDATA"
  cp "$WORK"/*.log "$OUT"/ 2>/dev/null || true
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PG_PORT="$(free_port)"
log "starting PostgreSQL 15 in $PGDATA (port $PG_PORT, unix socket only)"
pg_init "$PGDATA"
echo "max_connections = 200" >> "$PGDATA/postgresql.conf"
pg_start "$PGDATA" "$PG_PORT"
psql_as() {  # psql_as DB ARGS...
  local db="$1"; shift
  as_pg "$PG_BIN/psql" -h "$PGDATA" -p "$PG_PORT" -U postgres -d "$db" \
    -v ON_ERROR_STOP=1 -Atq "$@"
}
as_pg "$PG_BIN/createdb" -h "$PGDATA" -p "$PG_PORT" -U postgres meshplane
DB_URL="postgresql://postgres@/meshplane?host=$PGDATA&port=$PG_PORT"
"$BIN/meshplaned" migrate --database-url "$DB_URL" >"$WORK/migrate.log" 2>&1 \
  || { cat "$WORK/migrate.log" >&2; die "meshplaned migrate failed"; }

log "loading $PRODUCTS products (bulk SQL)"
T_LOAD=$(date +%s)
psql_as meshplane -v products="$PRODUCTS" <<'SQL'
CREATE TEMP TABLE vocab AS
  SELECT w, ordinality - 1 AS n FROM unnest(ARRAY['orders', 'customers',
    'revenue', 'invoices', 'shipments', 'payments', 'refunds', 'inventory',
    'campaigns', 'clicks', 'sessions', 'churn', 'forecast', 'ledger',
    'budget', 'returns', 'suppliers', 'contracts', 'claims', 'policies',
    'accounts', 'balances', 'trades', 'quotes', 'prices', 'stores',
    'parcels', 'routes', 'drivers', 'vehicles']) WITH ORDINALITY AS v(w);
CREATE TEMP TABLE tagv AS
  SELECT 'tag-' || n AS t, n FROM generate_series(0, 29) AS n;
INSERT INTO teams (id, uid, display_name, create_time, update_time, revision)
  SELECT 'team-' || t, gen_random_uuid()::text, 'Team ' || t, now(), now(), 1
  FROM generate_series(0, 99) AS t;
INSERT INTO team_members (team_id, principal)
  SELECT 'team-' || t, 'user:u' || t || '@example.com'
  FROM generate_series(0, 99) AS t;
-- d0..d19, d0-s0..d19-s3 under them, d0-s0-x.. under those; and `lineage`.
INSERT INTO domains (id, uid, display_name, owner_team_id, create_time,
                     update_time, revision)
  SELECT 'd' || i, gen_random_uuid()::text, 'Domain ' || i,
         'team-' || (i * 5), now(), now(), 1
  FROM generate_series(0, 19) AS i
  UNION ALL SELECT 'lineage', gen_random_uuid()::text, 'Lineage', 'team-0',
         now(), now(), 1;
INSERT INTO domains (id, uid, display_name, parent_id, owner_team_id,
                     create_time, update_time, revision)
  SELECT 'd' || i || '-s' || j, gen_random_uuid()::text,
         'Domain ' || i || ' / ' || j, 'd' || i, 'team-' || (i * 5 + j),
         now(), now(), 1
  FROM generate_series(0, 19) AS i, generate_series(0, 3) AS j;
INSERT INTO domains (id, uid, display_name, parent_id, owner_team_id,
                     create_time, update_time, revision)
  SELECT 'd' || i || '-s' || j || '-x', gen_random_uuid()::text,
         'Domain ' || i || ' / ' || j || ' / x', 'd' || i || '-s' || j,
         'team-' || (i * 5 + j), now(), now(), 1
  FROM generate_series(0, 19) AS i, generate_series(0, 3) AS j;
CREATE TEMP TABLE dom AS
  SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM domains
  WHERE id <> 'lineage';
-- Product i: domain i mod 180, team i mod 100, words i mod 30 and
-- (i / 30) mod 30 in its name, a third in its description, tags i mod 30
-- and (i * 7) mod 30.
CREATE TEMP TABLE seed AS
  SELECT i, (SELECT id FROM dom WHERE n = i % 180) AS domain_id,
         'p' || i AS id,
         (SELECT w FROM vocab WHERE n = i % 30) AS w1,
         (SELECT w FROM vocab WHERE n = (i / 30) % 30) AS w2,
         (SELECT w FROM vocab WHERE n = (i * 13 + 7) % 30) AS w3
  FROM generate_series(0, :products - 1) AS i;
INSERT INTO data_products (domain_id, id, uid, display_name, description,
    owner_team_id, lifecycle, tier, classification, tags, labels,
    create_time, update_time, revision, port_text)
  SELECT domain_id, id, gen_random_uuid()::text,
    initcap(w1) || ' ' || w2 || ' ' || i,
    'The ' || w1 || ' of each ' || w3 || ', joined with ' || w2 ||
      ' and refreshed hourly from the operational systems.',
    'team-' || (i % 100),
    (ARRAY['DRAFT', 'PUBLISHED', 'PUBLISHED', 'DEPRECATED', 'RETIRED'])[i % 5 + 1],
    i % 4,
    (ARRAY['UNSPECIFIED', 'PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'])[i % 5 + 1],
    ARRAY(SELECT DISTINCT t FROM tagv WHERE n IN (i % 30, (i * 7) % 30) ORDER BY t),
    jsonb_build_object('cost-center', 'cc-' || (i % 50), 'source', w3),
    now(), now(), 1,
    concat_ws(' ', w1 || '-v1', 'Table of ' || w1, 'One row per ' || w1,
              domain_id || '.' || w1 || '_v1', w1 || '-events',
              'Events of ' || w1, 'Each change of ' || w1,
              domain_id || '.' || w1 || '.events')
  FROM seed;
INSERT INTO output_ports (domain_id, product_id, port_id, ordinal,
    display_name, type, server, location, description, availability_percent,
    max_staleness_us)
  SELECT domain_id, id, w1 || '-v1', 0, 'Table of ' || w1, 'table',
    'postgres://warehouse:5432/analytics', domain_id || '.' || w1 || '_v1',
    'One row per ' || w1, 99.9, 3600000000
  FROM seed
  UNION ALL
  SELECT domain_id, id, w1 || '-events', 1, 'Events of ' || w1, 'topic',
    'kafka://broker:9092', domain_id || '.' || w1 || '.events',
    'Each change of ' || w1, NULL, NULL
  FROM seed;
-- Lineage: lin-0 .. lin-199, a tree, lin-i reading lin-((i-1)/2).
INSERT INTO data_products (domain_id, id, uid, display_name, description,
    owner_team_id, lifecycle, tier, classification, tags, labels,
    create_time, update_time, revision, port_text)
  SELECT 'lineage', 'lin-' || i, gen_random_uuid()::text, 'Lineage ' || i,
    'A node of the lineage benchmark.', 'team-0', 'PUBLISHED', 2,
    'INTERNAL', '{}', '{}', now(), now(), 1, 'out'
  FROM generate_series(0, 199) AS i;
INSERT INTO output_ports (domain_id, product_id, port_id, ordinal, type,
                          location)
  SELECT 'lineage', 'lin-' || i, 'out', 0, 'table', 'lineage.lin_' || i
  FROM generate_series(0, 199) AS i;
INSERT INTO input_ports (domain_id, product_id, port_id, ordinal,
    source_domain_id, source_product_id, source_port_id, description)
  SELECT 'lineage', 'lin-' || i, 'in', 0, 'lineage',
         'lin-' || ((i - 1) / 2), 'out', 'Reads its parent'
  FROM generate_series(1, 199) AS i;
VACUUM ANALYZE;
SQL
T_LOAD=$(( $(date +%s) - T_LOAD ))
log "loaded in ${T_LOAD}s: $(psql_as meshplane -c 'SELECT count(*) FROM data_products') products, $(psql_as meshplane -c "SELECT pg_size_pretty(pg_total_relation_size('data_products'))") table with indexes"

TOKEN="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PORT_FILE="$WORK/meshplaned.port"
log "starting meshplaned"
MESHPLANE_BOOTSTRAP_TOKEN="$TOKEN" "$BIN/meshplaned" \
  --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --port-file "$PORT_FILE" \
  --database-url "$DB_URL" ${MESHPLANED_ARGS:-} >"$WORK/meshplaned.log" 2>&1 &
SERVER_PID=$!
HTTP_ADDR=""
for _ in $(seq 1 200); do
  HTTP_ADDR="$(sed -nE 's/.*\/readyz and \/metrics on (https?:\/\/)?([0-9.]+:[0-9]+).*/\2/p' \
                 "$WORK/meshplaned.log" | tail -n1)"
  [ -n "$HTTP_ADDR" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null \
    || { cat "$WORK/meshplaned.log" >&2; die "meshplaned exited"; }
  sleep 0.1
done
[ -n "$HTTP_ADDR" ] || die "meshplaned logged no HTTP address"

log "measuring in chromium (headless) and over REST"
PRODUCT_DOMAIN="$(psql_as meshplane -c "SELECT domain_id FROM data_products WHERE id = 'p4242'")"
MESHPLANE_WEB_URL="http://$HTTP_ADDR" MESHPLANE_ADMIN_TOKEN="$TOKEN" \
BENCH_ASSETS="$ASSETS" BENCH_OUT="$OUT" \
BENCH_PRODUCT="/products/$PRODUCT_DOMAIN/p4242" \
BENCH_LINEAGE="/lineage/lineage/lin-0?depth=10&direction=downstream" \
BENCH_LINEAGE_NODES=200 \
  node "$MESHPLANE_ROOT/web/bench/catalog.bench.mjs" >"$OUT/bench.log" 2>&1 \
  || { tail -n 40 "$OUT/bench.log" >&2; die "the browser benchmark failed"; }
LOAD_AFTER="$(uptime)"

# ------------------------------------------------------------- summary ----
{
  echo "machine: $(nproc) cores; $(uname -sr)"
  echo "load before: $LOAD_BEFORE"
  echo "load after:  $LOAD_AFTER"
  echo "products: $PRODUCTS (+200 lineage), loaded in ${T_LOAD}s"
  node -e '
    const r = require(process.argv[1]);
    const row = (name, s, aim) => console.log(
      `${name.padEnd(40)} p50 ${String(s.p50).padStart(8)} ms  p95 ${
       String(s.p95).padStart(8)} ms  max ${String(s.max).padStart(8)} ms  n ${s.n}${
       aim ? "   aim " + aim : ""}`);
    row("search page usable, cold", r.page.search_cold, "< 1000 ms");
    row("search page usable, warm", r.page.search_warm, "< 1000 ms");
    row("product page, full load (warm)", r.page.product_load, "< 300 ms");
    row("product page, in-app from search", r.page.product_in_app, "< 300 ms");
    row("lineage, 200 nodes drawn", r.page.lineage_200);
    row("search REST, from the page", r.page.search_fetch_from_page, "p95 < 100 ms");
    row("search REST, direct fetch", r.direct.search, "p95 < 100 ms");
    row("typed -> results shown (debounce 120)", r.page.typed_to_shown);
    row("ref: static asset (css)", r.direct.static_asset);
    row("ref: /healthz", r.direct.healthz);
    row("ref: GetCallerIdentity REST", r.direct.caller_identity);
    const ratio = (a, b) => (a / b).toFixed(1) + "x";
    console.log(`search p95 / GetCallerIdentity p95: ${ratio(r.direct.search.p95, r.direct.caller_identity.p95)}; / static asset p95: ${ratio(r.direct.search.p95, r.direct.static_asset.p95)}`);
    const kb = (n) => (n / 1024).toFixed(1) + " KB";
    console.log(`assets: raw ${kb(r.assets.raw)}, gzip -9 ${kb(r.assets.gzip)}, brotli ${kb(r.assets.brotli)} (aim < 500 KB compressed)`);
  ' "$OUT/results.json"
} | tee "$OUT/summary.txt"
log "results: $OUT"
