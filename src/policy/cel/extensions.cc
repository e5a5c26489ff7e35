// CEL's extension libraries beyond the strings extension (see
// cel::Library): optional types, math, encoders, lists and sets, as cel-go's
// ext package documents them. Macros (cel.bind, optMap, optFlatMap, sortBy,
// math.greatest/least with several arguments) are the parser's and the
// planner's; the functions are here.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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

// ---------------------------------------------------------------------------
// Math (cel-go ext: Math).

Value Identity(const Value* a, int) { return a[0]; }

bool IsNumber(const Value& v) {
  return v.kind() == ValueKind::kInt || v.kind() == ValueKind::kUint ||
         v.kind() == ValueKind::kDouble;
}

// math.greatest / math.least over a list (the parser gathers several
// arguments into one): numbers of any numeric kind, compared as numbers;
// the first of equal values wins.
template <bool kGreatest>
Value Extreme(const Value* a, int) {
  const char* name = kGreatest ? "math.greatest" : "math.least";
  const ListValue& l = a[0].list();
  if (l.size() == 0) {
    return Value::Error(absl::StrCat(name, "(): the list is empty"));
  }
  const Value* best = nullptr;
  for (const Value& v : l) {
    if (!IsNumber(v)) {
      return Value::Error(
          absl::StrCat("no such overload: ", name, "() of ", v.TypeName()));
    }
    if (best == nullptr) {
      best = &v;
      continue;
    }
    int cmp;
    bool unordered;
    CompareValues(v, *best, &cmp, &unordered);
    if (!unordered && (kGreatest ? cmp > 0 : cmp < 0)) best = &v;
  }
  return *best;
}

template <double (*F)(double)>
Value DoubleFn(const Value* a, int) {
  return Value::Double(F(a[0].double_value()));
}

Value AbsInt(const Value* a, int) {
  int64_t i = a[0].int_value();
  if (i == std::numeric_limits<int64_t>::min()) {
    return Value::Error("return error for overflow");
  }
  return Value::Int(i < 0 ? -i : i);
}

Value AbsDouble(const Value* a, int) {
  return Value::Double(std::fabs(a[0].double_value()));
}

Value SignInt(const Value* a, int) {
  int64_t i = a[0].int_value();
  return Value::Int(i > 0 ? 1 : (i < 0 ? -1 : 0));
}

Value SignUint(const Value* a, int) {
  return Value::Uint(a[0].uint_value() > 0 ? 1 : 0);
}

Value SignDouble(const Value* a, int) {
  double d = a[0].double_value();
  if (std::isnan(d)) return a[0];
  return Value::Double(d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0));
}

Value IsNaN(const Value* a, int) {
  return Value::Bool(std::isnan(a[0].double_value()));
}
Value IsInf(const Value* a, int) {
  return Value::Bool(std::isinf(a[0].double_value()));
}
Value IsFinite(const Value* a, int) {
  return Value::Bool(std::isfinite(a[0].double_value()));
}

double ToDouble(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kInt:
      return static_cast<double>(v.int_value());
    case ValueKind::kUint:
      return static_cast<double>(v.uint_value());
    default:
      return v.double_value();
  }
}

Value Sqrt(const Value* a, int) {
  return Value::Double(std::sqrt(ToDouble(a[0])));
}

enum class BitOp { kAnd, kOr, kXor };

template <BitOp kOp>
Value BitInt(const Value* a, int) {
  uint64_t x = static_cast<uint64_t>(a[0].int_value());
  uint64_t y = static_cast<uint64_t>(a[1].int_value());
  uint64_t r = kOp == BitOp::kAnd  ? (x & y)
               : kOp == BitOp::kOr ? (x | y)
                                   : (x ^ y);
  return Value::Int(static_cast<int64_t>(r));
}

template <BitOp kOp>
Value BitUint(const Value* a, int) {
  uint64_t x = a[0].uint_value(), y = a[1].uint_value();
  return Value::Uint(kOp == BitOp::kAnd  ? (x & y)
                     : kOp == BitOp::kOr ? (x | y)
                                         : (x ^ y));
}

Value BitNotInt(const Value* a, int) { return Value::Int(~a[0].int_value()); }
Value BitNotUint(const Value* a, int) {
  return Value::Uint(~a[0].uint_value());
}

