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

#include <memory>

#include "server/call.h"
#include <grpcpp/impl/service_type.h>

#include "meshplane/core/registry.h"
#include "meshplane/core/slo.h"

namespace meshplane::server {

// The DataProductService handlers, for grpc::ServerBuilder::RegisterService.
// GetDataProduct fills each port's service_level_status from `slo` when it
// is not null.
std::unique_ptr<grpc::Service> NewDataProductService(
    const CallRunner& runner, core::Registry& registry,
    core::ServiceLevels* slo = nullptr);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_DATA_PRODUCT_SERVICE_H_
