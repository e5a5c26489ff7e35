// The tool catalogue of the MCP endpoint: each tool's name, description
// for the model, RPC and input schema (tools/list), and the check of a
// call's arguments against that schema. What a tool runs is in
// mcp_tool_calls.cc.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/http/mcp_internal.h"

namespace meshplane::server::http {

using nlohmann::json;

namespace {

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

}  // namespace

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

namespace mcp_internal {

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

}  // namespace mcp_internal
}  // namespace meshplane::server::http
