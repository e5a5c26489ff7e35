// meshplane access request|approve|deny|withdraw|list|grants|revoke|check:
// access to output ports through AccessService. Consumers ask with a
// purpose, owners decide what policies leave to them, and enforcement
// points (or anyone, about themselves) check.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/commands/commands.h"
#include "cli/filter.h"
#include "cli/render.h"
#include "cli/util.h"
#include <google/protobuf/util/time_util.h>

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

namespace {

constexpr char kRequestPrefix[] = "accessRequests/";
constexpr char kGrantPrefix[] = "grants/";

constexpr char kPortHelp[] =
    "PORT is DOMAIN/PRODUCT/PORT (sales/orders/v1), DOMAIN/PRODUCT:PORT, or "
    "the full name domains/sales/dataProducts/orders/outputPorts/v1.";

// `accessRequests/{id}` from an id or a name.
std::string RequestName(absl::string_view text) {
  if (absl::StartsWith(text, kRequestPrefix)) return std::string(text);
  return absl::StrCat(kRequestPrefix, text);
}

// `grants/{id}` from an id or a name.
std::string GrantName(absl::string_view text) {
  if (absl::StartsWith(text, kGrantPrefix)) return std::string(text);
  return absl::StrCat(kGrantPrefix, text);
}

// The id of `accessRequests/{id}` or `grants/{id}`.
std::string Id(absl::string_view name) {
  size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name
                                                      : name.substr(slash + 1));
}

// A consumer as the API wants it: `teams/x` becomes `team:x`; principals
// pass unchanged.
std::string Consumer(absl::string_view text) {
  if (absl::StartsWith(text, "teams/")) {
    return absl::StrCat("team:", text.substr(6));
  }
  return std::string(text);
}

// "read" or "write", whatever the case.
absl::StatusOr<std::string> Action(absl::string_view flag,
                                   absl::string_view text) {
  std::string a = absl::AsciiStrToLower(text);
  if (a != "read" && a != "write") {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", text, ": expected read or write"));
  }
  return a;
}

// A positive duration flag as a proto Duration.
absl::Status DurationFlag(const ParsedArgs& args, const std::string& flag,
                          google::protobuf::Duration* out) {
  auto d = ParseDuration(args.Get(flag));
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", d.status().message()));
  }
  if (*d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": must be positive"));
  }
  // Grants are made in whole seconds; a fraction would be cut off, and
  // "500ms" would reach the server as 0, which means "not given".
  if (*d != absl::Seconds(absl::ToInt64Seconds(*d))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", args.Get(flag),
                     " is not a whole number of seconds (e.g. 90s, 12h, 30d)"));
  }
  *out = google::protobuf::util::TimeUtil::SecondsToDuration(
      absl::ToInt64Seconds(*d));
  return absl::OkStatus();
}

// An enum value typed by a user ("pending", "PENDING",
// "ACCESS_REQUEST_STATE_PENDING") as the filter wants it ("PENDING").
absl::StatusOr<std::string> StateFlag(const std::string& text,
                                      absl::string_view prefix,
                                      const std::vector<std::string>& known) {
  std::string s = absl::AsciiStrToUpper(text);
  s = std::string(absl::StripPrefix(s, prefix));
  for (const auto& k : known) {
    if (s == k) return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--state ", text, ": expected one of ",
                   absl::AsciiStrToLower(absl::StrJoin(known, ", "))));
}

std::string RequestStateName(v1::AccessRequestState s) {
  if (s == v1::ACCESS_REQUEST_STATE_UNSPECIFIED) return "";
  return std::string(absl::StripPrefix(v1::AccessRequestState_Name(s),
                                       "ACCESS_REQUEST_STATE_"));
}

std::string GrantStateName(v1::GrantState s) {
  if (s == v1::GRANT_STATE_UNSPECIFIED) return "";
  return std::string(absl::StripPrefix(v1::GrantState_Name(s), "GRANT_STATE_"));
}

