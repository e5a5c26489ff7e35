#include "meshplane/auth/authorizer.h"

#include "tests/testing/matchers/status_matchers.h"
#include <gtest/gtest.h>

namespace meshplane::auth {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;

model::Principal P(const std::string& id, std::vector<std::string> teams = {},
                   bool admin = false) {
  model::Principal p;
  p.id = id;
  p.team_ids = std::move(teams);
  p.platform_admin = admin;
  return p;
}

model::Domain D(const std::string& id, const std::string& owner,
                const std::string& parent = "") {
  model::Domain d;
  d.id = id;
  d.owner_team_id = owner;
  d.parent_id = parent;
  return d;
}

class AuthorizerTest : public ::testing::Test {
 protected:
  Authorizer authz_;
  // sales (owned by sales-leads) > sales-emea (owned by emea)
  std::vector<model::Domain> emea_chain_ = {D("sales-emea", "emea", "sales"),
                                            D("sales", "sales-leads")};
};

TEST_F(AuthorizerTest, AdminsMayDoAnything) {
  auto admin = P("user:root", {}, true);
  EXPECT_THAT(authz_.CheckAdmin(admin, "create teams"), IsOk());
  EXPECT_THAT(authz_.CheckDomainWrite(admin, emea_chain_, "update"), IsOk());
  EXPECT_THAT(authz_.CheckDomainWrite(admin, {}, "update"), IsOk());
  model::DataProduct p;
  p.domain_id = "sales-emea";
  p.id = "orders";
  EXPECT_THAT(authz_.CheckProductWrite(admin, p, emea_chain_, "update"),
              IsOk());
  model::Team t;
  t.id = "x";
  EXPECT_THAT(authz_.CheckTeamWrite(admin, t, "update"), IsOk());
}

TEST_F(AuthorizerTest, NonAdminsAreDeniedAdminActionsWithAClearMessage) {
  EXPECT_THAT(
      authz_.CheckAdmin(P("user:ana"), "create teams"),
      StatusIs(absl::StatusCode::kPermissionDenied,
               "user:ana may not create teams: only platform admins may"));
  // An empty principal never passes, even with the admin bit.
  EXPECT_THAT(authz_.CheckAdmin(P("", {}, true), "x"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(AuthorizerTest, DomainWritesFollowTheOwnerChain) {
  EXPECT_THAT(
      authz_.CheckDomainWrite(P("user:a", {"emea"}), emea_chain_, "update"),
      IsOk());
  EXPECT_THAT(authz_.CheckDomainWrite(P("user:b", {"sales-leads"}), emea_chain_,
                                      "update"),
              IsOk());
  absl::Status denied =
      authz_.CheckDomainWrite(P("user:c", {"finance"}), emea_chain_, "update");
  EXPECT_THAT(denied, StatusIs(absl::StatusCode::kPermissionDenied,
                               "user:c may not update"));
  EXPECT_THAT(denied,
              StatusIs(absl::StatusCode::kPermissionDenied, "teams/emea"));
  EXPECT_THAT(denied, StatusIs(absl::StatusCode::kPermissionDenied,
                               "teams/sales-leads"));
  // Owners of a subdomain do not own the parent.
  EXPECT_THAT(
      authz_.CheckDomainWrite(P("user:a", {"emea"}),
                              {D("sales", "sales-leads")}, "create subdomains"),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(
      authz_.CheckDomainWrite(P("user:a", {"emea"}), {}, "update"),
      StatusIs(absl::StatusCode::kPermissionDenied, "only platform admins"));
}

TEST_F(AuthorizerTest, ProductWritesAllowOwnerTeamAndDomainOwners) {
  model::DataProduct p;
  p.domain_id = "sales-emea";
  p.id = "orders";
  p.owner_team_id = "orders-team";
  EXPECT_THAT(authz_.CheckProductWrite(P("user:o", {"orders-team"}), p,
                                       emea_chain_, "update"),
              IsOk());
  EXPECT_THAT(
      authz_.CheckProductWrite(P("user:e", {"emea"}), p, emea_chain_, "update"),
      IsOk());
  EXPECT_THAT(authz_.CheckProductWrite(P("user:s", {"sales-leads"}), p,
                                       emea_chain_, "delete"),
              IsOk());
  absl::Status denied = authz_.CheckProductWrite(P("user:x", {"other"}), p,
                                                 emea_chain_, "delete");
  EXPECT_THAT(
      denied,
      StatusIs(absl::StatusCode::kPermissionDenied,
               "user:x may not delete domains/sales-emea/dataProducts/orders"));
  EXPECT_THAT(denied, StatusIs(absl::StatusCode::kPermissionDenied,
                               "teams/orders-team"));
}

TEST_F(AuthorizerTest, TeamWritesNeedMembership) {
  model::Team t;
  t.id = "checkout";
  t.members = {"user:ana"};
  EXPECT_THAT(authz_.CheckTeamWrite(P("user:ana"), t, "update"), IsOk());
  EXPECT_THAT(authz_.CheckTeamWrite(P("user:bob", {"checkout"}), t, "update"),
              IsOk());
  EXPECT_THAT(authz_.CheckTeamWrite(P("user:eve"), t, "add members to"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "user:eve may not add members to teams/checkout"));
}

}  // namespace
}  // namespace meshplane::auth
