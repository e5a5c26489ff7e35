#include "tests/testing/server/server_fixture.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/rpc/error_details.pb.h"
#include "server/status.h"
#include "tests/testing/pg/pg_fixture.h"
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include "meshplane/common/clock.h"
#include "meshplane/common/crypto.h"
#include "meshplane/store/postgres_store.h"

namespace meshplane::testing {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "ServerFixture: %s\n", what.c_str());
  std::abort();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

grpc::ChannelArguments TestChannelArguments() {
  grpc::ChannelArguments args;
  // Let tests send oversized requests: the server must refuse them.
  args.SetMaxSendMessageSize(-1);
  args.SetMaxReceiveMessageSize(-1);
  return args;
}

}  // namespace

std::unique_ptr<ServerFixture> ServerFixture::Start(
    ServerFixtureOptions options) {
  std::unique_ptr<ServerFixture> fx(new ServerFixture());
  fx->database_url_ = PgFixture::Get().NewDatabase();
  // As in production: the server connects as the serving role, which the
  // template's migration granted exactly what serving needs (the schema is
  // current, so main.cc would not migrate either).
  fx->serving_url_ = PgFixture::ServingUrl(fx->database_url_);
  store::PostgresStoreOptions store_options;
  store_options.database_url = fx->serving_url_;
  store_options.pool_size = options.pool_size;
  store_options.max_waiters = options.pool_max_waiters;
  store_options.acquire_timeout = options.pool_acquire_timeout;
  auto store = store::PostgresStore::Open(store_options);
  if (!store.ok()) {
    Die(absl::StrCat("open store: ", store.status().ToString()));
  }
  fx->store_ = *std::move(store);

  fx->admin_token_ = absl::StrCat("bootstrap-", RandomToken(32));
  server::ServerConfig config = options.config;
  config.listen = "127.0.0.1:0";
  config.http_listen = "127.0.0.1:0";
  config.bootstrap_token = fx->admin_token_;
  auto server = server::StartServer(
      config, *fx->store_,
      options.clock != nullptr ? *options.clock : RealClock());
  if (!server.ok()) {
    Die(absl::StrCat("start server: ", server.status().ToString()));
  }
  fx->server_ = *std::move(server);
  fx->address_ = absl::StrCat("127.0.0.1:", fx->server_->port());
  if (!config.tls_cert_file.empty()) {
    fx->tls_root_pem_ =
        ReadAll(options.tls_root_file.empty() ? config.tls_cert_file
                                              : options.tls_root_file);
    fx->tls_client_cert_file_ = options.tls_client_cert_file;
    fx->tls_client_key_file_ = options.tls_client_key_file;
  }
  return fx;
}

ServerFixture::~ServerFixture() {
  channel_.reset();
  if (server_ != nullptr) {
    server_->Shutdown();
  }
  server_.reset();
  store_.reset();
}

std::shared_ptr<grpc::Channel> ServerFixture::channel() {
  if (channel_ == nullptr) {
    channel_ = tls_root_pem_.empty()
                   ? grpc::CreateCustomChannel(
                         address_, grpc::InsecureChannelCredentials(),
                         TestChannelArguments())
                   : TlsChannel(tls_client_cert_file_, tls_client_key_file_);
  }
  return channel_;
}

std::shared_ptr<grpc::Channel> ServerFixture::TlsChannel(
    const std::string& cert_file, const std::string& key_file) const {
  grpc::ChannelArguments args = TestChannelArguments();
  // The test certificates name localhost; the channel dials 127.0.0.1.
  args.SetSslTargetNameOverride("localhost");
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = tls_root_pem_;
  if (!cert_file.empty()) {
    ssl.pem_cert_chain = ReadAll(cert_file);
    ssl.pem_private_key = ReadAll(key_file);
  }
  return grpc::CreateCustomChannel(address_, grpc::SslCredentials(ssl), args);
}

std::unique_ptr<v1::DomainService::Stub> ServerFixture::Domains() {
  return v1::DomainService::NewStub(channel());
}
std::unique_ptr<v1::TeamService::Stub> ServerFixture::Teams() {
  return v1::TeamService::NewStub(channel());
}
std::unique_ptr<v1::DataProductService::Stub> ServerFixture::Products() {
  return v1::DataProductService::NewStub(channel());
}
std::unique_ptr<v1::IdentityService::Stub> ServerFixture::Identity() {
  return v1::IdentityService::NewStub(channel());
}
std::unique_ptr<v1::ContractService::Stub> ServerFixture::Contracts() {
  return v1::ContractService::NewStub(channel());
}
std::unique_ptr<v1::PolicyService::Stub> ServerFixture::Policies() {
  return v1::PolicyService::NewStub(channel());
}
std::unique_ptr<v1::AccessService::Stub> ServerFixture::Access() {
  return v1::AccessService::NewStub(channel());
}
std::unique_ptr<v1::EventService::Stub> ServerFixture::Events() {
  return v1::EventService::NewStub(channel());
}

