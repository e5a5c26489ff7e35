// ODPS 1.0 and 1.1 through the real meshplane CLI and meshplaned on a fresh
// PostgreSQL: every fixture of tests/conformance/odps goes read -> store ->
// `product get -o odps` -> apply, and comes back byte for byte.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/e2e/server_test.h"
#include <nlohmann/json.hpp>

namespace meshplane::e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class OdpsCliE2eTest : public ServerE2eTest {
 protected:
  void SetUp() override {
    ServerE2eTest::SetUp();
    if (HasFatalFailure()) return;
    std::vector<std::vector<std::string>> commands = {
        {"team", "create", "data-team"}};
    for (const char* domain : {"seller", "v1-0", "v1-1", "own"}) {
      commands.push_back(
          {"domain", "create", domain, "--owner-team", "data-team"});
    }
    CliAll(commands);
  }
};

std::string Conformance(const std::string& rel) {
  return EnvOrDie("MESHPLANE_ODPS_CONFORMANCE") + "/" + rel;
}

nlohmann::json ParseJson(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// "dataProduct/v1-1/simple-data-product created, published" -> the product
// name for `product get`.
std::string AppliedProduct(const std::string& out) {
  std::string ref = out.substr(0, out.find(' '));
  return ref.substr(ref.find('/') + 1);
}

TEST_F(OdpsCliE2eTest, EveryFixtureRoundTripsByteForByte) {
  int checked = 0;
  for (const auto& [folder, domain] :
       std::vector<std::pair<std::string, std::string>>{
           {"v1.0.0", "v1-0"}, {"v1.1.0", "v1-1"}, {"meshplane", "own"}}) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(Conformance(folder))) {
      if (absl::EndsWith(e.path().string(), ".odps.yaml")) {
        files.push_back(e.path().string());
      }
    }
    std::sort(files.begin(), files.end());
    for (const std::string& file : files) {
      SCOPED_TRACE(file);
      CommandResult r = Cli({"product", "apply", "-f", file, "--domain", domain,
                             "--owner-team", "data-team"});
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
      ASSERT_THAT(r.out, HasSubstr(" created")) << r.Describe();
      const std::string product = AppliedProduct(r.out);

      // Re-applying the same document is a no-op.
      r = Cli({"product", "apply", "-f", file, "--domain", domain,
               "--owner-team", "data-team"});
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
      EXPECT_THAT(r.out, HasSubstr(" unchanged")) << r.Describe();

      // get -o odps gives the document back as written.
      r = Cli({"product", "get", product, "-o", "odps"});
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
      EXPECT_EQ(r.out, ReadFile(file));
      EXPECT_EQ(r.err, "");

      // And what it gave applies as unchanged.
      std::string got = File("got.odps.yaml", r.out);
      r = Cli({"product", "apply", "-f", got, "--domain", domain,
               "--owner-team", "data-team"});
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
      EXPECT_THAT(r.out, HasSubstr(" unchanged")) << r.Describe();
      ++checked;
    }
  }
  EXPECT_EQ(checked, 6);
}

