// Expression source text, positions and issues.
//
// Every compile-time problem (syntax error, type error, limit exceeded) is an
// Issue: data returned inside an OK result, never a non-OK Status (cel-cpp's
// "user mistakes are data").
//
//   Source src("a +");
//   Issue issue = src.MakeIssue(3, "Syntax error: expected an expression");
//   std::cout << src.Format(issue);   // ERROR: <input>:1:4: Syntax ...
//                                     //  | a +
//                                     //  | ...^
#ifndef MESHPLANE_POLICY_CEL_SOURCE_H_
#define MESHPLANE_POLICY_CEL_SOURCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace meshplane::policy::cel {

// One problem found while compiling. `line` and `column` are 1-based;
// column counts code points, as CEL tools do. `offset` is the byte offset
// in the expression (-1 if unknown).
struct Issue {
  int line = 0;
  int column = 0;
  int offset = -1;
  std::string message;
  // The text of the offending line (filled by Source::MakeIssue), so that
  // an issue can be shown without its Source.
  std::string source_line;

  // "line:column: message".
  std::string ToString() const;

  // "line:column: message", then the offending line and a caret under the
  // column:
  //   1:5: Syntax error: expected an expression, found ...
  //    | a +
  //    | ....^
  std::string FormatWithCaret() const;
};

// The text of an expression with its line index. Immutable once built;
// safe to share across threads.
class Source {
 public:
  explicit Source(std::string text, std::string description = "<input>");

  const std::string& text() const { return text_; }
  const std::string& description() const { return description_; }

  // 1-based line and code-point column of a byte offset (clamped to the text).
  void Location(int offset, int* line, int* column) const;

  // An issue at `offset` with `message`.
  Issue MakeIssue(int offset, std::string message) const;

  // "ERROR: <input>:L:C: message" followed by the offending line and a caret
  // under the column, as cel-go prints issues.
  std::string Format(const Issue& issue) const;

  // The text of 1-based line `line`, without its newline.
  absl::string_view Line(int line) const;

 private:
  std::string text_;
  std::string description_;
  std::vector<int> line_starts_;  // byte offset at which each line starts
};

// Formats issues as Source::Format does, one after another, separated by
// newlines.
std::string FormatIssues(const Source& source,
                         const std::vector<Issue>& issues);

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_SOURCE_H_
