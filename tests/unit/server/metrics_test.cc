#include "server/metrics.h"

#include "absl/strings/str_cat.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, CountsCallsByMethodAndCode) {
  Metrics m;
  m.RecordRpc("meshplane.v1.DomainService/GetDomain", absl::StatusCode::kOk,
              absl::Milliseconds(2));
  m.RecordRpc("meshplane.v1.DomainService/GetDomain", absl::StatusCode::kOk,
              absl::Milliseconds(30));
  m.RecordRpc("meshplane.v1.DomainService/GetDomain",
              absl::StatusCode::kNotFound, absl::Seconds(7));
  std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("meshplane_rpc_requests_total{method=\"meshplane."
                              "v1.DomainService/GetDomain\",code=\"OK\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("code=\"NOT_FOUND\"} 1\n"));
  // Buckets are cumulative; 7 s falls only into +Inf.
  EXPECT_THAT(text, HasSubstr("GetDomain\",le=\"0.001\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("GetDomain\",le=\"0.0025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("GetDomain\",le=\"0.05\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("GetDomain\",le=\"5\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("GetDomain\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(
      text, HasSubstr("meshplane_rpc_duration_seconds_count{method=\"meshplane."
                      "v1.DomainService/GetDomain\"} 3\n"));
  EXPECT_THAT(text,
              HasSubstr("# TYPE meshplane_rpc_duration_seconds histogram"));
}

TEST(MetricsTest, Readiness) {
  Metrics m;
  EXPECT_THAT(m.Render(), HasSubstr("meshplane_ready 0\n"));
  m.SetReady(true);
  EXPECT_THAT(m.Render(), HasSubstr("meshplane_ready 1\n"));
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics m;
  m.RecordRpc("a\"b\\c\nd", absl::StatusCode::kOk, absl::Milliseconds(1));
  std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("method=\"a\\\"b\\\\c\\nd\""));
  EXPECT_THAT(text, Not(HasSubstr("c\nd")));
}

policy::Violation ViolationOf(policy::Effect effect,
                              policy::Enforcement enforcement) {
  policy::Violation v;
  v.policy = "policies/p";
  v.scope = "global";
  v.effect = effect;
  v.enforcement = enforcement;
  return v;
}

