// What the YAML reader's unit tests share. Private to tests/unit/contract.
#ifndef MESHPLANE_TESTS_UNIT_CONTRACT_YAML_TEST_UTIL_H_
#define MESHPLANE_TESTS_UNIT_CONTRACT_YAML_TEST_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "contract/yaml_util.h"
#include "gtest/gtest.h"

namespace meshplane::contract::internal::test_util {

// The message of LoadYaml's refusal of `text`; expects one, with
// INVALID_ARGUMENT.
inline std::string ErrorOf(absl::string_view text) {
  absl::StatusOr<YamlDocument> doc = LoadYaml(text);
  EXPECT_FALSE(doc.ok());
  if (doc.ok()) {
    return "";
  }
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(doc.status().message());
}

}  // namespace meshplane::contract::internal::test_util

#endif  // MESHPLANE_TESTS_UNIT_CONTRACT_YAML_TEST_UTIL_H_
