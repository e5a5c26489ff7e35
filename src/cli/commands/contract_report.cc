// The reports of the offline contract commands (lint, diff, convert):
// text for people, with compiler-style FILE:LINE:COLUMN prefixes that
// editors and terminals make clickable; JSON or YAML for scripts (-o); and
// GitHub Actions workflow commands (--format github) so that each issue
// lands on its line in a pull request. The server's check report, in the
// same three shapes, is in contract_check_report.cc.
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
#include <nlohmann/json.hpp>

#include "meshplane/contract/compatibility.h"
#include "meshplane/contract/odcs.h"
#include "meshplane/contract/semver.h"
#include "meshplane/contract/validate.h"

namespace meshplane::cli::contract_cmd {

namespace mc = ::meshplane::contract;
namespace v1 = ::meshplane::v1;

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

namespace {

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

}  // namespace

const std::string& DiffReport::FileOf(const mc::Change& c) const {
  return PointsIntoPrevious(c.kind) ? old_contract->file : new_contract->file;
}

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

}  // namespace meshplane::cli::contract_cmd
