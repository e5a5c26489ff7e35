// ServiceLevelService over core::ServiceLevels. The handlers are thin:
// CallRunner (server/call.h) authenticates and builds the request context; each
// handler decodes the proto, calls core and encodes the result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_SLO_SERVICE_H_
#define MESHPLANE_SERVER_SLO_SERVICE_H_

#include <memory>

#include "server/call.h"
#include <grpcpp/impl/service_type.h>

#include "meshplane/core/slo.h"

namespace meshplane::server {

// The ServiceLevelService handlers, for grpc::ServerBuilder::RegisterService.
// ServiceLevelService over core::ServiceLevels.
std::unique_ptr<grpc::Service> NewServiceLevelService(const CallRunner& runner,
                                                      core::ServiceLevels& slo);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_SLO_SERVICE_H_
