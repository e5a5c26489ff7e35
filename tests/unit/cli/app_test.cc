// RunCli without a server: usage errors, help, and the unreachable server.
#include "cli/app.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshplane::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun Cli(std::vector<std::string> args) {
  std::ostringstream out, err;
  Environment env;
  env.addr = "127.0.0.1:1";  // nothing listens on port 1
  int code = RunCli(args, env, out, err);
  return {code, out.str(), err.str()};
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
  EXPECT_EQ(Cli({}).code, 2);
  CliRun unknown = Cli({"frobnicate"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown command 'frobnicate'"));
  CliRun no_verb = Cli({"domain"});
  EXPECT_EQ(no_verb.code, 2);
  EXPECT_THAT(no_verb.err, HasSubstr("missing subcommand"));
  CliRun bad_flag = Cli({"domain", "list", "--colour"});
  EXPECT_EQ(bad_flag.code, 2);
  EXPECT_THAT(bad_flag.err, HasSubstr("unknown flag --colour"));
  CliRun bad_format = Cli({"-o", "xml", "domain", "list"});
  EXPECT_EQ(bad_format.code, 2);
  EXPECT_THAT(bad_format.err, HasSubstr("-o xml"));
  CliRun args = Cli({"domain", "get"});
  EXPECT_EQ(args.code, 2);
  EXPECT_THAT(args.err, HasSubstr("takes 1 argument"));
  CliRun missing = Cli({"domain", "create", "sales"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--owner-team is required"));
  CliRun lifecycle = Cli({"product", "list", "--lifecycle", "live"});
  EXPECT_EQ(lifecycle.code, 2);
  EXPECT_THAT(lifecycle.err, HasSubstr("unknown lifecycle"));
  CliRun ttl = Cli({"token", "create", "--ttl", "forever"});
  EXPECT_EQ(ttl.code, 2);
  EXPECT_THAT(ttl.err, HasSubstr("--ttl"));
  CliRun timeout = Cli({"whoami", "--timeout", "0s"});
  EXPECT_EQ(timeout.code, 2);
  CliRun nothing = Cli({"domain", "update", "sales"});
  EXPECT_EQ(nothing.code, 2);
  EXPECT_THAT(nothing.err, HasSubstr("nothing to update"));
  CliRun product = Cli({"product", "get", "orders"});
  EXPECT_EQ(product.code, 2);
  EXPECT_THAT(product.err, HasSubstr("--domain"));
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
