#include "meshplane/policy/cel/json.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "policy/cel/format_util.h"
#include "policy/cel/time_util.h"

#include "meshplane/common/limits.h"

namespace meshplane::policy::cel {
namespace {

constexpr int kMaxJsonDepth = 256;
// Governance reads contracts in this JSON form: a contract the YAML reader
// accepted must never fail here (it would surface as an internal error), so
// this limit stays above the reader's, with room for the envelopes around
// a document.
static_assert(kMaxJsonDepth >= kMaxDocumentDepth + 32,
              "the JSON reader must accept every document the YAML reader "
              "does");

class JsonParser {
 public:
  explicit JsonParser(absl::string_view text) : s_(text) {}

  absl::StatusOr<Value> Run() {
    Value v;
    if (!ParseValue(&v, 0)) return Fail();
    SkipSpace();
    if (pos_ != s_.size()) {
      error_ = "unexpected trailing characters";
      return Fail();
    }
    return v;
  }

 private:
  absl::Status Fail() const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at byte ", pos_, ": ", error_));
  }

  // Consumes `c` if it is next.
  bool Accept(char c) {
    if (pos_ >= s_.size() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  // After an item of an object or array: true on ',' (another follows);
  // false on `close` (the end), or with error_ set on anything else.
  bool MoreItems(char close) {
    SkipSpace();
    if (Accept(',')) return true;
    if (!Accept(close)) {
      error_ =
          absl::StrCat("expected ',' or '", absl::string_view(&close, 1), "'");
    }
    return false;
  }

  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' ||
                                s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Literal(absl::string_view word) {
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    error_ = "unexpected token";
    return false;
  }

  bool ParseValue(Value* out, int depth) {
    if (depth > kMaxJsonDepth) {
      error_ = "nesting too deep";
      return false;
    }
    SkipSpace();
    if (pos_ >= s_.size()) {
      error_ = "unexpected end of input";
      return false;
    }
    char c = s_[pos_];
    switch (c) {
      case '{':
        return ParseObject(out, depth);
      case '[':
        return ParseArray(out, depth);
      case '"': {
        std::string str;
        if (!ParseString(&str)) return false;
        *out = Value::String(std::move(str));
        return true;
      }
      case 't':
        if (!Literal("true")) return false;
        *out = Value::Bool(true);
        return true;
      case 'f':
        if (!Literal("false")) return false;
        *out = Value::Bool(false);
        return true;
      case 'n':
        if (!Literal("null")) return false;
        *out = Value::Null();
        return true;
      default:
        return ParseNumber(out);
    }
  }

  bool ParseObject(Value* out, int depth) {
    ++pos_;
    std::vector<std::pair<Value, Value>> entries;
    SkipSpace();
    if (Accept('}')) {
      *out = Value::Map(std::move(entries));
      return true;
    }
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') {
        error_ = "expected a string key";
        return false;
      }
      std::string key;
      if (!ParseString(&key)) return false;
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') {
        error_ = "expected ':'";
        return false;
      }
      ++pos_;
      Value v;
      if (!ParseValue(&v, depth + 1)) return false;
      entries.emplace_back(InternKey(std::move(key)), std::move(v));
      if (!MoreItems('}')) break;
    }
    if (!error_.empty()) return false;
    Value map = MapValue::Build(std::move(entries));
    if (map.IsError()) {
      error_ = std::string(map.error_message());
      return false;
    }
    *out = std::move(map);
    return true;
  }

