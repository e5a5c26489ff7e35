#include "server/http/mcp.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/call.h"
#include "server/http/binder.h"
#include "server/http/error_json.h"
#include <grpcpp/client_context.h>

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/v1/access.grpc.pb.h"
#include "meshplane/v1/contract.grpc.pb.h"
#include "meshplane/v1/data_product.grpc.pb.h"
#include "meshplane/v1/policy.grpc.pb.h"

namespace meshplane::server::http {

using nlohmann::json;

namespace {

constexpr char kServerName[] = "meshplane";
constexpr char kUriScheme[] = "meshplane://";
constexpr char kSessionHeader[] = "Mcp-Session-Id";
constexpr char kVersionHeader[] = "MCP-Protocol-Version";

// JSON-RPC 2.0 error codes (section 5.1), and the one MCP adds for an
// unknown resource; -32000 is ours, in the range the spec leaves to
// servers: the API refused the call (the AIP-193 error is in `data`).
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kResourceNotFound = -32002;
constexpr int kCallRefused = -32000;

struct RpcError {
  int code = kInternalError;
  std::string message;
  json data;  // null: none
};

json ErrorObject(const RpcError& e) {
  json err = {{"code", e.code}, {"message", e.message}};
  if (!e.data.is_null()) err["data"] = e.data;
  return err;
}

json ErrorMessage(const json& id, const RpcError& e) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", ErrorObject(e)}};
}

HttpResponse JsonResponse(int status, const json& body) {
  HttpResponse out;
  out.status = status;
  out.content_type = "application/json";
  out.body = body.dump();
  return out;
}

HttpResponse HttpError(int status, int code, const std::string& message) {
  return JsonResponse(status,
                      ErrorMessage(nullptr, RpcError{code, message, nullptr}));
}

// --------------------------------------------------------------- schemas

json Str(const std::string& description) {
  return {{"type", "string"}, {"description", description}};
}

json Enum(const std::string& description, std::vector<std::string> values) {
  return {{"type", "string"}, {"description", description}, {"enum", values}};
}

json Object(json properties, std::vector<std::string> required) {
  json s = {{"type", "object"},
            {"properties", std::move(properties)},
            {"additionalProperties", false}};
  if (!required.empty()) s["required"] = required;
  return s;
}

std::vector<McpTool> BuildTools() {
  std::vector<McpTool> t;
  t.push_back(McpTool{
      "search_data_products", "Search data products",
      "Finds data products by free text (ids, names, descriptions, tags) "
      "and/or an AIP-160 filter (owner_team, lifecycle, tags), in one domain "
      "or all. Returns a page of products and a page_token for the next "
      "one.",
      "meshplane.v1.DataProductService/ListDataProducts", true,
      Object({{"query",
               {{"type", "string"},
                {"description", "free text, e.g. \"orders\""},
                {"maxLength", 512}}},
              {"filter", Str("AIP-160 filter, e.g. lifecycle = PUBLISHED AND "
                             "owner_team = \"teams/sales-eng\"")},
              {"domain", Str("only this domain, `domains/sales` or `sales`; "
                             "default every domain")},
              {"include_subdomains",
               {{"type", "boolean"},
                {"description", "with domain, also its subdomains"}}},
              {"page_size",
               {{"type", "integer"},
                {"minimum", 1},
                {"maximum", 100},
                {"description", "default 20"}}},
              {"page_token", Str("next_page_token of the previous page")}},
             {})});
  t.push_back(McpTool{
      "get_data_product", "Get a data product",
      "Reads one data product with its output ports (contracts, service "
      "level objectives and their current SLO status), input ports, "
      "owner team, lifecycle, tier and classification.",
      "meshplane.v1.DataProductService/GetDataProduct", true,
      Object({{"name", Str("`domains/{domain}/dataProducts/{product}`")}},
             {"name"})});
  t.push_back(McpTool{
      "get_lineage", "Get lineage",
      "The lineage graph around a data product: the products it reads "
      "(upstream) and those that read it (downstream), through input "
      "ports.",
      "meshplane.v1.DataProductService/GetLineage", true,
      Object({{"name", Str("`domains/{domain}/dataProducts/{product}`")},
              {"direction",
               Enum("default BOTH", {"UPSTREAM", "DOWNSTREAM", "BOTH"})},
              {"depth",
               {{"type", "integer"},
                {"minimum", 1},
                {"maximum", 10},
                {"description", "hops to follow (default 1)"}}}},
             {"name"})});
  t.push_back(McpTool{
      "get_contract_version", "Get a contract version",
      "Reads one version of an ODCS data contract: its YAML as published, "
      "its normalised form and the compatibility report it passed.",
      "meshplane.v1.ContractService/GetContractVersion", true,
      Object({{"contract", Str("`contracts/{contract}` (or "
                               "`contracts/{contract}/versions/{version}`)")},
              {"version", Str("e.g. `1.2.0`; default `latest`")}},
             {"contract"})});
  t.push_back(McpTool{
      "check_contract", "Check a candidate contract",
      "The CI dry run of a contract publish (what `meshplane contract check` "
      "runs): validates the ODCS v3 document, compares it with the "
      "published versions under the contract's compatibility mode, runs "
      "the contract.publish policies, and stores nothing. The report lists "
      "every change, whether it breaks readers, the version bump it needs "
      "and the consumers it affects.",
      "meshplane.v1.ContractService/PublishContract", true,
      Object({{"yaml",
               {{"type", "string"},
                {"description", "the ODCS v3 document (YAML or JSON)"},
                {"minLength", 1}}},
              {"data_product",
               Str("the owning product, `domains/{d}/dataProducts/{p}`, "
                   "for a new contract")},
              {"compatibility_mode",
               Enum("compare under this mode instead of the contract's",
                    {"NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
                     "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"})}},
             {"yaml"})});
  t.push_back(McpTool{
      "request_access", "Request access",
      "Asks for access to an output port for a purpose and a duration. The "
      "access.request policies decide at once: refused, granted, or "
      "PENDING the owning team's approval.",
      "meshplane.v1.AccessService/RequestAccess", false,
      Object({{"output_port",
               Str("`domains/{d}/dataProducts/{p}/outputPorts/{port}`")},
              {"purpose",
               {{"type", "string"},
                {"description", "why access is needed"},
                {"minLength", 1},
                {"maxLength", 4096}}},
              {"duration", Str("how long, e.g. `30d`, `12h`, `3600s` "
                               "(default 90 days)")},
              {"actions",
               {{"type", "array"},
                {"items", {{"type", "string"}, {"enum", {"read", "write"}}}},
                {"description", "default [\"read\"]"}}},
              {"consumer", Str("who gets access: `team:{id}` for a team of "
                               "the caller; default the caller")},
              {"validate_only",
               {{"type", "boolean"}, {"description", "decide, store nothing"}}},
              {"request_id", Str("a UUID that makes a retry safe")}},
             {"output_port", "purpose"})});
  t.push_back(McpTool{
      "explain_refusal", "Explain a refusal",
      "Says why a write or an access was refused, with the policies at "
      "fault and their messages. Give exactly one of: access_request (the "
      "decision an access request got), output_port (whether the caller "
      "may use that port now, and why not), or trigger with resource_name "
      "(what the policies decide on that write now, e.g. trigger "
      "dataproduct.update; resource is the proposed document, default the "
      "stored one).",
      "", true,
      Object(
          {{"access_request", Str("`accessRequests/{id}`")},
           {"output_port",
            Str("`domains/{d}/dataProducts/{p}/outputPorts/{port}`")},
           {"action",
            Enum("with output_port; default read", {"read", "write"})},
           {"trigger", Str("e.g. `dataproduct.update`, `access.request`")},
           {"resource_name", Str("the resource the write is about")},
           {"resource",
            {{"type", "object"},
             {"description",
              "the resource document as the "
              "policies see it (snake_case)"}}},
           {"request",
            {{"type", "object"}, {"description", "the `request` attributes"}}}},
          {})});
  return t;
}

// --------------------------------------------------------------- helpers

// The AIP-193 error of `status` as JSON, and a line for the model.
json ErrorJsonOf(const grpc::Status& status) {
  json j = json::parse(ErrorJson(status), nullptr, false);
  return j.is_discarded()
             ? json{{"error", {{"message", status.error_message()}}}}
             : j;
}

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

// A product's name out of a port's or a product's: the agent.call target.
std::optional<std::string> ProductOf(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() >= 4 && parts[0] == "domains" &&
      parts[2] == "dataProducts" && !parts[1].empty() && !parts[3].empty() &&
      (parts.size() == 4 || (parts.size() == 6 && parts[4] == "outputPorts"))) {
    return absl::StrCat("domains/", parts[1], "/dataProducts/", parts[3]);
  }
  return std::nullopt;
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

bool JsonToStruct(const json& j, google::protobuf::Struct* out) {
  return google::protobuf::util::JsonStringToMessage(j.dump(), out).ok();
}

// A message as JSON (proto3 JSON names, as REST answers).
json MessageJson(const google::protobuf::Message& m) {
  return json::parse(ToJson(m), nullptr, false);
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

// Origin validation (the transport's defence against DNS rebinding): a
// browser page may reach the endpoint only from the origin it is served
// on. Clients that are not browsers send no Origin.
bool OriginAllowed(const HttpRequest& req) {
  std::string origin = req.Header("origin");
  if (origin.empty()) return true;
  absl::string_view o = origin;
  if (!absl::ConsumePrefix(&o, "https://") &&
      !absl::ConsumePrefix(&o, "http://")) {
    return false;
  }
  const std::string host = req.Header("host");
  return !host.empty() && absl::EqualsIgnoreCase(o, host);
}

// Whether the client takes a JSON answer (the transport asks clients to
// list both application/json and text/event-stream; we answer JSON).
bool AcceptsJson(const HttpRequest& req) {
  std::string accept = absl::AsciiStrToLower(req.Header("accept"));
  if (accept.empty()) return true;
  for (absl::string_view part : absl::StrSplit(accept, ',')) {
    absl::string_view type = absl::StripAsciiWhitespace(
        part.substr(0, std::min(part.find(';'), part.size())));
    if (type == "application/json" || type == "application/*" ||
        type == "*/*") {
      return true;
    }
  }
  return false;
}

bool ValidId(const json& id) {
  return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}

}  // namespace

const std::vector<std::string>& McpProtocolVersions() {
  static const std::vector<std::string>* const kVersions =
      new std::vector<std::string>{"2025-11-25", "2025-06-18", "2025-03-26"};
  return *kVersions;
}

const std::vector<McpTool>& McpTools() {
  static const std::vector<McpTool>* const kTools =
      new std::vector<McpTool>(BuildTools());
  return *kTools;
}

std::vector<std::string> CheckToolArguments(const McpTool& tool,
                                            const json& arguments) {
  std::vector<std::string> out;
  if (!arguments.is_object()) {
    out.push_back("arguments: must be an object");
    return out;
  }
  const json& schema = tool.input_schema;
  const json& props = schema["properties"];
  for (const auto& [key, value] : arguments.items()) {
    const std::string path = absl::StrCat("arguments.", key);
    auto p = props.find(key);
    if (p == props.end()) {
      out.push_back(absl::StrCat(path, ": unknown argument"));
      continue;
    }
    const std::string type = (*p)["type"].get<std::string>();
    if (type == "string") {
      if (!value.is_string()) {
        out.push_back(absl::StrCat(path, ": must be a string"));
        continue;
      }
      const std::string s = value.get<std::string>();
      if (p->contains("enum")) {
        const json& e = (*p)["enum"];
        if (std::find(e.begin(), e.end(), value) == e.end()) {
          out.push_back(absl::StrCat(
              path, ": must be one of ",
              absl::StrJoin(e.get<std::vector<std::string>>(), ", ")));
        }
      }
      if (p->contains("minLength") &&
          s.size() < (*p)["minLength"].get<size_t>()) {
        out.push_back(absl::StrCat(path, ": must not be empty"));
      }
      if (p->contains("maxLength") &&
          s.size() > (*p)["maxLength"].get<size_t>()) {
        out.push_back(absl::StrCat(path, ": at most ",
                                   (*p)["maxLength"].get<size_t>(),
                                   " characters"));
      }
    } else if (type == "integer") {
      if (!value.is_number_integer()) {
        out.push_back(absl::StrCat(path, ": must be an integer"));
        continue;
      }
      const int64_t n = value.get<int64_t>();
      if ((p->contains("minimum") && n < (*p)["minimum"].get<int64_t>()) ||
          (p->contains("maximum") && n > (*p)["maximum"].get<int64_t>())) {
        out.push_back(absl::StrCat(path, ": must be between ",
                                   (*p)["minimum"].get<int64_t>(), " and ",
                                   (*p)["maximum"].get<int64_t>()));
      }
    } else if (type == "boolean") {
      if (!value.is_boolean()) {
        out.push_back(absl::StrCat(path, ": must be true or false"));
      }
    } else if (type == "object") {
      if (!value.is_object()) {
        out.push_back(absl::StrCat(path, ": must be an object"));
      }
    } else if (type == "array") {
      if (!value.is_array()) {
        out.push_back(absl::StrCat(path, ": must be an array"));
        continue;
      }
      const json& items = (*p)["items"];
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string item = absl::StrCat(path, "[", i, "]");
        if (!value[i].is_string()) {
          out.push_back(absl::StrCat(item, ": must be a string"));
        } else if (items.contains("enum")) {
          const json& e = items["enum"];
          if (std::find(e.begin(), e.end(), value[i]) == e.end()) {
            out.push_back(absl::StrCat(
                item, ": must be one of ",
                absl::StrJoin(e.get<std::vector<std::string>>(), ", ")));
          }
        }
      }
    }
  }
  if (schema.contains("required")) {
    for (const json& r : schema["required"]) {
      if (!arguments.contains(r.get<std::string>())) {
        out.push_back(
            absl::StrCat("arguments.", r.get<std::string>(), ": is required"));
      }
    }
  }
  return out;
}

