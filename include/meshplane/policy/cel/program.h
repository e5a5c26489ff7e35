// Compiling and running CEL expressions: Meshplane's entry point to CEL.
//
//   Env env = Env::Standard();
//   env.AddVariable("resource", Type::Map(Type::String(), Type::Dyn()));
//   MP_ASSIGN_OR_RETURN(CompileResult c, Compile(env, "resource.tier == 1"));
//   if (c.program == nullptr) return Refuse(c.FormatIssues());
//   Activation act;
//   act.Bind("resource", *ValueFromJson(doc_json));
//   Value v = c.program->Evaluate(act);   // bool, or an error value
//
// Three kinds of failure, as in cel-cpp: mistakes in the expression are
// issues inside an OK CompileResult; CEL run-time errors (overflow, missing
// key, ...) are error Values returned by Evaluate; a non-OK absl::Status
// means the engine itself failed.
#ifndef MESHPLANE_POLICY_CEL_PROGRAM_H_
#define MESHPLANE_POLICY_CEL_PROGRAM_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "meshplane/policy/cel/activation.h"
#include "meshplane/policy/cel/checker.h"
#include "meshplane/policy/cel/source.h"
#include "meshplane/policy/cel/type.h"
#include "meshplane/policy/cel/value.h"

namespace meshplane::policy::cel {

namespace internal {
class EvalNode;
}  // namespace internal

// A compiled expression: an immutable tree of evaluation nodes with
// overloads resolved, constants folded and constant regular expressions
// compiled. Thread-safe: Evaluate may run concurrently from any number of
// threads on one Program; share it through std::shared_ptr<const Program>.
class Program {
 public:
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  // Evaluates the expression with the variables of `activation`. Returns
  // the result, or an error Value for a CEL run-time error (including an
  // unbound variable and an exhausted comprehension budget). Never throws.
  Value Evaluate(const Activation& activation) const;

  // The checked type of the result (dyn when compiled without checking).
  const Type& result_type() const { return result_type_; }
  // The expression text.
  const std::string& expression() const { return source_->text(); }

 private:
  friend class ProgramBuilder;
  Program() = default;

  std::shared_ptr<const Source> source_;
  std::unique_ptr<internal::EvalNode> root_;
  std::vector<std::string> globals_;  // slot i < globals_.size()
  int slot_count_ = 0;
  EvalOptions options_;
  Type result_type_;
};

// Options for Compile.
struct CompileOptions {
  // When false, the expression is parsed and planned without type checking
  // (undeclared variables and functions become run-time errors). The
  // conformance suite's disableCheck cases use this.
  bool type_check = true;
};

// The outcome of Compile: a program, or the issues that prevented one.
struct CompileResult {
  // Every problem found, in source order; empty when `program` is set.
  std::vector<Issue> issues;
  // The compiled program, or null if there are issues.
  std::shared_ptr<const Program> program;
  // The checked type of the expression (dyn if unchecked or on issues).
  Type result_type;
  // The source, for formatting issues.
  std::shared_ptr<const Source> source;

  // All issues, each as "ERROR: <input>:line:column: message" followed by
  // the source line and a caret under the column.
  std::string FormatIssues() const;
};

// Parses, type-checks and plans `expression` against `env`. Returns an OK
// result holding either a program or the issues (syntax errors, type
// errors, limits exceeded, invalid constant regular expressions). A non-OK
// status (INTERNAL) means only that the engine failed. Thread-safe.
absl::StatusOr<CompileResult> Compile(
    const Env& env, absl::string_view expression,
    const CompileOptions& options = CompileOptions());

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_PROGRAM_H_
