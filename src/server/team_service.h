// TeamService over core::Registry: teams and their members. The handlers are
// thin: CallRunner (server/call.h) authenticates and builds the request
// context; each handler decodes the proto, calls core and encodes the result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_TEAM_SERVICE_H_
#define MESHPLANE_SERVER_TEAM_SERVICE_H_

#include "server/call.h"

#include "meshplane/core/registry.h"
#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane::server {

class TeamServiceImpl final : public v1::TeamService::Service {
 public:
  TeamServiceImpl(const CallRunner& runner, core::Registry& registry)
      : runner_(runner), registry_(registry) {}

  grpc::Status CreateTeam(grpc::ServerContext* context,
                          const v1::CreateTeamRequest* request,
                          v1::Team* response) override;
  grpc::Status GetTeam(grpc::ServerContext* context,
                       const v1::GetTeamRequest* request,
                       v1::Team* response) override;
  grpc::Status ListTeams(grpc::ServerContext* context,
                         const v1::ListTeamsRequest* request,
                         v1::ListTeamsResponse* response) override;
  grpc::Status UpdateTeam(grpc::ServerContext* context,
                          const v1::UpdateTeamRequest* request,
                          v1::Team* response) override;
  grpc::Status DeleteTeam(grpc::ServerContext* context,
                          const v1::DeleteTeamRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status AddTeamMember(grpc::ServerContext* context,
                             const v1::AddTeamMemberRequest* request,
                             v1::Team* response) override;
  grpc::Status RemoveTeamMember(grpc::ServerContext* context,
                                const v1::RemoveTeamMemberRequest* request,
                                v1::Team* response) override;

 private:
  const CallRunner& runner_;
  core::Registry& registry_;
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_TEAM_SERVICE_H_
