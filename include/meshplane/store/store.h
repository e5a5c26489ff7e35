// The storage interface. The only implementation that speaks SQL lives in
// src/store/postgres; tests/testing has InMemoryStore. One shared suite of
// contract tests runs against both.
//
//   MP_RETURN_IF_ERROR(store.RunInTransaction(
//       TxnMode::kReadWrite, [&](Transaction& txn) -> absl::Status {
//         MP_RETURN_IF_ERROR(txn.InsertDomain(domain));
//         return txn.AppendAudit(record);
//       }));
#ifndef MESHPLANE_STORE_STORE_H_
#define MESHPLANE_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/access.h"
#include "meshplane/model/audit.h"
#include "meshplane/model/contract.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/domain.h"
#include "meshplane/model/policy.h"
#include "meshplane/model/principal.h"
#include "meshplane/model/slo.h"
#include "meshplane/model/team.h"
#include "meshplane/model/webhook.h"

namespace meshplane::store {

// The channel notified when appended events become readable in the feed
// (payload: the newest sequence), so that readers of the event feed wake
// up without polling.
inline constexpr char kEventChannel[] = "meshplane_events";

// Keyset pagination: `after` is the opaque cursor returned with the previous
// page ("" for the first page); `limit` >= 1.
struct PageRequest {
  std::string after;
  int limit = 50;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next;  // "" when there is no further page
};

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

struct TokenFilter {
  std::string principal;  // "" for all
  bool include_revoked = true;
};

struct PolicyFilter {
  // Exactly these scopes: "" lists global policies; a domain id lists that
  // domain's. When `any_domain` is true, every domain's policies (not the
  // global ones) and `domain_id` is ignored.
  std::string domain_id;
  bool any_domain = false;
  std::string trigger;      // only policies with this trigger
  std::string effect;       // "DENY", ...
  std::string enforcement;  // "ENFORCED", "DRY_RUN"
  std::string owner_team_id;
};

struct WaiverFilter {
  // Only the waivers of this policy; all policies when `all_policies`.
  model::PolicyKey policy;
  bool all_policies = false;
  std::string resource;  // only waivers of this resource
  // Only waivers with expire_time > not_expired_at (InfinitePast: all).
  absl::Time not_expired_at = absl::InfinitePast();
};

// All set fields must match (AND).
struct ContractFilter {
  std::optional<model::ProductKey> product;  // only this product's contracts
  std::string domain_id;  // only contracts of this domain's products
  std::string state;      // "ACTIVE" or "DEPRECATED"
};

// All set fields must match (AND). Ordered newest first (create_time, id).
struct AccessRequestFilter {
  // The state as of `now` (AccessRequest::StateAt): PENDING matches stored
  // PENDING requests with expire_time > now; EXPIRED matches stored EXPIRED
  // ones and stored PENDING ones whose expire_time <= now.
  std::optional<model::AccessRequestState> state;
  absl::Time now = absl::InfinitePast();
  std::optional<model::OutputPortRef> port;
  std::optional<model::ProductKey> product;  // any port of the product
  std::string consumer;
  std::string requester;
};

// All set fields must match (AND). Ordered newest first (create_time, id).
struct GrantFilter {
  std::optional<model::OutputPortRef> port;
  std::optional<model::ProductKey> product;
  // Grants whose consumer is one of these (a principal and its teams' team:
  // principals lists what covers it); empty = any consumer.
  std::vector<std::string> consumers;
  // Only grants that are active at `now` (not revoked, expire_time > now).
  bool active_only = false;
  absl::Time now = absl::InfinitePast();
};

struct AuditFilter {
  std::string resource;  // exact resource name, "" for all
  std::string principal;
};

// What an observation of an objective must be to meet it: value <= limit
// when `at_most` (staleness, latency), else value >= limit (availability:
// 1, completeness: the declared percent).
struct ObservationTarget {
  double limit = 0;
  bool at_most = true;
};

// Counts of one window: its observations, and those that met the target.
struct ObservationCounts {
  int64_t observations = 0;
  int64_t good = 0;
};

struct ObservationSummary {
  std::vector<ObservationCounts> windows;       // one per `since`, in order
  std::optional<absl::Time> last_observe_time;  // nullopt with none at all
};

// Breaches of one product (port_id "") or of one of its ports.
struct BreachFilter {
  model::ProductKey product;
  std::string port_id;
  bool open_only = false;
};

// One edge of lineage: `consumer` reads `source` through its input port.
struct LineageEdge {
  model::OutputPortRef source;
  model::ProductKey consumer;
  std::string input_port_id;
  int depth = 1;  // distance from the start product
};

enum class LineageDirection { kUpstream, kDownstream };

// An output port that promises a data contract (its contract_id), and one
// product whose input port reads it; `reader` is empty for a port nobody
// reads.
struct ContractPortReader {
  model::OutputPortRef port;
  std::string port_owner_team_id;  // the owner team of the port's product
  std::optional<model::ProductKey> reader;
  std::string reader_input_port_id;
  std::string reader_owner_team_id;
};

// A browser session of the web catalog (docs/web.md#sessions). The
// session id itself is never stored: `id_hash` is its hex SHA-256, and
// `credential` the bearer token it was signed in with, sealed under a key
// derived from the id.
struct WebSession {
  std::string id_hash;
  std::string principal;
  std::string credential;  // base64 of the sealed token
  absl::Time create_time;
  absl::Time expire_time;
};

enum class TxnMode {
  kReadOnly,   // a consistent read
  kReadWrite,  // SERIALIZABLE
  // Read-only, without a transaction around the statements: each statement
  // sees the latest committed data (no snapshot shared between statements).
  // For calls that issue one statement (a single-row get): it saves the
  // BEGIN and ROLLBACK round trips. Writes are refused as in kReadOnly.
  kSingleRead,
  // Read-write at READ COMMITTED: each statement sees the latest committed
  // data and the commit raises no serialization failure; the row locks the
  // transaction takes (ClaimDueWebhook) are what isolate it. For work
  // queues, whose work (an HTTP POST) must not be repeated because a
  // commit failed for want of serializability. Never for registry writes.
  kReadCommitted,
};

// True for the modes that may write (kReadWrite, kReadCommitted).
inline bool IsWriteMode(TxnMode mode) {
  return mode == TxnMode::kReadWrite || mode == TxnMode::kReadCommitted;
}

// A unit of work. Not thread-safe: one thread uses a Transaction at a time.
// Destroying an uncommitted Transaction rolls it back.
//
// Error codes common to every method: UNAVAILABLE when the database cannot be
// reached; ABORTED with IsRetryableConflict() true on a serialization
// failure or deadlock (the whole transaction should be retried).
class Transaction {
 public:
  virtual ~Transaction() = default;

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

