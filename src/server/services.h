// The gRPC service implementations. Each handler is thin: CallRunner
// authenticates and builds the request context; the handler decodes the
// proto into model types (server/codec.h), calls core, and encodes the
// result. No business rule lives here.
//
// All classes are thread-safe (gRPC calls them from its thread pool) and
// hold references to core objects that must outlive them.
#ifndef MESHPLANE_SERVER_SERVICES_H_
#define MESHPLANE_SERVER_SERVICES_H_

#include <vector>

#include "server/call.h"

#include "meshplane/common/clock.h"
#include "meshplane/core/access.h"
#include "meshplane/core/audit_log.h"
#include "meshplane/core/contracts.h"
#include "meshplane/core/event_feed.h"
#include "meshplane/core/governance.h"
#include "meshplane/core/identity.h"
#include "meshplane/core/registry.h"
#include "meshplane/core/slo.h"
#include "meshplane/core/webhooks.h"
#include "meshplane/v1/access.grpc.pb.h"
#include "meshplane/v1/contract.grpc.pb.h"
#include "meshplane/v1/data_product.grpc.pb.h"
#include "meshplane/v1/domain.grpc.pb.h"
#include "meshplane/v1/events.grpc.pb.h"
#include "meshplane/v1/identity.grpc.pb.h"
#include "meshplane/v1/policy.grpc.pb.h"
#include "meshplane/v1/slo.grpc.pb.h"
#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane::server {

class DomainServiceImpl final : public v1::DomainService::Service {
 public:
  DomainServiceImpl(const CallRunner& runner, core::Registry& registry)
      : runner_(runner), registry_(registry) {}

  grpc::Status CreateDomain(grpc::ServerContext* context,
                            const v1::CreateDomainRequest* request,
                            v1::Domain* response) override;
  grpc::Status GetDomain(grpc::ServerContext* context,
                         const v1::GetDomainRequest* request,
                         v1::Domain* response) override;
  grpc::Status ListDomains(grpc::ServerContext* context,
                           const v1::ListDomainsRequest* request,
                           v1::ListDomainsResponse* response) override;
  grpc::Status UpdateDomain(grpc::ServerContext* context,
                            const v1::UpdateDomainRequest* request,
                            v1::Domain* response) override;
  grpc::Status DeleteDomain(grpc::ServerContext* context,
                            const v1::DeleteDomainRequest* request,
                            google::protobuf::Empty* response) override;

 private:
  const CallRunner& runner_;
  core::Registry& registry_;
};

class TeamServiceImpl final : public v1::TeamService::Service {
 public:
  TeamServiceImpl(const CallRunner& runner, core::Registry& registry)
      : runner_(runner), registry_(registry) {}

  grpc::Status CreateTeam(grpc::ServerContext* context,
                          const v1::CreateTeamRequest* request,
                          v1::Team* response) override;
  grpc::Status GetTeam(grpc::ServerContext* context,
                       const v1::GetTeamRequest* request,
                       v1::Team* response) override;
  grpc::Status ListTeams(grpc::ServerContext* context,
                         const v1::ListTeamsRequest* request,
                         v1::ListTeamsResponse* response) override;
  grpc::Status UpdateTeam(grpc::ServerContext* context,
                          const v1::UpdateTeamRequest* request,
                          v1::Team* response) override;
  grpc::Status DeleteTeam(grpc::ServerContext* context,
                          const v1::DeleteTeamRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status AddTeamMember(grpc::ServerContext* context,
                             const v1::AddTeamMemberRequest* request,
                             v1::Team* response) override;
  grpc::Status RemoveTeamMember(grpc::ServerContext* context,
                                const v1::RemoveTeamMemberRequest* request,
                                v1::Team* response) override;

 private:
  const CallRunner& runner_;
  core::Registry& registry_;
};

// GetDataProduct fills each port's service_level_status from `slo` when it
// is not null.
class DataProductServiceImpl final : public v1::DataProductService::Service {
 public:
  DataProductServiceImpl(const CallRunner& runner, core::Registry& registry,
                         core::ServiceLevels* slo = nullptr)
      : runner_(runner), registry_(registry), slo_(slo) {}

