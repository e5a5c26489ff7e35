// The server-backed contract commands (check, publish, get, list, history,
// deprecate) against an in-process fake ContractService: what each sends,
// what it prints in every report style, and every exit code.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "cli/app.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/cli_test_util.h"
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include "meshplane/v1/contract.grpc.pb.h"

namespace meshplane::cli {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::SizeIs;

namespace v1 = ::meshplane::v1;

using test_util::kUuidRegex;

// The shared contract at 1.1.0 with an optional property currency added last,
// as the offline tests make it; line 4 is its `version:`.
std::string Orders() {
  return absl::StrReplaceAll(test_util::kOrdersContract,
                             {{"version: 1.0.0", "version: 1.1.0"}}) +
         "      - name: currency\n        logicalType: string\n";
}

// Records every request; answers with what a test put in.
class FakeContracts final : public v1::ContractService::Service {
 public:
  grpc::Status PublishContract(grpc::ServerContext*,
                               const v1::PublishContractRequest* r,
                               v1::PublishContractResponse* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &publishes_, publish_status_,
                                      publish_response_, response);
  }
  grpc::Status GetContract(grpc::ServerContext*,
                           const v1::GetContractRequest* r,
                           v1::Contract* response) override {
    absl::MutexLock lock(&mu_);
    names_.push_back(r->name());
    if (r->name() != contract_.name()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat(r->name(), " does not exist"));
    }
    *response = contract_;
    return grpc::Status::OK;
  }
  grpc::Status GetContractVersion(grpc::ServerContext*,
                                  const v1::GetContractVersionRequest* r,
                                  v1::ContractVersion* response) override {
    absl::MutexLock lock(&mu_);
    names_.push_back(r->name());
    *response = version_;
    return grpc::Status::OK;
  }
  grpc::Status ListContracts(grpc::ServerContext*,
                             const v1::ListContractsRequest* r,
                             v1::ListContractsResponse* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &lists_, grpc::Status::OK,
                                      contract_pages_[r->page_token()],
                                      response);
  }
  grpc::Status ListContractVersions(
      grpc::ServerContext*, const v1::ListContractVersionsRequest* r,
      v1::ListContractVersionsResponse* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &version_lists_, grpc::Status::OK,
                                      version_pages_[r->page_token()],
                                      response);
  }
  grpc::Status DeprecateContract(grpc::ServerContext*,
                                 const v1::DeprecateContractRequest* r,
                                 v1::Contract* response) override {
    absl::MutexLock lock(&mu_);
    deprecations_.push_back(*r);
    response->set_name(r->name());
    response->set_state(v1::CONTRACT_STATE_DEPRECATED);
    response->set_deprecation_message(r->message());
    return grpc::Status::OK;
  }

  absl::Mutex mu_;
  grpc::Status publish_status_;
  v1::PublishContractResponse publish_response_;
  v1::Contract contract_;
  v1::ContractVersion version_;
  std::map<std::string, v1::ListContractsResponse> contract_pages_;
  std::map<std::string, v1::ListContractVersionsResponse> version_pages_;
  std::vector<v1::PublishContractRequest> publishes_;
  std::vector<std::string> names_;
  std::vector<v1::ListContractsRequest> lists_;
  std::vector<v1::ListContractVersionsRequest> version_lists_;
  std::vector<v1::DeprecateContractRequest> deprecations_;
};

// A BACKWARD report on `candidate` after 1.0.0 that declares the bump the
// changes require, and so is accepted; the changes are the caller's.
v1::CompatibilityReport AcceptedReport(const std::string& candidate,
                                       bool compatible, v1::SemverBump bump) {
  v1::CompatibilityReport r;
  r.set_contract("contracts/orders");
  r.set_candidate_version(candidate);
  r.set_previous_version("1.0.0");
  r.add_compared_versions("1.0.0");
  r.set_mode(v1::COMPATIBILITY_MODE_BACKWARD);
  r.set_compatible(compatible);
  r.set_required_bump(bump);
  r.set_declared_bump(bump);
  r.set_suggested_version(candidate);
  r.set_version_satisfied(true);
  r.set_accepted(true);
  return r;
}

// The report of 1.1.0 after 1.0.0 adding an optional property: compatible,
// a minor bump, accepted.
v1::CompatibilityReport CompatibleReport() {
  v1::CompatibilityReport r =
      AcceptedReport("1.1.0", true, v1::SEMVER_BUMP_MINOR);
  v1::ContractChange* c = r.add_changes();
  c->set_kind(v1::CHANGE_KIND_COMPATIBLE);
  c->set_change("property_added");
  c->set_path("schema[orders].properties[currency]");
  c->set_description("optional property currency was added");
  c->set_against_version("1.0.0");
  c->set_line(17);
  c->set_column(9);
  c->set_required_bump(v1::SEMVER_BUMP_MINOR);
  return r;
}

