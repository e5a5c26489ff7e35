// TeamService: decode, call core::Registry, encode.
#include "server/team_service.h"

#include "server/common_codec.h"
#include "server/team_codec.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::server {
grpc::Status TeamServiceImpl::CreateTeam(grpc::ServerContext* context,
                                         const v1::CreateTeamRequest* request,
                                         v1::Team* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        Violations v;
        v.AddStatus("team_id",
                    model::ValidateId("team_id", request->team_id()));
        auto team = DecodeTeam(request->team(), "team");
        v.AddStatus("team", team.status());
        MP_RETURN_IF_ERROR(v.ToStatus());
        team->id = request->team_id();  // AIP-133: the name is ignored
        MP_ASSIGN_OR_RETURN(model::Team created,
                            registry_.CreateTeam(ctx, *std::move(team)));
        *response = EncodeTeam(created);
        return absl::OkStatus();
      });
}

grpc::Status TeamServiceImpl::GetTeam(grpc::ServerContext* context,
                                      const v1::GetTeamRequest* request,
                                      v1::Team* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(std::string id,
                            TeamIdFromName("name", request->name()));
        MP_ASSIGN_OR_RETURN(model::Team t, registry_.GetTeam(ctx, id));
        *response = EncodeTeam(t);
        return absl::OkStatus();
      });
}

grpc::Status TeamServiceImpl::ListTeams(grpc::ServerContext* context,
                                        const v1::ListTeamsRequest* request,
                                        v1::ListTeamsResponse* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(
            core::ListQuery query,
            MakeListQuery(request->page_size(), request->page_token(),
                          request->filter()));
        MP_ASSIGN_OR_RETURN(auto page, registry_.ListTeams(ctx, query));
        for (const auto& t : page.items) {
          *response->add_teams() = EncodeTeam(t);
        }
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status TeamServiceImpl::UpdateTeam(grpc::ServerContext* context,
                                         const v1::UpdateTeamRequest* request,
                                         v1::Team* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        Violations v;
        if (request->team().name().empty()) {
          v.Add("team.name", "is required: the team to update, teams/{team}");
        }
        auto patch = DecodeTeam(request->team(), "team");
        v.AddStatus("team", patch.status());
        auto mask = ResolveUpdateMask(request->update_mask(), request->team(),
                                      TeamUpdatableFields());
        v.AddStatus("update_mask", mask.status());
        if (mask.ok() && mask->paths.empty()) {
          v.Add("update_mask",
                "nothing to update: update_mask is empty and no updatable "
                "field is set");
        }
        MP_RETURN_IF_ERROR(v.ToStatus());
        MP_ASSIGN_OR_RETURN(
            model::Team updated,
            registry_.UpdateTeam(ctx, *patch, *mask, request->team().etag()));
        *response = EncodeTeam(updated);
        return absl::OkStatus();
      });
}

grpc::Status TeamServiceImpl::DeleteTeam(grpc::ServerContext* context,
                                         const v1::DeleteTeamRequest* request,
                                         google::protobuf::Empty* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(std::string id,
                            TeamIdFromName("name", request->name()));
        return registry_.DeleteTeam(ctx, id, request->etag());
      });
}

grpc::Status TeamServiceImpl::AddTeamMember(
    grpc::ServerContext* context, const v1::AddTeamMemberRequest* request,
    v1::Team* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        Violations v;
        auto id = TeamIdFromName("team", request->team());
        v.AddStatus("team", id.status());
        v.AddStatus("member",
                    model::ValidatePrincipal("member", request->member()));
        MP_RETURN_IF_ERROR(v.ToStatus());
        MP_ASSIGN_OR_RETURN(model::Team t, registry_.AddTeamMember(
                                               ctx, *id, request->member()));
        *response = EncodeTeam(t);
        return absl::OkStatus();
      });
}

grpc::Status TeamServiceImpl::RemoveTeamMember(
    grpc::ServerContext* context, const v1::RemoveTeamMemberRequest* request,
    v1::Team* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        Violations v;
        auto id = TeamIdFromName("team", request->team());
        v.AddStatus("team", id.status());
        v.AddStatus("member",
                    model::ValidatePrincipal("member", request->member()));
        MP_RETURN_IF_ERROR(v.ToStatus());
        MP_ASSIGN_OR_RETURN(model::Team t, registry_.RemoveTeamMember(
                                               ctx, *id, request->member()));
        *response = EncodeTeam(t);
        return absl::OkStatus();
      });
}

}  // namespace meshplane::server
