// IdentityService: decode, call core::Identity, encode.
#include "server/identity_service.h"

#include <memory>
#include <optional>

#include "server/common_codec.h"
#include "server/identity_codec.h"
#include "server/standard_methods.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/v1/identity.grpc.pb.h"

namespace meshplane::server {
namespace {

class IdentityServiceImpl final : public v1::IdentityService::Service {
 public:
  IdentityServiceImpl(const CallRunner& runner, core::Identity& identity)
      : runner_(runner), identity_(identity) {}

  grpc::Status CreateToken(grpc::ServerContext* context,
                           const v1::CreateTokenRequest* request,
                           v1::CreateTokenResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          Violations v;
          if (!request->principal().empty()) {
            v.AddStatus("principal", model::ValidatePrincipal(
                                         "principal", request->principal()));
          }
          std::optional<absl::Duration> ttl;
          if (request->has_ttl()) {
            ttl = DecodeDuration(request->ttl(), "ttl", v);
            if (v.empty() && *ttl <= absl::ZeroDuration()) {
              v.Add("ttl", "must be positive (leave it unset for no expiry)");
            }
          }
          MP_RETURN_IF_ERROR(v.ToStatus());
          MP_ASSIGN_OR_RETURN(core::CreatedToken created,
                              identity_.CreateToken(ctx, request->principal(),
                                                    request->description(), ttl,
                                                    request->platform_admin()));
          *response->mutable_token() = EncodeToken(created.token);
          response->set_secret(created.secret);
          return absl::OkStatus();
        });
  }

  grpc::Status ListTokens(grpc::ServerContext* context,
                          const v1::ListTokensRequest* request,
                          v1::ListTokensResponse* response) override {
    return RunList(
        runner_, context, *request,
        [&](const core::RequestContext& ctx, const core::ListQuery& query) {
          return identity_.ListTokens(ctx, request->principal(), query);
        },
        response->mutable_tokens(), EncodeToken, response);
  }

  grpc::Status RevokeToken(grpc::ServerContext* context,
                           const v1::RevokeTokenRequest* request,
                           v1::Token* response) override {
    return RunNamed(
        runner_, context, *request, TokenIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return identity_.RevokeToken(ctx, id);
        },
        EncodeToken, response);
  }

  grpc::Status GetCallerIdentity(grpc::ServerContext* context,
                                 const v1::GetCallerIdentityRequest* request,
                                 v1::CallerIdentity* response) override {
    return runner_.Run(context, *request,
                       [&](const core::RequestContext& ctx) -> absl::Status {
                         *response = EncodeCaller(ctx.principal);
                         return absl::OkStatus();
                       });
  }

 private:
  const CallRunner& runner_;
  core::Identity& identity_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewIdentityService(const CallRunner& runner,
                                                  core::Identity& identity) {
  return std::make_unique<IdentityServiceImpl>(runner, identity);
}

}  // namespace meshplane::server