void RenderRequest(const v1::AccessRequest& r, std::ostream& out) {
  Details details;
  details.Add("Request", r.name());
  details.Add("Port", ShortProductName(r.output_port()));
  details.Add("Consumer", r.consumer());
  details.Add("Actions", absl::StrJoin(r.actions(), ", "));
  details.Add("Purpose", r.purpose());
  details.Add("Duration", FormatProtoDuration(r.duration()));
  details.Add("State", RequestStateName(r.state()));
  details.Add("Grant", r.grant());
  details.Add("Requester", r.requester());
  details.Add("Reviewer", r.reviewer());
  details.Add("Comment", r.review_comment());
  details.Add("Created", FormatTimestamp(r.create_time()));
  if (r.state() == v1::ACCESS_REQUEST_STATE_PENDING) {
    details.Add("Expires", FormatTimestamp(r.expire_time()));
  }
  details.Add("Etag", r.etag());
  details.Print(out);
  if (r.decision().violations_size() > 0) {
    out << "\npolicies:\n";
    for (const auto& v : r.decision().violations()) {
      out << "  " << DescribeViolation(v) << "\n";
    }
  }
}

void RenderRequests(const Repeated<v1::AccessRequest>& requests,
                    std::ostream& out) {
  Table table({"ID", "PORT", "CONSUMER", "ACTIONS", "STATE", "REQUESTER",
               "CREATED", "PURPOSE"});
  for (const auto& r : requests) {
    table.AddRow({Id(r.name()), ShortProductName(r.output_port()), r.consumer(),
                  absl::StrJoin(r.actions(), ","), RequestStateName(r.state()),
                  r.requester(), FormatTimestamp(r.create_time()),
                  r.purpose()});
  }
  table.Print(out);
}

void RenderGrants(const Repeated<v1::Grant>& grants, std::ostream& out) {
  Table table(
      {"ID", "PORT", "CONSUMER", "ACTIONS", "STATE", "EXPIRES", "GRANTED BY"});
  for (const auto& g : grants) {
    table.AddRow({Id(g.name()), ShortProductName(g.output_port()), g.consumer(),
                  absl::StrJoin(g.actions(), ","), GrantStateName(g.state()),
                  FormatTimestamp(g.expire_time()), g.granted_by()});
  }
  table.Print(out);
}

// The outcome of a request or a review in one line, after the details.
int ShowRequestWrite(Env& env, const v1::AccessRequest& r,
                     const std::string& done) {
  if (env.format() != Format::kTable) {
    PrintMessage(env.format(), r, env.out());
    return kExitOk;
  }
  if (env.dry_run()) {
    env.out() << "dry run: nothing was changed; " << r.name() << " would be "
              << absl::AsciiStrToLower(RequestStateName(r.state())) << "\n";
    return kExitOk;
  }
  env.out() << r.name() << " " << done;
  if (!r.grant().empty()) env.out() << " (" << r.grant() << ")";
  env.out() << "\n";
  return kExitOk;
}

int Request(Env& env, const ParsedArgs& args) {
  auto port = PortName(args.positional()[0]);
  if (!port.ok()) return env.Usage(port.status());
  if (args.Get("purpose").empty()) {
    return env.Usage("--purpose is required: say why access is needed");
  }
  v1::RequestAccessRequest request;
  v1::AccessRequest* r = request.mutable_access_request();
  r->set_output_port(*port);
  r->set_purpose(args.Get("purpose"));
  if (args.Has("for")) r->set_consumer(Consumer(args.Get("for")));
  for (const auto& a : args.GetAll("action")) {
    auto action = Action("action", a);
    if (!action.ok()) return env.Usage(action.status());
    r->add_actions(*action);
  }
  if (args.Has("duration")) {
    absl::Status s = DurationFlag(args, "duration", r->mutable_duration());
    if (!s.ok()) return env.Usage(s);
  }
  env.PrepareWrite(&request);
  v1::AccessRequest response;
  grpc::Status status = env.client().Call(
      env.client().access(), &v1::AccessService::Stub::RequestAccess, request,
      &response);
  if (!status.ok()) return env.Fail(status);
  if (env.format() != Format::kTable) {
    PrintMessage(env.format(), response, env.out());
    return kExitOk;
  }
  RenderRequest(response, env.out());
  env.out() << "\n";
  if (env.dry_run()) {
    env.out() << "dry run: nothing was changed; the request would be "
              << absl::AsciiStrToLower(RequestStateName(response.state()))
              << "\n";
  } else if (response.state() == v1::ACCESS_REQUEST_STATE_APPROVED) {
    env.out() << "access granted: " << response.grant() << "\n";
  } else if (response.state() == v1::ACCESS_REQUEST_STATE_PENDING) {
    env.out() << "waiting for approval by the owners of "
              << ShortProductName(response.output_port())
              << "; they run: meshplane access approve " << Id(response.name())
              << "\n";
  }
  return kExitOk;
}

