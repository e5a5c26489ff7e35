// The CEL standard library (CEL spec, "Standard Definitions") and the
// strings extension (cel-go ext/strings), as overloads in one registry.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "policy/cel/format_util.h"
#include "policy/cel/functions.h"
#include "policy/cel/time_util.h"
#include "re2/re2.h"

#include "meshplane/policy/cel/checker.h"

namespace meshplane::policy::cel::internal {

// ---------------------------------------------------------------------------
// Registry.

Type ParseTypeSpec(absl::string_view spec) {
  spec = absl::StripAsciiWhitespace(spec);
  size_t paren = spec.find('(');
  absl::string_view head = spec.substr(0, paren);
  std::vector<Type> params;
  if (paren != absl::string_view::npos) {
    absl::string_view inner = spec.substr(paren + 1, spec.size() - paren - 2);
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i <= inner.size(); ++i) {
      if (i == inner.size() || (inner[i] == ',' && depth == 0)) {
        params.push_back(ParseTypeSpec(inner.substr(start, i - start)));
        start = i + 1;
      } else if (inner[i] == '(') {
        ++depth;
      } else if (inner[i] == ')') {
        --depth;
      }
    }
  }
  if (head == "int") return Type::Int();
  if (head == "uint") return Type::Uint();
  if (head == "double") return Type::Double();
  if (head == "bool") return Type::Bool();
  if (head == "string") return Type::String();
  if (head == "bytes") return Type::Bytes();
  if (head == "null") return Type::Null();
  if (head == "timestamp") return Type::Timestamp();
  if (head == "duration") return Type::Duration();
  if (head == "dyn") return Type::Dyn();
  if (head == "list") return Type::List(params.at(0));
  if (head == "map") return Type::Map(params.at(0), params.at(1));
  if (head == "type") return Type::TypeType(params.at(0));
  if (head == "optional_type") return Type::Optional(params.at(0));
  return Type::Param(std::string(head));
}

namespace {

bool KindOfType(const Type& t, ValueKind* kind) {
  switch (t.kind()) {
    case Type::Kind::kNull:
      *kind = ValueKind::kNull;
      return true;
    case Type::Kind::kBool:
      *kind = ValueKind::kBool;
      return true;
    case Type::Kind::kInt:
      *kind = ValueKind::kInt;
      return true;
    case Type::Kind::kUint:
      *kind = ValueKind::kUint;
      return true;
    case Type::Kind::kDouble:
      *kind = ValueKind::kDouble;
      return true;
    case Type::Kind::kString:
      *kind = ValueKind::kString;
      return true;
    case Type::Kind::kBytes:
      *kind = ValueKind::kBytes;
      return true;
    case Type::Kind::kTimestamp:
      *kind = ValueKind::kTimestamp;
      return true;
    case Type::Kind::kDuration:
      *kind = ValueKind::kDuration;
      return true;
    case Type::Kind::kList:
      *kind = ValueKind::kList;
      return true;
    case Type::Kind::kMap:
      *kind = ValueKind::kMap;
      return true;
    case Type::Kind::kType:
      *kind = ValueKind::kType;
      return true;
    case Type::Kind::kOptional:
      *kind = ValueKind::kOptional;
      return true;
    default:
      return false;
  }
}

}  // namespace

void FunctionRegistry::Add(absl::string_view name, bool receiver,
                           absl::string_view params, absl::string_view result,
                           FunctionImpl impl) {
  Overload o;
  o.name = std::string(name);
  o.receiver = receiver;
  o.impl = impl;
  o.result = ParseTypeSpec(result);
  std::string id(name);
  if (!params.empty()) {
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i <= params.size(); ++i) {
      if (i == params.size() || (params[i] == ',' && depth == 0)) {
        o.params.push_back(ParseTypeSpec(params.substr(start, i - start)));
        start = i + 1;
      } else if (params[i] == '(') {
        ++depth;
      } else if (params[i] == ')') {
        --depth;
      }
    }
  }
  for (const Type& p : o.params) {
    ValueKind k = ValueKind::kNull;
    bool known = KindOfType(p, &k);
    o.kinds.push_back(k);
    o.any_kind.push_back(!known);
    absl::StrAppend(&id, "_", p.ToString());
  }
  o.id = std::move(id);
  by_name_[o.name].push_back(static_cast<int>(overloads_.size()));
  overloads_.push_back(std::move(o));
}

void FunctionRegistry::AddGlobal(absl::string_view name,
                                 absl::string_view params,
                                 absl::string_view result, FunctionImpl impl) {
  Add(name, false, params, result, impl);
}

void FunctionRegistry::AddMember(absl::string_view name,
                                 absl::string_view params,
                                 absl::string_view result, FunctionImpl impl) {
  Add(name, true, params, result, impl);
}

const std::vector<int>* FunctionRegistry::Find(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &it->second;
}

Value Dispatch(const FunctionRegistry& registry,
               const std::vector<int>& candidates, absl::string_view name,
               const Value* args, int n) {
  for (int i : candidates) {
    const Overload& o = registry.overload(i);
    if (o.Matches(args, n)) return o.impl(args, n);
  }
  std::string kinds;
  for (int i = 0; i < n; ++i) {
    if (i > 0) kinds += ", ";
    kinds += std::string(args[i].TypeName());
  }
  return Value::Error(absl::StrCat("no matching overload for '", name,
                                   "' applied to '(", kinds, ")'"));
}

// ---------------------------------------------------------------------------
// Implementations.