// Shifts of 64 bits or more give 0; right shifts of ints do not extend the
// sign (cel-go: "vacant bits on the left are filled with 0").
template <bool kLeft>
Value Shift(const Value* a, int) {
  int64_t by = a[1].int_value();
  if (by < 0) {
    return Value::Error(
        absl::StrCat(kLeft ? "math.bitShiftLeft" : "math.bitShiftRight",
                     "(): negative offset ", by));
  }
  bool is_int = a[0].kind() == ValueKind::kInt;
  uint64_t x =
      is_int ? static_cast<uint64_t>(a[0].int_value()) : a[0].uint_value();
  uint64_t r = by >= 64 ? 0 : (kLeft ? x << by : x >> by);
  return is_int ? Value::Int(static_cast<int64_t>(r)) : Value::Uint(r);
}

// ---------------------------------------------------------------------------
// Lists (cel-go ext: Lists).

Value TooLarge() { return Value::Error("value too large"); }

bool ToIndex(const Value& v, int64_t* out) {
  if (v.kind() != ValueKind::kInt) return false;
  *out = v.int_value();
  return true;
}

Value Slice(const Value* a, int) {
  const ListValue& l = a[0].list();
  int64_t start, end;
  if (!ToIndex(a[1], &start) || !ToIndex(a[2], &end)) {
    return Value::Error("no such overload: slice");
  }
  if (start < 0 || end < 0) {
    return Value::Error(absl::StrCat("cannot slice(", start, ", ", end,
                                     "), negative indexes not supported"));
  }
  if (start > end) {
    return Value::Error(
        absl::StrCat("cannot slice(", start, ", ", end,
                     "), start index must be less than or equal to end index"));
  }
  if (static_cast<uint64_t>(end) > l.size()) {
    return Value::Error(absl::StrCat("cannot slice(", start, ", ", end,
                                     "), list is length ", l.size()));
  }
  return Value::List(std::vector<Value>(l.begin() + start, l.begin() + end));
}

// Appends the elements of `l`, flattening nested lists `depth` levels.
bool FlattenInto(const ListValue& l, int64_t depth, std::vector<Value>* out) {
  for (const Value& v : l) {
    if (v.kind() == ValueKind::kList && depth > 0) {
      if (!FlattenInto(v.list(), depth - 1, out)) return false;
    } else {
      out->push_back(v);
    }
    if (out->size() > kMaxCollectionSize) return false;
  }
  return true;
}

Value Flatten(const Value* a, int n) {
  int64_t depth = 1;
  if (n == 2) depth = a[1].int_value();
  if (depth < 0) {
    return Value::Error("flatten(): level must be non-negative");
  }
  // Nesting deeper than the value's weight cannot exist.
  depth = std::min<int64_t>(depth, 64);
  std::vector<Value> out;
  if (!FlattenInto(a[0].list(), depth, &out)) return TooLarge();
  return Value::List(std::move(out));
}

// A hash consistent with CEL equality (ValuesEqual): numbers hash by value
// across kinds (Value::Hash); lists by their elements in order, maps by
// their entries in any order (a sum), optionals by their value. Hashing
// collections by content keeps distinct() and the sets functions linear
// for lists of lists: the work is bounded by the value's weight.
size_t DeepHash(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kList: {
      size_t h = absl::HashOf(1, v.list().size());
      for (const Value& e : v.list()) h = absl::HashOf(h, DeepHash(e));
      return h;
    }
    case ValueKind::kMap: {
      size_t sum = 0;
      for (const auto& [k, e] : v.map()) {
        sum += absl::HashOf(DeepHash(k), DeepHash(e));
      }
      return absl::HashOf(2, v.map().size(), sum);
    }
    case ValueKind::kOptional:
      return v.optional_has_value()
                 ? absl::HashOf(3, DeepHash(v.optional_value()))
                 : absl::HashOf(4);
    default:
      return v.Hash();
  }
}

struct EqHash {
  size_t operator()(const Value* v) const { return DeepHash(*v); }
};
struct EqEq {
  bool operator()(const Value* a, const Value* b) const {
    return ValuesEqual(*a, *b);
  }
};
using ValueSet = absl::flat_hash_set<const Value*, EqHash, EqEq>;

Value Distinct(const Value* a, int) {
  ValueSet seen;
  std::vector<Value> out;
  for (const Value& v : a[0].list()) {
    if (seen.insert(&v).second) out.push_back(v);
  }
  return Value::List(std::move(out));
}

