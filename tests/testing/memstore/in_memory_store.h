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
#include <memory>
#include <vector>

#include "meshplane/model/access.h"
#include "meshplane/store/store.h"

namespace meshplane::testing {
namespace memstore_internal {
struct StoreState;
}  // namespace memstore_internal

// Thread-safe: one mutex guards the committed state. The transaction hands
// out one repository per area (registry.cc, identity.cc, ...), all over the
// transaction's shared state (state.h).
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

 private:
  const std::unique_ptr<memstore_internal::StoreState> state_;
};

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_MEMSTORE_IN_MEMORY_STORE_H_
