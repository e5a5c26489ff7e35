// IdentityService over core::Identity: API tokens and the caller's identity.
// The handlers are thin: CallRunner (server/call.h) authenticates and builds
// the request context; each handler decodes the proto, calls core and encodes
// the result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_IDENTITY_SERVICE_H_
#define MESHPLANE_SERVER_IDENTITY_SERVICE_H_

#include <memory>

#include "server/call.h"
#include <grpcpp/impl/service_type.h>

#include "meshplane/core/identity.h"

namespace meshplane::server {

// The IdentityService handlers, for grpc::ServerBuilder::RegisterService.
std::unique_ptr<grpc::Service> NewIdentityService(const CallRunner& runner,
                                                  core::Identity& identity);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_IDENTITY_SERVICE_H_
