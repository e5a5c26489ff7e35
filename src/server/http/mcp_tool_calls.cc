// tools/call: what each tool of the catalogue (mcp_tools.cc) runs, the
// agent.call decision before it, and the helpers they share with
// resources/read. Each tool is one RPC over the in-process channel (McpApi),
// made as the caller.
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "server/http/binder.h"
#include "server/http/error_json.h"
#include "server/http/mcp_internal.h"

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"

namespace meshplane::server::http::mcp_internal {
namespace {

// A tool result with isError: the AIP-193 error of `status`, and a line for
// the model.
json ToolError(const grpc::Status& status) {
  json structured = ErrorJsonOf(status);
  std::string text =
      absl::StrCat(structured["error"].value("status", std::string("ERROR")),
                   ": ", status.error_message());
  return {{"content",
           json::array({{{"type", "text"}, {"text", text}},
                        {{"type", "text"}, {"text", structured.dump()}}})},
          {"structuredContent", structured},
          {"isError", true}};
}

grpc::Status InvalidArgs(const std::vector<std::string>& problems) {
  std::vector<FieldViolation> v;
  for (const std::string& p : problems) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(p, absl::MaxSplits(": ", 1));
    v.push_back({kv.first, kv.second});
  }
  return ToGrpc(InvalidArgumentWithFields(v));
}

grpc::Status InvalidArg(const std::string& field, const std::string& what) {
  return ToGrpc(InvalidArgumentWithFields({FieldViolation{field, what}}));
}

std::string StringArg(const json& args, const char* key) {
  auto it = args.find(key);
  return it != args.end() && it->is_string() ? it->get<std::string>()
                                             : std::string();
}

// "30d", "12h", "90m", "3600s", "1h30m" as a Duration.
bool ParseAccessDuration(const std::string& text,
                         google::protobuf::Duration* out) {
  int64_t seconds = 0;
  absl::string_view s = text;
  if (absl::ConsumeSuffix(&s, "d")) {
    int64_t days = 0;
    if (!absl::SimpleAtoi(s, &days) || days <= 0 || days > 100000) {
      return false;
    }
    seconds = days * 86400;
  } else {
    absl::Duration d;
    if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration() ||
        d > absl::Hours(24 * 100000)) {
      return false;
    }
    seconds = absl::ToInt64Seconds(d);
  }
  out->set_seconds(seconds);
  return true;
}

json ToolSuccess(const json& structured, const json& warnings) {
  json content = json::array({{{"type", "text"}, {"text", structured.dump()}}});
  json out = {{"content", content}, {"isError", false}};
  if (structured.is_object()) out["structuredContent"] = structured;
  if (!warnings.empty()) {
    std::vector<std::string> lines;
    for (const json& w : warnings) {
      lines.push_back(absl::StrCat(w.value("policy", std::string()), ": ",
                                   w.value("message", std::string())));
    }
    out["content"].push_back(
        {{"type", "text"},
         {"text",
          absl::StrCat("policy warnings: ", absl::StrJoin(lines, "; "))}});
    out["_meta"] = {{"meshplane.dev/policyWarnings", warnings}};
  }
  return out;
}

}  // namespace

json ErrorJsonOf(const grpc::Status& status) {
  json j = json::parse(ErrorJson(status), nullptr, false);
  return j.is_discarded()
             ? json{{"error", {{"message", status.error_message()}}}}
             : j;
}

bool JsonToStruct(const json& j, google::protobuf::Struct* out) {
  return google::protobuf::util::JsonStringToMessage(j.dump(), out).ok();
}

json MessageJson(const google::protobuf::Message& m) {
  return json::parse(ToJson(m), nullptr, false);
}

std::optional<std::string> ProductOf(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() >= 4 && parts[0] == "domains" &&
      parts[2] == "dataProducts" && !parts[1].empty() && !parts[3].empty() &&
      (parts.size() == 4 || (parts.size() == 6 && parts[4] == "outputPorts"))) {
    return absl::StrCat("domains/", parts[1], "/dataProducts/", parts[3]);
  }
  return std::nullopt;
}

