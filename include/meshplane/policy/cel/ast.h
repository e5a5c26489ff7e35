// The CEL abstract syntax tree produced by the parser.
//
// Macros are kept as high-level comprehension nodes (not expanded into
// CEL's generic fold), which keeps type checking and planning simple and
// lets the planner emit specialised loops.
#ifndef MESHPLANE_POLICY_CEL_AST_H_
#define MESHPLANE_POLICY_CEL_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "meshplane/policy/cel/value.h"

namespace meshplane::policy::cel {

enum class ExprKind : uint8_t {
  kConst,          // const_value
  kIdent,          // name
  kSelect,         // operand.name, or has(operand.name) if test_only
  kCall,           // name(args) or target.name(args)
  kList,           // [args...]
  kMap,            // {keys[i]: args[i]}
  kComprehension,  // macro over target, see MacroKind
};

// The macros of the CEL spec ("Macros"), the two-variable forms of the
// comprehensions extension, and the macros of the extension libraries.
// For kBind, iter_var is the name, target the initialiser and args[0] the
// body; for kOptMap/kOptFlatMap, target is the optional and args[0] the
// body; for kSortBy, target is the list and args[0] the key.
enum class MacroKind : uint8_t {
  kNone,
  kAll,            // all(x, p)          | all(i, v, p)
  kExists,         // exists(x, p)       | exists(i, v, p)
  kExistsOne,      // exists_one(x, p)   | existsOne(i, v, p)
  kMap,            // map(x, t)          (args: t)
  kMapFilter,      // map(x, p, t)       (args: p, t)
  kFilter,         // filter(x, p)
  kTransformList,  // transformList(i, v, t) / (i, v, p, t)
  kTransformMap,   // transformMap(k, v, t) / (k, v, p, t)
  kBind,           // cel.bind(x, init, body)
  kOptMap,         // opt.optMap(x, t)
  kOptFlatMap,     // opt.optFlatMap(x, t)
  kSortBy,         // list.sortBy(x, key)
};

// One node. Children are owned. `id` is unique within an AST; `offset` is
// the byte offset of the node's token in the source.
struct Expr {
  int64_t id = 0;
  int32_t offset = 0;
  ExprKind kind = ExprKind::kConst;

  Value const_value;  // kConst
  // kIdent: the identifier; kSelect: the field; kCall: the function name.
  std::string name;
  // kSelect operand, kCall receiver (null for global calls), comprehension
  // range.
  std::unique_ptr<Expr> target;
  bool test_only = false;  // kSelect inside has()
  // kCall arguments, kList elements, kMap values, comprehension bodies
  // (predicate / filter / transform, in source order).
  std::vector<std::unique_ptr<Expr>> args;
  std::vector<std::unique_ptr<Expr>> keys;  // kMap keys
  // kList / kMap: 1 where the element or entry is optional ([?x],
  // {?k: v}): included only when its optional value is present. Empty
  // when no entry is optional.
  std::vector<uint8_t> optional_entries;
  MacroKind macro = MacroKind::kNone;  // kComprehension
  std::string iter_var;                // kComprehension
  std::string iter_var2;  // kComprehension: value variable of 2-var forms
};

// A parsed expression: the root node and the number of nodes.
struct Ast {
  std::unique_ptr<Expr> root;
  int64_t node_count = 0;
};

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_AST_H_
