#include "server/options.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::server {
namespace {

using ::meshplane::testing::StatusIs;

std::function<std::string(const std::string&)> Env(
    std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) {
    auto it = vars.find(k);
    return it == vars.end() ? std::string() : it->second;
  };
}

TEST(OptionsTest, Defaults) {
  ASSERT_OK_AND_ASSIGN(
      Options o,
      ParseOptions({}, Env({{"MESHPLANE_DATABASE_URL", "postgresql://x"}})));
  EXPECT_EQ(o.command, Options::Command::kServe);
  EXPECT_EQ(o.listen, "127.0.0.1:50051");
  EXPECT_EQ(o.http_listen, "127.0.0.1:9464");
  EXPECT_EQ(o.database_url, "postgresql://x");
  EXPECT_EQ(o.pool_size, 16);
  EXPECT_EQ(o.migrations_dir, "");
  EXPECT_EQ(o.port_file, "");
  EXPECT_EQ(o.log_level, "info");
  EXPECT_EQ(o.db_wait, absl::Seconds(30));
  EXPECT_EQ(o.max_threads, 256);
  EXPECT_EQ(o.drain_timeout, absl::Seconds(10));
  EXPECT_EQ(o.bootstrap_token, "");
}

TEST(OptionsTest, FlagsInBothFormsAndSpellings) {
  ASSERT_OK_AND_ASSIGN(
      Options o,
      ParseOptions({"serve", "--listen", "127.0.0.1:0",
                    "--http-listen=", "--database_url=postgresql://y",
                    "--pool-size", "4", "--migrations-dir", "/m",
                    "--port-file=/tmp/p", "--log-level", "DEBUG", "--db-wait",
                    "2s", "--max-threads=8", "--drain-timeout", "500ms"},
                   Env({{"MESHPLANE_DATABASE_URL", "postgresql://env"},
                        {"MESHPLANE_BOOTSTRAP_TOKEN", "0123456789abcdef"}})));
  EXPECT_EQ(o.listen, "127.0.0.1:0");
  EXPECT_EQ(o.http_listen, "");
  EXPECT_EQ(o.database_url, "postgresql://y");  // the flag wins
  EXPECT_EQ(o.pool_size, 4);
  EXPECT_EQ(o.migrations_dir, "/m");
  EXPECT_EQ(o.port_file, "/tmp/p");
  EXPECT_EQ(o.log_level, "debug");
  EXPECT_EQ(o.db_wait, absl::Seconds(2));
  EXPECT_EQ(o.max_threads, 8);
  EXPECT_EQ(o.drain_timeout, absl::Milliseconds(500));
  EXPECT_EQ(o.bootstrap_token, "0123456789abcdef");
}

TEST(OptionsTest, OidcFlags) {
  const auto env = Env({{"MESHPLANE_DATABASE_URL", "postgresql://x"}});
  ASSERT_OK_AND_ASSIGN(Options o, ParseOptions({"--oidc-issuer",
                                                "https://idp",
                                                "--oidc-audience=mp",
                                                "--oidc-jwks-url",
                                                "https://idp/keys",
                                                "--oidc-jwks-refresh",
                                                "1m",
                                                "--oidc-principal-claim",
                                                "sub",
                                                "--oidc-principal-prefix",
                                                "service:",
                                                "--oidc-groups-claim",
                                                "roles",
                                                "--oidc-group-team",
                                                "A=a",
                                                "--oidc-group-team",
                                                "B=b",
                                                "--oidc-admin-group",
                                                "ops",
                                                "--oidc-clock-skew",
                                                "10s"},
                                               env));
  EXPECT_EQ(o.oidc.issuer, "https://idp");
  EXPECT_EQ(o.oidc.audience, "mp");
  EXPECT_EQ(o.oidc.jwks_url, "https://idp/keys");
  EXPECT_EQ(o.oidc.jwks_refresh, absl::Minutes(1));
  EXPECT_EQ(o.oidc.principal_claim, "sub");
  EXPECT_EQ(o.oidc.principal_prefix, "service:");
  EXPECT_EQ(o.oidc.groups_claim, "roles");
  EXPECT_THAT(o.oidc.group_teams, ::testing::ElementsAre("A=a", "B=b"));
  EXPECT_EQ(o.oidc.admin_group, "ops");
  EXPECT_EQ(o.oidc.clock_skew, absl::Seconds(10));
  ASSERT_OK_AND_ASSIGN(Options d, ParseOptions({}, env));
  EXPECT_EQ(d.oidc.issuer, "");  // off by default
  EXPECT_EQ(d.oidc.principal_claim, "email");
  EXPECT_EQ(d.oidc.principal_prefix, "user:");
  EXPECT_EQ(d.oidc.clock_skew, absl::Seconds(60));
  EXPECT_THAT(ParseOptions({"--oidc-clock-skew", "1h"}, env).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "oidc-clock-skew"));
  EXPECT_THAT(
      ParseOptions({"--oidc-jwks-refresh", "1s"}, env).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, "oidc-jwks-refresh"));
}