grpc::Status Govern(const McpApi& api, const HttpRequest& req,
                    const AgentCall& call, json* warnings) {
  v1::EvaluatePoliciesRequest e;
  e.set_trigger("agent.call");
  if (std::optional<std::string> product = ProductOf(call.target)) {
    // Left empty, the resource is the stored product: its classification,
    // tier, owner team...
    e.set_resource_name(*product);
  } else {
    const std::string name = call.target.empty()
                                 ? absl::StrCat("mcp/tools/", call.tool)
                                 : call.target;
    e.set_resource_name(name);
    JsonToStruct(json{{"name", name}}, e.mutable_resource());
  }
  const json request = {{"tool", call.tool},
                        {"method", call.rpc},
                        {"target", call.target},
                        {"arguments", call.arguments},
                        {"transport", "mcp"}};
  if (!JsonToStruct(request, e.mutable_request())) {
    return InvalidArg("arguments", "cannot be read as a JSON object");
  }
  v1::EvaluatePoliciesResponse r;
  grpc::Status s = api.Run(req, [&](grpc::ClientContext* ctx) {
    return api.policies->EvaluatePolicies(ctx, e, &r);
  });
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
    // The target does not exist: nothing to protect, and the RPC itself
    // says so in its own words (the tool's argument, not resource_name).
    return grpc::Status::OK;
  }
  if (!s.ok()) return s;
  std::vector<PolicyViolationDetail> blocking;
  for (const v1::PolicyViolation& v : r.decision().violations()) {
    PolicyViolationDetail d{v.policy(),          v.scope(),   v.effect(),
                            v.enforcement(),     v.message(), v.revision(),
                            v.evaluation_error()};
    if (v.enforcement() == "ENFORCED" && v.effect() != "WARN") {
      blocking.push_back(std::move(d));
    } else {
      warnings->push_back(json{{"policy", d.policy},
                               {"scope", d.scope},
                               {"effect", d.effect},
                               {"enforcement", d.enforcement},
                               {"message", d.message}});
    }
  }
  if (r.decision().outcome() == v1::DECISION_OUTCOME_ALLOW) {
    return grpc::Status::OK;
  }
  std::vector<std::string> parts;
  for (const auto& d : blocking) {
    parts.push_back(absl::StrCat(d.policy, ": ", d.message));
  }
  absl::Status refusal = absl::FailedPreconditionError(
      absl::StrCat("refused by policy: ", absl::StrJoin(parts, "; ")));
  refusal = WithReason(std::move(refusal), "POLICY_VIOLATION");
  return ToGrpc(WithPolicyViolations(std::move(refusal), blocking));
}

