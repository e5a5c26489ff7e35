// Variable bindings for one evaluation.
//
//   Activation act;
//   act.Bind("resource", resource_doc);          // shared, not copied
//   act.BindLazy("now", [&] { return Value::Timestamp(...); });
//   Value result = program->Evaluate(act);
#ifndef MESHPLANE_POLICY_CEL_ACTIVATION_H_
#define MESHPLANE_POLICY_CEL_ACTIVATION_H_

#include <functional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "meshplane/policy/cel/value.h"

namespace meshplane::policy::cel {

// Maps variable names to values or to providers that compute a value on
// first use. Binding a Value shares it (values are immutable and reference
// counted), so a large document bound to many activations exists once.
//
// Thread-safety: const methods may run concurrently as long as lazy
// providers are themselves thread-safe; a Program calls a provider at most
// once per evaluation that reads the variable.
class Activation {
 public:
  using Provider = std::function<Value()>;

  Activation() = default;

  // Binds `name` to `value`, replacing any earlier binding.
  void Bind(std::string name, Value value) {
    values_[std::move(name)] = Entry{std::move(value), nullptr};
  }

  // Binds `name` to a provider called when an expression reads it.
  void BindLazy(std::string name, Provider provider) {
    values_[std::move(name)] = Entry{Value(), std::move(provider)};
  }

  // Removes every binding.
  void Clear() { values_.clear(); }

  // Writes the value of `name` into *out; false if unbound.
  bool Resolve(absl::string_view name, Value* out) const {
    auto it = values_.find(name);
    if (it == values_.end()) return false;
    *out = it->second.provider ? it->second.provider() : it->second.value;
    return true;
  }

 private:
  struct Entry {
    Value value;
    Provider provider;
  };
  absl::flat_hash_map<std::string, Entry> values_;
};

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_ACTIVATION_H_