  // --- Governance: policies (with full revision history) and waivers ---
  // NOT_FOUND if absent.
  virtual absl::StatusOr<model::Policy> GetPolicy(
      const model::PolicyKey& key) = 0;
  // ALREADY_EXISTS; NOT_FOUND if its domain or owner team does not exist.
  // Also stores the policy as revision `policy.revision` of its history,
  // written by `author`.
  virtual absl::Status InsertPolicy(const model::Policy& policy,
                                    absl::string_view author) = 0;
  // As UpdateDomain (ABORTED on a revision mismatch); also appends the new
  // revision to the history.
  virtual absl::Status UpdatePolicy(const model::Policy& policy,
                                    int64_t expected_revision,
                                    absl::string_view author) = 0;
  // Deletes the policy and its waivers; its revision history stays.
  // NOT_FOUND if absent.
  virtual absl::Status DeletePolicy(const model::PolicyKey& key) = 0;
  // Ordered by (domain_id, id).
  virtual absl::StatusOr<Page<model::Policy>> ListPolicies(
      const PolicyFilter& filter, const PageRequest& page) = 0;
  // Every policy of every scope, for building the engine's snapshot.
  virtual absl::StatusOr<std::vector<model::Policy>> AllPolicies() = 0;
  // Newest first. The history outlives a deleted policy; a key that never
  // existed gives an empty page.
  virtual absl::StatusOr<Page<model::PolicyRevision>> ListPolicyRevisions(
      const model::PolicyKey& key, const PageRequest& page) = 0;
  // ALREADY_EXISTS; NOT_FOUND if the policy does not exist.
  virtual absl::Status InsertWaiver(const model::Waiver& waiver) = 0;
  // NOT_FOUND if absent.
  virtual absl::StatusOr<model::Waiver> GetWaiver(
      const model::PolicyKey& policy, absl::string_view id) = 0;
  virtual absl::Status DeleteWaiver(const model::PolicyKey& policy,
                                    absl::string_view id) = 0;
  // Ordered by (policy domain_id, policy id, waiver id).
  virtual absl::StatusOr<Page<model::Waiver>> ListWaivers(
      const WaiverFilter& filter, const PageRequest& page) = 0;

