// The CEL parser: text -> Ast (CEL spec, "Syntax").
//
//   ParseResult r = Parse(Source("a.b + 1"));
//   if (!r.issues.empty()) { ... }   // syntax errors, with positions
//   const Expr& root = *r.ast.root;
#ifndef MESHPLANE_POLICY_CEL_PARSER_H_
#define MESHPLANE_POLICY_CEL_PARSER_H_

#include <vector>

#include "meshplane/policy/cel/ast.h"
#include "meshplane/policy/cel/source.h"

namespace meshplane::policy::cel {

// Limits that keep hostile input from exhausting the stack or memory. An
// expression over a limit is rejected with an issue that names the limit.
struct ParserOptions {
  // Maximum size of the expression in bytes.
  int max_expression_size = 100000;
  // Maximum syntactic nesting (parentheses, brackets, calls, unary
  // operators, member chains) and maximum height of the resulting tree.
  int max_recursion_depth = 250;
  // Maximum number of AST nodes.
  int max_node_count = 50000;
  // Syntax and macros of the extension libraries; Env::Enable sets them.
  // Optional syntax: a.?b, a[?k], [?x], {?k: v}, and the optMap and
  // optFlatMap macros.
  bool enable_optional_syntax = false;
  // cel.bind(name, init, expr).
  bool enable_bind_macro = false;
  // math.greatest(a, b, ...) and math.least(a, b, ...) with two or more
  // arguments (which the parser gathers into one list argument).
  bool enable_math_macros = false;
  // list.sortBy(e, key).
  bool enable_lists_macros = false;
};

// The outcome of parsing: an AST when `issues` is empty.
struct ParseResult {
  Ast ast;
  std::vector<Issue> issues;
};

// Parses `source`. Never fails: problems are returned as issues (the first
// syntax error stops parsing; it says what was expected at which
// line:column). The result does not reference `source`. Thread-safe.
ParseResult Parse(const Source& source,
                  const ParserOptions& options = ParserOptions());

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_PARSER_H_
