// The gRPC methods core writes under. The transport names the method it
// serves in RequestContext::method; when that is empty (in-process callers,
// unit tests) core falls back on the names below, so that audit records,
// request-id records and request fingerprints carry the same full name
// either way. This table is the one place core spells the services.
#ifndef MESHPLANE_CORE_RPC_NAMES_H_
#define MESHPLANE_CORE_RPC_NAMES_H_

#include <string>

#include "meshplane/core/context.h"

namespace meshplane::core::internal {

struct RpcName {
  const char* service;  // "DomainService"
  const char* method;   // "CreateDomain"

  // "meshplane.v1.DomainService/CreateDomain".
  std::string Full() const;
};

// ctx.method when the transport set it, else the full name of `rpc`.
std::string MethodOf(const RequestContext& ctx, const RpcName& rpc);

namespace rpc {

inline constexpr char kDomainService[] = "DomainService";
inline constexpr char kTeamService[] = "TeamService";
inline constexpr char kDataProductService[] = "DataProductService";
inline constexpr char kPolicyService[] = "PolicyService";
inline constexpr char kContractService[] = "ContractService";
inline constexpr char kAccessService[] = "AccessService";
inline constexpr char kIdentityService[] = "IdentityService";
inline constexpr char kEventService[] = "EventService";
inline constexpr char kServiceLevelService[] = "ServiceLevelService";

inline constexpr RpcName kCreateDomain{kDomainService, "CreateDomain"};
inline constexpr RpcName kUpdateDomain{kDomainService, "UpdateDomain"};
inline constexpr RpcName kDeleteDomain{kDomainService, "DeleteDomain"};

inline constexpr RpcName kCreateTeam{kTeamService, "CreateTeam"};
inline constexpr RpcName kUpdateTeam{kTeamService, "UpdateTeam"};
inline constexpr RpcName kDeleteTeam{kTeamService, "DeleteTeam"};
inline constexpr RpcName kAddTeamMember{kTeamService, "AddTeamMember"};
inline constexpr RpcName kRemoveTeamMember{kTeamService, "RemoveTeamMember"};

inline constexpr RpcName kCreateDataProduct{kDataProductService,
                                            "CreateDataProduct"};
inline constexpr RpcName kUpdateDataProduct{kDataProductService,
                                            "UpdateDataProduct"};
inline constexpr RpcName kDeleteDataProduct{kDataProductService,
                                            "DeleteDataProduct"};
inline constexpr RpcName kPublishDataProduct{kDataProductService,
                                             "PublishDataProduct"};
inline constexpr RpcName kDeprecateDataProduct{kDataProductService,
                                               "DeprecateDataProduct"};
inline constexpr RpcName kRetireDataProduct{kDataProductService,
                                            "RetireDataProduct"};

inline constexpr RpcName kCreatePolicy{kPolicyService, "CreatePolicy"};
inline constexpr RpcName kUpdatePolicy{kPolicyService, "UpdatePolicy"};
inline constexpr RpcName kDeletePolicy{kPolicyService, "DeletePolicy"};
inline constexpr RpcName kCreateWaiver{kPolicyService, "CreateWaiver"};
inline constexpr RpcName kDeleteWaiver{kPolicyService, "DeleteWaiver"};
inline constexpr RpcName kEvaluatePolicies{kPolicyService, "EvaluatePolicies"};

inline constexpr RpcName kPublishContract{kContractService, "PublishContract"};
inline constexpr RpcName kDeprecateContract{kContractService,
                                            "DeprecateContract"};

inline constexpr RpcName kRequestAccess{kAccessService, "RequestAccess"};
inline constexpr RpcName kApproveAccessRequest{kAccessService,
                                               "ApproveAccessRequest"};
inline constexpr RpcName kDenyAccessRequest{kAccessService,
                                            "DenyAccessRequest"};
inline constexpr RpcName kWithdrawAccessRequest{kAccessService,
                                                "WithdrawAccessRequest"};
inline constexpr RpcName kRevokeGrant{kAccessService, "RevokeGrant"};
inline constexpr RpcName kCheckAccess{kAccessService, "CheckAccess"};

inline constexpr RpcName kCreateToken{kIdentityService, "CreateToken"};
inline constexpr RpcName kRevokeToken{kIdentityService, "RevokeToken"};

inline constexpr RpcName kCreateWebhook{kEventService, "CreateWebhook"};
inline constexpr RpcName kDeleteWebhook{kEventService, "DeleteWebhook"};

inline constexpr RpcName kReportObservations{kServiceLevelService,
                                             "ReportObservations"};

}  // namespace rpc
}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_RPC_NAMES_H_
