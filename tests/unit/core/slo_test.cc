// Service levels: the window arithmetic as pure functions (edges: empty
// windows, exactly at the threshold, observations exactly on a window's
// start, observe_time bounds), then ServiceLevels over InMemoryStore and a
// SimulatedClock: validation naming fields, default-deny reporting, breach
// open/close with events, status, idempotent retries.
#include "meshplane/core/slo.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include "tests/unit/core/core_test_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/errors.h"
#include "meshplane/core/registry.h"

namespace meshplane::core {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Code = absl::StatusCode;
using model::Objective;

constexpr char kPort[] =
    "domains/sales/dataProducts/orders/outputPorts/orders-v1";

ObjectiveTarget Availability(double percent) {
  model::ServiceLevelObjectives slo;
  slo.availability_percent = percent;
  return *TargetOf(slo, Objective::kAvailability);
}

ObjectiveTarget Freshness(absl::Duration max) {
  model::ServiceLevelObjectives slo;
  slo.max_staleness = max;
  return *TargetOf(slo, Objective::kFreshness);
}

// ------------------------------------------------------------ arithmetic

TEST(SloArithmeticTest, EmptyWindowIsNotMet) {
  for (const ObjectiveTarget& t :
       {Availability(99.9), Freshness(absl::Minutes(5))}) {
    WindowCompliance c = ComputeCompliance(t, absl::Hours(1), {0, 0});
    EXPECT_FALSE(c.met);
    EXPECT_EQ(c.observations, 0);
    EXPECT_EQ(c.compliance_percent, 0);
    EXPECT_EQ(c.window, absl::Hours(1));
  }
}

TEST(SloArithmeticTest, AvailabilityExactlyAtTheThresholdIsMet) {
  // 999 of 1000 is 99.9% exactly, though 100.0 * 999 / 1000 rounds.
  EXPECT_TRUE(
      ComputeCompliance(Availability(99.9), absl::Hours(1), {1000, 999}).met);
  EXPECT_FALSE(
      ComputeCompliance(Availability(99.9), absl::Hours(1), {1000, 998}).met);
  // 2 of 3 against 66.666666666666671 (the double nearest 200/3).
  EXPECT_TRUE(
      ComputeCompliance(Availability(200.0 / 3), absl::Hours(1), {3, 2}).met);
  EXPECT_FALSE(
      ComputeCompliance(Availability(66.67), absl::Hours(1), {3, 2}).met);
  WindowCompliance half =
      ComputeCompliance(Availability(50), absl::Hours(24), {4, 2});
  EXPECT_TRUE(half.met);
  EXPECT_DOUBLE_EQ(half.compliance_percent, 50);
  EXPECT_TRUE(ComputeCompliance(Availability(100), absl::Hours(1), {7, 7}).met);
  EXPECT_FALSE(
      ComputeCompliance(Availability(100), absl::Hours(1), {7, 6}).met);
}

TEST(SloArithmeticTest, OtherObjectivesNeedEveryObservation) {
  const ObjectiveTarget t = Freshness(absl::Minutes(5));
  EXPECT_TRUE(ComputeCompliance(t, absl::Hours(1), {3, 3}).met);
  WindowCompliance c = ComputeCompliance(t, absl::Hours(1), {4, 3});
  EXPECT_FALSE(c.met);
  EXPECT_DOUBLE_EQ(c.compliance_percent, 75);
}

TEST(SloArithmeticTest, SingleObservationsAtTheLimitMeetIt) {
  const ObjectiveTarget fresh = Freshness(absl::Minutes(5));
  EXPECT_TRUE(MeetsTarget(fresh.observation, 300e6));
  EXPECT_FALSE(MeetsTarget(fresh.observation, 300e6 + 1));
  model::ServiceLevelObjectives slo;
  slo.completeness_percent = 99.5;
  slo.latency = absl::Milliseconds(250);
  auto complete = *TargetOf(slo, Objective::kCompleteness);
  EXPECT_TRUE(MeetsTarget(complete.observation, 99.5));
  EXPECT_FALSE(MeetsTarget(complete.observation, 99.49));
  auto latency = *TargetOf(slo, Objective::kLatency);
  EXPECT_TRUE(MeetsTarget(latency.observation, 250e3));
  EXPECT_FALSE(MeetsTarget(latency.observation, 250e3 + 1));
  EXPECT_TRUE(MeetsTarget(Availability(99).observation, 1));
  EXPECT_FALSE(MeetsTarget(Availability(99).observation, 0));
}

TEST(SloArithmeticTest, TargetsAreTheDeclaredOnesInWords) {
  model::ServiceLevelObjectives slo;
  EXPECT_THAT(DeclaredTargets(slo), IsEmpty());
  EXPECT_FALSE(TargetOf(slo, Objective::kFreshness).has_value());
  EXPECT_FALSE(TargetOf(slo, Objective::kUnspecified).has_value());
  slo.max_staleness = absl::Hours(1);
  slo.availability_percent = 99.9;
  slo.completeness_percent = 99;
  slo.latency = absl::Milliseconds(250);
  std::vector<std::string> words;
  for (const auto& t : DeclaredTargets(slo)) words.push_back(DescribeTarget(t));
  EXPECT_THAT(words, ElementsAre("staleness <= 1h", "availability >= 99.9%",
                                 "completeness >= 99%", "latency <= 250ms"));
  EXPECT_EQ(DescribeValue(Objective::kFreshness, 900e6), "staleness 15m");
  EXPECT_EQ(DescribeValue(Objective::kAvailability, 0), "down");
}

TEST(SloArithmeticTest, WindowIsOpenAtItsStart) {
  const absl::Time now = absl::FromUnixSeconds(1767225600);
  EXPECT_EQ(WindowStart(now, absl::Hours(1)), now - absl::Hours(1));
  EXPECT_FALSE(InWindow(now - absl::Hours(1), now, absl::Hours(1)));
  EXPECT_TRUE(InWindow(now - absl::Hours(1) + absl::Microseconds(1), now,
                       absl::Hours(1)));
  EXPECT_TRUE(InWindow(now, now, absl::Hours(1)));
  EXPECT_TRUE(InWindow(now + absl::Minutes(5), now, absl::Hours(1)));
  EXPECT_TRUE(InWindow(now - absl::Hours(1), now, absl::Hours(24)));
}

TEST(SloArithmeticTest, ObserveTimeBoundsAreInclusive) {
  const absl::Time now = absl::FromUnixSeconds(1767225600);
  EXPECT_OK(CheckObserveTime(now, now, "t"));
  EXPECT_OK(CheckObserveTime(now + absl::Minutes(5), now, "t"));
  EXPECT_OK(CheckObserveTime(now - absl::Hours(24 * 30), now, "t"));
  absl::Status ahead =
      CheckObserveTime(now + absl::Minutes(5) + absl::Microseconds(1), now,
                       "observations[0].observe_time");
  EXPECT_THAT(ahead, StatusIs(Code::kInvalidArgument, "ahead"));
  ASSERT_THAT(GetFieldViolations(ahead), SizeIs(1));
  EXPECT_EQ(GetFieldViolations(ahead)[0].field, "observations[0].observe_time");
  EXPECT_THAT(
      CheckObserveTime(now - absl::Hours(24 * 30) - absl::Seconds(1), now, "t"),
      StatusIs(Code::kInvalidArgument, "before"));
}

// ---------------------------------------------------------- ServiceLevels

class ServiceLevelsTest : public ::testing::Test {
 protected:
  ServiceLevelsTest()
      : registry_(store_, authz_, clock_, nullptr),
        slo_(store_, authz_, clock_, {{"service:prober"}}) {
    admin_.principal = {"user:admin", true, {}};
    owner_.principal = {"user:olga", false, {"sales-eng"}};
    eve_.principal = {"user:eve", false, {}};
    prober_.principal = {"service:prober", false, {}};
  }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(test_util::CreateTeams(
        registry_, admin_, {{"sales-eng", {"user:olga"}}}));
    ASSERT_NO_FATAL_FAILURE(
        test_util::CreateDomains(registry_, admin_, {{"sales", "sales-eng"}}));
    model::DataProduct p;
    p.domain_id = "sales";
    p.id = "orders";
    p.owner_team_id = "sales-eng";
    model::OutputPort port;
    port.id = "orders-v1";
    port.objectives.max_staleness = absl::Minutes(5);
    port.objectives.availability_percent = 75;
    model::OutputPort plain;
    plain.id = "plain";
    p.output_ports = {port, plain};
    ASSERT_OK(registry_.CreateDataProduct(admin_, p).status());
  }

