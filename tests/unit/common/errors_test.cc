#include "meshplane/common/errors.h"

#include "tests/testing/matchers/status_matchers.h"
#include <gtest/gtest.h>

namespace meshplane {
namespace {

using ::meshplane::testing::StatusIs;

TEST(ErrorsTest, FieldViolationsRoundTripAndFormTheMessage) {
  std::vector<FieldViolation> v = {
      {"data_product.output_ports[1].id", "\"Orders V1\" is not a valid id"},
      {"data_product.owner_team", "is required"},
      {"", "a general problem with \"quotes\" and \\ backslashes"}};
  absl::Status s = InvalidArgumentWithFields(v);
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kInvalidArgument,
                  "data_product.output_ports[1].id: \"Orders V1\" is not a "
                  "valid id; data_product.owner_team: is required; a general"));
  std::vector<FieldViolation> back = GetFieldViolations(s);
  ASSERT_EQ(back.size(), 3u);
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(back[i].field, v[i].field);
    EXPECT_EQ(back[i].description, v[i].description);
  }
}

TEST(ErrorsTest, NoViolationsOnPlainStatuses) {
  EXPECT_TRUE(GetFieldViolations(absl::OkStatus()).empty());
  EXPECT_TRUE(GetFieldViolations(absl::InvalidArgumentError("x")).empty());
  EXPECT_EQ(GetReason(absl::AbortedError("x")), "");
}

TEST(ErrorsTest, ReasonSurvivesCopies) {
  absl::Status s = WithReason(absl::AbortedError("stale"), "ETAG_MISMATCH");
  absl::Status copy = s;
  EXPECT_EQ(GetReason(copy), "ETAG_MISMATCH");
  EXPECT_THAT(copy, StatusIs(absl::StatusCode::kAborted, "stale"));
  EXPECT_EQ(GetReason(WithReason(s, "OTHER")), "OTHER");
}

}  // namespace
}  // namespace meshplane
