#include "core/write_helpers.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/json.h"

namespace meshplane::core::internal {

absl::Status NotFoundAt(const std::string& field, const std::string& what) {
  return absl::NotFoundError(absl::StrCat(field, ": ", what, " not found"));
}

absl::Status Referenced(absl::Status s, const std::string& field,
                        const std::string& what) {
  if (s.code() == absl::StatusCode::kNotFound) return NotFoundAt(field, what);
  return s;
}

absl::Status CheckEtag(const std::string& name, const std::string& etag,
                       int64_t revision) {
  if (etag.empty() || etag == model::Etag(revision)) return absl::OkStatus();
  return WithReason(
      absl::AbortedError(absl::StrCat(
          "etag ", QuotePrefix(etag), " of ", name, " is stale (current: \"",
          model::Etag(revision), "\"); read it again and retry")),
      "ETAG_MISMATCH");
}

absl::Status StoreWrite(absl::Status s) {
  if (s.code() == absl::StatusCode::kAborted &&
      !store::IsRetryableConflict(s) && GetReason(s).empty()) {
    return WithReason(std::move(s), "ETAG_MISMATCH");
  }
  return s;
}

absl::StatusOr<std::vector<model::Domain>> DomainChain(store::Transaction& txn,
                                                       const model::Domain& d) {
  MP_ASSIGN_OR_RETURN(std::vector<model::Domain> ancestors,
                      txn.registry().DomainAncestors(d.id));
  std::vector<model::Domain> chain{d};
  chain.insert(chain.end(), ancestors.begin(), ancestors.end());
  return chain;
}

std::vector<std::string> ChainIds(const std::vector<model::Domain>& chain) {
  std::vector<std::string> ids;
  ids.reserve(chain.size());
  for (const auto& d : chain) ids.push_back(d.id);
  return ids;
}

absl::Status FilterError(const std::string& what) {
  return InvalidArgumentWithFields({{"filter", what}});
}

GovernedSubject SubjectInChain(std::string trigger, std::string resource_name,
                               std::string resource_json,
                               const std::vector<model::Domain>& chain) {
  GovernedSubject subject;
  subject.trigger = std::move(trigger);
  subject.resource_name = std::move(resource_name);
  subject.domain_chain = ChainIds(chain);
  subject.resource_json = std::move(resource_json);
  subject.domain_json = model::ToJson(chain.front());
  return subject;
}

absl::StatusOr<ListRead> BeginListRead(
    store::Store& store, store::TxnMode mode,
    const std::vector<std::string>& fingerprint_parts,
    absl::string_view page_token, int limit) {
  ListRead read;
  read.fingerprint = QueryFingerprint(fingerprint_parts);
  MP_ASSIGN_OR_RETURN(read.page.after,
                      DecodePageToken(page_token, read.fingerprint));
  read.page.limit = limit;
  MP_ASSIGN_OR_RETURN(read.txn, store.Begin(mode));
  return read;
}

}  // namespace meshplane::core::internal