// ------------------------------------------------------------ the calls

// The API over the in-process channel, as the caller: its Authorization
// header goes along, and the transport metadata (with the process's key)
// makes the call's log line say transport=mcp and the client's address.
class McpApi {
 public:
  McpApi(const std::shared_ptr<grpc::Channel>& channel, std::string key)
      : key_(std::move(key)) {
    if (channel == nullptr) return;
    products = v1::DataProductService::NewStub(channel);
    contracts = v1::ContractService::NewStub(channel);
    access = v1::AccessService::NewStub(channel);
    policies = v1::PolicyService::NewStub(channel);
  }

  // Runs `call(ctx)` with a context that carries the caller's credentials
  // and the transport metadata; UNAVAILABLE when there is no channel.
  template <typename Fn>
  grpc::Status Run(const HttpRequest& req, Fn call) const {
    if (products == nullptr) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the API is not reachable from the MCP endpoint");
    }
    grpc::ClientContext ctx;
    for (const std::string& value : req.authorization) {
      ctx.AddMetadata("authorization", value);
    }
    ctx.AddMetadata(kTransportMetadata, "mcp");
    if (!key_.empty()) ctx.AddMetadata(kInProcessKeyMetadata, key_);
    if (!req.peer.empty()) ctx.AddMetadata(kPeerMetadata, req.peer);
    return call(&ctx);
  }

  std::unique_ptr<v1::DataProductService::Stub> products;
  std::unique_ptr<v1::ContractService::Stub> contracts;
  std::unique_ptr<v1::AccessService::Stub> access;
  std::unique_ptr<v1::PolicyService::Stub> policies;

 private:
  const std::string key_;
};

