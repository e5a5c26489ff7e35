// meshplane contract lint|diff|convert: ODCS v3 data contracts checked
// offline with the contract library built into the CLI, so that a
// producing team's CI can refuse an invalid or breaking contract before
// anything reaches a server. Their reports are in contract_report.cc.
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
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
#include <nlohmann/json.hpp>

#include "meshplane/contract/compatibility.h"
#include "meshplane/contract/convert.h"
#include "meshplane/contract/odcs.h"
#include "meshplane/contract/validate.h"

namespace meshplane::cli::contract_cmd {

namespace mc = ::meshplane::contract;
namespace v1 = ::meshplane::v1;

namespace {

// The library reports YAML errors as "LINE:COLUMN: reason"; split the
// position off so that it can be printed the way issue positions are.
void SplitPosition(absl::string_view message, LoadedContract* c) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(message, absl::MaxSplits(':', 2));
  int line = 0;
  int column = 0;
  if (parts.size() == 3 && absl::SimpleAtoi(parts[0], &line) &&
      absl::SimpleAtoi(parts[1], &column)) {
    c->error_position = {line, column};
    c->error = std::string(absl::StripLeadingAsciiWhitespace(parts[2]));
    return;
  }
  c->error = std::string(message);
}

}  // namespace

LoadedContract LoadContract(const std::string& file) {
  LoadedContract c;
  c.file = file;
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    c.error = "cannot read the file";
    c.unreadable = true;
    return c;
  }
  c.text = text.str();
  auto validated = mc::ParseAndValidate(c.text);
  if (!validated.ok()) {
    SplitPosition(validated.status().message(), &c);
    return c;
  }
  c.validated = *std::move(validated);
  return c;
}

int Lint(Env& env, const ParsedArgs& args) {
  auto style = StyleOf(env, args);
  if (!style.ok()) return env.Usage(style.status());
  std::vector<std::string> files = args.GetAll("filename");
  if (files.empty()) {
    return env.Usage(
        "-f FILE is required (see 'meshplane contract lint --help')");
  }
  std::vector<LoadedContract> contracts;
  int invalid = 0;
  for (const std::string& file : files) {
    contracts.push_back(LoadContract(file));
    if (!contracts.back().valid()) ++invalid;
  }
  int valid = static_cast<int>(contracts.size()) - invalid;
  if (*style == ReportStyle::kJson || *style == ReportStyle::kYaml) {
    nlohmann::json list = nlohmann::json::array();
    for (const LoadedContract& c : contracts) list.push_back(LintJson(c));
    PrintDocument(*style,
                  {{"files", list}, {"valid", valid}, {"invalid", invalid}},
                  env.out());
  } else {
    for (const LoadedContract& c : contracts) PrintLint(*style, c, env.out());
    if (contracts.size() > 1) {
      env.out() << contracts.size() << " files: " << valid << " valid, "
                << invalid << " invalid\n";
    }
  }
  return invalid > 0 ? kExitUsage : kExitOk;
}

int Diff(Env& env, const ParsedArgs& args) {
  auto style = StyleOf(env, args);
  if (!style.ok()) return env.Usage(style.status());
  auto mode = mc::ParseMode(
      args.Get("mode", std::string(mc::ModeName(mc::kDefaultMode))));
  if (!mode.ok()) {
    return env.Usage(absl::StrCat("--mode: ", mode.status().message()));
  }
  LoadedContract old_contract = LoadContract(args.positional()[0]);
  LoadedContract new_contract = LoadContract(args.positional()[1]);
  std::vector<const LoadedContract*> invalid;
  for (const LoadedContract* c : {&old_contract, &new_contract}) {
    if (!c->valid()) invalid.push_back(c);
  }
  if (!invalid.empty()) {
    return ReportInvalidInput(
        env, *style, invalid,
        "not a valid ODCS contract: nothing was compared");
  }
  mc::Document previous[] = {old_contract.document()};
  auto verdict = mc::Check(new_contract.document(), previous, *mode);
  if (!verdict.ok()) {
    // Another contract id, or an OLD version that is not semver.
    return ReportInvalidInput(
        env, *style, {},
        absl::StrCat("cannot compare ", old_contract.file, " with ",
                     new_contract.file, ": ", verdict.status().message()));
  }
  DiffReport report{&old_contract, &new_contract, *std::move(verdict),
                    BumpBetweenVersions(old_contract.document().version,
                                        new_contract.document().version)};
  switch (*style) {
    case ReportStyle::kJson:
    case ReportStyle::kYaml:
      PrintDocument(*style, DiffJson(report), env.out());
      break;
    case ReportStyle::kGithub:
      PrintDiffGithub(report, env.out());
      break;
    case ReportStyle::kText:
      PrintDiffText(report, env.out());
      break;
  }
  return report.verdict.ok() ? kExitOk : kExitRefused;
}

// `contract convert`: the document in another ODCS version on stdout, every
// field the target cannot carry on stderr with its line. Losing a field
// takes --allow-loss; a result the target's rules refuse is never written.
int ConvertCommand(Env& env, const ParsedArgs& args) {
  const std::string to = args.Get("to");
  if (!args.Has("filename") || to.empty()) {
    return env.Usage(
        "-f FILE and --to VERSION are required (see 'meshplane contract "
        "convert --help')");
  }
  LoadedContract c = LoadContract(args.Get("filename"));
  if (!c.valid()) {
    PrintLint(ReportStyle::kText, c, env.err());
    return kExitUsage;
  }
  absl::StatusOr<mc::Conversion> conversion = mc::Convert(c.text, to);
  if (!conversion.ok()) return env.Usage(conversion.status());
  for (const mc::Loss& loss : conversion->losses) {
    env.err() << Where(c.file, loss.position) << ": "
              << PathOrDocument(loss.path) << ": " << loss.message << "\n";
  }
  for (const mc::Issue& issue : conversion->issues) {
    env.err() << c.file << ": as ODCS " << to << ": "
              << PathOrDocument(issue.path) << ": " << issue.message << "\n";
  }
  const size_t lost = conversion->losses.size();
  if (!conversion->issues.empty()) {
    env.err() << c.file << ": cannot convert to ODCS " << to << ": the result "
              << "would not be valid (" << conversion->issues.size()
              << (conversion->issues.size() == 1 ? " issue" : " issues")
              << "); nothing written\n";
    return kExitRefused;
  }
  if (lost > 0 && !args.Has("allow-loss")) {
    env.err() << c.file << ": " << lost << (lost == 1 ? " field" : " fields")
              << " cannot be carried to "
              << "ODCS " << to << "; nothing written (--allow-loss writes the "
              << "document without them)\n";
    return kExitRefused;
  }
  env.out() << conversion->yaml;
  env.err() << c.file << ": ODCS " << conversion->from_version << " -> " << to
            << (lost == 0
                    ? ", nothing lost"
                    : absl::StrCat(", ", lost, lost == 1 ? " field" : " fields",
                                   " not carried (listed above)"))
            << "\n";
  return kExitOk;
}

}  // namespace meshplane::cli::contract_cmd
