// The MCP endpoint's protocol: the Streamable HTTP transport (Origin,
// Accept, methods), JSON-RPC framing, version negotiation and sessions,
// and the dispatch of each method to its handler (mcp_internal.h).
#include "server/http/mcp.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/http/mcp_internal.h"

#include "meshplane/common/crypto.h"

namespace meshplane::server::http {

using mcp_internal::Answer;
using mcp_internal::Failure;
using mcp_internal::kInternalError;
using mcp_internal::kInvalidParams;
using mcp_internal::kInvalidRequest;
using mcp_internal::kMethodNotFound;
using mcp_internal::kParseError;
using mcp_internal::ResourcesList;
using mcp_internal::ResourcesRead;
using mcp_internal::ResourceTemplates;
using mcp_internal::Result;
using mcp_internal::RpcError;
using mcp_internal::ToolsCall;
using mcp_internal::ToolsList;
using nlohmann::json;

namespace {

constexpr char kServerName[] = "meshplane";
constexpr char kSessionHeader[] = "Mcp-Session-Id";
constexpr char kVersionHeader[] = "MCP-Protocol-Version";

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