namespace {

// What one tool call (or resource read) is about, for agent.call.
struct AgentCall {
  std::string tool;
  std::string rpc;
  std::string target;  // the resource aimed at, "" for none
  json arguments;
};

// One RPC of the API, run in a context McpApi::Run prepares; fills the
// answer's JSON on success.
using ApiCall = std::function<grpc::Status(grpc::ClientContext*, json*)>;

// The agent.call decision, made by EvaluatePolicies as the caller (so that
// it is the engine's decision, for the caller's principal and teams, and
// lands in the decision log): OK, or the refusal worded as every policy
// refusal is (FAILED_PRECONDITION, reason POLICY_VIOLATION, the
// violations). WARN and DRY_RUN violations go to `warnings`.
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

// What tools/call runs for one tool: the call as agent.call sees it and
// the RPC; or, when the arguments do not fit, `invalid` and nothing else.
struct ToolPlan {
  AgentCall call;
  ApiCall run;
  grpc::Status invalid;
};

template <typename Response>
ApiCall Answering(
    std::function<grpc::Status(grpc::ClientContext*, Response*)> rpc) {
  return [rpc = std::move(rpc)](grpc::ClientContext* ctx, json* out) {
    Response r;
    grpc::Status s = rpc(ctx, &r);
    if (s.ok()) *out = MessageJson(r);
    return s;
  };
}

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
  plan.run = Answering<v1::ListDataProductsResponse>(
      [&api, l](grpc::ClientContext* ctx, v1::ListDataProductsResponse* r) {
        return api.products->ListDataProducts(ctx, *l, r);
      });
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
  plan.run = Answering<v1::ContractVersion>(
      [&api, g](grpc::ClientContext* ctx, v1::ContractVersion* r) {
        return api.contracts->GetContractVersion(ctx, *g, r);
      });
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
  plan.run = Answering<v1::AccessRequest>(
      [&api, r](grpc::ClientContext* ctx, v1::AccessRequest* out) {
        return api.access->RequestAccess(ctx, *r, out);
      });
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
    plan.run = Answering<v1::EvaluatePoliciesResponse>(
        [&api, e](grpc::ClientContext* ctx, v1::EvaluatePoliciesResponse* r) {
          return api.policies->EvaluatePolicies(ctx, *e, r);
        });
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
    plan.run = Answering<v1::DataProduct>(
        [&api, g](grpc::ClientContext* ctx, v1::DataProduct* r) {
          return api.products->GetDataProduct(ctx, *g, r);
        });
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
    plan.run = Answering<v1::GetLineageResponse>(
        [&api, g](grpc::ClientContext* ctx, v1::GetLineageResponse* r) {
          return api.products->GetLineage(ctx, *g, r);
        });
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
    plan.run = Answering<v1::PublishContractResponse>(
        [&api, p](grpc::ClientContext* ctx, v1::PublishContractResponse* r) {
          return api.contracts->PublishContract(ctx, *p, r);
        });
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

// ------------------------------------------------------------- the server

McpServer::McpServer(std::shared_ptr<grpc::Channel> channel,
                     std::string in_process_key, Authenticator authenticate,
                     PolicyProbe has_agent_policies, Options options)
    : channel_(std::move(channel)),
      in_process_key_(std::move(in_process_key)),
      authenticate_(std::move(authenticate)),
      has_agent_policies_(std::move(has_agent_policies)),
      options_(std::move(options)),
      api_(std::make_unique<McpApi>(channel_, in_process_key_)) {}

McpServer::~McpServer() = default;

size_t McpServer::sessions() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

std::string McpServer::NewSession(const std::string& principal,
                                  const std::string& protocol_version) const {
  const absl::Time now = absl::Now();
  std::string id = RandomToken(32);
  absl::MutexLock lock(&mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.last_used > options_.session_idle_timeout) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  while (!sessions_.empty() && sessions_.size() >= options_.max_sessions) {
    auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
          return a.second.last_used < b.second.last_used;
        });
    sessions_.erase(oldest);
  }
  sessions_[id] = Session{principal, protocol_version, now};
  return id;
}

