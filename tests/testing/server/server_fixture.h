// ServerFixture: a real meshplaned on loopback over a private PostgreSQL,
// for integration tests. The server is composed exactly as meshplaned's
// main.cc composes it (server::StartServer over a migrated PostgresStore),
// on 127.0.0.1:0 (gRPC and HTTP), with a bootstrap admin token.
//
//   auto fx = ServerFixture::Start();              // fatal on failure
//   auto stub = fx->Domains();
//   auto ctx = fx->AdminContext();
//   grpc::Status s = stub->CreateDomain(ctx.get(), request, &domain);
//   std::string ana = fx->MintToken("user:ana@example.com");
//
// Each fixture gets its own database (PgFixture::NewDatabase), so tests do
// not see each other's rows. The PostgreSQL server itself is shared by the
// test binary (PgFixture::Get()). The server connects as the serving role
// (serving_url()), with only the privileges production gives it; tests that
// reach into the database use database_url(), as the superuser.
#ifndef MESHPLANE_TESTS_TESTING_SERVER_SERVER_FIXTURE_H_
#define MESHPLANE_TESTS_TESTING_SERVER_SERVER_FIXTURE_H_

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/rpc/status.pb.h"
#include "server/app.h"
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "meshplane/common/clock.h"
#include "meshplane/common/errors.h"
#include "meshplane/store/store.h"
#include "meshplane/v1/access.grpc.pb.h"
#include "meshplane/v1/contract.grpc.pb.h"
#include "meshplane/v1/data_product.grpc.pb.h"
#include "meshplane/v1/domain.grpc.pb.h"
#include "meshplane/v1/events.grpc.pb.h"
#include "meshplane/v1/identity.grpc.pb.h"
#include "meshplane/v1/policy.grpc.pb.h"
#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane::testing {

struct ServerFixtureOptions {
  // Applied on top of the defaults; `listen`, `http_listen` and
  // `bootstrap_token` are set by the fixture.
  server::ServerConfig config;
  int pool_size = 8;
  // The store's wait queue and wait bound (store::PostgresStoreOptions).
  int pool_max_waiters = 64;
  absl::Duration pool_acquire_timeout = absl::Seconds(5);
  // With TLS, what channel() trusts ("" = the server certificate itself, a
  // self-signed one) and the client certificate it presents ("" = none).
  std::string tls_root_file;
  std::string tls_client_cert_file;
  std::string tls_client_key_file;
  // The server's clock (null: the real one); must outlive the fixture.
  const Clock* clock = nullptr;
};

class ServerFixture {
 public:
  // Starts a database, a store and a server. Aborts the test binary with a
  // message if any of them fails: no server test can say anything without.
  static std::unique_ptr<ServerFixture> Start(
      ServerFixtureOptions options = {});
  ~ServerFixture();

  // "127.0.0.1:<port>".
  const std::string& address() const { return address_; }
  int port() const { return server_->port(); }
  int http_port() const { return server_->http_port(); }
  // The platform-admin bootstrap token's secret (principal user:admin).
  const std::string& admin_token() const { return admin_token_; }
  // The database as `postgres` (superuser and owner of the schema).
  const std::string& database_url() const { return database_url_; }
  // The same database as PgFixture::kServingRole: what the server uses.
  const std::string& serving_url() const { return serving_url_; }
  store::Store& store() { return *store_; }
  server::RunningServer& server() { return *server_; }

  // A channel to the server (shared; created on first call). With TLS
  // configured, it trusts the server certificate itself (a self-signed test
  // certificate for "localhost").

