// The MCP endpoint's protocol alone: authentication first, JSON-RPC
// framing and error codes, sessions and the transport's headers, and the
// tool table with its argument checks. No API behind it (a null channel:
// tools answer UNAVAILABLE); the tools themselves are tested end to end in
// tests/e2e/mcp_e2e_test.cc with the official SDK.
#include "server/http/mcp.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshplane::server::http {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kToken[] = "good-token";

class McpTest : public ::testing::Test {
 protected:
  McpTest()
      : server_(
            nullptr, "", Authenticate, [] { return false; }, Options()) {}

  static McpServer::Options Options() {
    McpServer::Options o;
    o.max_body_bytes = 4096;
    o.max_sessions = 2;
    o.server_version = "test";
    return o;
  }

  static absl::StatusOr<std::string> Authenticate(const std::string& secret) {
    if (secret == kToken) return std::string("service:agent");
    if (secret == "other-token") return std::string("service:other");
    return absl::UnauthenticatedError("token refused");
  }

  static HttpRequest Post(const std::string& body,
                          const std::string& token = kToken) {
    HttpRequest r;
    r.method = "POST";
    r.path = "/mcp";
    r.body = body;
    r.headers = {{"content-type", "application/json"},
                 {"accept", "application/json, text/event-stream"},
                 {"host", "127.0.0.1:9464"}};
    if (!token.empty()) r.authorization = {"Bearer " + token};
    return r;
  }

  static std::string Header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  // Initializes a session; its id.
  std::string Initialize(const std::string& token = kToken) {
    HttpResponse r = server_.Handle(
        Post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{)"
             R"("protocolVersion":"2025-11-25","capabilities":{},)"
             R"("clientInfo":{"name":"t","version":"1"}}})",
             token));
    EXPECT_EQ(r.status, 200) << r.body;
    return Header(r, "Mcp-Session-Id");
  }

  // A request in session `session`; the parsed answer (status in *status).
  json Call(const std::string& session, const json& message,
            int* status = nullptr) {
    HttpRequest req = Post(message.dump());
    req.headers.push_back({"mcp-session-id", session});
    req.headers.push_back({"mcp-protocol-version", "2025-11-25"});
    HttpResponse r = server_.Handle(req);
    if (status != nullptr) *status = r.status;
    json j = json::parse(r.body, nullptr, false);
    return j.is_discarded() ? json() : j;
  }

  McpServer server_;
};

TEST_F(McpTest, NoTokenIs401WithBearerChallengeBeforeAnyJsonRpcWork) {
  HttpResponse r = server_.Handle(Post("not even json", ""));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Header(r, "WWW-Authenticate"), "Bearer realm=\"meshplane\"");
  r = server_.Handle(Post("{}", "bad"));
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(Header(r, "WWW-Authenticate"), HasSubstr("invalid_token"));
  EXPECT_THAT(r.body, HasSubstr("token refused"));
  HttpRequest two = Post("{}");
  two.authorization.push_back("Bearer other-token");
  EXPECT_EQ(server_.Handle(two).status, 401);
}

TEST_F(McpTest, InitializeNegotiatesTheVersionAndIssuesASession) {
  HttpResponse r = server_.Handle(
      Post(R"({"jsonrpc":"2.0","id":"a","method":"initialize","params":{)"
           R"("protocolVersion":"2025-06-18","capabilities":{},)"
           R"("clientInfo":{"name":"t","version":"1"}}})"));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["id"], "a");
  EXPECT_EQ(j["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(j["result"]["serverInfo"]["name"], "meshplane");
  EXPECT_TRUE(j["result"]["capabilities"].contains("tools"));
  EXPECT_FALSE(Header(r, "Mcp-Session-Id").empty());
  // A version we do not speak: we answer with our latest.
  r = server_.Handle(
      Post(R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{)"
           R"("protocolVersion":"1999-01-01"}})"));
  EXPECT_EQ(json::parse(r.body)["result"]["protocolVersion"], "2025-11-25");
  // protocolVersion is required.
  r = server_.Handle(
      Post(R"({"jsonrpc":"2.0","id":3,"method":"initialize","params":{}})"));
  EXPECT_EQ(json::parse(r.body)["error"]["code"], -32602);
}

TEST_F(McpTest, JsonRpcErrorsHaveTheirCodes) {
  const std::string session = Initialize();
  HttpRequest bad = Post("{\"jsonrpc\":");
  bad.headers.push_back({"mcp-session-id", session});
  HttpResponse r = server_.Handle(bad);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], -32700);
  EXPECT_TRUE(json::parse(r.body)["id"].is_null());

  int status = 0;
  json j =
      Call(session,
           json::array({{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}}),
           &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(j["error"]["code"], -32600) << j.dump();
  j = Call(session, {{"jsonrpc", "1.0"}, {"id", 1}, {"method", "ping"}});
  EXPECT_EQ(j["error"]["code"], -32600);
  j = Call(session, {{"jsonrpc", "2.0"}, {"id", 1.5}, {"method", "ping"}});
  EXPECT_EQ(j["error"]["code"], -32600);
  j = Call(session, {{"jsonrpc", "2.0"}, {"id", 7}, {"method", "nope/nope"}});
  EXPECT_EQ(j["id"], 7);
  EXPECT_EQ(j["error"]["code"], -32601);
  EXPECT_THAT(j["error"]["message"].get<std::string>(), HasSubstr("nope/nope"));
  j = Call(session, {{"jsonrpc", "2.0"},
                     {"id", 8},
                     {"method", "ping"},
                     {"params", json::array()}});
  EXPECT_EQ(j["error"]["code"], -32602);
  j = Call(session, {{"jsonrpc", "2.0"}, {"id", 9}, {"method", "ping"}});
  EXPECT_EQ(j["result"], json::object());
}

