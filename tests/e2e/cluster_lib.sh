# Shared by the cluster tests (cluster_kill_test.sh, patroni_failover_test.sh):
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
