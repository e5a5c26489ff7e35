// Internal to InMemoryStore: its seven repositories, one per resource
// area (include/meshplane/store/<area>.h), each over the state of the
// transaction that hands it out (state.h). Each is defined in <area>.cc.
#ifndef MESHPLANE_TESTS_TESTING_MEMSTORE_REPOSITORIES_H_
#define MESHPLANE_TESTS_TESTING_MEMSTORE_REPOSITORIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tests/testing/memstore/state.h"

#include "meshplane/store/store.h"

namespace meshplane::testing::memstore_internal {

// The base of each repository: it works on the state of the transaction
// that hands it out, which outlives it.
template <typename Interface>
class InMemoryRepository : public Interface {
 public:
  explicit InMemoryRepository(TxnState& txn) : txn_(txn) {}

 protected:
  TxnState& txn_;
};

// Domains, teams, data products (registry.cc); search and lineage
// (registry_search.cc).
class InMemoryRegistry : public InMemoryRepository<store::RegistryRepository> {
 public:
  using InMemoryRepository::InMemoryRepository;

  absl::StatusOr<model::Domain> GetDomain(absl::string_view id) override;
  absl::Status InsertDomain(const model::Domain& domain) override;
  absl::Status UpdateDomain(const model::Domain& domain,
                            int64_t expected_revision) override;
  absl::Status DeleteDomain(absl::string_view id) override;
  absl::StatusOr<store::Page<model::Domain>> ListDomains(
      const store::DomainFilter& filter,
      const store::PageRequest& page) override;
  absl::StatusOr<std::vector<model::Domain>> DomainAncestors(
      absl::string_view id) override;
  absl::StatusOr<int64_t> CountSubdomains(absl::string_view id) override;
  absl::StatusOr<int64_t> CountDataProducts(
      absl::string_view domain_id) override;
  absl::StatusOr<model::Team> GetTeam(absl::string_view id) override;
  absl::Status InsertTeam(const model::Team& team) override;
  absl::Status UpdateTeam(const model::Team& team,
                          int64_t expected_revision) override;
  absl::Status DeleteTeam(absl::string_view id) override;
  absl::StatusOr<store::Page<model::Team>> ListTeams(
      const store::TeamFilter& filter, const store::PageRequest& page) override;
  absl::StatusOr<std::vector<std::string>> TeamsOfPrincipal(
      absl::string_view principal) override;
  absl::StatusOr<model::DataProduct> GetDataProduct(
      const model::ProductKey& key) override;
  absl::Status InsertDataProduct(const model::DataProduct& product) override;
  absl::Status UpdateDataProduct(const model::DataProduct& product,
                                 int64_t expected_revision) override;
  absl::Status DeleteDataProduct(const model::ProductKey& key) override;
  absl::StatusOr<store::Page<model::DataProduct>> ListDataProducts(
      const store::DataProductFilter& filter,
      const store::PageRequest& page) override;
  absl::StatusOr<store::SearchResult> SearchDataProducts(
      const store::ProductSearch& search, const store::PageRequest& page,
      int skip, int facet_limit) override;
  absl::StatusOr<std::vector<store::LineageEdge>> Lineage(
      const model::ProductKey& start, store::LineageDirection direction,
      int max_depth) override;

 private:
  absl::Status PutDomain(const model::Domain& domain);
  void PutTeam(const model::Team& team);
};

// API tokens and web sessions (identity.cc).
class InMemoryIdentity : public InMemoryRepository<store::IdentityRepository> {
 public:
  using InMemoryRepository::InMemoryRepository;