  // --- Data contracts and their versions ---
  // NOT_FOUND if absent.
  virtual absl::StatusOr<model::Contract> GetContract(absl::string_view id) = 0;
  // ALREADY_EXISTS if the id is taken; NOT_FOUND if its data product does
  // not exist.
  virtual absl::Status InsertContract(const model::Contract& contract) = 0;
  // As UpdateDomain: NOT_FOUND if absent, ABORTED on a revision mismatch.
  // The owning product is immutable: FAILED_PRECONDITION if it differs.
  virtual absl::Status UpdateContract(const model::Contract& contract,
                                      int64_t expected_revision) = 0;
  // Ordered by id.
  virtual absl::StatusOr<Page<model::Contract>> ListContracts(
      const ContractFilter& filter, const PageRequest& page) = 0;
  // Stores an immutable version. ALREADY_EXISTS if the contract has that
  // version (same text); NOT_FOUND if the contract does not exist. The
  // caller keeps the contract's latest_version/version_count up to date.
  virtual absl::Status InsertContractVersion(
      const model::ContractVersion& version) = 0;
  // NOT_FOUND naming the version, or the contract when that is absent.
  virtual absl::StatusOr<model::ContractVersion> GetContractVersion(
      absl::string_view contract_id, absl::string_view version) = 0;
  // Newest first by semver precedence (see model::PrereleaseOrderKey: a
  // release above its pre-releases). NOT_FOUND if the contract is absent.
  virtual absl::StatusOr<Page<model::ContractVersion>> ListContractVersions(
      absl::string_view contract_id, const PageRequest& page) = 0;
  // Every version, oldest first by semver precedence (for TRANSITIVE
  // compatibility checks). NOT_FOUND if the contract is absent.
  virtual absl::StatusOr<std::vector<model::ContractVersion>>
  AllContractVersions(absl::string_view contract_id) = 0;

  // Every output port whose contract_id is `contract_id`, each with the
  // products that read it (one row per reader; a port nobody reads once,
  // without a reader), ordered by port, then reader. Empty when no port
  // promises the contract (whether or not the contract exists).
  virtual absl::StatusOr<std::vector<ContractPortReader>> ContractReaders(
      absl::string_view contract_id) = 0;

  // --- Access: requests, grants, the CheckAccess decision log ---
  // Requests and grants go with their output port: UpdateDataProduct that
  // drops a port, and DeleteDataProduct, delete the port's requests and
  // grants (so a port created again under the same name starts without
  // any). List cursors are opaque; a malformed one is INVALID_ARGUMENT, as
  // is a page limit below 1.
  //
  // ALREADY_EXISTS; NOT_FOUND (naming the port) if the output port does not
  // exist.
  virtual absl::Status InsertAccessRequest(const model::AccessRequest& r) = 0;
  // NOT_FOUND if absent. The state is returned as stored: callers apply
  // AccessRequest::StateAt for pending expiry.
  virtual absl::StatusOr<model::AccessRequest> GetAccessRequest(
      absl::string_view id) = 0;
  // As UpdateDomain (NOT_FOUND, ABORTED on a revision mismatch).
  virtual absl::Status UpdateAccessRequest(const model::AccessRequest& r,
                                           int64_t expected_revision) = 0;
  virtual absl::StatusOr<Page<model::AccessRequest>> ListAccessRequests(
      const AccessRequestFilter& filter, const PageRequest& page) = 0;
  // ALREADY_EXISTS; NOT_FOUND (naming the port) if the port does not exist.
  virtual absl::Status InsertGrant(const model::Grant& g) = 0;
  // NOT_FOUND if absent.
  virtual absl::StatusOr<model::Grant> GetGrant(absl::string_view id) = 0;
  // As UpdateDomain (NOT_FOUND, ABORTED on a revision mismatch).
  virtual absl::Status UpdateGrant(const model::Grant& g,
                                   int64_t expected_revision) = 0;
  virtual absl::StatusOr<Page<model::Grant>> ListGrants(
      const GrantFilter& filter, const PageRequest& page) = 0;
  // Every grant active at `now`, in id order, `limit` at a time after the
  // id `after` ("" = from the start): what a CheckAccess index loads.
  // INVALID_ARGUMENT if `limit` < 1.
  virtual absl::StatusOr<std::vector<model::Grant>> ActiveGrants(
      absl::Time now, absl::string_view after, int limit) = 0;
  // Appends decisions to the CheckAccess decision log (one multi-row
  // insert; an empty batch writes nothing). Append-only, like the audit
  // log, and without references: a decision about a port or grant that does
  // not exist is logged as given.
  virtual absl::Status AppendAccessDecisions(
      const std::vector<model::AccessDecision>& decisions) = 0;

