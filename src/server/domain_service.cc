// DomainService: decode, call core::Registry, encode.
#include "server/domain_service.h"

#include <memory>

#include "server/common_codec.h"
#include "server/domain_codec.h"
#include "server/standard_methods.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/v1/domain.grpc.pb.h"

namespace meshplane::server {
namespace {

class DomainServiceImpl final : public v1::DomainService::Service {
 public:
  DomainServiceImpl(const CallRunner& runner, core::Registry& registry)
      : runner_(runner), registry_(registry) {}

  grpc::Status CreateDomain(grpc::ServerContext* context,
                            const v1::CreateDomainRequest* request,
                            v1::Domain* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          Violations v;
          v.AddStatus("domain_id",
                      model::ValidateId("domain_id", request->domain_id()));
          auto domain = DecodeDomain(request->domain(), "domain");
          v.AddStatus("domain", domain.status());
          MP_RETURN_IF_ERROR(v.ToStatus());
          domain->id = request->domain_id();  // AIP-133: the name is ignored
          MP_ASSIGN_OR_RETURN(model::Domain created,
                              registry_.CreateDomain(ctx, *std::move(domain)));
          SetWritten(ctx, EncodeDomain(created), response);
          return absl::OkStatus();
        });
  }

  grpc::Status GetDomain(grpc::ServerContext* context,
                         const v1::GetDomainRequest* request,
                         v1::Domain* response) override {
    return RunNamed(
        runner_, context, *request, DomainIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return registry_.GetDomain(ctx, id);
        },
        EncodeDomain, response);
  }

  grpc::Status ListDomains(grpc::ServerContext* context,
                           const v1::ListDomainsRequest* request,
                           v1::ListDomainsResponse* response) override {
    return RunList(
        runner_, context, *request,
        [&](const core::RequestContext& ctx, const core::ListQuery& query) {
          return registry_.ListDomains(ctx, query);
        },
        response->mutable_domains(), EncodeDomain, response);
  }

  grpc::Status UpdateDomain(grpc::ServerContext* context,
                            const v1::UpdateDomainRequest* request,
                            v1::Domain* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(
              auto update,
              DecodeUpdate("domain", request->domain(), request->update_mask(),
                           "the domain to update, domains/{domain}",
                           DecodeDomain, DomainUpdatableFields()));
          MP_ASSIGN_OR_RETURN(
              model::Domain updated,
              registry_.UpdateDomain(ctx, update.patch, update.mask,
                                     request->domain().etag()));
          SetWritten(ctx, EncodeDomain(updated), response);
          return absl::OkStatus();
        });
  }

  grpc::Status DeleteDomain(grpc::ServerContext* context,
                            const v1::DeleteDomainRequest* request,
                            google::protobuf::Empty* /*response*/) override {
    return RunDelete(
        runner_, context, *request, DomainIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return registry_.DeleteDomain(ctx, id, request->etag());
        });
  }

 private:
  const CallRunner& runner_;
  core::Registry& registry_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewDomainService(const CallRunner& runner,
                                                core::Registry& registry) {
  return std::make_unique<DomainServiceImpl>(runner, registry);
}

}  // namespace meshplane::server