  absl::Status InsertToken(const model::ApiToken& token) override;
  absl::StatusOr<model::ApiToken> GetToken(absl::string_view id) override;
  absl::StatusOr<store::Page<model::ApiToken>> ListTokens(
      const store::TokenFilter& filter,
      const store::PageRequest& page) override;
  absl::Status RevokeToken(absl::string_view id, absl::Time when) override;
  absl::StatusOr<int64_t> CountActiveAdminTokens(absl::Time now) override;
  absl::Status InsertWebSession(const store::WebSession& session,
                                absl::Time now) override;
  absl::StatusOr<store::WebSession> GetWebSession(
      absl::string_view id_hash) override;
  absl::Status DeleteWebSession(absl::string_view id_hash) override;
};

// Policies, their history, and waivers (governance.cc).
class InMemoryGovernance
    : public InMemoryRepository<store::GovernanceRepository> {
 public:
  using InMemoryRepository::InMemoryRepository;

  absl::StatusOr<model::Policy> GetPolicy(const model::PolicyKey& key) override;
  absl::Status InsertPolicy(const model::Policy& policy,
                            absl::string_view author) override;
  absl::Status UpdatePolicy(const model::Policy& policy,
                            int64_t expected_revision,
                            absl::string_view author) override;
  absl::Status DeletePolicy(const model::PolicyKey& key) override;
  absl::StatusOr<store::Page<model::Policy>> ListPolicies(
      const store::PolicyFilter& filter,
      const store::PageRequest& page) override;
  absl::StatusOr<std::vector<model::Policy>> AllPolicies() override;
  absl::StatusOr<store::Page<model::PolicyRevision>> ListPolicyRevisions(
      const model::PolicyKey& key, const store::PageRequest& page) override;
  absl::Status InsertWaiver(const model::Waiver& waiver) override;
  absl::StatusOr<model::Waiver> GetWaiver(const model::PolicyKey& policy,
                                          absl::string_view id) override;
  absl::Status DeleteWaiver(const model::PolicyKey& policy,
                            absl::string_view id) override;
  absl::StatusOr<store::Page<model::Waiver>> ListWaivers(
      const store::WaiverFilter& filter,
      const store::PageRequest& page) override;
};

// Contracts and their published versions (contracts.cc).
class InMemoryContracts : public InMemoryRepository<store::ContractRepository> {
 public:
  using InMemoryRepository::InMemoryRepository;

  absl::StatusOr<model::Contract> GetContract(absl::string_view id) override;
  absl::Status InsertContract(const model::Contract& contract) override;
  absl::Status UpdateContract(const model::Contract& contract,
                              int64_t expected_revision) override;
  absl::StatusOr<store::Page<model::Contract>> ListContracts(
      const store::ContractFilter& filter,
      const store::PageRequest& page) override;
  absl::Status InsertContractVersion(
      const model::ContractVersion& version) override;
  absl::StatusOr<model::ContractVersion> GetContractVersion(
      absl::string_view contract_id, absl::string_view version) override;
  absl::StatusOr<store::Page<model::ContractVersion>> ListContractVersions(
      absl::string_view contract_id, const store::PageRequest& page) override;
  absl::StatusOr<std::vector<model::ContractVersion>> AllContractVersions(
      absl::string_view contract_id) override;
  absl::StatusOr<std::vector<store::ContractPortReader>> ContractReaders(
      absl::string_view contract_id) override;
};

// Access requests, grants, CheckAccess decisions (access.cc).
class InMemoryAccess : public InMemoryRepository<store::AccessRepository> {
 public:
  using InMemoryRepository::InMemoryRepository;