HttpResponse McpServer::Handle(const HttpRequest& req) const {
  // The transport: servers MUST validate Origin, and answer 403 to one
  // they do not accept.
  if (!OriginAllowed(req)) {
    return HttpError(403, kInvalidRequest,
                     absl::StrCat("Origin ", req.Header("origin"),
                                  " is not allowed: only the endpoint's own "
                                  "origin may call it from a browser"));
  }
  if (req.method == "GET") {
    // No server-initiated stream: every answer comes with its request.
    HttpResponse out = HttpError(405, kInvalidRequest,
                                 "GET is not served: this endpoint offers no "
                                 "server-initiated stream; POST requests");
    out.headers.push_back({"Allow", "POST, DELETE"});
    return out;
  }
  if (req.method != "POST" && req.method != "DELETE") {
    HttpResponse out = HttpError(405, kInvalidRequest,
                                 absl::StrCat(req.method, " is not served"));
    out.headers.push_back({"Allow", "POST, DELETE"});
    return out;
  }
  if (req.body.size() > options_.max_body_bytes) {
    return HttpError(413, kInvalidRequest,
                     absl::StrCat("the body has ", req.body.size(),
                                  " bytes; at most ", options_.max_body_bytes));
  }
  // Authentication comes first, before any JSON-RPC work (MCP's
  // authorization section: 401 with WWW-Authenticate).
  auto unauthorized = [](const std::string& message, bool bad_token) {
    HttpResponse out = HttpError(401, kInvalidRequest, message);
    out.headers.push_back(
        {"WWW-Authenticate",
         bad_token ? "Bearer realm=\"meshplane\", error=\"invalid_token\""
                   : "Bearer realm=\"meshplane\""});
    return out;
  };
  if (req.authorization.empty()) {
    return unauthorized(
        "missing credentials: send `Authorization: Bearer <token>`", false);
  }
  if (req.authorization.size() > 1) {
    return unauthorized("more than one Authorization header: send one", true);
  }
  absl::string_view value = req.authorization[0];
  if (!absl::ConsumePrefix(&value, "Bearer ") &&
      !absl::ConsumePrefix(&value, "bearer ")) {
    return unauthorized("the Authorization header must be `Bearer <token>`",
                        true);
  }
  const std::string secret(absl::StripAsciiWhitespace(value));
  if (secret.empty()) {
    return unauthorized("the Authorization header must be `Bearer <token>`",
                        true);
  }
  absl::StatusOr<std::string> principal = authenticate_(secret);
  if (!principal.ok()) {
    if (principal.status().code() == absl::StatusCode::kUnauthenticated) {
      return unauthorized(std::string(principal.status().message()), true);
    }
    return HttpError(503, kInternalError,
                     std::string(principal.status().message()));
  }
  if (req.method == "DELETE") {
    const std::string id = req.Header(kSessionHeader);
    if (id.empty()) {
      return HttpError(400, kInvalidRequest,
                       "DELETE needs the Mcp-Session-Id header");
    }
    absl::MutexLock lock(&mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second.principal != *principal) {
      return HttpError(404, kInvalidRequest, "no such session");
    }
    sessions_.erase(it);
    HttpResponse out;
    out.status = 204;
    out.content_type.clear();
    return out;
  }
  return Post(req, *principal);
}

