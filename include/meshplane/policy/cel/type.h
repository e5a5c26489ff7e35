// CEL types, as used in declarations and reported by the type checker.
//
//   Type doc = Type::Map(Type::String(), Type::Dyn());
//   env.AddVariable("resource", doc);
#ifndef MESHPLANE_POLICY_CEL_TYPE_H_
#define MESHPLANE_POLICY_CEL_TYPE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace meshplane::policy::cel {

// An immutable CEL type: a primitive, list(T), map(K, V), type(T), dyn, or
// a type parameter (only inside function declarations). Cheap to copy.
class Type {
 public:
  enum class Kind : uint8_t {
    kDyn,
    kNull,
    kBool,
    kInt,
    kUint,
    kDouble,
    kString,
    kBytes,
    kTimestamp,
    kDuration,
    kList,
    kMap,
    kType,       // type(T): the type of type values
    kOptional,   // optional_type(T) (optional library)
    kTypeParam,  // A, B, K, V in overload signatures
    kError,      // the type of an expression that failed to check
  };

  Type() : kind_(Kind::kDyn) {}

  static Type Dyn() { return Type(Kind::kDyn); }
  static Type Null() { return Type(Kind::kNull); }
  static Type Bool() { return Type(Kind::kBool); }
  static Type Int() { return Type(Kind::kInt); }
  static Type Uint() { return Type(Kind::kUint); }
  static Type Double() { return Type(Kind::kDouble); }
  static Type String() { return Type(Kind::kString); }
  static Type Bytes() { return Type(Kind::kBytes); }
  static Type Timestamp() { return Type(Kind::kTimestamp); }
  static Type Duration() { return Type(Kind::kDuration); }
  static Type List(Type elem);
  static Type Map(Type key, Type value);
  // type(T); TypeType(Dyn()) is the type of any type value.
  static Type TypeType(Type of);
  static Type Optional(Type of);
  static Type Param(std::string name);
  static Type Error() { return Type(Kind::kError); }

  Kind kind() const { return kind_; }
  // list: elem(); map: key(), value(); type: elem() is the described type;
  // optional: elem() is the type of the value held.
  const Type& elem() const { return (*params_)[0]; }
  const Type& key() const { return (*params_)[0]; }
  const Type& value() const { return (*params_)[1]; }
  const std::string& param_name() const { return *name_; }
  bool has_params() const { return params_ != nullptr; }

  // "int", "list(string)", "map(string, dyn)", "type(int)",
  // "google.protobuf.Timestamp".
  std::string ToString() const;

  bool operator==(const Type& other) const;
  bool operator!=(const Type& other) const { return !(*this == other); }

 private:
  explicit Type(Kind kind) : kind_(kind) {}
  Kind kind_;
  std::shared_ptr<const std::vector<Type>> params_;
  std::shared_ptr<const std::string> name_;
};

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_TYPE_H_
