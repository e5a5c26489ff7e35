#include "meshplane/policy/cel/value.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "policy/cel/format_util.h"
#include "policy/cel/time_util.h"

namespace meshplane::policy::cel {
absl::string_view KindTypeName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return "null_type";
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kUint:
      return "uint";
    case ValueKind::kDouble:
      return "double";
    case ValueKind::kString:
      return "string";
    case ValueKind::kBytes:
      return "bytes";
    case ValueKind::kList:
      return "list";
    case ValueKind::kMap:
      return "map";
    case ValueKind::kTimestamp:
      return "google.protobuf.Timestamp";
    case ValueKind::kDuration:
      return "google.protobuf.Duration";
    case ValueKind::kType:
      return "type";
    case ValueKind::kOptional:
      return "optional_type";
    case ValueKind::kError:
      return "error";
  }
  return "unknown";
}

Value Value::Optional(Value v) {
  return FromHeap(new internal::OptionalObject(true, std::move(v)));
}

Value Value::OptionalNone() {
  // One shared none: it is immutable, and never freed.
  static internal::OptionalObject* const none = [] {
    auto* o = new internal::OptionalObject(false, Value());
    o->immortal = true;
    return o;
  }();
  return FromHeap(none);
}

Value Value::String(std::string s) {
  return FromHeap(new internal::StringObject(ValueKind::kString, std::move(s)));
}

namespace {

constexpr size_t kMaxInternedLength = 128;
constexpr size_t kMaxInternedCount = 100000;

struct InternTable {
  absl::Mutex mu;
  absl::flat_hash_map<std::string, internal::StringObject*> strings
      ABSL_GUARDED_BY(mu);
};

InternTable& Interned() {
  static InternTable* table = new InternTable();
  return *table;
}

}  // namespace

Value Value::InternedString(absl::string_view s) {
  if (s.size() > kMaxInternedLength) return String(std::string(s));
  InternTable& table = Interned();
  absl::MutexLock lock(&table.mu);
  auto it = table.strings.find(s);
  if (it != table.strings.end()) return FromHeap(it->second);
  if (table.strings.size() >= kMaxInternedCount) {
    return String(std::string(s));
  }
  auto* obj = new internal::StringObject(ValueKind::kString, std::string(s));
  obj->immortal = true;
  table.strings.emplace(std::string(s), obj);
  return FromHeap(obj);
}

Value Value::Bytes(std::string s) {
  return FromHeap(new internal::StringObject(ValueKind::kBytes, std::move(s)));
}

Value Value::Type(absl::string_view name) {
  return FromHeap(
      new internal::StringObject(ValueKind::kType, std::string(name)));
}

Value Value::Error(std::string message, int offset) {
  Value v = FromHeap(
      new internal::StringObject(ValueKind::kError, std::move(message)));
  v.nanos_ = offset;
  return v;
}

Value Value::List(std::vector<Value> elements) {
  return FromHeap(new ListValue(std::move(elements)));
}

Value Value::Map(std::vector<std::pair<Value, Value>> entries) {
  return FromHeap(new MapValue(std::move(entries)));
}

namespace {

// Integral doubles hash as the integer they equal so that heterogeneous
// numeric keys (CEL spec: 1 == 1u == 1.0) find each other.
size_t HashInt(int64_t i) { return absl::HashOf(i); }

}  // namespace

size_t Value::Hash() const {
  switch (kind_) {
    case ValueKind::kNull:
      return 0x9e3779b9;
    case ValueKind::kBool:
      return u_.b ? 0x51ed27 : 0x1f2e3d;
    case ValueKind::kInt:
      return HashInt(u_.i);
    case ValueKind::kUint:
      if (u_.u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return HashInt(static_cast<int64_t>(u_.u));
      }
      return absl::HashOf(u_.u);
    case ValueKind::kDouble: {
      double d = u_.d;
      if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
          d == std::trunc(d)) {
        return HashInt(static_cast<int64_t>(d));
      }
      if (d >= 0 && d < 18446744073709551616.0 && d == std::trunc(d)) {
        return absl::HashOf(static_cast<uint64_t>(d));
      }
      return absl::HashOf(d);
    }
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kType:
    case ValueKind::kError:
      return absl::HashOf(string_value());
    case ValueKind::kTimestamp:
    case ValueKind::kDuration:
      return absl::HashOf(u_.i, nanos_);
    case ValueKind::kList:
    case ValueKind::kMap:
    case ValueKind::kOptional:
      return absl::HashOf(static_cast<const void*>(u_.p));
  }
  return 0;
}

