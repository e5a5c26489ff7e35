// The registry: domains, teams and data products with their ports and
// lineage. Every write runs in one transaction with its audit record, its
// outbox event and its request-id record; every refused write is audited.
//
//   core::Registry registry(store, authorizer, clock);
//   auto domain = registry.CreateDomain(ctx, model::Domain{.id = "sales",
//   ...}); auto page = registry.ListDataProducts(ctx, {"sales", true}, {.filter
//   = "tag = \"pii\""});
#ifndef MESHPLANE_CORE_REGISTRY_H_
#define MESHPLANE_CORE_REGISTRY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/context.h"
#include "meshplane/core/governance.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/domain.h"
#include "meshplane/model/team.h"
#include "meshplane/store/store.h"

namespace meshplane::core {

namespace internal {
struct WriteOutcome;
struct DataProductTraits;
template <typename Traits>
class ResourceWrite;
}  // namespace internal

// Lineage around a product (GetLineage).
struct Lineage {
  std::vector<model::DataProduct> nodes;  // the start product first
  std::vector<store::LineageEdge> edges;
};

enum class LineageScope { kUpstream, kDownstream, kBoth };

// A search of data products (SearchDataProducts); every set field must
// match. Ids without their collection (`sales`, not `domains/sales`).
struct ProductSearchQuery {
  std::string text;       // at most 200 characters
  std::string domain_id;  // with its subdomains at any depth
  std::string owner_team_id;
  std::optional<model::Lifecycle> lifecycle;
  int tier = 0;  // 0 = any, else 1 to 3
  std::optional<model::Classification> classification;
  std::string tag;
  int page_size = 0;  // 0 -> 20; coerced down to 100
  std::string page_token;
  int skip = 0;        // 0 to 10,000
  int facet_size = 0;  // 0 -> 10; coerced down to 100
};

struct ProductSearchResult {
  std::vector<model::DataProduct> items;  // by relevance, then name
  std::string next_page_token;            // "" on the last page
  int64_t total_size = 0;                 // exact
  store::SearchFacets facets;             // see store::SearchFacets
};

// Which products ListDataProducts looks at.
struct ProductScope {
  std::string domain_id;  // "" = every domain (parent "domains/-")
  bool include_subdomains = false;
};

// Thread-safe; holds references to `store`, `authz` and `clock`, which must
// outlive it.
//
// Error codes, beyond those of each method:
//   INVALID_ARGUMENT  malformed input, with FieldViolations naming each field;
//                     also a request id reused with a different payload.
//   PERMISSION_DENIED the caller may not write there (see auth/authorizer.h).
//   ABORTED           a stale etag (reason ETAG_MISMATCH), a duplicate request
//                     still in flight (reason REQUEST_IN_FLIGHT), or writes
//                     that kept conflicting.
//   UNAVAILABLE       PostgreSQL is unreachable.
// A retry with the same request id and payload returns the first result.
// With ctx.validate_only every check runs and nothing is written.
class Registry {
 public:
  // With `governance`, every write is decided by the policies of its
  // trigger inside its transaction (FAILED_PRECONDITION, reason
  // POLICY_VIOLATION, when refused; warnings go to ctx.warnings) and the
  // decision is written to the audit record. Without it nothing is governed.
  Registry(store::Store& store, const auth::Authorizer& authz,
           const Clock& clock, Governance* governance = nullptr);

  // --- Domains ---
  // ALREADY_EXISTS; NOT_FOUND for an unknown parent or owner team.
  absl::StatusOr<model::Domain> CreateDomain(const RequestContext& ctx,
                                             model::Domain domain);
  absl::StatusOr<model::Domain> GetDomain(const RequestContext& ctx,
                                          const std::string& id);
  // Filter fields: parent, owner.
  absl::StatusOr<ListResult<model::Domain>> ListDomains(
      const RequestContext& ctx, const ListQuery& query);
  // Applies the fields of `patch` named in `mask` (display_name, description,
  // parent, owner_team, labels). `etag` "" skips the check. FAILED_PRECONDITION
  // if the new parent would make a cycle.
  absl::StatusOr<model::Domain> UpdateDomain(const RequestContext& ctx,
                                             const model::Domain& patch,
                                             const FieldMask& mask,
                                             const std::string& etag);
  // FAILED_PRECONDITION (reason HAS_CHILDREN) with subdomains or products.
  absl::Status DeleteDomain(const RequestContext& ctx, const std::string& id,
                            const std::string& etag);

