// What operators and load balancers see: gRPC health, reflection, the HTTP
// endpoints, the services not served yet, and PostgreSQL going away and
// coming back under a running server.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "tests/testing/pg/pg_fixture.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

namespace meshplane::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

constexpr int kServing = 1;
constexpr int kNotServing = 2;

std::unique_ptr<ServerFixture> StartFast() {
  ServerFixtureOptions options;
  options.config.readiness_interval = absl::Milliseconds(100);
  return ServerFixture::Start(options);
}

int HttpStatus(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  auto res = client.Get(path.c_str());
  return res ? res->status : -1;
}

TEST(ServerOpsTest, HealthIsServingWithoutAToken) {
  auto fx = StartFast();
  int serving = -1;
  grpc::Status s = HealthCheck(fx->channel(), "", &serving);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(serving, kServing);
}

TEST(ServerOpsTest, ReflectionListsTheMeshplaneServicesWithoutAToken) {
  auto fx = StartFast();
  std::vector<std::string> services;
  grpc::Status s = ReflectionListServices(fx->channel(), &services);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(
      services,
      IsSupersetOf({"meshplane.v1.DomainService", "meshplane.v1.TeamService",
                    "meshplane.v1.DataProductService",
                    "meshplane.v1.IdentityService",
                    "meshplane.v1.ContractService",
                    "meshplane.v1.PolicyService", "meshplane.v1.AccessService",
                    "meshplane.v1.EventService", "grpc.health.v1.Health"}));
}

