// IdentityService over core::Identity: API tokens and the caller's identity.
// The handlers are thin: CallRunner (server/call.h) authenticates and builds
// the request context; each handler decodes the proto, calls core and encodes
// the result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_IDENTITY_SERVICE_H_
#define MESHPLANE_SERVER_IDENTITY_SERVICE_H_

#include "server/call.h"

#include "meshplane/core/identity.h"
#include "meshplane/v1/identity.grpc.pb.h"

namespace meshplane::server {

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

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_IDENTITY_SERVICE_H_
