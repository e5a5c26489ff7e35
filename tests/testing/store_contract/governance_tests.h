// The store contract: the governance repository (policies, their
// history, waivers).
// Part of the repository contract suite (store_contract_tests.h, which
// registers every test: include that one).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_GOVERNANCE_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_GOVERNANCE_TESTS_H_

#include "tests/testing/store_contract/fixture.h"

namespace meshplane::store_contract {

inline model::Policy MakePolicy(const std::string& domain,
                                const std::string& id,
                                const std::string& owner) {
  model::Policy p;
  p.domain_id = domain;
  p.id = id;
  p.uid = "uid-policy-" + domain + "-" + id;
  p.display_name = "Policy " + id;
  p.description = "Checks " + id;
  p.triggers = {"dataproduct.create", "dataproduct.update"};
  p.condition = "has(resource.labels.owner)";
  p.effect = "DENY";
  p.enforcement = "ENFORCED";
  p.message = "needs an owner label";
  p.message_expression = "'missing on ' + resource.name";
  p.labels = {{"area", "quality"}};
  p.owner_team_id = owner;
  p.waivable = true;
  p.create_time = T0();
  p.update_time = T0() + absl::Microseconds(3);
  p.revision = 1;
  return p;
}

inline model::Waiver MakeWaiver(const model::PolicyKey& policy,
                                const std::string& id,
                                const std::string& resource,
                                absl::Time expire_time) {
  model::Waiver w;
  w.policy = policy;
  w.id = id;
  w.uid = "uid-waiver-" + id;
  w.resource = resource;
  w.reason = "migration of " + resource;
  w.expire_time = expire_time;
  w.created_by = "user:alice";
  w.create_time = T0();
  w.policy_revision = 1;
  return w;
}

TYPED_TEST_P(StoreContractTest, PolicyRoundTripAndInsertErrors) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "gov")));
  model::Policy global = MakePolicy("", "no-pii", "gov");
  global.waivable = false;
  global.effect = "REQUIRE_APPROVAL";
  model::Policy local = MakePolicy("sales", "no-pii", "");
  local.triggers.clear();
  local.labels.clear();
  local.enforcement = "DRY_RUN";
  ASSERT_OK(this->Insert(global));
  ASSERT_OK(this->Insert(local));  // same id, other scope; no owner
  ASSERT_OK_AND_ASSIGN(model::Policy got, this->GetPolicy("", "no-pii"));
  ExpectSamePolicy(got, global);
  ASSERT_OK_AND_ASSIGN(got, this->GetPolicy("sales", "no-pii"));
  ExpectSamePolicy(got, local);

  EXPECT_THAT(this->Insert(global),
              StatusIs(absl::StatusCode::kAlreadyExists, "policies/no-pii"));
  EXPECT_THAT(this->Insert(MakePolicy("ghost", "p", "gov")),
              StatusIs(absl::StatusCode::kNotFound, "ghost"));
  EXPECT_THAT(this->Insert(MakePolicy("", "p", "ghost-team")),
              StatusIs(absl::StatusCode::kNotFound, "ghost-team"));
  EXPECT_THAT(this->GetPolicy("", "nope"),
              StatusIs(absl::StatusCode::kNotFound, "policies/nope"));
  EXPECT_THAT(
      this->GetPolicy("finance", "no-pii"),
      StatusIs(absl::StatusCode::kNotFound, "domains/finance/policies/no-pii"));
  // A refused insert leaves the transaction usable and wrote nothing.
  EXPECT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    EXPECT_THAT(txn.governance().InsertPolicy(global, "user:a"),
                StatusIs(absl::StatusCode::kAlreadyExists));
    return txn.governance().InsertPolicy(MakePolicy("", "second", "gov"),
                                         "user:a");
  }));
  EXPECT_OK(this->GetPolicy("", "second"));
  EXPECT_THAT(this->GetPolicy("", "p"), StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, PolicyUpdateChecksRevisionAndKeepsHistory) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  ASSERT_OK(this->Insert(MakeTeam("other")));
  model::Policy p = MakePolicy("", "p", "gov");
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.governance().InsertPolicy(p, "user:creator");
  }));
  model::Policy v2 = p;
  v2.display_name = "second";
  v2.owner_team_id = "other";
  // The history keeps every field verbatim too.
  const std::vector<std::string> nasty = NastyStrings();
  v2.triggers = {"domain.delete", nasty[3], nasty[5]};
  v2.description = absl::StrCat(nasty[1], "\n", nasty[6]);
  v2.condition = nasty[7];
  v2.message_expression = nasty[8];
  v2.labels = {{nasty[0], nasty[2]}, {nasty[4], nasty[5]}};
  v2.update_time = T0() + absl::Seconds(2);
  v2.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.governance().UpdatePolicy(v2, 1, "user:editor");
  }));
  ASSERT_OK_AND_ASSIGN(model::Policy got, this->GetPolicy("", "p"));
  ExpectSamePolicy(got, v2);

  model::Policy stale = v2;
  stale.display_name = "stale";
  stale.revision = 3;
  absl::Status s = this->Write([&](Transaction& txn) {
    return txn.governance().UpdatePolicy(stale, 1, "user:x");
  });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kAborted, "etag mismatch"));
  EXPECT_EQ(GetReason(s), "ETAG_MISMATCH");
  EXPECT_FALSE(store::IsRetryableConflict(s));
  model::Policy v3 = v2;
  v3.display_name = "third";
  v3.update_time = T0() + absl::Seconds(3);
  v3.revision = 3;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.governance().UpdatePolicy(v3, 2, "user:third");
  }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.governance().UpdatePolicy(MakePolicy("", "nope", "gov"), 1,
                                         "user:x");
  }),
              StatusIs(absl::StatusCode::kNotFound, "policies/nope"));
  model::Policy bad_owner = v3;
  bad_owner.owner_team_id = "ghost-team";
  bad_owner.revision = 4;
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.governance().UpdatePolicy(bad_owner, 3, "user:x");
  }),
              StatusIs(absl::StatusCode::kNotFound, "ghost-team"));

  // Newest first, whole pages or one at a time; refused writes left none.
  for (int limit : {10, 1}) {
    SCOPED_TRACE(absl::StrCat("limit ", limit));
    std::vector<model::PolicyRevision> revs =
        this->AllRevisions(p.key(), limit);
    ASSERT_EQ(revs.size(), 3u);
    ExpectSamePolicy(revs[0].policy, v3);
    ExpectSamePolicy(revs[1].policy, v2);
    ExpectSamePolicy(revs[2].policy, p);
    EXPECT_EQ(revs[0].author, "user:third");
    EXPECT_EQ(revs[1].author, "user:editor");
    EXPECT_EQ(revs[2].author, "user:creator");
    EXPECT_EQ(revs[0].create_time, v3.update_time);
    EXPECT_EQ(revs[2].create_time, p.update_time);
  }
  EXPECT_TRUE(this->AllRevisions({"", "never-existed"}, 5).empty());
  EXPECT_TRUE(this->AllRevisions({"d", "p"}, 5).empty());
}

