// meshplane contract lint|diff: ODCS v3 data contracts checked offline with
// the contract library built into the CLI, so that a producing team's CI can
// refuse an invalid or breaking contract before anything reaches a server.
// meshplane contract check|publish|get|list|history|deprecate: the same
// contracts through the server's ContractService; `check` is the CI dry run
// of a publish (lint locally, then PublishContract with validate_only).
//
// Reports come in three shapes: text for people (compiler-style
// FILE:LINE:COLUMN prefixes, which editors and terminals make clickable),
// JSON or YAML for scripts (-o), and GitHub Actions workflow commands
// (--format github) so that each issue lands on its line in a pull request.
#include <fstream>
#include <map>
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
#include "cli/render.h"
#include "cli/util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include <nlohmann/json.hpp>

#include "meshplane/contract/compatibility.h"
#include "meshplane/contract/convert.h"
#include "meshplane/contract/odcs.h"
#include "meshplane/contract/semver.h"
#include "meshplane/contract/validate.h"
#include "meshplane/v1/contract.pb.h"
#include "meshplane/v1/errors.pb.h"

namespace meshplane::cli {

namespace {

namespace mc = ::meshplane::contract;

// How a report is printed: -o picks text (table), JSON or YAML; --format
// github picks workflow commands.
enum class ReportStyle { kText, kJson, kYaml, kGithub };

absl::StatusOr<ReportStyle> StyleOf(const Env& env, const ParsedArgs& args) {
  std::string format = absl::AsciiStrToLower(args.Get("format", "text"));
  if (format != "text" && format != "github") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format ", args.Get("format"), ": expected text or github"));
  }
  if (format == "github") {
    if (env.format() != Format::kTable) {
      return absl::InvalidArgumentError(
          "--format github prints workflow commands and cannot be combined "
          "with -o json or -o yaml");
    }
    return ReportStyle::kGithub;
  }
  switch (env.format()) {
    case Format::kJson:
      return ReportStyle::kJson;
    case Format::kYaml:
      return ReportStyle::kYaml;
    case Format::kTable:
      break;
  }
  return ReportStyle::kText;
}

void PrintDocument(ReportStyle style, const nlohmann::json& doc,
                   std::ostream& out) {
  if (style == ReportStyle::kYaml) {
    auto yaml = JsonToYaml(doc.dump());
    out << (yaml.ok() ? *yaml : doc.dump(2) + "\n");
    return;
  }
  out << doc.dump(2) << "\n";
}

// GitHub's workflow-command escaping: the message ("data") may not hold
// newlines or '%'; property values may not hold ':' or ',' either.
std::string EscapeData(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string EscapeProperty(absl::string_view text) {
  std::string out;
  for (char c : EscapeData(text)) {
    switch (c) {
      case ':':
        out += "%3A";
        break;
      case ',':
        out += "%2C";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// `::error file=F,line=L,col=C,title=T::message`; line and col are left out
// when unknown (0), which makes GitHub annotate the file as a whole.
std::string Annotation(absl::string_view level, absl::string_view file,
                       mc::SourcePosition position, absl::string_view title,
                       absl::string_view message) {
  std::string line = absl::StrCat("::", level, " file=", EscapeProperty(file));
  if (position.line > 0) {
    absl::StrAppend(&line, ",line=", position.line);
    if (position.column > 0) absl::StrAppend(&line, ",col=", position.column);
  }
  absl::StrAppend(&line, ",title=", EscapeProperty(title),
                  "::", EscapeData(message));
  return line;
}

// "FILE:LINE:COLUMN", "FILE:LINE" or "FILE", as compilers print it.
std::string Where(absl::string_view file, mc::SourcePosition position) {
  std::string where(file);
  if (position.line > 0) {
    absl::StrAppend(&where, ":", position.line);
    if (position.column > 0) absl::StrAppend(&where, ":", position.column);
  }
  return where;
}

std::string PathOrDocument(const std::string& path) {
  return path.empty() ? std::string("(document)") : path;
}

// One contract file, read, parsed and validated.
struct LoadedContract {
  std::string file;
  std::string text;
  // Why the file could not be checked at all: unreadable, not YAML, or not
  // a mapping. Empty when it was parsed.
  std::string error;
  bool unreadable = false;
  mc::SourcePosition error_position;
  mc::ValidatedDocument validated;

  bool valid() const { return error.empty() && validated.issues.empty(); }
  const mc::Document& document() const { return validated.document; }
};

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

// The line of the top-level `key:` in the YAML text (0 when absent), for
// annotations about a field the model keeps no position for (`version`).
mc::SourcePosition TopLevelKeyPosition(const std::string& text,
                                       absl::string_view key) {
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    if (absl::StartsWith(line, key) && line.size() > key.size() &&
        line[key.size()] == ':') {
      return {number, 1};
    }
  }
  return {};
}

nlohmann::json LintJson(const LoadedContract& c) {
  nlohmann::json issues = nlohmann::json::array();
  for (const mc::Issue& i : c.validated.issues) {
    issues.push_back({{"path", i.path},
                      {"line", i.position.line},
                      {"column", i.position.column},
                      {"message", i.message}});
  }
  return {{"file", c.file},
          {"valid", c.valid()},
          {"error", c.error},
          {"line", c.error_position.line},
          {"column", c.error_position.column},
          {"api_version", c.document().api_version},
          {"id", c.document().id},
          {"version", c.document().version},
          {"issues", issues}};
}

// The lines of one file's lint report, as text or workflow commands.
void PrintLint(ReportStyle style, const LoadedContract& c, std::ostream& out) {
  bool github = style == ReportStyle::kGithub;
  if (!c.error.empty()) {
    out << (github
                ? Annotation("error", c.file, c.error_position,
                             "invalid contract", c.error)
                : absl::StrCat(Where(c.file, c.error_position), ": ", c.error))
        << "\n";
    out << c.file << ": invalid ("
        << (c.unreadable ? "unreadable" : "not an ODCS document") << ")\n";
    return;
  }
  for (const mc::Issue& i : c.validated.issues) {
    std::string path = PathOrDocument(i.path);
    out << (github ? Annotation("error", c.file, i.position,
                                absl::StrCat("invalid contract at ", path),
                                i.message)
                   : absl::StrCat(Where(c.file, i.position), ": ", path, ": ",
                                  i.message))
        << "\n";
  }
  size_t n = c.validated.issues.size();
  if (n > 0) {
    out << c.file << ": invalid (" << n << (n == 1 ? " issue" : " issues")
        << ")\n";
    return;
  }
  const mc::Document& d = c.document();
  out << c.file << ": valid (" << (d.id.empty() ? "-" : d.id) << " "
      << (d.version.empty() ? "-" : d.version) << ", ODCS " << d.api_version
      << ")\n";
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

// Removals point into the previous version (the element is gone from the
// candidate); every other change points into the candidate.
bool PointsIntoPrevious(mc::ChangeKind kind) {
  switch (kind) {
    case mc::ChangeKind::kObjectRemoved:
    case mc::ChangeKind::kPropertyRemoved:
    case mc::ChangeKind::kQualityRuleRemoved:
    case mc::ChangeKind::kSlaRemoved:
    case mc::ChangeKind::kServerRemoved:
    case mc::ChangeKind::kRelationshipRemoved:
      return true;
    default:
      return false;
  }
}

// What `contract diff` found, with the two files it compared.
struct DiffReport {
  const LoadedContract* old_contract;
  const LoadedContract* new_contract;
  mc::Verdict verdict;
  // The bump from OLD's version to NEW's, when both are semver.
  std::string actual_bump;

  const std::string& FileOf(const mc::Change& c) const {
    return PointsIntoPrevious(c.kind) ? old_contract->file : new_contract->file;
  }
  // "compatible", "breaking" or "insufficient_bump" (a compatible change
  // under a version that does not say so).
  std::string Outcome() const {
    if (!verdict.compatible) return "breaking";
    return verdict.version_satisfied ? "compatible" : "insufficient_bump";
  }
};

std::string BumpBetweenVersions(const std::string& old_version,
                                const std::string& new_version) {
  auto previous = mc::SemVer::Parse(old_version);
  auto candidate = mc::SemVer::Parse(new_version);
  if (!previous.ok() || !candidate.ok()) return "";
  if (!(*previous < *candidate)) return "none";
  return std::string(mc::BumpName(mc::BumpBetween(*previous, *candidate)));
}

nlohmann::json DiffJson(const DiffReport& r) {
  const mc::Verdict& v = r.verdict;
  nlohmann::json changes = nlohmann::json::array();
  for (const mc::Change& c : v.changes) {
    changes.push_back(
        {{"path", c.path},
         {"kind", std::string(mc::ChangeKindName(c.kind))},
         {"severity", std::string(mc::SeverityName(c.SeverityIn(v.mode)))},
         {"explanation", c.Explain(v.mode)},
         {"file", r.FileOf(c)},
         {"line", c.position.line},
         {"column", c.position.column},
         {"breaks_backward", c.breaks_backward},
         {"breaks_forward", c.breaks_forward},
         {"required_bump", std::string(mc::BumpName(c.RequiredBump(v.mode)))}});
  }
  auto side = [](const LoadedContract& c) {
    return nlohmann::json{{"file", c.file},
                          {"id", c.document().id},
                          {"version", c.document().version}};
  };
  return {{"old", side(*r.old_contract)},
          {"new", side(*r.new_contract)},
          {"mode", std::string(mc::ModeName(v.mode))},
          {"changes", changes},
          {"compatible", v.compatible},
          {"required_bump", std::string(mc::BumpName(v.required_bump))},
          {"actual_bump", r.actual_bump},
          {"version_satisfied", v.version_satisfied},
          {"version_message", v.version_message},
          {"suggested_version", v.suggested_version},
          {"verdict", r.Outcome()},
          {"ok", v.ok()}};
}

std::string CountLine(const mc::Verdict& v) {
  int counts[3] = {0, 0, 0};
  for (const mc::Change& c : v.changes) {
    ++counts[static_cast<int>(c.SeverityIn(v.mode))];
  }
  if (v.changes.empty()) return "no changes";
  return absl::StrCat(
      v.changes.size(), v.changes.size() == 1 ? " change: " : " changes: ",
      counts[static_cast<int>(mc::Severity::kBreaking)], " breaking, ",
      counts[static_cast<int>(mc::Severity::kCompatible)], " compatible, ",
      counts[static_cast<int>(mc::Severity::kCosmetic)], " cosmetic");
}

// "1.0.0 -> 1.1.0 is a minor bump; the changes require minor (...)".
std::string BumpLine(const DiffReport& r) {
  const mc::Verdict& v = r.verdict;
  std::string line =
      absl::StrCat("version: ", r.old_contract->document().version, " -> ",
                   r.new_contract->document().version);
  if (!r.actual_bump.empty()) {
    absl::StrAppend(&line, " is ",
                    r.actual_bump == "none"
                        ? "no bump"
                        : absl::StrCat("a ", r.actual_bump, " bump"));
  }
  absl::StrAppend(&line,
                  v.changes.empty() ? "; a new version requires "
                                    : "; the changes require ",
                  mc::BumpName(v.required_bump),
                  " (lowest: ", v.suggested_version, ")");
  return line;
}

void PrintDiffText(const DiffReport& r, std::ostream& out) {
  const mc::Verdict& v = r.verdict;
  out << "contract " << r.new_contract->document().id << ": "
      << r.old_contract->file << " (" << r.old_contract->document().version
      << ") -> " << r.new_contract->file << " ("
      << r.new_contract->document().version << "), mode " << ModeName(v.mode)
      << "\n\n";
  if (!v.changes.empty()) {
    Table table({"SEVERITY", "CHANGE", "PATH", "WHERE", "EXPLANATION"});
    for (const mc::Change& c : v.changes) {
      table.AddRow({std::string(mc::SeverityName(c.SeverityIn(v.mode))),
                    std::string(mc::ChangeKindName(c.kind)), c.path,
                    Where(r.FileOf(c), c.position), c.Explain(v.mode)});
    }
    table.Print(out);
    out << "\n";
  }
  out << CountLine(v) << "\n" << BumpLine(r) << "\n";
  if (!v.version_satisfied) out << "version: " << v.version_message << "\n";
  std::string outcome = r.Outcome();
  if (outcome == "compatible") {
    out << "verdict: compatible under " << ModeName(v.mode) << "\n";
  } else if (outcome == "breaking") {
    out << "verdict: BREAKING under " << ModeName(v.mode);
    if (v.version_satisfied) {
      // A deliberate break: the version says so, yet consumers still break.
      out << " (the version makes the major bump; consumers must migrate)";
    }
    out << "\n";
  } else {
    out << "verdict: INSUFFICIENT VERSION BUMP (the changes are compatible "
           "under "
        << ModeName(v.mode) << ")\n";
  }
}

// Breaking changes and an insufficient version are errors; compatible
// changes are notices (a reviewer should see them; nothing is wrong);
// cosmetic ones are not annotated. The summary follows as plain log lines.
void PrintDiffGithub(const DiffReport& r, std::ostream& out) {
  const mc::Verdict& v = r.verdict;
  for (const mc::Change& c : v.changes) {
    mc::Severity severity = c.SeverityIn(v.mode);
    if (severity == mc::Severity::kCosmetic) continue;
    bool breaking = severity == mc::Severity::kBreaking;
    out << Annotation(breaking ? "error" : "notice", r.FileOf(c), c.position,
                      absl::StrCat(breaking ? "breaking change under "
                                            : "compatible change under ",
                                   ModeName(v.mode), " (",
                                   ChangeKindName(c.kind), ")"),
                      absl::StrCat(c.path, ": ", c.Explain(v.mode)))
        << "\n";
  }
  if (!v.version_satisfied) {
    out << Annotation("error", r.new_contract->file,
                      TopLevelKeyPosition(r.new_contract->text, "version"),
                      "contract version bump", v.version_message)
        << "\n";
  }
  out << CountLine(v) << "\n"
      << BumpLine(r) << "\n"
      << "verdict: " << r.Outcome() << " under " << ModeName(v.mode) << "\n";
}

// Reports input files being unusable (exit 2): their lint report, then why
// nothing was compared or sent.
int ReportInvalidInput(Env& env, ReportStyle style,
                       const std::vector<const LoadedContract*>& contracts,
                       const std::string& error) {
  if (style == ReportStyle::kJson || style == ReportStyle::kYaml) {
    nlohmann::json files = nlohmann::json::array();
    for (const LoadedContract* c : contracts) files.push_back(LintJson(*c));
    PrintDocument(style, {{"ok", false}, {"error", error}, {"files", files}},
                  env.out());
  } else {
    for (const LoadedContract* c : contracts) PrintLint(style, *c, env.out());
  }
  env.err() << "error: " << error << "\n";
  return kExitUsage;
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

FlagSpec FormatFlag() {
  return {"format",
          0,
          true,
          false,
          "STYLE",
          "text (default) or github: GitHub Actions annotations "
          "(::error file=...,line=...::message)"};
}

// ---------------------------------------------------------------------------
// The server-backed commands: check, publish, get, list, history, deprecate,
// through ContractService.

namespace v1 = ::meshplane::v1;

// "BACKWARD", "FULL_TRANSITIVE", ...; "" for UNSPECIFIED.
std::string ProtoModeName(v1::CompatibilityMode mode) {
  if (mode == v1::COMPATIBILITY_MODE_UNSPECIFIED) return "";
  return std::string(absl::StripPrefix(v1::CompatibilityMode_Name(mode),
                                       "COMPATIBILITY_MODE_"));
}

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

// "major", "minor", "patch"; "" for UNSPECIFIED (no bump needed or made).
std::string ProtoBumpName(v1::SemverBump bump) {
  switch (bump) {
    case v1::SEMVER_BUMP_MAJOR:
      return "major";
    case v1::SEMVER_BUMP_MINOR:
      return "minor";
    case v1::SEMVER_BUMP_PATCH:
      return "patch";
    default:
      return "";
  }
}

// The severity words of `contract diff`, so that both reports read alike.
std::string SeverityOf(v1::ChangeKind kind) {
  switch (kind) {
    case v1::CHANGE_KIND_BREAKING:
      return "breaking";
    case v1::CHANGE_KIND_COMPATIBLE:
      return "compatible";
    case v1::CHANGE_KIND_COSMETIC:
      return "cosmetic";
    default:
      return "unknown";
  }
}

std::string StateName(v1::ContractState state) {
  if (state == v1::CONTRACT_STATE_UNSPECIFIED) return "";
  return std::string(
      absl::StripPrefix(v1::ContractState_Name(state), "CONTRACT_STATE_"));
}

std::string ShortContractName(absl::string_view name) {
  return std::string(absl::StripPrefix(name, "contracts/"));
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

int CountKind(const v1::CompatibilityReport& report, v1::ChangeKind kind) {
  int n = 0;
  for (const v1::ContractChange& c : report.changes()) {
    if (c.kind() == kind) ++n;
  }
  return n;
}

// "3 changes: 1 breaking, 2 compatible, 0 cosmetic" or "no changes", as
// `contract diff` prints it.
std::string ReportCountLine(const v1::CompatibilityReport& r) {
  if (r.changes().empty()) return "no changes";
  return absl::StrCat(r.changes_size(),
                      r.changes_size() == 1 ? " change: " : " changes: ",
                      CountKind(r, v1::CHANGE_KIND_BREAKING), " breaking, ",
                      CountKind(r, v1::CHANGE_KIND_COMPATIBLE), " compatible, ",
                      CountKind(r, v1::CHANGE_KIND_COSMETIC), " cosmetic");
}

// "1.0.0 -> 1.1.0 is a minor bump; the changes require minor (lowest:
// 1.1.0)", the line `contract diff` prints, from the server's fields.
std::string ReportBumpLine(const v1::CompatibilityReport& r) {
  if (r.previous_version().empty()) {
    return absl::StrCat("version: ", r.candidate_version(),
                        " is the first version of the contract");
  }
  std::string line = absl::StrCat("version: ", r.previous_version(), " -> ",
                                  r.candidate_version());
  std::string declared = ProtoBumpName(r.declared_bump());
  absl::StrAppend(&line, declared.empty()
                             ? " is not newer"
                             : absl::StrCat(" is a ", declared, " bump"));
  std::string required = ProtoBumpName(r.required_bump());
  if (required.empty()) {
    absl::StrAppend(&line, "; no bump is required");
  } else {
    absl::StrAppend(&line, "; the changes require ", required);
  }
  if (!r.suggested_version().empty()) {
    absl::StrAppend(&line, " (lowest: ", r.suggested_version(), ")");
  }
  return line;
}

// A violation that blocks a publish: an enforced DENY. WARN, approvals and
// dry-run policies are remarks.
bool Denies(const v1::PolicyViolation& v) {
  return absl::AsciiStrToUpper(v.effect()) == "DENY" &&
         absl::AsciiStrToUpper(v.enforcement()) != "DRY_RUN";
}

// "2 breaking, 1 compatible": the non-zero counts, for one-line summaries;
// "no changes" when there are none.
std::string ShortCounts(const v1::CompatibilityReport& r) {
  std::vector<std::string> parts;
  for (v1::ChangeKind kind :
       {v1::CHANGE_KIND_BREAKING, v1::CHANGE_KIND_COMPATIBLE,
        v1::CHANGE_KIND_COSMETIC}) {
    int n = CountKind(r, kind);
    if (n > 0) parts.push_back(absl::StrCat(n, " ", SeverityOf(kind)));
  }
  return parts.empty() ? "no changes" : absl::StrJoin(parts, ", ");
}

bool IsFirstVersion(const v1::ContractVersion& version) {
  const v1::CompatibilityReport& r = version.report();
  return !version.has_report() ||
         (r.previous_version().empty() && r.compared_versions().empty() &&
          r.changes().empty());
}

void PrintConsumers(const v1::CompatibilityReport& r, std::ostream& out) {
  if (r.impacted_consumers().empty()) return;
  out << "\nimpacted consumers (" << r.impacted_consumers_size() << "):\n";
  Table table({"CONSUMER", "VIA", "OUTPUT PORT", "OWNER TEAM"});
  for (const v1::ImpactedConsumer& c : r.impacted_consumers()) {
    table.AddRow({ShortProductName(c.consumer()), c.via(),
                  ShortProductName(c.output_port()),
                  std::string(absl::StripPrefix(c.owner_team(), "teams/"))});
  }
  table.Print(out);
}

// What a server-side check found, with the file it checked.
enum class CheckVerdict {
  kCompatible,       // accepted, nothing breaks
  kBreaking,         // accepted under a major bump, yet consumers break
  kBreakingAllowed,  // the same, with --allow-breaking
  kNotAccepted,      // the server would refuse the publish
  kRefused,          // the server refused with an error
};

struct CheckReport {
  const LoadedContract* contract = nullptr;
  v1::CompatibilityReport report;
  bool allow_breaking = false;
  // Set when the server answered with an error carrying the report.
  bool refused = false;
  std::string error;
  std::string reason;

  // Breaking means a change of kind BREAKING: `compatible` is a proto3 bool
  // that a first version's report may leave false.
  bool breaking() const {
    return CountKind(report, v1::CHANGE_KIND_BREAKING) > 0;
  }
  CheckVerdict verdict() const {
    if (refused) return CheckVerdict::kRefused;
    if (!report.accepted()) return CheckVerdict::kNotAccepted;
    if (!breaking()) return CheckVerdict::kCompatible;
    return allow_breaking ? CheckVerdict::kBreakingAllowed
                          : CheckVerdict::kBreaking;
  }
  bool ok() const {
    CheckVerdict v = verdict();
    return v == CheckVerdict::kCompatible ||
           v == CheckVerdict::kBreakingAllowed;
  }
  std::string mode() const {
    std::string m = ProtoModeName(report.mode());
    return m.empty() ? std::string("the contract's mode") : m;
  }
};

std::string VerdictName(CheckVerdict v) {
  switch (v) {
    case CheckVerdict::kCompatible:
      return "compatible";
    case CheckVerdict::kBreaking:
      return "breaking";
    case CheckVerdict::kBreakingAllowed:
      return "breaking_allowed";
    case CheckVerdict::kNotAccepted:
      return "not_accepted";
    case CheckVerdict::kRefused:
      return "refused";
  }
  return "";
}

std::string VerdictLine(const CheckReport& c) {
  const v1::CompatibilityReport& r = c.report;
  switch (c.verdict()) {
    case CheckVerdict::kCompatible:
      if (r.previous_version().empty()) {
        return absl::StrCat("verdict: accepted (", r.candidate_version(),
                            " is the first version)");
      }
      return absl::StrCat("verdict: compatible under ", c.mode(), " (",
                          r.candidate_version(), " would be accepted)");
    case CheckVerdict::kBreaking:
      return absl::StrCat(
          "verdict: BREAKING under ", c.mode(),
          " (the version makes the major bump, but consumers must migrate; "
          "--allow-breaking accepts a deliberate major release)");
    case CheckVerdict::kBreakingAllowed:
      return absl::StrCat("verdict: breaking under ", c.mode(),
                          ", allowed by --allow-breaking (the version makes "
                          "the major bump; consumers must migrate)");
    case CheckVerdict::kNotAccepted: {
      std::vector<std::string> why;
      if (!r.version_satisfied()) {
        why.push_back("the version does not make the required bump");
      }
      for (const v1::PolicyViolation& v : r.policy_violations()) {
        if (Denies(v)) {
          why.push_back("a contract.publish policy denies it");
          break;
        }
      }
      if (why.empty()) why.push_back("the server would refuse the publish");
      return absl::StrCat("verdict: NOT ACCEPTED: ", absl::StrJoin(why, "; "));
    }
    case CheckVerdict::kRefused:
      return absl::StrCat("verdict: REFUSED by the server: ", c.error);
  }
  return "";
}

// Changes found against an older version than the latest (TRANSITIVE
// modes) say which one.
std::string ChangeExplanation(const v1::CompatibilityReport& r,
                              const v1::ContractChange& c) {
  if (c.against_version().empty() ||
      c.against_version() == r.previous_version()) {
    return c.description();
  }
  return absl::StrCat(c.description(), " (against ", c.against_version(), ")");
}

mc::SourcePosition PositionOf(const v1::ContractChange& c) {
  return {c.line(), c.column()};
}

void PrintCheckText(const CheckReport& c, std::ostream& out) {
  const v1::CompatibilityReport& r = c.report;
  const std::string& file = c.contract->file;
  out << "contract " << ShortContractName(r.contract()) << ": " << file << " ("
      << r.candidate_version() << ")";
  if (r.previous_version().empty()) {
    out << ", a new contract";
  } else {
    out << " against published " << r.previous_version();
  }
  out << ", mode " << c.mode() << "\n";
  if (r.compared_versions_size() > 1) {
    out << "compared with: " << absl::StrJoin(r.compared_versions(), ", ")
        << "\n";
  }
  out << "\n";
  if (!r.changes().empty()) {
    Table table({"SEVERITY", "CHANGE", "PATH", "WHERE", "EXPLANATION"});
    for (const v1::ContractChange& change : r.changes()) {
      table.AddRow({SeverityOf(change.kind()), change.change(), change.path(),
                    Where(file, PositionOf(change)),
                    ChangeExplanation(r, change)});
    }
    table.Print(out);
    out << "\n";
  }
  out << ReportCountLine(r) << "\n" << ReportBumpLine(r) << "\n";
  if (!r.version_satisfied() && !r.version_message().empty()) {
    out << "version: " << r.version_message() << "\n";
  }
  PrintConsumers(r, out);
  if (!r.policy_violations().empty()) {
    out << "\npolicy violations:\n";
    for (const v1::PolicyViolation& v : r.policy_violations()) {
      out << "  " << DescribeViolation(v) << "\n";
    }
  }
  if (!r.warnings().empty()) {
    out << "\nwarnings:\n";
    for (const v1::Warning& w : r.warnings()) {
      out << "  " << (w.source().empty() ? "" : w.source() + ": ")
          << w.message() << "\n";
    }
  }
  if (!r.impacted_consumers().empty() || !r.policy_violations().empty() ||
      !r.warnings().empty()) {
    out << "\n";
  }
  out << VerdictLine(c) << "\n";
}

// Errors: a refusal, breaking changes (warnings once --allow-breaking has
// accepted them), a version that does not make the bump, enforced policy
// denials. Notices: compatible changes. Warnings: the rest of the policies
// and the server's warnings. Cosmetic changes are not annotated, as in
// `contract diff`. The summary follows as plain log lines.
void PrintCheckGithub(const CheckReport& c, std::ostream& out) {
  const v1::CompatibilityReport& r = c.report;
  const std::string& file = c.contract->file;
  if (c.refused) {
    out << Annotation("error", file, {}, "contract refused by the server",
                      c.reason.empty()
                          ? c.error
                          : absl::StrCat(c.error, " (", c.reason, ")"))
        << "\n";
  }
  bool allowed = c.verdict() == CheckVerdict::kBreakingAllowed;
  for (const v1::ContractChange& change : r.changes()) {
    if (change.kind() != v1::CHANGE_KIND_BREAKING &&
        change.kind() != v1::CHANGE_KIND_COMPATIBLE) {
      continue;
    }
    bool breaking = change.kind() == v1::CHANGE_KIND_BREAKING;
    out << Annotation(
               breaking ? (allowed ? "warning" : "error") : "notice", file,
               PositionOf(change),
               absl::StrCat(breaking ? "breaking change under "
                                     : "compatible change under ",
                            c.mode(), " (", change.change(), ")"),
               absl::StrCat(change.path(), ": ", ChangeExplanation(r, change)))
        << "\n";
  }
  if (!r.version_satisfied()) {
    out << Annotation("error", file,
                      TopLevelKeyPosition(c.contract->text, "version"),
                      "contract version bump",
                      r.version_message().empty()
                          ? "the version does not make the required bump"
                          : r.version_message())
        << "\n";
  }
  for (const v1::PolicyViolation& v : r.policy_violations()) {
    out << Annotation(
               Denies(v) ? "error" : "warning", file, {},
               absl::StrCat("policy ", v.policy(), " (", v.effect(), ")"),
               v.message())
        << "\n";
  }
  for (const v1::Warning& w : r.warnings()) {
    out << Annotation("warning", file, {},
                      w.source().empty() ? "contract warning" : w.source(),
                      w.message())
        << "\n";
  }
  out << ReportCountLine(r) << "\n" << ReportBumpLine(r) << "\n";
  for (const v1::ImpactedConsumer& i : r.impacted_consumers()) {
    out << "impacted consumer: " << ShortProductName(i.consumer()) << " via "
        << i.via() << " of " << ShortProductName(i.output_port());
    if (!i.owner_team().empty()) out << " (" << i.owner_team() << ")";
    out << "\n";
  }
  out << VerdictLine(c) << "\n";
}

nlohmann::json CheckJson(const CheckReport& c) {
  return {{"file", c.contract->file},
          {"report", nlohmann::json::parse(MessageToJson(c.report))},
          {"verdict", VerdictName(c.verdict())},
          {"ok", c.ok()},
          {"error", c.error},
          {"reason", c.reason}};
}

// Prints the report in `style` and returns the exit code of `check`.
int PrintCheck(Env& env, ReportStyle style, const CheckReport& c) {
  switch (style) {
    case ReportStyle::kJson:
    case ReportStyle::kYaml:
      PrintDocument(style, CheckJson(c), env.out());
      break;
    case ReportStyle::kGithub:
      PrintCheckGithub(c, env.out());
      break;
    case ReportStyle::kText:
      PrintCheckText(c, env.out());
      break;
  }
  return c.ok() ? kExitOk : kExitRefused;
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
  return env.client().Call([&](grpc::ClientContext* ctx) {
    return env.client().contracts().PublishContract(ctx, request, response);
  });
}

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
  grpc::Status status = env.client().Call([&](grpc::ClientContext* ctx) {
    return env.client().contracts().GetContractVersion(
        ctx, get, response.mutable_version());
  });
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
    status = env.client().Call([&](grpc::ClientContext* ctx) {
      return env.client().contracts().GetContract(ctx, get_contract,
                                                  response.mutable_contract());
    });
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
  request.set_validate_only(env.dry_run());
  request.set_request_id(env.NextRequestId());
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
  details.Add("UID", c.uid());
  details.Add("Created", FormatTimestamp(c.create_time()));
  details.Add("Updated", FormatTimestamp(c.update_time()));
  details.Add("Etag", c.etag());
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
    grpc::Status status = env.client().Call([&](grpc::ClientContext* ctx) {
      return env.client().contracts().GetContract(ctx, request, &response);
    });
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
  grpc::Status status = env.client().Call([&](grpc::ClientContext* ctx) {
    return env.client().contracts().GetContractVersion(ctx, request, &response);
  });
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
  v1::ListContractsResponse merged;
  std::string next;
  grpc::Status status = FetchPages(
      /*all=*/true, "",
      [&](const std::string& token, v1::ListContractsResponse* page) {
        request.set_page_token(token);
        return env.client().Call([&](grpc::ClientContext* ctx) {
          return env.client().contracts().ListContracts(ctx, request, page);
        });
      },
      [](const v1::ListContractsResponse& page,
         v1::ListContractsResponse* all) {
        all->mutable_contracts()->MergeFrom(page.contracts());
      },
      &merged, &next);
  if (!status.ok()) return env.Fail(status);
  return Show(env, merged, [&](std::ostream& out) {
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
  v1::ListContractVersionsResponse merged;
  std::string next;
  grpc::Status status = FetchPages(
      /*all=*/true, "",
      [&](const std::string& token, v1::ListContractVersionsResponse* page) {
        request.set_page_token(token);
        return env.client().Call([&](grpc::ClientContext* ctx) {
          return env.client().contracts().ListContractVersions(ctx, request,
                                                               page);
        });
      },
      [](const v1::ListContractVersionsResponse& page,
         v1::ListContractVersionsResponse* all) {
        all->mutable_contract_versions()->MergeFrom(page.contract_versions());
      },
      &merged, &next);
  if (!status.ok()) return env.Fail(status);
  return Show(env, merged, [&](std::ostream& out) {
    Table table(
        {"VERSION", "STATUS", "PUBLISHED BY", "CREATED", "BUMP", "CHANGES"});
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
  request.set_validate_only(env.dry_run());
  request.set_request_id(env.NextRequestId());
  v1::Contract response;
  grpc::Status status = env.client().Call([&](grpc::ClientContext* ctx) {
    return env.client().contracts().DeprecateContract(ctx, request, &response);
  });
  if (!status.ok()) return env.Fail(status);
  return ShowWrite(env, response,
                   absl::StrCat("contract/", ShortContractName(*name)),
                   "deprecated");
}

FlagSpec ProductFlag(const std::string& help) {
  return {"product", 0, true, false, "DOMAIN/PRODUCT", help};
}

FlagSpec ModeFlag(const std::string& help) {
  return {"mode", 0, true, false, "MODE", help};
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

constexpr char kContractHelp[] =
    "NAME is the contract id (the ODCS document's `id`, e.g. orders-v1) or "
    "contracts/ID.";

}  // namespace

void RegisterContractCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"contract", "lint"},
       "-f FILE [-f FILE...]",
       "validate ODCS v3 data contracts offline",
       "Parses each file and checks it against the rules of the Open Data "
       "Contract Standard v3 (docs/contracts.md), printing every issue with "
       "its file, line:column and path. Needs no server. Exit 0 when every "
       "file is valid, 2 when one is invalid, unreadable or not YAML.",
       {{"filename", 'f', true, true, "FILE", "contract file (repeatable)"},
        FormatFlag()},
       0,
       0,
       {"meshplane contract lint -f contracts/orders.odcs.yaml",
        "meshplane contract lint -f orders.odcs.yaml --format github"},
       Lint});
  commands->push_back(
      {{"contract", "diff"},
       "OLD NEW",
       "classify the changes between two versions of a contract offline",
       "Compares two versions of one contract under a compatibility mode "
       "(FULL, BACKWARD, FORWARD, their _TRANSITIVE forms, which with two "
       "files mean the same as the plain ones, or NONE; default FULL, under "
       "which no change that can break an existing consumer passes: removing "
       "a property, optional or not, is breaking) "
       "and prints each change as breaking, compatible or cosmetic with an "
       "explanation that starts with that verdict, the "
       "verdict, and the semver bump the changes require against the bump "
       "from OLD's version to NEW's. Needs no server. Exit 0 when nothing "
       "breaks and NEW's version makes the required bump, 1 when a change "
       "breaks or the bump is too small, 2 when a file is invalid.",
       {{"mode", 0, true, false, "MODE",
         "FULL (default), BACKWARD, FORWARD, BACKWARD_TRANSITIVE, "
         "FORWARD_TRANSITIVE, FULL_TRANSITIVE or NONE"},
        FormatFlag()},
       2,
       2,
       {"meshplane contract diff published.odcs.yaml orders.odcs.yaml",
        "meshplane contract diff old.yaml new.yaml --mode BACKWARD -o json"},
       Diff});
  commands->push_back(
      {{"contract", "check"},
       "-f FILE",
       "check a contract against its published versions on the server",
       "The CI check before a merge. Lints FILE locally (an invalid file is "
       "reported as by 'contract lint', and nothing is sent), then asks the "
       "server for a dry run of its publish (PublishContract with "
       "validate_only): the changes against the published versions under the "
       "contract's mode (or --mode), the semver bump they require, the "
       "consumers a breaking change hits, and the contract.publish policies. "
       "Exit 0 when the server would accept the version and nothing breaks "
       "(or it breaks under a major bump and --allow-breaking is given); 1 "
       "when it would not accept it, a change breaks without "
       "--allow-breaking, or the server refuses; 2 for an invalid file or bad "
       "flags; 3 when the server cannot be reached.",
       {{"filename", 'f', true, false, "FILE", "the candidate contract"},
        ProductFlag("the owning data product (required for a new contract "
                    "whose document names none)"),
        ModeFlag("check under this mode instead of the contract's own: "
                 "BACKWARD, FORWARD, FULL, their _TRANSITIVE forms or NONE"),
        {"allow-breaking", 0, false, false, "",
         "accept breaking changes that the version's major bump declares"},
        FormatFlag()},
       0,
       0,
       {"meshplane contract check -f contracts/orders.odcs.yaml",
        "meshplane contract check -f orders.odcs.yaml --format github",
        "meshplane contract check -f orders.odcs.yaml --allow-breaking -o "
        "json"},
       Check});
  commands->push_back(
      {{"contract", "convert"},
       "-f FILE --to VERSION",
       "convert a contract to another ODCS version offline",
       "Writes FILE as ODCS VERSION (v3.1.0 or v3.2.0) to stdout and lists "
       "on stderr, with FILE:line:column, every field the target version "
       "cannot carry (from v3.2.0 to v3.1.0: context, synonyms, "
       "semanticType, deprecated, relationship ids, SLA custom properties, "
       "map key and value definitions, vector options other than its "
       "dimensions; an enum becomes an invalidValues rule). Nothing is "
       "dropped silently: when a field would be lost nothing is written "
       "unless --allow-loss is given. Values, variables such as "
       "${DB_HOST:-localhost} included, are kept as written; comments and "
       "layout are not. Needs no server. Exit 0 when written, 1 when a field "
       "would be lost without --allow-loss or the result would not be valid "
       "in VERSION (e.g. v3.1.0 requires status), 2 for an invalid file or "
       "version.",
       {{"filename", 'f', true, false, "FILE", "the contract to convert"},
        {"to", 0, true, false, "VERSION", "v3.1.0 or v3.2.0"},
        {"allow-loss", 0, false, false, "",
         "write the document even though fields are lost (still listed)"}},
       0,
       0,
       {"meshplane contract convert -f orders.odcs.yaml --to v3.1.0",
        "meshplane contract convert -f old.odcs.yaml --to v3.2.0 > "
        "new.odcs.yaml"},
       ConvertCommand});
  RegisterContractTestCommand(commands);
  commands->push_back(
      {{"contract", "publish"},
       "-f FILE",
       "publish a new version of a contract",
       "Lints FILE locally, then publishes it: the document's `id` names the "
       "contract (created on its first version) and its `version` the new "
       "version. The server refuses an incompatible change without a major "
       "bump and a contract.publish policy's denial, and prints the report "
       "then (exit 1). With --dry-run nothing is written and the exit code "
       "says whether the publish would go through.",
       {{"filename", 'f', true, false, "FILE", "the contract to publish"},
        ProductFlag("the owning data product, on the first version"),
        ModeFlag("set the contract's compatibility mode (default FULL for "
                 "a new contract; an existing one keeps its own)"),
        {"label", 0, true, true, "KEY=VALUE",
         "a label of the contract (replaces them all)"}},
       0,
       0,
       {"meshplane contract publish -f contracts/orders.odcs.yaml --product "
        "sales/orders",
        "meshplane contract publish -f orders.odcs.yaml --mode FULL --label "
        "tier=1 --dry-run"},
       Publish});
  commands->push_back(
      {{"contract", "get"},
       "NAME",
       "show a contract, or one of its versions",
       absl::StrCat(kContractHelp,
                    " With --version (a semver or latest), the version and "
                    "its compatibility report; with --original, the "
                    "document exactly as published (of the latest version "
                    "unless --version says otherwise)."),
       {{"version", 0, true, false, "VERSION", "a semver, or latest"},
        {"original", 0, false, false, "",
         "print the version's document byte for byte"}},
       1,
       1,
       {"meshplane contract get orders-v1",
        "meshplane contract get orders-v1 --version 1.2.0 -o yaml",
        "meshplane contract get orders-v1 --version latest --original > "
        "published.odcs.yaml"},
       Get});
  commands->push_back(
      {{"contract", "list"},
       "",
       "list contracts",
       "Every page; the flags become an AIP-160 filter, joined with AND.",
       {ProductFlag("only the contracts of this data product"),
        {"domain", 0, true, false, "DOMAIN",
         "only the contracts of DOMAIN's data products"},
        {"state", 0, true, false, "STATE", "ACTIVE or DEPRECATED"}},
       0,
       0,
       {"meshplane contract list --domain sales",
        "meshplane contract list --product sales/orders -o json",
        "meshplane contract list --state deprecated"},
       List});
  commands->push_back(
      {{"contract", "history"},
       "NAME",
       "list the versions of a contract, newest first",
       absl::StrCat(kContractHelp,
                    " Each version with who published it and what its "
                    "compatibility report found against the versions "
                    "before it."),
       {},
       1,
       1,
       {"meshplane contract history orders-v1"},
       History});
  commands->push_back(
      {{"contract", "deprecate"},
       "NAME --message TEXT",
       "mark a contract as deprecated",
       absl::StrCat(kContractHelp,
                    " Consumers are told to move away; new versions can "
                    "still be published."),
       {{"message", 0, true, false, "TEXT",
         "why, and what consumers should use instead"},
        EtagFlag()},
       1,
       1,
       {"meshplane contract deprecate orders-v1 --message \"use orders-v2 "
        "(contracts/orders-v2)\""},
       Deprecate});
}

}  // namespace meshplane::cli
