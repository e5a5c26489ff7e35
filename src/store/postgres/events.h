// Private to src/store/postgres: the EventRepository of a PostgreSQL
// transaction (the audit log, the event feed, idempotency and webhooks;
// events.cc, webhooks.cc).
#ifndef MESHPLANE_STORE_POSTGRES_EVENTS_H_
#define MESHPLANE_STORE_POSTGRES_EVENTS_H_

#include <optional>

#include "absl/time/time.h"
#include "store/postgres/repository.h"

#include "meshplane/store/events.h"

namespace meshplane::store::pg {

// Runs its statements (events_sql.h) in the transaction of `ctx`, which
// outlives it. Not thread-safe, like its transaction.
class PgEventRepository : public PgRepository<EventRepository> {
 public:
  using PgRepository::PgRepository;

  absl::StatusOr<int64_t> AppendAudit(const model::AuditRecord& a) override;
  absl::StatusOr<int64_t> AppendEvent(const model::Event& e) override;
  absl::StatusOr<int64_t> LastEventSequence() override;
  absl::StatusOr<int64_t> EventsPrunedThrough() override;
  absl::StatusOr<int64_t> PruneEvents(absl::Time before, int64_t max_sequence,
                                      int limit) override;
  absl::StatusOr<Page<model::AuditRecord>> ListAudit(
      const AuditFilter& filter, const PageRequest& page) override;
  absl::StatusOr<std::vector<model::Event>> ListEvents(int64_t after_sequence,
                                                       int limit) override;
  absl::StatusOr<bool> TryLockRequest(absl::string_view principal,
                                      absl::string_view method,
                                      absl::string_view request_id) override;
  absl::StatusOr<std::optional<model::IdempotencyRecord>> GetIdempotency(
      absl::string_view principal, absl::string_view method,
      absl::string_view request_id, absl::Time not_before) override;
  absl::Status PutIdempotency(const model::IdempotencyRecord& rec) override;
  absl::Status InsertWebhook(const model::Webhook& w) override;
  absl::StatusOr<model::Webhook> GetWebhook(absl::string_view id) override;
  absl::StatusOr<Page<model::Webhook>> ListWebhooks(
      const PageRequest& page) override;
  absl::Status DeleteWebhook(absl::string_view id) override;
  absl::StatusOr<std::optional<model::Webhook>> ClaimDueWebhook(
      absl::Time now) override;
  absl::Status UpdateWebhookState(const model::Webhook& w) override;
  absl::Status AppendWebhookDeliveries(
      const std::vector<model::WebhookDelivery>& deliveries, int keep) override;
  absl::StatusOr<Page<model::WebhookDelivery>> ListWebhookDeliveries(
      absl::string_view webhook_id, const PageRequest& page) override;

  // What Commit does after the commit: publish the events this
  // transaction appended, and now and then sweep idempotency records.
  bool appended_events() const { return appended_events_; }
  const std::optional<absl::Time>& put_idempotency_time() const {
    return put_idempotency_time_;
  }

 private:
  void PublishBeforeRead();

  std::optional<absl::Time> put_idempotency_time_;
  bool appended_events_ = false;  // Commit publishes them
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_EVENTS_H_