std::string Value::DebugString() const {
  switch (kind_) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBool:
      return u_.b ? "true" : "false";
    case ValueKind::kInt:
      return absl::StrCat(u_.i);
    case ValueKind::kUint:
      return absl::StrCat(u_.u, "u");
    case ValueKind::kDouble: {
      if (std::isnan(u_.d)) return "double(\"NaN\")";
      if (std::isinf(u_.d)) {
        return u_.d > 0 ? "double(\"Infinity\")" : "double(\"-Infinity\")";
      }
      std::string s = internal::FormatDouble(u_.d);
      // Keep the literal a double: 1.0 rather than 1.
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      return s;
    }
    case ValueKind::kString:
      return internal::QuoteString(string_value());
    case ValueKind::kBytes:
      return internal::QuoteBytes(string_value());
    case ValueKind::kList: {
      std::string out = "[";
      bool first = true;
      for (const Value& e : list()) {
        if (!first) out += ", ";
        first = false;
        out += e.DebugString();
      }
      return out + "]";
    }
    case ValueKind::kMap: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : map()) {
        if (!first) out += ", ";
        first = false;
        absl::StrAppend(&out, k.DebugString(), ": ", v.DebugString());
      }
      return out + "}";
    }
    case ValueKind::kTimestamp:
      return absl::StrCat("timestamp(\"",
                          internal::FormatTimestamp(u_.i, nanos_), "\")");
    case ValueKind::kDuration:
      return absl::StrCat("duration(\"", internal::FormatDuration(u_.i, nanos_),
                          "\")");
    case ValueKind::kType:
      return std::string(string_value());
    case ValueKind::kOptional:
      return optional_has_value()
                 ? absl::StrCat("optional.of(", optional_value().DebugString(),
                                ")")
                 : "optional.none()";
    case ValueKind::kError:
      return absl::StrCat("error: ", string_value());
  }
  return "";
}

// ---------------------------------------------------------------------------
// Maps.

struct MapValue::Index {
  // Transparent, so that field names look up without building a Value.
  struct Hasher {
    using is_transparent = void;
    size_t operator()(const Value* v) const { return v->Hash(); }
    size_t operator()(absl::string_view s) const { return absl::HashOf(s); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(const Value* a, const Value* b) const {
      return ValuesEqual(*a, *b);
    }
    bool operator()(const Value* a, absl::string_view b) const {
      return a->kind() == ValueKind::kString && a->string_value() == b;
    }
    bool operator()(absl::string_view a, const Value* b) const {
      return (*this)(b, a);
    }
  };
  absl::flat_hash_map<const Value*, uint32_t, Hasher, Eq> by_key;
};

namespace {
constexpr size_t kIndexThreshold = 12;
}  // namespace

namespace {
uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  uint64_t r = a + b;
  return r < a ? UINT64_MAX : r;
}
}  // namespace

ListValue::ListValue(std::vector<Value> elements)
    : HeapObject(ValueKind::kList), elements_(std::move(elements)) {
  for (const Value& e : elements_) {
    weight_ = SaturatingAdd(weight_, ValueWeight(e));
  }
}

MapValue::MapValue(std::vector<Entry> entries)
    : HeapObject(ValueKind::kMap), entries_(std::move(entries)) {
  for (const Entry& e : entries_) {
    weight_ = SaturatingAdd(weight_, 1 + ValueWeight(e.second));
  }
  if (entries_.size() > kIndexThreshold) {
    index_ = std::make_unique<Index>();
    index_->by_key.reserve(entries_.size());
    for (uint32_t i = 0; i < entries_.size(); ++i) {
      index_->by_key.emplace(&entries_[i].first, i);
    }
  }
}

MapValue::~MapValue() = default;

