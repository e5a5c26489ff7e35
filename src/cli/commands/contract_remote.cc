// meshplane contract check|publish|get|list|history|deprecate: data
// contracts through the server's ContractService. `check` is the CI dry run
// of a publish: lint locally, then PublishContract with validate_only. The
// report both print is in contract_check_report.cc.
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/commands/commands.h"
#include "cli/commands/contract_cmd.h"
#include "cli/render.h"
#include "cli/util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include <nlohmann/json.hpp>

#include "meshplane/contract/odcs.h"
#include "meshplane/contract/semver.h"
#include "meshplane/v1/contract.pb.h"
#include "meshplane/v1/errors.pb.h"

namespace meshplane::cli::contract_cmd {

namespace mc = ::meshplane::contract;
namespace v1 = ::meshplane::v1;

namespace {

// --mode, in any case: BACKWARD ... NONE.
absl::StatusOr<v1::CompatibilityMode> ParseProtoMode(const std::string& text) {
  v1::CompatibilityMode mode = v1::COMPATIBILITY_MODE_UNSPECIFIED;
  if (!v1::CompatibilityMode_Parse(
          absl::StrCat("COMPATIBILITY_MODE_", absl::AsciiStrToUpper(text)),
          &mode) ||
      mode == v1::COMPATIBILITY_MODE_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        absl::StrCat("--mode ", text,
                     ": expected BACKWARD, FORWARD, FULL, BACKWARD_TRANSITIVE, "
                     "FORWARD_TRANSITIVE, FULL_TRANSITIVE or NONE"));
  }
  return mode;
}

std::string StateName(v1::ContractState state) {
  if (state == v1::CONTRACT_STATE_UNSPECIFIED) return "";
  return std::string(
      absl::StripPrefix(v1::ContractState_Name(state), "CONTRACT_STATE_"));
}

// `contracts/{id}` from "orders-v1" or "contracts/orders-v1".
absl::StatusOr<std::string> ContractArg(absl::string_view text) {
  absl::string_view id = absl::StripPrefix(text, "contracts/");
  if (id.empty() || absl::StrContains(id, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text,
                     "\" is not a contract name (ID or contracts/ID, e.g. "
                     "orders-v1)"));
  }
  return absl::StrCat("contracts/", id);
}

std::string JoinLabels(
    const google::protobuf::Map<std::string, std::string>& labels) {
  std::map<std::string, std::string> sorted(labels.begin(), labels.end());
  return absl::StrJoin(sorted, ",", absl::PairFormatter("="));
}

bool IsFirstVersion(const v1::ContractVersion& version) {
  const v1::CompatibilityReport& r = version.report();
  return !version.has_report() ||
         (r.previous_version().empty() && r.compared_versions().empty() &&
          r.changes().empty());
}

// The CompatibilityReport a refusal carries as a google.rpc.Status detail,
// with the violations of a PolicyViolations detail merged into it and the
// ErrorInfo reason. False when the error carries no report.
bool DecodeRefusal(const grpc::Status& status, CheckReport* c) {
  if (status.error_details().empty()) return false;
  google::rpc::Status rpc_status;
  if (!rpc_status.ParseFromString(status.error_details())) return false;
  bool found = false;
  std::vector<v1::PolicyViolation> violations;
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    v1::CompatibilityReport report;
    v1::PolicyViolations policies;
    v1::PolicyViolation policy;
    google::rpc::ErrorInfo info;
    if (detail.UnpackTo(&report)) {
      c->report = std::move(report);
      found = true;
    } else if (detail.UnpackTo(&policies)) {
      violations.insert(violations.end(), policies.violations().begin(),
                        policies.violations().end());
    } else if (detail.UnpackTo(&policy)) {
      violations.push_back(policy);
    } else if (detail.UnpackTo(&info)) {
      c->reason = info.reason();
    }
  }
  if (!found) return false;
  for (const v1::PolicyViolation& v : violations) {
    bool known = false;
    for (const v1::PolicyViolation& k : c->report.policy_violations()) {
      known |= k.policy() == v.policy() && k.message() == v.message();
    }
    if (!known) *c->report.add_policy_violations() = v;
  }
  c->refused = true;
  c->error = status.error_message();
  return true;
}

