// Service levels end to end (issue 7): the real meshplane binary against the
// real meshplaned started with `--slo-reporter service:prober`. A monitor
// reports observations with flags and from a YAML file, `product status`
// shows the compliance per window (table and JSON), a missed objective opens
// a breach that `slo breaches` lists, and an outsider is refused (exit 1).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/e2e/server_test.h"
#include <nlohmann/json.hpp>

namespace meshplane::e2e {
namespace {

using ::testing::HasSubstr;

constexpr char kOwner[] = "user:owner@example.com";
constexpr char kOutsider[] = "user:outsider@example.com";
constexpr char kProber[] = "service:prober";

class SloCliE2eTest : public ServerE2eTest {
 protected:
  void SetUp() override {
    // As ServerE2eTest::SetUp, with the monitor allowed to report.
    StartServer(testing::PgFixture::Get().NewDatabase(),
                {"--slo-reporter", kProber});
    if (HasFatalFailure()) return;
    SeedSalesOrders(kOwner, R"(
  outputPorts:
    - id: v1
      type: table
      objectives: {availabilityPercent: 90, maxStaleness: 5m}
    - {id: raw, type: files}
)");
    owner_ = Token(kOwner);
    outsider_ = Token(kOutsider);
    prober_ = Token(kProber);
  }

  std::string owner_, outsider_, prober_;
};

TEST_F(SloCliE2eTest, MonitorReportsStatusShowsBreachesList) {
  // Nothing observed yet: every window says so.
  CommandResult r = Cli({"product", "status", "sales/orders"}, owner_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("FRESHNESS"));
  EXPECT_THAT(r.out, HasSubstr("staleness <= 5m"));
  EXPECT_THAT(r.out, HasSubstr("no data"));

  // The monitor's probe, by flags: fresh and up.
  r = Cli({"slo", "report", "--port", "sales/orders/v1", "--staleness", "1m",
           "--up"},
          prober_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("recorded 2 observations"));

  // A batch from a file: stale data opens a breach.
  std::string file = File("observations.yaml", R"(
observations:
  - output_port: sales/orders/v1
    staleness: 20m
    available: true
)");
  r = Cli({"slo", "report", "-f", file, "-o", "json"}, owner_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json report = Json(r);
  EXPECT_EQ(report.value("recorded", 0), 2);
  ASSERT_EQ(report["opened"].size(), 1u) << r.out;
  EXPECT_EQ(report["opened"][0].value("objective", ""), "OBJECTIVE_FRESHNESS");

  r = Cli({"product", "status", "sales/orders"}, owner_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("50.00% 1/2 MISSED"));
  EXPECT_THAT(r.out, HasSubstr("100.00% 2/2 met"));
  EXPECT_THAT(r.out, HasSubstr("yes"));

  r = Cli({"product", "status", "sales/orders", "-o", "json"}, outsider_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json status = Json(r);
  ASSERT_EQ(status["output_ports"].size(), 1u) << r.out;  // not `raw`
  const nlohmann::json& objectives =
      status["output_ports"][0]["service_level_status"]["objectives"];
  ASSERT_EQ(objectives.size(), 2u) << r.out;
  EXPECT_EQ(objectives[0].value("breached", false), true);
  EXPECT_EQ(objectives[0]["windows"].size(), 3u);
  EXPECT_EQ(objectives[0]["windows"][0].value("observations", ""), "2");

  r = Cli({"slo", "breaches", "sales/orders", "--open", "-o", "json"},
          outsider_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_EQ(Json(r)["breaches"].size(), 1u) << r.out;
  r = Cli({"slo", "breaches", "sales/orders/v1"}, outsider_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("FRESHNESS"));
  EXPECT_THAT(r.out, HasSubstr("open"));
}

TEST_F(SloCliE2eTest, RefusalsAndBadInputHaveTheirExitCodes) {
  // Default deny: not the owners, not an admin, not a --slo-reporter.
  CommandResult r =
      Cli({"slo", "report", "--port", "sales/orders/v1", "--staleness", "1m"},
          outsider_);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("--slo-reporter"));
  // An objective the port does not declare refuses the whole batch.
  r = Cli({"slo", "report", "--port", "sales/orders/v1", "--staleness", "1m",
           "--latency", "20ms"},
          owner_);
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("observations[1].objective"));
  // Nothing to report, and a malformed port, are usage errors.
  r = Cli({"slo", "report", "--port", "sales/orders/v1"}, owner_);
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  r = Cli({"slo", "report", "--port", "orders", "--up"}, owner_);
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  r = Cli({"product", "status", "sales/ghost"}, owner_);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  // Nothing was recorded by any of these.
  r = Cli({"product", "status", "sales/orders", "-o", "json"}, owner_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Json(r)["output_ports"][0]["service_level_status"]["objectives"][0]
                   ["windows"][2]
                       .value("observations", "0"),
            "0");
}

}  // namespace
}  // namespace meshplane::e2e
