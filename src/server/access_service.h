// AccessService over core::Access: access requests, grants, CheckAccess. The
// handlers are thin: CallRunner (server/call.h) authenticates and builds the
// request context; each handler decodes the proto, calls core and encodes the
// result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_ACCESS_SERVICE_H_
#define MESHPLANE_SERVER_ACCESS_SERVICE_H_

#include <vector>

#include "server/call.h"

#include "meshplane/common/clock.h"
#include "meshplane/core/access.h"
#include "meshplane/v1/access.grpc.pb.h"

namespace meshplane::server {

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

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_ACCESS_SERVICE_H_