namespace {

// What tools/call runs for one tool: the call as agent.call sees it and
// the RPC; or, when the arguments do not fit, `invalid` and nothing else.
struct ToolPlan {
  AgentCall call;
  ApiCall run;
  grpc::Status invalid;
};

ToolPlan PlanSearch(const McpApi& api, const json& args) {
  auto l = std::make_shared<v1::ListDataProductsRequest>();
  std::string domain = StringArg(args, "domain");
  if (!domain.empty() && !absl::StartsWith(domain, "domains/")) {
    domain = absl::StrCat("domains/", domain);
  }
  l->set_parent(domain.empty() ? "domains/-" : domain);
  l->set_include_subdomains(args.value("include_subdomains", false));
  l->set_page_size(args.value("page_size", 20));
  l->set_page_token(StringArg(args, "page_token"));
  std::vector<std::string> terms;
  const std::string query = StringArg(args, "query");
  if (!query.empty()) {
    // A quoted `text` term: the filter grammar's escapes for " and \.
    std::string quoted;
    for (char c : query) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    terms.push_back(absl::StrCat("text = \"", quoted, "\""));
  }
  const std::string filter = StringArg(args, "filter");
  if (!filter.empty()) terms.push_back(filter);
  l->set_filter(absl::StrJoin(terms, " AND "));
  ToolPlan plan;
  plan.call.target = domain;
  plan.run = Answering(api.products.get(),
                       &v1::DataProductService::Stub::ListDataProducts, l);
  return plan;
}

ToolPlan PlanContractVersion(const McpApi& api, const json& args) {
  ToolPlan plan;
  std::string contract = StringArg(args, "contract");
  if (!absl::StartsWith(contract, "contracts/")) {
    contract = absl::StrCat("contracts/", contract);
  }
  std::string version = StringArg(args, "version");
  std::vector<std::string> parts = absl::StrSplit(contract, '/');
  if (parts.size() == 4 && parts[2] == "versions" && !parts[3].empty()) {
    if (!version.empty() && version != parts[3]) {
      plan.invalid =
          InvalidArg("arguments.version",
                     absl::StrCat("differs from the version in contract (",
                                  parts[3], ")"));
      return plan;
    }
    version = parts[3];
    contract = absl::StrCat(parts[0], "/", parts[1]);
  } else if (parts.size() != 2 || parts[1].empty()) {
    plan.invalid = InvalidArg("arguments.contract",
                              "must be `contracts/{contract}` or "
                              "`contracts/{contract}/versions/{version}`");
    return plan;
  }
  auto g = std::make_shared<v1::GetContractVersionRequest>();
  g->set_name(absl::StrCat(contract, "/versions/",
                           version.empty() ? "latest" : version));
  plan.call.target = contract;
  plan.run = Answering(api.contracts.get(),
                       &v1::ContractService::Stub::GetContractVersion, g);
  return plan;
}

ToolPlan PlanRequestAccess(const McpApi& api, const json& args) {
  ToolPlan plan;
  auto r = std::make_shared<v1::RequestAccessRequest>();
  v1::AccessRequest* a = r->mutable_access_request();
  a->set_output_port(StringArg(args, "output_port"));
  a->set_purpose(StringArg(args, "purpose"));
  a->set_consumer(StringArg(args, "consumer"));
  for (const json& action : args.value("actions", json::array())) {
    a->add_actions(action.get<std::string>());
  }
  const std::string duration = StringArg(args, "duration");
  if (!duration.empty() &&
      !ParseAccessDuration(duration, a->mutable_duration())) {
    plan.invalid = InvalidArg(
        "arguments.duration",
        absl::StrCat("\"", duration.substr(0, 64),
                     "\" is not a duration such as 30d, 12h or 3600s"));
    return plan;
  }
  r->set_validate_only(args.value("validate_only", false));
  const std::string request_id = StringArg(args, "request_id");
  // A fresh request id per tool call unless the agent brings its own (to
  // retry safely): the write path's replay protection either way.
  r->set_request_id(request_id.empty() ? RandomUuid() : request_id);
  plan.call.target = a->output_port();
  plan.run =
      Answering(api.access.get(), &v1::AccessService::Stub::RequestAccess, r);
  return plan;
}

ToolPlan PlanExplain(const McpApi& api, const json& args,
                     const std::string& principal) {
  ToolPlan plan;
  const bool by_request = args.contains("access_request");
  const bool by_port = args.contains("output_port");
  const bool by_trigger =
      args.contains("trigger") || args.contains("resource_name");
  if (int{by_request} + int{by_port} + int{by_trigger} != 1) {
    plan.invalid = InvalidArg("arguments",
                              "give exactly one of access_request, "
                              "output_port, or trigger with resource_name");
    return plan;
  }
  if (!by_port && args.contains("action")) {
    plan.invalid = InvalidArg("arguments.action", "goes with output_port only");
    return plan;
  }
  if (!by_trigger && (args.contains("resource") || args.contains("request"))) {
    plan.invalid = InvalidArg(
        args.contains("resource") ? "arguments.resource" : "arguments.request",
        "goes with trigger and resource_name only");
    return plan;
  }
  if (by_request) {
    const std::string name = StringArg(args, "access_request");
    plan.call.rpc = "meshplane.v1.AccessService/GetAccessRequest";
    plan.call.target = name;
    // The decision the request got, with only what explains it.
    plan.run = [&api, name](grpc::ClientContext* ctx, json* out) {
      v1::GetAccessRequestRequest g;
      g.set_name(name);
      v1::AccessRequest a;
      grpc::Status s = api.access->GetAccessRequest(ctx, g, &a);
      if (!s.ok()) return s;
      json why = json::array();
      for (const v1::PolicyViolation& v : a.decision().violations()) {
        why.push_back(MessageJson(v));
      }
      *out = {{"accessRequest", a.name()},
              {"state", v1::AccessRequestState_Name(a.state())},
              {"outcome", v1::DecisionOutcome_Name(a.decision().outcome())},
              {"violations", why},
              {"reviewer", a.reviewer()},
              {"reviewComment", a.review_comment()}};
      return s;
    };
  } else if (by_port) {
    auto c = std::make_shared<v1::CheckAccessRequest>();
    c->set_principal(principal);  // about the caller, who may always ask
    c->set_output_port(StringArg(args, "output_port"));
    const std::string action = StringArg(args, "action");
    c->set_action(action.empty() ? "read" : action);
    plan.call.rpc = "meshplane.v1.AccessService/CheckAccess";
    plan.call.target = c->output_port();
    plan.run = [&api, c](grpc::ClientContext* ctx, json* out) {
      v1::CheckAccessResponse r;
      grpc::Status s = api.access->CheckAccess(ctx, *c, &r);
      if (!s.ok()) return s;
      *out = MessageJson(r);
      // proto3 JSON leaves out false; a refusal should say so.
      if (!out->contains("allowed")) (*out)["allowed"] = false;
      return s;
    };
  } else {
    auto e = std::make_shared<v1::EvaluatePoliciesRequest>();
    e->set_trigger(StringArg(args, "trigger"));
    e->set_resource_name(StringArg(args, "resource_name"));
    if (args.contains("resource")) {
      JsonToStruct(args["resource"], e->mutable_resource());
    }
    if (args.contains("request")) {
      JsonToStruct(args["request"], e->mutable_request());
    }
    plan.call.rpc = "meshplane.v1.PolicyService/EvaluatePolicies";
    plan.call.target = e->resource_name();
    plan.run = Answering(api.policies.get(),
                         &v1::PolicyService::Stub::EvaluatePolicies, e);
  }
  return plan;
}

ToolPlan PlanTool(const McpTool& tool, const json& args, const McpApi& api,
                  const std::string& principal) {
  ToolPlan plan;
  if (tool.name == "search_data_products") {
    plan = PlanSearch(api, args);
  } else if (tool.name == "get_data_product") {
    auto g = std::make_shared<v1::GetDataProductRequest>();
    g->set_name(StringArg(args, "name"));
    plan.call.target = g->name();
    plan.run = Answering(api.products.get(),
                         &v1::DataProductService::Stub::GetDataProduct, g);
  } else if (tool.name == "get_lineage") {
    auto g = std::make_shared<v1::GetLineageRequest>();
    g->set_name(StringArg(args, "name"));
    const std::string direction = StringArg(args, "direction");
    g->set_direction(direction == "UPSTREAM" ? v1::LINEAGE_DIRECTION_UPSTREAM
                     : direction == "DOWNSTREAM"
                         ? v1::LINEAGE_DIRECTION_DOWNSTREAM
                         : v1::LINEAGE_DIRECTION_BOTH);
    g->set_depth(args.value("depth", 1));
    plan.call.target = g->name();
    plan.run = Answering(api.products.get(),
                         &v1::DataProductService::Stub::GetLineage, g);
  } else if (tool.name == "get_contract_version") {
    plan = PlanContractVersion(api, args);
  } else if (tool.name == "check_contract") {
    auto p = std::make_shared<v1::PublishContractRequest>();
    p->set_yaml(StringArg(args, "yaml"));
    p->set_data_product(StringArg(args, "data_product"));
    const std::string mode = StringArg(args, "compatibility_mode");
    v1::CompatibilityMode m = v1::COMPATIBILITY_MODE_UNSPECIFIED;
    if (!mode.empty() && v1::CompatibilityMode_Parse(
                             absl::StrCat("COMPATIBILITY_MODE_", mode), &m)) {
      p->set_compatibility_mode(m);
    }
    // The CI dry run: everything a publish checks, nothing stored.
    p->set_validate_only(true);
    plan.call.target = p->data_product();
    plan.run = Answering(api.contracts.get(),
                         &v1::ContractService::Stub::PublishContract, p);
  } else if (tool.name == "request_access") {
    plan = PlanRequestAccess(api, args);
  } else {
    plan = PlanExplain(api, args, principal);
  }
  plan.call.tool = tool.name;
  if (plan.call.rpc.empty()) plan.call.rpc = tool.rpc;
  plan.call.arguments = args;
  return plan;
}

}  // namespace

