#include "meshplane/model/lifecycle.h"

#include "tests/testing/matchers/status_matchers.h"
#include <gtest/gtest.h>

#include "meshplane/model/data_product.h"

namespace meshplane::model {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;

struct TransitionCase {
  Lifecycle from;
  Lifecycle to;
  bool allowed;
};

class LifecycleTransitionTest
    : public ::testing::TestWithParam<TransitionCase> {};

TEST_P(LifecycleTransitionTest, FollowsTheTable) {
  const TransitionCase& c = GetParam();
  absl::Status s = CheckTransition(c.from, c.to);
  if (c.allowed) {
    EXPECT_THAT(s, IsOk());
  } else {
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                            std::string(LifecycleName(c.from))));
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                            std::string(LifecycleName(c.to))));
  }
}

using L = Lifecycle;
INSTANTIATE_TEST_SUITE_P(
    AllPairs, LifecycleTransitionTest,
    ::testing::Values(TransitionCase{L::kDraft, L::kDraft, false},
                      TransitionCase{L::kDraft, L::kPublished, true},
                      TransitionCase{L::kDraft, L::kDeprecated, false},
                      TransitionCase{L::kDraft, L::kRetired, true},
                      TransitionCase{L::kPublished, L::kDraft, false},
                      TransitionCase{L::kPublished, L::kPublished, false},
                      TransitionCase{L::kPublished, L::kDeprecated, true},
                      TransitionCase{L::kPublished, L::kRetired, false},
                      TransitionCase{L::kDeprecated, L::kDraft, false},
                      TransitionCase{L::kDeprecated, L::kPublished, true},
                      TransitionCase{L::kDeprecated, L::kDeprecated, false},
                      TransitionCase{L::kDeprecated, L::kRetired, true},
                      TransitionCase{L::kRetired, L::kDraft, false},
                      TransitionCase{L::kRetired, L::kPublished, false},
                      TransitionCase{L::kRetired, L::kDeprecated, false},
                      TransitionCase{L::kRetired, L::kRetired, false}));

TEST(LifecycleTest, NamesRoundTrip) {
  for (L l : {L::kDraft, L::kPublished, L::kDeprecated, L::kRetired}) {
    EXPECT_EQ(ParseLifecycle(LifecycleName(l)), l);
  }
  EXPECT_EQ(ParseLifecycle("published"), L::kPublished);
  EXPECT_EQ(ParseLifecycle("LIFECYCLE_RETIRED"), L::kRetired);
  EXPECT_EQ(ParseLifecycle("gone"), std::nullopt);
  EXPECT_EQ(ParseLifecycle(""), std::nullopt);
}

TEST(ClassificationTest, NamesRoundTrip) {
  using C = Classification;
  for (C c : {C::kUnspecified, C::kPublic, C::kInternal, C::kConfidential,
              C::kRestricted}) {
    EXPECT_EQ(ParseClassification(ClassificationName(c)), c);
  }
  EXPECT_EQ(ClassificationName(C::kRestricted), "RESTRICTED");
  EXPECT_EQ(ParseClassification("confidential"), C::kConfidential);
  EXPECT_EQ(ParseClassification("CLASSIFICATION_PUBLIC"), C::kPublic);
  EXPECT_EQ(ParseClassification("secret"), std::nullopt);
}

}  // namespace
}  // namespace meshplane::model
