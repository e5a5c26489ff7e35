#!/usr/bin/env bash
# A three-replica Meshplane cluster on this machine: one private PostgreSQL,
# three meshplaned replicas on free ports, and Debian's nginx in front of
# them balancing calls (grpc_pass, HTTP/2 cleartext). Runs in the
# foreground until Ctrl-C, then stops everything it started.
#
#   deploy/local/cluster.sh            # builds first if needed
#   MESHPLANE_CLUSTER_PORT=50060 deploy/local/cluster.sh
#   MESHPLANE_CLUSTER_DIR=/tmp/c deploy/local/cluster.sh  # state elsewhere
#   deploy/local/cluster.sh --patroni  # PostgreSQL HA: three nodes under
#                                      # Patroni and etcd (patroni-lib.sh)
#
# Prints the address and an admin token; state lives in .data/cluster/ (or
# $MESHPLANE_CLUSTER_DIR) and is kept between runs. A replica can be killed
# (kill -9 $(cat .data/cluster/replica-2.pid)) and restarted with `restart 2`
# on stdin. The state folder also holds what a test needs: lb.port (written
# once nginx is up), admin-token, database.url, nginx.pid and, per replica,
# replica-N.{pid,log,http-port}. tests/e2e/cluster_kill_test.sh drives it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

# The build packages only when there is something to build: the kill test
# runs this with binaries it built already.
if [ ! -x "$BUILD_DIR/bin/meshplaned" ]; then
  ensure_packages "${MESHPLANE_PACKAGES[@]}"
  build
fi
PATRONI=0
case "${1:-}" in
  --patroni) PATRONI=1 ;;
  "") ;;
  *) die "unknown argument: $1 (expected --patroni or nothing)" ;;
esac
ensure_packages postgresql-15 postgresql-client-15 nginx curl
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

DATA="${MESHPLANE_CLUSTER_DIR:-$MESHPLANE_ROOT/.data/cluster}"
mkdir -p "$DATA"
DATA="$(cd "$DATA" && pwd)"
rm -f "$DATA/lb.port"
if [ "$PATRONI" = 1 ]; then
  source "$MESHPLANE_ROOT/deploy/local/patroni-lib.sh"
  # Patroni's nodes are made anew each run: a failover test wants a cluster
  # whose history it knows.
  PGDATA="$(pg_reachable_dir "$DATA/patroni")"
  mkdir -p "$PGDATA"
else
  PGDATA="$(pg_reachable_dir "$DATA/pg")"
  [ -f "$PGDATA/PG_VERSION" ] || { log "initialising PostgreSQL in $PGDATA"; pg_init "$PGDATA"; }
  pg_stop "$PGDATA"
  PGPORT="$(free_port)"
  pg_start "$PGDATA" "$PGPORT"
fi

