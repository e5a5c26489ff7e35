// ContractService over core::Contracts: data contracts and their versions. The
// handlers are thin: CallRunner (server/call.h) authenticates and builds the
// request context; each handler decodes the proto, calls core and encodes the
// result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_CONTRACT_SERVICE_H_
#define MESHPLANE_SERVER_CONTRACT_SERVICE_H_

#include "server/call.h"

#include "meshplane/core/contracts.h"
#include "meshplane/v1/contract.grpc.pb.h"

namespace meshplane::server {

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

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_CONTRACT_SERVICE_H_
