// ServiceLevelService over core::ServiceLevels. The handlers are thin:
// CallRunner (server/call.h) authenticates and builds the request context; each
// handler decodes the proto, calls core and encodes the result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_SLO_SERVICE_H_
#define MESHPLANE_SERVER_SLO_SERVICE_H_

#include "server/call.h"

#include "meshplane/core/slo.h"
#include "meshplane/v1/slo.grpc.pb.h"

namespace meshplane::server {

// ServiceLevelService over core::ServiceLevels.
class ServiceLevelServiceImpl final : public v1::ServiceLevelService::Service {
 public:
  ServiceLevelServiceImpl(const CallRunner& runner, core::ServiceLevels& slo)
      : runner_(runner), slo_(slo) {}
  grpc::Status ReportObservations(
      grpc::ServerContext* context,
      const v1::ReportObservationsRequest* request,
      v1::ReportObservationsResponse* response) override;
  grpc::Status GetServiceLevelStatus(
      grpc::ServerContext* context,
      const v1::GetServiceLevelStatusRequest* request,
      v1::ServiceLevelStatus* response) override;
  grpc::Status ListBreaches(grpc::ServerContext* context,
                            const v1::ListBreachesRequest* request,
                            v1::ListBreachesResponse* response) override;

 private:
  const CallRunner& runner_;
  core::ServiceLevels& slo_;
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_SLO_SERVICE_H_
