// The CEL type checker and its environment of declarations.
//
//   Env env = Env::Standard();
//   env.AddVariable("resource", Type::Map(Type::String(), Type::Dyn()));
//   CheckResult r = Check(env, source, ast);
//   if (!r.issues.empty()) { ... }   // undeclared references, bad overloads
#ifndef MESHPLANE_POLICY_CEL_CHECKER_H_
#define MESHPLANE_POLICY_CEL_CHECKER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

#include "meshplane/policy/cel/ast.h"
#include "meshplane/policy/cel/parser.h"
#include "meshplane/policy/cel/source.h"
#include "meshplane/policy/cel/type.h"

namespace meshplane::policy::cel {

namespace internal {
class FunctionRegistry;
}  // namespace internal

// Limits applied when a compiled program runs.
struct EvalOptions {
  // Total loop iterations across all comprehensions of one evaluation; past
  // it the evaluation yields an error value.
  int64_t comprehension_budget = 100000;
  // Values built during one evaluation, in elements (a list or map entry
  // counts one, a string or bytes one per 16 bytes); past it the
  // evaluation yields an error value. Bounds memory per evaluation.
  int64_t allocation_budget = int64_t{4} << 20;
  // Largest weight (values reachable, shared structure counted per
  // reference) of a list or map; bounds the work of comparing or printing.
  uint64_t max_value_weight = uint64_t{1} << 22;
};

// CEL's extension libraries beyond the strings extension, as cel-go's ext
// package and the CEL specification define them. Each is enabled per
// environment (Env::Enable); none is enabled by Env::Standard().
enum class Library : uint32_t {
  // optional_type(T), optional.of/ofNonZeroValue/none, hasValue, value, or,
  // orValue, optMap, optFlatMap; the syntax a.?b, a[?k], [?x], {?k: v}.
  kOptional = 1u << 0,
  // The cel.bind(name, init, expr) macro.
  kBindings = 1u << 1,
  // math.greatest/least, ceil, floor, round, trunc, abs, sign, isNaN,
  // isInf, isFinite, sqrt, bitAnd/Or/Xor/Not, bitShiftLeft/Right.
  kMath = 1u << 2,
  // base64.encode, base64.decode.
  kEncoders = 1u << 3,
  // slice, flatten, distinct, reverse, sort, sortBy, first, last,
  // lists.range.
  kLists = 1u << 4,
  // sets.contains, sets.equivalent, sets.intersects.
  kSets = 1u << 5,
};

// Declarations visible to expressions: variables with their types and the
// function library (the standard library plus the strings extension, and
// the extension libraries enabled). Copyable; a copy is independent. Not
// synchronised: build it, then share it read-only.
class Env {
 public:
  // The standard library and the strings extension; no variables.
  static Env Standard();
  // Standard() with every extension library of `Library` enabled.
  static Env Extended();

  // Enables an extension library: its functions, and its syntax and macros
  // in parser_options(). Enabling twice is harmless.
  Env& Enable(Library library);
  bool Enabled(Library library) const {
    return (libraries_ & static_cast<uint32_t>(library)) != 0;
  }

  // Declares (or redeclares) a variable. Dotted names such as "a.b" are
  // allowed and resolve the expression `a.b` as one identifier.
  Env& AddVariable(std::string name, Type type);

  // The declared type of `name`, or nullptr.
  const Type* FindVariable(absl::string_view name) const;

  const internal::FunctionRegistry& functions() const { return *functions_; }

  ParserOptions& parser_options() { return parser_options_; }
  const ParserOptions& parser_options() const { return parser_options_; }
  EvalOptions& eval_options() { return eval_options_; }
  const EvalOptions& eval_options() const { return eval_options_; }

 private:
  Env() = default;
  absl::flat_hash_map<std::string, Type> variables_;
  const internal::FunctionRegistry* functions_ = nullptr;
  uint32_t libraries_ = 0;
  ParserOptions parser_options_;
  EvalOptions eval_options_;
};

// What the checker learned about one node.
struct Reference {
  // For identifiers and select chains that name a declared variable: its
  // full (possibly dotted) name.
  std::string variable;
  // For identifiers that name a type (int, list, google.protobuf.Timestamp):
  // the type value's name.
  std::string type_name;
  // For calls: the overloads (registry indices) that may apply.
  std::vector<int> overloads;
  // For calls written as receiver calls that are really namespaced global
  // functions (strings.quote(s)): the function name.
  std::string qualified_function;
};

// The outcome of checking: the type of each node, references, and issues.
struct CheckResult {
  std::vector<Issue> issues;
  Type result_type;
  absl::flat_hash_map<int64_t, Type> types;
  absl::flat_hash_map<int64_t, Reference> references;
};

// Type-checks `ast` against `env`. Reports every issue (each with a
// position in `source`) rather than stopping at the first. Thread-safe for
// concurrent calls with distinct ASTs.
CheckResult Check(const Env& env, const Source& source, const Ast& ast);

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_CHECKER_H_
