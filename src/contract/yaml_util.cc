#include "contract/yaml_util.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include <yaml.h>

#include "meshplane/common/limits.h"

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
  while (i < s.size() &&
         absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) {
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
void AppendNumber(absl::string_view s, bool integer, std::string* out) {
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
  const std::string text(s);
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

void AppendJson(YamlNode node, std::string* out) {
  switch (TypeOf(node)) {
    case JsonType::kNull:
      out->append("null");
      return;
    case JsonType::kBoolean: {
      const absl::string_view s = node.Scalar();
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
      for (YamlNode item : node.items()) {
        if (!first) {
          out->push_back(',');
        }
        first = false;
        AppendJson(item, out);
      }
      out->push_back(']');
      return;
    }
    case JsonType::kObject: {
      std::map<std::string, YamlNode> sorted;
      for (const YamlEntry& kv : node.entries()) {
        sorted[ToText(kv.first)] = kv.second;
      }
      out->push_back('{');
      bool first = true;
      for (const auto& [key, value] : sorted) {
        if (!first) {
          out->push_back(',');
        }
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

// ---------------------------------------------------------------------------
// Flow rendering (ToText). The quoting rules are yaml-cpp 0.7's emitter's
// (emitterutils.cpp: IsValidPlainScalar in a flow context,
// WriteDoubleQuotedString), so that a collection written in flow style
// renders as it did when yaml-cpp read contracts.

bool IsNullString(absl::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// A line break at s[i]: "\n" or "\r\n".
bool IsBreakAt(absl::string_view s, size_t i) {
  return i < s.size() && (s[i] == '\n' || (s[i] == '\r' && i + 1 < s.size() &&
                                           s[i + 1] == '\n'));
}

bool IsBlankOrBreakAt(absl::string_view s, size_t i) {
  return (i < s.size() && IsBlank(s[i])) || IsBreakAt(s, i);
}

void AppendHexEscape(char kind, uint32_t code, int digits, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('\\');
  out->push_back(kind);
  for (int d = digits - 1; d >= 0; --d) {
    out->push_back(kHex[(code >> (4 * d)) & 0xf]);
  }
}

}  // namespace

// Whether `s` reads back as the same string when written plain, inside a
// flow collection or in block context (yaml-cpp 0.7's IsValidPlainScalar:
// exp.h's PlainScalar/PlainScalarInFlow at the start, EndScalar/
// EndScalarInFlow, comments, breaks, tabs and non-printables anywhere).
bool IsPlainScalar(absl::string_view s, bool flow) {
  if (IsNullString(s)) {
    return false;
  }
  const char c0 = s[0];
  const absl::string_view never_first =
      flow ? "?,[]{}#&*!|>'\"%@`" : ",[]{}#&*!|>'\"%@`";
  if (IsBlankOrBreakAt(s, 0) ||
      never_first.find(c0) != absl::string_view::npos) {
    return false;
  }
  if (flow ? ((c0 == '-' || c0 == ':') && (s.size() == 1 || IsBlank(s[1])))
           : ((c0 == '-' || c0 == '?' || c0 == ':') &&
              (s.size() == 1 || IsBlankOrBreakAt(s, 1)))) {
    return false;
  }
  if (s.back() == ' ') {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == ':' && (i + 1 == s.size() || IsBlankOrBreakAt(s, i + 1) ||
                     (flow && absl::string_view(",]}").find(s[i + 1]) !=
                                  absl::string_view::npos))) {
      return false;
    }
    if (flow &&
        absl::string_view(",?[]{}").find(c) != absl::string_view::npos) {
      return false;
    }
    if (IsBlankOrBreakAt(s, i)) {
      const size_t next = i + (c == '\r' ? 2 : 1);
      if (next < s.size() && s[next] == '#') {
        return false;
      }
    }
    if (u <= 0x08 || u == 0x0B || u == 0x0C || u == 0x7F ||
        (u >= 0x0E && u <= 0x1F)) {
      return false;  // not printable
    }
    if (u == 0xC2 && i + 1 < s.size()) {
      const auto v = static_cast<unsigned char>(s[i + 1]);
      if ((v >= 0x80 && v <= 0x84) || (v >= 0x86 && v <= 0x9F)) {
        return false;  // C1 controls other than NEL
      }
    }
    if (absl::StartsWith(s.substr(i), "\xEF\xBB\xBF") || IsBreakAt(s, i) ||
        c == '\t') {
      return false;
    }
  }
  return true;
}

// `s` (valid UTF-8: libyaml refuses anything else) double-quoted, escaped
// as yaml-cpp 0.7's WriteDoubleQuotedString escapes it.
void AppendDoubleQuoted(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out->append("\\\"");
        continue;
      case '\\':
        out->append("\\\\");
        continue;
      case '\n':
        out->append("\\n");
        continue;
      case '\t':
        out->append("\\t");
        continue;
      case '\r':
        out->append("\\r");
        continue;
      case '\b':
        out->append("\\b");
        continue;
      case '\f':
        out->append("\\f");
        continue;
      default:
        break;
    }
    if (u < 0x20) {
      AppendHexEscape('x', u, 2, out);
    } else if (u == 0xC2 && i + 1 < s.size() &&
               static_cast<unsigned char>(s[i + 1]) <= 0xA0) {
      // U+0080..U+00A0: C1 controls and the no-break space.
      AppendHexEscape('x', static_cast<unsigned char>(s[++i]), 2, out);
    } else if (absl::StartsWith(s.substr(i), "\xEF\xBB\xBF")) {
      AppendHexEscape('u', 0xFEFF, 4, out);  // a byte order mark
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

namespace {

void AppendFlow(YamlNode node, std::string* out) {
  if (!node.IsDefined() || node.IsNull()) {
    out->push_back('~');
    return;
  }
  const absl::string_view tag = node.Tag();
  if (tag != "?" && tag != "!") {
    absl::StrAppend(out, "!<", tag, "> ");
  }
  switch (node.kind()) {
    case YamlKind::kScalar: {
      const absl::string_view s = node.Scalar();
      if (IsPlainScalar(s, /*flow=*/true)) {
        out->append(s.data(), s.size());
      } else {
        AppendDoubleQuoted(s, out);
      }
      return;
    }
    case YamlKind::kSequence: {
      out->push_back('[');
      bool first = true;
      for (YamlNode item : node.items()) {
        if (!first) {
          out->append(", ");
        }
        first = false;
        AppendFlow(item, out);
      }
      out->push_back(']');
      return;
    }
    case YamlKind::kMapping: {
      out->push_back('{');
      bool first = true;
      for (const YamlEntry& kv : node.entries()) {
        if (!first) {
          out->append(", ");
        }
        first = false;
        AppendFlow(kv.first, out);
        out->append(": ");
        AppendFlow(kv.second, out);
      }
      out->push_back('}');
      return;
    }
    default:
      return;
  }
}

}  // namespace

absl::Status CheckYamlStream(absl::string_view text, const YamlBudget& budget) {
  // The tree is built and dropped: it is no larger than the text, and
  // sharing the builder keeps one definition of what the budgets count.
  return ReadYaml(text, budget).status();
}

JsonType TypeOf(YamlNode node) {
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
  const absl::string_view s = node.Scalar();
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

std::string Describe(YamlNode node) {
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

std::string ToText(YamlNode node) {
  if (!node.IsDefined() || node.IsNull()) {
    return "";
  }
  if (node.IsScalar()) {
    return std::string(node.Scalar());
  }
  std::string out;
  AppendFlow(node, &out);
  return out;
}

std::string ToJson(YamlNode node) {
  std::string out;
  AppendJson(node, &out);
  return out;
}

}  // namespace meshplane::contract::internal
