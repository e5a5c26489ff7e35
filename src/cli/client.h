// The connection to meshplaned and the per-invocation state every command
// shares: global options, output streams, the request id.
#ifndef MESHPLANE_CLI_CLIENT_H_
#define MESHPLANE_CLI_CLIENT_H_

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "cli/errors.h"
#include "cli/output.h"
#include <grpcpp/grpcpp.h>

#include "meshplane/v1/access.grpc.pb.h"
#include "meshplane/v1/contract.grpc.pb.h"
#include "meshplane/v1/data_product.grpc.pb.h"
#include "meshplane/v1/domain.grpc.pb.h"
#include "meshplane/v1/events.grpc.pb.h"
#include "meshplane/v1/identity.grpc.pb.h"
#include "meshplane/v1/policy.grpc.pb.h"
#include "meshplane/v1/slo.grpc.pb.h"
#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane::cli {

// A unary method of a generated stub, e.g. &v1::DomainService::Stub::GetDomain.
template <typename Stub, typename Request, typename Response>
using UnaryRpc = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&,
                                        Response*);

// Options that apply to every command.
struct GlobalOptions {
  std::string addr = "127.0.0.1:50051";        // MESHPLANE_ADDR / --addr
  std::string token;                           // MESHPLANE_TOKEN / --token
  Format format = Format::kTable;              // -o
  bool dry_run = false;                        // --dry-run -> validate_only
  absl::Duration timeout = absl::Seconds(30);  // per attempt
  std::string request_id;  // --request-id; generated when empty
  bool tls = false;        // --tls / MESHPLANE_TLS
  std::string ca_pem;      // contents of --ca-file; empty: system roots
  std::string cert_pem;    // contents of --cert-file: client certificate (mTLS)
  std::string key_pem;     // contents of --key-file: its private key
  std::string tls_server_name;  // --tls-server-name: expected certificate name
};

// Stubs over one channel, and the retry policy. Not thread-safe; one per
// invocation.
class Client {
 public:
  explicit Client(const GlobalOptions& options);

  meshplane::v1::DomainService::Stub& domains() { return *domains_; }
  meshplane::v1::TeamService::Stub& teams() { return *teams_; }
  meshplane::v1::DataProductService::Stub& products() { return *products_; }
  meshplane::v1::IdentityService::Stub& identity() { return *identity_; }
  meshplane::v1::PolicyService::Stub& policies() { return *policies_; }
  meshplane::v1::EventService::Stub& events() { return *events_; }
  meshplane::v1::ContractService::Stub& contracts() { return *contracts_; }
  meshplane::v1::AccessService::Stub& access() { return *access_; }
  meshplane::v1::ServiceLevelService::Stub& slo() { return *slo_; }

  // Runs `rpc(ClientContext*)` with the token and the deadline, retrying
  // UNAVAILABLE and CANCELLED up to kMaxRetries times with exponential backoff.
  // Retrying writes is safe because the caller has put the same request id into
  // the request for every attempt (AIP-155).
  template <typename Rpc>
  grpc::Status Call(Rpc&& rpc) {
    grpc::Status status;
    std::chrono::milliseconds backoff(100);
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext context;
      Prepare(&context);
      status = rpc(&context);
      // The CLI never cancels a call itself, so a CANCELLED comes from a
      // server that shut down under it: retryable like UNAVAILABLE
      // (docs/api-errors.md, "A client's retry rule").
      const bool retryable =
          status.error_code() == grpc::StatusCode::UNAVAILABLE ||
          status.error_code() == grpc::StatusCode::CANCELLED;
      if (!retryable || attempt >= kMaxRetries) {
        return status;
      }
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }

  // One unary `rpc` of `stub` through Call:
  //   client.Call(client.domains(), &v1::DomainService::Stub::GetDomain,
  //               request, &response)
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(Stub& stub, UnaryRpc<Stub, Request, Response> rpc,
                    const Request& request, Response* response) {
    return Call([&](grpc::ClientContext* ctx) {
      return (stub.*rpc)(ctx, request, response);
    });
  }

  static constexpr int kMaxRetries = 3;

  // For a stream that lasts as long as the user wants (Watch): the token,
  // and no deadline.
  void PrepareStream(grpc::ClientContext* context) const;

 private:
  void Prepare(grpc::ClientContext* context) const;

  GlobalOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<meshplane::v1::DomainService::Stub> domains_;
  std::unique_ptr<meshplane::v1::TeamService::Stub> teams_;
  std::unique_ptr<meshplane::v1::DataProductService::Stub> products_;
  std::unique_ptr<meshplane::v1::IdentityService::Stub> identity_;
  std::unique_ptr<meshplane::v1::PolicyService::Stub> policies_;
  std::unique_ptr<meshplane::v1::EventService::Stub> events_;
  std::unique_ptr<meshplane::v1::ContractService::Stub> contracts_;
  std::unique_ptr<meshplane::v1::AccessService::Stub> access_;
  std::unique_ptr<meshplane::v1::ServiceLevelService::Stub> slo_;
};

// What a command runs with.
class Env {
 public:
  Env(GlobalOptions options, std::ostream& out, std::ostream& err);

  const GlobalOptions& options() const { return options_; }
  Format format() const { return options_.format; }
  bool dry_run() const { return options_.dry_run; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // The connection, made on first use.
  Client& client();

  // The request id of this invocation's first write (--request-id or a new
  // UUID v4); each later write of the same invocation (apply of several
  // documents) gets a fresh UUID, because the server keys ids by
  // (principal, method, request_id) and two different requests must not
  // share one. Retries of one write reuse its id: Client::Call retries the
  // same request object.
  std::string NextRequestId();

  // Marks a write request: validate_only from --dry-run, and the next
  // request id (NextRequestId).
  template <typename Request>
  void PrepareWrite(Request* request) {
    request->set_validate_only(dry_run());
    request->set_request_id(NextRequestId());
  }

  // Reports a failed call (see ReportError) and returns its exit code.
  int Fail(const grpc::Status& status);
  // Prints `error: <message>` and returns kExitUsage.
  int Usage(const std::string& message);
  // Prints the message of a non-OK absl::Status as a usage error.
  int Usage(const absl::Status& status);

 private:
  GlobalOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<Client> client_;
  int writes_ = 0;
};

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_CLIENT_H_