// The refusal on stderr, short: the report on stdout says the rest.
void PrintRefusalError(const CheckReport& c, std::ostream& err) {
  err << "error: " << c.error << "\n";
  if (!c.reason.empty()) err << "  reason: " << c.reason << "\n";
}

// The request of `check` and `publish` from their flags (everything but the
// document). INVALID_ARGUMENT names the flag.
absl::Status PublishRequestFromFlags(const ParsedArgs& args,
                                     v1::PublishContractRequest* request) {
  if (args.Has("product")) {
    auto product = ProductName(args.Get("product"), "");
    if (!product.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--product: ", product.status().message()));
    }
    request->set_data_product(*product);
  }
  if (args.Has("mode")) {
    auto mode = ParseProtoMode(args.Get("mode"));
    if (!mode.ok()) return mode.status();
    request->set_compatibility_mode(*mode);
  }
  for (const std::string& text : args.GetAll("label")) {
    auto label = ParseLabel(text);
    if (!label.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--label ", text, ": ", label.status().message()));
    }
    (*request->mutable_labels())[label->first] = label->second;
  }
  return absl::OkStatus();
}

// Loads -f FILE for check and publish. False (the exit code in `*rc`) when
// it is missing or not a valid contract: then nothing goes to the server.
bool LoadCandidate(Env& env, const ParsedArgs& args, ReportStyle style,
                   const char* command, LoadedContract* contract, int* rc) {
  if (!args.Has("filename")) {
    *rc = env.Usage(absl::StrCat(
        "-f FILE is required (see 'meshplane contract ", command, " --help')"));
    return false;
  }
  *contract = LoadContract(args.Get("filename"));
  if (!contract->valid()) {
    *rc = ReportInvalidInput(
        env, style, {contract},
        "not a valid ODCS contract: nothing was sent to the server");
    return false;
  }
  return true;
}

grpc::Status CallPublish(Env& env, const v1::PublishContractRequest& request,
                         v1::PublishContractResponse* response) {
  return env.client().Call(env.client().contracts(),
                           &v1::ContractService::Stub::PublishContract, request,
                           response);
}

}  // namespace

int Check(Env& env, const ParsedArgs& args) {
  auto style = StyleOf(env, args);
  if (!style.ok()) return env.Usage(style.status());
  v1::PublishContractRequest request;
  absl::Status flags = PublishRequestFromFlags(args, &request);
  if (!flags.ok()) return env.Usage(flags);
  LoadedContract contract;
  int rc = kExitOk;
  if (!LoadCandidate(env, args, *style, "check", &contract, &rc)) return rc;
  request.set_yaml(contract.text);
  request.set_validate_only(true);
  request.set_request_id(env.NextRequestId());
  v1::PublishContractResponse response;
  grpc::Status status = CallPublish(env, request, &response);
  CheckReport report;
  report.contract = &contract;
  report.allow_breaking = args.Has("allow-breaking");
  if (!status.ok()) {
    if (!DecodeRefusal(status, &report)) return env.Fail(status);
    PrintRefusalError(report, env.err());
    PrintCheck(env, *style, report);
    return ExitCodeFor(status.error_code());
  }
  report.report = response.report();
  return PrintCheck(env, *style, report);
}

