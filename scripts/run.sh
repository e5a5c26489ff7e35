#!/usr/bin/env bash
# Runs Meshplane on its embedded default: installs missing Debian packages,
# builds the server and the CLI (not the tests), starts a private PostgreSQL
# in .data/ of this checkout, migrates as the database's owner, serves as
# the role `meshplane` on 127.0.0.1:50051, prints the admin token, and loads
# a small demo mesh when the registry is empty. Ctrl-C stops the server and
# the database.
#
# Environment: MESHPLANE_LISTEN (default 127.0.0.1:50051),
# MESHPLANE_HTTP_LISTEN (default 127.0.0.1:9464), MESHPLANE_NO_DEMO=1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
log "building the server and the CLI (first time: several minutes on 2 cores)"
build meshplaned meshplane

DATA="$MESHPLANE_ROOT/.data"
mkdir -p "$DATA"
PGDATA="$(pg_reachable_dir "$DATA/pg")"
if [ ! -f "$PGDATA/PG_VERSION" ]; then
  log "initialising PostgreSQL in $PGDATA"
  pg_init "$PGDATA"
fi
PORT="$(cat "$DATA/pg.port" 2>/dev/null || true)"
if [ -z "$PORT" ] || (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  PORT="$(free_port)"; echo "$PORT" > "$DATA/pg.port"
fi
pg_stop "$PGDATA"   # a server left over by a killed run
pg_start "$PGDATA" "$PORT"

SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  pg_stop "$PGDATA"
  log "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Migrated by the database's owner; served as `meshplane`, which cannot
# alter the schema or the audit tables (docs/operations.md#database-roles).
pg_setup_meshplane "$PGDATA" "$PORT"

ensure_admin_token "$DATA/admin-token"
ADMIN_TOKEN="$(cat "$DATA/admin-token")"
LISTEN="${MESHPLANE_LISTEN:-127.0.0.1:50051}"

HTTP_LISTEN="${MESHPLANE_HTTP_LISTEN:-127.0.0.1:9464}"
# The server's log goes to a file, so that the URL and the token are the
# last lines on the terminal.
SERVER_LOG="$DATA/meshplaned.log"
MESHPLANE_BOOTSTRAP_TOKEN="$ADMIN_TOKEN" "$BUILD_DIR/bin/meshplaned" \
  --listen "$LISTEN" --http-listen "$HTTP_LISTEN" >>"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

export MESHPLANE_ADDR="$LISTEN" MESHPLANE_TOKEN="$ADMIN_TOKEN"
CLI="$BUILD_DIR/bin/meshplane"
for _ in $(seq 1 60); do
  "$CLI" whoami >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || {
    tail -n 20 "$SERVER_LOG" >&2; die "meshplaned exited; its log: $SERVER_LOG"; }
  sleep 0.5
done
"$CLI" whoami >/dev/null || die "meshplaned does not answer on $LISTEN"

if [ "${MESHPLANE_NO_DEMO:-0}" != 1 ] && \
   ! "$CLI" domain list -o json | grep -q '"name"'; then
  log "loading the demo mesh (examples/demo/mesh.yaml)"
  "$CLI" apply -f "$MESHPLANE_ROOT/examples/demo/mesh.yaml" >/dev/null
  # The admin may declare any input port; in a real mesh each reading team
  # holds a grant on the ports its products read (docs/access.md).
  while read -r port team; do
    "$CLI" access request "$port" --for "team:$team" \
      --purpose "demo mesh lineage" >/dev/null
  done <<'GRANTS'
sales/orders/orders-events marketing-analytics
sales/customers/customers-v1 marketing-analytics
sales/orders/orders-v1 finance-data
sales-emea/emea-orders/emea-orders-v1 finance-data
GRANTS
fi

cat <<MSG

  Meshplane is serving gRPC on $LISTEN, and REST, metrics and health on
  http://$HTTP_LISTEN/.
  PostgreSQL data: $PGDATA    Server log: $SERVER_LOG

  In another shell:
    export MESHPLANE_ADDR=$LISTEN MESHPLANE_TOKEN=\$(cat $DATA/admin-token)
    export PATH="$BUILD_DIR/bin:\$PATH"
    meshplane product list --domain sales --include-subdomains

  Ctrl-C stops the server and the database.

  Web catalog: http://$HTTP_LISTEN/  (sign in with the admin token)
  Admin token (keep it secret): $ADMIN_TOKEN
MSG
wait "$SERVER_PID"
