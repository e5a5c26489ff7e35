// MCP for agents, end to end: the real meshplaned on a real PostgreSQL,
// driven by the official MCP client SDK from npm (tools/node/mcp-agent.mjs,
// Client + StreamableHTTPClientTransport) as an agent host would drive it:
// initialize, tools/list, the tools, resources, and an agent.call policy
// that refuses one tool while the others still work. Also the raw HTTP
// contract of the endpoint (401, 405, 403) with a plain HTTP client.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/e2e/server_test.h"
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace meshplane::e2e {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kAgent[] = "service:report-agent";

// A candidate contract for check_contract: a new minor version of the one
// published in SetUp that only adds an optional column.
std::string Candidate() {
  return OrdersContract(
      "1.1.0", "      - name: currency\n        logicalType: string\n");
}

// Agents may read restricted products but never ask for access to them.
constexpr char kAgentPolicy[] = R"(apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: agents-never-request-restricted}
spec:
  triggers: [agent.call]
  condition: >-
    request.tool != "request_access" ||
    resource.classification != "RESTRICTED"
  effect: DENY
  message: agents may read restricted data but never request access to it
  owner: governance
---
apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: agents-reading-restricted-are-noted}
spec:
  triggers: [agent.call]
  condition: >-
    request.tool != "get_data_product" ||
    resource.classification != "RESTRICTED"
  effect: WARN
  message: an agent read a restricted product
  owner: governance
)";

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class McpE2eTest : public ServerE2eTest {
 protected:
  void SetUp() override {
    // The HTTP listener on a free port, found in the log; info level for
    // the calls' log lines (transport=mcp).
    StartServer(ServingDatabaseUrl(),
                {"--http-listen", "127.0.0.1:0", "--log-level", "info"});
    if (HasFatalFailure()) return;
    const std::string log = server_.Log();
    const std::string marker = "/metrics on http://127.0.0.1:";
    size_t at = log.find(marker);
    ASSERT_NE(at, std::string::npos) << log;
    at += marker.size();
    ASSERT_TRUE(absl::SimpleAtoi(
        log.substr(at, log.find_first_not_of("0123456789", at) - at),
        &http_port_))
        << log;

    node_tools_ = MESHPLANE_NODE_TOOLS;
    ASSERT_TRUE(FileExists(
        node_tools_ + "/node_modules/@modelcontextprotocol/sdk/package.json"))
        << "the MCP SDK is not installed in " << node_tools_
        << "/node_modules: run `source scripts/common.sh && "
           "ensure_node_tools` (the test command does)";

    CliAll({{"team", "create", "governance"}});
    // The agent works for the sales team: it may check the team's contracts
    // (a publish dry run needs the owner team).
    SeedSalesOrders(kAgent, R"(
  description: every order placed in the shop
  tier: 2
  classification: internal
  tags: [orders]
  outputPorts:
    - {id: orders-v1, type: table, contract: orders-contract}
)");
    ApplyProducts("products.yaml", R"(
apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: payments, domain: sales}
spec:
  ownerTeam: teams/sales-eng
  description: card payments with holder data
  tier: 1
  classification: restricted
  outputPorts:
    - {id: payments-v1, type: table}
---
apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: revenue, domain: sales}
spec:
  ownerTeam: teams/sales-eng
  description: daily revenue
  inputPorts:
    - {id: orders, source: domains/sales/dataProducts/orders/outputPorts/orders-v1}
)");
    CommandResult r =
        Cli({"contract", "publish", "-f",
             File("orders-1.0.0.odcs.yaml", OrdersContract("1.0.0"))});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    agent_token_ = Token(kAgent);
    ASSERT_FALSE(agent_token_.empty());
  }

  std::string McpUrl() const {
    return absl::StrCat("http://127.0.0.1:", http_port_, "/mcp");
  }

  // Runs the SDK agent with `plan`; its JSON output.
  json Agent(const json& plan, const std::string& token, int* exit_code) {
    std::vector<std::string> args = {"/usr/bin/env", "node",
                                     node_tools_ + "/mcp-agent.mjs", McpUrl()};
    if (!token.empty()) args.push_back(token);
    CommandResult r = RunCommand(args, {}, plan.dump(), 120);
    *exit_code = r.exit_code;
    json out = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(out.is_discarded()) << r.Describe();
    return out.is_discarded() ? json::object() : out;
  }

  json Agent(const json& plan) {
    int code = 0;
    json out = Agent(plan, agent_token_, &code);
    EXPECT_EQ(code, 0) << out.dump();
    EXPECT_EQ(out.value("steps", json::array()).size(), plan.size())
        << out.dump();
    return out;
  }

  static json CallTool(const std::string& name, json arguments) {
    return {{"op", "callTool"}, {"name", name}, {"arguments", arguments}};
  }

  // The text of a tool result's content, joined.
  static std::string Text(const json& result) {
    std::string text;
    for (const json& c : result.value("content", json::array())) {
      absl::StrAppend(&text, c.value("text", ""), "\n");
    }
    return text;
  }

  // Calls get_data_product `n` times and prints the median round trip the
  // SDK saw (a figure for docs, not an assertion).
  void ReportLatency(const std::string& what, int n) {
    json plan = json::array();
    for (int i = 0; i < n; ++i) {
      plan.push_back(CallTool("get_data_product",
                              {{"name", "domains/sales/dataProducts/orders"}}));
    }
    json out = Agent(plan);
    std::vector<double> ms;
    for (const json& step : out.value("steps", json::array())) {
      EXPECT_FALSE(step["result"].value("isError", true)) << step.dump();
      ms.push_back(step.value("ms", 0.0));
    }
    ASSERT_FALSE(ms.empty());
    std::sort(ms.begin(), ms.end());
    std::printf(
        "MCP get_data_product round trip (%s): median %.2f ms, p90 "
        "%.2f ms over %d calls\n",
        what.c_str(), ms[ms.size() / 2], ms[ms.size() * 9 / 10], n);
  }

  int http_port_ = 0;
  std::string node_tools_;
  std::string agent_token_;
};

