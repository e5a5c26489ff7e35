// Private to src/store/postgres: the errors of the PostgreSQL store. The one
// function that turns libpqxx exceptions into absl::Status (MapPgError), the
// phrases that name resources in messages, and DiagnoseWrite, which says why
// a conditional write changed no row.
#ifndef MESHPLANE_STORE_POSTGRES_ERRORS_H_
#define MESHPLANE_STORE_POSTGRES_ERRORS_H_

#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include <pqxx/pqxx>

#include "meshplane/model/policy.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::store::pg {

// What a failed database call was doing, to name things in its error.
struct OpContext {
  // The operation, e.g. "InsertDomain".
  std::string op;
  // The resource it works on, as a phrase: `domain "sales"`.
  std::string resource;
  // A delete: a foreign key violation then means "still referred to"
  // (FAILED_PRECONDITION) rather than "refers to something missing"
  // (NOT_FOUND).
  bool is_delete = false;
};

// THE error mapping of the PostgreSQL store. `error` is an exception thrown
// by libpqxx (or by our own JSON decoding) while running `context`:
//   unique_violation (23505): ALREADY_EXISTS "<resource> already exists"
//   foreign_key_violation (23503): NOT_FOUND naming the missing reference,
//     or FAILED_PRECONDITION on a delete
//   serialization_failure (40001), deadlock_detected (40P01): ABORTED,
//     MarkRetryable
//   broken_connection, class 08, 57P01..57P03, 53300, no SQLSTATE:
//     UNAVAILABLE
//   query_canceled (57014): DEADLINE_EXCEEDED
//   22021 / invalid UTF-8 in JSON: INVALID_ARGUMENT
//   anything else: INTERNAL with the SQLSTATE
// Sets *connection_lost when the connection cannot be used any more.
// libpqxx 6.4 reports some lost connections as an sql_error without
// SQLSTATE; those count as lost connections too.
absl::Status MapPgError(std::exception_ptr error, const OpContext& context,
                        bool* connection_lost);

// --- Phrases that name a resource in a message: `domain "sales"` ---------

std::string Quoted(absl::string_view s);
std::string DomainPhrase(absl::string_view id);
std::string TeamPhrase(absl::string_view id);
std::string ProductPhrase(const model::ProductKey& key);
std::string TokenPhrase(absl::string_view id);
std::string PolicyPhrase(const model::PolicyKey& key);
std::string WaiverPhrase(const model::PolicyKey& policy, absl::string_view id);
std::string ContractPhrase(absl::string_view id);
std::string ContractVersionPhrase(absl::string_view id,
                                  absl::string_view version);
std::string OutputPortPhrase(const model::OutputPortRef& port);
std::string AccessRequestPhrase(absl::string_view id);
std::string GrantPhrase(absl::string_view id);
std::string BreachPhrase(absl::string_view id);
std::string WebhookPhrase(absl::string_view id);

// NOT_FOUND "<phrase> not found".
absl::Status NotFound(absl::string_view phrase);

// ABORTED with reason ETAG_MISMATCH: `what` is at revision `stored`, the
// request expected `expected`.
absl::Status EtagMismatch(absl::string_view what, int64_t stored,
                          int64_t expected);

// FAILED_PRECONDITION with reason HAS_CHILDREN: a delete refused while
// other resources still depend on the one deleted; `message` says which.
absl::Status HasChildren(absl::string_view message);

// A resource that a write refers to, as DiagnoseWrite checks it: column
// `column` of the diagnosis row is true when it exists; when it does not,
// NOT_FOUND "<name> of <resource> not found".
struct WriteReference {
  int column = 0;
  std::string name;  // e.g. `owner team "core"`
  // Checked on an insert only (the update keeps the stored value).
  bool insert_only = false;
};

// Why a conditional insert (`expected` nullopt) or update (expecting
// revision `expected`) of `resource` wrote no row, from the row of its
// kDiagnose* statement, whose column 0 is the stored revision (NULL: no such
// row). In this order:
//   insert: ALREADY_EXISTS "<resource> already exists" if the row exists;
//   update: NOT_FOUND if it does not, EtagMismatch if its revision differs;
//   NOT_FOUND for the first of `references` that does not exist;
//   update: what `update_check` returns, if it is not OK;
//   else INTERNAL (the write changed no row for no reason we know of).
absl::Status DiagnoseWrite(
    const pqxx::row& row, absl::string_view resource,
    std::optional<int64_t> expected,
    std::initializer_list<WriteReference> references,
    const std::function<absl::Status()>& update_check = nullptr);

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_ERRORS_H_