  grpc::Status CreateDataProduct(grpc::ServerContext* context,
                                 const v1::CreateDataProductRequest* request,
                                 v1::DataProduct* response) override;
  grpc::Status GetDataProduct(grpc::ServerContext* context,
                              const v1::GetDataProductRequest* request,
                              v1::DataProduct* response) override;
  grpc::Status ListDataProducts(
      grpc::ServerContext* context, const v1::ListDataProductsRequest* request,
      v1::ListDataProductsResponse* response) override;
  grpc::Status SearchDataProducts(
      grpc::ServerContext* context,
      const v1::SearchDataProductsRequest* request,
      v1::SearchDataProductsResponse* response) override;
  grpc::Status UpdateDataProduct(grpc::ServerContext* context,
                                 const v1::UpdateDataProductRequest* request,
                                 v1::DataProduct* response) override;
  grpc::Status DeleteDataProduct(grpc::ServerContext* context,
                                 const v1::DeleteDataProductRequest* request,
                                 google::protobuf::Empty* response) override;
  grpc::Status PublishDataProduct(grpc::ServerContext* context,
                                  const v1::PublishDataProductRequest* request,
                                  v1::DataProduct* response) override;
  grpc::Status DeprecateDataProduct(
      grpc::ServerContext* context,
      const v1::DeprecateDataProductRequest* request,
      v1::DataProduct* response) override;
  grpc::Status RetireDataProduct(grpc::ServerContext* context,
                                 const v1::RetireDataProductRequest* request,
                                 v1::DataProduct* response) override;
  grpc::Status GetLineage(grpc::ServerContext* context,
                          const v1::GetLineageRequest* request,
                          v1::GetLineageResponse* response) override;

 private:
  const CallRunner& runner_;
  core::Registry& registry_;
  core::ServiceLevels* slo_;
};

class IdentityServiceImpl final : public v1::IdentityService::Service {
 public:
  IdentityServiceImpl(const CallRunner& runner, core::Identity& identity)
      : runner_(runner), identity_(identity) {}

  grpc::Status CreateToken(grpc::ServerContext* context,
                           const v1::CreateTokenRequest* request,
                           v1::CreateTokenResponse* response) override;
  grpc::Status ListTokens(grpc::ServerContext* context,
                          const v1::ListTokensRequest* request,
                          v1::ListTokensResponse* response) override;
  grpc::Status RevokeToken(grpc::ServerContext* context,
                           const v1::RevokeTokenRequest* request,
                           v1::Token* response) override;
  grpc::Status GetCallerIdentity(grpc::ServerContext* context,
                                 const v1::GetCallerIdentityRequest* request,
                                 v1::CallerIdentity* response) override;

 private:
  const CallRunner& runner_;
  core::Identity& identity_;
};

// EventService: the audit log, the event feed (Watch) and webhooks.
class EventServiceImpl final : public v1::EventService::Service {
 public:
  EventServiceImpl(const CallRunner& runner, core::AuditLog& audit,
                   core::EventFeed& feed, core::Webhooks& webhooks)
      : runner_(runner), audit_(audit), feed_(feed), webhooks_(webhooks) {}

  grpc::Status Watch(grpc::ServerContext* context,
                     const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::WatchResponse>* writer) override;

  grpc::Status ListAuditRecords(
      grpc::ServerContext* context, const v1::ListAuditRecordsRequest* request,
      v1::ListAuditRecordsResponse* response) override;

