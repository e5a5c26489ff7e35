// meshplane token create|list|revoke, meshplane whoami
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands/commands.h"
#include "cli/render.h"
#include "cli/util.h"
#include <google/protobuf/util/time_util.h>

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

namespace {

int Create(Env& env, const ParsedArgs& args) {
  if (env.dry_run()) {
    return env.Usage(
        "token create has no dry run (a token is not validated "
        "without being made)");
  }
  v1::CreateTokenRequest request;
  request.set_principal(args.Get("principal"));
  request.set_description(args.Get("description"));
  request.set_platform_admin(args.Has("admin"));
  if (args.Has("ttl")) {
    auto ttl = ParseDuration(args.Get("ttl"));
    if (!ttl.ok()) {
      return env.Usage(absl::StrCat("--ttl: ", ttl.status().message()));
    }
    if (*ttl <= absl::ZeroDuration()) {
      return env.Usage("--ttl: must be positive");
    }
    *request.mutable_ttl() =
        google::protobuf::util::TimeUtil::SecondsToDuration(
            absl::ToInt64Seconds(*ttl));
  }
  request.set_request_id(env.NextRequestId());
  v1::CreateTokenResponse response;
  grpc::Status status = env.client().Call(
      env.client().identity(), &v1::IdentityService::Stub::CreateToken, request,
      &response);
  if (!status.ok()) return env.Fail(status);
  if (args.Has("quiet")) {
    env.out() << response.secret() << "\n";
    return kExitOk;
  }
  return Show(env, response, [&](std::ostream& out) {
    Details details;
    details.Add("Token", response.token().name());
    details.Add("Principal", response.token().principal());
    details.Add("Admin", response.token().platform_admin() ? "yes" : "no");
    details.Add("Expires", FormatTimestamp(response.token().expire_time()));
    details.Add("Secret", response.secret());
    details.Print(out);
    out << "\nThe secret is shown only this once: store it now, e.g. as "
           "MESHPLANE_TOKEN.\n";
  });
}

int List(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  v1::ListTokensRequest request;
  request.set_principal(args.Get("principal"));
  request.set_page_size(*page_size);
  return ShowList(env, PagesOf(args), env.client().identity(),
                  &v1::IdentityService::Stub::ListTokens, request,
                  &v1::ListTokensResponse::mutable_tokens,
                  [&](const v1::ListTokensResponse& merged, std::ostream& out) {
                    RenderTokens(merged.tokens(), out);
                  });
}

int Revoke(Env& env, const ParsedArgs& args) {
  if (env.dry_run()) {
    return env.Usage("token revoke has no dry run");
  }
  v1::RevokeTokenRequest request;
  request.set_name(TokenName(args.positional()[0]));
  request.set_request_id(env.NextRequestId());
  v1::Token response;
  grpc::Status status = env.client().Call(
      env.client().identity(), &v1::IdentityService::Stub::RevokeToken, request,
      &response);
  if (!status.ok()) return env.Fail(status);
  return ShowWrite(env, response, request.name(), "revoked");
}

int WhoAmI(Env& env, const ParsedArgs& args) {
  v1::GetCallerIdentityRequest request;
  v1::CallerIdentity response;
  grpc::Status status = env.client().Call(
      env.client().identity(), &v1::IdentityService::Stub::GetCallerIdentity,
      request, &response);
  if (!status.ok()) return env.Fail(status);
  return Show(env, response, [&](std::ostream& out) {
    Details details;
    details.Add("Principal", response.principal());
    details.Add("Admin", response.platform_admin() ? "yes" : "no");
    details.Add("Teams", absl::StrJoin(response.teams(), ", "));
    details.Add("Server", env.options().addr);
    details.Print(out);
  });
}

}  // namespace

void RegisterTokenCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"token", "create"},
       "",
       "create an API token; prints its secret once",
       "Without --principal the token is for the caller. Tokens for other "
       "principals and admin tokens need a platform admin.",
       {{"principal", 0, true, false, "PRINCIPAL",
         "who the token is for, e.g. user:bo@example.com"},
        {"ttl", 0, true, false, "DURATION",
         "lifetime, e.g. 30d or 12h (default: no expiry)"},
        {"admin", 0, false, false, "",
         "give the token the platform-admin role"},
        {"description", 0, true, false, "TEXT", "what the token is for"},
        {"quiet", 'q', false, false, "", "print only the secret"}},
       0,
       0,
       {"meshplane token create --principal user:bo@example.com --ttl 30d "
        "--description \"bo's laptop\"",
        "export MESHPLANE_TOKEN=$(meshplane token create --principal "
        "service:orders-ci -q)"},
       Create});
  commands->push_back(
      {{"token", "list"},
       "",
       "list tokens (admins see all, others their own)",
       "",
       {{"principal", 0, true, false, "PRINCIPAL", "only this principal's"},
        PageSizeFlag(),
        PageTokenFlag(),
        AllPagesFlag()},
       0,
       0,
       {"meshplane token list",
        "meshplane token list --principal user:bo@example.com"},
       List});
  commands->push_back({{"token", "revoke"},
                       "NAME",
                       "revoke a token at once (NAME: tokens/ID or ID)",
                       "",
                       {},
                       1,
                       1,
                       {"meshplane token revoke tokens/k3j5h2g7d9a1"},
                       Revoke});
  commands->push_back({{"whoami"},
                       "",
                       "show the caller as the server sees it",
                       "",
                       {},
                       0,
                       0,
                       {"meshplane whoami"},
                       WhoAmI});
}

}  // namespace meshplane::cli
