// The SQL of events: webhooks, the audit log, the event feed and idempotency
// (see sql.h for the conventions).
#ifndef MESHPLANE_STORE_POSTGRES_EVENTS_SQL_H_
#define MESHPLANE_STORE_POSTGRES_EVENTS_SQL_H_

#include "store/postgres/sql.h"

namespace meshplane::store::pg::sql {

// ---------------------------------------------------------------- webhooks

#define MP_WEBHOOK_COLUMNS                                                  \
  "id, url, to_json(resource_types)::text, domain_id, include_subdomains, " \
  "secret, creator, mp_us(create_time), delivered_sequence, "               \
  "failing_attempts, last_error, mp_us(next_attempt_time)"

inline constexpr Statement kInsertWebhook = {
    "insert_webhook",
    "INSERT INTO webhooks (id, url, resource_types, domain_id, "
    "  include_subdomains, secret, creator, create_time, delivered_sequence, "
    "  failing_attempts, last_error, next_attempt_time) "
    "VALUES ($1, $2, ARRAY(SELECT json_array_elements_text($3::json)), $4, "
    "  $5, $6, $7, mp_ts($8), $9, $10, $11, mp_ts($12)) "
    "ON CONFLICT (id) DO NOTHING RETURNING 1"};

inline constexpr Statement kGetWebhook = {
    "get_webhook", "SELECT " MP_WEBHOOK_COLUMNS " FROM webhooks WHERE id = $1"};

inline constexpr Statement kDeleteWebhook = {
    "delete_webhook", "DELETE FROM webhooks WHERE id = $1 RETURNING 1"};

// $1 now. The due webhook behind the feed that has waited longest; the
// ones another transaction holds are skipped, and the one returned is held
// until this transaction ends. An index range of webhooks_due_idx.
inline constexpr Statement kClaimDueWebhook = {
    "claim_due_webhook",
    "SELECT " MP_WEBHOOK_COLUMNS
    " FROM webhooks "
    "WHERE next_attempt_time <= mp_ts($1) "
    "  AND delivered_sequence < "
    "      (SELECT coalesce(max(sequence), 0) FROM events) "
    "ORDER BY next_attempt_time, id LIMIT 1 FOR UPDATE SKIP LOCKED"};

inline constexpr Statement kUpdateWebhookState = {
    "update_webhook_state",
    "UPDATE webhooks SET delivered_sequence = $2, failing_attempts = $3, "
    "  last_error = $4, next_attempt_time = mp_ts($5) "
    "WHERE id = $1 RETURNING 1"};

// Unnamed: $1 cursor ('' = from the start), $2 limit.
inline constexpr const char* kListWebhooks =
    "SELECT " MP_WEBHOOK_COLUMNS
    " FROM webhooks WHERE id > $1::text ORDER BY id LIMIT $2::integer";

// $1 JSON array of [webhook_id, event_sequence, event_type, attempt,
// time_us, http_status, success, error, duration_us], in append order.
// Returns the webhooks that were found (a missing one is NOT_FOUND).
inline constexpr Statement kAppendWebhookDeliveries = {
    "append_webhook_deliveries",
    "INSERT INTO webhook_deliveries (webhook_id, event_sequence, event_type, "
    "  attempt, time, http_status, success, error, duration_us) "
    "SELECT d->>0, (d->>1)::bigint, d->>2, (d->>3)::integer, "
    "  mp_ts((d->>4)::bigint), (d->>5)::integer, (d->>6)::boolean, d->>7, "
    "  (d->>8)::bigint "
    "FROM json_array_elements($1::json) WITH ORDINALITY AS a(d, n) "
    "ORDER BY n"};

// $1 webhook, $2 how many attempts to keep: deletes the older ones.
inline constexpr Statement kPruneWebhookDeliveries = {
    "prune_webhook_deliveries",
    "DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND sequence <= "
    "  (SELECT sequence FROM webhook_deliveries WHERE webhook_id = $1 "
    "   ORDER BY sequence DESC OFFSET $2 LIMIT 1)"};

// Unnamed: $1 webhook, $2 cursor (sequences below it; NULL for the first
// page), $3 limit.
inline constexpr const char* kListWebhookDeliveries =
    "SELECT webhook_id, event_sequence, event_type, attempt, mp_us(time), "
    "  http_status, success, error, duration_us, sequence "
    "FROM webhook_deliveries "
    "WHERE webhook_id = $1 "
    "  AND ($2::bigint IS NULL OR sequence < $2::bigint) "
    "ORDER BY sequence DESC LIMIT $3::integer";

// ------------------------------------------ audit, events and idempotency

inline constexpr Statement kAppendAudit = {
    "append_audit",
    "INSERT INTO audit_log (time, principal, method, resource, request_id, "
    "  before_json, after_json, outcome_code, outcome_message, "
    "  validate_only, decision_json, transport) "
    "VALUES (mp_ts($1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
    "RETURNING sequence"};

// Unnamed: $1 resource ('' = any), $2 principal ('' = any), $3 cursor
// (sequences below it), $4 limit.
inline constexpr const char* kListAudit =
    "SELECT sequence, mp_us(time), principal, method, resource, request_id, "
    "  before_json, after_json, outcome_code, outcome_message, "
    "  validate_only, decision_json, transport "
    "FROM audit_log "
    "WHERE ($1::text = '' OR resource = $1::text) "
    "  AND ($2::text = '' OR principal = $2::text) "
    "  AND sequence < $3::bigint "
    "ORDER BY sequence DESC LIMIT $4::integer";

// An event is appended unnumbered (sequence NULL) and numbered after its
// commit by kPublishEvents (migrations/0012_outbox_publication.sql): no
// lock here, so writers commit without waiting for each other. Returns the
// append id, which becomes the event's sequence unless a concurrent
// writer's event was numbered first.
inline constexpr Statement kAppendEvent = {
    "append_event",
    "INSERT INTO events (time, type, resource, domain_id, payload_json) "
    "VALUES (mp_ts($1), $2, $3, $4, $5) "
    "RETURNING append_id"};

// $1: wait for another publisher's turn (true), or return NULL at once.
// Autocommit only (the function refuses a transaction snapshot).
inline constexpr Statement kPublishEvents = {
    "publish_events", "SELECT mp_publish_events($1::boolean)"};

// After a write's commit, in autocommit: $1 whether it appended events (to
// publish, waiting for the publishers' turn), $2 a JSON array of [channel,
// payload] to notify. One round trip, and one short transaction that
// notifies in place of the write (see PostgresTransaction::Notify).
inline constexpr Statement kAfterCommit = {
    "after_commit",
    "SELECT CASE WHEN $1::boolean THEN mp_publish_events(true) END, "
    "  (SELECT count(pg_notify(n->>0, n->>1)) "
    "   FROM json_array_elements($2::json) AS n)"};

// Event retention keeps its watermark ("pruned through P") in the events
// table itself, so that it is durable, exact whatever the gaps in the
// sequence, and commits with the deletes, without a table of its own: the
// newest pruned event's row stays as a tombstone (empty type, no content)
// and every row before it is gone. So the tombstone, when there is one, is
// always the first row; no event has an empty type. A reader after N < P
// gets the tombstone as its first row: that is how ListEvents detects, in
// the same snapshot as its read, that events after N were pruned.
inline constexpr Statement kListEvents = {
    "list_events",
    "SELECT sequence, mp_us(time), type, resource, domain_id, payload_json "
    "FROM events WHERE sequence > $1 ORDER BY sequence LIMIT $2"};

inline constexpr Statement kLastEventSequence = {
    "last_event_sequence", "SELECT coalesce(max(sequence), 0) FROM events"};

// The first row of the primary key: the tombstone's sequence, else 0.
inline constexpr Statement kEventsPrunedThrough = {
    "events_pruned_through",
    "SELECT coalesce((SELECT CASE WHEN type = '' THEN sequence ELSE 0 END "
    "  FROM events WHERE sequence IS NOT NULL ORDER BY sequence LIMIT 1), 0)"};

// Pruners take turns without waiting: a replica that finds another one
// pruning skips its round. Next to the publishers' lock (1297109832, 2),
// which pruning must not take: publication would wait for it.
inline constexpr Statement kTryLockEventPruning = {
    "try_lock_event_pruning",
    "SELECT pg_try_advisory_xact_lock(1297109832, 3)"};

// The head of the feed, $1 rows, tombstone first if any: a range of the
// primary key, without the payloads.
inline constexpr Statement kEventsToPrune = {
    "events_to_prune",
    "SELECT sequence, mp_us(time), type = '' FROM events "
    "WHERE sequence IS NOT NULL ORDER BY sequence LIMIT $1"};

// Prunes through event $1: the rows before it (the old tombstone among
// them) go, and it becomes the tombstone.
inline constexpr Statement kPruneEventsThrough = {
    "prune_events_through",
    "WITH gone AS (DELETE FROM events WHERE sequence < $1) "
    "UPDATE events SET type = '', resource = '', domain_id = '', "
    "  payload_json = '' "
    "WHERE sequence = $1"};

inline constexpr Statement kTryLockRequest = {
    "try_lock_request", "SELECT pg_try_advisory_xact_lock($1::bigint)"};

// A write claims its request id before anything else: it inserts a
// placeholder (no hash, no response; kPutIdempotency fills it in before the
// commit, and a rollback removes it) and reads the stored answer only when
// the key is taken (no row returned). Under SERIALIZABLE a lookup first took
// a predicate lock on the primary key's page, which every concurrent write
// with a request id inserts into: the largest source of serialization
// failures of creates (docs/performance.md). The insert's conflict check
// takes none. A placeholder is never an answer (kGetIdempotency skips it).
// $4 the oldest create_time still answered: an expired record is reclaimed.
inline constexpr Statement kClaimIdempotency = {
    "claim_idempotency",
    "INSERT INTO idempotency AS i (principal, method, request_id, "
    "  request_hash, response, create_time) "
    "VALUES ($1, $2, $3, '', '', now()) "
    "ON CONFLICT (principal, method, request_id) DO UPDATE SET "
    "  request_hash = '', response = '', create_time = now() "
    "  WHERE i.create_time < mp_ts($4) OR i.request_hash = '' "
    "RETURNING 1"};

inline constexpr Statement kGetIdempotency = {
    "get_idempotency",
    "SELECT request_hash, response, mp_us(create_time) FROM idempotency "
    "WHERE principal = $1 AND method = $2 AND request_id = $3 "
    "  AND create_time >= mp_ts($4) AND request_hash <> ''"};

inline constexpr Statement kPutIdempotency = {
    "put_idempotency",
    "INSERT INTO idempotency (principal, method, request_id, request_hash, "
    "  response, create_time) "
    "VALUES ($1, $2, $3, $4, $5, mp_ts($6)) "
    "ON CONFLICT (principal, method, request_id) DO UPDATE SET "
    "  request_hash = EXCLUDED.request_hash, response = EXCLUDED.response, "
    "  create_time = EXCLUDED.create_time"};

// Records older than 24 hours before $1 (a record's time; NULL: the newest
// record's) may go. Relative to stored times, not to the database clock, so
// that servers driven by a simulated clock keep their records.
inline constexpr Statement kExpireIdempotency = {
    "expire_idempotency",
    "DELETE FROM idempotency WHERE create_time < coalesce(mp_ts($1::bigint), "
    "  (SELECT max(create_time) FROM idempotency)) - interval '24 hours'"};

// The prepared statements above, registered on each new connection.
inline constexpr const Statement* kEventsPrepared[] = {
    &kAppendAudit,
    &kAppendEvent,
    &kPublishEvents,
    &kAfterCommit,
    &kListEvents,
    &kLastEventSequence,
    &kEventsPrunedThrough,
    &kTryLockEventPruning,
    &kEventsToPrune,
    &kPruneEventsThrough,
    &kTryLockRequest,
    &kClaimIdempotency,
    &kGetIdempotency,
    &kPutIdempotency,
    &kExpireIdempotency,
    &kInsertWebhook,
    &kGetWebhook,
    &kDeleteWebhook,
    &kClaimDueWebhook,
    &kUpdateWebhookState,
    &kAppendWebhookDeliveries,
    &kPruneWebhookDeliveries,
};

#undef MP_WEBHOOK_COLUMNS

}  // namespace meshplane::store::pg::sql

#endif  // MESHPLANE_STORE_POSTGRES_EVENTS_SQL_H_
