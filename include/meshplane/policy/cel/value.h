// CEL runtime values.
//
// A `Value` is an immutable, cheaply copyable handle: scalars (null, bool,
// int, uint, double, timestamp, duration) are stored inline; strings, bytes,
// lists, maps, type values and errors live in reference-counted heap objects
// that are shared, never copied, when a Value is copied. Documents bound to a
// program are therefore shared by every evaluation that uses them.
//
//   Value doc = MapValue::Build({{Value::String("owner"),
//   Value::String("t")}}); const Value* owner = doc.map().FindString("owner");
//   std::cout << owner->DebugString();   // "t" (with quotes)
//
// Thread-safety: a Value may be read and copied from any number of threads
// at once (the reference count is atomic); nothing ever mutates a Value.
#ifndef MESHPLANE_POLICY_CEL_VALUE_H_
#define MESHPLANE_POLICY_CEL_VALUE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace meshplane::policy::cel {

// The runtime kind of a Value. kError is CEL's error value: evaluation
// errors (overflow, missing key, no matching overload) are values that flow
// through the expression and are absorbed by `&&`, `||` and `?:` when the
// other side decides the result (CEL spec, "Logical operators").
enum class ValueKind : uint8_t {
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kTimestamp,
  kDuration,
  // Kinds from here on live in reference-counted heap objects.
  kString,
  kBytes,
  kList,
  kMap,
  kType,
  kOptional,  // optional.of(v) or optional.none() (optional library)
  kError,
};

// The CEL name of a kind's type, e.g. "int", "google.protobuf.Timestamp".
absl::string_view KindTypeName(ValueKind kind);

class Value;
class ListValue;
class MapValue;

namespace internal {

// Base of the reference-counted payloads. Not for use outside value.cc.
struct HeapObject {
  explicit HeapObject(ValueKind k) : kind(k) {}
  virtual ~HeapObject() = default;
  mutable std::atomic<int32_t> refs{1};
  ValueKind kind;
  // Interned strings live forever: their reference count is not touched,
  // and their address identifies their contents (see InternedString).
  bool immortal = false;
};

// The payload of strings, bytes, type values and errors.
struct StringObject : HeapObject {
  StringObject(ValueKind k, std::string s)
      : HeapObject(k), data(std::move(s)) {}
  std::string data;
};

// Equality of two byte ranges of length n; inline for short keys.
inline bool BytesEqual(const char* a, const char* b, size_t n) {
  if (n <= 16) {
    if (n >= 8) {
      uint64_t a0, b0, a1, b1;
      __builtin_memcpy(&a0, a, 8);
      __builtin_memcpy(&b0, b, 8);
      __builtin_memcpy(&a1, a + n - 8, 8);
      __builtin_memcpy(&b1, b + n - 8, 8);
      return a0 == b0 && a1 == b1;
    }
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  return __builtin_memcmp(a, b, n) == 0;
}

}  // namespace internal

// An immutable CEL value. See the file comment.
class Value {
 public:
  // Null.
  Value() : kind_(ValueKind::kNull), nanos_(0) { u_.i = 0; }
  ~Value() { Release(); }
  Value(const Value& other) : kind_(other.kind_), nanos_(other.nanos_) {
    u_ = other.u_;
    Retain();
  }
  Value(Value&& other) noexcept : kind_(other.kind_), nanos_(other.nanos_) {
    u_ = other.u_;
    other.kind_ = ValueKind::kNull;
  }
  Value& operator=(const Value& other) {
    if (this != &other) {
      other.Retain();
      Release();
      kind_ = other.kind_;
      nanos_ = other.nanos_;
      u_ = other.u_;
    }
    return *this;
  }
  Value& operator=(Value&& other) noexcept {
    if (this != &other) {
      Release();
      kind_ = other.kind_;
      nanos_ = other.nanos_;
      u_ = other.u_;
      other.kind_ = ValueKind::kNull;
    }
    return *this;
  }

