// PolicyService over core::Governance: policies, their revisions, waivers,
// evaluation and simulation.
// Handlers are thin: CallRunner (server/call.h) authenticates and builds
// the request context; each handler decodes the proto, calls core and
// encodes the result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_POLICY_SERVICE_H_
#define MESHPLANE_SERVER_POLICY_SERVICE_H_

#include "server/call.h"

#include "meshplane/core/governance.h"
#include "meshplane/v1/policy.grpc.pb.h"

namespace meshplane::server {

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

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_POLICY_SERVICE_H_
