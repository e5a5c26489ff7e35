#include "server/options.h"

#include <map>

#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::server {
namespace {

using ::meshplane::testing::StatusIs;

std::function<std::string(const std::string&)> Env(
    std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) {
    auto it = vars.find(k);
    return it == vars.end() ? std::string() : it->second;
  };
}

TEST(OptionsTest, Defaults) {
  ASSERT_OK_AND_ASSIGN(
      Options o,
      ParseOptions({}, Env({{"MESHPLANE_DATABASE_URL", "postgresql://x"}})));
  EXPECT_EQ(o.command, Options::Command::kServe);
  EXPECT_EQ(o.listen, "127.0.0.1:50051");
  EXPECT_EQ(o.http_listen, "127.0.0.1:9464");
  EXPECT_EQ(o.database_url, "postgresql://x");
  EXPECT_EQ(o.pool_size, 16);
  EXPECT_EQ(o.migrations_dir, "");
  EXPECT_EQ(o.port_file, "");
  EXPECT_EQ(o.log_level, "info");
  EXPECT_EQ(o.db_wait, absl::Seconds(30));
  EXPECT_EQ(o.max_threads, 256);
  EXPECT_EQ(o.drain_timeout, absl::Seconds(10));
  EXPECT_EQ(o.bootstrap_token, "");
}

TEST(OptionsTest, FlagsInBothFormsAndSpellings) {
  ASSERT_OK_AND_ASSIGN(
      Options o,
      ParseOptions({"serve", "--listen", "127.0.0.1:0",
                    "--http-listen=", "--database_url=postgresql://y",
                    "--pool-size", "4", "--migrations-dir", "/m",
                    "--port-file=/tmp/p", "--log-level", "DEBUG", "--db-wait",
                    "2s", "--max-threads=8", "--drain-timeout", "500ms"},
                   Env({{"MESHPLANE_DATABASE_URL", "postgresql://env"},
                        {"MESHPLANE_BOOTSTRAP_TOKEN", "0123456789abcdef"}})));
  EXPECT_EQ(o.listen, "127.0.0.1:0");
  EXPECT_EQ(o.http_listen, "");
  EXPECT_EQ(o.database_url, "postgresql://y");  // the flag wins
  EXPECT_EQ(o.pool_size, 4);
  EXPECT_EQ(o.migrations_dir, "/m");
  EXPECT_EQ(o.port_file, "/tmp/p");
  EXPECT_EQ(o.log_level, "debug");
  EXPECT_EQ(o.db_wait, absl::Seconds(2));
  EXPECT_EQ(o.max_threads, 8);
  EXPECT_EQ(o.drain_timeout, absl::Milliseconds(500));
  EXPECT_EQ(o.bootstrap_token, "0123456789abcdef");
}

TEST(OptionsTest, Migrate) {
  ASSERT_OK_AND_ASSIGN(
      Options o, ParseOptions({"migrate", "--database-url", "u"}, Env({})));
  EXPECT_EQ(o.command, Options::Command::kMigrate);
}

TEST(OptionsTest, HelpNeedsNoDatabase) {
  ASSERT_OK_AND_ASSIGN(Options o, ParseOptions({"--help"}, Env({})));
  EXPECT_EQ(o.command, Options::Command::kHelp);
  EXPECT_NE(Usage().find("--port-file"), std::string::npos);
}

TEST(OptionsTest, Errors) {
  auto env = Env({{"MESHPLANE_DATABASE_URL", "u"}});
  EXPECT_THAT(
      ParseOptions({}, Env({})),
      StatusIs(absl::StatusCode::kInvalidArgument, "MESHPLANE_DATABASE_URL"));
  EXPECT_THAT(ParseOptions({"frobnicate"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "frobnicate"));
  EXPECT_THAT(ParseOptions({"--nope=1"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--nope"));
  EXPECT_THAT(ParseOptions({"--pool-size", "0"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--pool-size"));
  EXPECT_THAT(ParseOptions({"--pool-size", "many"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--pool-size"));
  EXPECT_THAT(ParseOptions({"--db-wait", "soon"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--db-wait"));
  EXPECT_THAT(ParseOptions({"--log-level", "loud"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--log-level"));
  EXPECT_THAT(ParseOptions({"--listen"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "needs a value"));
  EXPECT_THAT(ParseOptions({"serve", "migrate"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "migrate"));
  EXPECT_THAT(ParseOptions({"--tls-cert-file", "/c.pem"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument, "--tls-key-file"));
  EXPECT_THAT(ParseOptions({"--"}, env),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace meshplane::server