  // --- Teams ---
  // Admins only.
  absl::StatusOr<model::Team> CreateTeam(const RequestContext& ctx,
                                         model::Team team);
  absl::StatusOr<model::Team> GetTeam(const RequestContext& ctx,
                                      const std::string& id);
  // Filter fields: member.
  absl::StatusOr<ListResult<model::Team>> ListTeams(const RequestContext& ctx,
                                                    const ListQuery& query);
  // Mask fields: display_name, description, members.
  absl::StatusOr<model::Team> UpdateTeam(const RequestContext& ctx,
                                         const model::Team& patch,
                                         const FieldMask& mask,
                                         const std::string& etag);
  // FAILED_PRECONDITION while a domain or product names it as owner.
  absl::Status DeleteTeam(const RequestContext& ctx, const std::string& id,
                          const std::string& etag);
  // Idempotent: adding a present member or removing an absent one is OK.
  absl::StatusOr<model::Team> AddTeamMember(const RequestContext& ctx,
                                            const std::string& team_id,
                                            const std::string& principal);
  absl::StatusOr<model::Team> RemoveTeamMember(const RequestContext& ctx,
                                               const std::string& team_id,
                                               const std::string& principal);

  // --- Data products ---
  // Created in DRAFT unless product.lifecycle says PUBLISHED. NOT_FOUND for an
  // unknown domain, owner team or input-port source; FAILED_PRECONDITION if an
  // input port would close a lineage cycle; PERMISSION_DENIED (reason
  // INPUT_NOT_GRANTED) for an input port on another team's output port that
  // the owner team may not read (docs/access.md, "Declared inputs").
  absl::StatusOr<model::DataProduct> CreateDataProduct(
      const RequestContext& ctx, model::DataProduct product);
  absl::StatusOr<model::DataProduct> GetDataProduct(
      const RequestContext& ctx, const model::ProductKey& key);
  // Filter fields: owner, lifecycle, tag, domain, and free text (bare words
  // or text:"...") matched with PostgreSQL full-text search.
  absl::StatusOr<ListResult<model::DataProduct>> ListDataProducts(
      const RequestContext& ctx, const ProductScope& scope,
      const ListQuery& query);
  // Full-text search with filters and facets (docs/api.md#search): words of
  // the text as model::SearchWords splits them, the last also as a prefix
  // when it has 3 characters or more and the text does not end with a
  // separator. Any authenticated caller, as
  // ListDataProducts. INVALID_ARGUMENT naming the field for malformed ids,
  // a tier out of range, a text too long, a negative page size, skip or
  // facet size, or a page token of another search. An unknown domain, team
  // or tag matches nothing. One read-only snapshot.
  absl::StatusOr<ProductSearchResult> SearchDataProducts(
      const RequestContext& ctx, const ProductSearchQuery& query);
  // Mask fields: display_name, description, owner_team, tier, classification,
  // tags, labels, output_ports, input_ports, sunset_time. With allow_missing
  // a missing product is created (AIP-134), which `product apply` uses.
  // Input ports are checked as on create when they are new, or all of them
  // when the owner team changes. Dropping an output port that a reader
  // holding a grant (or of the same team) reads is FAILED_PRECONDITION
  // (reason PORT_IN_USE); other readers lose their input ports on it.
  absl::StatusOr<model::DataProduct> UpdateDataProduct(
      const RequestContext& ctx, const model::DataProduct& patch,
      const FieldMask& mask, const std::string& etag, bool allow_missing);
  // FAILED_PRECONDITION (reason HAS_CONSUMERS) while a product of the same
  // team, or one whose owner team holds an active read grant, reads one of
  // its ports. Readers without either lose their input ports on it, each
  // with an audit record and a dataproduct.updated event.
  absl::Status DeleteDataProduct(const RequestContext& ctx,
                                 const model::ProductKey& key,
                                 const std::string& etag);
  // Publish, deprecate (with an optional sunset time), retire.
  // FAILED_PRECONDITION (reason LIFECYCLE_TRANSITION) for a transition that
  // model::CheckTransition refuses.
  absl::StatusOr<model::DataProduct> TransitionDataProduct(
      const RequestContext& ctx, const model::ProductKey& key,
      model::Lifecycle target, const std::string& etag,
      std::optional<absl::Time> sunset_time);
  // depth 1..10 (0 -> 1).
  absl::StatusOr<Lineage> GetLineage(const RequestContext& ctx,
                                     const model::ProductKey& key,
                                     LineageScope scope, int depth);

 private:
  absl::StatusOr<model::Team> ChangeMembership(const RequestContext& ctx,
                                               const std::string& team_id,
                                               const std::string& principal,
                                               bool add);
  // The create path shared by CreateDataProduct and an upserting
  // UpdateDataProduct; runs inside the write transaction.
  absl::StatusOr<model::DataProduct> InsertProduct(
      const RequestContext& ctx, store::Transaction& txn,
      model::DataProduct product,
      internal::ResourceWrite<internal::DataProductTraits>& w,
      const std::string& id_field, const std::string& domain_field);
  // Decides `subject` if governed: records the decision in `out`, hands
  // warnings to ctx.warnings, and refuses what the policies deny.
  absl::Status Govern(const RequestContext& ctx, GovernedSubject subject,
                      internal::WriteOutcome& out) const;
  static absl::Status ValidateProductKey(const model::ProductKey& key,
                                         const std::string& field);

  store::Store& store_;
  const auth::Authorizer& authz_;
  const Clock& clock_;
  Governance* governance_;
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_REGISTRY_H_
