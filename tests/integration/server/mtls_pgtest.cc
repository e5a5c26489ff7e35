// TLS and mutual TLS over real gRPC on loopback, with certificates made by
// openssl for each test binary (tests/testing/tls): server TLS against a CA,
// client certificates mapped to principals and authorized like any other
// principal, and every way a client is refused.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/server/server_fixture.h"
#include "tests/testing/tls/test_certs.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "meshplane/common/clock.h"
#include "meshplane/common/crypto.h"

namespace meshplane::testing {
namespace {

using ::testing::HasSubstr;

const TestCertificates& Certs() {
  static const TestCertificates* certs = [] {
    auto made =
        MakeTestCertificates(::testing::TempDir() + "meshplane-mtls-XXXXXX");
    if (!made.ok()) {
      ADD_FAILURE() << made.status();
      return new TestCertificates();
    }
    return new TestCertificates(*std::move(made));
  }();
  return *certs;
}

// A server with TLS whose certificate `Certs().ca` signs; mutual TLS when
// `client_auth` is "optional" or "require".
std::unique_ptr<ServerFixture> StartTls(const std::string& client_auth = "") {
  const TestCertificates& c = Certs();
  ServerFixtureOptions options;
  options.config.tls_cert_file = c.server.cert;
  options.config.tls_key_file = c.server.key;
  options.tls_root_file = c.ca.cert;
  if (!client_auth.empty()) {
    options.config.tls_client_ca_file = c.ca.cert;
    options.config.tls_client_auth_required = client_auth == "require";
    options.config.tls_principals = {
        absl::StrCat(kDeployerSpiffeId, "=service:deployer")};
    options.config.tls_dns_service_domains = {"svc.example.org"};
    // The fixture's own channel (MintToken) presents the deployer's
    // certificate, which `require` needs; its token still names the admin.
    options.tls_client_cert_file = c.deployer.cert;
    options.tls_client_key_file = c.deployer.key;
  }
  return ServerFixture::Start(options);
}

grpc::Status WhoAmI(const std::shared_ptr<grpc::Channel>& channel,
                    const std::string& token, v1::CallerIdentity* me) {
  v1::GetCallerIdentityRequest r;
  auto ctx = ServerFixture::Context(token, absl::Seconds(5));
  return v1::IdentityService::NewStub(channel)->GetCallerIdentity(ctx.get(), r,
                                                                  me);
}

// A TLS channel to `fx` that trusts only `root_file` and presents
// `cert` ("" = no certificate).
std::shared_ptr<grpc::Channel> ChannelTrusting(const ServerFixture& fx,
                                               const std::string& root_file,
                                               const CertFiles& cert = {}) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadPem(root_file);
  if (!cert.cert.empty()) {
    ssl.pem_cert_chain = ReadPem(cert.cert);
    ssl.pem_private_key = ReadPem(cert.key);
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  return grpc::CreateCustomChannel(fx.address(), grpc::SslCredentials(ssl),
                                   args);
}

// Replaces `path` with `text` the way a renewal should: written aside,
// then renamed over, so that a reader never sees half a file.
void ReplaceFile(const std::string& path, const std::string& text) {
  const std::string aside = path + ".new";
  {
    std::ofstream out(aside, std::ios::binary);
    out << text;
  }
  ASSERT_EQ(std::rename(aside.c_str(), path.c_str()), 0) << path;
}

// Expects a call over `channel` with `token` ("" = none) to run as
// `principal`.
void ExpectCaller(const std::shared_ptr<grpc::Channel>& channel,
                  const std::string& token, const std::string& principal) {
  v1::CallerIdentity me;
  grpc::Status s = WhoAmI(channel, token, &me);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(me.principal(), principal);
}

TEST(TlsTest, ServerTlsWithCaFileAndToken) {
  auto fx = StartTls();
  ExpectCaller(fx->channel(), fx->admin_token(), "user:admin");
  // A client that trusts another CA does not get through.
  v1::CallerIdentity me;
  EXPECT_EQ(WhoAmI(ChannelTrusting(*fx, Certs().other_ca.cert),
                   fx->admin_token(), &me)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST(MutualTlsTest, MappedCertificateIsAuthorizedAsItsPrincipalAndAudited) {
  auto fx = StartTls("optional");
  const TestCertificates& c = Certs();
  auto deployer = fx->TlsChannel(c.deployer.cert, c.deployer.key);
  // Teams come from the registry, as for a token's principal.
  auto teams = fx->Teams();
  for (const char* id : {"ci", "other"}) {
    v1::CreateTeamRequest r;
    r.set_team_id(id);
    if (std::string(id) == "ci") {
      r.mutable_team()->add_members("service:deployer");
    }
    v1::Team out;
    auto ctx = fx->AdminContext();
    ASSERT_TRUE(teams->CreateTeam(ctx.get(), r, &out).ok());
  }
  v1::CallerIdentity me;
  grpc::Status s = WhoAmI(deployer, "", &me);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(me.principal(), "service:deployer");
  EXPECT_FALSE(me.platform_admin());
  EXPECT_THAT(me.teams(), ::testing::ElementsAre(HasSubstr("ci")));

  auto as_deployer = v1::TeamService::NewStub(deployer);
  auto add_member = [&](const std::string& team) {
    v1::AddTeamMemberRequest r;
    r.set_team(team);
    r.set_member("user:bob@example.com");
    v1::Team out;
    auto ctx = ServerFixture::Context("", absl::Seconds(5));
    return as_deployer->AddTeamMember(ctx.get(), r, &out);
  };
  grpc::Status added = add_member("teams/ci");
  EXPECT_TRUE(added.ok()) << added.error_message();
  EXPECT_EQ(add_member("teams/other").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The audit log names the certificate's principal.
  v1::ListAuditRecordsRequest r;
  r.set_filter("principal = \"service:deployer\"");
  v1::ListAuditRecordsResponse out;
  auto ctx = fx->AdminContext();
  s = fx->Events()->ListAuditRecords(ctx.get(), r, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_GE(out.audit_records_size(), 2);
  bool saw_ci = false, saw_refusal = false;
  for (const v1::AuditRecord& a : out.audit_records()) {
    EXPECT_EQ(a.principal(), "service:deployer");
    saw_ci = saw_ci || (a.resource() == "teams/ci" && a.outcome_code() == 0);
    saw_refusal =
        saw_refusal || (a.resource() == "teams/other" && a.outcome_code() != 0);
  }
  EXPECT_TRUE(saw_ci);
  EXPECT_TRUE(saw_refusal);
}

TEST(MutualTlsTest, DnsSanUnderAServiceDomainIsAService) {
  auto fx = StartTls("optional");
  const TestCertificates& c = Certs();
  ExpectCaller(fx->TlsChannel(c.dns_client.cert, c.dns_client.key), "",
               "service:reporter");
}

TEST(MutualTlsTest, TokenWinsOverCertificate) {
  auto fx = StartTls("optional");
  const TestCertificates& c = Certs();
  auto deployer = fx->TlsChannel(c.deployer.cert, c.deployer.key);
  ExpectCaller(deployer, fx->admin_token(), "user:admin");
  // A bad token is refused, not replaced by the certificate's principal.
  v1::CallerIdentity me;
  grpc::Status s =
      WhoAmI(deployer, "mp_nosuchtoken_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("token"));
  // A token alone, without a certificate, works in `optional` mode.
  ExpectCaller(fx->TlsChannel("", ""), fx->admin_token(), "user:admin");
}

TEST(MutualTlsTest, UnmappedCertificateIsUnauthenticatedNamingItsSan) {
  auto fx = StartTls("optional");
  const TestCertificates& c = Certs();
  auto stranger = fx->TlsChannel(c.stranger.cert, c.stranger.key);
  v1::CallerIdentity me;
  grpc::Status s = WhoAmI(stranger, "", &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(),
              HasSubstr(absl::StrCat("URI:", kStrangerSpiffeId)));
  EXPECT_THAT(s.error_message(), HasSubstr("maps to no principal"));
  // With a token on top, the token names the caller.
  ExpectCaller(stranger, fx->admin_token(), "user:admin");
  // Neither certificate nor token.
  s = WhoAmI(fx->TlsChannel("", ""), "", &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("client certificate"));
}

TEST(MutualTlsTest, CertificatesThatDoNotVerifyFailTheHandshake) {
  auto fx = StartTls("optional");
  const TestCertificates& c = Certs();
  v1::CallerIdentity me;
  // Same SPIFFE id, but signed by a CA the server does not trust; and
  // one signed by the right CA that has expired. Even a valid token does
  // not get a call through: the connection is refused.
  for (const CertFiles* bad : {&c.foreign, &c.expired}) {
    grpc::Status s =
        WhoAmI(fx->TlsChannel(bad->cert, bad->key), fx->admin_token(), &me);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE)
        << bad->cert << ": " << s.error_message();
  }
}

TEST(MutualTlsTest, RequireRefusesClientsWithoutCertificate) {
  auto fx = StartTls("require");
  const TestCertificates& c = Certs();
  v1::CallerIdentity me;
  grpc::Status s = WhoAmI(fx->TlsChannel("", ""), fx->admin_token(), &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  auto deployer = fx->TlsChannel(c.deployer.cert, c.deployer.key);
  ExpectCaller(deployer, "", "service:deployer");
  // Tokens still work on top of a certificate.
  ExpectCaller(deployer, fx->admin_token(), "user:admin");
  EXPECT_FALSE(fx->MintToken("user:ana@example.com").empty());
}

TEST(MutualTlsTest, RenewedFilesApplyToNewConnections) {
  const TestCertificates& c = Certs();
  // The server's own copies of its files, which the test renews.
  const std::string dir = c.dir + "/renewed-" + RandomToken(8);
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  ServerFixtureOptions options;
  options.config.tls_cert_file = dir + "/server.pem";
  options.config.tls_key_file = dir + "/server.key";
  options.config.tls_client_ca_file = dir + "/ca.pem";
  options.config.tls_reload_interval = absl::Seconds(1);
  options.config.tls_principals = {
      absl::StrCat(kDeployerSpiffeId, "=service:deployer")};
  options.tls_root_file = c.ca.cert;
  ReplaceFile(options.config.tls_cert_file, ReadPem(c.server.cert));
  ReplaceFile(options.config.tls_key_file, ReadPem(c.server.key));
  ReplaceFile(options.config.tls_client_ca_file, ReadPem(c.ca.cert));
  auto fx = ServerFixture::Start(options);

  // Before: the server's certificate is from `ca`, and it trusts no
  // client of `other_ca`.
  ExpectCaller(ChannelTrusting(*fx, c.ca.cert, c.deployer), "",
               "service:deployer");
  auto new_ca_client = [&] {
    v1::CallerIdentity me;
    return WhoAmI(ChannelTrusting(*fx, c.other_ca.cert, c.foreign), "", &me);
  };
  EXPECT_EQ(new_ca_client().error_code(), grpc::StatusCode::UNAVAILABLE);

  // The renewal: a server certificate from `other_ca`, and a client CA
  // bundle that holds both CAs.
  ReplaceFile(options.config.tls_client_ca_file,
              ReadPem(c.ca.cert) + ReadPem(c.other_ca.cert));
  ReplaceFile(options.config.tls_key_file, ReadPem(c.other_server.key));
  ReplaceFile(options.config.tls_cert_file, ReadPem(c.other_server.cert));

  // gRPC's file watcher re-reads them within the reload interval; this
  // waits on its clock, which the test cannot drive.
  grpc::Status s;
  for (int i = 0; i < 50; ++i) {
    s = new_ca_client();
    if (s.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(s.ok()) << s.error_message();
  // Clients of the first CA still get in (the bundle has both); a client
  // that trusts only the old server CA does not any more.
  ExpectCaller(ChannelTrusting(*fx, c.other_ca.cert, c.deployer), "",
               "service:deployer");
  v1::CallerIdentity me;
  EXPECT_EQ(
      WhoAmI(ChannelTrusting(*fx, c.ca.cert, c.deployer), "", &me).error_code(),
      grpc::StatusCode::UNAVAILABLE);
}

TEST(MutualTlsTest, MisconfigurationIsRefusedAtStart) {
  const TestCertificates& c = Certs();
  auto fx = StartTls();  // for a store to start against
  server::ServerConfig tls;
  tls.listen = "127.0.0.1:0";
  tls.http_listen = "";
  tls.tls_cert_file = c.server.cert;
  tls.tls_key_file = c.server.key;
  auto start = [&](const server::ServerConfig& config) {
    return server::StartServer(config, fx->store(), RealClock()).status();
  };
  // A client CA without server TLS.
  server::ServerConfig config = tls;
  config.tls_cert_file = config.tls_key_file = "";
  config.tls_client_ca_file = c.ca.cert;
  EXPECT_THAT(start(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "needs TLS"));
  // A mapping without a client CA.
  config = tls;
  config.tls_principals = {"spiffe://x/y=service:y"};
  EXPECT_THAT(start(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "client CA"));
  // A mapping to a team; an unreadable map file or client CA.
  config.tls_client_ca_file = c.ca.cert;
  config.tls_principals = {"spiffe://x/y=team:ci"};
  EXPECT_THAT(start(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "team"));
  config.tls_principals = {};
  config.tls_principal_map_file = c.dir + "/no-such-map";
  EXPECT_THAT(start(config),
              StatusIs(absl::StatusCode::kNotFound, "no-such-map"));
  config.tls_principal_map_file = "";
  config.tls_client_ca_file = c.dir + "/no-such-ca.pem";
  EXPECT_THAT(start(config),
              StatusIs(absl::StatusCode::kNotFound, "no-such-ca.pem"));
}

}  // namespace
}  // namespace meshplane::testing