TYPED_TEST_P(StoreContractTest, PolicyDeleteTakesWaiversAndKeepsHistory) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  model::Policy p = MakePolicy("", "p", "gov");
  model::Policy other = MakePolicy("", "other", "gov");
  ASSERT_OK(this->Insert(p));
  ASSERT_OK(this->Insert(other));
  const absl::Time later = T0() + absl::Hours(24);
  ASSERT_OK(this->Insert(MakeWaiver(p.key(), "w1", "domains/a", later)));
  ASSERT_OK(this->Insert(MakeWaiver(p.key(), "w2", "domains/b", later)));
  ASSERT_OK(this->Insert(MakeWaiver(other.key(), "w3", "domains/a", later)));

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.governance().DeletePolicy(p.key());
  }));
  EXPECT_THAT(this->GetPolicy("", "p"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetWaiver(p.key(), "w1"),
              StatusIs(absl::StatusCode::kNotFound, "policies/p/waivers/w1"));
  store::WaiverFilter all;
  all.all_policies = true;
  EXPECT_EQ(this->AllWaiverIds(all, 10), (std::vector<std::string>{"w3"}));
  EXPECT_EQ(this->AllRevisions(p.key(), 10).size(), 1u);
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.governance().DeletePolicy(p.key());
  }),
              StatusIs(absl::StatusCode::kNotFound, "policies/p"));

  // Created again under the same name: a new history on top of the old one.
  model::Policy again = p;
  again.display_name = "again";
  ASSERT_OK(this->Insert(again));
  std::vector<model::PolicyRevision> revs = this->AllRevisions(p.key(), 1);
  ASSERT_EQ(revs.size(), 2u);
  EXPECT_EQ(revs[0].policy.display_name, "again");
  EXPECT_EQ(revs[1].policy.display_name, p.display_name);
  EXPECT_THAT(this->GetWaiver(p.key(), "w2"),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, DomainDeleteTakesItsPoliciesTeamDeleteRefused) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  ASSERT_OK(this->Insert(MakeTeam("owner")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "gov")));
  model::Policy local = MakePolicy("sales", "p", "");
  model::Policy global = MakePolicy("", "p", "owner");
  ASSERT_OK(this->Insert(local));
  ASSERT_OK(this->Insert(global));
  ASSERT_OK(this->Insert(
      MakeWaiver(local.key(), "w", "domains/sales", T0() + absl::Hours(1))));
  ASSERT_OK(this->Write(
      [&](Transaction& txn) { return txn.registry().DeleteDomain("sales"); }));
  EXPECT_THAT(this->GetPolicy("sales", "p"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetWaiver(local.key(), "w"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(this->GetPolicy("", "p"));
  EXPECT_EQ(this->AllRevisions(local.key(), 10).size(), 1u);

  // A team that owns a policy stays.
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().DeleteTeam("owner");
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition, "policies/p"));
  EXPECT_OK(this->GetTeam("owner"));
}