// Whether the file is byte for byte the stored document of its version (as
// `contract get --original` prints it): then publishing is a no-op, said
// without a write. The server takes the same content as a no-op too, but
// audits the call; get -> publish must leave no trace. Sets *rc when true.
bool PublishedAsIs(Env& env, const LoadedContract& contract, int* rc) {
  const mc::Document& doc = contract.document();
  v1::GetContractVersionRequest get;
  get.set_name(absl::StrCat("contracts/", doc.id, "/versions/", doc.version));
  v1::PublishContractResponse response;
  grpc::Status status = env.client().Call(
      env.client().contracts(), &v1::ContractService::Stub::GetContractVersion,
      get, response.mutable_version());
  // Anything but the same document (absent, other bytes, unreadable) goes
  // to the server, which decides and explains.
  if (!status.ok() || response.version().original_yaml() != contract.text) {
    return false;
  }
  std::string what = absl::StrCat("contract/", doc.id, " ", doc.version);
  if (env.format() == Format::kTable) {
    env.out() << what << " unchanged\n";
  } else {
    v1::GetContractRequest get_contract;
    get_contract.set_name(absl::StrCat("contracts/", doc.id));
    status = env.client().Call(env.client().contracts(),
                               &v1::ContractService::Stub::GetContract,
                               get_contract, response.mutable_contract());
    if (!status.ok()) {
      *rc = env.Fail(status);
      return true;
    }
    response.mutable_report()->set_contract(response.contract().name());
    response.mutable_report()->set_candidate_version(doc.version);
    response.mutable_report()->set_accepted(true);
    response.mutable_report()->add_warnings()->set_message(
        absl::StrCat(what,
                     " is already published with this content: "
                     "unchanged"));
    PrintMessage(env.format(), response, env.out());
  }
  return true;
}

int Publish(Env& env, const ParsedArgs& args) {
  v1::PublishContractRequest request;
  absl::Status flags = PublishRequestFromFlags(args, &request);
  if (!flags.ok()) return env.Usage(flags);
  ReportStyle style = env.format() == Format::kJson   ? ReportStyle::kJson
                      : env.format() == Format::kYaml ? ReportStyle::kYaml
                                                      : ReportStyle::kText;
  LoadedContract contract;
  int rc = kExitOk;
  if (!LoadCandidate(env, args, style, "publish", &contract, &rc)) return rc;
  if (!env.dry_run() && !args.Has("mode") && !args.Has("label")) {
    rc = kExitOk;
    if (PublishedAsIs(env, contract, &rc)) return rc;
  }
  request.set_yaml(contract.text);
  env.PrepareWrite(&request);
  v1::PublishContractResponse response;
  grpc::Status status = CallPublish(env, request, &response);
  CheckReport report;
  report.contract = &contract;
  // A publish that the server takes is a deliberate act: a breaking change
  // under a major bump is the team's call, not the CLI's.
  report.allow_breaking = true;
  if (!status.ok()) {
    if (!DecodeRefusal(status, &report)) return env.Fail(status);
    PrintRefusalError(report, env.err());
    PrintCheck(env, style, report);
    return ExitCodeFor(status.error_code());
  }
  report.report = response.report();
  // Under validate_only the server answers OK and says in `accepted`
  // whether the publish would go through.
  bool refused = env.dry_run() && !response.report().accepted();
  if (style != ReportStyle::kText) {
    PrintMessage(env.format(), response, env.out());
  } else if (refused) {
    PrintCheckText(report, env.out());
  } else {
    const v1::CompatibilityReport& r = response.report();
    std::string name = response.contract().name();
    if (name.empty()) name = r.contract();
    if (name.empty()) name = contract.document().id;
    std::string version = response.version().version();
    if (version.empty()) version = contract.document().version;
    std::string what =
        absl::StrCat("contract/", ShortContractName(name), " ", version);
    env.out() << what
              << (env.dry_run() ? " is valid (dry run: nothing was changed)"
                                : " published")
              << "\n"
              << ReportCountLine(r) << "\n"
              << ReportBumpLine(r) << "\n";
    PrintConsumers(r, env.out());
  }
  if (!refused) {
    // On stderr whatever the format: stdout stays a clean JSON/YAML document.
    PrintWarnings(response.report().warnings(), "", env.err());
    for (const v1::PolicyViolation& v : response.report().policy_violations()) {
      env.err() << "warning: " << DescribeViolation(v) << "\n";
    }
  }
  return refused ? kExitRefused : kExitOk;
}

