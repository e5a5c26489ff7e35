#include "server/metrics.h"

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

}  // namespace
}  // namespace meshplane::server
