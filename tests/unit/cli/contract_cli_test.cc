// `meshplane contract lint` and `contract diff` run in-process on temporary
// files: exit codes, what each report style prints, and where issues and
// changes point.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "cli/app.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/cli_test_util.h"
#include <nlohmann/json.hpp>

namespace meshplane::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto& kOrders = test_util::kOrdersContract;

using Result = test_util::CliResult;

class ContractCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.Create("contract-cli")); }

  std::string Write(const std::string& name, const std::string& text) {
    return dir_.Write(name, text);
  }

  static Result Run(const std::vector<std::string>& args) {
    // No server may be needed: nothing listens on port 1.
    return test_util::RunCliAt("127.0.0.1:1", "", args);
  }

  // kOrders with `from` replaced by `to` (which must occur).
  static std::string Derive(const std::string& from, const std::string& to) {
    std::string text = kOrders;
    EXPECT_THAT(text, HasSubstr(from));
    return absl::StrReplaceAll(text, {{from, to}});
  }

  // kOrders at `version`, with an optional property currency added last.
  static std::string WithCurrency(const std::string& version) {
    return Derive("version: 1.0.0", "version: " + version) +
           "      - name: currency\n        logicalType: string\n";
  }

  // kOrders at `version`, without its last property (note).
  static std::string WithoutNote(const std::string& version) {
    return Derive("version: 1.0.0", "version: " + version)
        .substr(0, std::string(kOrders).find("      - name: note"));
  }

  test_util::ScratchDir dir_;
};

TEST_F(ContractCliTest, LintAcceptsAValidContract) {
  std::string file = Write("orders.yaml", kOrders);
  Result r = Run({"contract", "lint", "-f", file});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, file + ": valid (orders 1.0.0, ODCS v3.1.0)\n");
}

TEST_F(ContractCliTest, LintReportsEveryIssueWithFileLineColumnAndPath) {
  std::string file =
      Write("bad.yaml", Derive("logicalType: number", "logicalType: decimal") +
                            "colour: blue\n");
  Result r = Run({"contract", "lint", "-f", file});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(file + ":13:22: schema[0].properties[1]."
                                      "logicalType: \"decimal\""));
  EXPECT_THAT(r.out, HasSubstr(file + ":17:1: colour: "));
  EXPECT_THAT(r.out, HasSubstr(file + ": invalid (2 issues)\n"));
}

