// Variants of a test document made by replacing pieces of its text.
#ifndef MESHPLANE_TESTS_TESTING_TEXT_EDIT_H_
#define MESHPLANE_TESTS_TESTING_TEXT_EDIT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include <gtest/gtest.h>

namespace meshplane::testing {

// `text` with every occurrence of each `from` replaced by its `to`, one edit
// after the other. A `from` that is not there fails the test: an edit that
// no longer applies (the base document changed under it) would otherwise
// test the base document in silence.
inline std::string EditText(
    absl::string_view text,
    const std::vector<std::pair<std::string, std::string>>& edits) {
  std::string out(text);
  for (const auto& [from, to] : edits) {
    EXPECT_NE(out.find(from), std::string::npos) << from;
    out = absl::StrReplaceAll(out, {{from, to}});
  }
  return out;
}

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_TEXT_EDIT_H_
