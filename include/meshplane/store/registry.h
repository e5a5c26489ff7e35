// The registry's storage: domains, teams, data products (with their ports),
// product search and lineage. One repository of a store::Transaction (store.h),
// which hands it out; the error codes common to every method are written there.
#ifndef MESHPLANE_STORE_REGISTRY_H_
#define MESHPLANE_STORE_REGISTRY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/data_product.h"
#include "meshplane/model/domain.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/model/team.h"
#include "meshplane/store/page.h"

namespace meshplane::store {

struct DomainFilter {
  std::string parent_id;        // only direct children of this domain
  bool top_level_only = false;  // only domains without a parent
  std::string owner_team_id;
};

struct TeamFilter {
  std::string member;  // only teams with this member
};

// All set fields must match (AND).
struct DataProductFilter {
  std::string domain_id;
  bool include_subdomains = false;  // domain_id and all its descendants
  std::string owner_team_id;
  std::optional<model::Lifecycle> lifecycle;
  std::string tag;
  std::string text;  // full-text search over names, descriptions, tags
};

// A search of data products (SearchDataProducts). Every set field must
// match (AND). Text is matched by words: a product's words are the runs of
// characters other than ASCII punctuation and whitespace in its id,
// display name, description, tags, label keys and values, and its ports'
// ids, display names, descriptions and locations (output ports) or ids and
// descriptions (input ports), ASCII letters lowercased.
struct ProductSearch {
  // Each must be one of the product's words (lowercase, without ASCII
  // punctuation or whitespace); the last may instead be the prefix of one
  // when `last_is_prefix`.
  std::vector<std::string> words;
  bool last_is_prefix = false;
  std::string domain_id;  // this domain and its subdomains, any depth
  std::string owner_team_id;
  std::optional<model::Lifecycle> lifecycle;
  int tier = 0;  // 0 = any
  std::optional<model::Classification> classification;
  std::string tag;
};

// How many matching products have one value of a facet.
struct FacetCount {
  std::string value;
  int64_t count = 0;
};

// The facets of a search, each over the products that match the words and
// every filter but the facet's own: `domain` counts a domain's products with
// its subdomains' (domain ids), `owner_team` (team ids), `lifecycle`
// (LifecycleName), `tier` ("1".."3"; tier 0 is not counted),
// `classification` (ClassificationName; UNSPECIFIED is not counted), `tag`.
// Each lists its most frequent values, by count descending then value
// (byte order), at most `facet_limit` of them.
struct SearchFacets {
  std::vector<FacetCount> domain, owner_team, lifecycle, tier, classification,
      tag;
};

struct SearchResult {
  // Ordered by relevance (score descending), then by resource name
  // `domains/{domain}/dataProducts/{id}` in byte order. The score is 3 when
  // every word matches the id or display name, 2 when every word matches
  // those, the tags or the labels, else 1; 0 without words.
  std::vector<model::DataProduct> items;
  std::string next;   // the cursor after the last item; "" at the end
  int64_t total = 0;  // every match, exactly
  SearchFacets facets;
};

// One edge of lineage: `consumer` reads `source` through its input port.
struct LineageEdge {
  model::OutputPortRef source;
  model::ProductKey consumer;
  std::string input_port_id;
  int depth = 1;  // distance from the start product
};

enum class LineageDirection { kUpstream, kDownstream };

// Domains, teams and data products, in the transaction that handed it out.
class RegistryRepository {
 public:
  virtual ~RegistryRepository() = default;

  // --- Domains ---
  // NOT_FOUND if absent.
  virtual absl::StatusOr<model::Domain> GetDomain(absl::string_view id) = 0;
  // ALREADY_EXISTS if the id is taken; NOT_FOUND if the parent or owner team
  // does not exist. Fills uid/create/update times/revision as given.
  virtual absl::Status InsertDomain(const model::Domain& domain) = 0;
  // Writes `domain` if the stored revision equals `expected_revision`, else
  // ABORTED ("etag mismatch"). The caller sets domain.revision to the new one.
  virtual absl::Status UpdateDomain(const model::Domain& domain,
                                    int64_t expected_revision) = 0;
  // NOT_FOUND if absent; FAILED_PRECONDITION if it still has subdomains or
  // data products.
  virtual absl::Status DeleteDomain(absl::string_view id) = 0;
  virtual absl::StatusOr<Page<model::Domain>> ListDomains(
      const DomainFilter& filter, const PageRequest& page) = 0;
  // The chain of ancestors of `id`, nearest first (not including `id`).
  // NOT_FOUND if `id` does not exist.
  virtual absl::StatusOr<std::vector<model::Domain>> DomainAncestors(
      absl::string_view id) = 0;
  // Counts used to refuse deletes with children.
  virtual absl::StatusOr<int64_t> CountSubdomains(absl::string_view id) = 0;
  virtual absl::StatusOr<int64_t> CountDataProducts(
      absl::string_view domain_id) = 0;

  // --- Teams ---
  virtual absl::StatusOr<model::Team> GetTeam(absl::string_view id) = 0;
  virtual absl::Status InsertTeam(const model::Team& team) = 0;
  virtual absl::Status UpdateTeam(const model::Team& team,
                                  int64_t expected_revision) = 0;
  // FAILED_PRECONDITION if a domain or data product still names it as owner.
  virtual absl::Status DeleteTeam(absl::string_view id) = 0;
  virtual absl::StatusOr<Page<model::Team>> ListTeams(
      const TeamFilter& filter, const PageRequest& page) = 0;
  // Ids of the teams `principal` is a member of, sorted.
  virtual absl::StatusOr<std::vector<std::string>> TeamsOfPrincipal(
      absl::string_view principal) = 0;

  // --- Data products (ports are stored with their product) ---
  virtual absl::StatusOr<model::DataProduct> GetDataProduct(
      const model::ProductKey& key) = 0;
  // ALREADY_EXISTS; NOT_FOUND if the domain, owner team or an input port's
  // source output port does not exist.
  virtual absl::Status InsertDataProduct(const model::DataProduct& product) = 0;
  virtual absl::Status UpdateDataProduct(const model::DataProduct& product,
                                         int64_t expected_revision) = 0;
  // FAILED_PRECONDITION if another product's input port reads one of its
  // output ports, or if a data contract belongs to it.
  virtual absl::Status DeleteDataProduct(const model::ProductKey& key) = 0;
  virtual absl::StatusOr<Page<model::DataProduct>> ListDataProducts(
      const DataProductFilter& filter, const PageRequest& page) = 0;
  // The products that match `search`, a page of them after the cursor
  // `page.after` and then `skip` more (>= 0), with the exact total and the
  // facets (see ProductSearch, SearchResult). The cursor is opaque;
  // INVALID_ARGUMENT if it is malformed, or if page.limit or facet_limit
  // is below 1 or skip is negative. A page, the total and the facets come
  // from one snapshot.
  virtual absl::StatusOr<SearchResult> SearchDataProducts(
      const ProductSearch& search, const PageRequest& page, int skip,
      int facet_limit) = 0;
  // Lineage edges reachable from `start` in `direction`, up to `max_depth`
  // hops (breadth first, each edge once, terminates on cycles).
  virtual absl::StatusOr<std::vector<LineageEdge>> Lineage(
      const model::ProductKey& start, LineageDirection direction,
      int max_depth) = 0;
};

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_REGISTRY_H_
