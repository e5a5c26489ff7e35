#include "contract/yaml_util.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
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

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out->append("\\u00");
          out->push_back(kHex[(c >> 4) & 0xf]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendDouble(double d, std::string* out) {
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), d);
  out->append(buf, result.ptr);
}

// A core-schema number as JSON: integers in decimal (beyond int64, as a
// double), floats shortest round-trip; infinities and NaN as strings.
void AppendNumber(const std::string& s, bool integer, std::string* out) {
  if (integer) {
    absl::string_view digits = s;
    bool negative = false;
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
      negative = digits[0] == '-';
      digits.remove_prefix(1);
    }
    int base = 10;
    if (absl::StartsWith(digits, "0x")) {
      base = 16;
      digits.remove_prefix(2);
    } else if (absl::StartsWith(digits, "0o")) {
      base = 8;
      digits.remove_prefix(2);
    }
    int64_t value = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(),
                             value, base);
    if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
      absl::StrAppend(out, negative ? -value : value);
      return;
    }
  }
  std::string text = s;
  if (absl::StrContains(text, "inf") || absl::StrContains(text, "Inf") ||
      absl::StrContains(text, "INF") || absl::StrContains(text, "nan") ||
      absl::StrContains(text, "NaN") || absl::StrContains(text, "NAN")) {
    AppendJsonString(text, out);
    return;
  }
  double d = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(d)) {
    AppendJsonString(text, out);
    return;
  }
  AppendDouble(d, out);
}

void AppendJson(const YAML::Node& node, std::string* out) {
  switch (TypeOf(node)) {
    case JsonType::kNull:
      out->append("null");
      return;
    case JsonType::kBoolean: {
      const std::string& s = node.Scalar();
      out->append(s[0] == 't' || s[0] == 'T' ? "true" : "false");
      return;
    }
    case JsonType::kInteger:
      AppendNumber(node.Scalar(), true, out);
      return;
    case JsonType::kNumber:
      AppendNumber(node.Scalar(), false, out);
      return;
    case JsonType::kString:
      AppendJsonString(node.Scalar(), out);
      return;
    case JsonType::kArray: {
      out->push_back('[');
      bool first = true;
      for (const auto& item : node) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(item, out);
      }
      out->push_back(']');
      return;
    }
    case JsonType::kObject: {
      std::map<std::string, YAML::Node> sorted;
      for (const auto& kv : node) {
        sorted[ToText(kv.first)] = kv.second;
      }
      out->push_back('{');
      bool first = true;
      for (const auto& [key, value] : sorted) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(key, out);
        out->push_back(':');
        AppendJson(value, out);
      }
      out->push_back('}');
      return;
    }
  }
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

std::string ToJson(const YAML::Node& node) {
  std::string out;
  AppendJson(node, &out);
  return out;
}

}  // namespace meshplane::contract::internal
