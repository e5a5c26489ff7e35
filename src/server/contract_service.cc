// ContractService: decode, call core::Contracts, encode.
#include "server/contract_service.h"

#include "server/common_codec.h"
#include "server/contract_codec.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::server {
grpc::Status ContractServiceImpl::PublishContract(
    grpc::ServerContext* context, const v1::PublishContractRequest* request,
    v1::PublishContractResponse* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        core::PublishRequest publish;
        if (!request->data_product().empty()) {
          MP_ASSIGN_OR_RETURN(
              publish.product,
              model::ParseProductName("data_product", request->data_product()));
        }
        publish.yaml = request->yaml();
        publish.mode = ModeName(request->compatibility_mode());
        publish.labels.insert(request->labels().begin(),
                              request->labels().end());
        MP_ASSIGN_OR_RETURN(core::PublishResult result,
                            contracts_.Publish(ctx, std::move(publish)));
        *response->mutable_contract() = EncodeContract(result.contract);
        MP_ASSIGN_OR_RETURN(*response->mutable_version(),
                            EncodeContractVersion(result.version));
        MP_ASSIGN_OR_RETURN(*response->mutable_report(),
                            EncodeReport(result.report));
        return absl::OkStatus();
      });
}

grpc::Status ContractServiceImpl::GetContract(
    grpc::ServerContext* context, const v1::GetContractRequest* request,
    v1::Contract* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(std::string id,
                            ContractIdFromName("name", request->name()));
        MP_ASSIGN_OR_RETURN(model::Contract c, contracts_.GetContract(ctx, id));
        *response = EncodeContract(c);
        return absl::OkStatus();
      });
}

grpc::Status ContractServiceImpl::ListContracts(
    grpc::ServerContext* context, const v1::ListContractsRequest* request,
    v1::ListContractsResponse* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(
            core::ListQuery query,
            MakeListQuery(request->page_size(), request->page_token(),
                          request->filter()));
        MP_ASSIGN_OR_RETURN(auto page, contracts_.ListContracts(ctx, query));
        for (const auto& c : page.items) {
          *response->add_contracts() = EncodeContract(c);
        }
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status ContractServiceImpl::ListContractVersions(
    grpc::ServerContext* context,
    const v1::ListContractVersionsRequest* request,
    v1::ListContractVersionsResponse* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(std::string id,
                            ContractIdFromName("parent", request->parent()));
        MP_ASSIGN_OR_RETURN(
            core::ListQuery query,
            MakeListQuery(request->page_size(), request->page_token(), ""));
        MP_ASSIGN_OR_RETURN(
            auto page,
            contracts_.ListVersions(ctx, id, query, request->omit_documents()));
        for (const auto& v : page.items) {
          MP_ASSIGN_OR_RETURN(*response->add_contract_versions(),
                              EncodeContractVersion(v));
        }
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status ContractServiceImpl::GetContractVersion(
    grpc::ServerContext* context, const v1::GetContractVersionRequest* request,
    v1::ContractVersion* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(auto key,
                            ContractVersionFromName("name", request->name()));
        MP_ASSIGN_OR_RETURN(model::ContractVersion v,
                            contracts_.GetVersion(ctx, key.first, key.second));
        MP_ASSIGN_OR_RETURN(*response, EncodeContractVersion(v));
        return absl::OkStatus();
      });
}

grpc::Status ContractServiceImpl::CheckContractCompatibility(
    grpc::ServerContext* context,
    const v1::CheckContractCompatibilityRequest* request,
    v1::CheckContractCompatibilityResponse* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(
            core::CompatibilityReport report,
            contracts_.CheckCompatibility(
                ctx, request->yaml(), ModeName(request->compatibility_mode()),
                request->against_version()));
        MP_ASSIGN_OR_RETURN(*response->mutable_report(), EncodeReport(report));
        return absl::OkStatus();
      });
}

grpc::Status ContractServiceImpl::DeprecateContract(
    grpc::ServerContext* context, const v1::DeprecateContractRequest* request,
    v1::Contract* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(std::string id,
                            ContractIdFromName("name", request->name()));
        MP_ASSIGN_OR_RETURN(
            model::Contract c,
            contracts_.Deprecate(ctx, id, request->message(), request->etag()));
        *response = EncodeContract(c);
        return absl::OkStatus();
      });
}

}  // namespace meshplane::server