TYPED_TEST_P(StoreContractTest, ListPoliciesFiltersAndPages) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  ASSERT_OK(this->Insert(MakeTeam("other")));
  ASSERT_OK(this->Insert(MakeDomain("a", "gov")));
  ASSERT_OK(this->Insert(MakeDomain("b", "gov")));
  model::Policy g1 = MakePolicy("", "g1", "gov");
  model::Policy g2 = MakePolicy("", "g2", "other");
  g2.triggers = {"domain.delete"};
  g2.effect = "WARN";
  model::Policy a1 = MakePolicy("a", "p1", "gov");
  a1.enforcement = "DRY_RUN";
  model::Policy a2 = MakePolicy("a", "p2", "other");
  a2.triggers = {"domain.delete", "dataproduct.create"};
  model::Policy b1 = MakePolicy("b", "p1", "gov");
  b1.effect = "WARN";
  // Inserted out of order: lists are ordered by (domain_id, id).
  for (const auto* p : {&b1, &g2, &a2, &g1, &a1}) ASSERT_OK(this->Insert(*p));

  using Keys = std::vector<std::string>;
  for (int limit : {50, 1, 2}) {
    SCOPED_TRACE(absl::StrCat("limit ", limit));
    store::PolicyFilter f;
    EXPECT_EQ(this->AllPolicyKeys(f, limit), (Keys{"/g1", "/g2"}));
    f.domain_id = "a";
    EXPECT_EQ(this->AllPolicyKeys(f, limit), (Keys{"a/p1", "a/p2"}));
    f.any_domain = true;
    EXPECT_EQ(this->AllPolicyKeys(f, limit), (Keys{"a/p1", "a/p2", "b/p1"}));
  }
  store::PolicyFilter f;
  f.any_domain = true;
  f.trigger = "domain.delete";
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"a/p2"}));
  f.any_domain = false;
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"/g2"}));
  f = store::PolicyFilter();
  f.effect = "WARN";
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"/g2"}));
  f.any_domain = true;
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"b/p1"}));
  f = store::PolicyFilter();
  f.any_domain = true;
  f.enforcement = "DRY_RUN";
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"a/p1"}));
  f = store::PolicyFilter();
  f.any_domain = true;
  f.owner_team_id = "other";
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"a/p2"}));
  f.domain_id = "b";  // ignored with any_domain
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"a/p2"}));
  f = store::PolicyFilter();
  f.domain_id = "nope";
  EXPECT_TRUE(this->AllPolicyKeys(f, 10).empty());
  f.trigger = "%";
  EXPECT_TRUE(this->AllPolicyKeys(f, 10).empty());

  using Policies = std::vector<model::Policy>;
  ASSERT_OK_AND_ASSIGN(Policies all,
                       this->template Read<Policies>([](Transaction& txn) {
                         return txn.governance().AllPolicies();
                       }));
  ASSERT_EQ(all.size(), 5u);
  ExpectSamePolicy(all[0], g1);
  ExpectSamePolicy(all[1], g2);
  ExpectSamePolicy(all[2], a1);
  ExpectSamePolicy(all[3], a2);
  ExpectSamePolicy(all[4], b1);
}