void RenderContract(const v1::Contract& c, std::ostream& out) {
  Details details;
  details.Add("Name", c.name());
  details.Add("Data product", c.data_product());
  details.Add("Display name", c.display_name());
  details.Add("Description",
              std::string(absl::StripTrailingAsciiWhitespace(c.description())));
  details.Add("Mode", ProtoModeName(c.compatibility_mode()));
  details.Add("State", StateName(c.state()));
  if (!c.deprecation_message().empty()) {
    details.Add("Deprecation", c.deprecation_message());
  }
  details.Add("Latest version", c.latest_version());
  details.Add("Versions", absl::StrCat(c.version_count()));
  details.Add("Labels", JoinLabels(c.labels()));
  AddServerFields(c, &details);
  details.Print(out);
}

void RenderContractVersion(const v1::ContractVersion& v, std::ostream& out) {
  const v1::CompatibilityReport& r = v.report();
  bool first = IsFirstVersion(v);
  Details details;
  details.Add("Name", v.name());
  details.Add("Version", v.version());
  details.Add("Status", v.status());
  details.Add("Published by", v.published_by());
  details.Add("Created", FormatTimestamp(v.create_time()));
  details.Add("Content hash", v.content_hash());
  details.Add("Previous", first ? "" : r.previous_version());
  details.Add("Mode", first ? "" : ProtoModeName(r.mode()));
  details.Add("Changes", first ? "first version" : ShortCounts(r));
  details.Add("Required bump", first ? "" : ProtoBumpName(r.required_bump()));
  details.Print(out);
  if (!r.changes().empty()) {
    out << "\n";
    Table table({"SEVERITY", "CHANGE", "PATH", "EXPLANATION"});
    for (const v1::ContractChange& c : r.changes()) {
      table.AddRow({SeverityOf(c.kind()), c.change(), c.path(),
                    ChangeExplanation(r, c)});
    }
    table.Print(out);
  }
}

int Get(Env& env, const ParsedArgs& args) {
  std::string text = args.positional()[0];
  std::string version = args.Get("version");
  // contracts/ID/versions/V names a version as well.
  constexpr absl::string_view kVersions = "/versions/";
  size_t at = text.find(kVersions.data(), 0, kVersions.size());
  if (at != std::string::npos) {
    if (args.Has("version")) {
      return env.Usage(absl::StrCat(text,
                                    " names a version already: drop "
                                    "--version"));
    }
    version = text.substr(at + kVersions.size());
    text = text.substr(0, at);
  }
  auto name = ContractArg(text);
  if (!name.ok()) return env.Usage(name.status());
  bool original = args.Has("original");
  if (original && env.format() != Format::kTable) {
    return env.Usage(
        "--original prints the document as published and cannot be "
        "combined with -o json or -o yaml");
  }
  // The document belongs to a version: --original alone means the latest.
  if (original && version.empty()) version = "latest";
  if (version.empty()) {
    v1::GetContractRequest request;
    request.set_name(*name);
    v1::Contract response;
    grpc::Status status = env.client().Call(
        env.client().contracts(), &v1::ContractService::Stub::GetContract,
        request, &response);
    if (!status.ok()) return env.Fail(status);
    return Show(env, response,
                [&](std::ostream& out) { RenderContract(response, out); });
  }
  if (version != "latest" && !mc::SemVer::Parse(version).ok()) {
    return env.Usage(absl::StrCat("--version ", version,
                                  ": expected a semver (1.2.0) or latest"));
  }
  v1::GetContractVersionRequest request;
  request.set_name(absl::StrCat(*name, "/versions/", version));
  v1::ContractVersion response;
  grpc::Status status = env.client().Call(
      env.client().contracts(), &v1::ContractService::Stub::GetContractVersion,
      request, &response);
  if (!status.ok()) return env.Fail(status);
  if (original) {
    if (response.original_yaml().empty()) {
      env.err() << "error: the server sent no document for " << request.name()
                << "\n";
      return kExitUnavailable;
    }
    // Byte for byte, so that the file diffs and hashes like the published
    // one.
    env.out() << response.original_yaml();
    return kExitOk;
  }
  return Show(env, response,
              [&](std::ostream& out) { RenderContractVersion(response, out); });
}

