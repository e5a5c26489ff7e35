// The meshplaned binary as an operator runs it: flags, environment,
// migrations at start by several replicas at once, the port file, SIGTERM.
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/pg/pg_fixture.h"
#include "tests/testing/server/process.h"
#include "tests/testing/server/server_fixture.h"
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace meshplane::testing {
namespace {

const char kToken[] = "replica-bootstrap-token-0123456789";

TEST(MeshplanedTest, ReplicasMigrateTogetherServeAndDrainOnSigterm) {
  // An empty database: the replicas race to migrate it, under the lock.
  std::string url = PgFixture::Get().NewEmptyDatabase();
  std::string dir = TempDir();
  constexpr int kReplicas = 3;
  std::vector<std::unique_ptr<Process>> replicas;
  for (int i = 0; i < kReplicas; ++i) {
    replicas.push_back(std::make_unique<Process>(
        MESHPLANED_PATH,
        std::vector<std::string>{"serve", "--listen", "127.0.0.1:0",
                                 "--http-listen", "", "--port-file",
                                 absl::StrCat(dir, "/port-", i), "--pool-size",
                                 "2", "--log-level", "warn"},
        std::vector<std::string>{
            absl::StrCat("MESHPLANE_DATABASE_URL=", url),
            absl::StrCat("MESHPLANE_BOOTSTRAP_TOKEN=", kToken)}));
  }
  for (int i = 0; i < kReplicas; ++i) {
    int port = ReadPortFile(absl::StrCat(dir, "/port-", i), absl::Seconds(60));
    ASSERT_GT(port, 0) << "replica " << i << " did not write its port file";
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::InsecureChannelCredentials());
    auto stub = v1::IdentityService::NewStub(channel);
    v1::GetCallerIdentityRequest r;
    v1::CallerIdentity me;
    auto ctx = ServerFixture::Context(kToken);
    grpc::Status s = stub->GetCallerIdentity(ctx.get(), r, &me);
    ASSERT_TRUE(s.ok()) << "replica " << i << ": " << s.error_message();
    EXPECT_EQ(me.principal(), "user:admin");
    EXPECT_TRUE(me.platform_admin());
  }
  for (auto& p : replicas) p->Signal(SIGTERM);
  for (auto& p : replicas) EXPECT_EQ(p->Wait(absl::Seconds(30)), 0);
}

TEST(MeshplanedTest, MigrateCommandExitsZero) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  Process migrate(MESHPLANED_PATH, {"migrate", "--database-url", url}, {});
  EXPECT_EQ(migrate.Wait(absl::Seconds(60)), 0);
  Process again(MESHPLANED_PATH, {"migrate"},
                {absl::StrCat("MESHPLANE_DATABASE_URL=", url)});
  EXPECT_EQ(again.Wait(absl::Seconds(60)), 0);
}

TEST(MeshplanedTest, UsageErrorsExitTwo) {
  Process bad(MESHPLANED_PATH, {"--no-such-flag", "1"},
              {"MESHPLANE_DATABASE_URL=x"});
  EXPECT_EQ(bad.Wait(absl::Seconds(10)), 2);
  Process no_db(MESHPLANED_PATH, {"serve"}, {});
  EXPECT_EQ(no_db.Wait(absl::Seconds(10)), 2);
  Process help(MESHPLANED_PATH, {"--help"}, {});
  EXPECT_EQ(help.Wait(absl::Seconds(10)), 0);
}

TEST(MeshplanedTest, UnreachableDatabaseFailsAfterTheWait) {
  // A port nobody listens on: connection refused at once.
  std::string url = absl::StrCat("postgresql://postgres@127.0.0.1:1/meshplane");
  const absl::Time start = absl::Now();
  Process p(MESHPLANED_PATH,
            {"--database-url", url, "--db-wait", "1s", "--http-listen", "",
             "--listen", "127.0.0.1:0"},
            {});
  EXPECT_EQ(p.Wait(absl::Seconds(30)), 1);
  EXPECT_GE(absl::Now() - start, absl::Seconds(1));
}

TEST(MeshplanedTest, SigtermWhileWaitingForTheDatabaseExitsPromptly) {
  std::string url = absl::StrCat("postgresql://postgres@127.0.0.1:1/meshplane");
  Process p(MESHPLANED_PATH,
            {"--database-url", url, "--db-wait", "60s", "--http-listen", "",
             "--listen", "127.0.0.1:0"},
            {});
  absl::SleepFor(absl::Milliseconds(500));
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(absl::Seconds(10)), 0);
}

}  // namespace
}  // namespace meshplane::testing