TYPED_TEST_P(StoreContractTest, WaiversFiltersAndErrors) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "gov")));
  model::Policy g = MakePolicy("", "g", "gov");
  model::Policy s = MakePolicy("sales", "s", "gov");
  ASSERT_OK(this->Insert(g));
  ASSERT_OK(this->Insert(s));
  const absl::Time soon = T0() + absl::Hours(1);
  const absl::Time later = T0() + absl::Hours(48);
  model::Waiver w1 = MakeWaiver(g.key(), "w1", "domains/sales", soon);
  model::Waiver w2 = MakeWaiver(g.key(), "w2", "domains/finance", later);
  model::Waiver w3 = MakeWaiver(s.key(), "w3", "domains/sales", later);
  model::Waiver w0 = MakeWaiver(s.key(), "w0", "domains/x", soon);
  w3.policy_revision = 4;
  w3.reason = NastyStrings()[3];
  for (const auto* w : {&w3, &w1, &w0, &w2}) ASSERT_OK(this->Insert(*w));

  ASSERT_OK_AND_ASSIGN(model::Waiver got, this->GetWaiver(s.key(), "w3"));
  ExpectSameWaiver(got, w3);
  EXPECT_THAT(this->Insert(w1), StatusIs(absl::StatusCode::kAlreadyExists,
                                         "policies/g/waivers/w1"));
  EXPECT_THAT(this->Insert(MakeWaiver({"", "ghost"}, "w", "domains/a", soon)),
              StatusIs(absl::StatusCode::kNotFound, "policies/ghost"));
  EXPECT_THAT(this->GetWaiver(g.key(), "w3"),
              StatusIs(absl::StatusCode::kNotFound, "policies/g/waivers/w3"));

  using Ids = std::vector<std::string>;
  for (int limit : {50, 1}) {
    SCOPED_TRACE(absl::StrCat("limit ", limit));
    store::WaiverFilter f;
    f.all_policies = true;
    // (policy domain_id, policy id, id): the global policy's first.
    EXPECT_EQ(this->AllWaiverIds(f, limit), (Ids{"w1", "w2", "w0", "w3"}));
    f.resource = "domains/sales";
    EXPECT_EQ(this->AllWaiverIds(f, limit), (Ids{"w1", "w3"}));
    f = store::WaiverFilter();
    f.policy = s.key();
    EXPECT_EQ(this->AllWaiverIds(f, limit), (Ids{"w0", "w3"}));
    f.not_expired_at = soon;  // w0 expires at exactly `soon`: expired
    EXPECT_EQ(this->AllWaiverIds(f, limit), (Ids{"w3"}));
    f.not_expired_at = soon - absl::Microseconds(1);
    EXPECT_EQ(this->AllWaiverIds(f, limit), (Ids{"w0", "w3"}));
  }
  store::WaiverFilter none;
  none.policy = {"", "nope"};
  EXPECT_TRUE(this->AllWaiverIds(none, 10).empty());

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.governance().DeleteWaiver(g.key(), "w1");
  }));
  EXPECT_THAT(this->GetWaiver(g.key(), "w1"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.governance().DeleteWaiver(g.key(), "w1");
  }),
              StatusIs(absl::StatusCode::kNotFound, "policies/g/waivers/w1"));
  EXPECT_OK(this->GetPolicy("", "g"));
}

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_GOVERNANCE_TESTS_H_