  static ObservationReport Fresh(absl::Duration staleness,
                                 std::optional<absl::Time> at = std::nullopt) {
    ObservationReport r;
    r.output_port = kPort;
    r.objective = Objective::kFreshness;
    r.staleness = staleness;
    r.observe_time = at;
    return r;
  }
  static ObservationReport Probe(bool up) {
    ObservationReport r;
    r.output_port = kPort;
    r.objective = Objective::kAvailability;
    r.available = up;
    return r;
  }

  std::vector<model::Event> Events() { return test_util::ReadEvents(store_); }
  std::vector<std::string> SloEventTypes() {
    std::vector<std::string> out;
    for (const auto& e : Events()) {
      if (e.type.rfind("slo.", 0) == 0) out.push_back(e.type);
    }
    return out;
  }

  testing::InMemoryStore store_;
  auth::Authorizer authz_;
  SimulatedClock clock_;
  Registry registry_;
  ServiceLevels slo_;
  RequestContext admin_, owner_, eve_, prober_;
};

TEST_F(ServiceLevelsTest, ValidationNamesEveryField) {
  ObservationReport bad_port = Fresh(absl::Minutes(1));
  bad_port.output_port = "domains/sales/orders";
  ObservationReport no_objective = Fresh(absl::Minutes(1));
  no_objective.objective = Objective::kUnspecified;
  ObservationReport future =
      Fresh(absl::Minutes(1), clock_.Now() + absl::Minutes(6));
  ObservationReport negative = Fresh(-absl::Seconds(1));
  ObservationReport incomplete;
  incomplete.output_port = kPort;
  incomplete.objective = Objective::kCompleteness;
  incomplete.completeness_percent = 101;
  absl::Status s = slo_.ReportObservations(
                           owner_, {Fresh(absl::Minutes(1)), bad_port,
                                    no_objective, future, negative, incomplete})
                       .status();
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  std::vector<std::string> fields;
  for (const auto& v : GetFieldViolations(s)) fields.push_back(v.field);
  EXPECT_THAT(
      fields,
      ElementsAre("observations[1].output_port", "observations[2].objective",
                  "observations[3].observe_time", "observations[4].staleness",
                  "observations[5].completeness_percent"));
  EXPECT_THAT(slo_.ReportObservations(owner_, {}),
              StatusIs(Code::kInvalidArgument, "observations"));
  std::vector<ObservationReport> many(1001, Fresh(absl::Minutes(1)));
  EXPECT_THAT(slo_.ReportObservations(owner_, many),
              StatusIs(Code::kInvalidArgument, "at most 1000"));
}

