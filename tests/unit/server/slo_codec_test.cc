// proto <-> core for service levels: decoding names the bad field of the
// bad observation; open breaches have no end_time; statuses keep the
// windows in order.
#include "server/slo_codec.h"

#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/common/errors.h"

namespace meshplane::server {
namespace {

using ::meshplane::testing::StatusIs;

TEST(SloCodecTest, DecodesObservationsAndNamesBadFields) {
  v1::ReportObservationsRequest r;
  v1::Observation* ok = r.add_observations();
  ok->set_output_port("domains/d/dataProducts/p/outputPorts/o");
  ok->set_objective(v1::OBJECTIVE_LATENCY);
  ok->mutable_latency()->set_seconds(1);
  ok->mutable_observe_time()->set_seconds(1767225600);
  v1::Observation* unset_time = r.add_observations();
  unset_time->set_objective(v1::OBJECTIVE_AVAILABILITY);
  unset_time->set_available(true);
  ASSERT_OK_AND_ASSIGN(auto reports, DecodeObservations(r));
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].objective, model::Objective::kLatency);
  EXPECT_EQ(reports[0].latency, absl::Seconds(1));
  EXPECT_EQ(*reports[0].observe_time, absl::FromUnixSeconds(1767225600));
  EXPECT_FALSE(reports[1].observe_time.has_value());
  EXPECT_TRUE(reports[1].available);

  r.mutable_observations(1)->mutable_observe_time()->set_nanos(-1);
  r.mutable_observations(1)->mutable_staleness()->set_seconds(1);
  r.mutable_observations(1)->mutable_staleness()->set_nanos(-1);
  absl::Status s = DecodeObservations(r).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const auto& v : GetFieldViolations(s)) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::ElementsAre("observations[1].observe_time",
                                             "observations[1].staleness"));
}

TEST(SloCodecTest, EncodesBreachesAndStatuses) {
  model::Breach b;
  b.id = "b1";
  b.port = {"d", "p", "o"};
  b.objective = model::Objective::kFreshness;
  b.start_time = absl::FromUnixSeconds(100);
  v1::Breach open = EncodeBreach(b);
  EXPECT_EQ(open.name(), "domains/d/dataProducts/p/outputPorts/o/breaches/b1");
  EXPECT_EQ(open.objective(), v1::OBJECTIVE_FRESHNESS);
  EXPECT_FALSE(open.has_end_time());
  b.end_time = absl::FromUnixSeconds(200);
  EXPECT_EQ(EncodeBreach(b).end_time().seconds(), 200);

  core::ServiceLevelStatus st;
  st.port = b.port;
  core::ObjectiveStatus o;
  o.target.objective = model::Objective::kAvailability;
  o.target_text = "availability >= 99%";
  for (absl::Duration w : core::kSloWindows) {
    core::WindowCompliance c;
    c.window = w;
    c.observations = 4;
    c.good = 3;
    c.compliance_percent = 75;
    o.windows.push_back(c);
  }
  o.breached = true;
  st.objectives.push_back(o);
  v1::ServiceLevelStatus out = EncodeServiceLevelStatus(st);
  EXPECT_EQ(out.output_port(), "domains/d/dataProducts/p/outputPorts/o");
  ASSERT_EQ(out.objectives_size(), 1);
  EXPECT_EQ(out.objectives(0).objective(), v1::OBJECTIVE_AVAILABILITY);
  ASSERT_EQ(out.objectives(0).windows_size(), 3);
  EXPECT_EQ(out.objectives(0).windows(1).window().seconds(), 24 * 3600);
  EXPECT_EQ(out.objectives(0).windows(2).good(), 3);
  EXPECT_FALSE(out.objectives(0).windows(0).met());
  EXPECT_TRUE(out.objectives(0).breached());
  EXPECT_FALSE(out.objectives(0).has_last_observe_time());
}

}  // namespace
}  // namespace meshplane::server
