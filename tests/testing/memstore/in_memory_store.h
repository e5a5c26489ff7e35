// InMemoryStore: a faithful fake of store::Store for unit tests (LevelDB's
// in-memory Env, Envoy's fakes). It passes the same contract suite as the
// PostgreSQL store (tests/testing/store_contract).
//
//   testing::InMemoryStore store;
//   core::Registry registry(store, authorizer, clock);
//
// Semantics, chosen to match PostgreSQL under SERIALIZABLE:
//  - Every transaction reads a snapshot taken at Begin (copy-on-write tables)
//    and sees its own writes.
//  - Read-write transactions are validated at commit (optimistic concurrency):
//    if a transaction that committed after our snapshot wrote a row or table
//    we read, Commit fails with a retryable ABORTED (as a serialization
//    failure would), so Store::RunInTransaction retries it.
//  - kReadCommitted reads a snapshot too, but is not validated at commit
//    (READ COMMITTED raises no serialization failure); its ClaimDueWebhook
//    refuses (ABORTED, retryable) a webhook changed after the snapshot,
//    where PostgreSQL would re-read the row.
//  - TryLockRequest locks are held until commit or rollback and never wait;
//    so are ClaimDueWebhook's (it skips webhooks other transactions hold).
//  - Stored times are truncated to microseconds, as PostgreSQL's timestamptz.
//  - Audit and event sequences come from store-wide counters (gaps on
//    rollback, like PostgreSQL sequences); so do policy revision history
//    sequences.
//  - Deleting a domain deletes its policies and their waivers, as the
//    schema's ON DELETE CASCADE does; so does deleting an output port (with
//    its product, or by dropping it from the product) for its access
//    requests and grants.
//  - PruneEvents raises a watermark that commits like a row; concurrent
//    prunes conflict (ABORTED, retryable). Unlike PostgreSQL, event
//    sequences are not handed out in commit order, so a prune (like a
//    reader) may pass an event whose transaction is still open.
//  - CheckAccess decisions (AppendAccessDecisions) are kept, in append
//    order, once their transaction commits; access_decisions() shows them.
//  - Notify buffers per transaction; Commit delivers the notifications, on
//    the committing thread and after releasing the store's mutex, to every
//    started listener of this store. Listeners deliver a resync on Start
//    and never again (the fake never loses a connection).
#ifndef MESHPLANE_TESTS_TESTING_MEMSTORE_IN_MEMORY_STORE_H_
#define MESHPLANE_TESTS_TESTING_MEMSTORE_IN_MEMORY_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "meshplane/store/store.h"

namespace meshplane::testing {

class InMemoryTransaction;

// Thread-safe: one mutex guards the committed state.
class InMemoryStore : public store::Store {
 public:
  InMemoryStore();
  ~InMemoryStore() override;

  absl::StatusOr<std::unique_ptr<store::Transaction>> Begin(
      store::TxnMode mode) override;
  absl::Status Ping() override;
  absl::StatusOr<std::unique_ptr<store::Listener>> NewListener() override;

  // Test hook: while set, Begin and Ping fail with UNAVAILABLE and every
  // method of an open transaction fails with UNAVAILABLE, as when the
  // database goes away.
  void SetUnavailable(bool unavailable);

  // Test hook: the number of transactions committed with at least one write.
  int64_t write_commits() const;

  // Test hook: every committed AppendAccessDecisions entry, oldest first
  // (times truncated to microseconds, as stored).
  std::vector<model::AccessDecision> access_decisions() const;

  // The committed tables. Each is immutable once published; a commit
  // publishes new copies of the tables it changed.
  struct Tables {
    std::shared_ptr<const std::map<std::string, model::Domain>> domains;
    std::shared_ptr<const std::map<std::string, model::Team>> teams;
    std::shared_ptr<const std::map<model::ProductKey, model::DataProduct>>
        products;
    std::shared_ptr<const std::map<std::string, model::ApiToken>> tokens;
    // Keyed by id_hash.
    std::shared_ptr<const std::map<std::string, store::WebSession>>
        web_sessions;
    std::shared_ptr<const std::map<std::string, model::IdempotencyRecord>>
        idempotency;
    // Keyed by (domain_id, id).
    std::shared_ptr<
        const std::map<std::pair<std::string, std::string>, model::Policy>>
        policies;
    // Keyed by (policy domain_id, policy id, id).
    std::shared_ptr<const std::map<
        std::tuple<std::string, std::string, std::string>, model::Waiver>>
        waivers;
    std::shared_ptr<const std::map<std::string, model::Contract>> contracts;
    // Keyed by (contract_id, version).
    std::shared_ptr<const std::map<std::pair<std::string, std::string>,
                                   model::ContractVersion>>
        contract_versions;
    std::shared_ptr<const std::map<std::string, model::AccessRequest>>
        access_requests;
    std::shared_ptr<const std::map<std::string, model::Grant>> grants;
    // Keyed by a sequence unique within the store.
    std::shared_ptr<const std::map<int64_t, model::Observation>> observations;
    std::shared_ptr<const std::map<std::string, model::Breach>> breaches;
    std::shared_ptr<const std::map<std::string, model::Webhook>> webhooks;
    // Keyed by a sequence unique within the store, in append order.
    std::shared_ptr<const std::map<int64_t, model::WebhookDelivery>>
        webhook_deliveries;
  };

  // The started listeners; shared with them, as they may outlive the store.
  struct ListenerHub;

  // One stored revision of a policy's history.
  struct RevisionRow {
    int64_t sequence;
    std::pair<std::string, std::string> key;
    model::PolicyRevision revision;
  };

 private:
  friend class InMemoryTransaction;

  struct CommitLogEntry {
    uint64_t version;
    std::set<std::string> writes;
  };

  mutable absl::Mutex mu_;
  Tables tables_ ABSL_GUARDED_BY(mu_);
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<CommitLogEntry> log_ ABSL_GUARDED_BY(mu_);
  std::multiset<uint64_t> live_snapshots_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<uint64_t, model::AuditRecord>> audit_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<uint64_t, model::Event>> events_ ABSL_GUARDED_BY(mu_);
  // PruneEvents' watermarks, by the version that committed them. Pruned
  // events stay in events_ for older snapshots; readers hide them.
  std::vector<std::pair<uint64_t, int64_t>> event_watermarks_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<uint64_t, RevisionRow>> revisions_ ABSL_GUARDED_BY(mu_);
  std::vector<model::AccessDecision> access_decisions_ ABSL_GUARDED_BY(mu_);
  int64_t next_revision_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t next_audit_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t next_event_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, uint64_t> request_locks_ ABSL_GUARDED_BY(mu_);
  uint64_t next_txn_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
  int64_t write_commits_ ABSL_GUARDED_BY(mu_) = 0;
  const std::shared_ptr<ListenerHub> hub_;
};

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_MEMSTORE_IN_MEMORY_STORE_H_
