// The pieces of the MCP endpoint (server/http/mcp.h) that its files share:
// the JSON-RPC error codes and answers, the API client the tools call
// through (McpApi), the agent.call decision, and the method handlers that
// mcp.cc's Dispatch routes to. mcp.cc holds the protocol and the sessions,
// mcp_tools.cc the tool catalogue, mcp_tool_calls.cc what tools/call runs,
// mcp_resources.cc the resources/* methods. Internal to server/http.
#ifndef MESHPLANE_SERVER_HTTP_MCP_INTERNAL_H_
#define MESHPLANE_SERVER_HTTP_MCP_INTERNAL_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "server/call.h"
#include "server/http/mcp.h"
#include "server/http/transcoder.h"
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <nlohmann/json.hpp>

#include "meshplane/v1/access.grpc.pb.h"
#include "meshplane/v1/contract.grpc.pb.h"
#include "meshplane/v1/data_product.grpc.pb.h"
#include "meshplane/v1/policy.grpc.pb.h"

namespace meshplane::server::http {

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

namespace mcp_internal {

using nlohmann::json;

inline constexpr char kUriScheme[] = "meshplane://";

// JSON-RPC 2.0 error codes (section 5.1), and the one MCP adds for an
// unknown resource; -32000 is ours, in the range the spec leaves to
// servers: the API refused the call (the AIP-193 error is in `data`).
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;
inline constexpr int kCallRefused = -32000;

struct RpcError {
  int code = kInternalError;
  std::string message;
  json data;  // null: none
};

// One JSON-RPC answer: a result, or an error.
struct Answer {
  json result;
  std::optional<RpcError> error;
};

inline Answer Result(json result) {
  return Answer{std::move(result), std::nullopt};
}

inline Answer Failure(int code, std::string message, json data = nullptr) {
  return Answer{nullptr, RpcError{code, std::move(message), std::move(data)}};
}

// The AIP-193 error of `status` as JSON, and a line for the model.
json ErrorJsonOf(const grpc::Status& status);

// A message as JSON (proto3 JSON names, as REST answers).
json MessageJson(const google::protobuf::Message& m);

// `j` (a JSON object) as a Struct; false when it is not one.
bool JsonToStruct(const json& j, google::protobuf::Struct* out);

// A product's name out of a port's or a product's: the agent.call target.
std::optional<std::string> ProductOf(const std::string& name);

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

// `rpc` of `stub` (one of McpApi's) with `request`, answering with the
// response as JSON. The stub is only used once McpApi::Run has found the
// channel there.
template <typename Stub, typename Request, typename Response>
ApiCall Answering(Stub* stub,
                  grpc::Status (Stub::*rpc)(grpc::ClientContext*,
                                            const Request&, Response*),
                  std::shared_ptr<Request> request) {
  return [stub, rpc, request = std::move(request)](grpc::ClientContext* ctx,
                                                   json* out) {
    Response r;
    grpc::Status s = (stub->*rpc)(ctx, *request, &r);
    if (s.ok()) *out = MessageJson(r);
    return s;
  };
}

// The agent.call decision, made by EvaluatePolicies as the caller (so that
// it is the engine's decision, for the caller's principal and teams, and
// lands in the decision log): OK, or the refusal worded as every policy
// refusal is (FAILED_PRECONDITION, reason POLICY_VIOLATION, the
// violations). WARN and DRY_RUN violations go to `warnings`.
grpc::Status Govern(const McpApi& api, const HttpRequest& req,
                    const AgentCall& call, json* warnings);

// --- The methods Dispatch routes to (principal: the session's caller;
// governed: whether any policy has the agent.call trigger).

// tools/list (mcp_tools.cc).
json ToolsList();
// tools/call (mcp_tool_calls.cc): a tool result, isError when the API or a
// policy refused, or when the arguments do not fit the tool's schema.
Answer ToolsCall(const McpApi& api, const HttpRequest& req, const json& params,
                 const std::string& principal, bool governed);
// resources/templates/list, resources/list, resources/read
// (mcp_resources.cc).
json ResourceTemplates();
Answer ResourcesList(const McpApi& api, const HttpRequest& req,
                     const json& params);
Answer ResourcesRead(const McpApi& api, const HttpRequest& req,
                     const json& params, bool governed);

}  // namespace mcp_internal
}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_MCP_INTERNAL_H_
