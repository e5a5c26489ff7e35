#include "cli/commands/cel_eval.h"

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "meshplane/policy/cel/activation.h"
#include "meshplane/policy/cel/checker.h"
#include "meshplane/policy/cel/json.h"
#include "meshplane/policy/cel/program.h"
#include "meshplane/policy/cel/source.h"

namespace meshplane::cli {
namespace {

namespace cel = ::meshplane::policy::cel;

constexpr char kUsage[] =
    "usage: meshplane cel eval 'EXPR' [--var name=JSON ...]\n"
    "  e.g. meshplane cel eval 'resource.tier == 1' "
    "--var 'resource={\"tier\": 1}'\n";

}  // namespace

int RunCelEval(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  std::optional<std::string> expr;
  std::vector<std::pair<std::string, std::string>> vars;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string binding;
    if (arg == "--var") {
      if (i + 1 >= args.size()) {
        err << "cel eval: --var needs name=JSON\n" << kUsage;
        return 2;
      }
      binding = args[++i];
    } else if (absl::StartsWith(arg, "--var=")) {
      binding = arg.substr(6);
    } else if (arg == "-h" || arg == "--help") {
      out << kUsage;
      return 0;
    } else if (absl::StartsWith(arg, "--")) {
      err << "cel eval: unknown flag " << arg << "\n" << kUsage;
      return 2;
    } else if (expr.has_value()) {
      err << "cel eval: more than one expression given (quote the "
             "expression)\n"
          << kUsage;
      return 2;
    } else {
      expr = arg;
      continue;
    }
    size_t eq = binding.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "cel eval: --var wants name=JSON, got '" << binding << "'\n";
      return 2;
    }
    vars.emplace_back(binding.substr(0, eq), binding.substr(eq + 1));
  }
  if (!expr.has_value()) {
    err << "cel eval: no expression given\n" << kUsage;
    return 2;
  }

  // The language of policies, extension libraries included.
  cel::Env env = cel::Env::Extended();
  cel::Activation activation;
  for (const auto& [name, json] : vars) {
    absl::StatusOr<cel::Value> value = cel::ValueFromJson(json);
    if (!value.ok()) {
      err << "cel eval: --var " << name << ": " << value.status().message()
          << "\n";
      return 2;
    }
    env.AddVariable(name, cel::Type::Dyn());
    activation.Bind(name, *std::move(value));
  }

  absl::StatusOr<cel::CompileResult> compiled = cel::Compile(env, *expr);
  if (!compiled.ok()) {
    err << "cel eval: internal error: " << compiled.status() << "\n";
    return 2;
  }
  if (compiled->program == nullptr) {
    err << compiled->FormatIssues() << "\n";
    return 2;
  }
  cel::Value result = compiled->program->Evaluate(activation);
  if (result.IsError()) {
    cel::Issue issue = compiled->source->MakeIssue(
        result.error_offset() < 0 ? 0 : result.error_offset(),
        absl::StrCat("evaluation error: ", result.error_message()));
    err << compiled->source->Format(issue) << "\n";
    return 1;
  }
  out << result.DebugString() << "\n";
  return 0;
}

}  // namespace meshplane::cli