// Sends a decision on the access request the argument names, guarded by
// --etag, and prints the request as it now stands.
template <typename Request>
int Decide(Env& env, const ParsedArgs& args, Request& request,
           UnaryRpc<v1::AccessService::Stub, Request, v1::AccessRequest> rpc,
           const std::string& done) {
  request.set_name(RequestName(args.positional()[0]));
  request.set_etag(args.Get("etag"));
  env.PrepareWrite(&request);
  v1::AccessRequest response;
  grpc::Status status =
      env.client().Call(env.client().access(), rpc, request, &response);
  if (!status.ok()) return env.Fail(status);
  return ShowRequestWrite(env, response, done);
}

int Approve(Env& env, const ParsedArgs& args) {
  v1::ApproveAccessRequestRequest request;
  request.set_comment(args.Get("comment"));
  if (args.Has("duration")) {
    absl::Status s = DurationFlag(args, "duration", request.mutable_duration());
    if (!s.ok()) return env.Usage(s);
  }
  return Decide(env, args, request,
                &v1::AccessService::Stub::ApproveAccessRequest, "approved");
}

int Deny(Env& env, const ParsedArgs& args) {
  v1::DenyAccessRequestRequest request;
  request.set_comment(args.Get("comment"));
  return Decide(env, args, request, &v1::AccessService::Stub::DenyAccessRequest,
                "denied");
}

int Withdraw(Env& env, const ParsedArgs& args) {
  v1::WithdrawAccessRequestRequest request;
  return Decide(env, args, request,
                &v1::AccessService::Stub::WithdrawAccessRequest, "withdrawn");
}

// The filter terms the --port and --product flags make.
absl::Status PortTerms(const ParsedArgs& args,
                       std::vector<std::string>* terms) {
  if (args.Has("port")) {
    auto port = PortName(args.Get("port"));
    if (!port.ok()) return port.status();
    terms->push_back(absl::StrCat("output_port = ", QuoteFilterString(*port)));
  }
  if (args.Has("product")) {
    auto product = ProductName(args.Get("product"), "");
    if (!product.ok()) return product.status();
    terms->push_back(
        absl::StrCat("data_product = ", QuoteFilterString(*product)));
  }
  return absl::OkStatus();
}

int List(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  std::vector<std::string> terms;
  if (args.Has("state")) {
    auto state =
        StateFlag(args.Get("state"), "ACCESS_REQUEST_STATE_",
                  {"PENDING", "APPROVED", "DENIED", "WITHDRAWN", "EXPIRED"});
    if (!state.ok()) return env.Usage(state.status());
    terms.push_back(absl::StrCat("state = ", *state));
  }
  absl::Status ports = PortTerms(args, &terms);
  if (!ports.ok()) return env.Usage(ports);
  if (args.Has("consumer")) {
    terms.push_back(absl::StrCat(
        "consumer = ", QuoteFilterString(Consumer(args.Get("consumer")))));
  }
  if (args.Has("requester")) {
    terms.push_back(
        absl::StrCat("requester = ", QuoteFilterString(args.Get("requester"))));
  }
  v1::ListAccessRequestsRequest request;
  request.set_page_size(*page_size);
  request.set_filter(absl::StrJoin(terms, " AND "));
  return ShowList(
      env, PagesOf(args), env.client().access(),
      &v1::AccessService::Stub::ListAccessRequests, request,
      &v1::ListAccessRequestsResponse::mutable_access_requests,
      [&](const v1::ListAccessRequestsResponse& merged, std::ostream& out) {
        RenderRequests(merged.access_requests(), out);
      });
}

