// AccessService over core::Access: access requests, grants, CheckAccess. The
// handlers are thin: CallRunner (server/call.h) authenticates and builds the
// request context; each handler decodes the proto, calls core and encodes the
// result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_ACCESS_SERVICE_H_
#define MESHPLANE_SERVER_ACCESS_SERVICE_H_

#include <memory>

#include "server/call.h"
#include <grpcpp/impl/service_type.h>

#include "meshplane/common/clock.h"
#include "meshplane/core/access.h"

namespace meshplane::server {

// The AccessService handlers, for grpc::ServerBuilder::RegisterService.
// Access requests, grants and CheckAccess over core::Access. `clock` gives
// the "now" that grants' states are reported as of; `metrics`, if not null,
// counts CheckAccess verdicts (allowed / denied).
std::unique_ptr<grpc::Service> NewAccessService(const CallRunner& runner,
                                                core::Access& access,
                                                const Clock& clock,
                                                Metrics* metrics = nullptr);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_ACCESS_SERVICE_H_
