#include "server/http/path_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace meshplane::server::http {
namespace {

bool IsIdent(absl::string_view s) {
  if (s.empty() || absl::ascii_isdigit(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

bool IsFieldPath(absl::string_view s) {
  for (absl::string_view part : absl::StrSplit(s, '.')) {
    if (!IsIdent(part)) return false;
  }
  return true;
}

bool IsLiteral(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c == '/' || c == '{' || c == '}' || c == '*' || c == ':' || c == '=' ||
        c == '?' || c == '#' || static_cast<unsigned char>(c) <= ' ') {
      return false;
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  const auto error = [&](size_t pos, absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("path template \"", text, "\" at ", pos, ": ", what));
  };
  PathTemplate t;
  t.text_ = std::string(text);
  if (text.empty() || text[0] != '/') {
    return error(0, "must start with \"/\"");
  }
  size_t i = 1;
  bool double_star = false;
  // Appends "*", "**" or a literal segment; false for anything else.
  const auto add_segment = [&](absl::string_view seg) {
    if (seg == "*") {
      t.segments_.push_back({Kind::kStar, ""});
    } else if (seg == "**") {
      t.segments_.push_back({Kind::kDoubleStar, ""});
      double_star = true;
    } else if (IsLiteral(seg)) {
      t.segments_.push_back({Kind::kLiteral, std::string(seg)});
    } else {
      return false;
    }
    return true;
  };
  // One segment or variable per iteration, then "/", ":" or the end.
  while (true) {
    if (double_star) return error(i, "\"**\" must be the last segment");
    if (i < text.size() && text[i] == '{') {
      size_t close = text.find('}', i);
      if (close == absl::string_view::npos) return error(i, "unclosed \"{\"");
      absl::string_view inner = text.substr(i + 1, close - i - 1);
      size_t eq = inner.find('=');
      absl::string_view field = inner.substr(0, eq);
      if (!IsFieldPath(field)) return error(i + 1, "not a field path");
      Variable v{std::string(field), t.segments_.size(), 0};
      if (eq == absl::string_view::npos) {
        t.segments_.push_back({Kind::kStar, ""});
      } else {
        absl::string_view pattern = inner.substr(eq + 1);
        if (pattern.empty()) return error(i + 1 + eq, "empty pattern");
        for (absl::string_view seg : absl::StrSplit(pattern, '/')) {
          if (double_star) {
            return error(i, "\"**\" must be the last segment");
          }
          if (!add_segment(seg)) {
            return error(i + 1 + eq, absl::StrCat("bad segment \"", seg,
                                                  "\" in a variable"));
          }
        }
      }
      v.end = t.segments_.size();
      for (const Variable& other : t.variables_) {
        if (other.field_path == v.field_path) {
          return error(i, absl::StrCat("\"", v.field_path, "\" bound twice"));
        }
      }
      t.variables_.push_back(std::move(v));
      i = close + 1;
    } else {
      size_t end = text.find_first_of("/:", i);
      if (end == absl::string_view::npos) end = text.size();
      absl::string_view seg = text.substr(i, end - i);
      if (!add_segment(seg)) return error(i, "empty or malformed segment");
      i = end;
    }
    if (i == text.size()) break;
    if (text[i] == ':') {
      absl::string_view verb = text.substr(i + 1);
      if (!IsLiteral(verb)) return error(i + 1, "malformed verb");
      t.verb_ = std::string(verb);
      break;
    }
    if (text[i] != '/') return error(i, "expected \"/\" or \":\"");
    ++i;
  }
  return t;
}

std::optional<PathBindings> PathTemplate::Match(absl::string_view path) const {
  if (path.empty() || path[0] != '/') return std::nullopt;
  path.remove_prefix(1);
  if (!verb_.empty()) {
    const std::string suffix = absl::StrCat(":", verb_);
    if (path.size() <= suffix.size() ||
        path.substr(path.size() - suffix.size()) != suffix) {
      return std::nullopt;
    }
    path.remove_suffix(suffix.size());
  }
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  // Decoded pieces: one per template segment (a `**` takes the rest).
  std::vector<std::string> pieces;
  pieces.reserve(segments_.size());
  size_t p = 0;
  for (const Segment& seg : segments_) {
    if (p >= parts.size()) return std::nullopt;
    if (seg.kind == Kind::kDoubleStar) {
      std::vector<std::string> rest;
      for (; p < parts.size(); ++p) {
        std::optional<std::string> d = PercentDecode(parts[p]);
        if (!d || d->empty()) return std::nullopt;
        rest.push_back(*std::move(d));
      }
      pieces.push_back(absl::StrJoin(rest, "/"));
      break;
    }
    std::optional<std::string> d = PercentDecode(parts[p]);
    if (!d || d->empty()) return std::nullopt;
    if (seg.kind == Kind::kLiteral && *d != seg.literal) return std::nullopt;
    // Outside a variable "/" inside a segment is no segment boundary, and
    // inside one a decoded "/" would forge one: refuse both.
    if (d->find('/') != std::string::npos) return std::nullopt;
    pieces.push_back(*std::move(d));
    ++p;
  }
  if (p != parts.size()) return std::nullopt;
  PathBindings out;
  for (const Variable& v : variables_) {
    std::vector<absl::string_view> covered;
    for (size_t k = v.begin; k < v.end; ++k) covered.push_back(pieces[k]);
    out.emplace_back(v.field_path, absl::StrJoin(covered, "/"));
  }
  return out;
}

std::vector<std::string> PathTemplate::FieldPaths() const {
  std::vector<std::string> out;
  for (const Variable& v : variables_) out.push_back(v.field_path);
  return out;
}

std::vector<std::string> PathTemplate::VariablePatterns() const {
  std::vector<std::string> out;
  for (const Variable& v : variables_) {
    std::vector<std::string> parts;
    for (size_t k = v.begin; k < v.end; ++k) {
      const Segment& seg = segments_[k];
      parts.push_back(seg.kind == Kind::kLiteral ? seg.literal
                      : seg.kind == Kind::kStar  ? "*"
                                                 : "**");
    }
    out.push_back(absl::StrJoin(parts, "/"));
  }
  return out;
}

std::optional<std::string> PathTemplate::Expand(
    const std::vector<std::string>& values) const {
  if (values.size() != variables_.size()) return std::nullopt;
  std::vector<std::string> out;
  size_t next_var = 0;
  for (size_t k = 0; k < segments_.size();) {
    if (next_var < variables_.size() && variables_[next_var].begin == k) {
      const Variable& v = variables_[next_var];
      std::vector<absl::string_view> parts =
          absl::StrSplit(values[next_var], '/');
      size_t p = 0;
      for (size_t s = v.begin; s < v.end; ++s) {
        const Segment& seg = segments_[s];
        if (seg.kind == Kind::kDoubleStar) {
          if (p >= parts.size()) return std::nullopt;
          for (; p < parts.size(); ++p) out.emplace_back(parts[p]);
          break;
        }
        if (p >= parts.size() || parts[p].empty()) return std::nullopt;
        if (seg.kind == Kind::kLiteral && parts[p] != seg.literal) {
          return std::nullopt;
        }
        out.emplace_back(parts[p++]);
      }
      if (p != parts.size()) return std::nullopt;
      k = v.end;
      ++next_var;
      continue;
    }
    const Segment& seg = segments_[k];
    if (seg.kind != Kind::kLiteral) return std::nullopt;
    out.push_back(seg.literal);
    ++k;
  }
  std::string path = absl::StrCat("/", absl::StrJoin(out, "/"));
  if (!verb_.empty()) absl::StrAppend(&path, ":", verb_);
  return path;
}

}  // namespace meshplane::server::http