Value MapValue::Build(std::vector<Entry> entries) {
  for (const Entry& e : entries) {
    if (e.first.IsError()) return e.first;
    if (e.second.IsError()) return e.second;
    if (!IsValidMapKeyKind(e.first.kind())) {
      return Value::Error(
          absl::StrCat("unsupported key type: ", e.first.TypeName()));
    }
  }
  Value map = Value::Map(std::move(entries));
  const MapValue& m = map.map();
  // Duplicate detection: with the index for large maps, else pairwise.
  if (m.index_ != nullptr) {
    if (m.index_->by_key.size() != m.entries_.size()) {
      return Value::Error("Failed with repeated key");
    }
  } else {
    for (size_t i = 0; i < m.entries_.size(); ++i) {
      for (size_t j = i + 1; j < m.entries_.size(); ++j) {
        if (ValuesEqual(m.entries_[i].first, m.entries_[j].first)) {
          return Value::Error(absl::StrCat("Failed with repeated key: ",
                                           m.entries_[i].first.DebugString()));
        }
      }
    }
  }
  return map;
}

int64_t MapValue::FindStringIndex(absl::string_view key) const {
  if (index_ == nullptr) {
    // Small maps (documents' objects) scan linearly; keys are short, so an
    // inline comparison beats calling memcmp.
    const size_t n = key.size();
    for (size_t i = 0; i < entries_.size(); ++i) {
      const Value& k = entries_[i].first;
      if (k.kind() != ValueKind::kString) continue;
      absl::string_view ks = k.string_value();
      if (ks.size() == n && internal::BytesEqual(ks.data(), key.data(), n)) {
        return static_cast<int64_t>(i);
      }
    }
    return -1;
  }
  auto it = index_->by_key.find(key);
  return it == index_->by_key.end() ? -1 : static_cast<int64_t>(it->second);
}

const Value* MapValue::FindString(absl::string_view key) const {
  int64_t i = FindStringIndex(key);
  return i < 0 ? nullptr : &entries_[static_cast<size_t>(i)].second;
}