  // --- Service levels: observations and breaches ---
  // Both go with their output port: dropping or deleting the port deletes
  // them (as for access requests and grants).
  //
  // Appends observations (one multi-row insert; an empty batch writes
  // nothing). NOT_FOUND if one names an output port that does not exist.
  virtual absl::Status InsertObservations(
      const std::vector<model::Observation>& observations) = 0;
  // Deletes the observations of `port`'s `objective` with observe_time <
  // `before` (what keeps the table bounded).
  virtual absl::Status PruneObservations(const model::OutputPortRef& port,
                                         model::Objective objective,
                                         absl::Time before) = 0;
  // Counts, for each of `since` in order, the observations of `port`'s
  // `objective` with observe_time > since (a window open at its start) and
  // those of them that meet `target`; plus the newest observe_time.
  // Computed in the store (aggregates), not by loading rows.
  virtual absl::StatusOr<ObservationSummary> SummarizeObservations(
      const model::OutputPortRef& port, model::Objective objective,
      const ObservationTarget& target,
      const std::vector<absl::Time>& since) = 0;
  // ALREADY_EXISTS if the id is taken, or if the port already has an open
  // breach of that objective (when `breach` is open); NOT_FOUND (naming the
  // port) if the port does not exist.
  virtual absl::Status InsertBreach(const model::Breach& breach) = 0;
  // The open breach of `port`'s `objective`, if any.
  virtual absl::StatusOr<std::optional<model::Breach>> GetOpenBreach(
      const model::OutputPortRef& port, model::Objective objective) = 0;
  // Closes an open breach at `end_time`. NOT_FOUND if absent;
  // FAILED_PRECONDITION if already closed.
  virtual absl::Status CloseBreach(absl::string_view id,
                                   absl::Time end_time) = 0;
  // Newest first (start_time, id). Cursors as for ListGrants.
  virtual absl::StatusOr<Page<model::Breach>> ListBreaches(
      const BreachFilter& filter, const PageRequest& page) = 0;

