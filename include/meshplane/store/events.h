// The write log's storage: audit records, the event feed and its
// retention, request idempotency, and webhooks with their delivery log.
// One repository of a store::Transaction (store.h), which hands it out;
// the error codes common to every method are written there.
#ifndef MESHPLANE_STORE_EVENTS_H_
#define MESHPLANE_STORE_EVENTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/audit.h"
#include "meshplane/model/webhook.h"
#include "meshplane/store/page.h"

namespace meshplane::store {

// The channel notified when appended events become readable in the feed
// (payload: the newest sequence), so that readers of the event feed wake
// up without polling.
inline constexpr char kEventChannel[] = "meshplane_events";

struct AuditFilter {
  std::string resource;  // exact resource name, "" for all
  std::string principal;
};

// Audit, events, idempotency and webhooks, in the transaction that handed
// it out.
class EventRepository {
 public:
  virtual ~EventRepository() = default;

  // --- Audit, events, idempotency ---
  // Appends; returns the sequence assigned.
  virtual absl::StatusOr<int64_t> AppendAudit(
      const model::AuditRecord& record) = 0;
  // Appends an event; once the transaction has committed (when Commit
  // returns), the event is in the feed and kEventChannel is notified.
  // Sequences are handed out in commit order: an event becomes visible
  // only after every event with a smaller sequence (see postgres_store.h),
  // so a reader that resumes after N misses nothing. Returns the sequence
  // the event gets unless another transaction's event, appended
  // concurrently, is numbered before it (then it gets a higher one).
  virtual absl::StatusOr<int64_t> AppendEvent(const model::Event& event) = 0;
  // Newest first.
  virtual absl::StatusOr<Page<model::AuditRecord>> ListAudit(
      const AuditFilter& filter, const PageRequest& page) = 0;
  // Events with sequence > after_sequence, oldest first, at most `limit`;
  // after_sequence 0 reads from the oldest retained event. OUT_OF_RANGE
  // when after_sequence > 0 and events after it have been pruned
  // (after_sequence < EventsPrunedThrough()): a reader resuming there would
  // miss them. The check and the read see one state of the store, so a
  // reader that gets events never has a silent hole before them.
  virtual absl::StatusOr<std::vector<model::Event>> ListEvents(
      int64_t after_sequence, int limit) = 0;
  // The highest committed event sequence visible to this transaction,
  // pruned events included; 0 when there is none.
  virtual absl::StatusOr<int64_t> LastEventSequence() = 0;

  // --- Event retention ---
  // The watermark: every event with a sequence up to it has been pruned,
  // none after it. 0 when nothing has been pruned; never decreases. A
  // reader may resume after any N >= the watermark (or 0).
  virtual absl::StatusOr<int64_t> EventsPrunedThrough() = 0;
  // Prunes the oldest events, in sequence order: those that committed
  // before `before` and have a sequence <= `max_sequence`, stopping at the
  // first that does not qualify (event times follow writers' clocks and
  // need not increase with the sequence; pruning stops there rather than
  // leave a hole), and at `limit` (>= 1) events. Raises the watermark to
  // the last one pruned, in this transaction. Returns how many were
  // pruned. kReadWrite only. Concurrent pruners are harmless: they conflict
  // (ABORTED, retryable) or, in PostgreSQL, one prunes and the others
  // return 0.
  virtual absl::StatusOr<int64_t> PruneEvents(absl::Time before,
                                              int64_t max_sequence,
                                              int limit) = 0;

  // Takes a transaction-scoped exclusive lock on the request key (principal,
  // method, request_id). Returns false, without waiting, if another
  // transaction holds it (a duplicate still in flight).
  virtual absl::StatusOr<bool> TryLockRequest(absl::string_view principal,
                                              absl::string_view method,
                                              absl::string_view request_id) = 0;
  // The record stored for that key, if any and not older than `not_before`.
  virtual absl::StatusOr<std::optional<model::IdempotencyRecord>>
  GetIdempotency(absl::string_view principal, absl::string_view method,
                 absl::string_view request_id, absl::Time not_before) = 0;
  virtual absl::Status PutIdempotency(
      const model::IdempotencyRecord& record) = 0;

  // --- Webhooks and their delivery log ---
  // ALREADY_EXISTS if the id is taken.
  virtual absl::Status InsertWebhook(const model::Webhook& webhook) = 0;
  // NOT_FOUND if absent. With the secret and the delivery state.
  virtual absl::StatusOr<model::Webhook> GetWebhook(absl::string_view id) = 0;
  // Ordered by id.
  virtual absl::StatusOr<Page<model::Webhook>> ListWebhooks(
      const PageRequest& page) = 0;
  // Deletes the webhook and its delivery log. NOT_FOUND if absent. Waits
  // while a delivery worker holds the webhook (ClaimDueWebhook).
  virtual absl::Status DeleteWebhook(absl::string_view id) = 0;
  // The webhook that is due (next_attempt_time <= now) and behind the feed
  // (delivered_sequence < the newest event's sequence), the longest due
  // first, skipping webhooks another open transaction holds; nullopt when
  // there is none. Holds the webhook until this transaction ends (FOR
  // UPDATE SKIP LOCKED), so one worker at a time, across replicas,
  // delivers for a webhook. Writing transactions only, meant for
  // kReadCommitted (FAILED_PRECONDITION in the others). ABORTED, retryable,
  // when the webhook changed after this transaction's snapshot (under
  // kReadWrite).
  virtual absl::StatusOr<std::optional<model::Webhook>> ClaimDueWebhook(
      absl::Time now) = 0;
  // Writes the delivery state of `webhook` (delivered_sequence,
  // failing_attempts, last_error, next_attempt_time); nothing else.
  // NOT_FOUND if absent.
  virtual absl::Status UpdateWebhookState(const model::Webhook& webhook) = 0;
  // Appends attempts to the delivery log (an empty batch writes nothing),
  // then keeps only the newest `keep` attempts of each webhook concerned.
  // NOT_FOUND if one names a webhook that does not exist.
  virtual absl::Status AppendWebhookDeliveries(
      const std::vector<model::WebhookDelivery>& deliveries, int keep) = 0;
  // Newest first (in append order). Opaque cursors; INVALID_ARGUMENT for a
  // malformed one. An empty page when the webhook has no attempts or does
  // not exist.
  virtual absl::StatusOr<Page<model::WebhookDelivery>> ListWebhookDeliveries(
      absl::string_view webhook_id, const PageRequest& page) = 0;
};

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_EVENTS_H_
