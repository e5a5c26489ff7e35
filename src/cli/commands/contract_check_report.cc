// The report of `contract check` and `contract publish`: what the server's
// ContractService found (its CompatibilityReport, or the refusal that
// carries one), printed as text, JSON/YAML or GitHub workflow commands in
// the words `contract diff` uses, so that the offline and the server-side
// reports read alike.
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

#include "meshplane/contract/odcs.h"
#include "meshplane/v1/contract.pb.h"

namespace meshplane::cli::contract_cmd {

namespace mc = ::meshplane::contract;
namespace v1 = ::meshplane::v1;

// "BACKWARD", "FULL_TRANSITIVE", ...; "" for UNSPECIFIED.
std::string ProtoModeName(v1::CompatibilityMode mode) {
  if (mode == v1::COMPATIBILITY_MODE_UNSPECIFIED) return "";
  return std::string(absl::StripPrefix(v1::CompatibilityMode_Name(mode),
                                       "COMPATIBILITY_MODE_"));
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

std::string ShortContractName(absl::string_view name) {
  return std::string(absl::StripPrefix(name, "contracts/"));
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

}  // namespace meshplane::cli::contract_cmd