  // Constructors for each kind.
  static Value Null() { return Value(); }
  static Value Bool(bool b) {
    Value v(ValueKind::kBool);
    v.u_.b = b;
    return v;
  }
  static Value Int(int64_t i) {
    Value v(ValueKind::kInt);
    v.u_.i = i;
    return v;
  }
  static Value Uint(uint64_t u) {
    Value v(ValueKind::kUint);
    v.u_.u = u;
    return v;
  }
  static Value Double(double d) {
    Value v(ValueKind::kDouble);
    v.u_.d = d;
    return v;
  }
  static Value String(std::string s);
  static Value Bytes(std::string s);
  // A list; the elements are shared, not copied, when the Value is copied.
  static Value List(std::vector<Value> elements);
  // A map from entries in their insertion order. The caller guarantees that
  // keys are int, uint, bool or string and unique (see MapValue::Build for a
  // checked builder).
  static Value Map(std::vector<std::pair<Value, Value>> entries);
  // A timestamp as seconds since the Unix epoch plus nanos in [0, 1e9).
  // Valid CEL timestamps lie in [0001-01-01, 9999-12-31T23:59:59.999999999Z];
  // use MakeTimestamp for a range-checked constructor.
  static Value Timestamp(int64_t seconds, int32_t nanos) {
    Value v(ValueKind::kTimestamp);
    v.u_.i = seconds;
    v.nanos_ = nanos;
    return v;
  }
  // A duration as seconds plus nanos with the same sign, |nanos| < 1e9.
  static Value Duration(int64_t seconds, int32_t nanos) {
    Value v(ValueKind::kDuration);
    v.u_.i = seconds;
    v.nanos_ = nanos;
    return v;
  }
  // A type value, named as CEL prints it: "int", "list", "map", "type",
  // "null_type", "google.protobuf.Timestamp", ...
  static Value Type(absl::string_view name);
  // A string value shared process-wide: equal strings interned this way are
  // one object, so identity() equality means content equality. Used for
  // document keys and field names so that field lookups compare pointers.
  // Only short strings are interned, and at most a bounded number of them
  // (they are never freed); past either bound this returns a plain string.
  // Thread-safe.
  static Value InternedString(absl::string_view s);
  // Whether this is an interned string (see InternedString).
  bool IsInterned() const {
    return kind_ == ValueKind::kString && u_.p->immortal;
  }
  // optional.of(v) and optional.none() (the optional library; v may be any
  // value but an error).
  static Value Optional(Value v);
  static Value OptionalNone();
  // For kOptional: whether it holds a value, and the value (null if none).
  inline bool optional_has_value() const;
  inline const Value& optional_value() const;
  // A CEL error value carrying `message` and, when known, the byte offset
  // in the expression of the operation that failed (-1 if unknown).
  static Value Error(std::string message, int offset = -1);

  ValueKind kind() const { return kind_; }
  bool IsError() const { return kind_ == ValueKind::kError; }
  bool IsNull() const { return kind_ == ValueKind::kNull; }
  bool IsBool() const { return kind_ == ValueKind::kBool; }

  // Accessors. Each requires the matching kind (checked only in debug).
  bool bool_value() const { return u_.b; }
  int64_t int_value() const { return u_.i; }
  uint64_t uint_value() const { return u_.u; }
  double double_value() const { return u_.d; }
  // For kString, kBytes, kType (its name) and kError (its message).
  absl::string_view string_value() const {
    return static_cast<const internal::StringObject*>(u_.p)->data;
  }
  inline const ListValue& list() const;
  inline const MapValue& map() const;
  // For kTimestamp and kDuration.
  int64_t seconds() const { return u_.i; }
  int32_t nanos() const { return nanos_; }
  absl::Time time_value() const {
    return absl::FromUnixSeconds(u_.i) + absl::Nanoseconds(nanos_);
  }
  absl::Duration duration_value() const {
    return absl::Seconds(u_.i) + absl::Nanoseconds(nanos_);
  }
  // For kError.
  absl::string_view error_message() const { return string_value(); }
  // For kError: the byte offset of the failing operation, or -1.
  int error_offset() const { return nanos_; }

  // For heap kinds, the address of the shared payload (equal for copies of
  // one value); nullptr for scalars. Lets callers recognise a value they
  // have seen before without comparing contents.
  const void* identity() const { return IsHeap() ? u_.p : nullptr; }

  // The CEL type name of this value (see KindTypeName).
  absl::string_view TypeName() const { return KindTypeName(kind_); }

  // The value in CEL's literal syntax: 1, 2u, 3.5, "s", b"\x00", [1, 2],
  // {"k": v}, timestamp("2024-01-01T00:00:00Z"), duration("3s"), int,
  // and for errors `error: <message>`.
  std::string DebugString() const;

  // A hash consistent with CEL equality for map keys (1 == 1u == 1.0 hash
  // alike when integral).
  size_t Hash() const;

 private:
  friend class ListValue;
  friend class MapValue;
  explicit Value(ValueKind k) : kind_(k), nanos_(0) { u_.i = 0; }
  static Value FromHeap(internal::HeapObject* obj) {
    Value v(obj->kind);
    v.u_.p = obj;
    return v;
  }
  bool IsHeap() const { return kind_ >= ValueKind::kString; }
  void Retain() const {
    if (IsHeap() && !u_.p->immortal) {
      u_.p->refs.fetch_add(1, std::memory_order_relaxed);
    }
  }
  void Release() {
    if (IsHeap() && !u_.p->immortal &&
        u_.p->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      delete u_.p;
    }
  }