  // --- Webhooks and their delivery log ---
  // ALREADY_EXISTS if the id is taken.
  virtual absl::Status InsertWebhook(const model::Webhook& webhook) = 0;
  // NOT_FOUND if absent. With the secret and the delivery state.
  virtual absl::StatusOr<model::Webhook> GetWebhook(absl::string_view id) = 0;
  // Ordered by id.
  virtual absl::StatusOr<Page<model::Webhook>> ListWebhooks(
      const PageRequest& page) = 0;
  // Deletes the webhook and its delivery log. NOT_FOUND if absent. Waits
  // while a delivery worker holds the webhook (ClaimDueWebhook).
  virtual absl::Status DeleteWebhook(absl::string_view id) = 0;
  // The webhook that is due (next_attempt_time <= now) and behind the feed
  // (delivered_sequence < the newest event's sequence), the longest due
  // first, skipping webhooks another open transaction holds; nullopt when
  // there is none. Holds the webhook until this transaction ends (FOR
  // UPDATE SKIP LOCKED), so one worker at a time, across replicas,
  // delivers for a webhook. Writing transactions only, meant for
  // kReadCommitted (FAILED_PRECONDITION in the others). ABORTED, retryable,
  // when the webhook changed after this transaction's snapshot (under
  // kReadWrite).
  virtual absl::StatusOr<std::optional<model::Webhook>> ClaimDueWebhook(
      absl::Time now) = 0;
  // Writes the delivery state of `webhook` (delivered_sequence,
  // failing_attempts, last_error, next_attempt_time); nothing else.
  // NOT_FOUND if absent.
  virtual absl::Status UpdateWebhookState(const model::Webhook& webhook) = 0;
  // Appends attempts to the delivery log (an empty batch writes nothing),
  // then keeps only the newest `keep` attempts of each webhook concerned.
  // NOT_FOUND if one names a webhook that does not exist.
  virtual absl::Status AppendWebhookDeliveries(
      const std::vector<model::WebhookDelivery>& deliveries, int keep) = 0;
  // Newest first (in append order). Opaque cursors; INVALID_ARGUMENT for a
  // malformed one. An empty page when the webhook has no attempts or does
  // not exist.
  virtual absl::StatusOr<Page<model::WebhookDelivery>> ListWebhookDeliveries(
      absl::string_view webhook_id, const PageRequest& page) = 0;

  // --- Change notification ---
  // Sends `payload` on `channel` to every Listener when (and only if) this
  // transaction commits (PostgreSQL NOTIFY; payload < 8000 bytes).
  virtual absl::Status Notify(absl::string_view channel,
                              absl::string_view payload) = 0;

  // --- Identity ---
  virtual absl::Status InsertToken(const model::ApiToken& token) = 0;
  // NOT_FOUND if no token has that id.
  virtual absl::StatusOr<model::ApiToken> GetToken(absl::string_view id) = 0;
  virtual absl::StatusOr<Page<model::ApiToken>> ListTokens(
      const TokenFilter& filter, const PageRequest& page) = 0;
  // Sets revoke_time if not yet revoked. NOT_FOUND if absent.
  virtual absl::Status RevokeToken(absl::string_view id, absl::Time when) = 0;
  // Number of active (unrevoked, unexpired at `now`) admin tokens.
  virtual absl::StatusOr<int64_t> CountActiveAdminTokens(absl::Time now) = 0;

  // --- Web sessions ---
  // Inserts `session` and deletes the sessions expired at `now`.
  // ALREADY_EXISTS if a session has that id_hash.
  virtual absl::Status InsertWebSession(const WebSession& session,
                                        absl::Time now) = 0;
  // NOT_FOUND if no session has that id_hash (an expired one is returned:
  // the caller compares expire_time).
  virtual absl::StatusOr<WebSession> GetWebSession(
      absl::string_view id_hash) = 0;
  // Deletes it; OK when there is none.
  virtual absl::Status DeleteWebSession(absl::string_view id_hash) = 0;

  // --- Audit, events, idempotency ---
  // Appends; returns the sequence assigned.
  virtual absl::StatusOr<int64_t> AppendAudit(
      const model::AuditRecord& record) = 0;
  // Appends an event; once the transaction has committed (when Commit
  // returns), the event is in the feed and kEventChannel is notified.
  // Sequences are handed out in commit order: an event becomes visible
  // only after every event with a smaller sequence (see postgres_store.h),
  // so a reader that resumes after N misses nothing. Returns the sequence
  // the event gets unless another transaction's event, appended
  // concurrently, is numbered before it (then it gets a higher one).
  virtual absl::StatusOr<int64_t> AppendEvent(const model::Event& event) = 0;
  // Newest first.
  virtual absl::StatusOr<Page<model::AuditRecord>> ListAudit(
      const AuditFilter& filter, const PageRequest& page) = 0;
  // Events with sequence > after_sequence, oldest first, at most `limit`;
  // after_sequence 0 reads from the oldest retained event. OUT_OF_RANGE
  // when after_sequence > 0 and events after it have been pruned
  // (after_sequence < EventsPrunedThrough()): a reader resuming there would
  // miss them. The check and the read see one state of the store, so a
  // reader that gets events never has a silent hole before them.
  virtual absl::StatusOr<std::vector<model::Event>> ListEvents(
      int64_t after_sequence, int limit) = 0;
  // The highest committed event sequence visible to this transaction,
  // pruned events included; 0 when there is none.
  virtual absl::StatusOr<int64_t> LastEventSequence() = 0;