// 2.0.0 after 1.0.0 removing a property (no line: it is gone), with a
// consumer that reads the port: breaking, yet accepted under the major bump.
v1::CompatibilityReport BreakingReport() {
  v1::CompatibilityReport r =
      AcceptedReport("2.0.0", false, v1::SEMVER_BUMP_MAJOR);
  v1::ContractChange* c = r.add_changes();
  c->set_kind(v1::CHANGE_KIND_BREAKING);
  c->set_change("property_removed");
  c->set_path("schema[orders].properties[note]");
  c->set_description("property note was removed");
  c->set_against_version("1.0.0");
  c->set_breaks("BACKWARD");
  c->set_required_bump(v1::SEMVER_BUMP_MAJOR);
  v1::ImpactedConsumer* i = r.add_impacted_consumers();
  i->set_consumer("domains/finance/dataProducts/revenue");
  i->set_via("INPUT_PORT");
  i->set_output_port("domains/sales/dataProducts/orders/outputPorts/v1");
  i->set_owner_team("teams/finance-eng");
  v1::Warning* w = r.add_warnings();
  w->set_source("contract.publish");
  w->set_message("breaking change published under a major version");
  return r;
}

v1::PolicyViolation Deny(const std::string& policy, const std::string& msg) {
  return test_util::EnforcedViolation(policy, "global", "DENY", 2, msg);
}

// What the server sends when it refuses a publish: FAILED_PRECONDITION with
// ErrorInfo, the whole report and the policy violations as details.
grpc::Status Refusal(const std::string& message,
                     const v1::CompatibilityReport& report,
                     const std::vector<v1::PolicyViolation>& violations) {
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  rpc.set_message(message);
  google::rpc::ErrorInfo info;
  info.set_reason("CONTRACT_VERSION_BUMP");
  info.set_domain("meshplane.dev");
  rpc.add_details()->PackFrom(info);
  rpc.add_details()->PackFrom(report);
  if (!violations.empty()) {
    v1::PolicyViolations all;
    for (const v1::PolicyViolation& v : violations) {
      *all.add_violations() = v;
    }
    rpc.add_details()->PackFrom(all);
  }
  return test_util::StatusWithDetails(rpc);
}

google::protobuf::Timestamp Time(const std::string& rfc3339) {
  google::protobuf::Timestamp ts;
  EXPECT_TRUE(google::protobuf::util::TimeUtil::FromString(rfc3339, &ts));
  return ts;
}

class ContractRemoteCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start({&fake_}));
    ASSERT_TRUE(dir_.Create("contract-remote-cli"));
    file_ = Write("orders.odcs.yaml", Orders());
  }

  using Result = test_util::CliResult;

  Result Cli(const std::vector<std::string>& args) {
    return CliAt(server_.addr(), args);
  }

  static Result CliAt(const std::string& addr,
                      const std::vector<std::string>& args) {
    return test_util::RunCliAt(addr, "secret", args);
  }

  std::string Write(const std::string& name, const std::string& text) {
    return dir_.Write(name, text);
  }

  void Answer(const v1::CompatibilityReport& report) {
    absl::MutexLock lock(&fake_.mu_);
    *fake_.publish_response_.mutable_report() = report;
    fake_.publish_response_.mutable_contract()->set_name("contracts/orders");
    fake_.publish_response_.mutable_version()->set_version(
        report.candidate_version());
  }

  std::vector<v1::PublishContractRequest> Publishes() {
    absl::MutexLock lock(&fake_.mu_);
    return fake_.publishes_;
  }

  FakeContracts fake_;
  test_util::LoopbackServer server_;
  test_util::ScratchDir dir_;
  std::string file_;
};

// Lines of `text` that are GitHub workflow commands.
std::vector<std::string> Annotations(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, "::")) out.emplace_back(line);
  }
  return out;
}