std::unique_ptr<grpc::ClientContext> ServerFixture::Context(
    const std::string& token, absl::Duration timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) {
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  ctx->set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(timeout));
  return ctx;
}

std::unique_ptr<ServerFixture::Replica> ServerFixture::StartReplica(
    server::ServerConfig config, const Clock& clock, int pool_size) const {
  store::PostgresStoreOptions so;
  so.database_url = serving_url_;
  so.pool_size = pool_size;
  auto store = store::PostgresStore::Open(so);
  if (!store.ok()) {
    ADD_FAILURE() << "replica store: " << store.status();
    return nullptr;
  }
  auto replica = std::make_unique<Replica>();
  replica->store = *std::move(store);
  config.listen = "127.0.0.1:0";
  config.http_listen = "";
  auto server = server::StartServer(config, *replica->store, clock);
  if (!server.ok()) {
    ADD_FAILURE() << "replica server: " << server.status();
    return nullptr;
  }
  replica->server = *std::move(server);
  replica->channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", replica->server->port()),
                          grpc::InsecureChannelCredentials());
  return replica;
}

std::string ServerFixture::MintToken(const std::string& principal,
                                     bool platform_admin) {
  v1::CreateTokenRequest request;
  request.set_principal(principal);
  request.set_description(absl::StrCat("test token for ", principal));
  request.set_platform_admin(platform_admin);
  v1::CreateTokenResponse response;
  auto ctx = AdminContext();
  grpc::Status s = Identity()->CreateToken(ctx.get(), request, &response);
  EXPECT_TRUE(s.ok()) << "MintToken(" << principal
                      << "): " << s.error_message();
  return s.ok() ? response.secret() : std::string();
}

namespace {
// A void function, so that ASSERT can make the failure fatal.
void ExpectSeeded(const grpc::Status& s, const std::string& what) {
  ASSERT_TRUE(s.ok()) << "seeding " << what << ": " << s.error_message();
}

// Calls the create method `create` of `stub` with `request` as the holder
// of `token`; the resource it made (`what`, for the failure message).
template <typename Stub, typename Request, typename Resource>
Resource Seed(Stub& stub,
              grpc::Status (Stub::*create)(grpc::ClientContext*, const Request&,
                                           Resource*),
              const std::string& token, const Request& request,
              const std::string& what) {
  Resource out;
  auto ctx = ServerFixture::Context(token);
  ExpectSeeded((stub.*create)(ctx.get(), request, &out), what);
  return out;
}
}  // namespace

v1::Team ServerFixture::SeedTeam(const v1::CreateTeamRequest& request) {
  return Seed(*Teams(), &v1::TeamService::Stub::CreateTeam, admin_token_,
              request, "teams/" + request.team_id());
}

v1::Team ServerFixture::SeedTeam(const std::string& id,
                                 const std::vector<std::string>& members) {
  v1::CreateTeamRequest request;
  request.set_team_id(id);
  for (const auto& m : members) request.mutable_team()->add_members(m);
  return SeedTeam(request);
}

v1::Domain ServerFixture::SeedDomain(const v1::CreateDomainRequest& request) {
  return Seed(*Domains(), &v1::DomainService::Stub::CreateDomain, admin_token_,
              request, "domains/" + request.domain_id());
}

v1::Domain ServerFixture::SeedDomain(const std::string& id,
                                     const std::string& owner_team,
                                     const std::string& parent) {
  v1::CreateDomainRequest request;
  request.set_domain_id(id);
  request.mutable_domain()->set_owner_team("teams/" + owner_team);
  request.mutable_domain()->set_parent(parent);
  return SeedDomain(request);
}

v1::DataProduct ServerFixture::SeedProduct(
    const v1::CreateDataProductRequest& request) {
  return Seed(*Products(), &v1::DataProductService::Stub::CreateDataProduct,
              admin_token_, request,
              absl::StrCat(request.parent(), "/dataProducts/",
                           request.data_product_id()));
}

v1::DataProduct ServerFixture::SeedProduct(const std::string& domain,
                                           const std::string& id,
                                           const v1::DataProduct& product) {
  v1::CreateDataProductRequest request;
  request.set_parent("domains/" + domain);
  request.set_data_product_id(id);
  *request.mutable_data_product() = product;
  return SeedProduct(request);
}

v1::DataProduct ServerFixture::SeedProduct(
    const std::string& domain, const std::string& id,
    const std::string& owner_team, const std::vector<std::string>& ports) {
  v1::DataProduct product;
  product.set_owner_team("teams/" + owner_team);
  for (const auto& p : ports) product.add_output_ports()->set_id(p);
  return SeedProduct(domain, id, product);
}

