// Private to src/store/postgres: the base of the repositories of a
// PostgreSQL transaction (registry.h, identity.h, ...) and the shapes of
// statement call they share: one row or NOT_FOUND, a write of one row or
// NOT_FOUND, one value, every row, one keyset page, and a conditional
// insert or update whose parameters one function lists for both.
#ifndef MESHPLANE_STORE_POSTGRES_REPOSITORY_H_
#define MESHPLANE_STORE_POSTGRES_REPOSITORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "store/postgres/context.h"
#include "store/postgres/errors.h"
#include "store/postgres/sql.h"
#include <pqxx/pqxx>

#include "meshplane/store/page.h"

namespace meshplane::store::pg {

// What `from_row` makes of a row.
template <typename FromRow>
using RowItem =
    std::decay_t<std::invoke_result_t<const FromRow&, const pqxx::row&>>;

// Runs prepared `statement` with the values of the tuple `params`, then
// `more` (the parameters that follow them in `statement`).
template <typename... Params, typename... More>
pqxx::result ExecPrepared(pqxx::transaction_base& txn,
                          const sql::Statement& statement,
                          const std::tuple<Params...>& params,
                          const More&... more) {
  return std::apply(
      [&](const auto&... p) {
        return txn.exec_prepared(statement.name, p..., more...);
      },
      params);
}

// The page of a list query that asked for `limit` + 1 rows (limit >= 1,
// CheckLimit): the items `from_row` makes of the first `limit` rows and,
// when there was one more, `next`: the cursor of the last item on the page,
// `cursor_of(item)`, or `cursor_of(item, its row)` for a cursor made of a
// column that the item does not keep.
template <typename FromRow, typename CursorOf>
Page<RowItem<FromRow>> KeysetPage(const pqxx::result& rows, int limit,
                                  const FromRow& from_row,
                                  const CursorOf& cursor_of) {
  using T = RowItem<FromRow>;
  Page<T> out;
  for (const auto& row : rows) {
    if (static_cast<int>(out.items.size()) == limit) {
      if constexpr (std::is_invocable_v<const CursorOf&, const T&>) {
        out.next = cursor_of(out.items.back());
      } else {
        out.next = cursor_of(out.items.back(), rows[limit - 1]);
      }
      break;
    }
    out.items.push_back(from_row(row));
  }
  return out;
}

// The base of each repository: it runs its statements in the transaction
// of `ctx`, which outlives it. Not thread-safe, like its transaction.
// Each helper runs its statement through TxnContext::Run, under `op`; its
// arguments are computed before, outside Run, so a parameter whose
// encoding may throw (the JSON of labels and string lists) is no argument
// for them.
template <typename Interface>
class PgRepository : public Interface {
 public:
  explicit PgRepository(TxnContext& ctx) : ctx_(ctx) {}
  PgRepository(const PgRepository&) = delete;
  PgRepository& operator=(const PgRepository&) = delete;

 protected:
  // The item `from_row` makes of the first row of prepared `statement`;
  // NOT_FOUND of op.resource when it returns none.
  template <typename FromRow, typename... Args>
  absl::StatusOr<RowItem<FromRow>> GetRow(const OpContext& op,
                                          const FromRow& from_row,
                                          const sql::Statement& statement,
                                          const Args&... args) {
    return ctx_.Run(op, [&]() -> absl::StatusOr<RowItem<FromRow>> {
      pqxx::result r = ctx_.txn().exec_prepared(statement.name, args...);
      if (r.empty()) return NotFound(op.resource);
      return from_row(r[0]);
    });
  }

  // The items `from_row` makes of every row of prepared `statement`.
  template <typename FromRow, typename... Args>
  absl::StatusOr<std::vector<RowItem<FromRow>>> AllRows(
      const OpContext& op, const FromRow& from_row,
      const sql::Statement& statement, const Args&... args) {
    return ctx_.Run(op, [&]() -> absl::StatusOr<std::vector<RowItem<FromRow>>> {
      pqxx::result r = ctx_.txn().exec_prepared(statement.name, args...);
      std::vector<RowItem<FromRow>> out;
      out.reserve(r.size());
      for (const auto& row : r) out.push_back(from_row(row));
      return out;
    });
  }

  // The one value of the one row of prepared `statement`.
  template <typename T, typename... Args>
  absl::StatusOr<T> Scalar(const OpContext& op, const sql::Statement& statement,
                           const Args&... args) {
    return ctx_.Run(op, [&]() -> absl::StatusOr<T> {
      return ctx_.txn()
          .exec_prepared1(statement.name, args...)[0]
          .template as<T>();
    });
  }

  // Runs prepared `statement`, which returns a row when it inserted one:
  // ALREADY_EXISTS "<op.resource> already exists" when it returns none.
  template <typename... Args>
  absl::Status InsertRow(const OpContext& op, const sql::Statement& statement,
                         const Args&... args) {
    return ctx_.Run(op, [&]() -> absl::Status {
      pqxx::result r = ctx_.txn().exec_prepared(statement.name, args...);
      if (r.empty()) {
        return absl::AlreadyExistsError(
            absl::StrCat(op.resource, " already exists"));
      }
      return absl::OkStatus();
    });
  }

  // Runs prepared `statement`, which returns a row for the row it changed
  // (or deleted): NOT_FOUND of op.resource when it returns none.
  template <typename... Args>
  absl::Status ChangeRow(const OpContext& op, const sql::Statement& statement,
                         const Args&... args) {
    return ctx_.Run(op, [&]() -> absl::Status {
      pqxx::result r = ctx_.txn().exec_prepared(statement.name, args...);
      if (r.empty()) return NotFound(op.resource);
      return absl::OkStatus();
    });
  }

  // One page of the list query `query` (run unnamed, sql.h), whose
  // parameters are `args`, then the row count page.limit + 1 (KeysetPage;
  // the caller has checked the limit).
  template <typename FromRow, typename CursorOf, typename... Args>
  absl::StatusOr<Page<RowItem<FromRow>>> ListPage(
      const OpContext& op, const PageRequest& page, const FromRow& from_row,
      const CursorOf& cursor_of, const char* query, const Args&... args) {
    return ctx_.Run(op, [&]() -> absl::StatusOr<Page<RowItem<FromRow>>> {
      pqxx::result r = ctx_.txn().exec_params(query, args..., page.limit + 1);
      return KeysetPage(r, page.limit, from_row, cursor_of);
    });
  }

  // Inside Run: the conditional insert (`expected` nullopt) or update
  // (expecting revision `expected`, the parameter after `params`) of one
  // row. True when it wrote the row (both statements RETURN a row then);
  // else the caller's kDiagnose* statement says why.
  template <typename... Params>
  bool InsertOrUpdate(const sql::Statement& insert,
                      const sql::Statement& update,
                      const std::tuple<Params...>& params,
                      std::optional<int64_t> expected) {
    pqxx::result r = expected
                         ? ExecPrepared(ctx_.txn(), update, params, *expected)
                         : ExecPrepared(ctx_.txn(), insert, params);
    return !r.empty();
  }

  TxnContext& ctx_;
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_REPOSITORY_H_
