// Private to src/store/postgres: the Transaction of PostgresStore. It owns
// the database transaction (in its TxnContext) and one repository per
// resource area over it, and does what follows a commit.
#ifndef MESHPLANE_STORE_POSTGRES_TRANSACTION_H_
#define MESHPLANE_STORE_POSTGRES_TRANSACTION_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/access.h"
#include "store/postgres/context.h"
#include "store/postgres/contracts.h"
#include "store/postgres/events.h"
#include "store/postgres/governance.h"
#include "store/postgres/identity.h"
#include "store/postgres/pg_internal.h"
#include "store/postgres/registry.h"
#include "store/postgres/rows.h"
#include "store/postgres/slo.h"
#include <pqxx/pqxx>

#include "meshplane/store/store.h"

namespace meshplane::store::pg {

// See PostgresStore (meshplane/store/postgres_store.h) for the semantics.
// `idempotency_puts` counts, across the store, the commits that stored a
// request id (every so many sweep the expired ones); it outlives the
// transaction. Not thread-safe.
class PostgresTransaction : public Transaction {
 public:
  PostgresTransaction(std::atomic<int64_t>* idempotency_puts, TxnMode mode,
                      absl::Time deadline, ConnectionPool::Lease lease,
                      std::unique_ptr<pqxx::transaction_base> txn);
  PostgresTransaction(const PostgresTransaction&) = delete;
  PostgresTransaction& operator=(const PostgresTransaction&) = delete;

  RegistryRepository& registry() override { return registry_; }
  IdentityRepository& identity() override { return identity_; }
  GovernanceRepository& governance() override { return governance_; }
  ContractRepository& contracts() override { return contracts_; }
  AccessRepository& access() override { return access_; }
  SloRepository& slo() override { return slo_; }
  EventRepository& events() override { return events_; }

  absl::Status Notify(absl::string_view channel,
                      absl::string_view payload) override;
  absl::Status Commit() override;

 private:
  void AfterCommit();
  void SweepIdempotency();

  std::atomic<int64_t>* const idempotency_puts_;
  // Declared before the repositories, which refer to it.
  TxnContext ctx_;
  PgRegistryRepository registry_{ctx_};
  PgIdentityRepository identity_{ctx_};
  PgGovernanceRepository governance_{ctx_};
  PgContractRepository contracts_{ctx_};
  PgAccessRepository access_{ctx_};
  PgSloRepository slo_{ctx_};
  PgEventRepository events_{ctx_};
  json notifications_ = json::array();  // [channel, payload], for AfterCommit
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_TRANSACTION_H_