TEST_F(ServiceLevelsTest, UndeclaredObjectiveRefusesTheWholeBatch) {
  ObservationReport latency;
  latency.output_port = kPort;
  latency.objective = Objective::kLatency;
  latency.latency = absl::Milliseconds(10);
  absl::Status s =
      slo_.ReportObservations(owner_, {Fresh(absl::Minutes(1)), latency})
          .status();
  EXPECT_THAT(
      s, StatusIs(Code::kInvalidArgument, "declares no LATENCY objective"));
  ASSERT_THAT(GetFieldViolations(s), SizeIs(1));
  EXPECT_EQ(GetFieldViolations(s)[0].field, "observations[1].objective");
  ASSERT_OK_AND_ASSIGN(ServiceLevelStatus st, slo_.GetStatus(owner_, kPort));
  EXPECT_EQ(st.objectives[0].windows[0].observations, 0);
  ObservationReport missing = Fresh(absl::Minutes(1));
  missing.output_port = "domains/sales/dataProducts/orders/outputPorts/ghost";
  EXPECT_THAT(slo_.ReportObservations(owner_, {missing}),
              StatusIs(Code::kNotFound, "observations[0].output_port"));
}

TEST_F(ServiceLevelsTest, ReportingIsDefaultDeny) {
  EXPECT_THAT(slo_.ReportObservations(eve_, {Fresh(absl::Minutes(1))}),
              StatusIs(Code::kPermissionDenied, "--slo-reporter"));
  EXPECT_THAT(slo_.ReportObservations({}, {Fresh(absl::Minutes(1))}),
              StatusIs(Code::kUnauthenticated));
  EXPECT_OK(slo_.ReportObservations(owner_, {Fresh(absl::Minutes(1))}));
  EXPECT_OK(slo_.ReportObservations(admin_, {Fresh(absl::Minutes(1))}));
  EXPECT_OK(slo_.ReportObservations(prober_, {Fresh(absl::Minutes(1))}));
  ASSERT_OK_AND_ASSIGN(ServiceLevelStatus st, slo_.GetStatus(eve_, kPort));
  EXPECT_EQ(st.objectives[0].windows[0].observations, 3);
}