TEST(OptionsTest, Migrate) {
  ASSERT_OK_AND_ASSIGN(
      Options o, ParseOptions({"migrate", "--database-url", "u"}, Env({})));
  EXPECT_EQ(o.command, Options::Command::kMigrate);
  EXPECT_EQ(o.serving_role, "");
}

// The serving role's grants come with migrating, as the owner; a server
// never grants (it runs as the serving role, which cannot).
TEST(OptionsTest, ServingRoleIsForMigrateOnly) {
  ASSERT_OK_AND_ASSIGN(Options o,
                       ParseOptions({"migrate", "--database-url", "u",
                                     "--serving-role", "meshplane"},
                                    Env({})));
  EXPECT_EQ(o.serving_role, "meshplane");
  EXPECT_THAT(ParseOptions({"serve", "--database-url", "u", "--serving-role",
                            "meshplane"},
                           Env({})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--serving-role is for `meshplaned migrate`"));
  EXPECT_THAT(
      ParseOptions({"migrate", "--database-url", "u", "--serving-role="},
                   Env({})),
      StatusIs(absl::StatusCode::kInvalidArgument, "--serving-role"));
}

TEST(OptionsTest, HelpNeedsNoDatabase) {
  ASSERT_OK_AND_ASSIGN(Options o, ParseOptions({"--help"}, Env({})));
  EXPECT_EQ(o.command, Options::Command::kHelp);
  EXPECT_NE(Usage().find("--port-file"), std::string::npos);
}

TEST(OptionsTest, Errors) {
  EXPECT_THAT(
      ParseOptions({}, Env({})),
      StatusIs(absl::StatusCode::kInvalidArgument, "MESHPLANE_DATABASE_URL"));
  // Each refused with INVALID_ARGUMENT and a message that contains `names`.
  const struct {
    std::vector<std::string> args;
    const char* names;
  } kCases[] = {
      {{"frobnicate"}, "frobnicate"},
      {{"--nope=1"}, "--nope"},
      {{"--pool-size", "0"}, "--pool-size"},
      {{"--pool-size", "many"}, "--pool-size"},
      {{"--db-wait", "soon"}, "--db-wait"},
      {{"--log-level", "loud"}, "--log-level"},
      {{"--listen"}, "needs a value"},
      {{"serve", "migrate"}, "migrate"},
      {{"--tls-cert-file", "/c.pem"}, "--tls-key-file"},
      {{"--"}, ""},
  };
  auto env = Env({{"MESHPLANE_DATABASE_URL", "u"}});
  for (const auto& c : kCases) {
    EXPECT_THAT(ParseOptions(c.args, env),
                StatusIs(absl::StatusCode::kInvalidArgument, c.names))
        << absl::StrJoin(c.args, " ");
  }
}

TEST(OptionsTest, MutualTls) {
  auto env = Env({{"MESHPLANE_DATABASE_URL", "u"}});
  const std::vector<std::string> tls = {"--tls-cert-file", "/s.pem",
                                        "--tls-key-file", "/s.key"};
  auto with_tls = [&](std::vector<std::string> more) {
    more.insert(more.begin(), tls.begin(), tls.end());
    return ParseOptions(more, env);
  };
  ASSERT_OK_AND_ASSIGN(
      Options o,
      with_tls({"--tls-client-ca-file", "/ca.pem", "--tls-client-auth=require",
                "--tls-principal", "spiffe://example.org/sa/ci=service:ci",
                "--tls-principal=ops.example.org=user:ops@example.org,admin",
                "--tls-principal-map", "/map", "--tls-dns-service-domain",
                "svc.example.org"}));
  EXPECT_EQ(o.tls_client_ca_file, "/ca.pem");
  EXPECT_TRUE(o.tls_client_auth_required);
  EXPECT_THAT(
      o.tls_principals,
      ::testing::ElementsAre("spiffe://example.org/sa/ci=service:ci",
                             "ops.example.org=user:ops@example.org,admin"));
  EXPECT_EQ(o.tls_principal_map_file, "/map");
  EXPECT_THAT(o.tls_dns_service_domains,
              ::testing::ElementsAre("svc.example.org"));
  EXPECT_EQ(o.tls_reload_interval, absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(o, with_tls({"--tls-client-ca-file", "/ca.pem",
                                    "--tls-reload-interval", "5s"}));
  EXPECT_FALSE(o.tls_client_auth_required);
  EXPECT_EQ(o.tls_reload_interval, absl::Seconds(5));
  EXPECT_THAT(
      with_tls({"--tls-reload-interval", "100ms"}),
      StatusIs(absl::StatusCode::kInvalidArgument, "--tls-reload-interval"));

  EXPECT_THAT(ParseOptions({"--tls-client-ca-file", "/ca.pem"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--tls-cert-file"));
  EXPECT_THAT(
      with_tls({"--tls-principal", "spiffe://x/y=service:y"}),
      StatusIs(absl::StatusCode::kInvalidArgument, "--tls-client-ca-file"));
  EXPECT_THAT(
      with_tls({"--tls-client-ca-file", "/ca.pem", "--tls-client-auth",
                "sometimes"}),
      StatusIs(absl::StatusCode::kInvalidArgument, "--tls-client-auth"));
  EXPECT_THAT(with_tls({"--tls-client-ca-file", "/ca.pem", "--tls-principal",
                        "spiffe://x/y"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "SAN=PRINCIPAL"));
  EXPECT_THAT(
      with_tls({"--tls-client-ca-file", "/ca.pem", "--tls-dns-service-domain",
                "not a domain"}),
      StatusIs(absl::StatusCode::kInvalidArgument, "--tls-dns-service-domain"));
}

TEST(OptionsTest, SloReportersRepeatAndArePrincipals) {
  auto env = Env({{"MESHPLANE_DATABASE_URL", "postgresql://x"}});
  ASSERT_OK_AND_ASSIGN(Options o,
                       ParseOptions({"--slo-reporter", "service:prober",
                                     "--slo-reporter=user:ops@example.org"},
                                    env));
  EXPECT_THAT(o.slo_reporters,
              ::testing::ElementsAre("service:prober", "user:ops@example.org"));
  EXPECT_THAT(ParseOptions({"--slo-reporter", "prober"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--slo-reporter"));
}

TEST(OptionsTest, HttpServerFlags) {
  auto env = Env({{"MESHPLANE_DATABASE_URL", "postgresql://x"}});
  ASSERT_OK_AND_ASSIGN(Options defaults, ParseOptions({}, env));
  EXPECT_EQ(defaults.http_threads, 16);
  EXPECT_EQ(defaults.http_max_streams, 256);
  EXPECT_EQ(defaults.http_idle_timeout, absl::Seconds(30));
  EXPECT_EQ(defaults.http_read_timeout, absl::Seconds(30));
  EXPECT_EQ(defaults.web_session_ttl, absl::Hours(8));
  EXPECT_TRUE(defaults.http_tls);
  EXPECT_TRUE(defaults.http_cors_origins.empty());

  ASSERT_OK_AND_ASSIGN(
      Options o,
      ParseOptions({"--http-threads=4", "--http-max-streams", "10",
                    "--http-idle-timeout=5s", "--http-read-timeout", "2s",
                    "--web-session-ttl=30m", "--http-tls=off",
                    "--http-cors-origin", "https://catalog.example.com",
                    "--http-cors-origin=http://localhost:5173"},
                   env));
  EXPECT_EQ(o.http_threads, 4);
  EXPECT_EQ(o.http_max_streams, 10);
  EXPECT_EQ(o.http_idle_timeout, absl::Seconds(5));
  EXPECT_EQ(o.http_read_timeout, absl::Seconds(2));
  EXPECT_EQ(o.web_session_ttl, absl::Minutes(30));
  EXPECT_FALSE(o.http_tls);
  EXPECT_THAT(o.http_cors_origins,
              ::testing::ElementsAre("https://catalog.example.com",
                                     "http://localhost:5173"));

  for (const char* origin :
       {"catalog.example.com", "https://catalog.example.com/",
        "https://*.example.com", "https://", "ftp://x"}) {
    EXPECT_THAT(
        ParseOptions({"--http-cors-origin", origin}, env),
        StatusIs(absl::StatusCode::kInvalidArgument, "--http-cors-origin"))
        << origin;
  }
  EXPECT_THAT(ParseOptions({"--http-tls", "maybe"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--http-tls"));
  EXPECT_THAT(ParseOptions({"--http-threads", "0"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--http-threads"));
  EXPECT_THAT(
      ParseOptions({"--http-idle-timeout", "1ms"}, env),
      StatusIs(absl::StatusCode::kInvalidArgument, "--http-idle-timeout"));
  for (const char* ttl : {"30s", "721h", "-1h", "8 hours"}) {
    EXPECT_THAT(
        ParseOptions({"--web-session-ttl", ttl}, env),
        StatusIs(absl::StatusCode::kInvalidArgument, "--web-session-ttl"))
        << ttl;
  }
}

TEST(OptionsTest, EventRetention) {
  auto env = Env({{"MESHPLANE_DATABASE_URL", "postgresql://x"}});
  ASSERT_OK_AND_ASSIGN(Options defaults, ParseOptions({}, env));
  EXPECT_EQ(defaults.event_retention, absl::Hours(24 * 30));
  ASSERT_OK_AND_ASSIGN(Options week,
                       ParseOptions({"--event-retention", "168h"}, env));
  EXPECT_EQ(week.event_retention, absl::Hours(168));
  ASSERT_OK_AND_ASSIGN(Options forever,
                       ParseOptions({"--event-retention=0"}, env));
  EXPECT_EQ(forever.event_retention, absl::ZeroDuration());
  EXPECT_THAT(ParseOptions({"--event-retention", "10s"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "at least 1m"));
  EXPECT_THAT(
      ParseOptions({"--event-retention", "a month"}, env),
      StatusIs(absl::StatusCode::kInvalidArgument, "--event-retention"));
}

TEST(OptionsTest, Webhooks) {
  auto env = Env({{"MESHPLANE_DATABASE_URL", "postgresql://x"}});
  ASSERT_OK_AND_ASSIGN(Options defaults, ParseOptions({}, env));
  EXPECT_EQ(defaults.webhook_workers, 2);
  EXPECT_EQ(defaults.webhook_timeout, absl::Seconds(10));
  EXPECT_EQ(defaults.webhook_retry_min, absl::Seconds(1));
  EXPECT_EQ(defaults.webhook_retry_max, absl::Minutes(5));
  EXPECT_EQ(defaults.event_source, "/meshplane");
  ASSERT_OK_AND_ASSIGN(
      Options o,
      ParseOptions({"--webhook-workers", "0", "--webhook-timeout=3s",
                    "--webhook-retry-min", "250ms", "--webhook-retry-max", "1m",
                    "--webhook-ca-file", "/etc/ca.pem", "--event-source",
                    "//meshplane.example.com/prod"},
                   env));
  EXPECT_EQ(o.webhook_workers, 0);
  EXPECT_EQ(o.webhook_timeout, absl::Seconds(3));
  EXPECT_EQ(o.webhook_retry_min, absl::Milliseconds(250));
  EXPECT_EQ(o.webhook_retry_max, absl::Minutes(1));
  EXPECT_EQ(o.webhook_ca_file, "/etc/ca.pem");
  EXPECT_EQ(o.event_source, "//meshplane.example.com/prod");
  EXPECT_THAT(
      ParseOptions({"--webhook-workers", "-1"}, env),
      StatusIs(absl::StatusCode::kInvalidArgument, "--webhook-workers"));
  EXPECT_THAT(ParseOptions({"--webhook-timeout", "1ms"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "at least 100ms"));
  EXPECT_THAT(ParseOptions({"--event-source="}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--event-source"));
}

}  // namespace
}  // namespace meshplane::server
