#include "contract/yaml_util.h"

#include <cctype>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace meshplane::contract::internal {
namespace {

bool IsDigits(absl::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

bool IsHex(absl::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

// YAML 1.2 core schema, int: [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+.
bool IsCoreInt(absl::string_view s) {
  if (absl::StartsWith(s, "0x")) {
    return IsHex(s.substr(2));
  }
  if (absl::StartsWith(s, "0o")) {
    return IsDigits(s.substr(2));
  }
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    s.remove_prefix(1);
  }
  return IsDigits(s);
}

// YAML 1.2 core schema, float:
// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.inf | \.nan.
bool IsCoreFloat(absl::string_view s) {
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    return true;
  }
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    s.remove_prefix(1);
  }
  if (s == ".inf" || s == ".Inf" || s == ".INF") {
    return true;
  }
  size_t i = 0;
  size_t int_digits = 0;
  while (i < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) {
    ++i;
    ++int_digits;
  }
  size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
      ++frac_digits;
    }
  }
  if (int_digits == 0 && frac_digits == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
      ++i;
    }
    return IsDigits(s.substr(i));
  }
  return i == s.size();
}

}  // namespace

absl::StatusOr<YAML::Node> LoadYaml(absl::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    // yaml-cpp's marks are 0-based; editors count from 1.
    return absl::InvalidArgumentError(absl::StrCat(
        e.mark.line + 1, ":", e.mark.column + 1, ": invalid YAML: ", e.msg));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "1:1: a data contract must be a YAML mapping (apiVersion, kind, id, "
        "...), found ",
        Describe(root)));
  }
  return root;
}

YAML::Node Get(const YAML::Node& map, absl::string_view key) {
  if (map.IsMap()) {
    for (const auto& kv : map) {
      if (kv.first.IsScalar() && kv.first.Scalar() == key) {
        return kv.second;
      }
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

SourcePosition PositionOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) {
    return {};
  }
  return {mark.line + 1, mark.column + 1};
}

JsonType TypeOf(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    return JsonType::kNull;  // absent fields are never type-checked
  }
  if (node.IsSequence()) {
    return JsonType::kArray;
  }
  if (node.IsMap()) {
    return JsonType::kObject;
  }
  // "!" marks a quoted (non-plain) scalar; explicit tags other than the
  // core ones are read as strings.
  if (node.Tag() != "?") {
    return JsonType::kString;
  }
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" ||
      s == "False" || s == "FALSE") {
    return JsonType::kBoolean;
  }
  if (IsCoreInt(s)) {
    return JsonType::kInteger;
  }
  if (IsCoreFloat(s)) {
    return JsonType::kNumber;
  }
  return JsonType::kString;
}

absl::string_view JsonTypeName(JsonType type) {
  switch (type) {
    case JsonType::kNull:
      return "null";
    case JsonType::kBoolean:
      return "a boolean";
    case JsonType::kInteger:
      return "an integer";
    case JsonType::kNumber:
      return "a number";
    case JsonType::kString:
      return "a string";
    case JsonType::kArray:
      return "a list";
    case JsonType::kObject:
      return "a mapping";
  }
  return "a value";
}

std::string Describe(const YAML::Node& node) {
  const JsonType type = TypeOf(node);
  switch (type) {
    case JsonType::kString:
      return absl::StrCat("\"", node.Scalar(), "\"");
    case JsonType::kBoolean:
    case JsonType::kInteger:
    case JsonType::kNumber:
      return absl::StrCat(JsonTypeName(type), " (", node.Scalar(), ")");
    default:
      return std::string(JsonTypeName(type));
  }
}

std::string ToText(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    return "";
  }
  if (node.IsScalar()) {
    return node.Scalar();
  }
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

}  // namespace meshplane::contract::internal
