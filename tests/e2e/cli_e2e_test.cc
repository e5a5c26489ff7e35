// End-to-end tests: the real meshplaned against a fresh PostgreSQL database,
// driven by the real meshplane binary with MESHPLANE_ADDR / MESHPLANE_TOKEN
// as a user or a CI job runs it. Each test gets its own database and server.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/e2e/server_test.h"
#include "tests/testing/pg/pg_fixture.h"
#include <nlohmann/json.hpp>

#include "meshplane/contract/yaml.h"

namespace meshplane::e2e {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class CliE2eTest : public ServerE2eTest {};

std::string Testdata(const std::string& rel) {
  return EnvOrDie("MESHPLANE_E2E_TESTDATA") + "/" + rel;
}

nlohmann::json ParseJson(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

constexpr char kProducts[] = R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata:
  name: revenue
  domain: sales
spec:
  displayName: Revenue
  description: Revenue per day, computed from orders.
  ownerTeam: sales-eng
  tier: 2
  classification: internal
  tags: [revenue, reporting]
  outputPorts:
    - id: revenue-daily
      type: table
  inputPorts:
    - id: orders
      source: domains/sales/dataProducts/orders/outputPorts/orders-v1
---
apiVersion: meshplane.dev/v1
kind: DataProduct
metadata:
  name: orders
  domain: sales
  labels: {source-system: shop}
spec:
  displayName: Orders
  description: Every order of the "web shop", one row per order line.
  ownerTeam: sales-eng
  tier: 1
  classification: confidential
  tags: [orders, pii]
  outputPorts:
    - id: orders-v1
      type: table
      server: postgres://warehouse:5432/sales
      location: sales.orders_v1
      contract: orders-v1
      objectives: {availabilityPercent: 99.9, maxStaleness: 1h}
)";

TEST_F(CliE2eTest, Tour) {
  // Who am I: the bootstrap token is the platform admin user:admin.
  CommandResult r = Cli({"whoami"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("user:admin"));

  // A team and a domain.
  r = Cli({"team", "create", "sales-eng", "--display-name", "Sales engineering",
           "--member", "user:ana@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "team/sales-eng created\n");
  r = Cli({"domain", "create", "sales", "--owner-team", "sales-eng",
           "--display-name", "Sales", "--label", "cost-center=cc-100"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"domain", "get", "sales"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out,
              AllOf(HasSubstr("domains/sales"), HasSubstr("teams/sales-eng"),
                    HasSubstr("cost-center=cc-100")));

  // Apply a file whose consumer comes before its source: apply orders them.
  std::string products = File("products.yaml", kProducts);
  r = Cli({"product", "apply", "-f", products});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out,
            "dataProduct/sales/orders created\n"
            "dataProduct/sales/revenue created\n");
  // Applying again changes nothing.
  r = Cli({"apply", "-f", products});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out,
            "dataProduct/sales/orders unchanged\n"
            "dataProduct/sales/revenue unchanged\n");

  // List, filter, search.
  r = Cli({"product", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, AllOf(HasSubstr("DOMAIN"), HasSubstr("orders"),
                           HasSubstr("revenue")));
  r = Cli({"product", "list", "--tag", "pii", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json listed = ParseJson(r.out);
  ASSERT_FALSE(listed.is_discarded()) << r.out;
  ASSERT_EQ(listed["items"].size(), 1u) << r.out;
  EXPECT_EQ(listed["items"][0]["metadata"]["name"], "orders");
  r = Cli({"product", "list", "--search", "revenue", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  listed = ParseJson(r.out);
  ASSERT_GE(listed["items"].size(), 1u) << r.out;
  EXPECT_EQ(listed["items"][0]["metadata"]["name"], "revenue");
  r = Cli({"product", "list", "--domain", "sales", "--owner-team", "sales-eng",
           "--lifecycle", "draft", "--page-size", "1", "--all", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["items"].size(), 2u) << r.out;
  r = Cli({"product", "list", "--page-size", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("--page-token"));

  // -o yaml parses, as the descriptor apply reads.
  r = Cli({"product", "get", "sales/orders", "-o", "yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  absl::StatusOr<contract::YamlStream> got = contract::ReadYaml(r.out);
  ASSERT_TRUE(got.ok()) << got.status() << "\n" << r.out;
  contract::YamlNode yaml = (*got)[0];
  EXPECT_EQ(yaml["spec"]["ownerTeam"].Scalar(), "sales-eng");
  EXPECT_EQ(yaml["spec"]["description"].Scalar(),
            "Every order of the \"web shop\", one row per order line.");
  EXPECT_EQ(
      yaml["spec"]["outputPorts"][0]["objectives"]["maxStaleness"].Scalar(),
      "1h");

  // Lineage.
  r = Cli({"product", "lineage", "sales/orders", "--direction", "downstream"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("sales/orders:orders-v1"));
  EXPECT_THAT(r.out, HasSubstr("sales/revenue"));
  r = Cli({"product", "lineage", "sales/revenue", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["edges"].size(), 1u) << r.out;

  // Lifecycle.
  r = Cli({"product", "publish", "sales/orders"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/sales/orders published\n");
  r = Cli({"product", "deprecate", "orders", "--domain", "sales", "--sunset",
           "2030-01-01"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli(
      {"product", "get", "domains/sales/dataProducts/orders", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json orders = ParseJson(r.out);
  EXPECT_EQ(orders["spec"]["lifecycle"], "deprecated");
  EXPECT_EQ(orders["status"]["sunsetTime"], "2030-01-01T00:00:00Z");
  // An illegal transition (draft -> deprecated) is refused: exit 1.
  r = Cli({"product", "deprecate", "sales/revenue"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("error: "));

  // Dry run writes nothing.
  std::string extra = File("extra.yaml", R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: refunds, domain: sales}
spec:
  ownerTeam: sales-eng
  outputPorts: [{id: refunds-v1, type: table}]
)");
  r = Cli({"product", "apply", "-f", extra, "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out,
            "dataProduct/sales/refunds created (dry run: nothing was "
            "changed)\n");
  r = Cli({"product", "get", "sales/refunds"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("not found"));
  r = Cli({"domain", "create", "hr", "--owner-team", "sales-eng", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("dry run"));
  r = Cli({"domain", "get", "hr"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  r = Cli({"product", "delete", "sales/revenue", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"product", "get", "sales/revenue"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();

  // A token for another principal, who is in no team.
  r = Cli({"token", "create", "--principal", "user:bo@example.com", "--ttl",
           "1d", "--description", "bo's laptop", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json created = ParseJson(r.out);
  std::string bo = created["secret"];
  std::string bo_token_name = created["token"]["name"];
  ASSERT_FALSE(bo.empty()) << r.out;
  r = Cli({"whoami", "-o", "json"}, bo);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["principal"], "user:bo@example.com");
  r = Cli({"product", "list"}, bo);  // reads are open
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  // Writes outside bo's teams are refused with a permission message.
  r = Cli({"domain", "update", "sales", "--description", "taken over"}, bo);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(absl::AsciiStrToLower(r.err), HasSubstr("permission"));
  r = Cli({"product", "publish", "sales/revenue"}, bo);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(absl::AsciiStrToLower(r.err), HasSubstr("permission"));
  // Once bo joins the owner team, the same product write succeeds.
  r = Cli({"team", "add-member", "sales-eng", "user:bo@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // (The server may cache an identity's teams for a moment: poll.)
  for (int attempt = 0; attempt < 20; ++attempt) {
    r = Cli({"product", "publish", "sales/revenue"}, bo);
    if (r.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_EQ(r.exit_code, 0) << r.Describe();

  // Revoked token: refused (UNAUTHENTICATED -> 1).
  r = Cli({"token", "list", "--principal", "user:bo@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr(bo_token_name));
  r = Cli({"token", "revoke", bo_token_name});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // The server may cache a verified token for a moment (2 s): poll.
  for (int attempt = 0; attempt < 20; ++attempt) {
    r = Cli({"whoami"}, bo);
    if (r.exit_code != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("error: "));

  // No token at all: refused.
  r = Cli({"domain", "list"}, "");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();

  // An invalid id: exit 2, naming the field.
  r = Cli({"domain", "create", "Bad Id", "--owner-team", "sales-eng"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("domain_id"));
  EXPECT_THAT(r.err, HasSubstr("Bad Id"));

  // Already exists: exit 1.
  r = Cli({"team", "create", "sales-eng"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();

  // The same request id replays the first answer instead of failing
  // (AIP-155): what the CLI's own retries rely on.
  const std::string id = "0f8b7a3e-5c2d-4e1f-9a6b-3c4d5e6f7a8b";
  r = Cli({"team", "create", "replayed", "--request-id", id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"team", "create", "replayed", "--request-id", id});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "team/replayed created\n");

  // -o json of lists parses; -o yaml of domains too.
  r = Cli({"domain", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json domains = ParseJson(r.out);
  ASSERT_FALSE(domains.is_discarded()) << r.out;
  EXPECT_EQ(domains["items"][0]["metadata"]["name"], "sales");
  r = Cli({"team", "list", "-o", "yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  absl::StatusOr<contract::YamlStream> teams = contract::ReadYaml(r.out);
  ASSERT_TRUE(teams.ok()) << teams.status() << "\n" << r.out;
  ASSERT_EQ(teams->size(), 2u) << r.out;  // ordered by id
  EXPECT_EQ((*teams)[0]["metadata"]["name"].Scalar(), "replayed");
  EXPECT_EQ((*teams)[1]["metadata"]["name"].Scalar(), "sales-eng");
  EXPECT_EQ((*teams)[1]["spec"]["members"].size(), 2u) << r.out;
}

constexpr char kRoundTripMesh[] = R"(apiVersion: meshplane.dev/v1
kind: Team
metadata: {name: sales-eng}
spec:
  displayName: Sales engineering
  description: Builds the order systems.
  members: [user:ana@example.com, service:orders-ci]
---
apiVersion: meshplane.dev/v1
kind: Team
metadata: {name: governance}
spec: {displayName: Governance}
---
apiVersion: meshplane.dev/v1
kind: Domain
metadata:
  name: sales
  labels: {cost-center: "100", region: "yes"}
spec: {ownerTeam: sales-eng, displayName: Sales}
---
apiVersion: meshplane.dev/v1
kind: Domain
metadata: {name: sales-emea}
spec:
  parent: sales
  ownerTeam: teams/sales-eng
  description: |
    Regional sales.
    Two lines.
---
apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: products-have-owner, labels: {area: ownership}}
spec:
  triggers: [dataproduct.create, dataproduct.update]
  condition: has(resource.owner_team)
  effect: WARN
  message: every data product names its owner team
  owner: governance
  waivable: false
---
apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: describe-products, domain: sales}
spec:
  triggers: [dataproduct.update]
  condition: has(resource.description)
  effect: WARN
  enforcement: DRY_RUN
---
apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: orders, domain: sales, labels: {source-system: shop}}
spec:
  displayName: Orders
  description: Every order, one row per order line.
  ownerTeam: sales-eng
  tier: 1
  classification: confidential
  lifecycle: published
  tags: [orders, core]
  outputPorts:
    - id: orders-v1
      displayName: Orders (table)
      type: table
      server: postgres://warehouse:5432/sales
      location: sales.orders_v1
      contract: orders-contract
      objectives:
        availabilityPercent: 99.9
        maxStaleness: 1h30m
        completenessPercent: 99.5
        latency: 250ms
    - {id: orders-raw, type: files}
---
apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: revenue, domain: sales-emea}
spec:
  ownerTeam: sales-eng
  inputPorts:
    - id: orders
      source: domains/sales/dataProducts/orders/outputPorts/orders-v1
      description: To sum.
)";

constexpr char kRoundTripContract[] = R"(apiVersion: v3.0.2
kind: DataContract
id: orders-contract
name: Orders
version: 1.0.0
status: active
domain: sales
dataProduct: orders
# a comment, kept byte for byte
schema:
  - name: orders
    properties:
      - {name: order_id, logicalType: string, required: true}
)";

class RoundTripE2eTest : public CliE2eTest {
 protected:
  // Every audit record: each write (done, refused or a no-op the server
  // recognised) leaves one.
  size_t AuditCount() {
    CommandResult r = Cli({"audit", "list", "--all", "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return ParseJson(r.out)
        .value("audit_records", nlohmann::json::array())
        .size();
  }

  nlohmann::json GetJson(std::vector<std::string> get) {
    get.insert(get.end(), {"-o", "json"});
    CommandResult r = Cli(get);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return ParseJson(r.out);
  }
};

// kubectl's loop: get -o yaml|json, apply it unchanged (a no-op that says
// so and writes nothing: same etag, same update time, no audit record), then
// edit one field and apply (changed).
TEST_F(RoundTripE2eTest, GetThenApplyIsANoopAndAnEditApplies) {
  CommandResult r = Cli({"apply", "-f", File("mesh.yaml", kRoundTripMesh)});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::string contract = File("orders.odcs.yaml", kRoundTripContract);
  r = Cli({"contract", "publish", "-f", contract});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();

  struct Resource {
    std::vector<std::string> get;
    std::string ref;
  };
  const std::vector<Resource> resources = {
      {{"team", "get", "sales-eng"}, "team/sales-eng"},
      {{"team", "get", "governance"}, "team/governance"},
      {{"domain", "get", "sales"}, "domain/sales"},
      {{"domain", "get", "sales-emea"}, "domain/sales-emea"},
      {{"product", "get", "sales/orders"}, "dataProduct/sales/orders"},
      {{"product", "get", "sales-emea/revenue"},
       "dataProduct/sales-emea/revenue"},
      {{"policy", "get", "products-have-owner"}, "policy/products-have-owner"},
      {{"policy", "get", "describe-products", "--domain", "sales"},
       "policy/sales/describe-products"},
  };
  const size_t audited = AuditCount();
  int n = 0;
  for (const Resource& res : resources) {
    const nlohmann::json before = GetJson(res.get);
    ASSERT_TRUE(before.contains("status")) << before.dump();
    for (const char* format : {"yaml", "json"}) {
      SCOPED_TRACE(absl::StrCat(res.ref, " -o ", format));
      std::vector<std::string> get = res.get;
      get.insert(get.end(), {"-o", format});
      r = Cli(get);
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
      std::string file = File(absl::StrCat("got-", ++n, ".", format), r.out);
      r = Cli({"apply", "-f", file});
      EXPECT_EQ(r.exit_code, 0) << r.Describe();
      EXPECT_EQ(r.out, res.ref + " unchanged\n") << r.Describe();
      EXPECT_THAT(r.err, IsEmpty());
    }
    const nlohmann::json after = GetJson(res.get);
    EXPECT_EQ(after["status"]["etag"], before["status"]["etag"]) << res.ref;
    EXPECT_EQ(after["status"]["updateTime"], before["status"]["updateTime"])
        << res.ref;
    EXPECT_EQ(after, before) << res.ref;
  }

  // Lists read back too: a YAML stream, and a JSON List.
  r = Cli({"product", "list", "-o", "yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"apply", "-f", File("products.yaml", r.out)});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out,
            "dataProduct/sales/orders unchanged\n"
            "dataProduct/sales-emea/revenue unchanged\n");
  r = Cli({"domain", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"apply", "-f", File("domains.json", r.out)});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "domain/sales unchanged\ndomain/sales-emea unchanged\n");

  // The contract: the stored document comes back byte for byte, and
  // publishing it again is a no-op without a write.
  const nlohmann::json contract_before =
      GetJson({"contract", "get", "orders-contract"});
  r = Cli({"contract", "get", "orders-contract", "--original"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, kRoundTripContract);
  std::string got = File("got.odcs.yaml", r.out);
  r = Cli({"contract", "publish", "-f", got});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "contract/orders-contract 1.0.0 unchanged\n");
  r = Cli({"contract", "publish", "-f", got, "-o", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json published = ParseJson(r.out);
  EXPECT_EQ(published["version"]["original_yaml"], kRoundTripContract);
  EXPECT_EQ(published["contract"], contract_before);
  EXPECT_THAT(published["report"]["warnings"][0]["message"].get<std::string>(),
              HasSubstr("unchanged"));
  EXPECT_EQ(GetJson({"contract", "get", "orders-contract"}), contract_before);

  // Nothing above wrote anything.
  EXPECT_EQ(AuditCount(), audited);

  // An edited field applies, and only that resource changes.
  struct Edit {
    std::vector<std::string> get;
    std::string from, to, out;
    std::string field;  // JSON pointer into the descriptor
  };
  const std::vector<Edit> edits = {
      {{"team", "get", "sales-eng"},
       "displayName: Sales engineering",
       "displayName: Sales engineers",
       "team/sales-eng configured\n",
       "/spec/displayName"},
      {{"domain", "get", "sales-emea"},
       "parent: sales",
       "parent: sales\n  "
       "displayName: EMEA",
       "domain/sales-emea configured\n",
       "/spec/displayName"},
      {{"product", "get", "sales/orders"},
       "maxStaleness: \"1h30m\"",
       "maxStaleness: 2h",
       "dataProduct/sales/orders configured\n",
       "/spec/outputPorts/0/objectives/maxStaleness"},
      {{"policy", "get", "products-have-owner"},
       "effect: WARN",
       "effect: DENY",
       "policy/products-have-owner updated\n",
       "/spec/effect"},
  };
  for (const Edit& e : edits) {
    SCOPED_TRACE(e.out);
    std::vector<std::string> get = e.get;
    get.insert(get.end(), {"-o", "yaml"});
    r = Cli(get);
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    ASSERT_THAT(r.out, HasSubstr(e.from));
    std::string edited = absl::StrReplaceAll(r.out, {{e.from, e.to}});
    r = Cli({"apply", "-f", File("edited.yaml", edited)});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(r.out, e.out);
    nlohmann::json now = GetJson(e.get);
    std::string want = e.to.substr(e.to.rfind(": ") + 2);
    EXPECT_EQ(now.at(nlohmann::json::json_pointer(e.field)), want);
  }
  EXPECT_EQ(AuditCount(), audited + edits.size());

  // A contract version is immutable: an edited document under the same
  // version goes to the server, which refuses it.
  r = Cli({"contract", "publish", "-f",
           File("edited.odcs.yaml",
                absl::StrReplaceAll(kRoundTripContract,
                                    {{"name: Orders", "name: Orders2"}}))});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("already published with other content"));
}

// events watch prints the feed from a sequence, as lines or JSON lines,
// and exits after --limit events; a bad filter is a usage-level refusal.
TEST_F(CliE2eTest, EventsWatchFollowsTheFeed) {
  CommandResult r =
      Cli({"team", "create", "watched-a", "--member", "user:ana@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"team", "create", "watched-b", "--member", "user:ana@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli(
      {"events", "watch", "--since", "0", "--type", "team", "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, AllOf(HasSubstr("team.created  teams/watched-a"),
                           HasSubstr("team.created  teams/watched-b")));
  r = Cli({"events", "watch", "--since", "0", "--type", "team", "--limit", "1",
           "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, AllOf(HasSubstr("\"resource\": \"teams/watched-a\""),
                           HasSubstr("\"type\": \"team.created\"")));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  r = Cli({"events", "watch", "--type", "teams", "--limit", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("resource_types[0]"));
}

// psql of the PostgreSQL the fixture runs (found as PgFixture finds it).
std::string Psql() {
  const char* bin = std::getenv("MESHPLANE_PG_BIN");
  return absl::StrCat(
      bin != nullptr && *bin != '\0' ? bin : "/usr/lib/postgresql/15/bin",
      "/psql");
}

// A watch from before what the server keeps (--event-retention) stops
// with exit code 2 and says how to go on, instead of skipping events.
TEST(CliRetentionE2eTest, EventsWatchFromPrunedEventsFailsClearly) {
  const std::string url = testing::PgFixture::Get().NewDatabase();
  auto cli = [](const ServerProcess& server, std::vector<std::string> args) {
    args.insert(args.begin(), EnvOrDie("MESHPLANE_CLI"));
    return RunCommand(args, {{"MESHPLANE_ADDR", server.addr()},
                             {"MESHPLANE_TOKEN", kAdminToken}});
  };
  std::string error;
  {
    ServerProcess first;
    ASSERT_TRUE(first.Start(EnvOrDie("MESHPLANED"), url, kAdminToken, &error))
        << error;
    for (const char* id : {"pruned-a", "pruned-b"}) {
      CommandResult r = cli(
          first, {"team", "create", id, "--member", "user:ana@example.com"});
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
    }
    first.Stop();
  }
  // Forty days pass for everything written so far.
  CommandResult aged =
      RunCommand({Psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
                  "UPDATE events SET time = time - interval '40 days'"},
                 {});
  ASSERT_EQ(aged.exit_code, 0) << aged.Describe();
  // Its first pass, at start, prunes all of it.
  ServerProcess second;
  ASSERT_TRUE(second.Start(EnvOrDie("MESHPLANED"), url, kAdminToken, &error,
                           {"--event-retention", "720h"}))
      << error;
  CommandResult r;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    r = cli(second, {"events", "watch", "--since", "1", "--limit", "1"});
    if (r.exit_code != 0 || std::chrono::steady_clock::now() > deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err,
              AllOf(HasSubstr("since_sequence 1 is older than the event feed "
                              "keeps"),
                    HasSubstr("--event-retention"),
                    HasSubstr("run again with --since 0")))
      << r.Describe();
  EXPECT_THAT(r.out, IsEmpty());
  // From the oldest retained: what was written after the pruning.
  r = cli(second,
          {"team", "create", "kept", "--member", "user:ana@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = cli(second, {"events", "watch", "--since", "0", "--type", "team",
                   "--limit", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("team.created  teams/kept"));
  EXPECT_THAT(r.out, Not(HasSubstr("teams/pruned-")));
  second.Stop();
}

TEST_F(CliE2eTest, UnreachableServerExitsThree) {
  CommandResult r =
      RunCommand({EnvOrDie("MESHPLANE_CLI"), "domain", "list"},
                 {{"MESHPLANE_ADDR", absl::StrCat("127.0.0.1:", UnusedPort())},
                  {"MESHPLANE_TOKEN", kAdminToken}});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("unavailable"));
  EXPECT_THAT(r.out, IsEmpty());
}

TEST_F(CliE2eTest, InvalidDescriptorExitsTwoAndWritesNothing) {
  std::string bad = File("bad.yaml", R"(apiVersion: meshplane.dev/v1
kind: Team
metadata: {name: fine}
---
apiVersion: meshplane.dev/v1
kind: Domain
metadata:
  name: sales
spec:
  ownerTeam: fine
  colour: blue
)");
  CommandResult r = Cli({"apply", "-f", bad});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr(bad + ":11:3: spec.colour: unknown field"));
  r = Cli({"team", "get", "fine"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
}

TEST_F(CliE2eTest, DemoMeshAppliesCleanlyAndTwiceIsANoop) {
  std::string mesh = EnvOrDie("MESHPLANE_EXAMPLES") + "/demo/mesh.yaml";
  CommandResult r = Cli({"apply", "-f", mesh, "--dry-run"});
  // The dry run validates the teams; the documents that need them cannot be
  // validated without writing them, and say so.
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("team/platform created (dry run: nothing was "
                               "changed)"));
  EXPECT_THAT(r.out, HasSubstr("domain/sales not validated (dry run: needs "
                               "teams/sales-eng, which this run would "
                               "create)"));
  r = Cli({"team", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["kind"], "List") << r.out;
  EXPECT_EQ(ParseJson(r.out)["items"].size(), 0u) << r.out;

  r = Cli({"apply", "-f", mesh});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("team/platform created"));
  EXPECT_THAT(r.out, HasSubstr("domain/sales-emea created"));
  EXPECT_THAT(r.out,
              HasSubstr("dataProduct/finance/revenue created, published"));
  EXPECT_THAT(r.err, IsEmpty());

  r = Cli({"apply", "-f", mesh, "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json results = ParseJson(r.out)["results"];
  ASSERT_EQ(results.size(), 14u) << r.out;
  for (const auto& item : results) {
    EXPECT_EQ(item["action"], "unchanged") << item.dump();
  }

  r = Cli({"product", "list", "--all", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["items"].size(), 6u);

  // The fixture, read -> stored -> got back: applies as unchanged.
  std::string got;
  for (const char* kind : {"team", "domain", "product"}) {
    r = Cli({kind, "list", "--all", "-o", "yaml"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    got += r.out;
  }
  r = Cli({"apply", "-f", File("got-mesh.yaml", got), "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  results = ParseJson(r.out)["results"];
  ASSERT_EQ(results.size(), 14u) << r.out;
  for (const auto& item : results) {
    EXPECT_EQ(item["action"], "unchanged") << item.dump();
  }

  // The single-product examples apply on top of the demo mesh; the ODPS one
  // reads the contract customers-v1 and so becomes a consumer of customers.
  const std::string examples = EnvOrDie("MESHPLANE_EXAMPLES");
  r = Cli({"product", "apply", "-f", examples + "/descriptors/refunds.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/sales/refunds created\n");
  r = Cli({"apply", "-f", examples + "/descriptors/customer.odps.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out,
            "dataProduct/marketing/customer-segments created, "
            "published\n");
  // An ODPS product comes back in the Meshplane format too, which applies
  // as unchanged (and leaves the stored ODPS document alone).
  r = Cli({"product", "get", "marketing/customer-segments", "-o", "yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"apply", "-f", File("customer-got.yaml", r.out)});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/marketing/customer-segments unchanged\n");
  r = Cli({"product", "lineage", "sales/customers", "--direction", "downstream",
           "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["edges"].size(), 2u) << r.out;
  r = Cli({"product", "delete", "sales/refunds"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"product", "delete", "marketing/customer-segments"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"product", "list", "--domain", "sales", "--include-subdomains", "-o",
           "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["items"].size(), 3u) << r.out;
  r = Cli({"product", "lineage", "sales/orders", "--direction", "downstream",
           "--depth", "3", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json lineage = ParseJson(r.out);
  // orders -> emea-orders, campaign-attribution, revenue (twice: directly
  // and through emea-orders) -> revenue-forecast.
  EXPECT_GE(lineage["edges"].size(), 5u) << r.out;
  EXPECT_EQ(lineage["data_products"].size(), 5u) << r.out;
}

TEST_F(CliE2eTest, OdpsExamplesApply) {
  ASSERT_NO_FATAL_FAILURE(
      CliAll({{"team", "create", "data-team"},
              {"domain", "create", "seller", "--owner-team", "data-team"},
              {"domain", "create", "lab", "--owner-team", "data-team"}}));
  // A Meshplane product that promises the contract the ODPS example's
  // payments input port reads: apply links the two.
  std::string payments = File("payments.yaml", R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: payments, domain: seller}
spec:
  ownerTeam: data-team
  outputPorts:
    - id: payments-v2
      type: table
      contract: dbb7b1eb-7628-436e-8914-2a00638ba6da
)");
  CommandResult r = Cli({"apply", "-f", payments});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();

  r = Cli({"product", "apply", "-f",
           Testdata("odps/customer-data-product.odps.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/seller/customer-data-product created\n");
  // Three input ports name contracts that nobody offers.
  EXPECT_THAT(r.err,
              HasSubstr("no output port in the registry promises "
                        "contract ec2a112d-5cfe-49f3-8760-f9cfb4597544"));
  r = Cli({"product", "get", "seller/customer-data-product", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json product = ParseJson(r.out);
  EXPECT_EQ(product["spec"]["ownerTeam"], "data-team");
  EXPECT_EQ(product["metadata"]["labels"]["odps-id"],
            "fbe8d147-28db-4f1d-bedf-a3fe9f458427");
  EXPECT_EQ(product["spec"]["outputPorts"].size(), 4u);
  ASSERT_EQ(product["spec"]["inputPorts"].size(), 1u) << r.out;
  EXPECT_EQ(product["spec"]["inputPorts"][0]["source"],
            "domains/seller/dataProducts/payments/outputPorts/payments-v2");

  r = Cli({"apply", "-f", Testdata("odps/simple-data-product.odps.yaml"),
           "--domain", "lab", "--owner-team", "data-team"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/lab/simple-data-product created, published\n");
  r = Cli({"product", "list", "--domain", "lab", "--lifecycle", "published",
           "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out)["items"].size(), 1u) << r.out;

  // An ODPS document with a field the standard does not have: exit 2, with
  // the path and line.
  std::string bad = File("bad.odps.yaml", R"(apiVersion: v1.0.0
kind: DataProduct
id: 1d3c
name: Broken
status: draft
domain: lab
team: {name: data-team}
outputPorts:
  - name: out
    version: 1.0.0
    sla: 99.9
)");
  r = Cli({"apply", "-f", bad});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err,
              HasSubstr(bad + ":11:5: outputPorts[0].sla: unknown field"));
}

TEST_F(CliE2eTest, Tls) {
  std::string key = dir_ + "/server.key";
  std::string cert = dir_ + "/server.pem";
  CommandResult made = RunCommand(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
       "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
       "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"},
      {});
  ASSERT_EQ(made.exit_code, 0) << made.Describe();
  ServerProcess tls_server;
  std::string error;
  ASSERT_TRUE(tls_server.Start(
      EnvOrDie("MESHPLANED"), testing::PgFixture::Get().NewDatabase(),
      kAdminToken, &error, {"--tls-cert-file", cert, "--tls-key-file", key}))
      << error;
  std::map<std::string, std::string> env = {
      {"MESHPLANE_ADDR", tls_server.addr()}, {"MESHPLANE_TOKEN", kAdminToken}};
  const std::string cli = EnvOrDie("MESHPLANE_CLI");

  CommandResult r = RunCommand({cli, "whoami", "--ca-file", cert}, env);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("user:admin"));
  env["MESHPLANE_CA_FILE"] = cert;
  r = RunCommand(
      {cli, "whoami", "--addr", absl::StrCat("localhost:", tls_server.port())},
      env);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  // A certificate for another name is refused: the server is not reached.
  r = RunCommand({cli, "whoami", "--tls-server-name", "elsewhere.example.com",
                  "--timeout", "3s"},
                 env);
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  // Plaintext against a TLS server does not get through either.
  env.erase("MESHPLANE_CA_FILE");
  r = RunCommand({cli, "whoami", "--timeout", "3s"}, env);
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
}

}  // namespace
}  // namespace meshplane::e2e