TEST(ServerOpsTest, LaterServicesAnswerUnimplemented) {
  auto fx = StartFast();
  {
    // ContractService is implemented now: an unknown contract is NOT_FOUND.
    v1::GetContractRequest r;
    r.set_name("contracts/orders");
    v1::Contract out;
    auto ctx = fx->AdminContext();
    EXPECT_EQ(fx->Contracts()->GetContract(ctx.get(), r, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    // AccessService is implemented now: an empty question is
    // INVALID_ARGUMENT.
    v1::CheckAccessRequest r;
    v1::CheckAccessResponse out;
    auto ctx = fx->AdminContext();
    EXPECT_EQ(fx->Access()->CheckAccess(ctx.get(), r, &out).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    // Webhooks are declared in the API but not served yet.
    v1::CreateWebhookRequest r;
    r.set_webhook_id("provisioner");
    r.mutable_webhook()->set_url("http://127.0.0.1:1/hook");
    v1::Webhook out;
    auto ctx = fx->AdminContext();
    EXPECT_EQ(fx->Events()->CreateWebhook(ctx.get(), r, &out).error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
}

// The audit log is served to platform admins: every mutation and every
// refused write, newest first, filterable by resource and principal.
TEST(ServerOpsTest, AuditRecordsAreListedNewestFirstForAdminsOnly) {
  auto fx = StartFast();
  {
    v1::CreateTeamRequest r;
    r.set_team_id("audit-team");
    r.mutable_team()->add_members("user:ana@example.com");
    v1::Team out;
    auto ctx = fx->AdminContext();
    ASSERT_TRUE(fx->Teams()->CreateTeam(ctx.get(), r, &out).ok());
  }
  for (const char* id : {"audited", "Not Valid"}) {
    v1::CreateDomainRequest r;
    r.set_domain_id(id);
    r.mutable_domain()->set_owner_team("teams/audit-team");
    r.mutable_domain()->set_description("it's \"quoted\"; DROP TABLE x; --");
    v1::Domain out;
    auto ctx = fx->AdminContext();
    fx->Domains()->CreateDomain(ctx.get(), r, &out);
  }
  {
    v1::UpdateDomainRequest r;
    r.mutable_domain()->set_name("domains/audited");
    r.mutable_domain()->set_display_name("Audited");
    v1::Domain out;
    auto ctx = fx->AdminContext();
    ASSERT_TRUE(fx->Domains()->UpdateDomain(ctx.get(), r, &out).ok());
  }

  v1::ListAuditRecordsRequest r;
  r.set_filter("resource = \"domains/audited\"");
  v1::ListAuditRecordsResponse out;
  auto ctx = fx->AdminContext();
  grpc::Status s = fx->Events()->ListAuditRecords(ctx.get(), r, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(out.audit_records_size(), 2);
  const v1::AuditRecord& update = out.audit_records(0);
  const v1::AuditRecord& create = out.audit_records(1);
  EXPECT_GT(update.sequence(), create.sequence());
  EXPECT_EQ(update.method(), "meshplane.v1.DomainService/UpdateDomain");
  EXPECT_EQ(create.method(), "meshplane.v1.DomainService/CreateDomain");
  EXPECT_EQ(update.principal(), "user:admin");
  EXPECT_EQ(update.before().fields().count("display_name"), 0u);
  EXPECT_EQ(update.after().fields().at("display_name").string_value(),
            "Audited");
  EXPECT_EQ(create.after().fields().at("description").string_value(),
            "it's \"quoted\"; DROP TABLE x; --");

  // The refused create is on record too, with its outcome.
  v1::ListAuditRecordsRequest all;
  all.set_filter("principal = \"user:admin\"");
  all.set_page_size(1000);
  v1::ListAuditRecordsResponse everything;
  auto ctx_all = fx->AdminContext();
  ASSERT_TRUE(
      fx->Events()->ListAuditRecords(ctx_all.get(), all, &everything).ok());
  bool refused_seen = false;
  for (const auto& rec : everything.audit_records()) {
    if (rec.method() == "meshplane.v1.DomainService/CreateDomain" &&
        rec.outcome_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      refused_seen = true;
    }
  }
  EXPECT_TRUE(refused_seen);

  // Paging: one record per page, the token carries on, then ends.
  v1::ListAuditRecordsRequest paged = r;
  paged.set_page_size(1);
  v1::ListAuditRecordsResponse first, second;
  auto c1 = fx->AdminContext();
  ASSERT_TRUE(fx->Events()->ListAuditRecords(c1.get(), paged, &first).ok());
  ASSERT_EQ(first.audit_records_size(), 1);
  ASSERT_FALSE(first.next_page_token().empty());
  paged.set_page_token(first.next_page_token());
  auto c2 = fx->AdminContext();
  ASSERT_TRUE(fx->Events()->ListAuditRecords(c2.get(), paged, &second).ok());
  ASSERT_EQ(second.audit_records_size(), 1);
  EXPECT_EQ(second.audit_records(0).sequence(), create.sequence());

  // A bad filter names the field; a non-admin is refused.
  v1::ListAuditRecordsRequest bad;
  bad.set_filter("owner = \"x\"");
  v1::ListAuditRecordsResponse ignored;
  auto c3 = fx->AdminContext();
  grpc::Status bad_status = fx->Events()->ListAuditRecords(c3.get(), bad, &ignored);
  EXPECT_EQ(bad_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_status.error_message(), HasSubstr("owner"));

  std::string ana = fx->MintToken("user:ana@example.com");
  auto c4 = ServerFixture::Context(ana);
  EXPECT_EQ(fx->Events()->ListAuditRecords(c4.get(), r, &ignored).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST(ServerOpsTest, HttpHealthReadinessAndMetrics) {
  auto fx = StartFast();
  ASSERT_GT(fx->http_port(), 0);
  EXPECT_EQ(HttpStatus(fx->http_port(), "/healthz"), 200);
  EXPECT_EQ(HttpStatus(fx->http_port(), "/readyz"), 200);
  EXPECT_EQ(HttpStatus(fx->http_port(), "/nope"), 404);

  v1::GetDomainRequest r;
  r.set_name("domains/absent");
  v1::Domain out;
  auto ctx = fx->AdminContext();
  EXPECT_EQ(fx->Domains()->GetDomain(ctx.get(), r, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  httplib::Client client("127.0.0.1", fx->http_port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body, HasSubstr("meshplane_ready 1\n"));
  EXPECT_THAT(res->body,
              HasSubstr("meshplane_rpc_requests_total{method=\"meshplane.v1."
                        "DomainService/GetDomain\",code=\"NOT_FOUND\"} 1\n"));
}

TEST(ServerOpsTest, ExpiredDeadlineIsRefused) {
  auto fx = StartFast();
  v1::ListDomainsRequest r;
  v1::ListDomainsResponse out;
  auto ctx = ServerFixture::Context(fx->admin_token(), absl::Milliseconds(-1));
  EXPECT_EQ(fx->Domains()->ListDomains(ctx.get(), r, &out).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST(ServerOpsTest, ServesOverTls) {
  std::string dir = ::testing::TempDir() + "meshplane-tls-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    GTEST_SKIP() << "openssl cannot make a test certificate";
  }
  ServerFixtureOptions options;
  options.config.tls_cert_file = cert;
  options.config.tls_key_file = key;
  auto fx = ServerFixture::Start(options);
  v1::GetCallerIdentityRequest r;
  v1::CallerIdentity me;
  auto ctx = fx->AdminContext();
  grpc::Status s = fx->Identity()->GetCallerIdentity(ctx.get(), r, &me);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(me.principal(), "user:admin");

  // A plaintext client gets nowhere.
  auto plain = v1::IdentityService::NewStub(
      grpc::CreateChannel(fx->address(), grpc::InsecureChannelCredentials()));
  auto ctx2 = ServerFixture::Context(fx->admin_token(), absl::Seconds(5));
  EXPECT_EQ(plain->GetCallerIdentity(ctx2.get(), r, &me).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

// Runs last in this binary: it stops the shared PostgreSQL.
TEST(ServerOpsTest, ZZ_PostgresDownIsUnavailableAndTheServerRecovers) {
  auto fx = StartFast();
  auto teams = fx->Teams();
  {
    v1::CreateTeamRequest r;
    r.set_team_id("checkout");
    v1::Team out;
    auto ctx = fx->AdminContext();
    ASSERT_TRUE(teams->CreateTeam(ctx.get(), r, &out).ok());
  }
  auto get_team = [&] {
    v1::GetTeamRequest r;
    r.set_name("teams/checkout");
    v1::Team out;
    auto ctx = fx->AdminContext();
    return teams->GetTeam(ctx.get(), r, &out);
  };
  ASSERT_TRUE(get_team().ok());

  PgFixture::Get().Stop();
  grpc::Status down = get_team();
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE)
      << down.error_message();
  EXPECT_EQ(ReasonOf(down), "UNAVAILABLE");
  EXPECT_EQ(HttpStatus(fx->http_port(), "/readyz"), 503);
  EXPECT_EQ(HttpStatus(fx->http_port(), "/healthz"), 200);  // alive
  int serving = -1;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    ASSERT_TRUE(HealthCheck(fx->channel(), "", &serving).ok());
    if (serving == kNotServing) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(serving, kNotServing);

  PgFixture::Get().Start();
  // The same server answers again once PostgreSQL is back: broken pool
  // connections are replaced (a call or two may still see UNAVAILABLE).
  grpc::Status back = get_team();
  const absl::Time until = absl::Now() + absl::Seconds(30);
  while (!back.ok() && absl::Now() < until) {
    EXPECT_EQ(back.error_code(), grpc::StatusCode::UNAVAILABLE)
        << back.error_message();
    absl::SleepFor(absl::Milliseconds(100));
    back = get_team();
  }
  EXPECT_TRUE(back.ok()) << back.error_message();
  const absl::Time ready_by = absl::Now() + absl::Seconds(10);
  while (absl::Now() < ready_by) {
    ASSERT_TRUE(HealthCheck(fx->channel(), "", &serving).ok());
    if (serving == kServing) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(serving, kServing);
  EXPECT_EQ(HttpStatus(fx->http_port(), "/readyz"), 200);
}

}  // namespace
}  // namespace meshplane::testing