TEST_F(ContractRemoteCliTest, CheckSendsAValidateOnlyPublishAndExitsZero) {
  Answer(CompatibleReport());
  Result r = Cli({"contract", "check", "-f", file_, "--product", "sales/orders",
                  "--mode", "full_transitive"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  std::vector<v1::PublishContractRequest> sent = Publishes();
  ASSERT_THAT(sent, SizeIs(1));
  EXPECT_TRUE(sent[0].validate_only());
  EXPECT_EQ(sent[0].yaml(), Orders());
  EXPECT_EQ(sent[0].data_product(), "domains/sales/dataProducts/orders");
  EXPECT_EQ(sent[0].compatibility_mode(),
            v1::COMPATIBILITY_MODE_FULL_TRANSITIVE);
  EXPECT_THAT(sent[0].request_id(), MatchesRegex(kUuidRegex));
  EXPECT_THAT(sent[0].labels(), IsEmpty());

  EXPECT_THAT(r.out, HasSubstr("contract orders: " + file_ +
                               " (1.1.0) against published 1.0.0, mode "
                               "BACKWARD\n"));
  EXPECT_THAT(r.out, HasSubstr("SEVERITY    CHANGE          PATH"));
  EXPECT_THAT(r.out, HasSubstr("compatible  property_added  "
                               "schema[orders].properties[currency]  " +
                               file_ +
                               ":17:9  optional property currency was "
                               "added\n"));
  EXPECT_THAT(r.out,
              HasSubstr("\n1 change: 0 breaking, 1 compatible, 0 cosmetic\n"
                        "version: 1.0.0 -> 1.1.0 is a minor bump; the "
                        "changes require minor (lowest: 1.1.0)\n"));
  EXPECT_THAT(r.out, HasSubstr("verdict: compatible under BACKWARD (1.1.0 "
                               "would be accepted)\n"));
  EXPECT_EQ(r.err, "");
}

TEST_F(ContractRemoteCliTest, CheckWithoutModeLeavesTheContractsOwn) {
  Answer(CompatibleReport());
  Result r = Cli({"contract", "check", "-f", file_});
  EXPECT_EQ(r.code, 0) << r.err;
  std::vector<v1::PublishContractRequest> sent = Publishes();
  ASSERT_THAT(sent, SizeIs(1));
  EXPECT_EQ(sent[0].compatibility_mode(), v1::COMPATIBILITY_MODE_UNSPECIFIED);
  EXPECT_EQ(sent[0].data_product(), "");
}

TEST_F(ContractRemoteCliTest, CheckOfAFirstVersionSaysSo) {
  v1::CompatibilityReport report;
  report.set_contract("contracts/orders");
  report.set_candidate_version("1.1.0");
  report.set_mode(v1::COMPATIBILITY_MODE_BACKWARD);
  report.set_version_satisfied(true);
  report.set_accepted(true);
  Answer(report);
  Result r = Cli({"contract", "check", "-f", file_});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(" (1.1.0), a new contract, mode BACKWARD\n"));
  EXPECT_THAT(r.out, HasSubstr("no changes\nversion: 1.1.0 is the first "
                               "version of the contract\n"));
  EXPECT_THAT(r.out,
              HasSubstr("verdict: accepted (1.1.0 is the first version)\n"));
}

TEST_F(ContractRemoteCliTest, CheckOfABreakingChangeNeedsAllowBreaking) {
  Answer(BreakingReport());
  Result r = Cli({"contract", "check", "-f", file_});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  // No line: the removed property is not in the candidate, so WHERE is the
  // file alone.
  EXPECT_THAT(r.out, HasSubstr("breaking  property_removed  "
                               "schema[orders].properties[note]  " +
                               file_ + "  property note was removed\n"));
  EXPECT_THAT(r.out, HasSubstr("version: 1.0.0 -> 2.0.0 is a major bump; the "
                               "changes require major (lowest: 2.0.0)\n"));
  EXPECT_THAT(r.out, HasSubstr("impacted consumers (1):\n"));
  EXPECT_THAT(r.out, ContainsRegex("finance/revenue +INPUT_PORT +"
                                   "sales/orders:v1 +finance-eng\n"));
  EXPECT_THAT(r.out, HasSubstr("warnings:\n  contract.publish: breaking "
                               "change published under a major version\n"));
  EXPECT_THAT(r.out, HasSubstr("verdict: BREAKING under BACKWARD"));

  Result allowed = Cli({"contract", "check", "-f", file_, "--allow-breaking"});
  EXPECT_EQ(allowed.code, 0) << allowed.out << allowed.err;
  EXPECT_THAT(allowed.out, HasSubstr("verdict: breaking under BACKWARD, "
                                     "allowed by --allow-breaking"));
}

TEST_F(ContractRemoteCliTest, CheckExitsOneWhenTheServerWouldNotAccept) {
  v1::CompatibilityReport report = CompatibleReport();
  report.set_candidate_version("1.0.1");
  report.set_declared_bump(v1::SEMVER_BUMP_PATCH);
  report.set_version_satisfied(false);
  report.set_version_message(
      "version 1.0.1 after 1.0.0 does not make the minor bump these changes "
      "require; use 1.1.0 or later");
  report.set_accepted(false);
  *report.add_policy_violations() =
      Deny("policies/contracts-need-sla", "add an SLA");
  Answer(report);
  // --allow-breaking does not help: nothing breaks, the version is wrong.
  Result r = Cli({"contract", "check", "-f", file_, "--allow-breaking"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("version: 1.0.0 -> 1.0.1 is a patch bump; the "
                               "changes require minor (lowest: 1.1.0)\n"
                               "version: version 1.0.1 after 1.0.0 does not "
                               "make the minor bump"));
  EXPECT_THAT(r.out, HasSubstr("policy violations:\n  policy "
                               "policies/contracts-need-sla (global, DENY, "
                               "ENFORCED, revision 2): add an SLA\n"));
  EXPECT_THAT(r.out, HasSubstr("verdict: NOT ACCEPTED: the version does not "
                               "make the required bump; a contract.publish "
                               "policy denies it\n"));
}

TEST_F(ContractRemoteCliTest, CheckPrintsTheReportOfARefusal) {
  v1::CompatibilityReport report = BreakingReport();
  report.set_candidate_version("1.1.0");
  report.set_declared_bump(v1::SEMVER_BUMP_MINOR);
  report.set_version_satisfied(false);
  report.set_version_message("use 2.0.0 or later");
  report.set_accepted(false);
  *report.add_policy_violations() = Deny("policies/a", "in the report");
  {
    absl::MutexLock lock(&fake_.mu_);
    // The PolicyViolations detail repeats the report's violation and adds
    // one: each is printed once.
    fake_.publish_status_ = Refusal(
        "contracts/orders: 1.1.0 breaks consumers without a major bump", report,
        {Deny("policies/a", "in the report"),
         Deny("policies/b", "only in the detail")});
  }
  Result r = Cli({"contract", "check", "-f", file_});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("breaking  property_removed  "
                               "schema[orders].properties[note]"));
  EXPECT_THAT(r.out, HasSubstr("version: use 2.0.0 or later\n"));
  EXPECT_THAT(r.out, HasSubstr("  policy policies/a (global, DENY, ENFORCED, "
                               "revision 2): in the report\n  policy "
                               "policies/b (global, DENY, ENFORCED, revision "
                               "2): only in the detail\n"));
  EXPECT_EQ(r.out.find("in the report"), r.out.rfind("in the report"));
  EXPECT_THAT(r.out, HasSubstr("verdict: REFUSED by the server: "
                               "contracts/orders: 1.1.0 breaks consumers "
                               "without a major bump\n"));
  EXPECT_EQ(r.err,
            "error: contracts/orders: 1.1.0 breaks consumers without a major "
            "bump\n  reason: CONTRACT_VERSION_BUMP\n");
}

TEST_F(ContractRemoteCliTest, CheckReportsARefusalWithoutReportAsAnError) {
  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.publish_status_ = grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                         "user:bo may not publish");
  }
  Result r = Cli({"contract", "check", "-f", file_});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("error: permission denied: user:bo may not "
                               "publish"));
  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.publish_status_ = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                         "yaml.schema[0].name: required");
  }
  r = Cli({"contract", "check", "-f", file_});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("yaml.schema[0].name: required"));
}

