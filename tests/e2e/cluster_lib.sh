# Shared by the cluster tests (cluster_kill_test.sh, patroni_failover_test.sh,
# sustained_load_test.sh): starting and stopping deploy/local/cluster.sh, and
# what the retrying write load of mp_load (--method team-create) believes it
# wrote, checked against the database. Sourced; needs `sql` (psql on the
# cluster's database) and `say`.
#
#   check_team_writes WORK PREFIX
#
# reads WORK/summary.json and WORK/ids.txt (mp_load --summary, --ids-out),
# sets SENT SUCCEEDED FAILED RETRIED RETRY_ATTEMPTS DUP_SIGNALS RETRIED_BY
# TEAMS LOST DUPLICATED UNEXPECTED EVENTS AUDITS, prints the figures and
# appends every broken promise to the array `errors`: a write given up, a
# team missing or written twice, a team the client did not count, an event
# or successful audit record missing or doubled.
check_team_writes() {
  local WORK="$1" PREFIX="$2"
  field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$WORK/summary.json"; }
  SENT="$(field sent)"; SUCCEEDED="$(field succeeded)"; FAILED="$(field failed)"
  RETRIED="$(field retried)"; RETRY_ATTEMPTS="$(field retry_attempts)"
  DUP_SIGNALS="$(field duplicate_signals)"
  RETRIED_BY="$(sed -n 's/.*"retried_by_code":{\([^}]*\)}.*/\1/p' "$WORK/summary.json" | tr -d '"')"

  # The database's view, against the ids the client believes it created.
  sql <<SQL >"$WORK/check.txt"
CREATE TEMP TABLE believed (id text COLLATE "C");
\copy believed FROM '$WORK/ids.txt'
WITH
  t AS (SELECT id FROM teams WHERE id LIKE '$PREFIX-%'),
  e AS (SELECT resource FROM events
        WHERE type = 'team.created' AND resource LIKE 'teams/$PREFIX-%'),
  a AS (SELECT resource FROM audit_log
        WHERE resource LIKE 'teams/$PREFIX-%' AND outcome_code = 0
          AND NOT validate_only AND method ILIKE '%CreateTeam%')
SELECT
  (SELECT count(*) FROM believed),
  (SELECT count(DISTINCT id) FROM believed),
  (SELECT count(*) FROM t),
  (SELECT count(*) FROM believed b WHERE NOT EXISTS
     (SELECT 1 FROM t WHERE t.id = b.id)),
  (SELECT count(*) FROM t WHERE NOT EXISTS
     (SELECT 1 FROM believed b WHERE b.id = t.id)),
  (SELECT count(*) FROM e),
  (SELECT count(DISTINCT resource) FROM e),
  (SELECT count(*) FROM believed b WHERE NOT EXISTS
     (SELECT 1 FROM e WHERE e.resource = 'teams/' || b.id)),
  (SELECT count(*) FROM a),
  (SELECT count(DISTINCT resource) FROM a),
  (SELECT count(*) FROM believed b WHERE NOT EXISTS
     (SELECT 1 FROM a WHERE a.resource = 'teams/' || b.id));
SQL
  IFS='|' read -r BELIEVED BELIEVED_DISTINCT TEAMS MISSING UNEXPECTED EVENTS \
    EVENT_TEAMS NO_EVENT AUDITS AUDIT_TEAMS NO_AUDIT <"$WORK/check.txt"

  LOST=$(( MISSING + NO_EVENT + NO_AUDIT ))
  DUPLICATED=$(( (BELIEVED - BELIEVED_DISTINCT) + (EVENTS - EVENT_TEAMS) \
    + (AUDITS - AUDIT_TEAMS) + DUP_SIGNALS ))
  say "figures: sent $SENT, succeeded $SUCCEEDED, failed $FAILED," \
      "retried $RETRIED ($RETRY_ATTEMPTS extra calls: ${RETRIED_BY:-none}), lost $LOST," \
      "duplicated $DUPLICATED"
  say "database: $TEAMS teams, $EVENTS team.created events for $EVENT_TEAMS" \
      "teams, $AUDITS successful audit records for $AUDIT_TEAMS teams;" \
      "$UNEXPECTED teams the client did not count"

  [ "$FAILED" = 0 ] || errors+=("$FAILED writes failed (gave up)")
  [ "$DUP_SIGNALS" = 0 ] || errors+=("$DUP_SIGNALS ALREADY_EXISTS answers to a resend")
  [ "$BELIEVED" = "$SUCCEEDED" ] || errors+=("ids file has $BELIEVED ids, succeeded $SUCCEEDED")
  [ "$TEAMS" = "$SUCCEEDED" ] || errors+=("$TEAMS teams for $SUCCEEDED succeeded writes")
  [ "$LOST" = 0 ] || errors+=("lost $LOST ($MISSING teams, $NO_EVENT events, $NO_AUDIT audit records missing)")
  [ "$DUPLICATED" = 0 ] || errors+=("duplicated $DUPLICATED")
  [ "$UNEXPECTED" = 0 ] || errors+=("$UNEXPECTED teams written that the client did not count")
  [ "$EVENTS" = "$SUCCEEDED" ] || errors+=("$EVENTS team.created events for $SUCCEEDED teams")
  [ "$AUDITS" = "$SUCCEEDED" ] || errors+=("$AUDITS successful audit records for $SUCCEEDED teams")
  [ "$SENT" -ge 200 ] || errors+=("only $SENT writes sent: too little load to mean anything")
}