  ValueKind kind_;
  int32_t nanos_;
  union {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    internal::HeapObject* p;
  } u_;
};

// The elements of a list value.
class ListValue : public internal::HeapObject {
 public:
  explicit ListValue(std::vector<Value> elements);
  size_t size() const { return elements_.size(); }
  // The number of values reachable from this list, counting shared
  // sub-lists once per reference (saturating). Bounds the work of a deep
  // comparison or printing, which walk shared structure repeatedly.
  uint64_t weight() const { return weight_; }
  const Value& operator[](size_t i) const { return elements_[i]; }
  const std::vector<Value>& elements() const { return elements_; }
  std::vector<Value>::const_iterator begin() const { return elements_.begin(); }
  std::vector<Value>::const_iterator end() const { return elements_.end(); }

 private:
  std::vector<Value> elements_;
  uint64_t weight_ = 1;
};

// The entries of a map value, in insertion order, with a hash index for
// maps larger than a handful of entries. Lookups follow CEL's heterogeneous
// key equality: an int, uint or integral double key finds an entry whose key
// is numerically equal.
class MapValue : public internal::HeapObject {
 public:
  using Entry = std::pair<Value, Value>;
  explicit MapValue(std::vector<Entry> entries);
  ~MapValue() override;

  // Builds a map value, or returns an error Value when a key is not int,
  // uint, bool or string, or is repeated (CEL spec: "map keys must be
  // unique").
  static Value Build(std::vector<Entry> entries);

  size_t size() const { return entries_.size(); }
  // As ListValue::weight.
  uint64_t weight() const { return weight_; }
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }

  // The value for `key`, or nullptr.
  const Value* Find(const Value& key) const;
  // Fast path for string keys (field selection).
  const Value* FindString(absl::string_view key) const;
  // As FindString, trying entry `*hint` first and storing the position
  // found there: documents of one shape keep their fields in one order,
  // so a per-call-site hint usually hits at once.
  const Value* FindString(absl::string_view key, uint32_t* hint) const {
    uint32_t h = *hint;
    if (h < entries_.size()) {
      const Value& k = entries_[h].first;
      if (k.kind() == ValueKind::kString) {
        absl::string_view ks = k.string_value();
        if (ks.size() == key.size() &&
            internal::BytesEqual(ks.data(), key.data(), key.size())) {
          return &entries_[h].second;
        }
      }
    }
    int64_t i = FindStringIndex(key);
    if (i < 0) return nullptr;
    *hint = static_cast<uint32_t>(i);
    return &entries_[static_cast<size_t>(i)].second;
  }

 private:
  struct Index;
  // The position of the entry with string key `key`, or -1.
  int64_t FindStringIndex(absl::string_view key) const;
  std::vector<Entry> entries_;
  std::unique_ptr<Index> index_;
  uint64_t weight_ = 1;
};

namespace internal {

// The payload of optional values: optional.of(value), or optional.none()
// when !has_value.
struct OptionalObject : HeapObject {
  OptionalObject(bool has, Value v)
      : HeapObject(ValueKind::kOptional), has_value(has), value(std::move(v)) {}
  bool has_value;
  Value value;
};

}  // namespace internal

inline bool Value::optional_has_value() const {
  return static_cast<const internal::OptionalObject*>(u_.p)->has_value;
}

inline const Value& Value::optional_value() const {
  return static_cast<const internal::OptionalObject*>(u_.p)->value;
}

// The weight of a value: 1 for scalars, see ListValue::weight otherwise.
inline uint64_t ValueWeight(const Value& v) {
  if (v.kind() == ValueKind::kList) return v.list().weight();
  if (v.kind() == ValueKind::kMap) return v.map().weight();
  return 1;
}

inline const ListValue& Value::list() const {
  return *static_cast<const ListValue*>(u_.p);
}

inline const MapValue& Value::map() const {
  return *static_cast<const MapValue*>(u_.p);
}

// Whether `kind` may be a map key.
inline bool IsValidMapKeyKind(ValueKind kind) {
  return kind == ValueKind::kInt || kind == ValueKind::kUint ||
         kind == ValueKind::kBool || kind == ValueKind::kString;
}

// CEL equality (spec "Equality"): numbers compare across int, uint and
// double; lists and maps compare element-wise; values of different kinds
// are unequal; NaN is unequal to itself. Neither argument may be an error.
bool ValuesEqual(const Value& a, const Value& b);

// CEL ordering for `<`, `<=`, `>`, `>=`: returns -1, 0 or 1 in `*result`,
// or false when the kinds are not comparable (the caller reports "no such
// overload"). NaN compares unordered: returns true with *unordered = true.
bool CompareValues(const Value& a, const Value& b, int* result,
                   bool* unordered);

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_VALUE_H_
