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
#include <vector>

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
    Entry& e = Slot(std::move(name));
    e.value = std::move(value);
    e.provider = nullptr;
  }

  // Binds `name` to a provider called when an expression reads it.
  void BindLazy(std::string name, Provider provider) {
    Entry& e = Slot(std::move(name));
    e.value = Value();
    e.provider = std::move(provider);
  }

  // Removes every binding.
  void Clear() { entries_.clear(); }

  // The bound value of `name` without copying it: returns a pointer to the
  // stored value (valid while this Activation is unchanged), or calls the
  // provider into *storage and returns storage; nullptr if unbound.
  const Value* Find(absl::string_view name, Value* storage) const {
    for (const Entry& e : entries_) {
      if (e.name.size() == name.size() && e.name == name) {
        if (!e.provider) return &e.value;
        *storage = e.provider();
        return storage;
      }
    }
    return nullptr;
  }

  // Writes the value of `name` into *out; false if unbound.
  bool Resolve(absl::string_view name, Value* out) const {
    // Policies bind a handful of variables: a linear scan beats hashing.
    for (const Entry& e : entries_) {
      if (e.name.size() == name.size() && e.name == name) {
        *out = e.provider ? e.provider() : e.value;
        return true;
      }
    }
    return false;
  }

 private:
  struct Entry {
    std::string name;
    Value value;
    Provider provider;
  };
  Entry& Slot(std::string name) {
    for (Entry& e : entries_) {
      if (e.name == name) return e;
    }
    entries_.push_back(Entry{std::move(name), Value(), nullptr});
    return entries_.back();
  }
  std::vector<Entry> entries_;
};

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_ACTIVATION_H_