TEST_F(ServiceLevelsTest, BreachOpensAndClosesWithEvents) {
  const absl::Time t0 = clock_.Now();
  ASSERT_OK_AND_ASSIGN(ReportResult ok, slo_.ReportObservations(
                                            owner_, {Fresh(absl::Minutes(1))}));
  EXPECT_EQ(ok.recorded, 1);
  EXPECT_THAT(ok.opened, IsEmpty());

  clock_.Advance(absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(
      ReportResult bad,
      slo_.ReportObservations(owner_, {Fresh(absl::Minutes(15))}));
  ASSERT_THAT(bad.opened, SizeIs(1));
  EXPECT_EQ(bad.opened[0].objective, Objective::kFreshness);
  EXPECT_EQ(bad.opened[0].start_time, t0 + absl::Minutes(1));
  EXPECT_THAT(bad.opened[0].detail, HasSubstr("staleness 15m"));
  EXPECT_THAT(bad.opened[0].detail, HasSubstr("staleness <= 5m"));
  EXPECT_THAT(SloEventTypes(), ElementsAre("slo.breached"));

  // Still breached: a good observation does not recover while the bad one
  // is in the 1 h window; no second breach either.
  clock_.Advance(absl::Minutes(30));
  ASSERT_OK_AND_ASSIGN(
      ReportResult still,
      slo_.ReportObservations(owner_, {Fresh(absl::Minutes(1))}));
  EXPECT_THAT(still.opened, IsEmpty());
  EXPECT_THAT(still.closed, IsEmpty());
  ASSERT_OK_AND_ASSIGN(ServiceLevelStatus st, slo_.GetStatus(owner_, kPort));
  ASSERT_THAT(st.objectives, SizeIs(2));
  EXPECT_EQ(st.objectives[0].target_text, "staleness <= 5m");
  EXPECT_TRUE(st.objectives[0].breached);
  EXPECT_EQ(st.objectives[0].windows[0].observations, 3);
  EXPECT_EQ(st.objectives[0].windows[0].good, 2);
  EXPECT_FALSE(st.objectives[0].windows[0].met);
  EXPECT_EQ(*st.objectives[0].last_observe_time, clock_.Now());
  // AVAILABILITY has no observations: not met, not breached.
  EXPECT_FALSE(st.objectives[1].windows[2].met);
  EXPECT_FALSE(st.objectives[1].breached);

  // Once the bad observation is exactly 1 h old it is out of the window.
  clock_.Set(t0 + absl::Minutes(61));
  ASSERT_OK_AND_ASSIGN(
      ReportResult back,
      slo_.ReportObservations(owner_, {Fresh(absl::Minutes(2))}));
  ASSERT_THAT(back.closed, SizeIs(1));
  EXPECT_EQ(back.closed[0].id, bad.opened[0].id);
  EXPECT_EQ(back.closed[0].end_time, clock_.Now());
  EXPECT_THAT(SloEventTypes(), ElementsAre("slo.breached", "slo.recovered"));
  for (const auto& e : Events()) {
    if (e.type.rfind("slo.", 0) != 0) continue;
    EXPECT_EQ(e.domain_id, "sales");
    EXPECT_EQ(e.resource, model::BreachName(bad.opened[0]));
  }

  ASSERT_OK_AND_ASSIGN(
      auto breaches,
      slo_.ListBreaches(eve_, "domains/sales/dataProducts/orders", false, {}));
  ASSERT_THAT(breaches.items, SizeIs(1));
  EXPECT_FALSE(breaches.items[0].open());
  ASSERT_OK_AND_ASSIGN(auto open, slo_.ListBreaches(eve_, kPort, true, {}));
  EXPECT_THAT(open.items, IsEmpty());
  EXPECT_THAT(
      slo_.ListBreaches(eve_, "domains/sales/dataProducts/ghost", false, {}),
      StatusIs(Code::kNotFound, "parent"));
  EXPECT_THAT(slo_.ListBreaches(eve_, "nonsense", false, {}),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(ServiceLevelsTest, AvailabilityBreachesOnTheShareOfUpProbes) {
  // 75% promised: 3 up of 4 meets it exactly; the fifth probe down breaks it.
  ASSERT_OK_AND_ASSIGN(
      ReportResult r,
      slo_.ReportObservations(
          owner_, {Probe(true), Probe(true), Probe(false), Probe(true)}));
  EXPECT_THAT(r.opened, IsEmpty());
  ASSERT_OK_AND_ASSIGN(r, slo_.ReportObservations(owner_, {Probe(false)}));
  ASSERT_THAT(r.opened, SizeIs(1));
  EXPECT_THAT(r.opened[0].detail, HasSubstr("3 of 5 probes up"));
  ASSERT_OK_AND_ASSIGN(r, slo_.ReportObservations(owner_, {Probe(true)}));
  EXPECT_THAT(r.closed, IsEmpty());  // 4 of 6
  ASSERT_OK_AND_ASSIGN(
      r, slo_.ReportObservations(owner_, {Probe(true), Probe(true)}));
  ASSERT_THAT(r.closed, SizeIs(1));  // 6 of 8
  ASSERT_OK_AND_ASSIGN(ServiceLevelStatus st, slo_.GetStatus(owner_, kPort));
  EXPECT_DOUBLE_EQ(st.objectives[1].windows[0].compliance_percent, 75);
  EXPECT_TRUE(st.objectives[1].windows[0].met);
}

TEST_F(ServiceLevelsTest, RetryWithTheSameRequestIdRecordsOnce) {
  RequestContext ctx = owner_;
  ctx.request_id = "6f1c1b58-3c1e-4a55-a3c9-3b2a1d7e0c11";
  ASSERT_OK_AND_ASSIGN(
      ReportResult first,
      slo_.ReportObservations(ctx, {Fresh(absl::Minutes(20))}));
  ASSERT_THAT(first.opened, SizeIs(1));
  ASSERT_OK_AND_ASSIGN(
      ReportResult again,
      slo_.ReportObservations(ctx, {Fresh(absl::Minutes(20))}));
  EXPECT_EQ(again.recorded, 1);
  ASSERT_THAT(again.opened, SizeIs(1));
  EXPECT_EQ(again.opened[0].id, first.opened[0].id);
  EXPECT_EQ(again.opened[0].start_time, first.opened[0].start_time);
  ASSERT_OK_AND_ASSIGN(ServiceLevelStatus st, slo_.GetStatus(owner_, kPort));
  EXPECT_EQ(st.objectives[0].windows[0].observations, 1);
  EXPECT_THAT(SloEventTypes(), ElementsAre("slo.breached"));
  // The same id with another payload is refused.
  EXPECT_THAT(slo_.ReportObservations(ctx, {Fresh(absl::Minutes(1))}),
              StatusIs(Code::kInvalidArgument, "request_id"));
}

TEST_F(ServiceLevelsTest,
       OldObservationsArePrunedAndProductStatusSkipsPlainPorts) {
  ASSERT_OK(slo_.ReportObservations(
      owner_, {Fresh(absl::Minutes(1), clock_.Now() - absl::Hours(24 * 30))}));
  clock_.Advance(absl::Hours(24 * 2));
  ASSERT_OK(slo_.ReportObservations(owner_, {Fresh(absl::Minutes(1))}));
  ASSERT_OK_AND_ASSIGN(auto product,
                       registry_.GetDataProduct(owner_, {"sales", "orders"}));
  ASSERT_OK_AND_ASSIGN(auto statuses, slo_.ProductStatus(owner_, product));
  ASSERT_THAT(statuses, SizeIs(1));
  EXPECT_EQ(statuses[0].port.port_id, "orders-v1");
  // The 32-day-old observation is gone, not just out of the 30 d window.
  auto txn = store_.Begin(store::TxnMode::kReadOnly);
  ASSERT_OK_AND_ASSIGN(
      auto all, (*txn)->slo().SummarizeObservations(
                    {"sales", "orders", "orders-v1"}, Objective::kFreshness,
                    {300e6, true}, {absl::InfinitePast()}));
  EXPECT_EQ(all.windows[0].observations, 1);
}

}  // namespace
}  // namespace meshplane::core
