// meshplane team create|get|list|add-member|remove-member|delete
#include "absl/strings/str_cat.h"
#include "cli/commands/commands.h"
#include "cli/descriptor.h"
#include "cli/filter.h"
#include "cli/render.h"
#include "cli/util.h"
#include <google/protobuf/empty.pb.h>

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

namespace {

int Create(Env& env, const ParsedArgs& args) {
  v1::CreateTeamRequest request;
  request.set_team_id(args.positional()[0]);
  v1::Team* team = request.mutable_team();
  team->set_display_name(args.Get("display-name"));
  team->set_description(args.Get("description"));
  for (const std::string& m : args.GetAll("member")) {
    team->add_members(m);
  }
  return SendWrite(env, env.client().teams(),
                   &v1::TeamService::Stub::CreateTeam, request,
                   absl::StrCat("team/", request.team_id()), "created");
}

int Get(Env& env, const ParsedArgs& args) {
  v1::GetTeamRequest request;
  request.set_name(TeamName(args.positional()[0]));
  return ShowDescriptorGet(env, env.client().teams(),
                           &v1::TeamService::Stub::GetTeam, request,
                           TeamDescriptor, RenderTeam);
}

int List(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  v1::ListTeamsRequest request;
  request.set_page_size(*page_size);
  request.set_filter(BuildTeamFilter(args.Get("member")));
  return ShowDescriptorList(env, PagesOf(args), env.client().teams(),
                            &v1::TeamService::Stub::ListTeams, request,
                            &v1::ListTeamsResponse::mutable_teams,
                            TeamDescriptor, RenderTeams);
}

int Membership(Env& env, const ParsedArgs& args, bool add) {
  const std::string team = TeamName(args.positional()[0]);
  const std::string member = args.positional()[1];
  const std::string what =
      absl::StrCat("team/", LastSegment(team), " member ", member);
  // Add and remove take the same fields.
  auto send = [&](auto request, auto rpc, const std::string& done) {
    request.set_team(team);
    request.set_member(member);
    return SendWrite(env, env.client().teams(), rpc, request, what, done);
  };
  return add ? send(v1::AddTeamMemberRequest(),
                    &v1::TeamService::Stub::AddTeamMember, "added")
             : send(v1::RemoveTeamMemberRequest(),
                    &v1::TeamService::Stub::RemoveTeamMember, "removed");
}

int Delete(Env& env, const ParsedArgs& args) {
  v1::DeleteTeamRequest request;
  request.set_name(TeamName(args.positional()[0]));
  request.set_etag(args.Get("etag"));
  return SendWrite(
      env, env.client().teams(), &v1::TeamService::Stub::DeleteTeam, request,
      absl::StrCat("team/", LastSegment(request.name())), "deleted");
}

}  // namespace

void RegisterTeamCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"team", "create"},
       "ID",
       "create a team (platform admins)",
       "",
       {{"display-name", 0, true, false, "TEXT", "human-readable name"},
        {"description", 0, true, false, "TEXT", "what the team does"},
        {"member", 0, true, true, "PRINCIPAL",
         "a member, e.g. user:ana@example.com"}},
       1,
       1,
       {"meshplane team create sales-eng --display-name \"Sales engineering\" "
        "--member user:ana@example.com --member service:orders-ci"},
       Create});
  commands->push_back({{"team", "get"},
                       "ID",
                       "show a team and its members",
                       "",
                       {},
                       1,
                       1,
                       {"meshplane team get sales-eng"},
                       Get});
  commands->push_back(
      {{"team", "list"},
       "",
       "list teams, ordered by id",
       "",
       {{"member", 0, true, false, "PRINCIPAL", "only teams with this member"},
        PageSizeFlag(),
        PageTokenFlag(),
        AllPagesFlag()},
       0,
       0,
       {"meshplane team list",
        "meshplane team list --member user:ana@example.com"},
       List});
  commands->push_back(
      {{"team", "add-member"},
       "TEAM PRINCIPAL",
       "add a member (adding a present member is no error)",
       "",
       {},
       2,
       2,
       {"meshplane team add-member sales-eng user:bo@example.com"},
       [](Env& env, const ParsedArgs& args) {
         return Membership(env, args, true);
       }});
  commands->push_back(
      {{"team", "remove-member"},
       "TEAM PRINCIPAL",
       "remove a member (removing an absent member is no error)",
       "",
       {},
       2,
       2,
       {"meshplane team remove-member sales-eng user:bo@example.com"},
       [](Env& env, const ParsedArgs& args) {
         return Membership(env, args, false);
       }});
  commands->push_back({{"team", "delete"},
                       "ID",
                       "delete a team that owns nothing",
                       "",
                       {EtagFlag()},
                       1,
                       1,
                       {"meshplane team delete old-team"},
                       Delete});
}

}  // namespace meshplane::cli
