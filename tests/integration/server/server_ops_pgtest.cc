// What operators and load balancers see: gRPC health, reflection, the HTTP
// endpoints, the services not served yet, and PostgreSQL going away and
// coming back under a running server.
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/pg/pg_fixture.h"
#include "tests/testing/server/eventually.h"
#include "tests/testing/server/exposition.h"
#include "tests/testing/server/http_client.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

namespace meshplane::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

constexpr int kServing = 1;
constexpr int kNotServing = 2;

std::unique_ptr<ServerFixture> StartFast() {
  ServerFixtureOptions options;
  options.config.readiness_interval = absl::Milliseconds(100);
  return ServerFixture::Start(options);
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

TEST(ServerOpsTest, EveryDeclaredServiceIsServed) {
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
    // Webhooks are served now: one without a secret is INVALID_ARGUMENT.
    v1::CreateWebhookRequest r;
    r.set_webhook_id("provisioner");
    r.mutable_webhook()->set_url("http://127.0.0.1:1/hook");
    v1::Webhook out;
    auto ctx = fx->AdminContext();
    grpc::Status s = fx->Events()->CreateWebhook(ctx.get(), r, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find("webhook.secret"), std::string::npos)
        << s.error_message();
  }
}

// The audit log is served to platform admins: every mutation and every
// refused write, newest first, filterable by resource and principal.
TEST(ServerOpsTest, AuditRecordsAreListedNewestFirstForAdminsOnly) {
  auto fx = StartFast();
  ASSERT_NO_FATAL_FAILURE(fx->SeedTeam("audit-team", {"user:ana@example.com"}));
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
  grpc::Status bad_status =
      fx->Events()->ListAuditRecords(c3.get(), bad, &ignored);
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
  // Any other path without an extension is the web catalog's (its
  // single-page app answers /nope with index.html); a file it lacks is not.
  EXPECT_EQ(HttpStatus(fx->http_port(), "/nope"), 200);
  EXPECT_EQ(HttpStatus(fx->http_port(), "/nope.txt"), 404);

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

// A self-signed certificate for localhost, made by openssl in a new
// directory: false if openssl cannot.
bool MakeLocalhostCertificate(std::string* cert, std::string* key) {
  std::string dir = ::testing::TempDir() + "meshplane-tls-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return false;
  *cert = dir + "/cert.pem";
  *key = dir + "/key.pem";
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost -keyout " +
      *key + " -out " + *cert + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

TEST(ServerOpsTest, ServesOverTls) {
  std::string cert, key;
  if (!MakeLocalhostCertificate(&cert, &key)) {
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

  // The HTTP listener takes the same certificate: REST over HTTPS.
  httplib::SSLClient https("localhost", fx->http_port());
  https.set_ca_cert_path(cert.c_str());
  https.enable_server_certificate_verification(true);
  auto who = https.Get("/v1/callerIdentity",
                       {{"Authorization", "Bearer " + fx->admin_token()}});
  ASSERT_TRUE(who) << httplib::to_string(who.error());
  EXPECT_EQ(who->status, 200) << who->body;
  EXPECT_THAT(who->body, HasSubstr("user:admin"));
  auto ready = https.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  // A browser session signed in over the listener's own TLS gets a Secure
  // cookie (no proxy, so no X-Forwarded-Proto).
  auto session = https.Post("/auth/session",
                            {{"Authorization", "Bearer " + fx->admin_token()}},
                            "", "application/json");
  ASSERT_TRUE(session);
  EXPECT_EQ(session->status, 200) << session->body;
  EXPECT_THAT(session->get_header_value("Set-Cookie"), HasSubstr("; Secure"));
  // and plain HTTP gets no answer from it.
  httplib::Client plain_http("127.0.0.1", fx->http_port());
  plain_http.set_read_timeout(5, 0);
  auto refused = plain_http.Get("/readyz");
  EXPECT_TRUE(!refused || refused->status != 200);
}

// --http-tls off keeps HTTP plain beside gRPC over TLS (a proxy in front
// terminates it).
TEST(ServerOpsTest, HttpTlsOffKeepsHttpPlain) {
  std::string cert, key;
  ASSERT_TRUE(MakeLocalhostCertificate(&cert, &key))
      << "openssl cannot make a test certificate";
  ServerFixtureOptions options;
  options.config.tls_cert_file = cert;
  options.config.tls_key_file = key;
  options.config.http_tls = false;
  auto fx = ServerFixture::Start(options);
  EXPECT_EQ(HttpStatus(fx->http_port(), "/readyz"), 200);
}

// After some traffic, /metrics has every family of docs/operations.md with
// values that make sense: decisions by effect, the pool, LISTEN losses.
TEST(ServerOpsTest, MetricsCountPolicyDecisionsByEffectAndShowThePool) {
  ServerFixtureOptions options;
  options.config.readiness_interval = absl::Milliseconds(100);
  options.pool_size = 5;
  auto fx = ServerFixture::Start(options);
  ASSERT_NO_FATAL_FAILURE(
      fx->SeedTeam("governance", {"user:gina@example.com"}));
  auto policy = [&](const std::string& id, const std::string& condition,
                    v1::PolicyEffect effect) {
    v1::CreatePolicyRequest r;
    r.set_policy_id(id);
    v1::Policy* p = r.mutable_policy();
    p->add_triggers("domain.create");
    p->set_condition(condition);
    p->set_effect(effect);
    p->set_enforcement(v1::POLICY_ENFORCEMENT_ENFORCED);
    p->set_message(id);
    p->set_owner("teams/governance");
    v1::Policy out;
    auto ctx = fx->AdminContext();
    grpc::Status s = fx->Policies()->CreatePolicy(ctx.get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  };
  policy("domains-have-description",
         "has(resource.description) && resource.description != \"\"",
         v1::POLICY_EFFECT_DENY);
  policy("domains-have-display-name",
         "has(resource.display_name) && resource.display_name != \"\"",
         v1::POLICY_EFFECT_WARN);
  auto create_domain = [&](const std::string& id,
                           const std::string& description,
                           const std::string& display_name) {
    v1::CreateDomainRequest r;
    r.set_domain_id(id);
    r.mutable_domain()->set_owner_team("teams/governance");
    r.mutable_domain()->set_description(description);
    r.mutable_domain()->set_display_name(display_name);
    v1::Domain out;
    auto ctx = fx->AdminContext();
    return fx->Domains()->CreateDomain(ctx.get(), r, &out).error_code();
  };
  EXPECT_EQ(create_domain("refused", "", "Refused"),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(create_domain("warned", "has one", ""), grpc::StatusCode::OK);
  EXPECT_EQ(create_domain("fine", "has one", "Fine"), grpc::StatusCode::OK);
  EXPECT_EQ(create_domain("fine-too", "has one", "Fine too"),
            grpc::StatusCode::OK);

  std::map<std::string, double> m = ScrapeMetrics(fx->http_port());
  const std::string decisions = "meshplane_policy_decisions_total{effect=\"";
  EXPECT_EQ(m[decisions + "deny\",trigger=\"domain.create\"}"], 1);
  EXPECT_EQ(m[decisions + "warn\",trigger=\"domain.create\"}"], 1);
  EXPECT_EQ(m[decisions + "allow\",trigger=\"domain.create\"}"], 2);
  EXPECT_EQ(
      m.count(decisions + "require_approval\",trigger=\"domain.create\"}"), 0u);

  EXPECT_EQ(m["meshplane_db_pool_size"], 5);
  const double in_use = m["meshplane_db_pool_connections{state=\"in_use\"}"];
  const double idle = m["meshplane_db_pool_connections{state=\"idle\"}"];
  EXPECT_GE(in_use, 0);
  EXPECT_GE(idle, 1) << "the calls above returned their connections";
  EXPECT_LE(in_use + idle, 5);
  // Every call above waited (if only microseconds) for a connection.
  EXPECT_GE(m["meshplane_db_pool_wait_seconds_count"], 6);
  EXPECT_EQ(m["meshplane_db_pool_wait_seconds_bucket{le=\"+Inf\"}"],
            m["meshplane_db_pool_wait_seconds_count"]);
  EXPECT_GE(m["meshplane_db_pool_wait_seconds_sum"], 0);
  EXPECT_EQ(m["meshplane_db_pool_timeouts_total"], 0);
  for (const char* listener : {"policies", "access", "events"}) {
    const std::string key = absl::StrCat(
        "meshplane_listen_connections_lost_total{listener=\"", listener, "\"}");
    ASSERT_EQ(m.count(key), 1u) << key;
    EXPECT_EQ(m[key], 0) << key;
  }
  EXPECT_EQ(m["meshplane_ready"], 1);
}

// Cutting the LISTEN connections counts a loss for each listener (they
// reconnect by themselves, and the replica stays ready).
TEST(ServerOpsTest, LostListenConnectionsAreCountedPerListener) {
  auto fx = StartFast();
  ASSERT_EQ(TerminateListenConnections(fx->database_url()), 3)
      << "policies, access and events listen";
  std::map<std::string, double> m;
  auto lost = [&](const char* listener) {
    return m[absl::StrCat("meshplane_listen_connections_lost_total{listener=\"",
                          listener, "\"}")];
  };
  EXPECT_TRUE(Eventually([&] {
    m = ScrapeMetrics(fx->http_port());
    return lost("policies") >= 1 && lost("access") >= 1 && lost("events") >= 1;
  })) << "policies "
      << lost("policies") << ", access " << lost("access") << ", events "
      << lost("events");
  // Back to ready once the listeners have reconnected and reloaded.
  EXPECT_TRUE(Eventually(
      [&] { return HttpProbe(fx->http_port(), "/readyz").first == 200; }));
}

// /readyz names the check that fails: here the schema, set back a version
// under the running server. gRPC health and meshplane_ready follow; both
// recover when the version is back.
TEST(ServerOpsTest, ReadyzNamesASchemaOlderThanTheBuildNeeds) {
  ServerFixtureOptions options;
  options.config.readiness_interval = absl::Milliseconds(100);
  options.config.schema_check_interval = absl::Milliseconds(100);
  auto fx = ServerFixture::Start(options);
  int status = 0;
  std::string body;
  std::tie(status, body) = HttpProbe(fx->http_port(), "/readyz");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body, "ready\n");

  // The newest migration "un-applied" (its row moved out of the way).
  ExecSql(fx->database_url(),
          "UPDATE schema_migrations SET version = -version "
          "WHERE version = (SELECT max(version) FROM schema_migrations)");
  EXPECT_TRUE(Eventually([&] {
    std::tie(status, body) = HttpProbe(fx->http_port(), "/readyz");
    return status == 503;
  })) << body;
  EXPECT_THAT(body, HasSubstr("not ready: schema: the database schema is at "
                              "version"));
  EXPECT_THAT(body, HasSubstr("meshplaned migrate"));
  int serving = -1;
  EXPECT_TRUE(Eventually([&] {
    return HealthCheck(fx->channel(), "", &serving).ok() &&
           serving == kNotServing;
  }));
  EXPECT_EQ(ScrapeMetrics(fx->http_port())["meshplane_ready"], 0);
  EXPECT_EQ(HttpStatus(fx->http_port(), "/healthz"), 200);  // alive

  ExecSql(fx->database_url(),
          "UPDATE schema_migrations SET version = -version WHERE version < 0");
  EXPECT_TRUE(Eventually([&] {
    std::tie(status, body) = HttpProbe(fx->http_port(), "/readyz");
    return status == 200;
  })) << body;
  EXPECT_TRUE(Eventually([&] {
    return HealthCheck(fx->channel(), "", &serving).ok() && serving == kServing;
  }));
}

// Runs last in this binary: it stops the shared PostgreSQL.
TEST(ServerOpsTest, ZZ_PostgresDownIsUnavailableAndTheServerRecovers) {
  auto fx = StartFast();
  auto teams = fx->Teams();
  ASSERT_NO_FATAL_FAILURE(fx->SeedTeam("checkout"));
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
  // /readyz checks on each probe, gRPC health once a second: right after a
  // restart the access index may still be reloading (its LISTEN connection
  // reconnects), so /readyz gets there within a few seconds, not at once.
  EXPECT_TRUE(Eventually(
      [&] { return HttpStatus(fx->http_port(), "/readyz") == 200; }));
}

}  // namespace
}  // namespace meshplane::testing
