#include "meshplane/policy/cel/type.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace meshplane::policy::cel {

Type Type::List(Type elem) {
  Type t(Kind::kList);
  t.params_ = std::make_shared<const std::vector<Type>>(
      std::vector<Type>{std::move(elem)});
  return t;
}

Type Type::Map(Type key, Type value) {
  Type t(Kind::kMap);
  t.params_ = std::make_shared<const std::vector<Type>>(
      std::vector<Type>{std::move(key), std::move(value)});
  return t;
}

Type Type::TypeType(Type of) {
  Type t(Kind::kType);
  t.params_ = std::make_shared<const std::vector<Type>>(
      std::vector<Type>{std::move(of)});
  return t;
}

Type Type::Optional(Type of) {
  Type t(Kind::kOptional);
  t.params_ = std::make_shared<const std::vector<Type>>(
      std::vector<Type>{std::move(of)});
  return t;
}

Type Type::Param(std::string name) {
  Type t(Kind::kTypeParam);
  t.name_ = std::make_shared<const std::string>(std::move(name));
  return t;
}

std::string Type::ToString() const {
  switch (kind_) {
    case Kind::kDyn:
      return "dyn";
    case Kind::kNull:
      return "null_type";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kUint:
      return "uint";
    case Kind::kDouble:
      return "double";
    case Kind::kString:
      return "string";
    case Kind::kBytes:
      return "bytes";
    case Kind::kTimestamp:
      return "google.protobuf.Timestamp";
    case Kind::kDuration:
      return "google.protobuf.Duration";
    case Kind::kList:
      return absl::StrCat("list(", elem().ToString(), ")");
    case Kind::kMap:
      return absl::StrCat("map(", key().ToString(), ", ", value().ToString(),
                          ")");
    case Kind::kType:
      return absl::StrCat("type(", elem().ToString(), ")");
    case Kind::kOptional:
      return absl::StrCat("optional_type(", elem().ToString(), ")");
    case Kind::kTypeParam:
      return *name_;
    case Kind::kError:
      return "*error*";
  }
  return "?";
}

bool Type::operator==(const Type& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kList:
    case Kind::kType:
    case Kind::kOptional:
      return elem() == other.elem();
    case Kind::kMap:
      return key() == other.key() && value() == other.value();
    case Kind::kTypeParam:
      return *name_ == *other.name_;
    default:
      return true;
  }
}

}  // namespace meshplane::policy::cel