TEST_F(McpTest, NotificationsAndClientResponsesAre202) {
  const std::string session = Initialize();
  int status = 0;
  Call(session, {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
       &status);
  EXPECT_EQ(status, 202);
  Call(session, {{"jsonrpc", "2.0"}, {"id", 3}, {"result", json::object()}},
       &status);
  EXPECT_EQ(status, 202);
}

TEST_F(McpTest, SessionsAreRequiredCheckedBoundAndEnded) {
  const std::string session = Initialize();
  HttpResponse r =
      server_.Handle(Post(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  EXPECT_EQ(r.status, 400);  // no session header
  int status = 0;
  Call("unknown", {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, &status);
  EXPECT_EQ(status, 404);
  // Another principal's session is not found for them.
  HttpRequest other =
      Post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", "other-token");
  other.headers.push_back({"mcp-session-id", session});
  EXPECT_EQ(server_.Handle(other).status, 404);
  // A protocol version the session did not negotiate.
  HttpRequest v = Post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  v.headers.push_back({"mcp-session-id", session});
  v.headers.push_back({"mcp-protocol-version", "2031-01-01"});
  r = server_.Handle(v);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("unsupported protocol version"));

  HttpRequest del;
  del.method = "DELETE";
  del.path = "/mcp";
  del.authorization = {std::string("Bearer ") + kToken};
  del.headers = {{"mcp-session-id", session}};
  EXPECT_EQ(server_.Handle(del).status, 204);
  Call(session, {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(server_.Handle(del).status, 404);
}

TEST_F(McpTest, SessionsAreBoundedLeastRecentlyUsedFirst) {
  const std::string a = Initialize();
  const std::string b = Initialize();
  int status = 0;
  Call(a, {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, &status);
  EXPECT_EQ(status, 200);
  const std::string c = Initialize();  // over the bound of 2: b goes
  EXPECT_EQ(server_.sessions(), 2u);
  Call(b, {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, &status);
  EXPECT_EQ(status, 404);
  Call(a, {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, &status);
  EXPECT_EQ(status, 200);
  Call(c, {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, &status);
  EXPECT_EQ(status, 200);
}

TEST_F(McpTest, TheTransportHeadersAreEnforced) {
  HttpRequest get = Post("");
  get.method = "GET";
  HttpResponse r = server_.Handle(get);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Header(r, "Allow"), "POST, DELETE");

  HttpRequest cross = Post("{}");
  cross.headers.push_back({"origin", "http://evil.example"});
  EXPECT_EQ(server_.Handle(cross).status, 403);
  HttpRequest same =
      Post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{)"
           R"("protocolVersion":"2025-11-25"}})");
  same.headers.push_back({"origin", "http://127.0.0.1:9464"});
  EXPECT_EQ(server_.Handle(same).status, 200);

  HttpRequest html = Post("{}");
  html.headers[1].second = "text/html";
  EXPECT_EQ(server_.Handle(html).status, 406);
  HttpRequest form = Post("{}");
  form.headers[0].second = "application/x-www-form-urlencoded";
  EXPECT_EQ(server_.Handle(form).status, 415);
  EXPECT_EQ(server_.Handle(Post(std::string(5000, ' '))).status, 413);
}

TEST_F(McpTest, EveryToolHasAnObjectSchemaWhoseRequiredFieldsExist) {
  std::set<std::string> names;
  for (const McpTool& t : McpTools()) {
    EXPECT_TRUE(names.insert(t.name).second) << t.name;
    EXPECT_THAT(t.name, ::testing::MatchesRegex("[a-z_]{1,64}"));
    EXPECT_FALSE(t.description.empty()) << t.name;
    EXPECT_EQ(t.input_schema["type"], "object") << t.name;
    EXPECT_EQ(t.input_schema["additionalProperties"], false) << t.name;
    for (const json& r : t.input_schema.value("required", json::array())) {
      EXPECT_TRUE(t.input_schema["properties"].contains(r.get<std::string>()))
          << t.name << " requires " << r;
    }
    for (const auto& [key, p] : t.input_schema["properties"].items()) {
      EXPECT_TRUE(p.contains("type")) << t.name << "." << key;
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{
                       "search_data_products", "get_data_product",
                       "get_lineage", "get_contract_version", "check_contract",
                       "request_access", "explain_refusal"}));
}

TEST_F(McpTest, ToolArgumentsAreCheckedAgainstTheSchema) {
  const McpTool* access = nullptr;
  for (const McpTool& t : McpTools()) {
    if (t.name == "request_access") access = &t;
  }
  ASSERT_NE(access, nullptr);
  EXPECT_THAT(
      CheckToolArguments(*access, {{"output_port", "p"}, {"purpose", "x"}}),
      ::testing::IsEmpty());
  EXPECT_THAT(CheckToolArguments(*access, {{"output_port", 3},
                                           {"actions", {"read", "delete"}},
                                           {"validate_only", "yes"},
                                           {"colour", "red"}}),
              ::testing::UnorderedElementsAre(
                  "arguments.output_port: must be a string",
                  "arguments.actions[1]: must be one of read, write",
                  "arguments.validate_only: must be true or false",
                  "arguments.colour: unknown argument",
                  "arguments.purpose: is required"));
  EXPECT_THAT(CheckToolArguments(*access, json::array()),
              ::testing::ElementsAre("arguments: must be an object"));
}

TEST_F(McpTest, ToolsListAndToolErrors) {
  const std::string session = Initialize();
  json j =
      Call(session, {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}});
  ASSERT_EQ(j["result"]["tools"].size(), McpTools().size()) << j.dump();
  for (const json& t : j["result"]["tools"]) {
    EXPECT_EQ(t["inputSchema"]["type"], "object");
  }
  // Unknown tool: a protocol error.
  j = Call(session, {{"jsonrpc", "2.0"},
                     {"id", 2},
                     {"method", "tools/call"},
                     {"params", {{"name", "drop_tables"}}}});
  EXPECT_EQ(j["error"]["code"], -32602);
  // Bad arguments: a tool result with isError, naming the argument.
  j = Call(
      session,
      {{"jsonrpc", "2.0"},
       {"id", 3},
       {"method", "tools/call"},
       {"params", {{"name", "get_lineage"}, {"arguments", {{"depth", 0}}}}}});
  EXPECT_EQ(j["result"]["isError"], true) << j.dump();
  EXPECT_THAT(j["result"]["content"][0]["text"].get<std::string>(),
              HasSubstr("arguments.depth: must be between 1 and 10"));
  EXPECT_EQ(j["result"]["structuredContent"]["error"]["status"],
            "INVALID_ARGUMENT");
  // No API behind this server: the call fails as a tool error.
  j = Call(session,
           {{"jsonrpc", "2.0"},
            {"id", 4},
            {"method", "tools/call"},
            {"params",
             {{"name", "get_data_product"},
              {"arguments", {{"name", "domains/a/dataProducts/b"}}}}}});
  EXPECT_EQ(j["result"]["isError"], true) << j.dump();
  EXPECT_THAT(j.dump(), HasSubstr("UNAVAILABLE"));
  // resources/read of a URI that names nothing we serve.
  j = Call(session, {{"jsonrpc", "2.0"},
                     {"id", 5},
                     {"method", "resources/read"},
                     {"params", {{"uri", "meshplane://teams/x"}}}});
  EXPECT_EQ(j["error"]["code"], -32002) << j.dump();
}

}  // namespace
}  // namespace meshplane::server::http