Answer ToolsCall(const McpApi& api, const HttpRequest& req, const json& params,
                 const std::string& principal, bool governed) {
  if (!params.contains("name") || !params["name"].is_string()) {
    return Failure(kInvalidParams,
                   "Invalid params: name (a string) is required");
  }
  const std::string name = params["name"].get<std::string>();
  const McpTool* tool = nullptr;
  for (const McpTool& t : McpTools()) {
    if (t.name == name) tool = &t;
  }
  if (tool == nullptr) {
    return Failure(kInvalidParams,
                   absl::StrCat("Invalid params: unknown tool \"", name,
                                "\" (tools/list lists them)"));
  }
  const json args = params.value("arguments", json::object());
  // Bad arguments are the model's to fix: a tool result with isError, not
  // a protocol error (MCP 2025-11-25, tools: error handling).
  std::vector<std::string> problems = CheckToolArguments(*tool, args);
  if (!problems.empty()) return Result(ToolError(InvalidArgs(problems)));
  ToolPlan plan = PlanTool(*tool, args, api, principal);
  if (!plan.invalid.ok()) return Result(ToolError(plan.invalid));

  json warnings = json::array();
  grpc::Status s =
      governed ? Govern(api, req, plan.call, &warnings) : grpc::Status::OK;
  if (!s.ok()) return Result(ToolError(s));
  json body;
  s = api.Run(req,
              [&](grpc::ClientContext* ctx) { return plan.run(ctx, &body); });
  if (!s.ok()) return Result(ToolError(s));
  if (!body.is_object()) body = json::object();
  return Result(ToolSuccess(body, warnings));
}

}  // namespace meshplane::server::http::mcp_internal
