// The meshplane binary against meshplaned with mutual TLS, as a CI job
// with a workload certificate runs it: --ca-file, --cert-file and
// --key-file (or their MESHPLANE_* variables), certificates made by
// openssl at test time, principals from a --tls-principal-map file.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/e2e/server_test.h"
#include "tests/testing/pg/pg_fixture.h"
#include "tests/testing/tls/test_certs.h"

namespace meshplane::e2e {
namespace {

using ::testing::HasSubstr;

class MutualTlsCliE2eTest : public ServerE2eTest {
 protected:
  void SetUp() override {
    auto certs = testing::MakeTestCertificates(::testing::TempDir() +
                                               "meshplane-mtls-e2e-XXXXXX");
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *std::move(certs);
    const std::string map = certs_.dir + "/principals";
    WriteFile(map,
              absl::StrCat("# workload certificates\n",
                           testing::kDeployerSpiffeId, "=service:deployer\n"));
    StartServer(testing::PgFixture::Get().NewDatabase(),
                {"--tls-cert-file", certs_.server.cert, "--tls-key-file",
                 certs_.server.key, "--tls-client-ca-file", certs_.ca.cert,
                 "--tls-client-auth", "optional", "--tls-principal-map", map});
  }

  // meshplane with `args`; the environment has the address and `env`, and
  // no token unless `env` sets one (unlike ServerE2eTest::Cli, which it
  // hides: these tests choose every credential themselves).
  CommandResult Cli(std::vector<std::string> args,
                    std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), EnvOrDie("MESHPLANE_CLI"));
    env.emplace("MESHPLANE_ADDR", server_.addr());
    env.emplace("MESHPLANE_TOKEN", "\x01");
    return RunCommand(args, env);
  }

  testing::TestCertificates certs_;
};

TEST_F(MutualTlsCliE2eTest, ClientCertificateFromFlagsAndEnvironment) {
  CommandResult r =
      Cli({"whoami", "--ca-file", certs_.ca.cert, "--cert-file",
           certs_.deployer.cert, "--key-file", certs_.deployer.key});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("service:deployer"));

  r = Cli({"whoami", "-o", "json"},
          {{"MESHPLANE_CA_FILE", certs_.ca.cert},
           {"MESHPLANE_CERT_FILE", certs_.deployer.cert},
           {"MESHPLANE_KEY_FILE", certs_.deployer.key}});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("\"service:deployer\""));

  // A token on top names the caller.
  r = Cli({"whoami", "--ca-file", certs_.ca.cert, "--cert-file",
           certs_.deployer.cert, "--key-file", certs_.deployer.key},
          {{"MESHPLANE_TOKEN", kAdminToken}});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("user:admin"));
}

TEST_F(MutualTlsCliE2eTest, ServerTlsOnlyWithToken) {
  CommandResult r = Cli({"whoami", "--ca-file", certs_.ca.cert},
                        {{"MESHPLANE_TOKEN", kAdminToken}});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("user:admin"));
  // Neither a certificate nor a token.
  r = Cli({"whoami", "--ca-file", certs_.ca.cert});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();  // UNAUTHENTICATED
  EXPECT_THAT(r.err, HasSubstr("client certificate"));
}

TEST_F(MutualTlsCliE2eTest, Refusals) {
  // Signed by the trusted CA, but mapped to nothing: the SAN is named.
  CommandResult r =
      Cli({"whoami", "--ca-file", certs_.ca.cert, "--cert-file",
           certs_.stranger.cert, "--key-file", certs_.stranger.key});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();  // UNAUTHENTICATED
  EXPECT_THAT(r.err, HasSubstr(testing::kStrangerSpiffeId));
  // From another CA: the handshake fails, the server is not reached.
  r = Cli(
      {"whoami", "--timeout", "3s", "--ca-file", certs_.ca.cert, "--cert-file",
       certs_.foreign.cert, "--key-file", certs_.foreign.key},
      {{"MESHPLANE_TOKEN", kAdminToken}});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  // A certificate without its key is a usage error.
  r = Cli({"whoami", "--ca-file", certs_.ca.cert, "--cert-file",
           certs_.deployer.cert});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("--key-file"));
  r = Cli({"whoami", "--cert-file", certs_.dir + "/missing.pem", "--key-file",
           certs_.deployer.key});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("missing.pem"));
}

}  // namespace
}  // namespace meshplane::e2e