TEST_F(McpE2eTest, AnAgentSearchesInspectsChecksAndRequestsAccess) {
  json out = Agent(json::array(
      {{{"op", "listTools"}},
       CallTool("search_data_products", {{"query", "orders"}}),
       CallTool("get_data_product",
                {{"name", "domains/sales/dataProducts/orders"}}),
       CallTool("get_lineage", {{"name", "domains/sales/dataProducts/revenue"},
                                {"direction", "UPSTREAM"}}),
       CallTool("get_contract_version",
                {{"contract", "contracts/orders-contract"}}),
       CallTool("check_contract", {{"yaml", Candidate()}}),
       CallTool("request_access",
                {{"output_port",
                  "domains/sales/dataProducts/orders/outputPorts/orders-v1"},
                 {"purpose", "weekly revenue report for finance"},
                 {"duration", "30d"}}),
       {{"op", "readResource"},
        {"uri", "meshplane://domains/sales/dataProducts/orders"}},
       {{"op", "listResources"}},
       {{"op", "listResourceTemplates"}},
       CallTool("search_data_products", {{"page_size", "ten"}}),
       CallTool("no_such_tool", json::object())}));
  EXPECT_EQ(out.value("protocolVersion", ""), "2025-11-25") << out.dump();
  EXPECT_FALSE(out.value("sessionId", "").empty()) << out.dump();
  const json& steps = out["steps"];
  ASSERT_EQ(steps.size(), 12u) << out.dump();
  for (size_t i = 0; i + 1 < steps.size(); ++i) {
    ASSERT_TRUE(steps[i].value("ok", false)) << i << ": " << steps[i].dump();
  }

  // tools/list: every tool, each with an object inputSchema.
  std::vector<std::string> names;
  for (const json& t : steps[0]["result"]["tools"]) {
    names.push_back(t.value("name", ""));
    EXPECT_EQ(t["inputSchema"].value("type", ""), "object") << t.dump();
    EXPECT_TRUE(t["inputSchema"].contains("properties")) << t.dump();
  }
  EXPECT_THAT(names,
              ::testing::ElementsAre("search_data_products", "get_data_product",
                                     "get_lineage", "get_contract_version",
                                     "check_contract", "request_access",
                                     "explain_refusal"));

  // search: orders, found by its text.
  const json& search = steps[1]["result"];
  EXPECT_FALSE(search.value("isError", false)) << search.dump();
  ASSERT_EQ(search["structuredContent"]["dataProducts"].size(), 1u)
      << search.dump();
  EXPECT_EQ(search["structuredContent"]["dataProducts"][0].value("name", ""),
            "domains/sales/dataProducts/orders");

  // get: the product with its ports.
  const json& product = steps[2]["result"]["structuredContent"];
  EXPECT_EQ(product.value("classification", ""), "CLASSIFICATION_INTERNAL")
      << product.dump();
  ASSERT_EQ(product["outputPorts"].size(), 1u) << product.dump();
  EXPECT_EQ(product["outputPorts"][0].value("contract", ""), "orders-contract");

  // lineage: revenue reads orders.
  EXPECT_THAT(steps[3]["result"]["structuredContent"].dump(),
              HasSubstr("domains/sales/dataProducts/orders"));

  // the contract's latest version.
  EXPECT_EQ(steps[4]["result"]["structuredContent"].value("version", ""),
            "1.0.0")
      << steps[4].dump();

  // check: an added optional column is a compatible minor change.
  const json& check = steps[5]["result"];
  EXPECT_FALSE(check.value("isError", false)) << check.dump();
  EXPECT_TRUE(check["structuredContent"]["report"].value("accepted", false))
      << check.dump();

  // request_access: filed and granted (no access.request policy).
  const json& access = steps[6]["result"];
  EXPECT_FALSE(access.value("isError", false)) << access.dump();
  EXPECT_EQ(access["structuredContent"].value("requester", ""), kAgent);
  EXPECT_EQ(access["structuredContent"].value("state", ""),
            "ACCESS_REQUEST_STATE_APPROVED")
      << access.dump();

  // resources/read of the product.
  const json& contents = steps[7]["result"]["contents"];
  ASSERT_EQ(contents.size(), 1u) << steps[7].dump();
  EXPECT_EQ(contents[0].value("mimeType", ""), "application/json");
  EXPECT_EQ(json::parse(contents[0].value("text", "{}")).value("name", ""),
            "domains/sales/dataProducts/orders");

  // resources/list: the three products, then the contract.
  std::vector<std::string> uris;
  for (const json& r : steps[8]["result"]["resources"]) {
    uris.push_back(r.value("uri", ""));
  }
  EXPECT_THAT(uris, ::testing::IsSupersetOf(
                        {"meshplane://domains/sales/dataProducts/orders",
                         "meshplane://domains/sales/dataProducts/payments"}));
  EXPECT_EQ(steps[9]["result"]["resourceTemplates"].size(), 3u);

  // Bad arguments are a tool error the model can read, not a transport one.
  const json& bad = steps[10]["result"];
  EXPECT_TRUE(bad.value("isError", false)) << bad.dump();
  EXPECT_THAT(Text(bad), HasSubstr("arguments.page_size: must be an integer"));
  // An unknown tool is a protocol error (-32602).
  EXPECT_FALSE(steps[11].value("ok", true));
  EXPECT_EQ(steps[11].value("code", 0), -32602) << steps[11].dump();

  // Each tool ran as its RPC, logged as coming over MCP.
  const std::string log = server_.Log();
  for (const char* method : {"meshplane.v1.DataProductService/ListDataProducts",
                             "meshplane.v1.DataProductService/GetDataProduct",
                             "meshplane.v1.DataProductService/GetLineage",
                             "meshplane.v1.ContractService/GetContractVersion",
                             "meshplane.v1.ContractService/PublishContract",
                             "meshplane.v1.AccessService/RequestAccess"}) {
    EXPECT_THAT(
        log, HasSubstr(absl::StrCat("method=", method, " principal=", kAgent)))
        << method;
  }
  EXPECT_THAT(log, HasSubstr("transport=mcp"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr(agent_token_)));
  ReportLatency("no agent.call policy", 200);
  // The write is in the audit log, as the agent's.
  CommandResult audit =
      Cli({"audit", "list", "--principal", kAgent, "-o", "json"});
  ASSERT_EQ(audit.exit_code, 0) << audit.Describe();
  int requests = 0;
  for (const json& record :
       json::parse(audit.out).value("audit_records", json::array())) {
    if (record.value("method", "") ==
        "meshplane.v1.AccessService/RequestAccess") {
      ++requests;
      EXPECT_EQ(record.value("transport", ""), "mcp") << record.dump();
    }
  }
  EXPECT_EQ(requests, 1) << audit.out;
  // The admin's own writes came over gRPC.
  audit = Cli({"audit", "list", "--principal", "user:admin", "-o", "json"});
  ASSERT_EQ(audit.exit_code, 0) << audit.Describe();
  EXPECT_THAT(audit.out, HasSubstr("\"transport\": \"grpc\""));
}