HttpResponse McpServer::Post(const HttpRequest& req,
                             const std::string& principal) const {
  if (!AcceptsJson(req)) {
    return HttpError(406, kInvalidRequest,
                     "the Accept header must allow application/json");
  }
  const std::string content_type =
      absl::AsciiStrToLower(req.Header("content-type"));
  if (!content_type.empty() &&
      !absl::StartsWith(content_type, "application/json")) {
    return HttpError(415, kInvalidRequest,
                     "the body must be JSON (Content-Type: application/json)");
  }
  json message = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    return HttpError(400, kParseError, "Parse error: the body is not JSON");
  }
  if (message.is_array()) {
    // Protocol 2025-06-18 removed JSON-RPC batching.
    return HttpError(400, kInvalidRequest,
                     "Invalid Request: batches are not supported (one "
                     "JSON-RPC message per POST)");
  }
  if (!message.is_object() || message.value("jsonrpc", json()) != "2.0") {
    return HttpError(400, kInvalidRequest,
                     "Invalid Request: a JSON-RPC 2.0 object is required "
                     "(\"jsonrpc\": \"2.0\")");
  }
  const bool has_id = message.contains("id");
  const json id = has_id ? message["id"] : json(nullptr);
  if (has_id && !ValidId(id)) {
    return HttpError(400, kInvalidRequest,
                     "Invalid Request: id must be a string or an integer");
  }
  if (!message.contains("method")) {
    // A response or an error from the client (we send no requests).
    if (has_id && (message.contains("result") || message.contains("error"))) {
      HttpResponse out;
      out.status = 202;
      out.content_type.clear();
      return out;
    }
    return JsonResponse(
        400, ErrorMessage(
                 id, {kInvalidRequest, "Invalid Request: no method", nullptr}));
  }
  if (!message["method"].is_string()) {
    return JsonResponse(
        400, ErrorMessage(
                 id, {kInvalidRequest,
                      "Invalid Request: method must be a string", nullptr}));
  }
  const std::string method = message["method"].get<std::string>();
  json params = message.value("params", json::object());
  if (!params.is_object()) {
    return JsonResponse(
        has_id ? 200 : 400,
        ErrorMessage(
            id, {kInvalidParams, "Invalid params: params must be an object",
                 nullptr}));
  }

  std::string protocol_version;
  if (method != "initialize") {
    // Every message after initialize carries the session it belongs to.
    const std::string session = req.Header(kSessionHeader);
    if (session.empty()) {
      return HttpError(400, kInvalidRequest,
                       "Bad Request: the Mcp-Session-Id header is required "
                       "(initialize first)");
    }
    {
      absl::MutexLock lock(&mu_);
      auto it = sessions_.find(session);
      if (it == sessions_.end() || it->second.principal != principal) {
        // Unknown, ended, expired, or another caller's: the client starts
        // a new session on 404.
        return HttpError(404, kInvalidRequest,
                         "Session not found: initialize a new session");
      }
      it->second.last_used = absl::Now();
      protocol_version = it->second.protocol_version;
    }
    const std::string header = req.Header(kVersionHeader);
    if (!header.empty() && header != protocol_version) {
      const auto& known = McpProtocolVersions();
      return HttpError(
          400, kInvalidRequest,
          std::find(known.begin(), known.end(), header) == known.end()
              ? absl::StrCat("Bad Request: unsupported protocol version ",
                             header,
                             " (supported: ", absl::StrJoin(known, ", "), ")")
              : absl::StrCat("Bad Request: the session negotiated protocol "
                             "version ",
                             protocol_version, ", not ", header));
    }
  }
  if (!has_id) {
    // A notification (notifications/initialized, notifications/cancelled,
    // ...): nothing to answer.
    HttpResponse out;
    out.status = 202;
    out.content_type.clear();
    return out;
  }
  std::string new_session;
  HttpResponse out = JsonResponse(
      200, Dispatch(req, id, method, params, principal, &new_session));
  if (!new_session.empty())
    out.headers.push_back({kSessionHeader, new_session});
  return out;
}