  grpc::Status CreateWebhook(grpc::ServerContext* context,
                             const v1::CreateWebhookRequest* request,
                             v1::Webhook* response) override;
  grpc::Status GetWebhook(grpc::ServerContext* context,
                          const v1::GetWebhookRequest* request,
                          v1::Webhook* response) override;
  grpc::Status ListWebhooks(grpc::ServerContext* context,
                            const v1::ListWebhooksRequest* request,
                            v1::ListWebhooksResponse* response) override;
  grpc::Status DeleteWebhook(grpc::ServerContext* context,
                             const v1::DeleteWebhookRequest* request,
                             google::protobuf::Empty* response) override;
  grpc::Status ListWebhookDeliveries(
      grpc::ServerContext* context,
      const v1::ListWebhookDeliveriesRequest* request,
      v1::ListWebhookDeliveriesResponse* response) override;

 private:
  const CallRunner& runner_;
  core::AuditLog& audit_;
  core::EventFeed& feed_;
  core::Webhooks& webhooks_;
};

class PolicyServiceImpl final : public v1::PolicyService::Service {
 public:
  PolicyServiceImpl(const CallRunner& runner, core::Governance& governance)
      : runner_(runner), governance_(governance) {}
  grpc::Status CreatePolicy(grpc::ServerContext* context,
                            const v1::CreatePolicyRequest* request,
                            v1::Policy* response) override;
  grpc::Status GetPolicy(grpc::ServerContext* context,
                         const v1::GetPolicyRequest* request,
                         v1::Policy* response) override;
  grpc::Status ListPolicies(grpc::ServerContext* context,
                            const v1::ListPoliciesRequest* request,
                            v1::ListPoliciesResponse* response) override;
  grpc::Status UpdatePolicy(grpc::ServerContext* context,
                            const v1::UpdatePolicyRequest* request,
                            v1::Policy* response) override;
  grpc::Status DeletePolicy(grpc::ServerContext* context,
                            const v1::DeletePolicyRequest* request,
                            google::protobuf::Empty* response) override;
  grpc::Status ListPolicyRevisions(
      grpc::ServerContext* context,
      const v1::ListPolicyRevisionsRequest* request,
      v1::ListPolicyRevisionsResponse* response) override;
  grpc::Status CreateWaiver(grpc::ServerContext* context,
                            const v1::CreateWaiverRequest* request,
                            v1::Waiver* response) override;
  grpc::Status ListWaivers(grpc::ServerContext* context,
                           const v1::ListWaiversRequest* request,
                           v1::ListWaiversResponse* response) override;
  grpc::Status DeleteWaiver(grpc::ServerContext* context,
                            const v1::DeleteWaiverRequest* request,
                            google::protobuf::Empty* response) override;
  grpc::Status EvaluatePolicies(
      grpc::ServerContext* context, const v1::EvaluatePoliciesRequest* request,
      v1::EvaluatePoliciesResponse* response) override;
  grpc::Status SimulatePolicy(
      grpc::ServerContext* context, const v1::SimulatePolicyRequest* request,
      grpc::ServerWriter<v1::SimulatePolicyResponse>* writer) override;

 private:
  const CallRunner& runner_;
  core::Governance& governance_;
};

class ContractServiceImpl final : public v1::ContractService::Service {
 public:
  ContractServiceImpl(const CallRunner& runner, core::Contracts& contracts)
      : runner_(runner), contracts_(contracts) {}
  grpc::Status PublishContract(grpc::ServerContext* context,
                               const v1::PublishContractRequest* request,
                               v1::PublishContractResponse* response) override;
  grpc::Status GetContract(grpc::ServerContext* context,
                           const v1::GetContractRequest* request,
                           v1::Contract* response) override;
  grpc::Status ListContracts(grpc::ServerContext* context,
                             const v1::ListContractsRequest* request,
                             v1::ListContractsResponse* response) override;
  grpc::Status ListContractVersions(
      grpc::ServerContext* context,
      const v1::ListContractVersionsRequest* request,
      v1::ListContractVersionsResponse* response) override;
  grpc::Status GetContractVersion(grpc::ServerContext* context,
                                  const v1::GetContractVersionRequest* request,
                                  v1::ContractVersion* response) override;
  grpc::Status CheckContractCompatibility(
      grpc::ServerContext* context,
      const v1::CheckContractCompatibilityRequest* request,
      v1::CheckContractCompatibilityResponse* response) override;
  grpc::Status DeprecateContract(grpc::ServerContext* context,
                                 const v1::DeprecateContractRequest* request,
                                 v1::Contract* response) override;

