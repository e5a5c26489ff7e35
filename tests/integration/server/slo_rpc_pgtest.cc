// ServiceLevelService over real gRPC against a real PostgreSQL: report,
// status (also in GetDataProduct), a breach opened with its `slo.breached`
// event and closed with `slo.recovered`, ListBreaches; who may report
// (default deny; --slo-reporter principals); retries with one request id
// recorded once; validation naming the fields.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include "meshplane/v1/slo.grpc.pb.h"

namespace meshplane::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kPort[] = "domains/sales/dataProducts/orders/outputPorts/v1";
constexpr char kProduct[] = "domains/sales/dataProducts/orders";

v1::Observation Fresh(int staleness_minutes) {
  v1::Observation o;
  o.set_output_port(kPort);
  o.set_objective(v1::OBJECTIVE_FRESHNESS);
  *o.mutable_staleness() = TimeUtil::MinutesToDuration(staleness_minutes);
  return o;
}

v1::Observation Probe(bool up) {
  v1::Observation o;
  o.set_output_port(kPort);
  o.set_objective(v1::OBJECTIVE_AVAILABILITY);
  o.set_available(up);
  return o;
}

class SloRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerFixtureOptions options;
    options.config.slo_reporters = {"service:prober"};
    fx_ = ServerFixture::Start(options);
    slo_ = v1::ServiceLevelService::NewStub(fx_->channel());
    fx_->SeedTeam("sales-eng", {"user:ana@example.com"});
    fx_->SeedDomain("sales", "sales-eng");
    v1::DataProduct orders;
    orders.set_owner_team("teams/sales-eng");
    v1::OutputPort* port = orders.add_output_ports();
    port->set_id("v1");
    port->mutable_objectives()->set_availability_percent(90);
    *port->mutable_objectives()->mutable_max_staleness() =
        TimeUtil::MinutesToDuration(5);
    orders.add_output_ports()->set_id("plain");
    fx_->SeedProduct("sales", "orders", orders);
    ana_ = fx_->MintToken("user:ana@example.com");
    carl_ = fx_->MintToken("user:carl@example.com");
    prober_ = fx_->MintToken("service:prober");
  }

  grpc::Status Report(const std::string& token,
                      const std::vector<v1::Observation>& observations,
                      v1::ReportObservationsResponse* out,
                      const std::string& request_id = "") {
    v1::ReportObservationsRequest r;
    for (const auto& o : observations) *r.add_observations() = o;
    r.set_request_id(request_id);
    auto ctx = ServerFixture::Context(token);
    return slo_->ReportObservations(ctx.get(), r, out);
  }

  v1::ServiceLevelStatus Status(const std::string& token) {
    v1::GetServiceLevelStatusRequest r;
    r.set_output_port(kPort);
    v1::ServiceLevelStatus out;
    auto ctx = ServerFixture::Context(token);
    grpc::Status s = slo_->GetServiceLevelStatus(ctx.get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::vector<model::Event> SloEvents() {
    auto txn = fx_->store().Begin(store::TxnMode::kReadOnly);
    EXPECT_TRUE(txn.ok());
    auto events = (*txn)->events().ListEvents(0, 10000);
    EXPECT_TRUE(events.ok());
    std::vector<model::Event> out;
    for (auto& e : *events) {
      if (e.type.rfind("slo.", 0) == 0) out.push_back(std::move(e));
    }
    return out;
  }

  std::unique_ptr<ServerFixture> fx_;
  std::unique_ptr<v1::ServiceLevelService::Stub> slo_;
  std::string ana_, carl_, prober_;
};

TEST_F(SloRpcTest, ReportStatusBreachRecoverAndList) {
  v1::ReportObservationsResponse resp;
  ASSERT_THAT(Report(ana_, {Fresh(1), Probe(true)}, &resp),
              GrpcIs(grpc::StatusCode::OK));
  EXPECT_EQ(resp.recorded(), 2);
  EXPECT_THAT(resp.opened(), IsEmpty());

  v1::ServiceLevelStatus st = Status(carl_);  // reads are open
  EXPECT_EQ(st.output_port(), kPort);
  ASSERT_EQ(st.objectives_size(), 2);
  EXPECT_EQ(st.objectives(0).objective(), v1::OBJECTIVE_FRESHNESS);
  EXPECT_EQ(st.objectives(0).target(), "staleness <= 5m");
  ASSERT_EQ(st.objectives(0).windows_size(), 3);
  EXPECT_EQ(TimeUtil::DurationToSeconds(st.objectives(0).windows(0).window()),
            3600);
  EXPECT_EQ(TimeUtil::DurationToSeconds(st.objectives(0).windows(2).window()),
            30 * 24 * 3600);
  EXPECT_EQ(st.objectives(0).windows(0).observations(), 1);
  EXPECT_TRUE(st.objectives(0).windows(0).met());
  EXPECT_TRUE(st.objectives(0).has_last_observe_time());
  EXPECT_EQ(st.objectives(1).objective(), v1::OBJECTIVE_AVAILABILITY);

  // Freshness missed: a breach opens, with its event.
  ASSERT_THAT(Report(ana_, {Fresh(15)}, &resp), GrpcIs(grpc::StatusCode::OK));
  ASSERT_EQ(resp.opened_size(), 1);
  const v1::Breach fresh_breach = resp.opened(0);
  EXPECT_EQ(fresh_breach.objective(), v1::OBJECTIVE_FRESHNESS);
  EXPECT_EQ(fresh_breach.output_port(), kPort);
  EXPECT_THAT(fresh_breach.name(),
              HasSubstr(absl::StrCat(kPort, "/breaches/")));
  EXPECT_FALSE(fresh_breach.has_end_time());
  EXPECT_THAT(fresh_breach.detail(), HasSubstr("staleness 15m"));

  // Availability: 1 up, 1 down (50% < 90%) opens; 9 more up (10 of 11)
  // recovers.
  ASSERT_THAT(Report(prober_, {Probe(false)}, &resp),
              GrpcIs(grpc::StatusCode::OK));
  ASSERT_EQ(resp.opened_size(), 1);
  const v1::Breach up_breach = resp.opened(0);
  EXPECT_THAT(up_breach.detail(), HasSubstr("1 of 2 probes up"));
  std::vector<v1::Observation> ups(9, Probe(true));
  ASSERT_THAT(Report(prober_, ups, &resp), GrpcIs(grpc::StatusCode::OK));
  ASSERT_EQ(resp.closed_size(), 1);
  EXPECT_EQ(resp.closed(0).name(), up_breach.name());
  EXPECT_TRUE(resp.closed(0).has_end_time());

  std::vector<model::Event> events = SloEvents();
  ASSERT_THAT(events, SizeIs(3));
  EXPECT_EQ(events[0].type, "slo.breached");
  EXPECT_EQ(events[0].resource, fresh_breach.name());
  EXPECT_EQ(events[1].type, "slo.breached");
  EXPECT_EQ(events[2].type, "slo.recovered");
  EXPECT_EQ(events[2].resource, up_breach.name());
  for (const auto& e : events) EXPECT_EQ(e.domain_id, "sales");
  EXPECT_LT(events[0].sequence, events[2].sequence);

  // GetDataProduct carries the status of the port that declares objectives.
  {
    v1::GetDataProductRequest r;
    r.set_name(kProduct);
    v1::DataProduct p;
    auto ctx = ServerFixture::Context(carl_);
    ASSERT_TRUE(fx_->Products()->GetDataProduct(ctx.get(), r, &p).ok());
    ASSERT_EQ(p.output_ports_size(), 2);
    const v1::ServiceLevelStatus& s = p.output_ports(0).service_level_status();
    EXPECT_EQ(s.output_port(), kPort);
    ASSERT_EQ(s.objectives_size(), 2);
    EXPECT_TRUE(s.objectives(0).breached());
    EXPECT_FALSE(s.objectives(1).breached());
    EXPECT_EQ(s.objectives(1).windows(0).observations(), 11);
    EXPECT_EQ(s.objectives(1).windows(0).good(), 10);
    EXPECT_TRUE(s.objectives(1).windows(0).met());
    EXPECT_FALSE(p.output_ports(1).has_service_level_status());
  }

  // ListBreaches: newest first, by product or port, open only, paged.
  auto list = [&](const std::string& parent, bool open_only, int page_size,
                  const std::string& token) {
    v1::ListBreachesRequest r;
    r.set_parent(parent);
    r.set_open_only(open_only);
    r.set_page_size(page_size);
    r.set_page_token(token);
    v1::ListBreachesResponse out;
    auto ctx = ServerFixture::Context(carl_);
    grpc::Status s = slo_->ListBreaches(ctx.get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  v1::ListBreachesResponse all = list(kProduct, false, 0, "");
  ASSERT_EQ(all.breaches_size(), 2);
  EXPECT_TRUE(all.next_page_token().empty());
  v1::ListBreachesResponse first = list(kPort, false, 1, "");
  ASSERT_EQ(first.breaches_size(), 1);
  ASSERT_FALSE(first.next_page_token().empty());
  v1::ListBreachesResponse second =
      list(kPort, false, 1, first.next_page_token());
  ASSERT_EQ(second.breaches_size(), 1);
  EXPECT_NE(first.breaches(0).name(), second.breaches(0).name());
  v1::ListBreachesResponse open = list(kProduct, true, 0, "");
  ASSERT_EQ(open.breaches_size(), 1);
  EXPECT_EQ(open.breaches(0).name(), fresh_breach.name());
  {
    v1::ListBreachesRequest r;
    r.set_parent("domains/sales/dataProducts/ghost");
    v1::ListBreachesResponse out;
    auto ctx = ServerFixture::Context(carl_);
    EXPECT_THAT(slo_->ListBreaches(ctx.get(), r, &out),
                GrpcIs(grpc::StatusCode::NOT_FOUND));
  }
}

TEST_F(SloRpcTest, ReportingIsDefaultDeny) {
  v1::ReportObservationsResponse resp;
  grpc::Status denied = Report(carl_, {Fresh(1)}, &resp);
  EXPECT_THAT(denied, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(denied.error_message(), HasSubstr("user:carl@example.com"));
  EXPECT_THAT(Report("", {Fresh(1)}, &resp),
              GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(Report(prober_, {Fresh(1)}, &resp), GrpcIs(grpc::StatusCode::OK));
  EXPECT_THAT(Report(ana_, {Fresh(1)}, &resp), GrpcIs(grpc::StatusCode::OK));
  EXPECT_THAT(Report(fx_->admin_token(), {Fresh(1)}, &resp),
              GrpcIs(grpc::StatusCode::OK));
  EXPECT_EQ(Status(ana_).objectives(0).windows(0).observations(), 3);
}

TEST_F(SloRpcTest, RetryWithTheSameRequestIdRecordsOnce) {
  const std::string id = "0b7f8f7e-8c55-4a63-9f0e-2f4f6f0f4e11";
  v1::ReportObservationsResponse first, again;
  ASSERT_THAT(Report(ana_, {Fresh(30)}, &first, id),
              GrpcIs(grpc::StatusCode::OK));
  ASSERT_EQ(first.opened_size(), 1);
  ASSERT_THAT(Report(ana_, {Fresh(30)}, &again, id),
              GrpcIs(grpc::StatusCode::OK));
  EXPECT_EQ(again.recorded(), 1);
  ASSERT_EQ(again.opened_size(), 1);
  EXPECT_EQ(again.opened(0).name(), first.opened(0).name());
  EXPECT_EQ(again.opened(0).start_time().seconds(),
            first.opened(0).start_time().seconds());
  EXPECT_EQ(Status(ana_).objectives(0).windows(0).observations(), 1);
  EXPECT_THAT(SloEvents(), SizeIs(1));
}

TEST_F(SloRpcTest, ValidationNamesTheFields) {
  v1::Observation latency;
  latency.set_output_port(kPort);
  latency.set_objective(v1::OBJECTIVE_LATENCY);
  v1::ReportObservationsResponse resp;
  grpc::Status s = Report(ana_, {Fresh(1), latency}, &resp);
  EXPECT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  std::vector<std::string> fields;
  for (const auto& v : FieldViolationsOf(s)) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAre("observations[1].objective"));

  v1::Observation future = Fresh(1);
  *future.mutable_observe_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()) + 3600);
  v1::Observation bad_port = Fresh(1);
  bad_port.set_output_port("orders");
  s = Report(ana_, {future, bad_port}, &resp);
  EXPECT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  fields.clear();
  for (const auto& v : FieldViolationsOf(s)) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAre("observations[0].observe_time",
                                  "observations[1].output_port"));
  EXPECT_EQ(Status(ana_).objectives(0).windows(2).observations(), 0);
}

}  // namespace
}  // namespace meshplane::testing