namespace {

Value Overflow() { return Value::Error("return error for overflow"); }
Value DivideByZero() { return Value::Error("divide by zero"); }
Value ModulusByZero() { return Value::Error("modulus by zero"); }
Value TooLarge() { return Value::Error("value too large"); }

// Arithmetic (CEL spec, "Arithmetic": int and uint overflow are errors).
Value AddInt(const Value* a, int) {
  int64_t r;
  if (__builtin_add_overflow(a[0].int_value(), a[1].int_value(), &r)) {
    return Overflow();
  }
  return Value::Int(r);
}
Value SubInt(const Value* a, int) {
  int64_t r;
  if (__builtin_sub_overflow(a[0].int_value(), a[1].int_value(), &r)) {
    return Overflow();
  }
  return Value::Int(r);
}
Value MulInt(const Value* a, int) {
  int64_t r;
  if (__builtin_mul_overflow(a[0].int_value(), a[1].int_value(), &r)) {
    return Overflow();
  }
  return Value::Int(r);
}
Value DivInt(const Value* a, int) {
  int64_t x = a[0].int_value(), y = a[1].int_value();
  if (y == 0) return DivideByZero();
  if (x == std::numeric_limits<int64_t>::min() && y == -1) return Overflow();
  return Value::Int(x / y);
}
Value ModInt(const Value* a, int) {
  int64_t x = a[0].int_value(), y = a[1].int_value();
  if (y == 0) return ModulusByZero();
  if (x == std::numeric_limits<int64_t>::min() && y == -1) return Overflow();
  return Value::Int(x % y);
}
Value NegInt(const Value* a, int) {
  if (a[0].int_value() == std::numeric_limits<int64_t>::min()) {
    return Overflow();
  }
  return Value::Int(-a[0].int_value());
}
Value AddUint(const Value* a, int) {
  uint64_t r;
  if (__builtin_add_overflow(a[0].uint_value(), a[1].uint_value(), &r)) {
    return Overflow();
  }
  return Value::Uint(r);
}
Value SubUint(const Value* a, int) {
  uint64_t r;
  if (__builtin_sub_overflow(a[0].uint_value(), a[1].uint_value(), &r)) {
    return Overflow();
  }
  return Value::Uint(r);
}
Value MulUint(const Value* a, int) {
  uint64_t r;
  if (__builtin_mul_overflow(a[0].uint_value(), a[1].uint_value(), &r)) {
    return Overflow();
  }
  return Value::Uint(r);
}
Value DivUint(const Value* a, int) {
  if (a[1].uint_value() == 0) return DivideByZero();
  return Value::Uint(a[0].uint_value() / a[1].uint_value());
}
Value ModUint(const Value* a, int) {
  if (a[1].uint_value() == 0) return ModulusByZero();
  return Value::Uint(a[0].uint_value() % a[1].uint_value());
}
Value AddDouble(const Value* a, int) {
  return Value::Double(a[0].double_value() + a[1].double_value());
}
Value SubDouble(const Value* a, int) {
  return Value::Double(a[0].double_value() - a[1].double_value());
}
Value MulDouble(const Value* a, int) {
  return Value::Double(a[0].double_value() * a[1].double_value());
}
Value DivDouble(const Value* a, int) {
  // IEEE 754: x / 0.0 is +-Inf or NaN, not an error (CEL spec).
  return Value::Double(a[0].double_value() / a[1].double_value());
}
Value NegDouble(const Value* a, int) {
  return Value::Double(-a[0].double_value());
}
Value AddString(const Value* a, int) {
  absl::string_view x = a[0].string_value(), y = a[1].string_value();
  if (x.size() + y.size() > kMaxStringSize) return TooLarge();
  return Value::String(absl::StrCat(x, y));
}
Value AddBytes(const Value* a, int) {
  absl::string_view x = a[0].string_value(), y = a[1].string_value();
  if (x.size() + y.size() > kMaxStringSize) return TooLarge();
  return Value::Bytes(absl::StrCat(x, y));
}
Value AddList(const Value* a, int) {
  const ListValue& x = a[0].list();
  const ListValue& y = a[1].list();
  if (y.size() == 0) return a[0];
  if (x.size() == 0) return a[1];
  if (x.size() + y.size() > kMaxCollectionSize) return TooLarge();
  std::vector<Value> out;
  out.reserve(x.size() + y.size());
  out.insert(out.end(), x.begin(), x.end());
  out.insert(out.end(), y.begin(), y.end());
  return Value::List(std::move(out));
}

// Timestamps and durations (CEL spec, "Timestamp and duration arithmetic":
// results outside the representable range are errors).
Value AddTsDur(const Value* a, int) {
  const Value& ts = a[0].kind() == ValueKind::kTimestamp ? a[0] : a[1];
  const Value& d = a[0].kind() == ValueKind::kTimestamp ? a[1] : a[0];
  return MakeTimestamp(ts.seconds() + d.seconds(),
                       static_cast<int64_t>(ts.nanos()) + d.nanos());
}
Value SubTsDur(const Value* a, int) {
  return MakeTimestamp(a[0].seconds() - a[1].seconds(),
                       static_cast<int64_t>(a[0].nanos()) - a[1].nanos());
}
Value SubTsTs(const Value* a, int) {
  // cel-go represents durations as int64 nanoseconds (about +-292 years);
  // a difference beyond that is an overflow error in the conformance suite.
  __int128 nanos =
      static_cast<__int128>(a[0].seconds() - a[1].seconds()) * 1000000000 +
      (a[0].nanos() - a[1].nanos());
  if (nanos > std::numeric_limits<int64_t>::max() ||
      nanos < std::numeric_limits<int64_t>::min()) {
    return Overflow();
  }
  return MakeDuration(a[0].seconds() - a[1].seconds(),
                      static_cast<int64_t>(a[0].nanos()) - a[1].nanos());
}
Value AddDurDur(const Value* a, int) {
  return MakeDuration(a[0].seconds() + a[1].seconds(),
                      static_cast<int64_t>(a[0].nanos()) + a[1].nanos());
}
Value SubDurDur(const Value* a, int) {
  return MakeDuration(a[0].seconds() - a[1].seconds(),
                      static_cast<int64_t>(a[0].nanos()) - a[1].nanos());
}

Value NotBool(const Value* a, int) { return Value::Bool(!a[0].bool_value()); }

Value Equals(const Value* a, int) {
  return Value::Bool(ValuesEqual(a[0], a[1]));
}
Value NotEquals(const Value* a, int) {
  return Value::Bool(!ValuesEqual(a[0], a[1]));
}

template <int kOp>  // 0 <, 1 <=, 2 >, 3 >=
Value Compare(const Value* a, int) {
  int cmp;
  bool unordered;
  if (!CompareValues(a[0], a[1], &cmp, &unordered)) {
    return Value::Error("no such overload");
  }
  if (unordered) return Value::Bool(false);
  switch (kOp) {
    case 0:
      return Value::Bool(cmp < 0);
    case 1:
      return Value::Bool(cmp <= 0);
    case 2:
      return Value::Bool(cmp > 0);
    default:
      return Value::Bool(cmp >= 0);
  }
}

// Converts an index (int, uint or integral double) to int64.
bool IndexOf(const Value& v, int64_t* out) {
  switch (v.kind()) {
    case ValueKind::kInt:
      *out = v.int_value();
      return true;
    case ValueKind::kUint:
      if (v.uint_value() >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        *out = -1;
        return true;
      }
      *out = static_cast<int64_t>(v.uint_value());
      return true;
    case ValueKind::kDouble: {
      double d = v.double_value();
      if (d != std::trunc(d) || !(d > -9.2e18 && d < 9.2e18)) return false;
      *out = static_cast<int64_t>(d);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

Value OptionalIndex(const Value& container, const Value& key) {
  if (container.kind() == ValueKind::kOptional) {
    if (!container.optional_has_value()) return container;
    return OptionalIndex(container.optional_value(), key);
  }
  if (container.kind() == ValueKind::kList) {
    int64_t i;
    if (!IndexOf(key, &i)) {
      return Value::Error(absl::StrCat("no such overload: list index of type ",
                                       key.TypeName()));
    }
    const ListValue& l = container.list();
    if (i < 0 || static_cast<uint64_t>(i) >= l.size()) {
      return Value::OptionalNone();
    }
    return Value::Optional(l[static_cast<size_t>(i)]);
  }
  if (container.kind() == ValueKind::kMap) {
    const Value* v = container.map().Find(key);
    return v == nullptr ? Value::OptionalNone() : Value::Optional(*v);
  }
  return Value::Error(
      absl::StrCat("no such overload: index on ", container.TypeName()));
}

Value OptionalSelect(const Value& operand, const Value& field) {
  if (operand.kind() == ValueKind::kOptional) {
    if (!operand.optional_has_value()) return operand;
    return OptionalSelect(operand.optional_value(), field);
  }
  if (operand.kind() == ValueKind::kMap) {
    const Value* v = operand.map().Find(field);
    return v == nullptr ? Value::OptionalNone() : Value::Optional(*v);
  }
  return Value::Error(absl::StrCat("type '", operand.TypeName(),
                                   "' does not support field selection"));
}

// Exposed for the planner's index node. Indexing an optional is optional
// indexing (optional chaining).
Value IndexValue(const Value& container, const Value& key) {
  if (container.kind() == ValueKind::kOptional) {
    return OptionalIndex(container, key);
  }
  if (container.kind() == ValueKind::kList) {
    int64_t i;
    if (!IndexOf(key, &i)) {
      return Value::Error(absl::StrCat("no such overload: list index of type ",
                                       key.TypeName()));
    }
    const ListValue& l = container.list();
    if (i < 0 || static_cast<uint64_t>(i) >= l.size()) {
      return Value::Error(absl::StrCat("index out of bounds: ", i));
    }
    return l[static_cast<size_t>(i)];
  }
  if (container.kind() == ValueKind::kMap) {
    const Value* v = container.map().Find(key);
    if (v == nullptr) {
      return Value::Error(absl::StrCat("no such key: ", key.DebugString()));
    }
    return *v;
  }
  return Value::Error(
      absl::StrCat("no such overload: index on ", container.TypeName()));
}

// `in` (CEL spec: membership in lists by equality, in maps by key).
Value InValue(const Value& elem, const Value& container) {
  if (container.kind() == ValueKind::kList) {
    for (const Value& e : container.list()) {
      if (ValuesEqual(e, elem)) return Value::Bool(true);
    }
    return Value::Bool(false);
  }
  if (container.kind() == ValueKind::kMap) {
    return Value::Bool(container.map().Find(elem) != nullptr);
  }
  return Value::Error(
      absl::StrCat("no such overload: 'in' on ", container.TypeName()));
}

namespace {

Value Index(const Value* a, int) { return IndexValue(a[0], a[1]); }
Value In(const Value* a, int) { return InValue(a[0], a[1]); }

size_t CodePointCount(absl::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

Value SizeString(const Value* a, int) {
  return Value::Int(static_cast<int64_t>(CodePointCount(a[0].string_value())));
}
Value SizeBytes(const Value* a, int) {
  return Value::Int(static_cast<int64_t>(a[0].string_value().size()));
}
Value SizeList(const Value* a, int) {
  return Value::Int(static_cast<int64_t>(a[0].list().size()));
}
Value SizeMap(const Value* a, int) {
  return Value::Int(static_cast<int64_t>(a[0].map().size()));
}

// Conversions (CEL spec, "Type conversions": out-of-range is an error).
Value Identity(const Value* a, int) { return a[0]; }
Value IntFromUint(const Value* a, int) {
  if (a[0].uint_value() >
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Value::Error("range error: uint out of int range");
  }
  return Value::Int(static_cast<int64_t>(a[0].uint_value()));
}
Value IntFromDouble(const Value* a, int) {
  double d = a[0].double_value();
  // The open interval excludes both 2^63 and -2^63: converting either
  // boundary is an error in cel-go's conformance tests.
  if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) {
    return Value::Error("range error: double out of int range");
  }
  return Value::Int(static_cast<int64_t>(d));
}
Value IntFromString(const Value* a, int) {
  int64_t v;
  if (!absl::SimpleAtoi(a[0].string_value(), &v)) {
    return Value::Error("cannot convert string to int");
  }
  return Value::Int(v);
}
Value IntFromTimestamp(const Value* a, int) {
  return Value::Int(a[0].seconds());
}
Value UintFromInt(const Value* a, int) {
  if (a[0].int_value() < 0) {
    return Value::Error("range error: int out of uint range");
  }
  return Value::Uint(static_cast<uint64_t>(a[0].int_value()));
}
Value UintFromDouble(const Value* a, int) {
  double d = a[0].double_value();
  if (!(d > -1.0 && d < 18446744073709551616.0)) {
    return Value::Error("range error: double out of uint range");
  }
  return Value::Uint(static_cast<uint64_t>(d));
}
Value UintFromString(const Value* a, int) {
  uint64_t v;
  if (!absl::SimpleAtoi(a[0].string_value(), &v)) {
    return Value::Error("cannot convert string to uint");
  }
  return Value::Uint(v);
}
Value DoubleFromInt(const Value* a, int) {
  return Value::Double(static_cast<double>(a[0].int_value()));
}
Value DoubleFromUint(const Value* a, int) {
  return Value::Double(static_cast<double>(a[0].uint_value()));
}
Value DoubleFromString(const Value* a, int) {
  absl::string_view s = a[0].string_value();
  if (s == "NaN") return Value::Double(std::nan(""));
  if (s == "Infinity" || s == "+Infinity" || s == "inf" || s == "+inf") {
    return Value::Double(std::numeric_limits<double>::infinity());
  }
  if (s == "-Infinity" || s == "-inf") {
    return Value::Double(-std::numeric_limits<double>::infinity());
  }
  double d;
  if (s.empty() || absl::ascii_isspace(static_cast<unsigned char>(s[0])) ||
      !absl::SimpleAtod(s, &d)) {
    return Value::Error("cannot convert string to double");
  }
  return Value::Double(d);
}
Value StringFromInt(const Value* a, int) {
  return Value::String(absl::StrCat(a[0].int_value()));
}
Value StringFromUint(const Value* a, int) {
  return Value::String(absl::StrCat(a[0].uint_value()));
}
Value StringFromDouble(const Value* a, int) {
  return Value::String(FormatDouble(a[0].double_value()));
}
Value StringFromBytes(const Value* a, int) {
  if (!IsValidUtf8(a[0].string_value())) {
    return Value::Error("invalid UTF-8 in bytes, cannot convert to string");
  }
  return Value::String(std::string(a[0].string_value()));
}
Value StringFromTimestamp(const Value* a, int) {
  return Value::String(FormatTimestamp(a[0].seconds(), a[0].nanos()));
}
Value StringFromDuration(const Value* a, int) {
  return Value::String(FormatDuration(a[0].seconds(), a[0].nanos()));
}
Value BytesFromString(const Value* a, int) {
  return Value::Bytes(std::string(a[0].string_value()));
}
Value BoolFromString(const Value* a, int) {
  absl::string_view s = a[0].string_value();
  if (s == "1" || s == "t" || s == "true" || s == "TRUE" || s == "True") {
    return Value::Bool(true);
  }
  if (s == "0" || s == "f" || s == "false" || s == "FALSE" || s == "False") {
    return Value::Bool(false);
  }
  return Value::Error("cannot convert string to bool");
}
Value TypeOf(const Value* a, int) { return Value::Type(a[0].TypeName()); }
Value TimestampFromString(const Value* a, int) {
  return ParseTimestamp(a[0].string_value());
}
Value TimestampFromInt(const Value* a, int) {
  return MakeTimestamp(a[0].int_value(), 0);
}
Value DurationFromString(const Value* a, int) {
  return ParseDuration(a[0].string_value());
}

// Strings.
Value Contains(const Value* a, int) {
  return Value::Bool(
      absl::StrContains(a[0].string_value(), a[1].string_value()));
}
Value StartsWith(const Value* a, int) {
  return Value::Bool(
      absl::StartsWith(a[0].string_value(), a[1].string_value()));
}
Value EndsWith(const Value* a, int) {
  return Value::Bool(absl::EndsWith(a[0].string_value(), a[1].string_value()));
}
Value Matches(const Value* a, int) {
  return RegexMatch(a[0].string_value(), a[1].string_value());
}

// Timestamp accessors (CEL spec, "Timestamp functions"), in UTC or in the
// given time zone.
enum class Field {
  kFullYear,
  kMonth,
  kDayOfMonth,
  kDate,
  kDayOfWeek,
  kDayOfYear,
  kHours,
  kMinutes,
  kSeconds,
  kMilliseconds
};

template <Field kField>
Value TimestampField(const Value* a, int n) {
  absl::TimeZone zone = absl::UTCTimeZone();
  if (n == 2 && !LoadZone(a[1].string_value(), &zone)) {
    return Value::Error(
        absl::StrCat("unknown time zone: ", a[1].string_value()));
  }
  absl::Time t = absl::FromUnixSeconds(a[0].seconds());
  absl::CivilSecond cs = absl::ToCivilSecond(t, zone);
  switch (kField) {
    case Field::kFullYear:
      return Value::Int(cs.year());
    case Field::kMonth:
      return Value::Int(cs.month() - 1);
    case Field::kDayOfMonth:
      return Value::Int(cs.day() - 1);
    case Field::kDate:
      return Value::Int(cs.day());
    case Field::kDayOfWeek: {
      // Sunday is 0.
      absl::Weekday w = absl::GetWeekday(cs);
      int d = static_cast<int>(w);  // Monday = 0 in Abseil
      return Value::Int((d + 1) % 7);
    }
    case Field::kDayOfYear:
      return Value::Int(absl::GetYearDay(cs) - 1);
    case Field::kHours:
      return Value::Int(cs.hour());
    case Field::kMinutes:
      return Value::Int(cs.minute());
    case Field::kSeconds:
      return Value::Int(cs.second());
    case Field::kMilliseconds:
      return Value::Int(a[0].nanos() / 1000000);
  }
  return Value::Int(0);
}

template <Field kField>
Value DurationField(const Value* a, int) {
  int64_t s = a[0].seconds();
  switch (kField) {
    case Field::kHours:
      return Value::Int(s / 3600);
    case Field::kMinutes:
      return Value::Int(s / 60);
    case Field::kSeconds:
      return Value::Int(s);
    default:
      return Value::Int(s * 1000 + a[0].nanos() / 1000000);
  }
}

// --- strings extension (cel-go ext/strings.go semantics) -------------------

std::u32string Decode(absl::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) out.push_back(DecodeUtf8(s, &i));
  return out;
}

std::string Encode(const std::u32string& s, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) AppendUtf8(s[i], &out);
  return out;
}

Value CharAt(const Value* a, int) {
  std::u32string s = Decode(a[0].string_value());
  int64_t i = a[1].int_value();
  if (i < 0 || i > static_cast<int64_t>(s.size())) {
    return Value::Error(absl::StrCat("index out of range: ", i));
  }
  if (i == static_cast<int64_t>(s.size())) return Value::String("");
  return Value::String(Encode(s, i, i + 1));
}

Value IndexOfImpl(const Value* a, int n) {
  std::u32string s = Decode(a[0].string_value());
  std::u32string sub = Decode(a[1].string_value());
  int64_t start = n == 3 ? a[2].int_value() : 0;
  if (start < 0 || start > static_cast<int64_t>(s.size())) {
    return Value::Error(absl::StrCat("index out of range: ", start));
  }
  size_t pos = s.find(sub, static_cast<size_t>(start));
  return Value::Int(pos == std::u32string::npos ? -1
                                                : static_cast<int64_t>(pos));
}

Value LastIndexOfImpl(const Value* a, int n) {
  std::u32string s = Decode(a[0].string_value());
  std::u32string sub = Decode(a[1].string_value());
  int64_t start = n == 3 ? a[2].int_value() : static_cast<int64_t>(s.size());
  if (start < 0 || start > static_cast<int64_t>(s.size())) {
    return Value::Error(absl::StrCat("index out of range: ", start));
  }
  size_t pos = s.rfind(sub, static_cast<size_t>(start));
  return Value::Int(pos == std::u32string::npos ? -1
                                                : static_cast<int64_t>(pos));
}

Value LowerAscii(const Value* a, int) {
  return Value::String(absl::AsciiStrToLower(a[0].string_value()));
}
Value UpperAscii(const Value* a, int) {
  return Value::String(absl::AsciiStrToUpper(a[0].string_value()));
}

Value Replace(const Value* a, int n) {
  absl::string_view s = a[0].string_value();
  absl::string_view from = a[1].string_value();
  absl::string_view to = a[2].string_value();
  int64_t limit = n == 4 ? a[3].int_value() : -1;
  std::string out;
  size_t pos = 0;
  int64_t count = 0;
  if (from.empty()) {
    // Go's strings.Replace with an empty old string inserts `to` before
    // every code point and at the end.
    size_t i = 0;
    while (limit < 0 || count < limit) {
      out.append(to.data(), to.size());
      ++count;
      if (i >= s.size()) {
        pos = s.size();
        break;
      }
      size_t next = i;
      DecodeUtf8(s, &next);
      out.append(s.data() + i, next - i);
      i = next;
      pos = i;
      if (out.size() > kMaxStringSize) return TooLarge();
    }
    out.append(s.data() + pos, s.size() - pos);
    return Value::String(std::move(out));
  }
  while (limit < 0 || count < limit) {
    size_t hit = s.find(from, pos);
    if (hit == absl::string_view::npos) break;
    out.append(s.data() + pos, hit - pos);
    out.append(to.data(), to.size());
    pos = hit + from.size();
    ++count;
    if (out.size() > kMaxStringSize) return TooLarge();
  }
  out.append(s.data() + pos, s.size() - pos);
  if (out.size() > kMaxStringSize) return TooLarge();
  return Value::String(std::move(out));
}

Value Split(const Value* a, int n) {
  absl::string_view s = a[0].string_value();
  absl::string_view sep = a[1].string_value();
  int64_t limit = n == 3 ? a[2].int_value() : -1;
  std::vector<Value> out;
  if (limit == 0) return Value::List({});
  if (sep.empty()) {
    // Split into code points (Go's strings.SplitN with an empty separator).
    size_t i = 0;
    while (i < s.size()) {
      if (limit > 0 && static_cast<int64_t>(out.size()) == limit - 1) {
        out.push_back(Value::String(std::string(s.substr(i))));
        return Value::List(std::move(out));
      }
      size_t next = i;
      DecodeUtf8(s, &next);
      out.push_back(Value::String(std::string(s.substr(i, next - i))));
      i = next;
    }
    return Value::List(std::move(out));
  }
  size_t pos = 0;
  while (true) {
    if (limit > 0 && static_cast<int64_t>(out.size()) == limit - 1) break;
    size_t hit = s.find(sep, pos);
    if (hit == absl::string_view::npos) break;
    out.push_back(Value::String(std::string(s.substr(pos, hit - pos))));
    pos = hit + sep.size();
    if (out.size() > kMaxCollectionSize) return TooLarge();
  }
  out.push_back(Value::String(std::string(s.substr(pos))));
  return Value::List(std::move(out));
}

Value Substring(const Value* a, int n) {
  std::u32string s = Decode(a[0].string_value());
  int64_t size = static_cast<int64_t>(s.size());
  int64_t begin = a[1].int_value();
  int64_t end = n == 3 ? a[2].int_value() : size;
  if (begin < 0 || begin > size) {
    return Value::Error(absl::StrCat("index out of range: ", begin));
  }
  if (end < 0 || end > size) {
    return Value::Error(absl::StrCat("index out of range: ", end));
  }
  if (begin > end) {
    return Value::Error(absl::StrCat("invalid substring range. start: ", begin,
                                     ", end: ", end));
  }
  return Value::String(Encode(s, begin, end));
}

bool IsUnicodeSpace(char32_t c) {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

Value Trim(const Value* a, int) {
  std::u32string s = Decode(a[0].string_value());
  size_t b = 0, e = s.size();
  while (b < e && IsUnicodeSpace(s[b])) ++b;
  while (e > b && IsUnicodeSpace(s[e - 1])) --e;
  return Value::String(Encode(s, b, e));
}

Value Join(const Value* a, int n) {
  absl::string_view sep = n == 2 ? a[1].string_value() : "";
  std::string out;
  bool first = true;
  for (const Value& e : a[0].list()) {
    if (e.kind() != ValueKind::kString) {
      return Value::Error("join: list element is not a string");
    }
    if (!first) out.append(sep.data(), sep.size());
    first = false;
    out.append(e.string_value().data(), e.string_value().size());
    if (out.size() > kMaxStringSize) return TooLarge();
  }
  return Value::String(std::move(out));
}

Value Quote(const Value* a, int) {
  return Value::String(QuoteString(a[0].string_value()));
}

Value Reverse(const Value* a, int) {
  std::u32string s = Decode(a[0].string_value());
  std::reverse(s.begin(), s.end());
  return Value::String(Encode(s, 0, s.size()));
}

// --- format ----------------------------------------------------------------

std::string FormatDoubleForString(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return FormatDouble(d);
}

// %s formatting of any value (cel-go's string formatter).
bool FormatAsString(const Value& v, std::string* out, int depth) {
  if (depth > 32 || out->size() > kMaxStringSize) return false;
  switch (v.kind()) {
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kType:
      out->append(v.string_value().data(), v.string_value().size());
      return true;
    case ValueKind::kDouble:
      *out += FormatDoubleForString(v.double_value());
      return true;
    case ValueKind::kUint:
      absl::StrAppend(out, v.uint_value());
      return true;
    case ValueKind::kTimestamp:
      *out += FormatTimestamp(v.seconds(), v.nanos());
      return true;
    case ValueKind::kDuration:
      *out += FormatDuration(v.seconds(), v.nanos());
      return true;
    case ValueKind::kList: {
      *out += "[";
      bool first = true;
      for (const Value& e : v.list()) {
        if (!first) *out += ", ";
        first = false;
        if (!FormatAsString(e, out, depth + 1)) return false;
      }
      *out += "]";
      return true;
    }
    case ValueKind::kMap: {
      std::vector<std::pair<std::string, std::string>> entries;
      for (const auto& [k, val] : v.map()) {
        std::string ks, vs;
        if (!FormatAsString(k, &ks, depth + 1) ||
            !FormatAsString(val, &vs, depth + 1)) {
          return false;
        }
        entries.emplace_back(std::move(ks), std::move(vs));
        if (out->size() + entries.size() > kMaxStringSize) return false;
      }
      std::sort(entries.begin(), entries.end());
      *out += "{";
      bool first = true;
      for (const auto& [k, val] : entries) {
        if (!first) *out += ", ";
        first = false;
        absl::StrAppend(out, k, ": ", val);
      }
      *out += "}";
      return true;
    }
    default:
      *out += v.DebugString();
      return true;
  }
}

std::string ToHex(absl::string_view s, bool upper) {
  static const char* kLower = "0123456789abcdef";
  static const char* kUpper = "0123456789ABCDEF";
  const char* digits = upper ? kUpper : kLower;
  std::string out;
  for (char c : s) {
    unsigned char b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string IntToBase(uint64_t v, int base, bool upper) {
  if (v == 0) return "0";
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  while (v > 0) {
    out += digits[v % base];
    v /= base;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Value FormatError(absl::string_view msg) {
  return Value::Error(absl::StrCat("error during formatting: ", msg));
}

Value Format(const Value* a, int) {
  absl::string_view fmt = a[0].string_value();
  const ListValue& args = a[1].list();
  std::string out;
  size_t next_arg = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (out.size() > kMaxStringSize) return TooLarge();
    char c = fmt[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    ++i;
    int precision = -1;
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      precision = 0;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        precision = precision * 10 + (fmt[i] - '0');
        if (precision > 100) return FormatError("precision too large");
        ++i;
      }
    }
    if (i >= fmt.size()) {
      return Value::Error(
          "could not parse formatting clause: unexpected end of string");
    }
    char verb = fmt[i];
    if (verb != 's' && verb != 'd' && verb != 'f' && verb != 'e' &&
        verb != 'b' && verb != 'o' && verb != 'x' && verb != 'X') {
      return Value::Error(absl::StrCat(
          "could not parse formatting clause: unrecognized formatting clause "
          "\"",
          std::string(1, verb), "\""));
    }
    if (next_arg >= args.size()) {
      return Value::Error(absl::StrCat("index ", next_arg, " out of range"));
    }
    const Value& v = args[next_arg++];
    switch (verb) {
      case 's':
        if (!FormatAsString(v, &out, 0)) return TooLarge();
        break;
      case 'd':
        if (v.kind() == ValueKind::kInt) {
          absl::StrAppend(&out, v.int_value());
        } else if (v.kind() == ValueKind::kUint) {
          absl::StrAppend(&out, v.uint_value());
        } else if (v.kind() == ValueKind::kDouble &&
                   (std::isnan(v.double_value()) ||
                    std::isinf(v.double_value()))) {
          out += FormatDoubleForString(v.double_value());
        } else {
          return FormatError(absl::StrCat(
              "decimal clause can only be used on integers, was given ",
              v.TypeName()));
        }
        break;
      case 'f':
      case 'e': {
        if (v.kind() != ValueKind::kDouble && v.kind() != ValueKind::kInt &&
            v.kind() != ValueKind::kUint) {
          return FormatError(absl::StrCat(
              verb == 'f' ? "fixed-point clause" : "scientific clause",
              " can only be used on doubles, was given ", v.TypeName()));
        }
        double d = v.kind() == ValueKind::kDouble
                       ? v.double_value()
                       : (v.kind() == ValueKind::kInt
                              ? static_cast<double>(v.int_value())
                              : static_cast<double>(v.uint_value()));
        if (std::isnan(d) || std::isinf(d)) {
          out += FormatDoubleForString(d);
          break;
        }
        char spec[16];
        std::snprintf(spec, sizeof(spec), "%%.%d%c",
                      precision < 0 ? 6 : precision, verb);
        char buf[512];
        int len = std::snprintf(buf, sizeof(buf), spec, d);
        if (len < 0 || len >= static_cast<int>(sizeof(buf))) {
          return FormatError("number too long");
        }
        out.append(buf, static_cast<size_t>(len));
        break;
      }
      case 'b':
        if (v.kind() == ValueKind::kInt) {
          int64_t x = v.int_value();
          if (x < 0) out += '-';
          out += IntToBase(
              x < 0 ? 0 - static_cast<uint64_t>(x) : static_cast<uint64_t>(x),
              2, false);
        } else if (v.kind() == ValueKind::kUint) {
          out += IntToBase(v.uint_value(), 2, false);
        } else if (v.kind() == ValueKind::kBool) {
          out += v.bool_value() ? "1" : "0";
        } else {
          return FormatError(absl::StrCat(
              "only integers and bools can be formatted as binary, was given ",
              v.TypeName()));
        }
        break;
      case 'o':
        if (v.kind() == ValueKind::kInt) {
          int64_t x = v.int_value();
          if (x < 0) out += '-';
          out += IntToBase(
              x < 0 ? 0 - static_cast<uint64_t>(x) : static_cast<uint64_t>(x),
              8, false);
        } else if (v.kind() == ValueKind::kUint) {
          out += IntToBase(v.uint_value(), 8, false);
        } else {
          return FormatError(absl::StrCat(
              "octal clause can only be used on integers, was given ",
              v.TypeName()));
        }
        break;
      case 'x':
      case 'X': {
        bool upper = verb == 'X';
        if (v.kind() == ValueKind::kInt) {
          int64_t x = v.int_value();
          if (x < 0) out += '-';
          out += IntToBase(
              x < 0 ? 0 - static_cast<uint64_t>(x) : static_cast<uint64_t>(x),
              16, upper);
        } else if (v.kind() == ValueKind::kUint) {
          out += IntToBase(v.uint_value(), 16, upper);
        } else if (v.kind() == ValueKind::kString ||
                   v.kind() == ValueKind::kBytes) {
          out += ToHex(v.string_value(), upper);
        } else {
          return FormatError(absl::StrCat(
              "only integers, byte buffers, and strings can be formatted as "
              "hex, was given ",
              v.TypeName()));
        }
        break;
      }
    }
  }
  if (out.size() > kMaxStringSize) return TooLarge();
  return Value::String(std::move(out));
}

FunctionRegistry* BuildStandard() {
  auto* r = new FunctionRegistry();
  // Operators. Logical operators and the conditional are declared for the
  // checker; the planner evaluates them itself (they are not strict).
  r->AddGlobal("_&&_", "bool, bool", "bool", nullptr);
  r->AddGlobal("_||_", "bool, bool", "bool", nullptr);
  r->AddGlobal("_?_:_", "bool, A, A", "A", nullptr);
  r->AddGlobal("!_", "bool", "bool", NotBool);
  r->AddGlobal("-_", "int", "int", NegInt);
  r->AddGlobal("-_", "double", "double", NegDouble);
  r->AddGlobal("_+_", "int, int", "int", AddInt);
  r->AddGlobal("_+_", "uint, uint", "uint", AddUint);
  r->AddGlobal("_+_", "double, double", "double", AddDouble);
  r->AddGlobal("_+_", "string, string", "string", AddString);
  r->AddGlobal("_+_", "bytes, bytes", "bytes", AddBytes);
  r->AddGlobal("_+_", "list(A), list(A)", "list(A)", AddList);
  r->AddGlobal("_+_", "timestamp, duration", "timestamp", AddTsDur);
  r->AddGlobal("_+_", "duration, timestamp", "timestamp", AddTsDur);
  r->AddGlobal("_+_", "duration, duration", "duration", AddDurDur);
  r->AddGlobal("_-_", "int, int", "int", SubInt);
  r->AddGlobal("_-_", "uint, uint", "uint", SubUint);
  r->AddGlobal("_-_", "double, double", "double", SubDouble);
  r->AddGlobal("_-_", "timestamp, timestamp", "duration", SubTsTs);
  r->AddGlobal("_-_", "timestamp, duration", "timestamp", SubTsDur);
  r->AddGlobal("_-_", "duration, duration", "duration", SubDurDur);
  r->AddGlobal("_*_", "int, int", "int", MulInt);
  r->AddGlobal("_*_", "uint, uint", "uint", MulUint);
  r->AddGlobal("_*_", "double, double", "double", MulDouble);
  r->AddGlobal("_/_", "int, int", "int", DivInt);
  r->AddGlobal("_/_", "uint, uint", "uint", DivUint);
  r->AddGlobal("_/_", "double, double", "double", DivDouble);
  r->AddGlobal("_%_", "int, int", "int", ModInt);
  r->AddGlobal("_%_", "uint, uint", "uint", ModUint);
  r->AddGlobal("_==_", "A, A", "bool", Equals);
  r->AddGlobal("_!=_", "A, A", "bool", NotEquals);
  static const char* kOrdered[][2] = {
      {"bool", "bool"},           {"int", "int"},          {"int", "uint"},
      {"int", "double"},          {"uint", "uint"},        {"uint", "int"},
      {"uint", "double"},         {"double", "double"},    {"double", "int"},
      {"double", "uint"},         {"string", "string"},    {"bytes", "bytes"},
      {"timestamp", "timestamp"}, {"duration", "duration"}};
  for (const auto& p : kOrdered) {
    std::string params = absl::StrCat(p[0], ", ", p[1]);
    r->AddGlobal("_<_", params, "bool", Compare<0>);
    r->AddGlobal("_<=_", params, "bool", Compare<1>);
    r->AddGlobal("_>_", params, "bool", Compare<2>);
    r->AddGlobal("_>=_", params, "bool", Compare<3>);
  }
  r->AddGlobal("_[_]", "list(A), int", "A", Index);
  r->AddGlobal("_[_]", "map(K, V), K", "V", Index);
  r->AddGlobal("@in", "A, list(A)", "bool", In);
  r->AddGlobal("@in", "A, map(A, B)", "bool", In);
  // size
  r->AddGlobal("size", "string", "int", SizeString);
  r->AddGlobal("size", "bytes", "int", SizeBytes);
  r->AddGlobal("size", "list(A)", "int", SizeList);
  r->AddGlobal("size", "map(K, V)", "int", SizeMap);
  r->AddMember("size", "string", "int", SizeString);
  r->AddMember("size", "bytes", "int", SizeBytes);
  r->AddMember("size", "list(A)", "int", SizeList);
  r->AddMember("size", "map(K, V)", "int", SizeMap);
  // Conversions.
  r->AddGlobal("int", "int", "int", Identity);
  r->AddGlobal("int", "uint", "int", IntFromUint);
  r->AddGlobal("int", "double", "int", IntFromDouble);
  r->AddGlobal("int", "string", "int", IntFromString);
  r->AddGlobal("int", "timestamp", "int", IntFromTimestamp);
  r->AddGlobal("uint", "uint", "uint", Identity);
  r->AddGlobal("uint", "int", "uint", UintFromInt);
  r->AddGlobal("uint", "double", "uint", UintFromDouble);
  r->AddGlobal("uint", "string", "uint", UintFromString);
  r->AddGlobal("double", "double", "double", Identity);
  r->AddGlobal("double", "int", "double", DoubleFromInt);
  r->AddGlobal("double", "uint", "double", DoubleFromUint);
  r->AddGlobal("double", "string", "double", DoubleFromString);
  r->AddGlobal("string", "string", "string", Identity);
  r->AddGlobal("string", "int", "string", StringFromInt);
  r->AddGlobal("string", "uint", "string", StringFromUint);
  r->AddGlobal("string", "double", "string", StringFromDouble);
  r->AddGlobal("string", "bytes", "string", StringFromBytes);
  r->AddGlobal("string", "timestamp", "string", StringFromTimestamp);
  r->AddGlobal("string", "duration", "string", StringFromDuration);
  r->AddGlobal("bytes", "bytes", "bytes", Identity);
  r->AddGlobal("bytes", "string", "bytes", BytesFromString);
  r->AddGlobal("bool", "bool", "bool", Identity);
  r->AddGlobal("bool", "string", "bool", BoolFromString);
  r->AddGlobal("dyn", "A", "dyn", Identity);
  r->AddGlobal("type", "A", "type(A)", TypeOf);
  r->AddGlobal("timestamp", "string", "timestamp", TimestampFromString);
  r->AddGlobal("timestamp", "timestamp", "timestamp", Identity);
  r->AddGlobal("timestamp", "int", "timestamp", TimestampFromInt);
  r->AddGlobal("duration", "string", "duration", DurationFromString);
  r->AddGlobal("duration", "duration", "duration", Identity);
  // String functions.
  r->AddMember("contains", "string, string", "bool", Contains);
  r->AddMember("startsWith", "string, string", "bool", StartsWith);
  r->AddMember("endsWith", "string, string", "bool", EndsWith);
  r->AddMember("matches", "string, string", "bool", Matches);
  r->AddGlobal("matches", "string, string", "bool", Matches);
  // Timestamp and duration accessors.
  struct {
    const char* name;
    FunctionImpl ts;
    FunctionImpl dur;
  } accessors[] = {
      {"getFullYear", TimestampField<Field::kFullYear>, nullptr},
      {"getMonth", TimestampField<Field::kMonth>, nullptr},
      {"getDayOfMonth", TimestampField<Field::kDayOfMonth>, nullptr},
      {"getDate", TimestampField<Field::kDate>, nullptr},
      {"getDayOfWeek", TimestampField<Field::kDayOfWeek>, nullptr},
      {"getDayOfYear", TimestampField<Field::kDayOfYear>, nullptr},
      {"getHours", TimestampField<Field::kHours>, DurationField<Field::kHours>},
      {"getMinutes", TimestampField<Field::kMinutes>,
       DurationField<Field::kMinutes>},
      {"getSeconds", TimestampField<Field::kSeconds>,
       DurationField<Field::kSeconds>},
      {"getMilliseconds", TimestampField<Field::kMilliseconds>,
       DurationField<Field::kMilliseconds>},
  };
  for (const auto& acc : accessors) {
    r->AddMember(acc.name, "timestamp", "int", acc.ts);
    r->AddMember(acc.name, "timestamp, string", "int", acc.ts);
    if (acc.dur != nullptr) r->AddMember(acc.name, "duration", "int", acc.dur);
  }
  // Strings extension.
  r->AddMember("charAt", "string, int", "string", CharAt);
  r->AddMember("indexOf", "string, string", "int", IndexOfImpl);
  r->AddMember("indexOf", "string, string, int", "int", IndexOfImpl);
  r->AddMember("lastIndexOf", "string, string", "int", LastIndexOfImpl);
  r->AddMember("lastIndexOf", "string, string, int", "int", LastIndexOfImpl);
  r->AddMember("lowerAscii", "string", "string", LowerAscii);
  r->AddMember("upperAscii", "string", "string", UpperAscii);
  r->AddMember("replace", "string, string, string", "string", Replace);
  r->AddMember("replace", "string, string, string, int", "string", Replace);
  r->AddMember("split", "string, string", "list(string)", Split);
  r->AddMember("split", "string, string, int", "list(string)", Split);
  r->AddMember("substring", "string, int", "string", Substring);
  r->AddMember("substring", "string, int, int", "string", Substring);
  r->AddMember("trim", "string", "string", Trim);
  r->AddMember("join", "list(string)", "string", Join);
  r->AddMember("join", "list(string), string", "string", Join);
  r->AddMember("reverse", "string", "string", Reverse);
  r->AddMember("format", "string, list(dyn)", "string", Format);
  r->AddGlobal("strings.quote", "string", "string", Quote);
  return r;
}

}  // namespace

const FunctionRegistry& StandardRegistry() {
  static const FunctionRegistry* registry = BuildStandard();
  return *registry;
}

const FunctionRegistry& RegistryFor(uint32_t libraries) {
  // Only the libraries that declare functions select a registry.
  constexpr uint32_t kWithFunctions =
      static_cast<uint32_t>(Library::kOptional) |
      static_cast<uint32_t>(Library::kMath) |
      static_cast<uint32_t>(Library::kEncoders) |
      static_cast<uint32_t>(Library::kLists) |
      static_cast<uint32_t>(Library::kSets);
  libraries &= kWithFunctions;
  if (libraries == 0) return StandardRegistry();
  static std::once_flag once[kWithFunctions + 1];
  static const FunctionRegistry* built[kWithFunctions + 1];
  std::call_once(once[libraries], [libraries] {
    FunctionRegistry* r = BuildStandard();
    auto has = [libraries](Library lib) {
      return (libraries & static_cast<uint32_t>(lib)) != 0;
    };
    if (has(Library::kOptional)) AddOptionalLibrary(r);
    if (has(Library::kMath)) AddMathLibrary(r);
    if (has(Library::kEncoders)) AddEncodersLibrary(r);
    if (has(Library::kLists)) AddListsLibrary(r);
    if (has(Library::kSets)) AddSetsLibrary(r);
    built[libraries] = r;
  });
  return *built[libraries];
}

Value RegexMatch(absl::string_view text, absl::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);
  RE2 re(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re.ok()) {
    return Value::Error(
        absl::StrCat("invalid regular expression: ", re.error()));
  }
  return Value::Bool(
      RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re));
}

}  // namespace meshplane::policy::cel::internal
