// MCP for agents: the Model Context Protocol (JSON-RPC 2.0 over Streamable
// HTTP, protocol version 2025-11-25) on POST /mcp. An agent initializes a
// session, lists the tools and calls them; each tool is one (or, for
// explain_refusal, one of three) RPC of the API, sent to this same server
// over its in-process channel with the caller's Authorization header, so
// that authentication, authorization, request ids, policies, audit, metrics
// and the log line (transport=mcp) are those of a gRPC call. Before a tool
// runs, the `agent.call` policies decide on it (docs/mcp.md).
//
// Independent of the HTTP server library, like the transcoder: it serves
// HttpRequest and answers HttpResponse. Thread-safe.
#ifndef MESHPLANE_SERVER_HTTP_MCP_H_
#define MESHPLANE_SERVER_HTTP_MCP_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/http/transcoder.h"
#include <grpcpp/channel.h>
#include <nlohmann/json.hpp>

namespace meshplane::server::http {

class McpApi;

// The protocol versions served, newest first; the first is offered to a
// client that asks for one not in the list.
const std::vector<std::string>& McpProtocolVersions();

// One tool of tools/list.
struct McpTool {
  std::string name;         // e.g. "search_data_products"
  std::string title;        // for people
  std::string description;  // for the model: what it does, when to use it
  std::string rpc;          // the RPC it runs ("" when it depends on input)
  bool read_only = true;
  nlohmann::json input_schema;  // JSON Schema of `arguments` (an object)
};

// Every tool, in tools/list order. Never empty; names are unique.
const std::vector<McpTool>& McpTools();

// Checks `arguments` against `tool.input_schema` (the subset of JSON Schema
// the table uses: object with properties, required, additionalProperties
// false; string with enum, minLength, maxLength; integer with minimum,
// maximum; boolean; array of strings with enum items; object). Returns
// every problem as "arguments.<path>: <what>"; empty when valid.
std::vector<std::string> CheckToolArguments(const McpTool& tool,
                                            const nlohmann::json& arguments);

class McpServer {
 public:
  struct Options {
    // Longer bodies get 413.
    size_t max_body_bytes = 4 << 20;
    // Sessions kept per process; beyond, the least recently used goes.
    size_t max_sessions = 10000;
    // A session unused this long is forgotten (the client re-initializes
    // on the 404 that follows, as the protocol asks of it).
    absl::Duration session_idle_timeout = absl::Hours(24);
    std::string server_version = "dev";
  };
  // The principal ("user:...") whose bearer secret this is, verified as
  // every call verifies it (CallRunner: API tokens, OIDC JWTs);
  // UNAUTHENTICATED for a bad secret, UNAVAILABLE when it cannot tell.
  using Authenticator =
      std::function<absl::StatusOr<std::string>(const std::string& secret)>;
  // Whether any policy has the agent.call trigger: when none has, tool
  // calls skip the evaluation (and its decision-log record).
  using PolicyProbe = std::function<bool()>;

  // `channel` is this server's in-process channel, `in_process_key`
  // CallRunner::in_process_key(). `channel` may be null in tests of the
  // protocol alone: tools then fail with UNAVAILABLE.
  McpServer(std::shared_ptr<grpc::Channel> channel, std::string in_process_key,
            Authenticator authenticate, PolicyProbe has_agent_policies,
            Options options);
  ~McpServer();

  // POST (JSON-RPC), GET (405: no server-initiated stream) and DELETE (ends
  // the session) on the MCP endpoint.
  HttpResponse Handle(const HttpRequest& request) const;

  // Number of live sessions (for tests).
  size_t sessions() const;

 private:
  struct Session {
    std::string principal;
    std::string protocol_version;
    absl::Time last_used;
  };
  HttpResponse Post(const HttpRequest& request,
                    const std::string& principal) const;
  // The JSON-RPC response to the request `id` of `method`.
  nlohmann::json Dispatch(const HttpRequest& request, const nlohmann::json& id,
                          const std::string& method,
                          const nlohmann::json& params,
                          const std::string& principal,
                          std::string* new_session) const;
  std::string NewSession(const std::string& principal,
                         const std::string& protocol_version) const;

  const std::shared_ptr<grpc::Channel> channel_;
  const std::string in_process_key_;
  const Authenticator authenticate_;
  const PolicyProbe has_agent_policies_;
  const Options options_;
  const std::unique_ptr<McpApi> api_;

  mutable absl::Mutex mu_;
  mutable std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_MCP_H_