TEST_F(McpE2eTest, AnAgentCallPolicyRefusesAccessToRestrictedDataOnly) {
  CommandResult r =
      Cli({"policy", "apply", "-f", File("agents.yaml", kAgentPolicy)});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string payments =
      "domains/sales/dataProducts/payments/outputPorts/payments-v1";
  json out = Agent(json::array(
      {CallTool("request_access",
                {{"output_port", payments}, {"purpose", "fraud model"}}),
       CallTool("get_data_product",
                {{"name", "domains/sales/dataProducts/payments"}}),
       CallTool("request_access",
                {{"output_port",
                  "domains/sales/dataProducts/orders/outputPorts/orders-v1"},
                 {"purpose", "weekly revenue report"}}),
       // Why was it refused? What the agent.call policies decide on it.
       CallTool("explain_refusal",
                {{"trigger", "agent.call"},
                 {"resource_name", "domains/sales/dataProducts/payments"},
                 {"request", {{"tool", "request_access"}}}}),
       // And may the agent read payments now? No grant.
       CallTool("explain_refusal", {{"output_port", payments}})}));
  const json& steps = out["steps"];
  ASSERT_EQ(steps.size(), 5u) << out.dump();

  // Refused, with the policy named, as a tool error.
  const json& refused = steps[0]["result"];
  EXPECT_TRUE(refused.value("isError", false)) << refused.dump();
  EXPECT_THAT(Text(refused),
              HasSubstr("policies/agents-never-request-restricted"));
  EXPECT_THAT(Text(refused), HasSubstr("never request access"));
  EXPECT_EQ(refused["structuredContent"]["error"].value("status", ""),
            "FAILED_PRECONDITION")
      << refused.dump();
  EXPECT_THAT(refused["structuredContent"].dump(),
              HasSubstr("POLICY_VIOLATION"));
  // Reading the restricted product is still allowed, and so is asking
  // for the internal one.
  EXPECT_FALSE(steps[1]["result"].value("isError", true)) << steps[1].dump();
  EXPECT_FALSE(steps[2]["result"].value("isError", true)) << steps[2].dump();
  // The WARN policy let the read through and said so.
  EXPECT_THAT(Text(steps[1]["result"]),
              HasSubstr("policy warnings: "
                        "policies/agents-reading-restricted-are-noted"));
  EXPECT_THAT(Text(steps[2]["result"]), ::testing::Not(HasSubstr("warnings")));
  // explain_refusal names the policy and its message.
  const json& why = steps[3]["result"];
  EXPECT_FALSE(why.value("isError", true)) << why.dump();
  EXPECT_EQ(why["structuredContent"]["decision"].value("outcome", ""),
            "DECISION_OUTCOME_DENY")
      << why.dump();
  EXPECT_THAT(why.dump(),
              HasSubstr("policies/agents-never-request-restricted"));
  const json& check = steps[4]["result"]["structuredContent"];
  EXPECT_FALSE(check.value("allowed", true)) << check.dump();
  EXPECT_FALSE(check.value("reason", "").empty()) << check.dump();

  ReportLatency("two agent.call policies", 200);
  // Nothing was filed for payments: the RPC never ran.
  CommandResult list = Cli({"access", "list", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.Describe();
  EXPECT_THAT(list.out, ::testing::Not(HasSubstr(payments)));
  EXPECT_THAT(list.out, HasSubstr("orders-v1"));
  // The decisions are in the decision log, made over MCP.
  EXPECT_THAT(server_.Log(),
              HasSubstr(absl::StrCat(
                  "method=meshplane.v1.PolicyService/EvaluatePolicies "
                  "principal=",
                  kAgent)));
}

TEST_F(McpE2eTest, WithoutAValidTokenNothingIsServed) {
  int code = 0;
  json out = Agent(json::array({{{"op", "listTools"}}}), "", &code);
  EXPECT_EQ(code, 3) << out.dump();
  EXPECT_EQ(out.value("connectCode", 0), 401) << out.dump();
  out = Agent(json::array({{{"op", "listTools"}}}), "not-a-token", &code);
  EXPECT_EQ(code, 3) << out.dump();
  EXPECT_EQ(out.value("connectCode", 0), 401) << out.dump();

  httplib::Client http("127.0.0.1", http_port_);
  const std::string init =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{)"
      R"("protocolVersion":"2025-11-25","capabilities":{},)"
      R"("clientInfo":{"name":"curl","version":"1"}}})";
  auto res = http.Post("/mcp", init, "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 401);
  EXPECT_THAT(res->get_header_value("WWW-Authenticate"), HasSubstr("Bearer"));

  httplib::Headers auth = {{"Authorization", "Bearer " + agent_token_},
                           {"Accept", "application/json, text/event-stream"}};
  res = http.Get("/mcp", auth);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  // A page of another origin (DNS rebinding) is refused.
  httplib::Headers cross = auth;
  cross.emplace("Origin", "http://evil.example");
  res = http.Post("/mcp", cross, init, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  // The same request from a client that is not a browser is served.
  res = http.Post("/mcp", auth, init, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(res->get_header_value("Mcp-Session-Id").empty());
}

}  // namespace
}  // namespace meshplane::e2e