// AIP-160 terms from the flags (ListContractsRequest.filter).
absl::StatusOr<std::string> ContractFilter(const ParsedArgs& args) {
  std::vector<std::string> terms;
  if (args.Has("product")) {
    auto product = ProductName(args.Get("product"), args.Get("domain"));
    if (!product.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--product: ", product.status().message()));
    }
    terms.push_back(absl::StrCat("data_product = \"", *product, "\""));
  }
  if (args.Has("domain")) {
    terms.push_back(
        absl::StrCat("domain = \"", DomainName(args.Get("domain")), "\""));
  }
  if (args.Has("state")) {
    std::string state = absl::AsciiStrToUpper(args.Get("state"));
    if (state != "ACTIVE" && state != "DEPRECATED") {
      return absl::InvalidArgumentError(absl::StrCat(
          "--state ", args.Get("state"), ": expected ACTIVE or DEPRECATED"));
    }
    terms.push_back(absl::StrCat("state = ", state));
  }
  return absl::StrJoin(terms, " AND ");
}

int List(Env& env, const ParsedArgs& args) {
  auto filter = ContractFilter(args);
  if (!filter.ok()) return env.Usage(filter.status());
  v1::ListContractsRequest request;
  request.set_filter(*filter);
  return ShowList(
      env, EveryPage(), env.client().contracts(),
      &v1::ContractService::Stub::ListContracts, request,
      &v1::ListContractsResponse::mutable_contracts,
      [&](const v1::ListContractsResponse& merged, std::ostream& out) {
        Table table({"NAME", "PRODUCT", "LATEST", "VERSIONS", "MODE", "STATE"});
        for (const v1::Contract& c : merged.contracts()) {
          table.AddRow(
              {ShortContractName(c.name()), ShortProductName(c.data_product()),
               c.latest_version(), absl::StrCat(c.version_count()),
               ProtoModeName(c.compatibility_mode()), StateName(c.state())});
        }
        table.Print(out);
      });
}

int History(Env& env, const ParsedArgs& args) {
  auto name = ContractArg(args.positional()[0]);
  if (!name.ok()) return env.Usage(name.status());
  v1::ListContractVersionsRequest request;
  request.set_parent(*name);
  request.set_omit_documents(true);
  return ShowList(
      env, EveryPage(), env.client().contracts(),
      &v1::ContractService::Stub::ListContractVersions, request,
      &v1::ListContractVersionsResponse::mutable_contract_versions,
      [&](const v1::ListContractVersionsResponse& merged, std::ostream& out) {
        Table table({"VERSION", "STATUS", "PUBLISHED BY", "CREATED", "BUMP",
                     "CHANGES"});
        for (const v1::ContractVersion& v : merged.contract_versions()) {
          bool first = IsFirstVersion(v);
          table.AddRow({v.version(), v.status(), v.published_by(),
                        FormatTimestamp(v.create_time()),
                        first ? "" : ProtoBumpName(v.report().required_bump()),
                        first ? "first version" : ShortCounts(v.report())});
        }
        table.Print(out);
      });
}

int Deprecate(Env& env, const ParsedArgs& args) {
  auto name = ContractArg(args.positional()[0]);
  if (!name.ok()) return env.Usage(name.status());
  if (args.Get("message").empty()) {
    return env.Usage(
        "--message is required (why, and what consumers should use instead)");
  }
  v1::DeprecateContractRequest request;
  request.set_name(*name);
  request.set_message(args.Get("message"));
  request.set_etag(args.Get("etag"));
  return SendWrite(env, env.client().contracts(),
                   &v1::ContractService::Stub::DeprecateContract, request,
                   absl::StrCat("contract/", ShortContractName(*name)),
                   "deprecated");
}

}  // namespace meshplane::cli::contract_cmd
