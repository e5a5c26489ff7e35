// The CheckAccess index alone: direct and team grants, expiry by the clock
// passed in, revocation, actions, unknown ports and principals, team and
// port changes, a full replace, and memory per grant.
#include "meshplane/core/access_index.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::core {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1767225600);
constexpr char kPort[] =
    "domains/sales/dataProducts/orders/outputPorts/orders-v1";

std::string Uuid(int i) {
  return absl::StrFormat("00000000-0000-4000-8000-%012d", i);
}

model::Grant MakeGrant(int i, const std::string& consumer,
                       absl::Duration lasts = absl::Hours(24),
                       std::vector<std::string> actions = {"read"}) {
  model::Grant g;
  g.id = Uuid(i);
  g.port = {"sales", "orders", "orders-v1"};
  g.consumer = consumer;
  g.actions = std::move(actions);
  g.create_time = kNow - absl::Hours(1);
  g.expire_time = kNow + lasts;
  return g;
}

AccessIndexData Base() {
  AccessIndexData data;
  data.ports = {{{"sales", "orders", "orders-v1"}, "sales-eng"},
                {{"sales", "orders", "orders-v2"}, "sales-eng"}};
  model::Team analysts;
  analysts.id = "analysts";
  analysts.members = {"user:ana@example.com", "user:bo@example.com"};
  data.teams = {analysts};
  return data;
}

TEST(AccessIndexTest, DirectGrantAllowsUntilItExpires) {
  AccessIndex index;
  AccessIndexData data = Base();
  data.grants = {MakeGrant(1, "user:cy@example.com", absl::Hours(2))};
  index.Replace(data);
  IndexCheck r = index.Check("user:cy@example.com", kPort, "read", kNow);
  EXPECT_TRUE(r.allowed);
  EXPECT_EQ(r.grant_id, Uuid(1));
  EXPECT_EQ(r.consumer, "user:cy@example.com");
  EXPECT_EQ(r.expire_time, kNow + absl::Hours(2));
  EXPECT_EQ(r.owner_team_id, "sales-eng");
  // At its expiry it stops, with no job to remove it.
  r = index.Check("user:cy@example.com", kPort, "read", kNow + absl::Hours(2));
  EXPECT_FALSE(r.allowed);
  EXPECT_THAT(r.reason, HasSubstr("expired"));
  // Another action, another principal, another port: no.
  EXPECT_FALSE(
      index.Check("user:cy@example.com", kPort, "write", kNow).allowed);
  EXPECT_FALSE(
      index.Check("user:zed@example.com", kPort, "read", kNow).allowed);
  IndexCheck other = index.Check(
      "user:cy@example.com",
      "domains/sales/dataProducts/orders/outputPorts/orders-v2", "read", kNow);
  EXPECT_FALSE(other.allowed);
  EXPECT_TRUE(other.port_known);
}

TEST(AccessIndexTest, UnknownPortsAndPrincipalsAreDenied) {
  AccessIndex index;
  index.Replace(Base());
  IndexCheck r =
      index.Check("user:nobody@example.com",
                  "domains/x/dataProducts/y/outputPorts/z", "read", kNow);
  EXPECT_FALSE(r.allowed);
  EXPECT_FALSE(r.port_known);
  EXPECT_THAT(r.reason, HasSubstr("no output port"));
  EXPECT_FALSE(
      index.Check("user:nobody@example.com", kPort, "read", kNow).allowed);
}

TEST(AccessIndexTest, TeamGrantsCoverMembersIncludingNewOnes) {
  AccessIndex index;
  AccessIndexData data = Base();
  data.grants = {MakeGrant(2, "team:analysts")};
  index.Replace(data);
  IndexCheck r = index.Check("user:ana@example.com", kPort, "read", kNow);
  EXPECT_TRUE(r.allowed);
  EXPECT_EQ(r.consumer, "team:analysts");
  EXPECT_TRUE(index.Check("team:analysts", kPort, "read", kNow).allowed);
  EXPECT_FALSE(index.Check("user:cy@example.com", kPort, "read", kNow).allowed);
  // A new member is covered as soon as the team changes.
  index.SetTeam("analysts", {"user:ana@example.com", "user:cy@example.com"});
  EXPECT_TRUE(index.Check("user:cy@example.com", kPort, "read", kNow).allowed);
  EXPECT_FALSE(index.Check("user:bo@example.com", kPort, "read", kNow).allowed);
  index.SetTeam("analysts", {});
  EXPECT_FALSE(
      index.Check("user:ana@example.com", kPort, "read", kNow).allowed);
}

