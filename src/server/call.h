// The wrapper every RPC handler runs in: deadline and cancellation checks,
// authentication, the request context, the last-resort catch, status
// mapping and the one log line per RPC.
#ifndef MESHPLANE_SERVER_CALL_H_
#define MESHPLANE_SERVER_CALL_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "server/client_certs.h"
#include "server/jwt.h"
#include "server/metrics.h"
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "meshplane/common/crypto.h"
#include "meshplane/core/audit_log.h"
#include "meshplane/core/context.h"
#include "meshplane/core/identity.h"

namespace meshplane::server {

// Lowercase hex SHA-256 of the deterministic serialization of `request`
// with `request_id` and `validate_only` cleared and unknown fields dropped:
// the fingerprint that tells a retry (same hash) from a different request
// reusing a request id. Thread-safe.
std::string RequestHash(const google::protobuf::Message& request);

// The full name of the RPC ("meshplane.v1.DomainService/CreateDomain")
// that takes `request` as its request message: the one method of the
// services of `request`'s file whose input type it is. Every RPC of the API
// has a request message of its own (buf's RPC_REQUEST_STANDARD_NAME), so
// the type names the method. "" when no method, or more than one, takes it.
// Thread-safe.
std::string RpcMethodOf(const google::protobuf::Descriptor& request);

// The secret of an `authorization: Bearer <secret>` metadata value.
// UNAUTHENTICATED when absent or of another scheme.
absl::StatusOr<std::string> BearerSecret(const grpc::ServerContext& context);

// The metadata by which an in-process front end (REST, MCP) names the
// transport a call came in on ("http"), for the call's log line; believed
// only with kInProcessKeyMetadata equal to CallRunner::in_process_key().
inline constexpr char kTransportMetadata[] = "x-meshplane-transport";
inline constexpr char kInProcessKeyMetadata[] = "x-meshplane-in-process-key";
// With them, the front end's own client ("ipv4:10.1.2.3:51234").
inline constexpr char kPeerMetadata[] = "x-meshplane-peer";

// Runs handlers. Thread-safe; holds a reference to `identity`, which must
// outlive it.
class CallRunner {
 public:
  // `metrics`, if not null, counts every call; `audit`, if not null,
  // records writes refused before they reach core (undecodable requests);
  // `certs`, if not null (mutual TLS is on), maps a verified client
  // certificate to the caller when no bearer token is sent. All must
  // outlive the runner. `max_call_duration` caps the deadline of unary
  // calls (and gives one to calls sent without); server-streaming calls
  // (Watch) keep the client's. `oidc`, if not null, verifies bearer
  // tokens shaped like a JWT (LooksLikeJwt); every other bearer is a
  // Meshplane API token.
  explicit CallRunner(
      core::Identity& identity, Metrics* metrics = nullptr,
      core::AuditLog* audit = nullptr,
      const CertificatePrincipals* certs = nullptr,
      absl::Duration max_call_duration = absl::InfiniteDuration(),
      const OidcAuthenticator* oidc = nullptr)
      : identity_(identity),
        metrics_(metrics),
        audit_(audit),
        certs_(certs),
        max_call_duration_(max_call_duration),
        oidc_(oidc),
        in_process_key_(RandomToken(32)) {}

  // A random key, new in each process, that the in-process front ends send
  // beside kTransportMetadata. Never logged, never sent out of process.
  const std::string& in_process_key() const { return in_process_key_; }

  // The work of one RPC: decode, call core, encode into the response.
  using Work = std::function<absl::Status(const core::RequestContext&)>;

  // Runs `work` for the RPC `method` (its full name,
  // "meshplane.v1.DomainService/CreateDomain") on `request`:
  //   0. sets ctx.deadline (the call's deadline, capped by the maximum)
  //      and installs it as the thread's store::DeadlineScope for steps
  //      1-6, so that no transaction of the call outlives it;
  //   1. DEADLINE_EXCEEDED if the call's deadline has passed;
  //   2. authenticates the caller (UNAUTHENTICATED): the bearer token when
  //      one is sent, else (with mutual TLS) the client certificate;
  //   3. checks the request shape every RPC shares: no NUL characters in
  //      strings, a well-formed request_id (INVALID_ARGUMENT);
  //   4. builds the RequestContext (principal, method, request_id,
  //      request_hash when there is a request_id, validate_only);
  //   5. for writes, CANCELLED / DEADLINE_EXCEEDED if the client has given
  //      up meanwhile;
  //   6. runs `work`;
  //   7. audits a refused write that core did not audit itself (a request
  //      that could not be decoded or had a malformed shared field);
  // and maps the outcome with ToGrpcStatus. An exception escaping `work`
  // is logged and answered INTERNAL. Logs one line per call (successful
  // CheckAccess calls at debug level: the decision log has them).
  grpc::Status Run(grpc::ServerContext* context, absl::string_view method,
                   const google::protobuf::Message& request,
                   const Work& work) const;

  // Run for the RPC that `request` is the request of (RpcMethodOf): the
  // form every handler uses, so that a handler carries its rule and not its
  // method name. A request type that no single RPC takes is a bug of the
  // caller: INTERNAL, before any work.
  grpc::Status Run(grpc::ServerContext* context,
                   const google::protobuf::Message& request,
                   const Work& work) const;

 private:
  absl::Status Prepare(grpc::ServerContext* context, absl::string_view method,
                       const google::protobuf::Message& request,
                       core::RequestContext* ctx) const;
  absl::StatusOr<model::Principal> Authenticate(
      const grpc::ServerContext& context) const;
  // Where a call came from, for its log line: "grpc" and the gRPC peer, or
  // the transport and client an in-process front end names.
  struct Origin {
    std::string transport;
    std::string peer;
  };
  Origin OriginOf(const grpc::ServerContext& context) const;

  core::Identity& identity_;
  Metrics* metrics_;
  core::AuditLog* audit_;
  const CertificatePrincipals* certs_;
  const absl::Duration max_call_duration_;
  const OidcAuthenticator* oidc_;
  const std::string in_process_key_;
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_CALL_H_