TEST_F(ContractRemoteCliTest, CheckOfAnInvalidFileSendsNothing) {
  std::string bad =
      Write("bad.yaml",
            absl::StrReplaceAll(
                Orders(), {{"logicalType: number", "logicalType: decimal"}}));
  Result r = Cli({"contract", "check", "-f", bad});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(bad + ":13:22: schema[0].properties[1]."
                                     "logicalType: \"decimal\""));
  EXPECT_THAT(r.out, HasSubstr(bad + ": invalid (1 issue)\n"));
  EXPECT_THAT(r.err, HasSubstr("nothing was sent to the server"));
  Result missing = Cli(
      {"contract", "check", "-f", dir_.path() + "/missing.yaml", "-o", "json"});
  EXPECT_EQ(missing.code, 2);
  nlohmann::json doc = nlohmann::json::parse(missing.out);
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["files"][0]["error"], "cannot read the file");
  EXPECT_THAT(Publishes(), IsEmpty());
}

TEST_F(ContractRemoteCliTest, CheckRefusesBadFlagsBeforeCallingTheServer) {
  Result mode = Cli({"contract", "check", "-f", file_, "--mode", "sideways"});
  EXPECT_EQ(mode.code, 2);
  EXPECT_THAT(mode.err, HasSubstr("--mode sideways: expected BACKWARD"));
  Result product = Cli({"contract", "check", "-f", file_, "--product", "x"});
  EXPECT_EQ(product.code, 2);
  EXPECT_THAT(product.err, HasSubstr("--product: "));
  Result both = Cli(
      {"contract", "check", "-f", file_, "--format", "github", "-o", "json"});
  EXPECT_EQ(both.code, 2);
  EXPECT_THAT(both.err, HasSubstr("cannot be combined with -o json"));
  Result no_file = Cli({"contract", "check"});
  EXPECT_EQ(no_file.code, 2);
  EXPECT_THAT(no_file.err, HasSubstr("-f FILE is required"));
  EXPECT_THAT(Publishes(), IsEmpty());
}

TEST_F(ContractRemoteCliTest, CheckExitsThreeWhenTheServerIsUnreachable) {
  // Nothing listens on port 1.
  Result r = CliAt("127.0.0.1:1", {"contract", "check", "-f", file_});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("error: server 127.0.0.1:1 unavailable"));
  EXPECT_EQ(r.out, "");
}