namespace {

// One JSON-RPC answer: a result, or an error.
struct Answer {
  json result;
  std::optional<RpcError> error;
};

Answer Result(json result) { return Answer{std::move(result), std::nullopt}; }

Answer Failure(int code, std::string message, json data = nullptr) {
  return Answer{nullptr, RpcError{code, std::move(message), std::move(data)}};
}

// The API's refusal of a call made outside tools (resources/*).
Answer FailureOf(const grpc::Status& s) {
  json data = ErrorJsonOf(s);
  switch (s.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      return Failure(kResourceNotFound,
                     absl::StrCat("Resource not found: ", s.error_message()),
                     std::move(data));
    case grpc::StatusCode::INVALID_ARGUMENT:
      return Failure(kInvalidParams,
                     absl::StrCat("Invalid params: ", s.error_message()),
                     std::move(data));
    default:
      return Failure(kCallRefused, s.error_message(), std::move(data));
  }
}

json ProductResource(const v1::DataProduct& p) {
  json r = {{"uri", absl::StrCat(kUriScheme, p.name())},
            {"name", p.name()},
            {"mimeType", "application/json"}};
  if (!p.display_name().empty()) r["title"] = p.display_name();
  if (!p.description().empty()) r["description"] = p.description();
  return r;
}

json ToolsList() {
  json tools = json::array();
  for (const McpTool& t : McpTools()) {
    tools.push_back({{"name", t.name},
                     {"title", t.title},
                     {"description", t.description},
                     {"inputSchema", t.input_schema},
                     {"annotations",
                      {{"title", t.title},
                       {"readOnlyHint", t.read_only},
                       {"destructiveHint", false},
                       {"idempotentHint", t.read_only},
                       {"openWorldHint", false}}}});
  }
  return json{{"tools", tools}};
}

json ResourceTemplates() {
  auto entry = [](const std::string& path, const char* name, const char* title,
                  const char* description) {
    return json{{"uriTemplate", absl::StrCat(kUriScheme, path)},
                {"name", name},
                {"title", title},
                {"description", description},
                {"mimeType", "application/json"}};
  };
  return json{
      {"resourceTemplates",
       json::array({entry("domains/{domain}/dataProducts/{data_product}",
                          "data-product", "Data product",
                          "a data product with its ports and SLO status "
                          "(GetDataProduct)"),
                    entry("contracts/{contract}", "contract", "Data contract",
                          "a data contract (GetContract)"),
                    entry("contracts/{contract}/versions/{version}",
                          "contract-version", "Data contract version",
                          "one version of a data contract, `latest` included "
                          "(GetContractVersion)")})}};
}

// Products first, then contracts: the cursor says which list it pages
// and carries that list's page token.
Answer ResourcesList(const McpApi& api, const HttpRequest& req,
                     const json& params) {
  const std::string cursor = params.value("cursor", std::string());
  const bool contracts_phase = absl::StartsWith(cursor, "c:");
  if (!cursor.empty() && !absl::StartsWith(cursor, "p:") && !contracts_phase) {
    return Failure(kInvalidParams,
                   "Invalid params: cursor was not issued here");
  }
  const std::string token = cursor.empty() ? "" : cursor.substr(2);
  json resources = json::array();
  std::string next;
  if (!contracts_phase) {
    v1::ListDataProductsRequest l;
    l.set_parent("domains/-");
    l.set_page_size(100);
    l.set_page_token(token);
    v1::ListDataProductsResponse r;
    grpc::Status s = api.Run(req, [&](grpc::ClientContext* ctx) {
      return api.products->ListDataProducts(ctx, l, &r);
    });
    if (!s.ok()) return FailureOf(s);
    for (const v1::DataProduct& p : r.data_products()) {
      resources.push_back(ProductResource(p));
    }
    next = r.next_page_token().empty()
               ? "c:"
               : absl::StrCat("p:", r.next_page_token());
  } else {
    v1::ListContractsRequest l;
    l.set_page_size(100);
    l.set_page_token(token);
    v1::ListContractsResponse r;
    grpc::Status s = api.Run(req, [&](grpc::ClientContext* ctx) {
      return api.contracts->ListContracts(ctx, l, &r);
    });
    if (!s.ok()) return FailureOf(s);
    for (const v1::Contract& c : r.contracts()) {
      json item = {{"uri", absl::StrCat(kUriScheme, c.name())},
                   {"name", c.name()},
                   {"mimeType", "application/json"}};
      if (!c.display_name().empty()) item["title"] = c.display_name();
      if (!c.description().empty()) item["description"] = c.description();
      resources.push_back(std::move(item));
    }
    if (!r.next_page_token().empty()) {
      next = absl::StrCat("c:", r.next_page_token());
    }
  }
  json out = {{"resources", resources}};
  if (!next.empty()) out["nextCursor"] = next;
  return Result(std::move(out));
}

Answer ResourcesRead(const McpApi& api, const HttpRequest& req,
                     const json& params, bool governed) {
  if (!params.contains("uri") || !params["uri"].is_string()) {
    return Failure(kInvalidParams,
                   "Invalid params: uri (a string) is required");
  }
  const std::string uri = params["uri"].get<std::string>();
  absl::string_view rest = uri;
  if (!absl::ConsumePrefix(&rest, kUriScheme)) {
    return Failure(
        kInvalidParams,
        absl::StrCat("Invalid params: uri must start with ", kUriScheme));
  }
  const std::string name(rest);
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  AgentCall call{"resources/read", "", name, json{{"uri", uri}}};
  ApiCall read;
  if (parts.size() == 4 && ProductOf(name) == name) {
    call.rpc = "meshplane.v1.DataProductService/GetDataProduct";
    read = Answering<v1::DataProduct>(
        [&api, name](grpc::ClientContext* ctx, v1::DataProduct* r) {
          v1::GetDataProductRequest g;
          g.set_name(name);
          return api.products->GetDataProduct(ctx, g, r);
        });
  } else if (parts.size() == 2 && parts[0] == "contracts" &&
             !parts[1].empty()) {
    call.rpc = "meshplane.v1.ContractService/GetContract";
    read = Answering<v1::Contract>(
        [&api, name](grpc::ClientContext* ctx, v1::Contract* r) {
          v1::GetContractRequest g;
          g.set_name(name);
          return api.contracts->GetContract(ctx, g, r);
        });
  } else if (parts.size() == 4 && parts[0] == "contracts" &&
             parts[2] == "versions" && !parts[1].empty() && !parts[3].empty()) {
    call.rpc = "meshplane.v1.ContractService/GetContractVersion";
    call.target = absl::StrCat("contracts/", parts[1]);
    read = Answering<v1::ContractVersion>(
        [&api, name](grpc::ClientContext* ctx, v1::ContractVersion* r) {
          v1::GetContractVersionRequest g;
          g.set_name(name);
          return api.contracts->GetContractVersion(ctx, g, r);
        });
  } else {
    return Failure(kResourceNotFound,
                   absl::StrCat("Resource not found: ", uri,
                                " (resources are data products and "
                                "contracts; see resources/templates/list)"),
                   json{{"uri", uri}});
  }
  json warnings = json::array();
  grpc::Status s =
      governed ? Govern(api, req, call, &warnings) : grpc::Status::OK;
  json body;
  if (s.ok()) {
    s = api.Run(req,
                [&](grpc::ClientContext* ctx) { return read(ctx, &body); });
  }
  if (!s.ok()) {
    Answer failure = FailureOf(s);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      failure.error->data["uri"] = uri;
    }
    return failure;
  }
  json out = {{"contents", json::array({{{"uri", uri},
                                         {"mimeType", "application/json"},
                                         {"text", body.dump()}}})}};
  if (!warnings.empty()) {
    out["_meta"] = {{"meshplane.dev/policyWarnings", warnings}};
  }
  return Result(std::move(out));
}

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

}  // namespace

