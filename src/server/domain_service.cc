// DomainService: decode, call core::Registry, encode.
#include "server/domain_service.h"

#include "server/common_codec.h"
#include "server/domain_codec.h"
#include "server/policy_codec.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::server {
grpc::Status DomainServiceImpl::CreateDomain(
    grpc::ServerContext* context, const v1::CreateDomainRequest* request,
    v1::Domain* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        Violations v;
        v.AddStatus("domain_id",
                    model::ValidateId("domain_id", request->domain_id()));
        auto domain = DecodeDomain(request->domain(), "domain");
        v.AddStatus("domain", domain.status());
        MP_RETURN_IF_ERROR(v.ToStatus());
        domain->id = request->domain_id();  // AIP-133: the name is ignored
        MP_ASSIGN_OR_RETURN(model::Domain created,
                            registry_.CreateDomain(ctx, *std::move(domain)));
        *response = EncodeDomain(created);
        AddWarnings(ctx, response->mutable_warnings());
        return absl::OkStatus();
      });
}

grpc::Status DomainServiceImpl::GetDomain(grpc::ServerContext* context,
                                          const v1::GetDomainRequest* request,
                                          v1::Domain* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(std::string id,
                            DomainIdFromName("name", request->name()));
        MP_ASSIGN_OR_RETURN(model::Domain d, registry_.GetDomain(ctx, id));
        *response = EncodeDomain(d);
        return absl::OkStatus();
      });
}

grpc::Status DomainServiceImpl::ListDomains(
    grpc::ServerContext* context, const v1::ListDomainsRequest* request,
    v1::ListDomainsResponse* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(
            core::ListQuery query,
            MakeListQuery(request->page_size(), request->page_token(),
                          request->filter()));
        MP_ASSIGN_OR_RETURN(auto page, registry_.ListDomains(ctx, query));
        for (const auto& d : page.items) {
          *response->add_domains() = EncodeDomain(d);
        }
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status DomainServiceImpl::UpdateDomain(
    grpc::ServerContext* context, const v1::UpdateDomainRequest* request,
    v1::Domain* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        Violations v;
        if (request->domain().name().empty()) {
          v.Add("domain.name",
                "is required: the domain to update, domains/{domain}");
        }
        auto patch = DecodeDomain(request->domain(), "domain");
        v.AddStatus("domain", patch.status());
        auto mask = ResolveUpdateMask(request->update_mask(), request->domain(),
                                      DomainUpdatableFields());
        v.AddStatus("update_mask", mask.status());
        if (mask.ok() && mask->paths.empty()) {
          v.Add("update_mask",
                "nothing to update: update_mask is empty and no updatable "
                "field is set");
        }
        MP_RETURN_IF_ERROR(v.ToStatus());
        MP_ASSIGN_OR_RETURN(model::Domain updated,
                            registry_.UpdateDomain(ctx, *patch, *mask,
                                                   request->domain().etag()));
        *response = EncodeDomain(updated);
        AddWarnings(ctx, response->mutable_warnings());
        return absl::OkStatus();
      });
}

grpc::Status DomainServiceImpl::DeleteDomain(
    grpc::ServerContext* context, const v1::DeleteDomainRequest* request,
    google::protobuf::Empty* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(std::string id,
                            DomainIdFromName("name", request->name()));
        return registry_.DeleteDomain(ctx, id, request->etag());
      });
}

}  // namespace meshplane::server
