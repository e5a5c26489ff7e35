// Private to src/store/postgres: the IdentityRepository of a PostgreSQL
// transaction (API tokens and web sessions).
#ifndef MESHPLANE_STORE_POSTGRES_IDENTITY_H_
#define MESHPLANE_STORE_POSTGRES_IDENTITY_H_

#include "store/postgres/repository.h"

#include "meshplane/store/identity.h"

namespace meshplane::store::pg {

// Runs its statements (identity_sql.h) in the transaction of `ctx`, which
// outlives it. Not thread-safe, like its transaction.
class PgIdentityRepository : public PgRepository<IdentityRepository> {
 public:
  using PgRepository::PgRepository;

  absl::Status InsertToken(const model::ApiToken& t) override;
  absl::StatusOr<model::ApiToken> GetToken(absl::string_view id) override;
  absl::StatusOr<Page<model::ApiToken>> ListTokens(
      const TokenFilter& filter, const PageRequest& page) override;
  absl::Status RevokeToken(absl::string_view id, absl::Time when) override;
  absl::StatusOr<int64_t> CountActiveAdminTokens(absl::Time now) override;
  absl::Status InsertWebSession(const WebSession& s, absl::Time now) override;
  absl::StatusOr<WebSession> GetWebSession(absl::string_view id_hash) override;
  absl::Status DeleteWebSession(absl::string_view id_hash) override;
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_IDENTITY_H_