TEST_F(ContractRemoteCliTest, CheckGithubAnnotatesChangesVersionAndPolicies) {
  v1::CompatibilityReport report = CompatibleReport();
  v1::ContractChange* breaking = report.add_changes();
  breaking->set_kind(v1::CHANGE_KIND_BREAKING);
  breaking->set_change("logical_type_narrowed");
  breaking->set_path("schema[orders].properties[amount].logicalType");
  breaking->set_description("logicalType number -> integer narrows");
  breaking->set_line(13);
  breaking->set_column(22);
  v1::ContractChange* removed = report.add_changes();
  removed->set_kind(v1::CHANGE_KIND_BREAKING);
  removed->set_change("property_removed");
  removed->set_path("schema[orders].properties[legacy]");
  removed->set_description("property legacy was removed");
  removed->set_against_version("0.9.0");
  v1::ContractChange* cosmetic = report.add_changes();
  cosmetic->set_kind(v1::CHANGE_KIND_COSMETIC);
  cosmetic->set_change("description_changed");
  cosmetic->set_path("schema[orders].properties[amount].description");
  cosmetic->set_line(14);
  report.set_version_satisfied(false);
  report.set_version_message("use 2.0.0 or later");
  report.set_accepted(false);
  *report.add_policy_violations() = Deny("policies/sla", "add an SLA");
  v1::PolicyViolation warn = Deny("policies/owner", "name: an owner");
  warn.set_effect("WARN");
  *report.add_policy_violations() = warn;
  v1::Warning* w = report.add_warnings();
  w->set_message("50% of consumers read this port");
  Answer(report);
  Result r = Cli({"contract", "check", "-f", file_, "--format", "github"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const std::string f = "::error file=" + file_;
  EXPECT_THAT(
      Annotations(r.out),
      ::testing::ElementsAre(
          "::notice file=" + file_ +
              ",line=17,col=9,title=compatible change under BACKWARD "
              "(property_added)::schema[orders].properties[currency]: "
              "optional property currency was added",
          f + ",line=13,col=22,title=breaking change under BACKWARD "
              "(logical_type_narrowed)::schema[orders].properties[amount]."
              "logicalType: logicalType number -> integer narrows",
          f + ",title=breaking change under BACKWARD (property_removed)::"
              "schema[orders].properties[legacy]: property legacy was "
              "removed (against 0.9.0)",
          f + ",line=4,col=1,title=contract version bump::use 2.0.0 or later",
          f + ",title=policy policies/sla (DENY)::add an SLA",
          "::warning file=" + file_ +
              ",title=policy policies/owner (WARN)::name: an owner",
          "::warning file=" + file_ +
              ",title=contract warning::50%25 of consumers read this port"));
  EXPECT_THAT(r.out, HasSubstr("\n4 changes: 2 breaking, 1 compatible, 1 "
                               "cosmetic\nversion: 1.0.0 -> 1.1.0"));
  EXPECT_THAT(r.out, HasSubstr("verdict: NOT ACCEPTED"));
}

TEST_F(ContractRemoteCliTest, CheckGithubDowngradesAllowedBreaksToWarnings) {
  Answer(BreakingReport());
  Result r = Cli({"contract", "check", "-f", file_, "--format", "github",
                  "--allow-breaking"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  std::vector<std::string> lines = Annotations(r.out);
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_EQ(lines[0], "::warning file=" + file_ +
                          ",title=breaking change under BACKWARD "
                          "(property_removed)::schema[orders].properties["
                          "note]: property note was removed");
  EXPECT_THAT(r.out, HasSubstr("impacted consumer: finance/revenue via "
                               "INPUT_PORT of sales/orders:v1 "
                               "(teams/finance-eng)\n"));
  Result strict = Cli({"contract", "check", "-f", file_, "--format", "github"});
  EXPECT_EQ(strict.code, 1);
  ASSERT_THAT(Annotations(strict.out), SizeIs(2));
  EXPECT_THAT(Annotations(strict.out)[0],
              ::testing::StartsWith("::error file=" + file_ +
                                    ",title=breaking change under"));
}

TEST_F(ContractRemoteCliTest, CheckJsonCarriesTheReportAndTheVerdict) {
  Answer(BreakingReport());
  Result r = Cli({"contract", "check", "-f", file_, "-o", "json"});
  EXPECT_EQ(r.code, 1) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["file"], file_);
  EXPECT_EQ(doc["verdict"], "breaking");
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["error"], "");
  EXPECT_EQ(doc["report"]["candidate_version"], "2.0.0");
  EXPECT_EQ(doc["report"]["accepted"], true);
  EXPECT_EQ(doc["report"]["mode"], "COMPATIBILITY_MODE_BACKWARD");
  ASSERT_EQ(doc["report"]["changes"].size(), 1u);
  EXPECT_EQ(doc["report"]["changes"][0]["change"], "property_removed");
  EXPECT_EQ(doc["report"]["impacted_consumers"][0]["consumer"],
            "domains/finance/dataProducts/revenue");

  Result allowed =
      Cli({"contract", "check", "-f", file_, "-o", "yaml", "--allow-breaking"});
  EXPECT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_THAT(allowed.out, HasSubstr("verdict: breaking_allowed\n"));
  EXPECT_THAT(allowed.out, HasSubstr("ok: true\n"));

  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.publish_status_ = Refusal("refused", BreakingReport(), {});
  }
  Result refused = Cli({"contract", "check", "-f", file_, "-o", "json"});
  EXPECT_EQ(refused.code, 1);
  doc = nlohmann::json::parse(refused.out);
  EXPECT_EQ(doc["verdict"], "refused");
  EXPECT_EQ(doc["error"], "refused");
  EXPECT_EQ(doc["reason"], "CONTRACT_VERSION_BUMP");
  EXPECT_EQ(doc["report"]["changes"][0]["path"],
            "schema[orders].properties[note]");
}

TEST_F(ContractRemoteCliTest, PublishSendsLabelsModeAndARequestId) {
  v1::CompatibilityReport report = CompatibleReport();
  v1::PolicyViolation warn = Deny("policies/owner", "name an owner");
  warn.set_effect("WARN");
  *report.add_policy_violations() = warn;
  report.add_warnings()->set_message("description is empty");
  Answer(report);
  Result r = Cli({"contract", "publish", "-f", file_, "--product",
                  "domains/sales/dataProducts/orders", "--mode", "FULL",
                  "--label", "tier=1", "--label", "pii=false"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out,
            "contract/orders 1.1.0 published\n"
            "1 change: 0 breaking, 1 compatible, 0 cosmetic\n"
            "version: 1.0.0 -> 1.1.0 is a minor bump; the changes require "
            "minor (lowest: 1.1.0)\n");
  EXPECT_EQ(r.err,
            "warning: description is empty\nwarning: policy policies/owner "
            "(global, WARN, ENFORCED, revision 2): name an owner\n");
  Result again = Cli({"contract", "publish", "-f", file_});
  EXPECT_EQ(again.code, 0);
  std::vector<v1::PublishContractRequest> sent = Publishes();
  ASSERT_THAT(sent, SizeIs(2));
  EXPECT_FALSE(sent[0].validate_only());
  EXPECT_EQ(sent[0].yaml(), Orders());
  EXPECT_EQ(sent[0].data_product(), "domains/sales/dataProducts/orders");
  EXPECT_EQ(sent[0].compatibility_mode(), v1::COMPATIBILITY_MODE_FULL);
  EXPECT_EQ(sent[0].labels().at("tier"), "1");
  EXPECT_EQ(sent[0].labels().at("pii"), "false");
  EXPECT_THAT(sent[0].request_id(), MatchesRegex(kUuidRegex));
  EXPECT_THAT(sent[1].request_id(), MatchesRegex(kUuidRegex));
  EXPECT_NE(sent[0].request_id(), sent[1].request_id());
}

TEST_F(ContractRemoteCliTest, PublishDryRunValidatesOnly) {
  Answer(CompatibleReport());
  Result r = Cli({"contract", "publish", "-f", file_, "--dry-run"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("contract/orders 1.1.0 is valid (dry run: "
                               "nothing was changed)\n"));
  // The server answers a dry run OK and says in `accepted` what a publish
  // would do.
  v1::CompatibilityReport refused = CompatibleReport();
  refused.set_accepted(false);
  refused.set_version_satisfied(false);
  Answer(refused);
  r = Cli({"contract", "publish", "-f", file_, "--dry-run"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("verdict: NOT ACCEPTED: the version does not "
                               "make the required bump\n"));
  std::vector<v1::PublishContractRequest> sent = Publishes();
  ASSERT_THAT(sent, SizeIs(2));
  EXPECT_TRUE(sent[0].validate_only());
  EXPECT_TRUE(sent[1].validate_only());
}

TEST_F(ContractRemoteCliTest, PublishPrintsTheReportOfARefusal) {
  v1::CompatibilityReport report = BreakingReport();
  report.set_accepted(false);
  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.publish_status_ = Refusal("denied by policy", report,
                                    {Deny("policies/freeze", "code freeze")});
  }
  Result r = Cli({"contract", "publish", "-f", file_});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("  policy policies/freeze (global, DENY, "
                               "ENFORCED, revision 2): code freeze\n"));
  EXPECT_THAT(r.out,
              HasSubstr("verdict: REFUSED by the server: denied by policy\n"));
  EXPECT_THAT(r.err, HasSubstr("error: denied by policy\n"));
  Result json = Cli({"contract", "publish", "-f", file_, "-o", "json"});
  EXPECT_EQ(json.code, 1);
  EXPECT_EQ(nlohmann::json::parse(json.out)["verdict"], "refused");
}

TEST_F(ContractRemoteCliTest, PublishJsonPrintsTheResponse) {
  Answer(CompatibleReport());
  Result r = Cli({"contract", "publish", "-f", file_, "-o", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["contract"]["name"], "contracts/orders");
  EXPECT_EQ(doc["version"]["version"], "1.1.0");
  EXPECT_EQ(doc["report"]["required_bump"], "SEMVER_BUMP_MINOR");
}

TEST_F(ContractRemoteCliTest, PublishRefusesBadLabelsAndInvalidFiles) {
  Result label = Cli({"contract", "publish", "-f", file_, "--label", "tier"});
  EXPECT_EQ(label.code, 2);
  EXPECT_THAT(label.err, HasSubstr("--label tier: "));
  std::string bad = Write("bad.yaml", "id: x\nschema: [unclosed\n");
  Result invalid = Cli({"contract", "publish", "-f", bad});
  EXPECT_EQ(invalid.code, 2);
  EXPECT_THAT(invalid.out, HasSubstr(bad + ":3:1: invalid YAML: "));
  EXPECT_THAT(Publishes(), IsEmpty());
}

TEST_F(ContractRemoteCliTest, GetShowsAContractByIdOrName) {
  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.contract_.set_name("contracts/orders");
    fake_.contract_.set_data_product("domains/sales/dataProducts/orders");
    fake_.contract_.set_compatibility_mode(v1::COMPATIBILITY_MODE_FULL);
    fake_.contract_.set_state(v1::CONTRACT_STATE_ACTIVE);
    fake_.contract_.set_latest_version("1.1.0");
    fake_.contract_.set_version_count(2);
  }
  Result r = Cli({"contract", "get", "orders"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("Name: +contracts/orders\n"));
  EXPECT_THAT(r.out, ContainsRegex("Mode: +FULL\n"));
  EXPECT_THAT(r.out, ContainsRegex("State: +ACTIVE\n"));
  EXPECT_THAT(r.out, ContainsRegex("Latest version: +1.1.0\n"));
  EXPECT_THAT(r.out, ContainsRegex("Versions: +2\n"));
  Result json = Cli({"contract", "get", "contracts/orders", "-o", "json"});
  EXPECT_EQ(json.code, 0);
  EXPECT_EQ(nlohmann::json::parse(json.out)["compatibility_mode"],
            "COMPATIBILITY_MODE_FULL");
  Result missing = Cli({"contract", "get", "refunds"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("contracts/refunds does not exist"));
  Result bad = Cli({"contract", "get", "a/b"});
  EXPECT_EQ(bad.code, 2);
  absl::MutexLock lock(&fake_.mu_);
  EXPECT_THAT(fake_.names_,
              ::testing::ElementsAre("contracts/orders", "contracts/orders",
                                     "contracts/refunds"));
}

TEST_F(ContractRemoteCliTest, GetOriginalPrintsTheDocumentByteForByte) {
  // No trailing newline, a comment, odd spacing: printed as is.
  const std::string original = "# published\nid: orders\nversion:   1.0.0";
  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.version_.set_name("contracts/orders/versions/1.0.0");
    fake_.version_.set_version("1.0.0");
    fake_.version_.set_status("active");
    fake_.version_.set_original_yaml(original);
    fake_.version_.set_published_by("user:ann@example.com");
  }
  Result r =
      Cli({"contract", "get", "orders", "--version", "latest", "--original"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, original);
  Result implied = Cli({"contract", "get", "orders", "--original"});
  EXPECT_EQ(implied.out, original);
  Result shown = Cli({"contract", "get", "contracts/orders/versions/1.0.0"});
  EXPECT_EQ(shown.code, 0) << shown.err;
  EXPECT_THAT(shown.out, ContainsRegex("Published by: +user:ann@example.com"));
  EXPECT_THAT(shown.out, ContainsRegex("Changes: +first version\n"));
  EXPECT_THAT(shown.out, Not(HasSubstr("# published")));
  Result yaml =
      Cli({"contract", "get", "orders", "--version", "1.0.0", "-o", "yaml"});
  EXPECT_THAT(yaml.out, HasSubstr("published_by: user:ann@example.com\n"));
  {
    absl::MutexLock lock(&fake_.mu_);
    EXPECT_THAT(fake_.names_,
                ::testing::ElementsAre("contracts/orders/versions/latest",
                                       "contracts/orders/versions/latest",
                                       "contracts/orders/versions/1.0.0",
                                       "contracts/orders/versions/1.0.0"));
  }
  Result version = Cli({"contract", "get", "orders", "--version", "v1"});
  EXPECT_EQ(version.code, 2);
  EXPECT_THAT(version.err, HasSubstr("--version v1: expected a semver"));
  Result json = Cli({"contract", "get", "orders", "--original", "-o", "json"});
  EXPECT_EQ(json.code, 2);
}

TEST_F(ContractRemoteCliTest, ListBuildsTheFilterAndReadsEveryPage) {
  {
    absl::MutexLock lock(&fake_.mu_);
    v1::Contract* a = fake_.contract_pages_[""].add_contracts();
    a->set_name("contracts/orders");
    a->set_data_product("domains/sales/dataProducts/orders");
    a->set_latest_version("2.0.0");
    a->set_version_count(3);
    a->set_compatibility_mode(v1::COMPATIBILITY_MODE_BACKWARD);
    a->set_state(v1::CONTRACT_STATE_DEPRECATED);
    fake_.contract_pages_[""].set_next_page_token("p2");
    v1::Contract* b = fake_.contract_pages_["p2"].add_contracts();
    b->set_name("contracts/refunds");
    b->set_data_product("domains/sales/dataProducts/refunds");
    b->set_latest_version("1.0.0");
    b->set_version_count(1);
    b->set_compatibility_mode(v1::COMPATIBILITY_MODE_FULL_TRANSITIVE);
    b->set_state(v1::CONTRACT_STATE_DEPRECATED);
  }
  Result r = Cli({"contract", "list", "--product", "orders", "--domain",
                  "sales", "--state", "deprecated"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("^NAME +PRODUCT +LATEST +VERSIONS +MODE +"
                                   "STATE\n"));
  EXPECT_THAT(r.out, ContainsRegex("orders +sales/orders +2.0.0 +3 +BACKWARD "
                                   "+DEPRECATED\n"));
  EXPECT_THAT(r.out, ContainsRegex("refunds +sales/refunds +1.0.0 +1 +"
                                   "FULL_TRANSITIVE +DEPRECATED\n"));
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.lists_, SizeIs(2));
  EXPECT_EQ(fake_.lists_[0].filter(),
            "data_product = \"domains/sales/dataProducts/orders\" AND domain "
            "= \"domains/sales\" AND state = DEPRECATED");
  EXPECT_EQ(fake_.lists_[0].page_token(), "");
  EXPECT_EQ(fake_.lists_[1].page_token(), "p2");
  EXPECT_EQ(fake_.lists_[1].filter(), fake_.lists_[0].filter());
}

TEST_F(ContractRemoteCliTest, ListRefusesAnUnknownState) {
  Result r = Cli({"contract", "list", "--state", "retired"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--state retired: expected ACTIVE or "
                               "DEPRECATED"));
  absl::MutexLock lock(&fake_.mu_);
  EXPECT_THAT(fake_.lists_, IsEmpty());
}

TEST_F(ContractRemoteCliTest, HistorySummarisesEachVersionsReport) {
  {
    absl::MutexLock lock(&fake_.mu_);
    v1::ContractVersion* two = fake_.version_pages_[""].add_contract_versions();
    two->set_version("2.0.0");
    two->set_status("active");
    two->set_published_by("user:ann@example.com");
    *two->mutable_create_time() = Time("2026-01-02T03:04:05Z");
    *two->mutable_report() = BreakingReport();
    two->mutable_report()->mutable_changes()->MergeFrom(
        CompatibleReport().changes());
    fake_.version_pages_[""].set_next_page_token("older");
    v1::ContractVersion* one =
        fake_.version_pages_["older"].add_contract_versions();
    one->set_version("1.0.0");
    one->set_status("active");
    one->set_published_by("user:bo@example.com");
    *one->mutable_create_time() = Time("2025-12-01T00:00:00Z");
  }
  Result r = Cli({"contract", "history", "contracts/orders"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("^VERSION +STATUS +PUBLISHED BY +CREATED +"
                                   "BUMP +CHANGES\n"));
  EXPECT_THAT(r.out, ContainsRegex("2.0.0 +active +user:ann@example.com +"
                                   "2026-01-02T03:04:05Z +major +1 breaking, "
                                   "1 compatible\n"));
  EXPECT_THAT(r.out, ContainsRegex("1.0.0 +active +user:bo@example.com +"
                                   "2025-12-01T00:00:00Z +- +first version\n"));
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.version_lists_, SizeIs(2));
  EXPECT_EQ(fake_.version_lists_[0].parent(), "contracts/orders");
  EXPECT_TRUE(fake_.version_lists_[0].omit_documents());
  EXPECT_TRUE(fake_.version_lists_[1].omit_documents());
  EXPECT_EQ(fake_.version_lists_[1].page_token(), "older");
}

TEST_F(ContractRemoteCliTest, DeprecateSendsTheMessage) {
  Result r = Cli({"contract", "deprecate", "orders", "--message",
                  "use contracts/orders-v2"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "contract/orders deprecated\n");
  Result missing = Cli({"contract", "deprecate", "orders"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--message is required"));
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.deprecations_, SizeIs(1));
  EXPECT_EQ(fake_.deprecations_[0].name(), "contracts/orders");
  EXPECT_EQ(fake_.deprecations_[0].message(), "use contracts/orders-v2");
  EXPECT_FALSE(fake_.deprecations_[0].validate_only());
  EXPECT_THAT(fake_.deprecations_[0].request_id(), MatchesRegex(kUuidRegex));
}

}  // namespace
}  // namespace meshplane::cli