Value ReverseList(const Value* a, int) {
  const ListValue& l = a[0].list();
  return Value::List(
      std::vector<Value>(l.elements().rbegin(), l.elements().rend()));
}

Value Sort(const Value* a, int) {
  const ListValue& l = a[0].list();
  if (l.size() == 0) return a[0];
  ValueKind kind = l[0].kind();
  for (const Value& v : l) {
    if (!Sortable(v.kind()) || v.kind() != kind) {
      return Value::Error(absl::StrCat(
          "sort(): list elements must be of one comparable type, found '",
          l[0].TypeName(), "' and '", v.TypeName(), "'"));
    }
  }
  std::vector<Value> out = l.elements();
  std::stable_sort(out.begin(), out.end(), SortLess);
  return Value::List(std::move(out));
}

Value First(const Value* a, int) {
  const ListValue& l = a[0].list();
  return l.size() == 0 ? Value::OptionalNone() : Value::Optional(l[0]);
}

Value Last(const Value* a, int) {
  const ListValue& l = a[0].list();
  return l.size() == 0 ? Value::OptionalNone()
                       : Value::Optional(l[l.size() - 1]);
}

// The planner evaluates lists.range itself (charging the allocation budget
// first); this serves only unplanned dispatch.
Value Range(const Value* a, int) {
  int64_t n = std::max<int64_t>(a[0].int_value(), 0);
  if (n > static_cast<int64_t>(kMaxCollectionSize)) return TooLarge();
  std::vector<Value> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(Value::Int(i));
  return Value::List(std::move(out));
}

// ---------------------------------------------------------------------------
// Sets (cel-go ext: Sets). Membership uses CEL equality (1 == 1u == 1.0).

// Whether every element of b is in a.
bool ContainsAll(const ListValue& a, const ListValue& b) {
  if (b.size() == 0) return true;
  ValueSet set;
  for (const Value& v : a) set.insert(&v);
  for (const Value& v : b) {
    if (!set.contains(&v)) return false;
  }
  return true;
}

Value SetsContains(const Value* a, int) {
  return Value::Bool(ContainsAll(a[0].list(), a[1].list()));
}

Value SetsEquivalent(const Value* a, int) {
  return Value::Bool(ContainsAll(a[0].list(), a[1].list()) &&
                     ContainsAll(a[1].list(), a[0].list()));
}

Value SetsIntersects(const Value* a, int) {
  ValueSet set;
  for (const Value& v : a[0].list()) set.insert(&v);
  for (const Value& v : a[1].list()) {
    if (set.contains(&v)) return Value::Bool(true);
  }
  return Value::Bool(false);
}

// ---------------------------------------------------------------------------
// Encoders (cel-go ext: Encoders).

Value Base64Encode(const Value* a, int) {
  return Value::String(absl::Base64Escape(a[0].string_value()));
}

Value Base64Decode(const Value* a, int) {
  // Padding is optional, as in cel-go (which retries without it).
  std::string out;
  if (!absl::Base64Unescape(a[0].string_value(), &out)) {
    return Value::Error("base64.decode(): the string is not base64");
  }
  return Value::Bytes(std::move(out));
}

}  // namespace

bool Sortable(ValueKind k) {
  switch (k) {
    case ValueKind::kInt:
    case ValueKind::kUint:
    case ValueKind::kDouble:
    case ValueKind::kBool:
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kTimestamp:
    case ValueKind::kDuration:
      return true;
    default:
      return false;
  }
}

bool SortLess(const Value& a, const Value& b) {
  if (a.kind() == ValueKind::kDouble) {
    bool an = std::isnan(a.double_value()), bn = std::isnan(b.double_value());
    if (an || bn) return !an && bn;
  }
  int cmp = 0;
  bool unordered = false;
  CompareValues(a, b, &cmp, &unordered);
  return cmp < 0;
}