TEST(MetricsTest, PolicyDecisionsAreCountedByEffectAndTrigger) {
  using policy::Effect;
  using policy::Enforcement;
  using policy::Outcome;
  Metrics m;
  EXPECT_THAT(m.Render(),
              HasSubstr("# TYPE meshplane_policy_decisions_total counter\n"));

  policy::Decision allow;         // nothing violated
  policy::Decision dry_run_deny;  // only reported: still an allow
  dry_run_deny.violations.push_back(
      ViolationOf(Effect::kDeny, Enforcement::kDryRun));
  policy::Decision warn;
  warn.violations.push_back(ViolationOf(Effect::kWarn, Enforcement::kEnforced));
  policy::Decision deny;  // a WARN as well: the outcome wins
  deny.outcome = Outcome::kDeny;
  deny.violations.push_back(ViolationOf(Effect::kDeny, Enforcement::kEnforced));
  deny.violations.push_back(ViolationOf(Effect::kWarn, Enforcement::kEnforced));
  policy::Decision approval;
  approval.outcome = Outcome::kRequireApproval;
  approval.violations.push_back(
      ViolationOf(Effect::kRequireApproval, Enforcement::kEnforced));

  EXPECT_EQ(Metrics::PolicyEffect(allow), "allow");
  EXPECT_EQ(Metrics::PolicyEffect(dry_run_deny), "allow");
  EXPECT_EQ(Metrics::PolicyEffect(warn), "warn");
  EXPECT_EQ(Metrics::PolicyEffect(deny), "deny");
  EXPECT_EQ(Metrics::PolicyEffect(approval), "require_approval");

  m.RecordPolicyDecision("dataproduct.create", allow);
  m.RecordPolicyDecision("dataproduct.create", dry_run_deny);
  m.RecordPolicyDecision("dataproduct.create", warn);
  m.RecordPolicyDecision("dataproduct.create", deny);
  m.RecordPolicyDecision("access.request", approval);
  m.RecordPolicyDecision("no such \"trigger\"", deny);
  std::string text = m.Render();
  EXPECT_THAT(text,
              HasSubstr("meshplane_policy_decisions_total{effect=\"allow\","
                        "trigger=\"dataproduct.create\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("meshplane_policy_decisions_total{effect=\"warn\","
                        "trigger=\"dataproduct.create\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("meshplane_policy_decisions_total{effect=\"deny\","
                        "trigger=\"dataproduct.create\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("meshplane_policy_decisions_total{effect=\"require_"
                        "approval\",trigger=\"access.request\"} 1\n"));
  // A label value the server does not know is not passed through.
  EXPECT_THAT(text,
              HasSubstr("meshplane_policy_decisions_total{effect=\"deny\","
                        "trigger=\"other\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("no such")));
}

TEST(MetricsTest, DatabasePoolGaugesWaitsAndTimeouts) {
  Metrics m;
  std::string text = m.Render();
  // Present from the start, at zero.
  EXPECT_THAT(text, HasSubstr("meshplane_db_pool_size 0\n"));
  EXPECT_THAT(text, HasSubstr("meshplane_db_pool_timeouts_total 0\n"));
  EXPECT_THAT(text, HasSubstr("meshplane_db_pool_wait_seconds_count 0\n"));

  m.SetDbPool(16, 3, 5);
  m.RecordDbPoolWait(absl::Microseconds(20), false);
  m.RecordDbPoolWait(absl::Milliseconds(30), false);
  m.RecordDbPoolWait(absl::Seconds(5), true);  // the acquire timeout
  text = m.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE meshplane_db_pool_size gauge\n"
                              "meshplane_db_pool_size 16\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE meshplane_db_pool_connections gauge\n"));
  EXPECT_THAT(text,
              HasSubstr("meshplane_db_pool_connections{state=\"in_use\"} 3\n"));
  EXPECT_THAT(text,
              HasSubstr("meshplane_db_pool_connections{state=\"idle\"} 5\n"));
  EXPECT_THAT(text,
              HasSubstr("# TYPE meshplane_db_pool_wait_seconds histogram"));
  EXPECT_THAT(
      text,
      HasSubstr("meshplane_db_pool_wait_seconds_bucket{le=\"0.0005\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr("meshplane_db_pool_wait_seconds_bucket{le=\"0.05\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("meshplane_db_pool_wait_seconds_bucket{le=\"5\"} 3\n"));
  EXPECT_THAT(
      text,
      HasSubstr("meshplane_db_pool_wait_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("meshplane_db_pool_wait_seconds_count 3\n"));
  EXPECT_THAT(text, HasSubstr("meshplane_db_pool_wait_seconds_sum 5.03002\n"));
  EXPECT_THAT(text,
              HasSubstr("# TYPE meshplane_db_pool_timeouts_total counter\n"
                        "meshplane_db_pool_timeouts_total 1\n"));
}

TEST(MetricsTest, ListenerLossesOfEveryListenerStartAtZero) {
  Metrics m;
  std::string text = m.Render();
  for (const char* listener : {"policies", "access", "events"}) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat(
                          "meshplane_listen_connections_lost_total{listener=\"",
                          listener, "\"} 0\n")));
  }
  m.RecordListenerLost("policies");
  m.RecordListenerLost("access");
  m.RecordListenerLost("access");
  text = m.Render();
  EXPECT_THAT(text, HasSubstr("{listener=\"policies\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("{listener=\"access\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("{listener=\"events\"} 0\n"));
}

}  // namespace
}  // namespace meshplane::server
