// RunCli without a server: usage errors, help, and the unreachable server.
#include "cli/app.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/cli_test_util.h"

namespace meshplane::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

using CliRun = test_util::CliResult;

CliRun Cli(const std::vector<std::string>& args) {
  return test_util::RunCliAt("127.0.0.1:1", "", args);  // nothing listens
}

TEST(AppTest, HelpExitsZeroAndListsCommands) {
  CliRun r = Cli({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* c :
       {"domain create", "team add-member", "token create", "product lineage",
        "product apply", "whoami", "apply -f FILE"}) {
    EXPECT_THAT(r.out, HasSubstr(c));
  }
  CliRun group = Cli({"product", "--help"});
  EXPECT_EQ(group.code, 0);
  EXPECT_THAT(group.out, HasSubstr("product deprecate"));
  EXPECT_THAT(group.out, ::testing::Not(HasSubstr("domain create")));
}

TEST(AppTest, EveryCommandHasHelp) {
  for (const char* c : {"apply",
                        "product apply",
                        "domain create",
                        "domain get",
                        "domain list",
                        "domain update",
                        "domain delete",
                        "team create",
                        "team get",
                        "team list",
                        "team add-member",
                        "team remove-member",
                        "team delete",
                        "product get",
                        "product list",
                        "product delete",
                        "product lineage",
                        "product publish",
                        "product deprecate",
                        "product retire",
                        "product status",
                        "slo report",
                        "slo breaches",
                        "token create",
                        "token list",
                        "token revoke",
                        "whoami"}) {
    std::vector<std::string> args = absl::StrSplit(c, ' ');
    args.push_back("--help");
    CliRun r = Cli(args);
    EXPECT_EQ(r.code, 0) << c;
    EXPECT_THAT(r.out, HasSubstr(std::string("Usage: meshplane ") + c)) << c;
    EXPECT_THAT(r.out, HasSubstr("Examples:")) << c;
  }
}

TEST(AppTest, UsageErrorsExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string err;  // a part of stderr; "" when not checked
  };
  const Case cases[] = {
      {{}, ""},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"domain"}, "missing subcommand"},
      {{"domain", "list", "--colour"}, "unknown flag --colour"},
      {{"-o", "xml", "domain", "list"}, "-o xml"},
      {{"domain", "get"}, "takes 1 argument"},
      {{"domain", "create", "sales"}, "--owner-team is required"},
      {{"product", "list", "--lifecycle", "live"}, "unknown lifecycle"},
      {{"token", "create", "--ttl", "forever"}, "--ttl"},
      {{"whoami", "--timeout", "0s"}, ""},
      {{"domain", "update", "sales"}, "nothing to update"},
      {{"product", "get", "orders"}, "--domain"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrJoin(c.args, " "));
    CliRun r = Cli(c.args);
    EXPECT_EQ(r.code, 2);
    if (!c.err.empty()) {
      EXPECT_THAT(r.err, HasSubstr(c.err));
    }
  }
}

TEST(AppTest, ApplyRejectsBadFilesBeforeCallingTheServer) {
  CliRun unreadable = Cli({"apply", "-f", "/nonexistent/mesh.yaml"});
  EXPECT_EQ(unreadable.code, 2);
  EXPECT_THAT(unreadable.err, HasSubstr("cannot read /nonexistent/mesh.yaml"));

  std::string path = ::testing::TempDir() + "/bad-descriptor.yaml";
  {
    std::ofstream f(path);
    f << "apiVersion: meshplane.dev/v1\nkind: Domain\nmetadata:\n  name: "
         "Bad_Id\nspec: {ownerTeam: t}\n";
  }
  CliRun invalid = Cli({"product", "apply", "-f", path});
  EXPECT_EQ(invalid.code, 2);
  EXPECT_THAT(
      invalid.err,
      HasSubstr(path + ":4:9: metadata.name: \"Bad_Id\" is not a valid id"));
  EXPECT_THAT(invalid.err, HasSubstr("nothing was applied"));
  EXPECT_THAT(invalid.out, IsEmpty());
  std::remove(path.c_str());
}

TEST(AppTest, UnreachableServerExitsThree) {
  CliRun r = Cli({"domain", "list", "--timeout", "2s"});
  EXPECT_EQ(r.code, 3);
  EXPECT_THAT(r.err, HasSubstr("error: server 127.0.0.1:1 unavailable"));
}

TEST(AppTest, BashCompletionCoversTheCommands) {
  CliRun r = Cli({"completion", "bash"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("complete -F _meshplane meshplane"));
  EXPECT_THAT(r.out, HasSubstr("product) COMPREPLY=($(compgen -W \"apply "
                               "delete deprecate get lineage list publish "
                               "retire status\""));
  EXPECT_THAT(r.out,
              HasSubstr("slo) COMPREPLY=($(compgen -W \"breaches report\""));
  EXPECT_THAT(r.out, HasSubstr("\"product list\") flags+=\" --all --domain "));
}

TEST(AppTest, VersionFlag) {
  CliRun r = Cli({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("meshplane "));
}

}  // namespace
}  // namespace meshplane::cli
