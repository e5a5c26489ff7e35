// DataProductService over core::Registry: data products, their lifecycle,
// search and lineage.
// Handlers are thin: CallRunner (server/call.h) authenticates and builds
// the request context; each handler decodes the proto, calls core and
// encodes the result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_DATA_PRODUCT_SERVICE_H_
#define MESHPLANE_SERVER_DATA_PRODUCT_SERVICE_H_

#include "server/call.h"

#include "meshplane/core/registry.h"
#include "meshplane/core/slo.h"
#include "meshplane/v1/data_product.grpc.pb.h"

namespace meshplane::server {

// GetDataProduct fills each port's service_level_status from `slo` when it
// is not null.
class DataProductServiceImpl final : public v1::DataProductService::Service {
 public:
  DataProductServiceImpl(const CallRunner& runner, core::Registry& registry,
                         core::ServiceLevels* slo = nullptr)
      : runner_(runner), registry_(registry), slo_(slo) {}

  grpc::Status CreateDataProduct(grpc::ServerContext* context,
                                 const v1::CreateDataProductRequest* request,
                                 v1::DataProduct* response) override;
  grpc::Status GetDataProduct(grpc::ServerContext* context,
                              const v1::GetDataProductRequest* request,
                              v1::DataProduct* response) override;
  grpc::Status ListDataProducts(
      grpc::ServerContext* context, const v1::ListDataProductsRequest* request,
      v1::ListDataProductsResponse* response) override;
  grpc::Status SearchDataProducts(
      grpc::ServerContext* context,
      const v1::SearchDataProductsRequest* request,
      v1::SearchDataProductsResponse* response) override;
  grpc::Status UpdateDataProduct(grpc::ServerContext* context,
                                 const v1::UpdateDataProductRequest* request,
                                 v1::DataProduct* response) override;
  grpc::Status DeleteDataProduct(grpc::ServerContext* context,
                                 const v1::DeleteDataProductRequest* request,
                                 google::protobuf::Empty* response) override;
  grpc::Status PublishDataProduct(grpc::ServerContext* context,
                                  const v1::PublishDataProductRequest* request,
                                  v1::DataProduct* response) override;
  grpc::Status DeprecateDataProduct(
      grpc::ServerContext* context,
      const v1::DeprecateDataProductRequest* request,
      v1::DataProduct* response) override;
  grpc::Status RetireDataProduct(grpc::ServerContext* context,
                                 const v1::RetireDataProductRequest* request,
                                 v1::DataProduct* response) override;
  grpc::Status GetLineage(grpc::ServerContext* context,
                          const v1::GetLineageRequest* request,
                          v1::GetLineageResponse* response) override;

 private:
  const CallRunner& runner_;
  core::Registry& registry_;
  core::ServiceLevels* slo_;
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_DATA_PRODUCT_SERVICE_H_