const Value* MapValue::Find(const Value& key) const {
  if (key.kind() == ValueKind::kString && index_ == nullptr) {
    return FindString(key.string_value());
  }
  if (index_ != nullptr) {
    auto it = index_->by_key.find(&key);
    return it == index_->by_key.end() ? nullptr : &entries_[it->second].second;
  }
  for (const Entry& e : entries_) {
    if (ValuesEqual(e.first, key)) return &e.second;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// Equality and ordering.

namespace {

// Compares an int64 with a uint64: -1, 0, 1.
int CmpIntUint(int64_t a, uint64_t b) {
  if (a < 0) return -1;
  uint64_t ua = static_cast<uint64_t>(a);
  return ua < b ? -1 : (ua > b ? 1 : 0);
}

int CmpDouble(double a, double b);

// Compares an int64 with a double as cel-go does (the conformance suite
// follows it): out-of-range doubles order outside the int range, otherwise
// the int converts to double, which may round.
int CmpIntDouble(int64_t a, double b) {
  if (std::isnan(b)) return 2;
  if (b < -9223372036854775808.0) return 1;
  if (b > 9223372036854775808.0) return -1;
  return CmpDouble(static_cast<double>(a), b);
}

int CmpUintDouble(uint64_t a, double b) {
  if (std::isnan(b)) return 2;
  if (b < 0) return 1;
  if (b > 18446744073709551616.0) return -1;
  return CmpDouble(static_cast<double>(a), b);
}

int CmpDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return 2;
  return a < b ? -1 : (a > b ? 1 : 0);
}

// Numeric comparison across int, uint and double. Returns false if either
// value is not numeric; *cmp is 2 when unordered.
bool CompareNumbers(const Value& a, const Value& b, int* cmp) {
  switch (a.kind()) {
    case ValueKind::kInt:
      switch (b.kind()) {
        case ValueKind::kInt:
          *cmp = a.int_value() < b.int_value()
                     ? -1
                     : (a.int_value() > b.int_value() ? 1 : 0);
          return true;
        case ValueKind::kUint:
          *cmp = CmpIntUint(a.int_value(), b.uint_value());
          return true;
        case ValueKind::kDouble:
          *cmp = CmpIntDouble(a.int_value(), b.double_value());
          return true;
        default:
          return false;
      }
    case ValueKind::kUint:
      switch (b.kind()) {
        case ValueKind::kInt:
          *cmp = -CmpIntUint(b.int_value(), a.uint_value());
          return true;
        case ValueKind::kUint:
          *cmp = a.uint_value() < b.uint_value()
                     ? -1
                     : (a.uint_value() > b.uint_value() ? 1 : 0);
          return true;
        case ValueKind::kDouble:
          *cmp = CmpUintDouble(a.uint_value(), b.double_value());
          return true;
        default:
          return false;
      }
    case ValueKind::kDouble:
      switch (b.kind()) {
        case ValueKind::kInt: {
          int c = CmpIntDouble(b.int_value(), a.double_value());
          *cmp = c == 2 ? 2 : -c;
          return true;
        }
        case ValueKind::kUint: {
          int c = CmpUintDouble(b.uint_value(), a.double_value());
          *cmp = c == 2 ? 2 : -c;
          return true;
        }
        case ValueKind::kDouble:
          *cmp = CmpDouble(a.double_value(), b.double_value());
          return true;
        default:
          return false;
      }
    default:
      return false;
  }
}

bool IsNumeric(ValueKind k) {
  return k == ValueKind::kInt || k == ValueKind::kUint ||
         k == ValueKind::kDouble;
}

}  // namespace

bool ValuesEqual(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) {
    if (IsNumeric(a.kind()) && IsNumeric(b.kind())) {
      int cmp;
      CompareNumbers(a, b, &cmp);
      return cmp == 0;
    }
    return false;
  }
  switch (a.kind()) {
    case ValueKind::kNull:
      return true;
    case ValueKind::kBool:
      return a.bool_value() == b.bool_value();
    case ValueKind::kInt:
      return a.int_value() == b.int_value();
    case ValueKind::kUint:
      return a.uint_value() == b.uint_value();
    case ValueKind::kDouble:
      return a.double_value() == b.double_value();
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kType:
    case ValueKind::kError: {
      absl::string_view x = a.string_value(), y = b.string_value();
      return x.size() == y.size() &&
             internal::BytesEqual(x.data(), y.data(), x.size());
    }
    case ValueKind::kTimestamp:
    case ValueKind::kDuration:
      return a.seconds() == b.seconds() && a.nanos() == b.nanos();
    case ValueKind::kList: {
      const ListValue& la = a.list();
      const ListValue& lb = b.list();
      if (&la == &lb) return true;
      if (la.size() != lb.size()) return false;
      for (size_t i = 0; i < la.size(); ++i) {
        if (!ValuesEqual(la[i], lb[i])) return false;
      }
      return true;
    }
    case ValueKind::kMap: {
      const MapValue& ma = a.map();
      const MapValue& mb = b.map();
      if (&ma == &mb) return true;
      if (ma.size() != mb.size()) return false;
      for (const auto& [k, v] : ma) {
        const Value* other = mb.Find(k);
        if (other == nullptr || !ValuesEqual(v, *other)) return false;
      }
      return true;
    }
    case ValueKind::kOptional:
      if (a.optional_has_value() != b.optional_has_value()) return false;
      return !a.optional_has_value() ||
             ValuesEqual(a.optional_value(), b.optional_value());
  }
  return false;
}

bool CompareValues(const Value& a, const Value& b, int* result,
                   bool* unordered) {
  *unordered = false;
  if (IsNumeric(a.kind()) && IsNumeric(b.kind())) {
    int cmp;
    CompareNumbers(a, b, &cmp);
    if (cmp == 2) {
      *unordered = true;
      *result = 0;
    } else {
      *result = cmp;
    }
    return true;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::kBool:
      *result =
          static_cast<int>(a.bool_value()) - static_cast<int>(b.bool_value());
      return true;
    case ValueKind::kString:
    case ValueKind::kBytes: {
      // Byte order of UTF-8 equals code point order.
      int c = a.string_value().compare(b.string_value());
      *result = c < 0 ? -1 : (c > 0 ? 1 : 0);
      return true;
    }
    case ValueKind::kTimestamp:
    case ValueKind::kDuration:
      if (a.seconds() != b.seconds()) {
        *result = a.seconds() < b.seconds() ? -1 : 1;
      } else {
        *result = a.nanos() < b.nanos() ? -1 : (a.nanos() > b.nanos() ? 1 : 0);
      }
      return true;
    default:
      return false;
  }
}

}  // namespace meshplane::policy::cel
