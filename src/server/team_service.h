// TeamService over core::Registry: teams and their members. The handlers are
// thin: CallRunner (server/call.h) authenticates and builds the request
// context; each handler decodes the proto, calls core and encodes the result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_TEAM_SERVICE_H_
#define MESHPLANE_SERVER_TEAM_SERVICE_H_

#include <memory>

#include "server/call.h"
#include <grpcpp/impl/service_type.h>

#include "meshplane/core/registry.h"

namespace meshplane::server {

// The TeamService handlers, for grpc::ServerBuilder::RegisterService.
std::unique_ptr<grpc::Service> NewTeamService(const CallRunner& runner,
                                              core::Registry& registry);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_TEAM_SERVICE_H_
