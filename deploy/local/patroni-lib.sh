# PostgreSQL under Patroni on this machine, for deploy/local/cluster.sh
# --patroni and the failover test: a three-member etcd (Debian's
# etcd-server) and three PostgreSQL 15 nodes managed by Debian's patroni,
# with synchronous replication (synchronous_mode: an acknowledged commit is
# on two nodes). Everything listens on 127.0.0.1 only, on free ports.
# Sourced after scripts/common.sh; every process it starts is recorded by
# PID in the state folder and stopped by patroni_stop.
#
#   patroni_start DIR   starts etcd and the three nodes, waits for a leader
#                       and a synchronous standby, creates the meshplane
#                       database and roles, migrates; exports
#                       MESHPLANE_DATABASE_URL (all three hosts,
#                       target_session_attrs=read-write) and writes it to
#                       DIR/database.url
#   patroni_stop DIR    stops what patroni_start started (by PID)
#   patroni_leader DIR  prints the member name of the current leader
#   patronictl_do DIR ARGS...  runs patronictl against the cluster
#
# Passwords: every TCP connection authenticates with SCRAM; the passwords
# are random, written once to DIR/secrets (mode 600). Only the postgres
# superuser may connect without one, on each node's own socket folder.

PATRONI_PACKAGES=(postgresql-15 postgresql-client-15 patroni etcd-server
  etcd-client python3-psycopg2)

# The member names, in a fixed order.
PATRONI_MEMBERS=(pg1 pg2 pg3)

