#include "meshplane/policy/cel/source.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace meshplane::policy::cel {

std::string Issue::ToString() const {
  return absl::StrCat(line, ":", column, ": ", message);
}

Source::Source(std::string text, std::string description)
    : text_(std::move(text)), description_(std::move(description)) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(static_cast<int>(i + 1));
  }
}

void Source::Location(int offset, int* line, int* column) const {
  offset = std::clamp(offset, 0, static_cast<int>(text_.size()));
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  int index = static_cast<int>(it - line_starts_.begin()) - 1;
  *line = index + 1;
  int col = 1;
  for (int i = line_starts_[index]; i < offset; ++i) {
    // Count code points: skip UTF-8 continuation bytes.
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++col;
  }
  *column = col;
}

namespace {

// The line with tabs shown as spaces (so the caret lines up), cut to a
// readable length, then a caret under `column`.
std::string Excerpt(absl::string_view line, int column) {
  std::string excerpt(line.substr(0, 400));
  for (char& c : excerpt) {
    if (c == '\t' || c == '\r') c = ' ';
  }
  std::string out = absl::StrCat(" | ", excerpt, "\n | ");
  out.append(static_cast<size_t>(std::max(column - 1, 0)), '.');
  out += "^";
  return out;
}

}  // namespace

std::string Issue::FormatWithCaret() const {
  return absl::StrCat(ToString(), "\n", Excerpt(source_line, column));
}

Issue Source::MakeIssue(int offset, std::string message) const {
  Issue issue;
  issue.offset = offset;
  Location(offset, &issue.line, &issue.column);
  issue.message = std::move(message);
  issue.source_line = std::string(Line(issue.line).substr(0, 400));
  return issue;
}

absl::string_view Source::Line(int line) const {
  if (line < 1 || line > static_cast<int>(line_starts_.size())) return "";
  int start = line_starts_[line - 1];
  int end = line < static_cast<int>(line_starts_.size())
                ? line_starts_[line] - 1
                : static_cast<int>(text_.size());
  return absl::string_view(text_).substr(start, end - start);
}

std::string Source::Format(const Issue& issue) const {
  std::string out = absl::StrCat("ERROR: ", description_, ":", issue.line, ":",
                                 issue.column, ": ", issue.message);
  if (issue.line >= 1) {
    absl::StrAppend(&out, "\n", Excerpt(Line(issue.line), issue.column));
  }
  return out;
}

std::string FormatIssues(const Source& source,
                         const std::vector<Issue>& issues) {
  std::string out;
  for (const Issue& issue : issues) {
    if (!out.empty()) out += "\n";
    out += source.Format(issue);
  }
  return out;
}

}  // namespace meshplane::policy::cel