PIDS=()
NGINX_DIR="$(mktemp -d)"
stop_database() {
  if [ "$PATRONI" = 1 ]; then patroni_stop "$PGDATA"; else pg_stop "$PGDATA"; fi
}
cleanup() {
  local pid
  [ -f "$DATA/nginx.pid" ] && kill -QUIT "$(cat "$DATA/nginx.pid")" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for i in 1 2 3; do
    [ -f "$DATA/replica-$i.pid" ] && kill -TERM "$(cat "$DATA/replica-$i.pid")" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_database
  rm -rf "$NGINX_DIR"
  log "cluster stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Migrated by the database's owner; the replicas serve as `meshplane`
# (docs/operations.md#database-roles).
if [ "$PATRONI" = 1 ]; then
  patroni_start "$PGDATA"
  echo "$PGDATA" > "$DATA/patroni.dir"
else
  pg_setup_meshplane "$PGDATA" "$PGPORT"
fi
(umask 077; echo "$MESHPLANE_DATABASE_URL" > "$DATA/database.url")
ensure_admin_token "$DATA/admin-token"
export MESHPLANE_BOOTSTRAP_TOKEN="$(cat "$DATA/admin-token")"

# Each replica keeps its ports across restarts, so that nginx's upstream
# list stays valid.
declare -a GRPC_PORTS HTTP_PORTS
start_replica() {
  local i="$1"
  "$BUILD_DIR/bin/meshplaned" --listen "127.0.0.1:${GRPC_PORTS[$i]}" \
    --http-listen "127.0.0.1:${HTTP_PORTS[$i]}" --pool-size 8 \
    >>"$DATA/replica-$i.log" 2>&1 &
  echo $! > "$DATA/replica-$i.pid"
  PIDS+=("$!")
}
for i in 1 2 3; do
  GRPC_PORTS[$i]="$(free_port)"; HTTP_PORTS[$i]="$(free_port)"
  echo "${HTTP_PORTS[$i]}" > "$DATA/replica-$i.http-port"
  start_replica "$i"
done
for i in 1 2 3; do
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:${HTTP_PORTS[$i]}/readyz" >/dev/null 2>&1 && break
    sleep 0.25
  done
  curl -fsS "http://127.0.0.1:${HTTP_PORTS[$i]}/readyz" >/dev/null \
    || die "replica $i is not ready; see $DATA/replica-$i.log"
done

# nginx_conf PORT: writes nginx.conf for a listener on PORT.
nginx_conf() {
  local LB_PORT="$1"
  cat > "$NGINX_DIR/nginx.conf" <<CONF
daemon on;
pid $DATA/nginx.pid;
error_log $DATA/nginx-error.log warn;
worker_processes 1;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $NGINX_DIR/body;
  proxy_temp_path $NGINX_DIR/proxy;
  fastcgi_temp_path $NGINX_DIR/fastcgi;
  uwsgi_temp_path $NGINX_DIR/uwsgi;
  scgi_temp_path $NGINX_DIR/scgi;
  upstream meshplaned {
    # A replica that refuses connections is skipped for 2s; calls that
    # were in flight on a killed replica fail with UNAVAILABLE (502) and
    # the client retries them with the same request id.
    server 127.0.0.1:${GRPC_PORTS[1]} max_fails=1 fail_timeout=2s;
    server 127.0.0.1:${GRPC_PORTS[2]} max_fails=1 fail_timeout=2s;
    server 127.0.0.1:${GRPC_PORTS[3]} max_fails=1 fail_timeout=2s;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$LB_PORT http2;
    location / {
      grpc_pass grpc://meshplaned;
      # Only connection failures are retried by nginx (nothing was sent);
      # a call cut off mid-flight goes back to the client.
      grpc_next_upstream error;
      grpc_read_timeout 1h;   # Watch streams
      grpc_send_timeout 1h;
    }
  }
}
CONF
  if [ "$(id -u)" = 0 ]; then sed -i '1i user root;' "$NGINX_DIR/nginx.conf"; fi
}
# A free port can still be taken before nginx binds it: pick another (a
# port the caller chose is tried once).
for attempt in 1 2 3; do
  LB_PORT="${MESHPLANE_CLUSTER_PORT:-$(free_port)}"
  nginx_conf "$LB_PORT"
  "$NGINX" -c "$NGINX_DIR/nginx.conf" -e "$DATA/nginx-error.log" && break
  [ -z "${MESHPLANE_CLUSTER_PORT:-}" ] && [ "$attempt" -lt 3 ] \
    || die "nginx did not start; see $DATA/nginx-error.log"
  log "nginx could not listen on $LB_PORT; trying another port"
done

echo "$LB_PORT" > "$DATA/lb.port"
log "cluster up: 3 replicas behind nginx"
cat <<INFO
  export MESHPLANE_ADDR=127.0.0.1:$LB_PORT
  export MESHPLANE_TOKEN=$MESHPLANE_BOOTSTRAP_TOKEN
  replicas: gRPC ${GRPC_PORTS[1]} ${GRPC_PORTS[2]} ${GRPC_PORTS[3]}, metrics ${HTTP_PORTS[1]} ${HTTP_PORTS[2]} ${HTTP_PORTS[3]}
  logs and pids: $DATA/replica-N.{log,pid}
  type "restart N" to restart replica N; Ctrl-C stops the cluster
INFO
while read -r cmd arg; do
  case "$cmd" in
    restart)
      [ -f "$DATA/replica-$arg.pid" ] && kill -TERM "$(cat "$DATA/replica-$arg.pid")" 2>/dev/null || true
      sleep 0.5; start_replica "$arg"; log "replica $arg restarted" ;;
    "") ;;
    *) log "unknown command: $cmd (restart N)" ;;
  esac
done
# stdin closed (not a terminal): keep serving until a signal.
while true; do sleep 3600 & wait $!; done
