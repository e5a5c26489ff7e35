#include "meshplane/policy/cel/proto_struct.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

#include "meshplane/policy/cel/json.h"

namespace meshplane::policy::cel {
namespace {

constexpr int kMaxDepth = 256;

absl::StatusOr<Value> FromProto(const google::protobuf::Value& v, int depth);

absl::StatusOr<Value> FromStruct(const google::protobuf::Struct& s, int depth) {
  std::vector<std::pair<Value, Value>> entries;
  entries.reserve(static_cast<size_t>(s.fields_size()));
  for (const auto& [key, field] : s.fields()) {
    absl::StatusOr<Value> v = FromProto(field, depth + 1);
    if (!v.ok()) return v.status();
    entries.emplace_back(Value::String(key), *std::move(v));
  }
  // protobuf map keys are unique strings, so the entries are a valid map.
  return Value::Map(std::move(entries));
}

absl::StatusOr<Value> FromProto(const google::protobuf::Value& v, int depth) {
  if (depth > kMaxDepth) {
    return absl::InvalidArgumentError("google.protobuf.Value nested too deep");
  }
  switch (v.kind_case()) {
    case google::protobuf::Value::kNullValue:
    case google::protobuf::Value::KIND_NOT_SET:
      return Value::Null();
    case google::protobuf::Value::kNumberValue:
      return Value::Double(v.number_value());
    case google::protobuf::Value::kStringValue:
      return Value::String(v.string_value());
    case google::protobuf::Value::kBoolValue:
      return Value::Bool(v.bool_value());
    case google::protobuf::Value::kStructValue:
      return FromStruct(v.struct_value(), depth);
    case google::protobuf::Value::kListValue: {
      std::vector<Value> elems;
      elems.reserve(static_cast<size_t>(v.list_value().values_size()));
      for (const google::protobuf::Value& e : v.list_value().values()) {
        absl::StatusOr<Value> ev = FromProto(e, depth + 1);
        if (!ev.ok()) return ev.status();
        elems.push_back(*std::move(ev));
      }
      return Value::List(std::move(elems));
    }
  }
  return Value::Null();
}

absl::Status ToProto(const Value& v, google::protobuf::Value* out, int depth) {
  if (depth > kMaxDepth) {
    return absl::InvalidArgumentError("value nested too deep");
  }
  switch (v.kind()) {
    case ValueKind::kNull:
      out->set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
    case ValueKind::kBool:
      out->set_bool_value(v.bool_value());
      return absl::OkStatus();
    case ValueKind::kInt:
      out->set_number_value(static_cast<double>(v.int_value()));
      return absl::OkStatus();
    case ValueKind::kUint:
      out->set_number_value(static_cast<double>(v.uint_value()));
      return absl::OkStatus();
    case ValueKind::kDouble:
      if (!std::isfinite(v.double_value())) {
        return absl::InvalidArgumentError(
            "google.protobuf.Value cannot hold NaN or infinity");
      }
      out->set_number_value(v.double_value());
      return absl::OkStatus();
    case ValueKind::kString:
      out->set_string_value(std::string(v.string_value()));
      return absl::OkStatus();
    case ValueKind::kBytes:
      out->set_string_value(absl::Base64Escape(v.string_value()));
      return absl::OkStatus();
    case ValueKind::kTimestamp:
    case ValueKind::kDuration:
    case ValueKind::kType: {
      // Their JSON forms are strings: reuse the JSON printer.
      std::string json = ValueToJson(v);
      out->set_string_value(json.substr(1, json.size() - 2));
      return absl::OkStatus();
    }
    case ValueKind::kList: {
      google::protobuf::ListValue* list = out->mutable_list_value();
      for (const Value& e : v.list()) {
        absl::Status s = ToProto(e, list->add_values(), depth + 1);
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
    case ValueKind::kMap: {
      auto* fields = out->mutable_struct_value()->mutable_fields();
      for (const auto& [k, e] : v.map()) {
        std::string key;
        if (k.kind() == ValueKind::kString) {
          key = std::string(k.string_value());
        } else {
          key = ValueToJson(k);
        }
        absl::Status s = ToProto(e, &(*fields)[key], depth + 1);
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
    case ValueKind::kOptional:
      // google.protobuf.Value has no optionals: a value is itself, none is
      // null.
      if (v.optional_has_value()) {
        return ToProto(v.optional_value(), out, depth + 1);
      }
      out->set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
    case ValueKind::kError:
      return absl::InvalidArgumentError(
          absl::StrCat("cannot convert a CEL error to google.protobuf.Value: ",
                       v.error_message()));
  }
  return absl::InvalidArgumentError("unknown value kind");
}

}  // namespace

absl::StatusOr<Value> ValueFromProto(const google::protobuf::Value& value) {
  return FromProto(value, 0);
}

absl::StatusOr<Value> ValueFromStruct(const google::protobuf::Struct& value) {
  return FromStruct(value, 0);
}

absl::StatusOr<google::protobuf::Value> ValueToProto(const Value& value) {
  google::protobuf::Value out;
  absl::Status s = ToProto(value, &out, 0);
  if (!s.ok()) return s;
  return out;
}

}  // namespace meshplane::policy::cel
