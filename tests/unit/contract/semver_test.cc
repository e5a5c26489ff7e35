#include "meshplane/contract/semver.h"

#include "gtest/gtest.h"

namespace meshplane::contract {
namespace {

SemVer V(absl::string_view s) {
  absl::StatusOr<SemVer> v = SemVer::Parse(s);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : SemVer();
}

TEST(SemVerTest, ParsesAndPrints) {
  EXPECT_EQ(V("1.2.3").ToString(), "1.2.3");
  EXPECT_EQ(V("1.0.0-rc.1+build.5").ToString(), "1.0.0-rc.1+build.5");
  EXPECT_EQ(V("10.20.30").minor(), 20u);
  EXPECT_TRUE(V("2.0.0-alpha").is_prerelease());
}

TEST(SemVerTest, RefusesNonSemver) {
  for (const char* bad :
       {"", "1", "1.2", "v1.2.3", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-01",
        "1.2.3-a..b", "1.2.x", "1.2.3+"}) {
    EXPECT_FALSE(SemVer::Parse(bad).ok()) << bad;
  }
  EXPECT_EQ(SemVer::Parse("1.2").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SemVerTest, PrecedenceFollowsSemverOrg) {
  // semver.org item 11's example chain.
  const char* chain[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                         "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                         "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                         "1.1.0",       "2.0.0"};
  for (size_t i = 0; i + 1 < sizeof(chain) / sizeof(chain[0]); ++i) {
    EXPECT_LT(V(chain[i]), V(chain[i + 1])) << chain[i];
  }
  EXPECT_EQ(V("1.0.0+a"), V("1.0.0+b"));
}

TEST(SemVerTest, BumpsAndBumpBetween) {
  EXPECT_EQ(V("1.2.3").Bumped(Bump::kMajor).ToString(), "2.0.0");
  EXPECT_EQ(V("1.2.3").Bumped(Bump::kMinor).ToString(), "1.3.0");
  EXPECT_EQ(V("1.2.3-rc.1").Bumped(Bump::kPatch).ToString(), "1.2.4");
  EXPECT_EQ(BumpBetween(V("1.2.3"), V("2.0.0")), Bump::kMajor);
  EXPECT_EQ(BumpBetween(V("1.2.3"), V("1.3.0")), Bump::kMinor);
  EXPECT_EQ(BumpBetween(V("1.2.3"), V("1.2.4")), Bump::kPatch);
  EXPECT_EQ(BumpBetween(V("1.2.3"), V("1.2.3")), Bump::kNone);
  EXPECT_EQ(BumpBetween(V("1.2.3"), V("1.0.0")), Bump::kNone);
  EXPECT_EQ(BumpName(Bump::kMinor), "minor");
}

TEST(SemVerTest, Satisfies) {
  EXPECT_TRUE(Satisfies(V("1.4.0"), V("2.0.0"), Bump::kMajor));
  EXPECT_FALSE(Satisfies(V("1.4.0"), V("1.5.0"), Bump::kMajor));
  EXPECT_TRUE(Satisfies(V("1.4.0"), V("1.5.0"), Bump::kMinor));
  EXPECT_TRUE(Satisfies(V("1.4.0"), V("2.0.0"), Bump::kPatch));
  EXPECT_FALSE(Satisfies(V("1.4.0"), V("1.4.0"), Bump::kPatch));
  EXPECT_FALSE(Satisfies(V("1.4.0"), V("1.3.9"), Bump::kNone));
  EXPECT_TRUE(Satisfies(V("1.4.0"), V("2.0.0-rc.1"), Bump::kMajor));
  // 0.y.z: a minor bump may break (semver.org item 4).
  EXPECT_TRUE(Satisfies(V("0.3.0"), V("0.4.0"), Bump::kMajor));
  EXPECT_FALSE(Satisfies(V("0.3.0"), V("0.3.1"), Bump::kMajor));
}

}  // namespace
}  // namespace meshplane::contract