  std::shared_ptr<grpc::Channel> channel();
  // A new TLS channel with the same trust as channel(), presenting the
  // client certificate and key in these PEM files ("" = no certificate).
  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& cert_file,
                                            const std::string& key_file) const;

  std::unique_ptr<v1::DomainService::Stub> Domains();
  std::unique_ptr<v1::TeamService::Stub> Teams();
  std::unique_ptr<v1::DataProductService::Stub> Products();
  std::unique_ptr<v1::IdentityService::Stub> Identity();
  std::unique_ptr<v1::ContractService::Stub> Contracts();
  std::unique_ptr<v1::PolicyService::Stub> Policies();
  std::unique_ptr<v1::AccessService::Stub> Access();
  std::unique_ptr<v1::EventService::Stub> Events();

  // A client context carrying `authorization: Bearer <token>` (none when
  // `token` is empty) and a deadline of `timeout` from now.
  static std::unique_ptr<grpc::ClientContext> Context(
      const std::string& token, absl::Duration timeout = absl::Seconds(30));
  std::unique_ptr<grpc::ClientContext> AdminContext() const {
    return Context(admin_token_);
  }

  // Another replica over the same database: a store of its own (a pool of
  // `pool_size`) and a server started with `config` on a free loopback
  // port, without the HTTP listener. `clock` must outlive it. Null, with a
  // test failure, if it cannot start.
  struct Replica {
    std::unique_ptr<store::Store> store;
    std::unique_ptr<server::RunningServer> server;  // goes before store
    std::shared_ptr<grpc::Channel> channel;
  };
  std::unique_ptr<Replica> StartReplica(server::ServerConfig config = {},
                                        const Clock& clock = RealClock(),
                                        int pool_size = 4) const;

  // Creates a token for `principal` as the admin and returns its secret.
  // Fatal (test failure + empty string) if the server refuses.
  std::string MintToken(const std::string& principal,
                        bool platform_admin = false);

  // --- Seeding: the teams, domains and products a test starts from,
  // created as the admin. Each returns what the server created; a refusal
  // is a fatal test failure naming the resource (a SetUp that seeds then
  // skips the test body) and returns an empty message. ---

  v1::Team SeedTeam(const v1::CreateTeamRequest& request);
  v1::Team SeedTeam(const std::string& id,
                    const std::vector<std::string>& members = {});
  v1::Domain SeedDomain(const v1::CreateDomainRequest& request);
  // `owner_team` is a team id ("sales-eng"); `parent` a domain's name
  // ("domains/sales"), "" for a top-level domain.
  v1::Domain SeedDomain(const std::string& id, const std::string& owner_team,
                        const std::string& parent = "");
  v1::DataProduct SeedProduct(const v1::CreateDataProductRequest& request);
  // `product` in the domain with id `domain`.
  v1::DataProduct SeedProduct(const std::string& domain, const std::string& id,
                              const v1::DataProduct& product);
  // A product owned by the team `owner_team` with output ports of these ids.
  v1::DataProduct SeedProduct(const std::string& domain, const std::string& id,
                              const std::string& owner_team,
                              const std::vector<std::string>& ports = {});

  ServerFixture(const ServerFixture&) = delete;
  ServerFixture& operator=(const ServerFixture&) = delete;

 private:
  ServerFixture() = default;

  std::string database_url_;
  std::string serving_url_;
  std::string admin_token_;
  std::string address_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<server::RunningServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string tls_root_pem_;
  std::string tls_client_cert_file_;
  std::string tls_client_key_file_;
};

// The base of a test suite whose tests share one server, started before the
// first test and stopped after the last: for tests that do not read what
// another writes, or read only what the suite seeds once. A suite that needs
// options or seeds overrides SetUpTestSuite() and calls StartServer().
class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { StartServer(); }
  static void TearDownTestSuite() { fx_.reset(); }
  static void StartServer(ServerFixtureOptions options = {}) {
    fx_ = ServerFixture::Start(std::move(options));
  }

  static inline std::unique_ptr<ServerFixture> fx_;
};

// --- Reading errors on the client side ---

// The grpc::Status as an absl::Status (code and message), so that the
// StatusIs() matchers apply.
absl::Status ToAbsl(const grpc::Status& status);
// The google.rpc.Status details of an error.
google::rpc::Status DetailsOf(const grpc::Status& status);
// ErrorInfo.reason ("" if none) and ErrorInfo.domain.
std::string ReasonOf(const grpc::Status& status);
std::string ErrorDomainOf(const grpc::Status& status);
// BadRequest.field_violations, as (field, description).
std::vector<FieldViolation> FieldViolationsOf(const grpc::Status& status);

// --- Health and reflection, without their generated stubs (Debian's gRPC
// ships neither proto): raw bytes over a generic stub. ---

// grpc.health.v1.Health/Check for `service` ("" = the server). On OK,
// `*serving` is the HealthCheckResponse.ServingStatus (1 SERVING,
// 2 NOT_SERVING).
grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& service, int* serving);

// The services that server reflection (grpc.reflection.v1alpha) lists.
grpc::Status ReflectionListServices(
    const std::shared_ptr<grpc::Channel>& channel,
    std::vector<std::string>* services);

// A unary call by method name ("/pkg.Service/Method") with raw bytes.
grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& method, const std::string& request,
                          std::string* response, const std::string& token = "");

}  // namespace meshplane::testing

namespace grpc {
// Lets GoogleTest print a grpc::Status in failure messages (found by ADL).
inline void PrintTo(const Status& status, std::ostream* os) {
  *os << "grpc::Status{code " << static_cast<int>(status.error_code()) << ", \""
      << status.error_message() << "\"}";
}
}  // namespace grpc

#endif  // MESHPLANE_TESTS_TESTING_SERVER_SERVER_FIXTURE_H_
