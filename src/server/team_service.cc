// TeamService: decode, call core::Registry, encode.
#include "server/team_service.h"

#include <memory>

#include "server/common_codec.h"
#include "server/standard_methods.h"
#include "server/team_codec.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane::server {
namespace {

// AddTeamMember and RemoveTeamMember: both fields checked (every violation
// reported), then `change`(ctx, team id).
template <typename Request, typename Change>
grpc::Status ChangeMembership(const CallRunner& runner,
                              grpc::ServerContext* context,
                              const Request& request, Change change,
                              v1::Team* response) {
  return runner.Run(
      context, request, [&](const core::RequestContext& ctx) -> absl::Status {
        Violations v;
        auto id = TeamIdFromName("team", request.team());
        v.AddStatus("team", id.status());
        v.AddStatus("member",
                    model::ValidatePrincipal("member", request.member()));
        MP_RETURN_IF_ERROR(v.ToStatus());
        MP_ASSIGN_OR_RETURN(model::Team t, change(ctx, *id));
        *response = EncodeTeam(t);
        return absl::OkStatus();
      });
}

class TeamServiceImpl final : public v1::TeamService::Service {
 public:
  TeamServiceImpl(const CallRunner& runner, core::Registry& registry)
      : runner_(runner), registry_(registry) {}

  grpc::Status CreateTeam(grpc::ServerContext* context,
                          const v1::CreateTeamRequest* request,
                          v1::Team* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          Violations v;
          v.AddStatus("team_id",
                      model::ValidateId("team_id", request->team_id()));
          auto team = DecodeTeam(request->team(), "team");
          v.AddStatus("team", team.status());
          MP_RETURN_IF_ERROR(v.ToStatus());
          team->id = request->team_id();  // AIP-133: the name is ignored
          MP_ASSIGN_OR_RETURN(model::Team created,
                              registry_.CreateTeam(ctx, *std::move(team)));
          SetWritten(ctx, EncodeTeam(created), response);
          return absl::OkStatus();
        });
  }

  grpc::Status GetTeam(grpc::ServerContext* context,
                       const v1::GetTeamRequest* request,
                       v1::Team* response) override {
    return RunNamed(
        runner_, context, *request, TeamIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return registry_.GetTeam(ctx, id);
        },
        EncodeTeam, response);
  }

  grpc::Status ListTeams(grpc::ServerContext* context,
                         const v1::ListTeamsRequest* request,
                         v1::ListTeamsResponse* response) override {
    return RunList(
        runner_, context, *request,
        [&](const core::RequestContext& ctx, const core::ListQuery& query) {
          return registry_.ListTeams(ctx, query);
        },
        response->mutable_teams(), EncodeTeam, response);
  }

  grpc::Status UpdateTeam(grpc::ServerContext* context,
                          const v1::UpdateTeamRequest* request,
                          v1::Team* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(
              auto update,
              DecodeUpdate("team", request->team(), request->update_mask(),
                           "the team to update, teams/{team}", DecodeTeam,
                           TeamUpdatableFields()));
          MP_ASSIGN_OR_RETURN(
              model::Team updated,
              registry_.UpdateTeam(ctx, update.patch, update.mask,
                                   request->team().etag()));
          SetWritten(ctx, EncodeTeam(updated), response);
          return absl::OkStatus();
        });
  }

  grpc::Status DeleteTeam(grpc::ServerContext* context,
                          const v1::DeleteTeamRequest* request,
                          google::protobuf::Empty* /*response*/) override {
    return RunDelete(
        runner_, context, *request, TeamIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return registry_.DeleteTeam(ctx, id, request->etag());
        });
  }

  grpc::Status AddTeamMember(grpc::ServerContext* context,
                             const v1::AddTeamMemberRequest* request,
                             v1::Team* response) override {
    return ChangeMembership(
        runner_, context, *request,
        [&](const core::RequestContext& ctx, const std::string& team) {
          return registry_.AddTeamMember(ctx, team, request->member());
        },
        response);
  }

  grpc::Status RemoveTeamMember(grpc::ServerContext* context,
                                const v1::RemoveTeamMemberRequest* request,
                                v1::Team* response) override {
    return ChangeMembership(
        runner_, context, *request,
        [&](const core::RequestContext& ctx, const std::string& team) {
          return registry_.RemoveTeamMember(ctx, team, request->member());
        },
        response);
  }

 private:
  const CallRunner& runner_;
  core::Registry& registry_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewTeamService(const CallRunner& runner,
                                              core::Registry& registry) {
  return std::make_unique<TeamServiceImpl>(runner, registry);
}

}  // namespace meshplane::server
