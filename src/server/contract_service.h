// ContractService over core::Contracts: data contracts and their versions. The
// handlers are thin: CallRunner (server/call.h) authenticates and builds the
// request context; each handler decodes the proto, calls core and encodes the
// result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_CONTRACT_SERVICE_H_
#define MESHPLANE_SERVER_CONTRACT_SERVICE_H_

#include <memory>

#include "server/call.h"
#include <grpcpp/impl/service_type.h>

#include "meshplane/core/contracts.h"

namespace meshplane::server {

// The ContractService handlers, for grpc::ServerBuilder::RegisterService.
std::unique_ptr<grpc::Service> NewContractService(const CallRunner& runner,
                                                  core::Contracts& contracts);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_CONTRACT_SERVICE_H_
