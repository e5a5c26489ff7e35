#include "core/filter.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core::internal {
namespace {

absl::Status FilterError(size_t pos, absl::string_view what) {
  return InvalidArgumentWithFields(
      {{"filter", absl::StrCat(what, " (at column ", pos + 1,
                               "); supported: field = \"value\", field:value, "
                               "free text, joined with AND")}});
}

bool IsWordChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u <= ' ' || u == 0x7f) return false;
  return c != '"' && c != '=' && c != ':' && c != '(' && c != ')' && c != '<' &&
         c != '>' && c != '!';
}

bool IsFieldName(absl::string_view s) {
  if (s.empty() ||
      !(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) {
    return false;
  }
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_' ||
          c == '.')) {
      return false;
    }
  }
  return true;
}

class Parser {
 public:
  explicit Parser(absl::string_view s) : s_(s) {}

  absl::StatusOr<std::vector<FilterTerm>> Parse() {
    std::vector<FilterTerm> terms;
    bool need_term = false;  // after AND
    SkipSpace();
    while (pos_ < s_.size()) {
      size_t start = pos_;
      if (s_[pos_] == '"') {
        auto str = ReadString();
        if (!str.ok()) return str.status();
        terms.push_back({"", *str});
      } else if (s_[pos_] == '(' || s_[pos_] == ')') {
        return FilterError(pos_, "parentheses are not supported");
      } else if (s_[pos_] == '-') {
        return FilterError(pos_, "negation is not supported");
      } else if (!IsWordChar(s_[pos_])) {
        return FilterError(
            pos_, absl::StrCat("unexpected '", s_.substr(pos_, 1), "'"));
      } else {
        std::string word = ReadWord();
        if (word == "AND") {
          if (terms.empty() || need_term) {
            return FilterError(start, "AND needs a term on each side");
          }
          need_term = true;
          SkipSpace();
          continue;
        }
        if (word == "OR") return FilterError(start, "OR is not supported");
        if (word == "NOT") return FilterError(start, "NOT is not supported");
        SkipSpace();
        if (pos_ < s_.size() && (s_[pos_] == '=' || s_[pos_] == ':')) {
          char op = s_[pos_];
          if (!IsFieldName(word)) {
            return FilterError(
                start, absl::StrCat(QuotePrefix(word), " is not a field name"));
          }
          ++pos_;
          if (op == '=' && pos_ < s_.size() && s_[pos_] == '=') {
            return FilterError(pos_, "use = rather than ==");
          }
          SkipSpace();
          if (pos_ >= s_.size()) {
            return FilterError(pos_, absl::StrCat("a value is missing after ",
                                                  word, std::string(1, op)));
          }
          if (s_[pos_] == '"') {
            auto str = ReadString();
            if (!str.ok()) return str.status();
            terms.push_back({word, *str});
          } else {
            // Bare values may contain ':' (user:ana@example.com).
            size_t vstart = pos_;
            while (pos_ < s_.size() &&
                   (IsWordChar(s_[pos_]) || s_[pos_] == ':'))
              ++pos_;
            if (pos_ == vstart) {
              return FilterError(pos_, absl::StrCat("a value is missing after ",
                                                    word, std::string(1, op)));
            }
            terms.push_back(
                {word, std::string(s_.substr(vstart, pos_ - vstart))});
          }
        } else if (pos_ < s_.size() &&
                   (s_[pos_] == '<' || s_[pos_] == '>' || s_[pos_] == '!')) {
          return FilterError(pos_, "only = and : comparisons are supported");
        } else {
          terms.push_back({"", word});
        }
      }
      need_term = false;
      SkipSpace();
    }
    if (need_term) return FilterError(s_.size(), "the filter ends with AND");
    return terms;
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() &&
           std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
  }
  std::string ReadWord() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsWordChar(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }
  absl::StatusOr<std::string> ReadString() {
    size_t start = pos_;
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (pos_ >= s_.size()) break;
        out.push_back(s_[pos_++]);
      } else {
        out.push_back(c);
      }
    }
    return FilterError(start, "unterminated string");
  }

  absl::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter) {
  if (filter.size() > kMaxFilterBytes) {
    return InvalidArgumentWithFields(
        {{"filter",
          absl::StrCat(filter.size(), " bytes; at most ", kMaxFilterBytes)}});
  }
  absl::StatusOr<std::vector<FilterTerm>> terms = Parser(filter).Parse();
  if (!terms.ok()) return terms;
  if (size_t n = FilterWords(*terms); n > kMaxFilterTerms) {
    return InvalidArgumentWithFields(
        {{"filter", absl::StrCat(n, " terms; at most ", kMaxFilterTerms,
                                 " (each word of free text counts as one)")}});
  }
  return terms;
}

size_t FilterWords(const std::vector<FilterTerm>& terms) {
  size_t n = 0;
  for (const FilterTerm& t : terms) {
    if (!t.field.empty() && t.field != "text") {
      ++n;
      continue;
    }
    bool in_word = false;
    for (char c : t.value) {
      unsigned char u = static_cast<unsigned char>(c);
      bool word_char = u >= 0x80 || std::isalnum(u);
      if (word_char && !in_word) ++n;
      in_word = word_char;
    }
  }
  return n;
}

std::string CanonicalFilter(const std::vector<FilterTerm>& terms) {
  std::vector<std::string> parts;
  for (const auto& t : terms) {
    std::string quoted;
    for (char c : t.value) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    parts.push_back(t.field.empty()
                        ? absl::StrCat("\"", quoted, "\"")
                        : absl::StrCat(t.field, "=\"", quoted, "\""));
  }
  return absl::StrJoin(parts, " AND ");
}

std::string StripCollection(absl::string_view value,
                            absl::string_view collection) {
  absl::ConsumePrefix(&value, collection);
  return std::string(value);
}

absl::Status UnknownFilterField(const std::string& field,
                                const std::vector<std::string>& known) {
  return InvalidArgumentWithFields(
      {{"filter", absl::StrCat("unknown field ", QuotePrefix(field),
                               " (known: ", absl::StrJoin(known, ", "), ")")}});
}

absl::Status FreeTextNotSupported(const std::string& text,
                                  absl::string_view resources) {
  return InvalidArgumentWithFields(
      {{"filter", absl::StrCat("free text (", QuotePrefix(text),
                               ") is not supported for ", resources)}});
}

absl::Status DuplicateFilterField(const std::string& field) {
  return InvalidArgumentWithFields(
      {{"filter", absl::StrCat(QuotePrefix(field), " may appear only once")}});
}

absl::Status CheckFilterId(const std::string& field, const std::string& id) {
  if (model::IsValidId(id)) return absl::OkStatus();
  return InvalidArgumentWithFields(
      {{"filter",
        absl::StrCat(field, ": ", QuotePrefix(id), " is not a valid id")}});
}

}  // namespace meshplane::core::internal