# Exits 77 (ctest: skipped) with the reason when nginx is missing and cannot
# be installed: the one thing a developer's machine may lack (CI, as root,
# installs it). Anything else missing is a failure.
need_nginx() {
  if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    if ! (ensure_packages nginx) >/dev/null 2>&1; then
      echo "SKIPPED: nginx is not installed and could not be installed" \
           "(apt-get install nginx as root)"
      exit 77
    fi
  fi
}

# start_cluster WORK [cluster.sh arguments]: runs deploy/local/cluster.sh
# with its state in WORK/cluster and its stdin on a fifo held open as fd 3
# ("restart N" >&3), waits up to 120 s for nginx, and sets STATE,
# CLUSTER_PID, DB_URL, MESHPLANE_ADDR and MESHPLANE_TOKEN. WORK must be
# reachable by the postgres user (chmod 755).
start_cluster() {
  local work="$1"; shift
  STATE="$work/cluster"
  mkdir -p "$STATE"
  mkfifo "$work/control"
  MESHPLANE_CLUSTER_DIR="$STATE" "$MESHPLANE_ROOT/deploy/local/cluster.sh" "$@" \
    <"$work/control" >"$work/cluster.out" 2>&1 &
  CLUSTER_PID=$!
  exec 3>"$work/control"
  for _ in $(seq 1 480); do
    [ -s "$STATE/lb.port" ] && break
    kill -0 "$CLUSTER_PID" 2>/dev/null || fail "cluster.sh exited early"
    sleep 0.25
  done
  [ -s "$STATE/lb.port" ] || fail "the cluster did not come up in 120 s"
  DB_URL="$(cat "$STATE/database.url")"
  export MESHPLANE_ADDR="127.0.0.1:$(cat "$STATE/lb.port")"
  export MESHPLANE_TOKEN="$(cat "$STATE/admin-token")"
}

# Stops what start_cluster started, whatever state it is left in:
# cluster.sh stops its own children on TERM (within 30 s); whatever
# survives (cluster.sh killed before its trap was set, a replica restarted
# late) is stopped from the pid files. The database is the caller's to stop.
stop_cluster() {
  local pid i
  exec 3>&- 2>/dev/null
  if [ -n "${CLUSTER_PID:-}" ] && kill -0 "$CLUSTER_PID" 2>/dev/null; then
    kill -TERM "$CLUSTER_PID"
    for _ in $(seq 1 150); do
      kill -0 "$CLUSTER_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$CLUSTER_PID" 2>/dev/null
  fi
  [ -n "${STATE:-}" ] || return 0
  for i in 1 2 3; do
    pid="$(cat "$STATE/replica-$i.pid" 2>/dev/null)"
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  done
  pid="$(cat "$STATE/nginx.pid" 2>/dev/null)"
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  return 0
}
