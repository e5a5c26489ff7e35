// The base of e2e tests that drive the meshplane binary against a real
// meshplaned on a fresh database of the test's private PostgreSQL.
#ifndef MESHPLANE_TESTS_E2E_SERVER_TEST_H_
#define MESHPLANE_TESTS_E2E_SERVER_TEST_H_

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/testing/pg/pg_fixture.h"
#include <nlohmann/json.hpp>

namespace meshplane::e2e {

// The bootstrap admin token the server is started with.
inline constexpr char kAdminToken[] = "e2e-bootstrap-admin-token-0123456789";

// The standard output of `r` parsed as JSON; a test failure (and a
// discarded value) when it is not JSON.
inline nlohmann::json Json(const CommandResult& r) {
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.Describe();
  return j;
}

// The ODCS document of orders-contract, which the port of sales/orders (see
// SeedSalesOrders) promises: `version`, the columns order_id (a required
// string) and amount (a number), then `extra_properties` (more items of the
// list, indented by six spaces).
inline std::string OrdersContract(const std::string& version,
                                  const std::string& extra_properties = "") {
  return R"(apiVersion: v3.0.2
kind: DataContract
id: orders-contract
name: Orders
version: )" +
         version +
         R"(
status: active
domain: sales
dataProduct: orders
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: string
        required: true
      - name: amount
        logicalType: number
)" + extra_properties;
}

class ServerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // As in production: the server connects as the serving role, which
    // cannot alter the schema or the audit tables.
    StartServer(ServingDatabaseUrl());
  }

  // A fresh database of the private PostgreSQL, as the serving role.
  static std::string ServingDatabaseUrl() {
    return testing::PgFixture::ServingUrl(
        testing::PgFixture::Get().NewDatabase());
  }

  // Starts meshplaned on `database_url` with `extra_args` on top of the
  // defaults, and makes the test's temporary folder. Fatal on failure.
  void StartServer(const std::string& database_url,
                   const std::vector<std::string>& extra_args = {}) {
    std::string error;
    ASSERT_TRUE(server_.Start(EnvOrDie("MESHPLANED"), database_url, kAdminToken,
                              &error, extra_args))
        << error;
    dir_ = MakeTempDir();
  }

  void TearDown() override {
    if (HasFailure()) {
      std::fprintf(stderr, "--- meshplaned log ---\n%s\n",
                   server_.Log().c_str());
    }
    server_.Stop();
  }

  // Runs meshplane as the admin (or as `token`; "" runs without a token).
  CommandResult Cli(std::vector<std::string> args,
                    const std::string& token = kAdminToken,
                    const std::string& input = "") {
    args.insert(args.begin(), EnvOrDie("MESHPLANE_CLI"));
    std::map<std::string, std::string> env = {
        {"MESHPLANE_ADDR", server_.addr()}};
    env["MESHPLANE_TOKEN"] = token.empty() ? "\x01" : token;
    return RunCommand(args, env, input);
  }

  // Runs each command as the admin; a fatal failure unless each exits 0.
  void CliAll(const std::vector<std::vector<std::string>>& commands) {
    for (const auto& args : commands) {
      CommandResult r = Cli(args);
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
    }
  }

  // `product apply -f` of `yaml`, written to `name`, as the admin; a fatal
  // failure unless it exits 0.
  void ApplyProducts(const std::string& name, const std::string& yaml) {
    CommandResult r = Cli({"product", "apply", "-f", File(name, yaml)});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  // The mesh most of these tests start from, made as the admin: the team
  // sales-eng (with the member `member`; "" for none) owns the domain sales
  // and its data product orders, whose spec ends with `orders_spec` (YAML
  // lines indented by two spaces: ports, objectives, ...). Fatal on failure.
  void SeedSalesOrders(const std::string& member,
                       const std::string& orders_spec = "") {
    std::vector<std::string> team = {"team", "create", "sales-eng"};
    if (!member.empty()) {
      team.insert(team.end(), {"--member", member});
    }
    ASSERT_NO_FATAL_FAILURE(CliAll(
        {team, {"domain", "create", "sales", "--owner-team", "sales-eng"}}));
    ApplyProducts("orders.yaml", R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: orders, domain: sales}
spec:
  ownerTeam: teams/sales-eng)" + orders_spec);
  }

  // The secret of a new token for `principal`, created by the admin; a
  // test failure (and "") when there is none.
  std::string Token(const std::string& principal) {
    CommandResult r =
        Cli({"token", "create", "--principal", principal, "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::string secret = Json(r).value("secret", "");
    EXPECT_FALSE(secret.empty()) << r.out;
    return secret;
  }

  // Writes `text` to `name` in the test's temporary folder; its path.
  std::string File(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    WriteFile(path, text);
    return path;
  }

  ServerProcess server_;
  std::string dir_;
};

}  // namespace meshplane::e2e

#endif  // MESHPLANE_TESTS_E2E_SERVER_TEST_H_