  bool ParseArray(Value* out, int depth) {
    ++pos_;
    std::vector<Value> elems;
    SkipSpace();
    if (Accept(']')) {
      *out = Value::List(std::move(elems));
      return true;
    }
    while (true) {
      Value v;
      if (!ParseValue(&v, depth + 1)) return false;
      elems.push_back(std::move(v));
      if (!MoreItems(']')) break;
    }
    if (!error_.empty()) return false;
    *out = Value::List(std::move(elems));
    return true;
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool Read4(uint32_t* out) {
    if (pos_ + 4 > s_.size()) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = Hex(s_[pos_ + i]);
      if (h < 0) return false;
      v = v * 16 + static_cast<uint32_t>(h);
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  bool ParseString(std::string* out) {
    ++pos_;  // opening quote
    size_t start = pos_;
    // Fast path: no escapes.
    while (pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '\\' &&
           static_cast<unsigned char>(s_[pos_]) >= 0x20) {
      ++pos_;
    }
    out->assign(s_.data() + start, pos_ - start);
    while (true) {
      if (pos_ >= s_.size()) {
        error_ = "unterminated string";
        return false;
      }
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        error_ = "control character in string";
        return false;
      }
      if (c != '\\') {
        out->push_back(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) {
        error_ = "unterminated escape";
        return false;
      }
      char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!Read4(&cp)) {
            error_ = "invalid \\u escape";
            return false;
          }
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (pos_ + 2 <= s_.size() && s_[pos_] == '\\' &&
                s_[pos_ + 1] == 'u') {
              pos_ += 2;
              if (!Read4(&lo) || lo < 0xDC00 || lo > 0xDFFF) {
                error_ = "invalid surrogate pair";
                return false;
              }
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              cp = 0xFFFD;
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;
          }
          internal::AppendUtf8(static_cast<char32_t>(cp), out);
          break;
        }
        default:
          error_ = "invalid escape";
          return false;
      }
    }
    if (!internal::IsValidUtf8(*out)) {
      error_ = "invalid UTF-8 in string";
      return false;
    }
    return true;
  }

  bool ParseNumber(Value* out) {
    size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    size_t digits = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    if (pos_ == digits) {
      error_ = "unexpected character";
      return false;
    }
    if (s_[digits] == '0' && pos_ - digits > 1) {
      error_ = "leading zero in number";
      return false;
    }
    bool is_double = false;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      is_double = true;
      ++pos_;
      size_t f = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == f) {
        error_ = "expected digits after '.'";
        return false;
      }
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      is_double = true;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      size_t f = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == f) {
        error_ = "expected exponent digits";
        return false;
      }
    }
    absl::string_view text = s_.substr(start, pos_ - start);
    if (!is_double) {
      int64_t i;
      if (absl::SimpleAtoi(text, &i)) {
        *out = Value::Int(i);
        return true;
      }
    }
    double d;
    if (!absl::SimpleAtod(text, &d)) {
      error_ = "invalid number";
      return false;
    }
    *out = Value::Double(d);
    return true;
  }

  // Keys are interned process-wide (Value::InternedString), so that a
  // policy's field names find them by pointer; the local cache avoids
  // taking the intern table's lock for every repeated key.
  Value InternKey(std::string key) {
    if (key.size() > 64) return Value::String(std::move(key));
    auto it = keys_.find(key);
    if (it != keys_.end()) return it->second;
    Value v = Value::InternedString(key);
    if (keys_.size() < 4096) keys_.emplace(std::move(key), v);
    return v;
  }

  absl::string_view s_;
  size_t pos_ = 0;
  std::string error_;
  absl::flat_hash_map<std::string, Value> keys_;
};

void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof(b), "\\u%04x", c);
          *out += b;
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

void AppendJson(const Value& v, std::string* out, int depth) {
  if (depth > 512) {
    *out += "null";
    return;
  }
  switch (v.kind()) {
    case ValueKind::kNull:
      *out += "null";
      return;
    case ValueKind::kBool:
      *out += v.bool_value() ? "true" : "false";
      return;
    case ValueKind::kInt:
      absl::StrAppend(out, v.int_value());
      return;
    case ValueKind::kUint:
      absl::StrAppend(out, v.uint_value());
      return;
    case ValueKind::kDouble: {
      double d = v.double_value();
      if (std::isnan(d)) {
        *out += "\"NaN\"";
      } else if (std::isinf(d)) {
        *out += d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
      } else {
        std::string s = internal::FormatDouble(d);
        *out += s;
      }
      return;
    }
    case ValueKind::kString:
      AppendJsonString(v.string_value(), out);
      return;
    case ValueKind::kBytes:
      AppendJsonString(absl::Base64Escape(v.string_value()), out);
      return;
    case ValueKind::kTimestamp:
      AppendJsonString(internal::FormatTimestamp(v.seconds(), v.nanos()), out);
      return;
    case ValueKind::kDuration:
      AppendJsonString(internal::FormatDuration(v.seconds(), v.nanos()), out);
      return;
    case ValueKind::kType:
      AppendJsonString(v.string_value(), out);
      return;
    case ValueKind::kOptional:
      // JSON has no optionals: a value is itself, none is null.
      if (v.optional_has_value()) {
        AppendJson(v.optional_value(), out, depth + 1);
      } else {
        *out += "null";
      }
      return;
    case ValueKind::kError:
      *out += "{\"error\":";
      AppendJsonString(v.error_message(), out);
      *out += "}";
      return;
    case ValueKind::kList: {
      out->push_back('[');
      bool first = true;
      for (const Value& e : v.list()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(e, out, depth + 1);
      }
      out->push_back(']');
      return;
    }
    case ValueKind::kMap: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, val] : v.map()) {
        if (!first) out->push_back(',');
        first = false;
        if (k.kind() == ValueKind::kString) {
          AppendJsonString(k.string_value(), out);
        } else {
          std::string key;
          AppendJson(k, &key, depth + 1);
          AppendJsonString(key, out);
        }
        out->push_back(':');
        AppendJson(val, out, depth + 1);
      }
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

absl::StatusOr<Value> ValueFromJson(absl::string_view json) {
  return JsonParser(json).Run();
}

std::string ValueToJson(const Value& value) {
  std::string out;
  AppendJson(value, &out, 0);
  return out;
}

}  // namespace meshplane::policy::cel