void AddListsLibrary(FunctionRegistry* r) {
  r->AddMember("slice", "list(A), int, int", "list(A)", Slice);
  // flatten() takes a list of lists (so that [1, 2].flatten() is refused
  // when checked, as in cel-go); flatten(n) any list.
  r->AddMember("flatten", "list(list(A))", "list(A)", Flatten);
  r->AddMember("flatten", "list(dyn), int", "list(dyn)", Flatten);
  r->AddMember("distinct", "list(A)", "list(A)", Distinct);
  r->AddMember("reverse", "list(A)", "list(A)", ReverseList);
  for (const char* t : {"int", "uint", "double", "bool", "string", "bytes",
                        "timestamp", "duration"}) {
    std::string list = absl::StrCat("list(", t, ")");
    r->AddMember("sort", list, list, Sort);
  }
  r->AddMember("first", "list(A)", "optional_type(A)", First);
  r->AddMember("last", "list(A)", "optional_type(A)", Last);
  r->AddGlobal("lists.range", "int", "list(int)", Range);
}

void AddSetsLibrary(FunctionRegistry* r) {
  r->AddGlobal("sets.contains", "list(A), list(A)", "bool", SetsContains);
  r->AddGlobal("sets.equivalent", "list(A), list(A)", "bool", SetsEquivalent);
  r->AddGlobal("sets.intersects", "list(A), list(A)", "bool", SetsIntersects);
}

void AddEncodersLibrary(FunctionRegistry* r) {
  r->AddGlobal("base64.encode", "bytes", "string", Base64Encode);
  r->AddGlobal("base64.decode", "string", "bytes", Base64Decode);
}

void AddMathLibrary(FunctionRegistry* r) {
  for (const char* name : {"math.greatest", "math.least"}) {
    FunctionImpl list = absl::string_view(name) == "math.greatest"
                            ? Extreme<true>
                            : Extreme<false>;
    r->AddGlobal(name, "int", "int", Identity);
    r->AddGlobal(name, "uint", "uint", Identity);
    r->AddGlobal(name, "double", "double", Identity);
    // A list of mixed numbers is list(dyn), which fits all three: dyn.
    r->AddGlobal(name, "list(int)", "int", list);
    r->AddGlobal(name, "list(uint)", "uint", list);
    r->AddGlobal(name, "list(double)", "double", list);
  }
  r->AddGlobal("math.ceil", "double", "double", DoubleFn<std::ceil>);
  r->AddGlobal("math.floor", "double", "double", DoubleFn<std::floor>);
  // Half away from zero, as cel-go.
  r->AddGlobal("math.round", "double", "double", DoubleFn<std::round>);
  r->AddGlobal("math.trunc", "double", "double", DoubleFn<std::trunc>);
  r->AddGlobal("math.abs", "int", "int", AbsInt);
  r->AddGlobal("math.abs", "uint", "uint", Identity);
  r->AddGlobal("math.abs", "double", "double", AbsDouble);
  r->AddGlobal("math.sign", "int", "int", SignInt);
  r->AddGlobal("math.sign", "uint", "uint", SignUint);
  r->AddGlobal("math.sign", "double", "double", SignDouble);
  r->AddGlobal("math.isNaN", "double", "bool", IsNaN);
  r->AddGlobal("math.isInf", "double", "bool", IsInf);
  r->AddGlobal("math.isFinite", "double", "bool", IsFinite);
  r->AddGlobal("math.sqrt", "double", "double", Sqrt);
  r->AddGlobal("math.sqrt", "int", "double", Sqrt);
  r->AddGlobal("math.sqrt", "uint", "double", Sqrt);
  r->AddGlobal("math.bitAnd", "int, int", "int", BitInt<BitOp::kAnd>);
  r->AddGlobal("math.bitAnd", "uint, uint", "uint", BitUint<BitOp::kAnd>);
  r->AddGlobal("math.bitOr", "int, int", "int", BitInt<BitOp::kOr>);
  r->AddGlobal("math.bitOr", "uint, uint", "uint", BitUint<BitOp::kOr>);
  r->AddGlobal("math.bitXor", "int, int", "int", BitInt<BitOp::kXor>);
  r->AddGlobal("math.bitXor", "uint, uint", "uint", BitUint<BitOp::kXor>);
  r->AddGlobal("math.bitNot", "int", "int", BitNotInt);
  r->AddGlobal("math.bitNot", "uint", "uint", BitNotUint);
  r->AddGlobal("math.bitShiftLeft", "int, int", "int", Shift<true>);
  r->AddGlobal("math.bitShiftLeft", "uint, int", "uint", Shift<true>);
  r->AddGlobal("math.bitShiftRight", "int, int", "int", Shift<false>);
  r->AddGlobal("math.bitShiftRight", "uint, int", "uint", Shift<false>);
}

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

}  // namespace meshplane::policy::cel::internal
