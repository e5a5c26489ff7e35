// AccessService: decode, call core::Access, encode.
#include "server/access_service.h"

#include <memory>
#include <utility>
#include <vector>

#include "server/access_codec.h"
#include "server/common_codec.h"
#include "server/standard_methods.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/v1/access.grpc.pb.h"

namespace meshplane::server {
namespace {

class AccessServiceImpl final : public v1::AccessService::Service {
 public:
  AccessServiceImpl(const CallRunner& runner, core::Access& access,
                    const Clock& clock, Metrics* metrics = nullptr)
      : runner_(runner), access_(access), clock_(clock), metrics_(metrics) {}

  grpc::Status RequestAccess(grpc::ServerContext* context,
                             const v1::RequestAccessRequest* request,
                             v1::AccessRequest* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(
              model::AccessRequest r,
              DecodeAccessRequest(request->access_request(), "access_request"));
          MP_ASSIGN_OR_RETURN(model::AccessRequest filed,
                              access_.RequestAccess(ctx, std::move(r)));
          MP_ASSIGN_OR_RETURN(*response, EncodeAccessRequest(filed));
          return absl::OkStatus();
        });
  }

  grpc::Status GetAccessRequest(grpc::ServerContext* context,
                                const v1::GetAccessRequestRequest* request,
                                v1::AccessRequest* response) override {
    return RunNamed(
        runner_, context, *request, AccessRequestIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return access_.GetAccessRequest(ctx, id);
        },
        EncodeAccessRequest, response);
  }

  grpc::Status ListAccessRequests(
      grpc::ServerContext* context,
      const v1::ListAccessRequestsRequest* request,
      v1::ListAccessRequestsResponse* response) override {
    return RunList(
        runner_, context, *request,
        [&](const core::RequestContext& ctx, const core::ListQuery& query) {
          return access_.ListAccessRequests(ctx, query);
        },
        response->mutable_access_requests(), EncodeAccessRequest, response);
  }

  grpc::Status ApproveAccessRequest(
      grpc::ServerContext* context,
      const v1::ApproveAccessRequestRequest* request,
      v1::AccessRequest* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          Violations v;
          auto id = AccessRequestIdFromName("name", request->name());
          v.AddStatus("name", id.status());
          absl::Duration duration = absl::ZeroDuration();
          if (request->has_duration()) {
            duration = DecodeDuration(request->duration(), "duration", v);
          }
          MP_RETURN_IF_ERROR(v.ToStatus());
          MP_ASSIGN_OR_RETURN(model::AccessRequest r,
                              access_.Approve(ctx, *id, request->comment(),
                                              duration, request->etag()));
          MP_ASSIGN_OR_RETURN(*response, EncodeAccessRequest(r));
          return absl::OkStatus();
        });
  }

  grpc::Status DenyAccessRequest(grpc::ServerContext* context,
                                 const v1::DenyAccessRequestRequest* request,
                                 v1::AccessRequest* response) override {
    return RunNamed(
        runner_, context, *request, AccessRequestIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return access_.Deny(ctx, id, request->comment(), request->etag());
        },
        EncodeAccessRequest, response);
  }

  grpc::Status WithdrawAccessRequest(
      grpc::ServerContext* context,
      const v1::WithdrawAccessRequestRequest* request,
      v1::AccessRequest* response) override {
    return RunNamed(
        runner_, context, *request, AccessRequestIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return access_.Withdraw(ctx, id, request->etag());
        },
        EncodeAccessRequest, response);
  }

  grpc::Status ListGrants(grpc::ServerContext* context,
                          const v1::ListGrantsRequest* request,
                          v1::ListGrantsResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(core::ListQuery query, ListQueryOf(*request));
          MP_ASSIGN_OR_RETURN(auto page, access_.ListGrants(ctx, query));
          const absl::Time now = clock_.Now();
          return EncodePage(
              page, response->mutable_grants(),
              [now](const model::Grant& g) { return EncodeGrant(g, now); },
              response);
        });
  }

  grpc::Status RevokeGrant(grpc::ServerContext* context,
                           const v1::RevokeGrantRequest* request,
                           v1::Grant* response) override {
    return RunNamed(
        runner_, context, *request, GrantIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return access_.RevokeGrant(ctx, id, request->reason());
        },
        [&](const model::Grant& g) { return EncodeGrant(g, clock_.Now()); },
        response);
  }

  grpc::Status CheckAccess(grpc::ServerContext* context,
                           const v1::CheckAccessRequest* request,
                           v1::CheckAccessResponse* response) override {
    return runner_.Run(context, *request,
                       [&](const core::RequestContext& ctx) -> absl::Status {
                         MP_ASSIGN_OR_RETURN(core::AccessQuestion q,
                                             DecodeCheck(*request, ""));
                         MP_ASSIGN_OR_RETURN(core::AccessVerdict verdict,
                                             access_.Check(ctx, q));
                         CountVerdicts({verdict});
                         *response = EncodeVerdict(verdict);
                         return absl::OkStatus();
                       });
  }

  grpc::Status BatchCheckAccess(
      grpc::ServerContext* context, const v1::BatchCheckAccessRequest* request,
      v1::BatchCheckAccessResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          std::vector<core::AccessQuestion> questions;
          questions.reserve(request->checks_size());
          for (int i = 0; i < request->checks_size(); ++i) {
            MP_ASSIGN_OR_RETURN(core::AccessQuestion q,
                                DecodeCheck(request->checks(i),
                                            absl::StrCat("checks[", i, "].")));
            questions.push_back(std::move(q));
          }
          MP_ASSIGN_OR_RETURN(std::vector<core::AccessVerdict> verdicts,
                              access_.BatchCheck(ctx, questions));
          CountVerdicts(verdicts);
          for (const auto& v : verdicts)
            *response->add_results() = EncodeVerdict(v);
          return absl::OkStatus();
        });
  }

 private:
  void CountVerdicts(const std::vector<core::AccessVerdict>& verdicts) const {
    if (metrics_ == nullptr) return;
    int64_t allowed = 0;
    for (const auto& v : verdicts) allowed += v.allowed ? 1 : 0;
    metrics_->RecordAccessChecks(
        allowed, static_cast<int64_t>(verdicts.size()) - allowed);
  }

  const CallRunner& runner_;
  core::Access& access_;
  const Clock& clock_;
  Metrics* metrics_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewAccessService(const CallRunner& runner,
                                                core::Access& access,
                                                const Clock& clock,
                                                Metrics* metrics) {
  return std::make_unique<AccessServiceImpl>(runner, access, clock, metrics);
}

}  // namespace meshplane::server