 private:
  const CallRunner& runner_;
  core::Contracts& contracts_;
};

// Access requests, grants and CheckAccess over core::Access. `clock` gives
// the "now" that grants' states are reported as of; `metrics`, if not null,
// counts CheckAccess verdicts (allowed / denied).
class AccessServiceImpl final : public v1::AccessService::Service {
 public:
  AccessServiceImpl(const CallRunner& runner, core::Access& access,
                    const Clock& clock, Metrics* metrics = nullptr)
      : runner_(runner), access_(access), clock_(clock), metrics_(metrics) {}
  grpc::Status RequestAccess(grpc::ServerContext* context,
                             const v1::RequestAccessRequest* request,
                             v1::AccessRequest* response) override;
  grpc::Status GetAccessRequest(grpc::ServerContext* context,
                                const v1::GetAccessRequestRequest* request,
                                v1::AccessRequest* response) override;
  grpc::Status ListAccessRequests(
      grpc::ServerContext* context,
      const v1::ListAccessRequestsRequest* request,
      v1::ListAccessRequestsResponse* response) override;
  grpc::Status ApproveAccessRequest(
      grpc::ServerContext* context,
      const v1::ApproveAccessRequestRequest* request,
      v1::AccessRequest* response) override;
  grpc::Status DenyAccessRequest(grpc::ServerContext* context,
                                 const v1::DenyAccessRequestRequest* request,
                                 v1::AccessRequest* response) override;
  grpc::Status WithdrawAccessRequest(
      grpc::ServerContext* context,
      const v1::WithdrawAccessRequestRequest* request,
      v1::AccessRequest* response) override;
  grpc::Status ListGrants(grpc::ServerContext* context,
                          const v1::ListGrantsRequest* request,
                          v1::ListGrantsResponse* response) override;
  grpc::Status RevokeGrant(grpc::ServerContext* context,
                           const v1::RevokeGrantRequest* request,
                           v1::Grant* response) override;
  grpc::Status CheckAccess(grpc::ServerContext* context,
                           const v1::CheckAccessRequest* request,
                           v1::CheckAccessResponse* response) override;
  grpc::Status BatchCheckAccess(
      grpc::ServerContext* context, const v1::BatchCheckAccessRequest* request,
      v1::BatchCheckAccessResponse* response) override;

 private:
  void CountVerdicts(const std::vector<core::AccessVerdict>& verdicts) const;

  const CallRunner& runner_;
  core::Access& access_;
  const Clock& clock_;
  Metrics* metrics_;
};

// ServiceLevelService over core::ServiceLevels.
class ServiceLevelServiceImpl final : public v1::ServiceLevelService::Service {
 public:
  ServiceLevelServiceImpl(const CallRunner& runner, core::ServiceLevels& slo)
      : runner_(runner), slo_(slo) {}
  grpc::Status ReportObservations(
      grpc::ServerContext* context,
      const v1::ReportObservationsRequest* request,
      v1::ReportObservationsResponse* response) override;
  grpc::Status GetServiceLevelStatus(
      grpc::ServerContext* context,
      const v1::GetServiceLevelStatusRequest* request,
      v1::ServiceLevelStatus* response) override;
  grpc::Status ListBreaches(grpc::ServerContext* context,
                            const v1::ListBreachesRequest* request,
                            v1::ListBreachesResponse* response) override;

 private:
  const CallRunner& runner_;
  core::ServiceLevels& slo_;
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_SERVICES_H_