json McpServer::Dispatch(const HttpRequest& req, const json& id,
                         const std::string& method, const json& params,
                         const std::string& principal,
                         std::string* new_session) const {
  // When no policy has the trigger there is nothing to decide (and no
  // decision-log record to write for every read).
  const bool governed = has_agent_policies_ != nullptr && has_agent_policies_();
  Answer answer;
  if (method == "initialize") {
    if (!params.contains("protocolVersion") ||
        !params["protocolVersion"].is_string()) {
      answer = Failure(kInvalidParams,
                       "Invalid params: protocolVersion (a string) is "
                       "required");
    } else {
      const std::string asked = params["protocolVersion"].get<std::string>();
      const auto& known = McpProtocolVersions();
      // Version negotiation: the client's version when we speak it, else
      // our latest (the client then decides whether it can go on).
      const std::string version =
          std::find(known.begin(), known.end(), asked) != known.end()
              ? asked
              : known.front();
      *new_session = NewSession(principal, version);
      answer = Result(json{
          {"protocolVersion", version},
          {"capabilities",
           {{"tools", {{"listChanged", false}}},
            {"resources", {{"subscribe", false}, {"listChanged", false}}}}},
          {"serverInfo",
           {{"name", kServerName},
            {"title", "Meshplane"},
            {"version", options_.server_version}}},
          {"instructions",
           "Meshplane is the control plane of a data mesh. Search data "
           "products, read one with its ports and SLO status, follow its "
           "lineage, read or check data contracts, and request access to "
           "an output port with a purpose. Every call runs as you, under "
           "the organisation's policies; explain_refusal says why "
           "something was refused."}});
    }
  } else if (method == "ping") {
    answer = Result(json::object());
  } else if (method == "tools/list") {
    answer = Result(ToolsList());
  } else if (method == "tools/call") {
    answer = ToolsCall(*api_, req, params, principal, governed);
  } else if (method == "resources/list") {
    answer = ResourcesList(*api_, req, params);
  } else if (method == "resources/templates/list") {
    answer = Result(ResourceTemplates());
  } else if (method == "resources/read") {
    answer = ResourcesRead(*api_, req, params, governed);
  } else {
    answer =
        Failure(kMethodNotFound, absl::StrCat("Method not found: ", method));
  }
  json body = {{"jsonrpc", "2.0"}, {"id", id}};
  if (answer.error) {
    body["error"] = ErrorObject(*answer.error);
  } else {
    body["result"] = std::move(answer.result);
  }
  return body;
}

}  // namespace meshplane::server::http