int Grants(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  if (args.Has("principal") && args.Has("consumer")) {
    return env.Usage(
        "--principal and --consumer exclude each other (--principal includes "
        "the grants of the principal's teams)");
  }
  std::vector<std::string> terms;
  absl::Status ports = PortTerms(args, &terms);
  if (!ports.ok()) return env.Usage(ports);
  if (args.Has("principal")) {
    terms.push_back(
        absl::StrCat("principal = ", QuoteFilterString(args.Get("principal"))));
  }
  if (args.Has("consumer")) {
    terms.push_back(absl::StrCat(
        "consumer = ", QuoteFilterString(Consumer(args.Get("consumer")))));
  }
  if (args.Has("state")) {
    auto state = StateFlag(args.Get("state"), "GRANT_STATE_",
                           {"ACTIVE", "EXPIRED", "REVOKED"});
    if (!state.ok()) return env.Usage(state.status());
    terms.push_back(absl::StrCat("state = ", *state));
  }
  v1::ListGrantsRequest request;
  request.set_page_size(*page_size);
  request.set_filter(absl::StrJoin(terms, " AND "));
  return ShowList(env, PagesOf(args), env.client().access(),
                  &v1::AccessService::Stub::ListGrants, request,
                  &v1::ListGrantsResponse::mutable_grants,
                  [&](const v1::ListGrantsResponse& merged, std::ostream& out) {
                    RenderGrants(merged.grants(), out);
                  });
}

int Revoke(Env& env, const ParsedArgs& args) {
  v1::RevokeGrantRequest request;
  request.set_name(GrantName(args.positional()[0]));
  request.set_reason(args.Get("reason"));
  return SendWrite(env, env.client().access(),
                   &v1::AccessService::Stub::RevokeGrant, request,
                   request.name(), "revoked");
}

int Check(Env& env, const ParsedArgs& args) {
  auto port = PortName(args.positional()[0]);
  if (!port.ok()) return env.Usage(port.status());
  v1::CheckAccessRequest request;
  request.set_output_port(*port);
  if (args.Has("action")) {
    auto action = Action("action", args.Get("action"));
    if (!action.ok()) return env.Usage(action.status());
    request.set_action(*action);
  }
  if (args.Has("principal")) {
    request.set_principal(args.Get("principal"));
  } else {
    // The caller's own access: anyone may check that.
    v1::CallerIdentity me;
    grpc::Status status = env.client().Call(
        env.client().identity(), &v1::IdentityService::Stub::GetCallerIdentity,
        v1::GetCallerIdentityRequest(), &me);
    if (!status.ok()) return env.Fail(status);
    request.set_principal(me.principal());
  }
  v1::CheckAccessResponse response;
  grpc::Status status = env.client().Call(env.client().access(),
                                          &v1::AccessService::Stub::CheckAccess,
                                          request, &response);
  if (!status.ok()) return env.Fail(status);
  const std::string action =
      request.action().empty() ? "read" : request.action();
  Show(env, response, [&](std::ostream& out) {
    if (response.allowed()) {
      out << "allowed: " << request.principal() << " may " << action << " "
          << ShortProductName(*port) << " (" << response.grant();
      if (response.has_expire_time()) {
        out << ", until " << FormatTimestamp(response.expire_time());
      }
      out << ")\n";
    } else {
      out << "denied: " << response.reason() << "\n";
    }
    for (const auto& v : response.violations()) {
      out << "  " << DescribeViolation(v) << "\n";
    }
  });
  return response.allowed() ? kExitOk : kExitRefused;
}

FlagSpec PortFilterFlag() {
  return {"port", 0, true, false, "PORT", "only this output port's"};
}

FlagSpec ProductFilterFlag() {
  return {"product", 0,
          true,      false,
          "PRODUCT", "only the ports of this data product (DOMAIN/PRODUCT)"};
}

}  // namespace

void RegisterAccessCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"access", "request"},
       "PORT",
       "ask for access to an output port",
       absl::StrCat(
           kPortHelp,
           " The access.request policies decide at once: refused (exit 1, "
           "with the policies), granted, or left pending for the owning "
           "team. Asking for someone else (--for) needs membership of that "
           "team, or the platform-admin role."),
       {{"purpose", 0, true, false, "TEXT", "why access is needed (required)"},
        {"duration", 0, true, false, "DURATION",
         "how long, e.g. 30d or 12h (default: the server's, 90d)"},
        {"for", 0, true, false, "CONSUMER",
         "who gets access: team:ID, user:EMAIL or service:ID (default: you)"},
        {"action", 0, true, true, "ACTION", "read (default) or write"}},
       1,
       1,
       {"meshplane access request sales/orders/v1 --purpose \"monthly revenue "
        "report\" --duration 30d",
        "meshplane access request sales/orders/v1 --for team:finance-data "
        "--action read --action write --purpose \"ledger sync\""},
       Request});
  commands->push_back(
      {{"access", "approve"},
       "ID",
       "approve a pending request (owners of the port; not who asked)",
       "ID is the request's id or its name accessRequests/ID.",
       {{"comment", 0, true, false, "TEXT", "a note for the requester"},
        {"duration", 0, true, false, "DURATION",
         "grant for less than was asked, e.g. 7d"},
        EtagFlag()},
       1,
       1,
       {"meshplane access approve 0b6c1e5a-2f4d-4c1b-9a7e-3d5f6a8b9c0d "
        "--comment \"ok for Q3\" --duration 30d"},
       Approve});
  commands->push_back(
      {{"access", "deny"},
       "ID",
       "deny a pending request (owners of the port)",
       "ID is the request's id or its name accessRequests/ID.",
       {{"comment", 0, true, false, "TEXT", "why, for the requester"},
        EtagFlag()},
       1,
       1,
       {"meshplane access deny 0b6c1e5a-2f4d-4c1b-9a7e-3d5f6a8b9c0d "
        "--comment \"use the aggregated port\""},
       Deny});
  commands->push_back(
      {{"access", "withdraw"},
       "ID",
       "withdraw your own pending request",
       "ID is the request's id or its name accessRequests/ID.",
       {EtagFlag()},
       1,
       1,
       {"meshplane access withdraw 0b6c1e5a-2f4d-4c1b-9a7e-3d5f6a8b9c0d"},
       Withdraw});
  commands->push_back(
      {{"access", "list"},
       "",
       "list access requests, newest first",
       "",
       {{"state", 0, true, false, "STATE",
         "pending, approved, denied, withdrawn or expired"},
        PortFilterFlag(),
        ProductFilterFlag(),
        {"consumer", 0, true, false, "CONSUMER",
         "only requests for this consumer"},
        {"requester", 0, true, false, "PRINCIPAL",
         "only requests by this principal"},
        PageSizeFlag(),
        PageTokenFlag(),
        AllPagesFlag()},
       0,
       0,
       {"meshplane access list --state pending --product sales/orders",
        "meshplane access list --requester user:erin@example.com"},
       List});
  commands->push_back(
      {{"access", "grants"},
       "",
       "list grants, newest first",
       "--principal lists every grant that covers a principal, its teams' "
       "included; --consumer only those held by exactly that consumer.",
       {PortFilterFlag(),
        ProductFilterFlag(),
        {"principal", 0, true, false, "PRINCIPAL",
         "grants that cover this principal (its teams' too)"},
        {"consumer", 0, true, false, "CONSUMER",
         "grants held by this consumer"},
        {"state", 0, true, false, "STATE", "active, expired or revoked"},
        PageSizeFlag(),
        PageTokenFlag(),
        AllPagesFlag()},
       0,
       0,
       {"meshplane access grants --principal user:erin@example.com --state "
        "active",
        "meshplane access grants --port sales/orders/v1"},
       Grants});
  commands->push_back(
      {{"access", "revoke"},
       "GRANT",
       "revoke a grant at once (port owners, the grantee, or an admin)",
       "GRANT is the grant's id or its name grants/ID.",
       {{"reason", 0, true, false, "TEXT", "why"}},
       1,
       1,
       {"meshplane access revoke 7d2e4f6a-8b1c-4d3e-a5f7-9b0c1d2e3f4a "
        "--reason \"left the project\""},
       Revoke});
  commands->push_back(
      {{"access", "check"},
       "PORT",
       "whether a principal may access a port now (exit 0 allowed, 1 denied)",
       absl::StrCat(
           kPortHelp,
           " Anyone may check themselves (the default); checking others needs "
           "membership of the port's owner team, the platform-admin role, or "
           "being one of the server's --access-checker principals."),
       {{"principal", 0, true, false, "PRINCIPAL",
         "whose access (default: you)"},
        {"action", 0, true, false, "ACTION", "read (default) or write"}},
       1,
       1,
       {"meshplane access check sales/orders/v1",
        "meshplane access check --principal user:erin@example.com "
        "sales/orders/v1 --action write"},
       Check});
}

}  // namespace meshplane::cli
