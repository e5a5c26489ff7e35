// Every ODCS fixture (tests/conformance/odcs/fixtures.tsv) through the real
// meshplane CLI and meshplaned: read -> store (publish) -> get --original ->
// apply (publish what get returned) and compare. A valid fixture comes back
// byte for byte, and publishing it again changes nothing (one version in the
// history); a v3.1.0 or v3.2.0 fixture rewritten by `contract convert` to
// its own version is the same contract (no new version either). An invalid
// fixture is refused before anything is stored.
//
// Many of the standard's examples share an id (and a version), so fixtures
// go in waves, each against its own server and database: wave k holds the
// k-th fixture of every id.
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/server_test.h"
#include <nlohmann/json.hpp>

#include "meshplane/contract/odcs.h"

namespace meshplane::e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Fixture {
  std::string file;  // absolute
  std::string name;  // as in the manifest
  bool valid = false;
  std::string id;
  std::string version;
  std::string api_version;
};

// The fixtures in waves: within a wave no two valid fixtures share an id.
// Invalid fixtures, which are never stored, all go in the first wave.
const std::vector<std::vector<Fixture>>& Waves() {
  static const auto* waves = [] {
    auto* out = new std::vector<std::vector<Fixture>>(1);
    const fs::path root(MESHPLANE_ODCS_FIXTURES);
    std::istringstream manifest(ReadFile(root / "fixtures.tsv"));
    std::string line;
    std::getline(manifest, line);
    std::map<std::string, size_t> seen;
    while (std::getline(manifest, line)) {
      std::vector<std::string> f = absl::StrSplit(line, '\t');
      if (f.size() < 4) {
        continue;
      }
      Fixture fx;
      fx.file = (root / f[0]).string();
      fx.name = f[0];
      fx.valid = f[1] == "valid";
      if (!fx.valid) {
        (*out)[0].push_back(fx);
        continue;
      }
      absl::StatusOr<contract::Document> doc =
          contract::Parse(ReadFile(fx.file));
      if (doc.ok()) {
        fx.id = doc->id;
        fx.version = doc->version;
        fx.api_version = doc->api_version;
      }
      const size_t wave = seen[fx.id]++;
      if (out->size() <= wave) {
        out->resize(wave + 1);
      }
      (*out)[wave].push_back(fx);
    }
    return out;
  }();
  return *waves;
}

class ContractRoundTripE2eTest : public ServerE2eTest,
                                 public ::testing::WithParamInterface<size_t> {
 protected:
  void SetUp() override {
    ServerE2eTest::SetUp();
    if (HasFatalFailure()) return;
    SeedSalesOrders("");
  }

  void RoundTrip(const Fixture& fx) {
    SCOPED_TRACE(fx.name);
    const std::string text = ReadFile(fx.file);
    CommandResult r = Cli(
        {"contract", "publish", "-f", fx.file, "--product", "sales/orders"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();

    r = Cli({"contract", "get", fx.id, "--original"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(r.out.size(), text.size());
    EXPECT_TRUE(r.out == text) << "the stored document differs from the file";

    // Apply what get returned: the same contract, no new version.
    const std::string got = File("got.odcs.yaml", r.out);
    r = Cli({"contract", "publish", "-f", got});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_THAT(r.out, HasSubstr("unchanged"));

    // Rewritten by convert in its own version (layout and comments gone,
    // values kept): the server sees the same content.
    if (fx.api_version == "v3.1.0" || fx.api_version == "v3.2.0") {
      r = Cli({"contract", "convert", "-f", fx.file, "--to", fx.api_version});
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
      const std::string rewritten = File("rewritten.odcs.yaml", r.out);
      r = Cli({"contract", "publish", "-f", rewritten});
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
    }

    r = Cli({"contract", "history", fx.id, "-o", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    nlohmann::json history = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(history.is_discarded()) << r.out;
    const nlohmann::json versions =
        history.value("contract_versions", nlohmann::json::array());
    EXPECT_EQ(versions.size(), 1u) << r.out;

    r = Cli({"contract", "get", fx.id, "--original"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_TRUE(r.out == text) << "the stored document changed";
  }

  void Refused(const Fixture& fx) {
    SCOPED_TRACE(fx.name);
    CommandResult r = Cli(
        {"contract", "publish", "-f", fx.file, "--product", "sales/orders"});
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    // Every issue names the file and a line.
    EXPECT_THAT(r.out + r.err, HasSubstr(absl::StrCat(fx.file, ":")));
  }
};

TEST_P(ContractRoundTripE2eTest, EveryFixtureReadStoreGetApply) {
  for (const Fixture& fx : Waves()[GetParam()]) {
    if (fx.valid) {
      RoundTrip(fx);
    } else {
      Refused(fx);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Waves, ContractRoundTripE2eTest,
                         ::testing::Range<size_t>(0, Waves().size()));

TEST(ContractRoundTripFixturesTest, EveryValidFixtureIsInAWave) {
  size_t valid = 0;
  for (const auto& wave : Waves()) {
    std::map<std::string, int> ids;
    for (const Fixture& fx : wave) {
      if (fx.valid) {
        ++valid;
        EXPECT_FALSE(fx.id.empty()) << fx.name;
        EXPECT_EQ(++ids[fx.id], 1) << fx.id << " twice in a wave";
      }
    }
  }
  EXPECT_GE(valid, 90u);
}

}  // namespace
}  // namespace meshplane::e2e
