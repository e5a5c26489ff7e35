#include "meshplane/model/access.h"

#include <string>

#include "absl/time/time.h"
#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::model {
namespace {

using ::meshplane::testing::StatusIs;

constexpr char kUuid[] = "0b6c2f8e-1111-4222-8333-444455556666";

TEST(AccessModelTest, Actions) {
  EXPECT_TRUE(IsAccessAction("read"));
  EXPECT_TRUE(IsAccessAction("write"));
  EXPECT_FALSE(IsAccessAction("READ"));
  EXPECT_FALSE(IsAccessAction(""));
  EXPECT_FALSE(IsAccessAction("admin"));
}

TEST(AccessModelTest, RequestStateNamesRoundTrip) {
  for (AccessRequestState s :
       {AccessRequestState::kPending, AccessRequestState::kApproved,
        AccessRequestState::kDenied, AccessRequestState::kWithdrawn,
        AccessRequestState::kExpired}) {
    EXPECT_EQ(ParseAccessRequestState(AccessRequestStateName(s)), s);
  }
  EXPECT_EQ(AccessRequestStateName(AccessRequestState::kWithdrawn),
            "WITHDRAWN");
  EXPECT_EQ(ParseAccessRequestState("ACCESS_REQUEST_STATE_DENIED"),
            AccessRequestState::kDenied);
  EXPECT_EQ(ParseAccessRequestState("pending"), AccessRequestState::kPending);
  EXPECT_EQ(ParseAccessRequestState(""), std::nullopt);
  EXPECT_EQ(ParseAccessRequestState("UNSPECIFIED"), std::nullopt);
  EXPECT_EQ(ParseAccessRequestState("ACTIVE"), std::nullopt);
}

TEST(AccessModelTest, GrantStateNamesRoundTrip) {
  for (GrantState s :
       {GrantState::kActive, GrantState::kExpired, GrantState::kRevoked}) {
    EXPECT_EQ(ParseGrantState(GrantStateName(s)), s);
  }
  EXPECT_EQ(GrantStateName(GrantState::kRevoked), "REVOKED");
  EXPECT_EQ(ParseGrantState("GRANT_STATE_EXPIRED"), GrantState::kExpired);
  EXPECT_EQ(ParseGrantState("PENDING"), std::nullopt);
}

TEST(AccessModelTest, PendingRequestExpiresAtItsExpireTime) {
  absl::Time t = absl::FromUnixSeconds(1700000000);
  AccessRequest r;
  r.expire_time = t;
  EXPECT_EQ(r.StateAt(t - absl::Microseconds(1)), AccessRequestState::kPending);
  EXPECT_EQ(r.StateAt(t), AccessRequestState::kExpired);
  EXPECT_EQ(r.StateAt(absl::InfiniteFuture()), AccessRequestState::kExpired);
  // Decided requests keep their state past the expiry.
  for (AccessRequestState s :
       {AccessRequestState::kApproved, AccessRequestState::kDenied,
        AccessRequestState::kWithdrawn, AccessRequestState::kExpired}) {
    r.state = s;
    EXPECT_EQ(r.StateAt(t + absl::Hours(1)), s);
  }
  // The default never expires.
  EXPECT_EQ(AccessRequest{}.StateAt(absl::FromUnixSeconds(4e9)),
            AccessRequestState::kPending);
}

TEST(AccessModelTest, GrantStateRevokedWinsThenExpiry) {
  absl::Time t = absl::FromUnixSeconds(1700000000);
  Grant g;
  g.actions = {"read"};
  g.expire_time = t;
  EXPECT_EQ(g.StateAt(t - absl::Microseconds(1)), GrantState::kActive);
  EXPECT_TRUE(g.ActiveAt(t - absl::Microseconds(1)));
  EXPECT_EQ(g.StateAt(t), GrantState::kExpired);
  EXPECT_FALSE(g.ActiveAt(t));
  g.revoke_time = t - absl::Hours(1);
  EXPECT_EQ(g.StateAt(t - absl::Hours(2)), GrantState::kRevoked);
  EXPECT_EQ(g.StateAt(t + absl::Hours(1)), GrantState::kRevoked);
  EXPECT_TRUE(Grant{}.ActiveAt(absl::FromUnixSeconds(4e9)));
}

TEST(AccessModelTest, GrantAllowsItsActionsOnly) {
  Grant g;
  g.actions = {"read"};
  EXPECT_TRUE(g.Allows("read"));
  EXPECT_FALSE(g.Allows("write"));
  g.actions = {"read", "write"};
  EXPECT_TRUE(g.Allows("write"));
  EXPECT_FALSE(Grant{}.Allows("read"));
}

TEST(AccessModelTest, NamesRoundTrip) {
  EXPECT_EQ(AccessRequestName(kUuid), std::string("accessRequests/") + kUuid);
  EXPECT_EQ(GrantName(kUuid), std::string("grants/") + kUuid);
  absl::StatusOr<std::string> id =
      ParseAccessRequestName("name", AccessRequestName(kUuid));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, kUuid);
  id = ParseGrantName("grant", GrantName(kUuid));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, kUuid);
  id = ParseGrantName("grant", "grants/" + std::string(64, 'f'));
  EXPECT_TRUE(id.ok()) << id.status();
}

TEST(AccessModelTest, BadNamesNameTheFieldAndValue) {
  EXPECT_THAT(ParseAccessRequestName("request.name", "grants/abc"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "request.name: \"grants/abc\" is not a valid name "
                       "(expected accessRequests/{access_request})"));
  EXPECT_THAT(ParseGrantName("grant", "grants/ABC"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "grant: \"grants/ABC\" is not a valid name: \"ABC\" "
                       "is not a valid grant id"));
  for (const std::string& bad :
       {std::string("grants/"), std::string("grants"), std::string(""),
        std::string("grants/abc/def"), std::string("grants/a b"),
        std::string("grants/xyz"), std::string("/grants/abc"),
        "grants/" + std::string(65, 'a'), std::string("Grants/abc"),
        std::string("grants/abc'; DROP TABLE grants; --")}) {
    EXPECT_THAT(ParseGrantName("g", bad),
                StatusIs(absl::StatusCode::kInvalidArgument, "g: "))
        << bad;
  }
  EXPECT_THAT(ParseAccessRequestName("r", "accessRequests/0b6C"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "is not a valid access request id"));
}

}  // namespace
}  // namespace meshplane::model
