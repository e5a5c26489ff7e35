// DomainService over core::Registry: domains.
// Handlers are thin: CallRunner (server/call.h) authenticates and builds
// the request context; each handler decodes the proto, calls core and
// encodes the result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_DOMAIN_SERVICE_H_
#define MESHPLANE_SERVER_DOMAIN_SERVICE_H_

#include "server/call.h"

#include "meshplane/core/registry.h"
#include "meshplane/v1/domain.grpc.pb.h"

namespace meshplane::server {

class DomainServiceImpl final : public v1::DomainService::Service {
 public:
  DomainServiceImpl(const CallRunner& runner, core::Registry& registry)
      : runner_(runner), registry_(registry) {}

  grpc::Status CreateDomain(grpc::ServerContext* context,
                            const v1::CreateDomainRequest* request,
                            v1::Domain* response) override;
  grpc::Status GetDomain(grpc::ServerContext* context,
                         const v1::GetDomainRequest* request,
                         v1::Domain* response) override;
  grpc::Status ListDomains(grpc::ServerContext* context,
                           const v1::ListDomainsRequest* request,
                           v1::ListDomainsResponse* response) override;
  grpc::Status UpdateDomain(grpc::ServerContext* context,
                            const v1::UpdateDomainRequest* request,
                            v1::Domain* response) override;
  grpc::Status DeleteDomain(grpc::ServerContext* context,
                            const v1::DeleteDomainRequest* request,
                            google::protobuf::Empty* response) override;

 private:
  const CallRunner& runner_;
  core::Registry& registry_;
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_DOMAIN_SERVICE_H_