_patroni_secret() {  # DIR NAME: a password, made once
  local f="$1/secrets/$2"
  [ -s "$f" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$f")
  cat "$f"
}

# etcd members answer on their client port once they have a quorum.
_etcd_healthy() {  # DIR
  ETCDCTL_API=3 etcdctl --endpoints="$(cat "$1/etcd.endpoints")" \
    --dial-timeout=1s --command-timeout=2s endpoint health >/dev/null 2>&1
}

patroni_start() {
  local dir="$1" i
  ensure_packages "${PATRONI_PACKAGES[@]}"
  mkdir -p "$dir/secrets" "$dir/etcd"
  chmod 700 "$dir/secrets"
  # The postgres user runs Patroni (PostgreSQL refuses root): it needs the
  # state folder and its own secrets.
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi

  # etcd: three members, a quorum of two.
  local cluster="" endpoints="" cport pport
  declare -a ETCD_CPORTS ETCD_PPORTS
  for i in 1 2 3; do
    ETCD_CPORTS[$i]="$(free_port)"; ETCD_PPORTS[$i]="$(free_port)"
    cluster+="${cluster:+,}e$i=http://127.0.0.1:${ETCD_PPORTS[$i]}"
    endpoints+="${endpoints:+,}127.0.0.1:${ETCD_CPORTS[$i]}"
  done
  echo "$endpoints" > "$dir/etcd.endpoints"
  rm -rf "$dir/etcd"/*
  for i in 1 2 3; do
    cport="${ETCD_CPORTS[$i]}"; pport="${ETCD_PPORTS[$i]}"
    etcd --name "e$i" --data-dir "$dir/etcd/e$i" \
      --listen-client-urls "http://127.0.0.1:$cport" \
      --advertise-client-urls "http://127.0.0.1:$cport" \
      --listen-peer-urls "http://127.0.0.1:$pport" \
      --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
      --initial-cluster "$cluster" --initial-cluster-state new \
      --initial-cluster-token meshplane-local \
      --heartbeat-interval 100 --election-timeout 1000 \
      >"$dir/etcd/e$i.log" 2>&1 &
    echo $! > "$dir/etcd/e$i.pid"
  done
  for _ in $(seq 1 80); do _etcd_healthy "$dir" && break; sleep 0.25; done
  _etcd_healthy "$dir" || die "etcd did not form a quorum; see $dir/etcd/e*.log"

  local superpw reppw
  superpw="$(_patroni_secret "$dir" postgres)"
  reppw="$(_patroni_secret "$dir" replicator)"
  _patroni_secret "$dir" meshplane_owner >/dev/null
  _patroni_secret "$dir" meshplane >/dev/null
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir/secrets"; fi

  local name pgport apiport
  for i in 1 2 3; do
    name="${PATRONI_MEMBERS[$((i-1))]}"
    pgport="$(free_port)"; apiport="$(free_port)"
    echo "$pgport" > "$dir/$name.pgport"
    echo "$apiport" > "$dir/$name.apiport"
    mkdir -p "$dir/$name.sock"
    # Patroni makes the data folder itself (initdb on the first member to
    # take the leader key, a base backup on the others).
    rm -rf "$dir/$name.data"
    cat > "$dir/$name.yml" <<YML
scope: meshplane-local
name: $name
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:$apiport
  connect_address: 127.0.0.1:$apiport
etcd3:
  hosts: $endpoints
bootstrap:
  dcs:
    # Short timings for a machine where a failover should take seconds:
    # the leader key lives 10 s, Patroni wakes every second.
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    # A crashed primary is failed over at once instead of restarted in
    # place (the synchronous standby has every acknowledged commit).
    master_start_timeout: 0
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 100
        password_encryption: scram-sha-256
  initdb:
    - encoding: UTF8
    - no-locale
  pg_hba:
    - local all postgres peer
    - local all all scram-sha-256
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$pgport
  connect_address: 127.0.0.1:$pgport
  data_dir: $dir/$name.data
  bin_dir: $PG_BIN
  pgpass: $dir/$name.pgpass
  authentication:
    superuser: {username: postgres, password: "$superpw"}
    replication: {username: replicator, password: "$reppw"}
    rewind: {username: postgres, password: "$superpw"}
  parameters:
    unix_socket_directories: $dir/$name.sock
YML
    chmod 600 "$dir/$name.yml"
    if [ "$(id -u)" = 0 ]; then
      chown postgres:postgres "$dir/$name.yml" "$dir/$name.sock"
    fi
    patroni_start_member "$dir" "$name"
  done

  # A leader and a synchronous standby, both running.
  local leader=""
  for _ in $(seq 1 240); do
    if patronictl_do "$dir" list -f json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)
ok = any(x["Role"] == "Leader" and x["State"] == "running" for x in m) and \
     any(x["Role"] == "Sync Standby" and x["State"] in ("running", "streaming") for x in m)
sys.exit(0 if ok else 1)'; then
      leader="$(patroni_leader "$dir")"; break
    fi
    sleep 0.5
  done
  [ -n "$leader" ] || { patronictl_do "$dir" list >&2 || true; die "Patroni elected no leader with a synchronous standby; see $dir/pg*.log"; }
  log "Patroni: $leader leads, with a synchronous standby"

  # The database and its two roles, on the leader, through its socket.
  local lsock lport ownerpw servepw
  lsock="$dir/$leader.sock"; lport="$(cat "$dir/$leader.pgport")"
  ownerpw="$(cat "$dir/secrets/meshplane_owner")"
  servepw="$(cat "$dir/secrets/meshplane")"
  as_pg "$PG_BIN/psql" -h "$lsock" -p "$lport" -U postgres -d postgres -Xq \
    -v ON_ERROR_STOP=1 -v ownerpw="$ownerpw" -v servepw="$servepw" <<'SQL'
SELECT format('CREATE ROLE meshplane_owner LOGIN PASSWORD %L', :'ownerpw')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'meshplane_owner')
\gexec
SELECT format('CREATE ROLE meshplane LOGIN PASSWORD %L', :'servepw')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'meshplane')
\gexec
SQL
  pg_ensure_db "$lsock" "$lport" meshplane meshplane_owner

  local hosts="" ports="" m
  for m in "${PATRONI_MEMBERS[@]}"; do
    hosts+="${hosts:+,}127.0.0.1"; ports+="${ports:+,}$(cat "$dir/$m.pgport")"
  done
  # libpq tries the hosts in order and keeps the one that accepts writes.
  export MESHPLANE_OWNER_DATABASE_URL="host=$hosts port=$ports dbname=meshplane user=meshplane_owner password=$ownerpw target_session_attrs=read-write connect_timeout=2"
  export MESHPLANE_DATABASE_URL="host=$hosts port=$ports dbname=meshplane user=meshplane password=$servepw target_session_attrs=read-write connect_timeout=2"
  (umask 077; echo "$MESHPLANE_DATABASE_URL" > "$dir/database.url")
  "$BUILD_DIR/bin/meshplaned" migrate --database-url "$MESHPLANE_OWNER_DATABASE_URL" \
    --serving-role meshplane
}

# Starts (or restarts) one member's Patroni, as the postgres user.
patroni_start_member() {  # DIR NAME
  local dir="$1" name="$2"
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- patroni "$dir/$name.yml" >>"$dir/$name.log" 2>&1 &
  else
    patroni "$dir/$name.yml" >>"$dir/$name.log" 2>&1 &
  fi
  echo $! > "$dir/$name.patroni.pid"
}

patronictl_do() {  # DIR ARGS...
  local dir="$1"; shift
  patronictl -c "$dir/pg1.yml" "$@"
}

patroni_leader() {  # DIR
  patronictl_do "$1" list -f json | python3 -c '
import json, sys
print(next(x["Member"] for x in json.load(sys.stdin) if x["Role"] == "Leader"))'
}

# The PID of member NAME's running postmaster (the first line of
# postmaster.pid, when that process is a postgres of this data folder:
# a stale file's PID may belong to anything by now).
patroni_postmaster_pid() {  # DIR NAME
  local pid
  pid="$(head -1 "$1/$2.data/postmaster.pid" 2>/dev/null)" || return 0
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null \
    | grep -q -- "-D $1/$2.data" && echo "$pid"
  return 0
}

# Sends TERM to PID, waits up to SECONDS for it to end, then KILLs it.
_stop_pid() {  # PID SECONDS
  local pid="$1" tries=$(( $2 * 4 ))
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 "$tries"); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null || true
}

patroni_stop() {  # DIR
  local dir="$1" f m pid
  # Patroni stops its PostgreSQL on SIGTERM (a fast shutdown); all three at
  # once, so that none waits for a leader that is going away too.
  for f in "$dir"/pg*.patroni.pid; do
    [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true
  done
  for f in "$dir"/pg*.patroni.pid; do
    [ -f "$f" ] || continue
    _stop_pid "$(cat "$f")" 20
    rm -f "$f"
  done
  # A postmaster left behind by a Patroni that was killed: an immediate
  # shutdown (SIGQUIT), then SIGKILL.
  for m in "${PATRONI_MEMBERS[@]}"; do
    pid="$(patroni_postmaster_pid "$dir" "$m")"
    [ -n "$pid" ] || continue
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  for f in "$dir"/etcd/e*.pid; do
    [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true
  done
  for f in "$dir"/etcd/e*.pid; do
    [ -f "$f" ] || continue
    _stop_pid "$(cat "$f")" 5
    rm -f "$f"
  done
}