// `contract convert` lists every field it cannot carry, with FILE:line:col,
// and writes nothing unless --allow-loss; an upgrade loses nothing.
TEST_F(ContractCliTest, ConvertNamesEveryLostFieldAndWritesOnlyWhenAllowed) {
  std::string file =
      Write("v32.yaml", Derive("apiVersion: v3.1.0", "apiVersion: v3.2.0") +
                            "context: Amounts are in cents.\n");
  Result r = Run({"contract", "convert", "-f", file, "--to", "v3.1.0"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(file + ":17:1: context: not carried"));
  EXPECT_THAT(r.err, HasSubstr("1 field cannot be carried to ODCS v3.1.0; "
                               "nothing written"));

  r = Run(
      {"contract", "convert", "-f", file, "--to", "v3.1.0", "--allow-loss"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("apiVersion: v3.1.0\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("context")));
  EXPECT_THAT(r.err, HasSubstr(file + ":17:1: context: not carried"));
  std::string converted = Write("v31.yaml", r.out);
  EXPECT_EQ(Run({"contract", "lint", "-f", converted}).code, 0);

  std::string v31 = Write("orders.yaml", kOrders);
  r = Run({"contract", "convert", "-f", v31, "--to", "v3.2.0"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("apiVersion: v3.2.0\n"));
  EXPECT_THAT(r.err, HasSubstr("ODCS v3.1.0 -> v3.2.0, nothing lost"));

  EXPECT_EQ(Run({"contract", "convert", "-f", v31, "--to", "v2.2.2"}).code, 2);
  EXPECT_EQ(Run({"contract", "convert", "-f", v31}).code, 2);
}

// A v3.2.0 document without status converts to v3.1.0 only with a status:
// the result would not be valid, so nothing is written.
TEST_F(ContractCliTest, ConvertRefusesAResultTheTargetWouldNotAccept) {
  std::string file = Write(
      "nostatus.yaml",
      absl::StrReplaceAll(Derive("apiVersion: v3.1.0", "apiVersion: v3.2.0"),
                          {{"status: active\n", ""}}));
  Result r = Run({"contract", "convert", "-f", file, "--to", "v3.1.0"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(": as ODCS v3.1.0: status: missing required"));
}

TEST_F(ContractCliTest, LintExitsTwoForUnreadableAndBrokenYaml) {
  std::string broken = Write("broken.yaml", "id: x\nschema: [unclosed\n");
  std::string missing = dir_.path() + "/missing.yaml";
  std::string good = Write("orders.yaml", kOrders);
  Result r = Run({"contract", "lint", "-f", good, "-f", broken, "-f", missing});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(broken + ":3:1: invalid YAML: "));
  EXPECT_THAT(r.out, HasSubstr(missing + ": cannot read the file\n"));
  EXPECT_THAT(r.out, HasSubstr(missing + ": invalid (unreadable)\n"));
  EXPECT_THAT(r.out, HasSubstr("3 files: 1 valid, 2 invalid\n"));
}

TEST_F(ContractCliTest, LintNeedsAFile) {
  Result r = Run({"contract", "lint"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("-f FILE is required"));
}

TEST_F(ContractCliTest, LintJsonListsIssuesPerFile) {
  std::string file =
      Write("bad.yaml", Derive("logicalType: number", "logicalType: decimal"));
  Result r = Run({"contract", "lint", "-f", file, "-o", "json"});
  EXPECT_EQ(r.code, 2) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["invalid"], 1);
  ASSERT_EQ(doc["files"].size(), 1u);
  const nlohmann::json& f = doc["files"][0];
  EXPECT_EQ(f["file"], file);
  EXPECT_EQ(f["valid"], false);
  ASSERT_EQ(f["issues"].size(), 1u);
  EXPECT_EQ(f["issues"][0]["path"], "schema[0].properties[1].logicalType");
  EXPECT_EQ(f["issues"][0]["line"], 13);
  EXPECT_EQ(f["issues"][0]["column"], 22);
}

TEST_F(ContractCliTest, LintGithubEscapesPropertiesAndData) {
  // A comma in the file name would end the `file=` property unescaped.
  std::string file =
      Write("a,b.yaml", Derive("logicalType: number", "logicalType: 50%"));
  Result r = Run({"contract", "lint", "-f", file, "--format", "github"});
  EXPECT_EQ(r.code, 2);
  std::string escaped = absl::StrReplaceAll(file, {{",", "%2C"}});
  EXPECT_THAT(r.out,
              HasSubstr("::error file=" + escaped +
                        ",line=13,col=22,title=invalid contract at "
                        "schema[0].properties[1].logicalType::\"50%25\""));
}

TEST_F(ContractCliTest, GithubCannotBeCombinedWithJson) {
  std::string file = Write("orders.yaml", kOrders);
  Result r =
      Run({"contract", "lint", "-f", file, "--format", "github", "-o", "json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot be combined with -o json"));
}

TEST_F(ContractCliTest, DiffOfACompatibleChangeWithAMinorBumpExitsZero) {
  std::string old_file = Write("old.yaml", kOrders);
  std::string new_file = Write("new.yaml", WithCurrency("1.1.0"));
  Result r = Run({"contract", "diff", old_file, new_file});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("mode FULL"));
  EXPECT_THAT(r.out, HasSubstr("compatible  property_added  "
                               "schema[orders].properties[currency]  " +
                               new_file + ":17:9"));
  EXPECT_THAT(r.out, HasSubstr("version: 1.0.0 -> 1.1.0 is a minor bump; the "
                               "changes require minor (lowest: 1.1.0)\n"));
  EXPECT_THAT(r.out, HasSubstr("verdict: compatible under FULL\n"));
}

TEST_F(ContractCliTest, DiffOfACompatibleChangeWithAPatchBumpExitsOne) {
  std::string old_file = Write("old.yaml", kOrders);
  std::string new_file = Write("new.yaml", WithCurrency("1.0.1"));
  Result r = Run({"contract", "diff", old_file, new_file});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("is a patch bump; the changes require minor"));
  EXPECT_THAT(r.out, HasSubstr("verdict: INSUFFICIENT VERSION BUMP"));
}

TEST_F(ContractCliTest, DiffOfARemovalPointsIntoTheOldFile) {
  std::string old_file = Write("old.yaml", kOrders);
  std::string new_file = Write("new.yaml", WithoutNote("2.0.0"));
  Result r = Run({"contract", "diff", old_file, new_file, "--mode", "FULL"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("breaking  property_removed  "
                               "schema[orders].properties[note]  " +
                               old_file + ":15:9"));
  EXPECT_THAT(r.out, HasSubstr("verdict: BREAKING under FULL (the version "
                               "makes the major bump"));
}

// The default mode protects consumers: dropping an optional column under a
// minor bump is breaking without --mode, and the explanation says so; under
// BACKWARD it passes, and the explanation says whom BACKWARD leaves out.
TEST_F(ContractCliTest, DiffByDefaultRefusesRemovingAnOptionalProperty) {
  std::string old_file = Write("old.yaml", kOrders);
  std::string new_file = Write("new.yaml", WithoutNote("1.1.0"));
  Result r = Run({"contract", "diff", old_file, new_file, "-o", "json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["mode"], "FULL");
  EXPECT_EQ(doc["verdict"], "breaking");
  EXPECT_EQ(doc["required_bump"], "major");
  ASSERT_EQ(doc["changes"].size(), 1u);
  EXPECT_EQ(doc["changes"][0]["kind"], "property_removed");
  EXPECT_EQ(doc["changes"][0]["severity"], "breaking");
  EXPECT_EQ(doc["changes"][0]["explanation"],
            "breaking under FULL: property note was removed: consumers of the "
            "old contract select it (a rename is a removal plus an addition)");

  Result backward = Run({"contract", "diff", old_file, new_file, "--mode",
                         "BACKWARD", "-o", "json"});
  EXPECT_EQ(backward.code, 0) << backward.out << backward.err;
  doc = nlohmann::json::parse(backward.out);
  EXPECT_EQ(doc["changes"][0]["severity"], "compatible");
  EXPECT_EQ(doc["changes"][0]["explanation"],
            "compatible under BACKWARD, which does not protect existing "
            "consumers from this: property note was removed: consumers of the "
            "old contract select it (a rename is a removal plus an addition)");
}

TEST_F(ContractCliTest, TheModeDecidesWhatBreaks) {
  // number -> integer narrows: breaking under the default FULL (and
  // BACKWARD), not under FORWARD.
  std::string old_file = Write("old.yaml", kOrders);
  std::string new_file =
      Write("new.yaml",
            Derive("version: 1.0.0", "version: 1.1.0")
                .replace(std::string(kOrders).find("number"), 6, "integer"));
  Result backward = Run({"contract", "diff", old_file, new_file});
  EXPECT_EQ(backward.code, 1) << backward.out;
  EXPECT_THAT(backward.out, HasSubstr("breaking  logical_type_narrowed"));
  Result forward =
      Run({"contract", "diff", old_file, new_file, "--mode", "forward"});
  EXPECT_EQ(forward.code, 0) << forward.out;
  EXPECT_THAT(forward.out, HasSubstr("compatible  logical_type_narrowed"));
}

TEST_F(ContractCliTest, DiffJsonCarriesChangesAndVerdict) {
  std::string old_file = Write("old.yaml", kOrders);
  std::string new_file =
      Write("new.yaml", WithCurrency("1.1.0") + "        required: true\n");
  Result r = Run({"contract", "diff", old_file, new_file, "-o", "json"});
  EXPECT_EQ(r.code, 1) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["verdict"], "breaking");
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["mode"], "FULL");
  EXPECT_EQ(doc["required_bump"], "major");
  EXPECT_EQ(doc["actual_bump"], "minor");
  EXPECT_EQ(doc["suggested_version"], "2.0.0");
  EXPECT_EQ(doc["old"]["version"], "1.0.0");
  ASSERT_EQ(doc["changes"].size(), 1u);
  EXPECT_EQ(doc["changes"][0]["kind"], "required_property_added");
  EXPECT_EQ(doc["changes"][0]["severity"], "breaking");
  EXPECT_EQ(doc["changes"][0]["file"], new_file);
  EXPECT_EQ(doc["changes"][0]["line"], 17);
}

TEST_F(ContractCliTest, DiffGithubAnnotatesBreakingChangesAndTheVersion) {
  std::string old_file = Write("old.yaml", kOrders);
  std::string new_file =
      Write("new.yaml", WithCurrency("1.1.0") + "        required: true\n");
  Result r =
      Run({"contract", "diff", old_file, new_file, "--format", "github"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.out, HasSubstr("::error file=" + new_file +
                               ",line=17,col=9,title=breaking change under "
                               "FULL (required_property_added)::schema["
                               "orders].properties[currency]: "));
  EXPECT_THAT(r.out, HasSubstr("::error file=" + new_file +
                               ",line=4,col=1,title=contract version "
                               "bump::version 1.1.0 after 1.0.0"));
  EXPECT_THAT(r.out, HasSubstr("verdict: breaking under FULL\n"));
}

TEST_F(ContractCliTest, DiffRefusesInvalidInput) {
  std::string old_file = Write("old.yaml", kOrders);
  std::string bad =
      Write("bad.yaml", Derive("logicalType: number", "logicalType: decimal"));
  std::string other = Write("other.yaml", Derive("id: orders", "id: refunds"));
  Result invalid = Run({"contract", "diff", old_file, bad});
  EXPECT_EQ(invalid.code, 2);
  EXPECT_THAT(invalid.out, HasSubstr(bad + ":13:22: schema[0]."));
  EXPECT_THAT(invalid.out, Not(HasSubstr(old_file)));
  EXPECT_THAT(invalid.err, HasSubstr("nothing was compared"));
  Result two_ids = Run({"contract", "diff", old_file, other});
  EXPECT_EQ(two_ids.code, 2);
  EXPECT_THAT(two_ids.err, HasSubstr("belongs to contract \"orders\""));
  Result mode = Run({"contract", "diff", old_file, old_file, "--mode", "x"});
  EXPECT_EQ(mode.code, 2);
  EXPECT_THAT(mode.err, HasSubstr("--mode: "));
  Result args = Run({"contract", "diff", old_file});
  EXPECT_EQ(args.code, 2);
  EXPECT_THAT(args.out, Not(HasSubstr("verdict")));
}

}  // namespace
}  // namespace meshplane::cli
