// ServiceLevelService: decode, call core::ServiceLevels, encode.
#include "server/slo_service.h"

#include <memory>
#include <utility>
#include <vector>

#include "server/common_codec.h"
#include "server/slo_codec.h"
#include "server/standard_methods.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/v1/slo.grpc.pb.h"

namespace meshplane::server {
namespace {

class ServiceLevelServiceImpl final : public v1::ServiceLevelService::Service {
 public:
  ServiceLevelServiceImpl(const CallRunner& runner, core::ServiceLevels& slo)
      : runner_(runner), slo_(slo) {}

  grpc::Status ReportObservations(
      grpc::ServerContext* context,
      const v1::ReportObservationsRequest* request,
      v1::ReportObservationsResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(std::vector<core::ObservationReport> reports,
                              DecodeObservations(*request));
          MP_ASSIGN_OR_RETURN(core::ReportResult result,
                              slo_.ReportObservations(ctx, reports));
          *response = EncodeReportResult(result);
          return absl::OkStatus();
        });
  }

  grpc::Status GetServiceLevelStatus(
      grpc::ServerContext* context,
      const v1::GetServiceLevelStatusRequest* request,
      v1::ServiceLevelStatus* response) override {
    return runner_.Run(context, *request,
                       [&](const core::RequestContext& ctx) -> absl::Status {
                         MP_ASSIGN_OR_RETURN(
                             core::ServiceLevelStatus status,
                             slo_.GetStatus(ctx, request->output_port()));
                         *response = EncodeServiceLevelStatus(status);
                         return absl::OkStatus();
                       });
  }

  grpc::Status ListBreaches(grpc::ServerContext* context,
                            const v1::ListBreachesRequest* request,
                            v1::ListBreachesResponse* response) override {
    return RunList(
        runner_, context, *request,
        [&](const core::RequestContext& ctx, const core::ListQuery& query) {
          return slo_.ListBreaches(ctx, request->parent(), request->open_only(),
                                   query);
        },
        response->mutable_breaches(), EncodeBreach, response);
  }

 private:
  const CallRunner& runner_;
  core::ServiceLevels& slo_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewServiceLevelService(
    const CallRunner& runner, core::ServiceLevels& slo) {
  return std::make_unique<ServiceLevelServiceImpl>(runner, slo);
}

}  // namespace meshplane::server
