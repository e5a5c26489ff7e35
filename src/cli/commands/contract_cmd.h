// What the files of `meshplane contract` share: a contract file as the
// commands load it, the report styles, and the reports of lint, diff and
// check. Private to src/cli/commands (contract.cc, contract_offline.cc,
// contract_remote.cc, contract_report.cc, contract_check_report.cc).
#ifndef MESHPLANE_CLI_COMMANDS_CONTRACT_CMD_H_
#define MESHPLANE_CLI_COMMANDS_CONTRACT_CMD_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/commands/commands.h"
#include <nlohmann/json.hpp>

#include "meshplane/contract/compatibility.h"
#include "meshplane/contract/odcs.h"
#include "meshplane/contract/validate.h"
#include "meshplane/v1/contract.pb.h"

namespace meshplane::cli::contract_cmd {

namespace v1 = ::meshplane::v1;

// The commands (contract_offline.cc, contract_remote.cc).
int Lint(Env& env, const ParsedArgs& args);
int Diff(Env& env, const ParsedArgs& args);
int ConvertCommand(Env& env, const ParsedArgs& args);
int Check(Env& env, const ParsedArgs& args);
int Publish(Env& env, const ParsedArgs& args);
int Get(Env& env, const ParsedArgs& args);
int List(Env& env, const ParsedArgs& args);
int History(Env& env, const ParsedArgs& args);
int Deprecate(Env& env, const ParsedArgs& args);

// How a report is printed: -o picks text (table), JSON or YAML; --format
// github picks workflow commands.
enum class ReportStyle { kText, kJson, kYaml, kGithub };

// The style of --format and -o; INVALID_ARGUMENT names the flag.
absl::StatusOr<ReportStyle> StyleOf(const Env& env, const ParsedArgs& args);

// `doc` as indented JSON, or as YAML for kYaml.
void PrintDocument(ReportStyle style, const nlohmann::json& doc,
                   std::ostream& out);

// `::error file=F,line=L,col=C,title=T::message`; line and col are left out
// when unknown (0), which makes GitHub annotate the file as a whole.
std::string Annotation(absl::string_view level, absl::string_view file,
                       contract::SourcePosition position,
                       absl::string_view title, absl::string_view message);

// "FILE:LINE:COLUMN", "FILE:LINE" or "FILE", as compilers print it.
std::string Where(absl::string_view file, contract::SourcePosition position);

// `path`, or "(document)" when it is empty.
std::string PathOrDocument(const std::string& path);

// The line of the top-level `key:` in the YAML text (0 when absent), for
// annotations about a field the model keeps no position for (`version`).
contract::SourcePosition TopLevelKeyPosition(const std::string& text,
                                             absl::string_view key);

// One contract file, read, parsed and validated.
struct LoadedContract {
  std::string file;
  std::string text;
  // Why the file could not be checked at all: unreadable, not YAML, or not
  // a mapping. Empty when it was parsed.
  std::string error;
  bool unreadable = false;
  contract::SourcePosition error_position;
  contract::ValidatedDocument validated;

  bool valid() const { return error.empty() && validated.issues.empty(); }
  const contract::Document& document() const { return validated.document; }
};

// Reads, parses and validates `file` (contract_offline.cc); what went wrong
// is in the result.
LoadedContract LoadContract(const std::string& file);

// One file's lint report: as a JSON object, and as text or workflow
// commands.
nlohmann::json LintJson(const LoadedContract& c);
void PrintLint(ReportStyle style, const LoadedContract& c, std::ostream& out);

// Reports input files being unusable (exit 2): their lint report, then why
// nothing was compared or sent. Returns kExitUsage.
int ReportInvalidInput(Env& env, ReportStyle style,
                       const std::vector<const LoadedContract*>& contracts,
                       const std::string& error);

// What `contract diff` found, with the two files it compared.
struct DiffReport {
  const LoadedContract* old_contract;
  const LoadedContract* new_contract;
  contract::Verdict verdict;
  // The bump from OLD's version to NEW's, when both are semver.
  std::string actual_bump;

  // Removals point into the previous version (the element is gone from the
  // candidate); every other change points into the candidate.
  const std::string& FileOf(const contract::Change& c) const;
  // "compatible", "breaking" or "insufficient_bump" (a compatible change
  // under a version that does not say so).
  std::string Outcome() const {
    if (!verdict.compatible) return "breaking";
    return verdict.version_satisfied ? "compatible" : "insufficient_bump";
  }
};

// "major", "minor", "patch" or "none" from one semver to the next; "" when
// either is not semver.
std::string BumpBetweenVersions(const std::string& old_version,
                                const std::string& new_version);

nlohmann::json DiffJson(const DiffReport& r);
void PrintDiffText(const DiffReport& r, std::ostream& out);
void PrintDiffGithub(const DiffReport& r, std::ostream& out);

// The server's report (contract_check_report.cc).

// "BACKWARD", "FULL_TRANSITIVE", ...; "" for UNSPECIFIED.
std::string ProtoModeName(v1::CompatibilityMode mode);
// "major", "minor", "patch"; "" for UNSPECIFIED (no bump needed or made).
std::string ProtoBumpName(v1::SemverBump bump);
// The severity words of `contract diff`, so that both reports read alike.
std::string SeverityOf(v1::ChangeKind kind);
std::string ShortContractName(absl::string_view name);
int CountKind(const v1::CompatibilityReport& report, v1::ChangeKind kind);
// "3 changes: 1 breaking, 2 compatible, 0 cosmetic" or "no changes", as
// `contract diff` prints it.
std::string ReportCountLine(const v1::CompatibilityReport& r);
// "1.0.0 -> 1.1.0 is a minor bump; the changes require minor (lowest:
// 1.1.0)", the line `contract diff` prints, from the server's fields.
std::string ReportBumpLine(const v1::CompatibilityReport& r);
// A violation that blocks a publish: an enforced DENY. WARN, approvals and
// dry-run policies are remarks.
bool Denies(const v1::PolicyViolation& v);
// "2 breaking, 1 compatible": the non-zero counts, for one-line summaries;
// "no changes" when there are none.
std::string ShortCounts(const v1::CompatibilityReport& r);
void PrintConsumers(const v1::CompatibilityReport& r, std::ostream& out);
// Changes found against an older version than the latest (TRANSITIVE
// modes) say which one.
std::string ChangeExplanation(const v1::CompatibilityReport& r,
                              const v1::ContractChange& c);

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

void PrintCheckText(const CheckReport& c, std::ostream& out);
// Prints the report in `style` and returns the exit code of `check`.
int PrintCheck(Env& env, ReportStyle style, const CheckReport& c);

}  // namespace meshplane::cli::contract_cmd

#endif  // MESHPLANE_CLI_COMMANDS_CONTRACT_CMD_H_