  // --- Event retention ---
  // The watermark: every event with a sequence up to it has been pruned,
  // none after it. 0 when nothing has been pruned; never decreases. A
  // reader may resume after any N >= the watermark (or 0).
  virtual absl::StatusOr<int64_t> EventsPrunedThrough() = 0;
  // Prunes the oldest events, in sequence order: those that committed
  // before `before` and have a sequence <= `max_sequence`, stopping at the
  // first that does not qualify (event times follow writers' clocks and
  // need not increase with the sequence; pruning stops there rather than
  // leave a hole), and at `limit` (>= 1) events. Raises the watermark to
  // the last one pruned, in this transaction. Returns how many were
  // pruned. kReadWrite only. Concurrent pruners are harmless: they conflict
  // (ABORTED, retryable) or, in PostgreSQL, one prunes and the others
  // return 0.
  virtual absl::StatusOr<int64_t> PruneEvents(absl::Time before,
                                              int64_t max_sequence,
                                              int limit) = 0;

  // Takes a transaction-scoped exclusive lock on the request key (principal,
  // method, request_id). Returns false, without waiting, if another
  // transaction holds it (a duplicate still in flight).
  virtual absl::StatusOr<bool> TryLockRequest(absl::string_view principal,
                                              absl::string_view method,
                                              absl::string_view request_id) = 0;
  // The record stored for that key, if any and not older than `not_before`.
  virtual absl::StatusOr<std::optional<model::IdempotencyRecord>>
  GetIdempotency(absl::string_view principal, absl::string_view method,
                 absl::string_view request_id, absl::Time not_before) = 0;
  virtual absl::Status PutIdempotency(
      const model::IdempotencyRecord& record) = 0;

  // Commits. After a non-OK result the transaction is rolled back. Calling
  // any method after Commit is a programmer error.
  virtual absl::Status Commit() = 0;
};

// Receives the notifications that committed transactions sent with
// Transaction::Notify, on a connection of its own, and calls its handler on
// a thread of its own. When the connection drops it reconnects (with
// backoff) and then calls the handler with `resync` true: notifications may
// have been lost, so the receiver must reload what it caches.
class Listener {
 public:
  struct Notification {
    std::string channel;
    std::string payload;
    bool resync = false;  // delivered after (re)connecting; payload ""
    // Delivered as soon as the listening connection is found broken (within
    // the listener's poll interval), before it reconnects; payload "".
    // Receivers that must vouch for their freshness count from here.
    bool lost = false;
  };
  using Handler = std::function<void(const Notification&)>;

  virtual ~Listener() = default;  // stops the thread and closes the connection

  // Subscribes to `channels` and starts delivering to `handler`. The first
  // call made on a connected listener is a resync (after LISTEN took effect),
  // so a receiver can load its state then and miss nothing. Call once.
  virtual absl::Status Start(std::vector<std::string> channels,
                             Handler handler) = 0;
  // True while the listening connection is up.
  virtual bool connected() const = 0;
};

// A snapshot of a store's connection pool (metrics).
struct PoolStats {
  int size = 0;     // the most connections it opens; 0: the store has no pool
  int in_use = 0;   // on loan to a transaction (or a ping), or being opened
  int idle = 0;     // open and free
  int waiting = 0;  // callers queued for a connection now
  // Since the store was opened: connections it tried to open (the pool's
  // and the readiness connection's; listeners open their own), and calls
  // refused at once because the wait queue was full.
  int64_t connect_attempts = 0;
  int64_t shed = 0;
};

// The deadline of the work the calling thread does: every transaction a
// store begins on this thread while a DeadlineScope lives is bounded by it.
// A server sets one per call (the call's deadline, capped by its maximum);
// background work runs without (InfiniteFuture). Scopes nest: the inner one
// replaces the outer one until it ends, earlier or later.
//
//   store::DeadlineScope scope(absl::Now() + absl::Milliseconds(200));
//   absl::Status s = store.RunInTransaction(TxnMode::kReadWrite, fn);
//   // DEADLINE_EXCEEDED, and nothing committed, if 200 ms were not enough.
//
// Not copyable; create and destroy it on the same thread.
class DeadlineScope {
 public:
  explicit DeadlineScope(absl::Time deadline);
  ~DeadlineScope();
  DeadlineScope(const DeadlineScope&) = delete;
  DeadlineScope& operator=(const DeadlineScope&) = delete;