TEST(AccessIndexTest, RevocationAndUpsertsApplyAtOnce) {
  AccessIndex index;
  index.Replace(Base());
  model::Grant g =
      MakeGrant(3, "user:cy@example.com", absl::Hours(1), {"read", "write"});
  index.UpsertGrant(g);
  EXPECT_EQ(index.grant_count(), 1);
  EXPECT_TRUE(index.Check("user:cy@example.com", kPort, "write", kNow).allowed);
  // The longest-lasting of two grants is the one reported.
  model::Grant longer = MakeGrant(4, "user:cy@example.com", absl::Hours(5));
  index.UpsertGrant(longer);
  EXPECT_EQ(index.Check("user:cy@example.com", kPort, "read", kNow).grant_id,
            Uuid(4));
  g.revoke_time = kNow;
  index.UpsertGrant(g);
  EXPECT_EQ(index.grant_count(), 1);
  EXPECT_FALSE(
      index.Check("user:cy@example.com", kPort, "write", kNow).allowed);
  longer.revoke_time = kNow;
  index.UpsertGrant(longer);
  EXPECT_FALSE(index.Check("user:cy@example.com", kPort, "read", kNow).allowed);
  EXPECT_EQ(index.grant_count(), 0);
}

TEST(AccessIndexTest, PortsComeAndGoWithTheirProduct) {
  AccessIndex index;
  AccessIndexData data = Base();
  data.grants = {MakeGrant(5, "user:cy@example.com")};
  index.Replace(data);
  index.SetProductPorts({"sales", "orders"}, "sales-eng", {"orders-v2"});
  IndexCheck r = index.Check("user:cy@example.com", kPort, "read", kNow);
  EXPECT_FALSE(r.allowed);
  EXPECT_FALSE(r.port_known);
  index.SetProductPorts({"sales", "orders"}, "new-owners",
                        {"orders-v1", "orders-v2"});
  EXPECT_TRUE(index.Check("user:cy@example.com", kPort, "read", kNow).allowed);
  EXPECT_EQ(index.OwnerTeamOf(kPort), "new-owners");
  index.SetProductPorts({"sales", "orders"}, "", {});
  EXPECT_EQ(index.OwnerTeamOf(kPort), "");
}

TEST(AccessIndexTest, GrantIdsThatAreNotUuidsSurvive) {
  AccessIndex index;
  index.Replace(Base());
  model::Grant g = MakeGrant(0, "user:cy@example.com");
  g.id = "legacy-grant-7";
  index.UpsertGrant(g);
  EXPECT_EQ(index.Check("user:cy@example.com", kPort, "read", kNow).grant_id,
            "legacy-grant-7");
}

TEST(AccessIndexTest, ReplaceDropsWhatIsNoLongerThere) {
  AccessIndex index;
  AccessIndexData data = Base();
  data.grants = {MakeGrant(6, "user:cy@example.com")};
  index.Replace(data);
  index.Replace(Base());
  EXPECT_FALSE(index.Check("user:cy@example.com", kPort, "read", kNow).allowed);
  EXPECT_EQ(index.grant_count(), 0);
}

TEST(AccessIndexTest, MemoryPerGrantIsSmall) {
  AccessIndex index;
  AccessIndexData data;
  constexpr int kPorts = 1000;
  constexpr int kGrants = 100000;
  for (int p = 0; p < kPorts; ++p) {
    data.ports.push_back({{"d", absl::StrCat("p", p), "o"}, "t"});
  }
  for (int i = 0; i < kGrants; ++i) {
    model::Grant g;
    g.id = Uuid(i + 1);
    g.port = {"d", absl::StrCat("p", i % kPorts), "o"};
    g.consumer = absl::StrCat("user:u", i / 10, "@example.com");
    g.actions = {"read"};
    g.expire_time = kNow + absl::Hours(1);
    data.grants.push_back(g);
  }
  index.Replace(data);
  EXPECT_EQ(index.grant_count(), kGrants);
  // 300 MB for 1,000,000 grants is the aim: 300 bytes a grant.
  EXPECT_LT(index.MemoryBytes() / kGrants, 300) << index.MemoryBytes();
  EXPECT_TRUE(index
                  .Check("user:u5@example.com",
                         "domains/d/dataProducts/p55/outputPorts/o", "read",
                         kNow)
                  .allowed);
}

}  // namespace
}  // namespace meshplane::core