TEST_F(OdpsCliE2eTest, V110TypeAndDeprecatedPortsAreKept) {
  // The product that promises the contract of the fixture's first input
  // port, so that apply links them.
  std::string customers = File("customers.yaml", R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: customers, domain: seller}
spec:
  ownerTeam: data-team
  outputPorts:
    - id: customers-v1
      contract: customers-v1
    - id: legacy-orders
      contract: 0b6f3c1e-legacy-orders
)");
  CommandResult r = Cli({"apply", "-f", customers});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"apply", "-f", Conformance("meshplane/orders-v1.1.odps.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/seller/order-lines created, published\n");

  r = Cli({"product", "get", "seller/order-lines", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json p = ParseJson(r.out);
  EXPECT_EQ(p["spec"]["archetype"], "consumer-aligned") << r.out;
  EXPECT_EQ(p["spec"]["displayName"], "Order Lines");
  EXPECT_EQ(p["spec"]["tags"], nlohmann::json({"core-data", "orders"}));
  ASSERT_EQ(p["spec"]["outputPorts"].size(), 2u) << r.out;
  EXPECT_EQ(p["spec"]["outputPorts"][0]["id"], "lines");
  EXPECT_FALSE(p["spec"]["outputPorts"][0].contains("deprecated"));
  EXPECT_EQ(p["spec"]["outputPorts"][1]["id"], "lines-legacy");
  EXPECT_EQ(p["spec"]["outputPorts"][1]["deprecated"], true);
  ASSERT_EQ(p["spec"]["inputPorts"].size(), 2u) << r.out;
  EXPECT_EQ(p["spec"]["inputPorts"][1]["id"], "legacy-orders");
  EXPECT_EQ(p["spec"]["inputPorts"][1]["deprecated"], true);
  EXPECT_EQ(p["metadata"]["labels"]["odps-tenant"], "RetailCorp");

  // The Meshplane form of it applies as unchanged, and keeps the document.
  r = Cli({"product", "get", "seller/order-lines", "-o", "yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"apply", "-f", File("order-lines.yaml", r.out)});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/seller/order-lines unchanged\n");
  r = Cli({"product", "get", "seller/order-lines", "-o", "odps"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, ReadFile(Conformance("meshplane/orders-v1.1.odps.yaml")));
}

TEST_F(OdpsCliE2eTest, ChangedProductIsWrittenAnewSayingWhatODPSCannotCarry) {
  CommandResult r = Cli(
      {"apply", "-f", Conformance("v1.0.0/customer-data-product.odps.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // A change in the Meshplane format: a tier (which ODPS has no place for)
  // and a new description.
  r = Cli({"product", "get", "seller/customer-data-product", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json p = ParseJson(r.out);
  p["spec"]["tier"] = 2;
  p["spec"]["description"] = "Every customer, once.";
  r = Cli({"apply", "-f", File("edited.json", p.dump())});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/seller/customer-data-product configured\n");

  r = Cli({"product", "get", "seller/customer-data-product", "-o", "odps"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string generated = r.out;
  EXPECT_NE(generated,
            ReadFile(Conformance("v1.0.0/customer-data-product.odps.yaml")));
  EXPECT_THAT(generated, HasSubstr("apiVersion: v1.1.0"));
  EXPECT_THAT(generated, HasSubstr("purpose: Every customer, once."));
  // What Meshplane does not model comes from the stored document.
  EXPECT_THAT(generated, HasSubstr("tpc-dict-update"));
  EXPECT_THAT(generated, HasSubstr("john.doe@retailcorp.com"));
  EXPECT_THAT(r.err, HasSubstr("has changed since its ODPS document"));
  EXPECT_THAT(r.err, HasSubstr("ODPS has no place for: spec.tier"));

  // Applying the generated document stores it and changes nothing else.
  std::string file = File("generated.odps.yaml", generated);
  r = Cli({"apply", "-f", file});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/seller/customer-data-product configured\n");
  r = Cli({"product", "get", "seller/customer-data-product", "-o", "odps"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, generated);
  EXPECT_EQ(r.err, "");
  r = Cli({"apply", "-f", file});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/seller/customer-data-product unchanged\n");
  r = Cli({"product", "get", "seller/customer-data-product", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["spec"]["tier"], 2);
}

TEST_F(OdpsCliE2eTest, InvalidFixturesExitTwoNamingPathAndLine) {
  int checked = 0;
  for (const auto& e : fs::directory_iterator(Conformance("invalid"))) {
    const std::string file = e.path().string();
    if (!absl::EndsWith(file, ".odps.yaml")) continue;
    SCOPED_TRACE(file);
    std::string text = ReadFile(file);
    std::string expect = text.substr(10, text.find('\n') - 10);
    CommandResult r = Cli({"product", "apply", "-f", file, "--domain", "own",
                           "--owner-team", "data-team"});
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat(file, ":", expect)));
    EXPECT_THAT(r.out, Not(HasSubstr("created")));
    ++checked;
  }
  EXPECT_EQ(checked, 5);
  // -o odps is product get's alone.
  CommandResult r = Cli({"team", "get", "data-team", "-o", "odps"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("unknown output format"));
}

}  // namespace
}  // namespace meshplane::e2e