  // The calling thread's deadline: that of its innermost scope, else
  // InfiniteFuture.
  static absl::Time Current();

 private:
  absl::Time previous_;
};

// DEADLINE_EXCEEDED ("<what>: the call's deadline has passed") when the
// calling thread's deadline (DeadlineScope::Current) is not in the future;
// else OK.
absl::Status CheckDeadline(absl::string_view what);

// Told, for each connection a store hands out or fails to (Begin, Ping,
// CheckSchema), how long the caller waited for a free one, and whether it
// gave up (the DEADLINE_EXCEEDED of Begin). Called on the waiting thread:
// it must be cheap and thread-safe.
using PoolWaitObserver =
    std::function<void(absl::Duration waited, bool timed_out)>;

// A source of transactions. Thread-safe; outlives its transactions.
class Store {
 public:
  virtual ~Store() = default;

  // Starts a transaction. UNAVAILABLE when the database cannot be reached;
  // RESOURCE_EXHAUSTED when the pool's wait queue is full or no connection
  // frees up within the pool's wait bound; DEADLINE_EXCEEDED when the
  // thread's deadline (DeadlineScope) has passed or passes while waiting.
  // Stores that honour deadlines bound every statement of the transaction
  // by what is left of it and refuse to commit after it (DEADLINE_EXCEEDED,
  // rolled back), so that work answered as expired never commits.
  virtual absl::StatusOr<std::unique_ptr<Transaction>> Begin(TxnMode mode) = 0;

  // Runs `fn` in a transaction and commits it if `fn` returns OK. Retries
  // the whole of `fn` (with a fresh transaction, jittered backoff) up to
  // `max_attempts` times when `fn` or the commit fails with a retryable
  // conflict; after that returns ABORTED. Any other error from `fn` rolls
  // back and is returned as is. Never outlives the thread's deadline
  // (DeadlineScope): no attempt starts and no backoff sleeps past it, and
  // a conflict that would be retried after it is DEADLINE_EXCEEDED.
  absl::Status RunInTransaction(
      TxnMode mode, const std::function<absl::Status(Transaction&)>& fn,
      int max_attempts = 8);

  // OK if the database answers a trivial query (readiness).
  virtual absl::Status Ping() = 0;

  // OK if the database's schema is one this store works with: at least the
  // version it was written for (a newer one is fine: migrations only add,
  // so old replicas keep serving while new ones roll out).
  // FAILED_PRECONDITION naming the versions (or the missing schema) when it
  // is older; UNAVAILABLE when the database cannot be reached. One query;
  // the default (stores without a schema) is OK.
  virtual absl::Status CheckSchema() { return absl::OkStatus(); }

  // The connection pool now: no I/O, a lock at most. The default (stores
  // without a pool) is all zero.
  virtual PoolStats pool_stats() const { return {}; }

  // Installs `observer` (an empty function removes it), replacing the one
  // before. Once this returns, the one before is not running and is not
  // called again, so its captures may be destroyed. The default (stores
  // without a pool) never calls it.
  virtual void SetPoolWaitObserver(PoolWaitObserver observer) {
    (void)observer;
  }

  // A listener for what this store's transactions Notify; not yet started.
  virtual absl::StatusOr<std::unique_ptr<Listener>> NewListener() = 0;
};

// Marks `status` (which must be ABORTED) as a retryable conflict.
absl::Status MarkRetryable(absl::Status status);
// True for ABORTED statuses that MarkRetryable produced.
bool IsRetryableConflict(const absl::Status& status);

// The OUT_OF_RANGE of ListEvents after `after_sequence` when events through
// `pruned_through` have been pruned; every store words it the same way.
absl::Status EventsPrunedError(int64_t after_sequence, int64_t pruned_through);

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_STORE_H_
