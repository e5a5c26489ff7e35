// The function registry: one table of overloads that serves both the type
// checker (signatures) and the evaluator (implementations), so the two can
// never disagree about what exists.
#ifndef MESHPLANE_POLICY_CEL_FUNCTIONS_H_
#define MESHPLANE_POLICY_CEL_FUNCTIONS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

#include "meshplane/policy/cel/type.h"
#include "meshplane/policy/cel/value.h"

namespace meshplane::policy::cel::internal {

// Implementation of one overload. `args` holds the receiver first for
// member-style calls. Arguments are never error values (errors propagate
// before the call, CEL functions being strict).
using FunctionImpl = Value (*)(const Value* args, int n);

// Upper bounds on values built at run time, so that no expression can
// exhaust memory: strings/bytes in bytes, lists/maps in elements.
inline constexpr size_t kMaxStringSize = size_t{4} << 20;
inline constexpr size_t kMaxCollectionSize = size_t{1} << 20;

struct Overload {
  std::string id;
  std::string name;
  bool receiver = false;
  std::vector<Type> params;  // receiver first
  Type result;
  FunctionImpl impl = nullptr;
  // Run-time kind of each parameter; kNull with any_kind[i] for dyn/params.
  std::vector<ValueKind> kinds;
  std::vector<bool> any_kind;

  // Whether the run-time kinds of `args` fit this overload.
  bool Matches(const Value* args, int n) const {
    if (n != static_cast<int>(kinds.size())) return false;
    for (int i = 0; i < n; ++i) {
      if (!any_kind[i] && args[i].kind() != kinds[i]) return false;
    }
    return true;
  }
};

class FunctionRegistry {
 public:
  // Adds an overload. `params` and `result` use the type syntax of
  // ParseTypeSpec: "int", "list(A)", "map(K, V)", "type(A)", "dyn".
  void AddGlobal(absl::string_view name, absl::string_view params,
                 absl::string_view result, FunctionImpl impl);
  // As AddGlobal; the first parameter is the receiver.
  void AddMember(absl::string_view name, absl::string_view params,
                 absl::string_view result, FunctionImpl impl);

  // Overload indices for `name`, or nullptr.
  const std::vector<int>* Find(absl::string_view name) const;
  const Overload& overload(int index) const { return overloads_[index]; }
  int size() const { return static_cast<int>(overloads_.size()); }

 private:
  void Add(absl::string_view name, bool receiver, absl::string_view params,
           absl::string_view result, FunctionImpl impl);
  std::vector<Overload> overloads_;
  absl::flat_hash_map<std::string, std::vector<int>> by_name_;
};

// "int", "list(A)", "map(string, dyn)", ... (single capitals are type
// parameters; "timestamp" and "duration" name the well-known types).
Type ParseTypeSpec(absl::string_view spec);

// The standard library plus the strings extension. Built once.
const FunctionRegistry& StandardRegistry();

// The standard registry plus the extension libraries whose Library bits
// are set in `libraries`. Built once per combination; thread-safe.
const FunctionRegistry& RegistryFor(uint32_t libraries);

// Optional chaining (optional library): container[?key] and operand.?field.
// An optional operand is unwrapped (none gives none); a missing key or
// index out of range gives optional.none(); a present one optional.of(v).
Value OptionalIndex(const Value& container, const Value& key);
Value OptionalSelect(const Value& operand, const Value& field);

// The order of sort() and sortBy() over values of one sortable kind (int,
// uint, double, bool, string, bytes, timestamp, duration); NaN sorts after
// every other double, so that the order is strict and weak.
bool SortLess(const Value& a, const Value& b);
// Whether values of kind k can be ordered by sort() and sortBy() (cel-go:
// int, uint, double, bool, duration, timestamp, string, bytes).
bool Sortable(ValueKind k);

// Adders of the extension libraries (extensions.cc).
void AddOptionalLibrary(FunctionRegistry* r);
void AddMathLibrary(FunctionRegistry* r);
void AddEncodersLibrary(FunctionRegistry* r);
void AddListsLibrary(FunctionRegistry* r);
void AddSetsLibrary(FunctionRegistry* r);

// Runs `name` over arguments chosen among `candidates` by run-time kind;
// returns a "no matching overload" error value when none fits.
Value Dispatch(const FunctionRegistry& registry,
               const std::vector<int>& candidates, absl::string_view name,
               const Value* args, int n);

// matches() with a pattern known only at run time: compiles it with RE2
// and tests for a partial match (CEL spec: matches is unanchored). Returns
// an error Value on a bad pattern. Constant patterns never get here: the
// planner compiles them once.
Value RegexMatch(absl::string_view text, absl::string_view pattern);

}  // namespace meshplane::policy::cel::internal

#endif  // MESHPLANE_POLICY_CEL_FUNCTIONS_H_
