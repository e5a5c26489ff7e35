// ContractService: decode, call core::Contracts, encode.
#include "server/contract_service.h"

#include <memory>

#include "server/common_codec.h"
#include "server/contract_codec.h"
#include "server/standard_methods.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/v1/contract.grpc.pb.h"

namespace meshplane::server {
namespace {

class ContractServiceImpl final : public v1::ContractService::Service {
 public:
  ContractServiceImpl(const CallRunner& runner, core::Contracts& contracts)
      : runner_(runner), contracts_(contracts) {}

  grpc::Status PublishContract(grpc::ServerContext* context,
                               const v1::PublishContractRequest* request,
                               v1::PublishContractResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          core::PublishRequest publish;
          if (!request->data_product().empty()) {
            MP_ASSIGN_OR_RETURN(publish.product,
                                model::ParseProductName(
                                    "data_product", request->data_product()));
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

  grpc::Status GetContract(grpc::ServerContext* context,
                           const v1::GetContractRequest* request,
                           v1::Contract* response) override {
    return RunNamed(
        runner_, context, *request, ContractIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return contracts_.GetContract(ctx, id);
        },
        EncodeContract, response);
  }

  grpc::Status ListContracts(grpc::ServerContext* context,
                             const v1::ListContractsRequest* request,
                             v1::ListContractsResponse* response) override {
    return RunList(
        runner_, context, *request,
        [&](const core::RequestContext& ctx, const core::ListQuery& query) {
          return contracts_.ListContracts(ctx, query);
        },
        response->mutable_contracts(), EncodeContract, response);
  }

  grpc::Status ListContractVersions(
      grpc::ServerContext* context,
      const v1::ListContractVersionsRequest* request,
      v1::ListContractVersionsResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(std::string id,
                              ContractIdFromName("parent", request->parent()));
          MP_ASSIGN_OR_RETURN(core::ListQuery query, ListQueryOf(*request));
          MP_ASSIGN_OR_RETURN(
              auto page, contracts_.ListVersions(ctx, id, query,
                                                 request->omit_documents()));
          return EncodePage(page, response->mutable_contract_versions(),
                            EncodeContractVersion, response);
        });
  }

  grpc::Status GetContractVersion(grpc::ServerContext* context,
                                  const v1::GetContractVersionRequest* request,
                                  v1::ContractVersion* response) override {
    return RunNamed(
        runner_, context, *request, ContractVersionFromName,
        [&](const core::RequestContext& ctx,
            const std::pair<std::string, std::string>& key) {
          return contracts_.GetVersion(ctx, key.first, key.second);
        },
        EncodeContractVersion, response);
  }

  grpc::Status CheckContractCompatibility(
      grpc::ServerContext* context,
      const v1::CheckContractCompatibilityRequest* request,
      v1::CheckContractCompatibilityResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(
              core::CompatibilityReport report,
              contracts_.CheckCompatibility(
                  ctx, request->yaml(), ModeName(request->compatibility_mode()),
                  request->against_version()));
          MP_ASSIGN_OR_RETURN(*response->mutable_report(),
                              EncodeReport(report));
          return absl::OkStatus();
        });
  }

  grpc::Status DeprecateContract(grpc::ServerContext* context,
                                 const v1::DeprecateContractRequest* request,
                                 v1::Contract* response) override {
    return RunNamed(
        runner_, context, *request, ContractIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return contracts_.Deprecate(ctx, id, request->message(),
                                      request->etag());
        },
        EncodeContract, response);
  }

 private:
  const CallRunner& runner_;
  core::Contracts& contracts_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewContractService(const CallRunner& runner,
                                                  core::Contracts& contracts) {
  return std::make_unique<ContractServiceImpl>(runner, contracts);
}

}  // namespace meshplane::server
