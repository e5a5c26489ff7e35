// resources/*: data products and contracts as MCP resources
// (meshplane://<resource name>), listed, described by templates and read
// as the caller, under the agent.call policies like tools.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/http/mcp_internal.h"

namespace meshplane::server::http::mcp_internal {
namespace {

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

}  // namespace

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
    auto g = std::make_shared<v1::GetDataProductRequest>();
    g->set_name(name);
    read = Answering(api.products.get(),
                     &v1::DataProductService::Stub::GetDataProduct, g);
  } else if (parts.size() == 2 && parts[0] == "contracts" &&
             !parts[1].empty()) {
    call.rpc = "meshplane.v1.ContractService/GetContract";
    auto g = std::make_shared<v1::GetContractRequest>();
    g->set_name(name);
    read = Answering(api.contracts.get(),
                     &v1::ContractService::Stub::GetContract, g);
  } else if (parts.size() == 4 && parts[0] == "contracts" &&
             parts[2] == "versions" && !parts[1].empty() && !parts[3].empty()) {
    call.rpc = "meshplane.v1.ContractService/GetContractVersion";
    call.target = absl::StrCat("contracts/", parts[1]);
    auto g = std::make_shared<v1::GetContractVersionRequest>();
    g->set_name(name);
    read = Answering(api.contracts.get(),
                     &v1::ContractService::Stub::GetContractVersion, g);
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

}  // namespace meshplane::server::http::mcp_internal