  absl::Status InsertAccessRequest(const model::AccessRequest& r) override;
  absl::StatusOr<model::AccessRequest> GetAccessRequest(
      absl::string_view id) override;
  absl::Status UpdateAccessRequest(const model::AccessRequest& r,
                                   int64_t expected_revision) override;
  absl::StatusOr<store::Page<model::AccessRequest>> ListAccessRequests(
      const store::AccessRequestFilter& filter,
      const store::PageRequest& page) override;
  absl::Status InsertGrant(const model::Grant& g) override;
  absl::StatusOr<model::Grant> GetGrant(absl::string_view id) override;
  absl::Status UpdateGrant(const model::Grant& g,
                           int64_t expected_revision) override;
  absl::StatusOr<store::Page<model::Grant>> ListGrants(
      const store::GrantFilter& filter,
      const store::PageRequest& page) override;
  absl::StatusOr<std::vector<model::Grant>> ActiveGrants(
      absl::Time now, absl::string_view after, int limit) override;
  absl::Status AppendAccessDecisions(
      const std::vector<model::AccessDecision>& decisions) override;
};

// Observations and breaches (slo.cc).
class InMemorySlo : public InMemoryRepository<store::SloRepository> {
 public:
  using InMemoryRepository::InMemoryRepository;

  absl::Status InsertObservations(
      const std::vector<model::Observation>& observations) override;
  absl::Status PruneObservations(const model::OutputPortRef& port,
                                 model::Objective objective,
                                 absl::Time before) override;
  absl::StatusOr<store::ObservationSummary> SummarizeObservations(
      const model::OutputPortRef& port, model::Objective objective,
      const store::ObservationTarget& target,
      const std::vector<absl::Time>& since) override;
  absl::Status InsertBreach(const model::Breach& breach) override;
  absl::StatusOr<std::optional<model::Breach>> GetOpenBreach(
      const model::OutputPortRef& port, model::Objective objective) override;
  absl::Status CloseBreach(absl::string_view id, absl::Time end_time) override;
  absl::StatusOr<store::Page<model::Breach>> ListBreaches(
      const store::BreachFilter& filter,
      const store::PageRequest& page) override;
};

// Audit, the event feed, idempotency, webhooks (events.cc).
class InMemoryEvents : public InMemoryRepository<store::EventRepository> {
 public:
  using InMemoryRepository::InMemoryRepository;

  absl::StatusOr<int64_t> AppendAudit(
      const model::AuditRecord& record) override;
  absl::StatusOr<int64_t> AppendEvent(const model::Event& event) override;
  absl::StatusOr<store::Page<model::AuditRecord>> ListAudit(
      const store::AuditFilter& filter,
      const store::PageRequest& page) override;
  absl::StatusOr<std::vector<model::Event>> ListEvents(int64_t after_sequence,
                                                       int limit) override;
  absl::StatusOr<int64_t> LastEventSequence() override;
  absl::StatusOr<int64_t> EventsPrunedThrough() override;
  absl::StatusOr<int64_t> PruneEvents(absl::Time before, int64_t max_sequence,
                                      int limit) override;
  absl::StatusOr<bool> TryLockRequest(absl::string_view principal,
                                      absl::string_view method,
                                      absl::string_view request_id) override;
  absl::StatusOr<std::optional<model::IdempotencyRecord>> GetIdempotency(
      absl::string_view principal, absl::string_view method,
      absl::string_view request_id, absl::Time not_before) override;
  absl::Status PutIdempotency(const model::IdempotencyRecord& record) override;
  absl::Status InsertWebhook(const model::Webhook& webhook) override;
  absl::StatusOr<model::Webhook> GetWebhook(absl::string_view id) override;
  absl::StatusOr<store::Page<model::Webhook>> ListWebhooks(
      const store::PageRequest& page) override;
  absl::Status DeleteWebhook(absl::string_view id) override;
  absl::StatusOr<std::optional<model::Webhook>> ClaimDueWebhook(
      absl::Time now) override;
  absl::Status UpdateWebhookState(const model::Webhook& webhook) override;
  absl::Status AppendWebhookDeliveries(
      const std::vector<model::WebhookDelivery>& deliveries, int keep) override;
  absl::StatusOr<store::Page<model::WebhookDelivery>> ListWebhookDeliveries(
      absl::string_view webhook_id, const store::PageRequest& page) override;
};

}  // namespace meshplane::testing::memstore_internal

#endif  // MESHPLANE_TESTS_TESTING_MEMSTORE_REPOSITORIES_H_
