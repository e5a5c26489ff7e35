// Small helpers shared by the core's write paths (registry, governance):
// error shapes that name the request field at fault, etag checks, the
// domain chain, list results.
#ifndef MESHPLANE_CORE_WRITE_HELPERS_H_
#define MESHPLANE_CORE_WRITE_HELPERS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/page_token.h"

#include "meshplane/core/context.h"
#include "meshplane/core/governance.h"
#include "meshplane/model/domain.h"
#include "meshplane/store/store.h"

namespace meshplane::core::internal {

// NOT_FOUND "<field>: <what> not found".
absl::Status NotFoundAt(const std::string& field, const std::string& what);

// Rewrites a store NOT_FOUND for a referenced resource so that it names the
// request field; other statuses pass through.
absl::Status Referenced(absl::Status s, const std::string& field,
                        const std::string& what);

// ABORTED (reason ETAG_MISMATCH) unless `etag` is "" or matches `revision`.
absl::Status CheckEtag(const std::string& name, const std::string& etag,
                       int64_t revision);

// Store errors of writes keep their code; ABORTED without retry is a stale
// revision seen by the store itself (reason ETAG_MISMATCH).
absl::Status StoreWrite(absl::Status s);

// The domain and its ancestors, nearest first.
absl::StatusOr<std::vector<model::Domain>> DomainChain(store::Transaction& txn,
                                                       const model::Domain& d);

// The ids of a chain, in order.
std::vector<std::string> ChainIds(const std::vector<model::Domain>& chain);

// What governance decides on for a call on the resource `resource_name`
// (its model JSON `resource_json`) that lives in `chain` (its domain
// first; not empty). The caller adds the previous image or the request.
GovernedSubject SubjectInChain(std::string trigger, std::string resource_name,
                               std::string resource_json,
                               const std::vector<model::Domain>& chain);

// INVALID_ARGUMENT on field "filter" saying `what`.
absl::Status FilterError(const std::string& what);

// The opening of one page of a list: the query's fingerprint (of
// `fingerprint_parts`), the page the token asks for, and a transaction in
// `mode` to read it. INVALID_ARGUMENT (page_token) if the token was issued
// for another query; the store's error if no transaction begins.
struct ListRead {
  std::string fingerprint;
  store::PageRequest page;
  std::unique_ptr<store::Transaction> txn;
};
absl::StatusOr<ListRead> BeginListRead(
    store::Store& store, store::TxnMode mode,
    const std::vector<std::string>& fingerprint_parts,
    absl::string_view page_token, int limit);

template <typename T>
ListResult<T> ToListResult(store::Page<T> page,
                           const std::string& fingerprint) {
  ListResult<T> out;
  out.items = std::move(page.items);
  out.next_page_token = EncodePageToken(page.next, fingerprint);
  return out;
}

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_WRITE_HELPERS_H_