absl::Status ToAbsl(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

google::rpc::Status DetailsOf(const grpc::Status& status) {
  return server::GetRpcStatus(status);
}

namespace {
bool FindErrorInfo(const grpc::Status& status, google::rpc::ErrorInfo* info) {
  const google::rpc::Status details = DetailsOf(status);
  for (const auto& any : details.details()) {
    if (any.UnpackTo(info)) {
      return true;
    }
  }
  return false;
}
}  // namespace

std::string ReasonOf(const grpc::Status& status) {
  google::rpc::ErrorInfo info;
  return FindErrorInfo(status, &info) ? info.reason() : std::string();
}

std::string ErrorDomainOf(const grpc::Status& status) {
  google::rpc::ErrorInfo info;
  return FindErrorInfo(status, &info) ? info.domain() : std::string();
}

std::vector<FieldViolation> FieldViolationsOf(const grpc::Status& status) {
  std::vector<FieldViolation> out;
  const google::rpc::Status details = DetailsOf(status);
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& fv : bad.field_violations()) {
        out.push_back({fv.field(), fv.description()});
      }
    }
  }
  return out;
}

namespace {

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) {
    return out;
  }
  for (const auto& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

void* Tag(intptr_t i) { return reinterpret_cast<void*>(i); }

// Waits for the next completion; false if the operation failed.
bool Await(grpc::CompletionQueue& cq) {
  void* tag = nullptr;
  bool ok = false;
  return cq.Next(&tag, &ok) && ok;
}

void Drain(grpc::CompletionQueue& cq) {
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace

grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& method, const std::string& request,
                          std::string* response, const std::string& token) {
  grpc::GenericStub stub(channel);
  auto ctx = ServerFixture::Context(token, absl::Seconds(10));
  grpc::CompletionQueue cq;
  grpc::Slice slice(request);
  grpc::ByteBuffer send(&slice, 1);
  auto call = stub.PrepareUnaryCall(ctx.get(), method, send, &cq);
  call->StartCall();
  grpc::ByteBuffer recv;
  grpc::Status status;
  call->Finish(&recv, &status, Tag(1));
  Await(cq);
  if (status.ok() && response != nullptr) {
    *response = Flatten(recv);
  }
  Drain(cq);
  return status;
}

grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& service, int* serving) {
  // HealthCheckRequest { string service = 1; }
  std::string request;
  if (!service.empty()) {
    request.push_back(static_cast<char>((1 << 3) | 2));
    request.push_back(static_cast<char>(service.size()));
    request.append(service);
  }
  std::string response;
  grpc::Status s =
      RawUnaryCall(channel, "/grpc.health.v1.Health/Check", request, &response);
  if (s.ok()) {
    // HealthCheckResponse { ServingStatus status = 1; }
    google::protobuf::UnknownFieldSet fields;
    *serving = 0;  // UNKNOWN (the default, absent on the wire)
    if (fields.ParseFromString(response)) {
      for (int i = 0; i < fields.field_count(); ++i) {
        if (fields.field(i).number() == 1 &&
            fields.field(i).type() ==
                google::protobuf::UnknownField::TYPE_VARINT) {
          *serving = static_cast<int>(fields.field(i).varint());
        }
      }
    }
  }
  return s;
}

grpc::Status ReflectionListServices(
    const std::shared_ptr<grpc::Channel>& channel,
    std::vector<std::string>* services) {
  grpc::GenericStub stub(channel);
  auto ctx = ServerFixture::Context("", absl::Seconds(10));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(
      ctx.get(),
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  grpc::Status status;
  call->StartCall(Tag(1));
  if (Await(cq)) {
    // ServerReflectionRequest { string list_services = 7; } with "".
    std::string request("\x3a\x00", 2);
    grpc::Slice slice(request);
    grpc::ByteBuffer send(&slice, 1);
    call->Write(send, Tag(2));
    Await(cq);
    call->WritesDone(Tag(3));
    Await(cq);
    grpc::ByteBuffer recv;
    call->Read(&recv, Tag(4));
    if (Await(cq)) {
      // ServerReflectionResponse { ListServiceResponse
      // list_services_response = 6; } ListServiceResponse {
      // repeated ServiceResponse service = 1; } ServiceResponse {
      // string name = 1; }
      google::protobuf::UnknownFieldSet top;
      top.ParseFromString(Flatten(recv));
      for (int i = 0; i < top.field_count(); ++i) {
        if (top.field(i).number() != 6 ||
            top.field(i).type() !=
                google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
          continue;
        }
        google::protobuf::UnknownFieldSet list;
        list.ParseFromString(top.field(i).length_delimited());
        for (int j = 0; j < list.field_count(); ++j) {
          google::protobuf::UnknownFieldSet service;
          service.ParseFromString(list.field(j).length_delimited());
          for (int k = 0; k < service.field_count(); ++k) {
            if (service.field(k).number() == 1) {
              services->push_back(service.field(k).length_delimited());
            }
          }
        }
      }
    }
  }
  call->Finish(&status, Tag(5));
  Await(cq);
  Drain(cq);
  return status;
}

}  // namespace meshplane::testing
