// The store contract: the access repository (access requests, grants,
// CheckAccess decisions).
// Part of the repository contract suite (store_contract_tests.h, which
// registers every test: include that one).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_ACCESS_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_ACCESS_TESTS_H_

#include "tests/testing/store_contract/fixture.h"

namespace meshplane::store_contract {

inline model::AccessRequest MakeAccessRequest(const std::string& id,
                                              const model::OutputPortRef& port,
                                              const std::string& consumer,
                                              absl::Time create_time) {
  model::AccessRequest r;
  r.id = id;
  r.uid = "uid-request-" + id;
  r.port = port;
  r.consumer = consumer;
  r.requester = "user:ana@example.com";
  r.actions = {"read"};
  r.purpose = "Reporting on " + port.port_id;
  r.duration = absl::Hours(24 * 30) + absl::Microseconds(7);
  r.state = model::AccessRequestState::kPending;
  r.decision_json = "{\"outcome\":\"REQUIRE_APPROVAL\"}";
  r.create_time = create_time;
  r.update_time = create_time + absl::Microseconds(1);
  r.expire_time = create_time + absl::Hours(24 * 7);
  r.revision = 1;
  return r;
}

inline model::Grant MakeGrant(const std::string& id,
                              const model::OutputPortRef& port,
                              const std::string& consumer,
                              absl::Time create_time) {
  model::Grant g;
  g.id = id;
  g.uid = "uid-grant-" + id;
  g.port = port;
  g.consumer = consumer;
  g.actions = {"read"};
  g.purpose = "Reporting on " + port.port_id;
  g.granted_by = "user:owner@example.com";
  g.create_time = create_time;
  g.expire_time = create_time + absl::Hours(24 * 90);
  g.revision = 1;
  return g;
}

// The ids of `items` newest first by (create_time, id), as the stores list
// access requests and grants.
template <typename T>
std::vector<std::string> NewestFirstIds(std::vector<T> items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) {
    return std::tie(a.create_time, a.id) > std::tie(b.create_time, b.id);
  });
  std::vector<std::string> ids;
  for (const T& item : items) ids.push_back(item.id);
  return ids;
}

TYPED_TEST_P(StoreContractTest, AccessRequestRoundTripAndInsertErrors) {
  this->SetUpPorts();
  const model::OutputPortRef v1{"sales", "orders", "v1"};
  model::AccessRequest r =
      MakeAccessRequest("0b6c2f8e-0001", v1, "team:analytics", T0());
  r.actions = {"read", "write"};
  r.purpose = NastyStrings()[3] + " " + NastyStrings()[5];
  r.decision_json = NastyStrings()[7] + "  " + NastyStrings()[8];
  r.review_comment = NastyStrings()[6];
  r.requester = "user:" + NastyStrings()[0];
  ASSERT_OK(this->Insert(r));
  ASSERT_OK_AND_ASSIGN(model::AccessRequest got, this->GetAccessRequest(r.id));
  ExpectSameAccessRequest(got, r);

  // No expiry, no actions, no duration, a decided state: all kept as given.
  model::AccessRequest odd =
      MakeAccessRequest("0b6c2f8e-0002", v1, "user:bo@example.com", T0());
  odd.expire_time = absl::InfiniteFuture();
  odd.actions.clear();
  odd.duration = absl::ZeroDuration();
  odd.state = model::AccessRequestState::kWithdrawn;
  odd.decision_json.clear();
  ASSERT_OK(this->Insert(odd));
  ASSERT_OK_AND_ASSIGN(got, this->GetAccessRequest(odd.id));
  ExpectSameAccessRequest(got, odd);

  EXPECT_THAT(this->Insert(r), StatusIs(absl::StatusCode::kAlreadyExists,
                                        "accessRequests/0b6c2f8e-0001"));
  model::AccessRequest ghost_port = MakeAccessRequest(
      "0b6c2f8e-0003", {"sales", "orders", "ghost"}, "team:analytics", T0());
  EXPECT_THAT(this->Insert(ghost_port),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/sales/dataProducts/orders/outputPorts/ghost"));
  model::AccessRequest ghost_product = MakeAccessRequest(
      "0b6c2f8e-0003", {"sales", "ghost", "v1"}, "team:analytics", T0());
  EXPECT_THAT(this->Insert(ghost_product),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/sales/dataProducts/ghost/outputPorts/v1"));
  // The id is checked first: a duplicate for a missing port is a duplicate.
  model::AccessRequest both = r;
  both.port = ghost_port.port;
  EXPECT_THAT(this->Insert(both), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(
      this->GetAccessRequest("0b6c2f8e-0003"),
      StatusIs(absl::StatusCode::kNotFound, "accessRequests/0b6c2f8e-0003"));
  // A refused insert leaves the transaction usable and wrote nothing.
  EXPECT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    EXPECT_THAT(txn.access().InsertAccessRequest(r),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(txn.access().InsertAccessRequest(ghost_port),
                StatusIs(absl::StatusCode::kNotFound));
    return txn.access().InsertAccessRequest(MakeAccessRequest(
        "0b6c2f8e-0004", {"finance", "ledger", "ledger-v1"}, "team:a", T0()));
  }));
  EXPECT_OK(this->GetAccessRequest("0b6c2f8e-0004"));
  EXPECT_THAT(this->GetAccessRequest("0b6c2f8e-0003"),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(got, this->GetAccessRequest(r.id));
  ExpectSameAccessRequest(got, r);
}

TYPED_TEST_P(StoreContractTest, AccessRequestUpdateChecksRevision) {
  this->SetUpPorts();
  model::AccessRequest r = MakeAccessRequest(
      "aaaa-0001", {"sales", "orders", "v1"}, "team:analytics", T0());
  ASSERT_OK(this->Insert(r));
  model::AccessRequest next = r;
  next.state = model::AccessRequestState::kApproved;
  next.grant_id = "bbbb-0001";
  next.reviewer = "user:owner@example.com";
  next.review_comment = NastyStrings()[4];
  next.update_time = T0() + absl::Hours(1) + absl::Microseconds(3);
  next.revision = 2;
  auto update = [&](const model::AccessRequest& v, int64_t expected) {
    return this->Write([&](Transaction& txn) {
      return txn.access().UpdateAccessRequest(v, expected);
    });
  };
  ASSERT_OK(update(next, 1));
  ASSERT_OK_AND_ASSIGN(model::AccessRequest got, this->GetAccessRequest(r.id));
  ExpectSameAccessRequest(got, next);

  absl::Status stale = update(next, 1);
  EXPECT_THAT(stale,
              StatusIs(absl::StatusCode::kAborted, "accessRequests/aaaa-0001"));
  EXPECT_FALSE(store::IsRetryableConflict(stale));
  model::AccessRequest ghost = MakeAccessRequest(
      "ffff-0001", {"sales", "orders", "v1"}, "team:analytics", T0());
  EXPECT_THAT(update(ghost, 1), StatusIs(absl::StatusCode::kNotFound,
                                         "accessRequests/ffff-0001"));
  model::AccessRequest moved = next;
  moved.port = {"sales", "orders", "ghost"};
  moved.revision = 3;
  EXPECT_THAT(update(moved, 2),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/sales/dataProducts/orders/outputPorts/ghost"));
  ASSERT_OK_AND_ASSIGN(got, this->GetAccessRequest(r.id));
  ExpectSameAccessRequest(got, next);
}

// Requests over three ports of two products, four consumers, two
// requesters, every state, with create_time ties and pending requests that
// expire just before, exactly at and just after `now`.
TYPED_TEST_P(StoreContractTest, ListAccessRequestsFiltersAndPages) {
  this->SetUpPorts();
  const std::vector<model::OutputPortRef> ports = {
      {"sales", "orders", "v1"},
      {"sales", "orders", "v2"},
      {"finance", "ledger", "ledger-v1"}};
  const std::vector<std::string> consumers = {"team:a", "team:b", "user:c",
                                              "service:d"};
  const std::vector<model::AccessRequestState> states = {
      model::AccessRequestState::kPending,
      model::AccessRequestState::kApproved,
      model::AccessRequestState::kPending,
      model::AccessRequestState::kDenied,
      model::AccessRequestState::kWithdrawn,
      model::AccessRequestState::kExpired};
  const absl::Time now = T0() + absl::Hours(1);
  std::vector<model::AccessRequest> all;
  for (int i = 0; i < 36; ++i) {
    // Ids not in create_time order; three requests share each time.
    std::string id =
        absl::StrCat(std::string(1, "0123456789abcdef"[i * 7 % 16]), "-", i);
    model::AccessRequest r = MakeAccessRequest(
        id, ports[i % 3], consumers[i % 4], T0() + absl::Seconds(i / 3));
    r.requester = i % 2 == 0 ? "user:ana@example.com" : "user:bo@example.com";
    r.state = states[i % 6];
    r.expire_time = now + absl::Microseconds(i % 5 - 2);  // now-2us .. now+2us
    all.push_back(r);
  }
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (size_t i = all.size(); i-- > 0;) {
      MP_RETURN_IF_ERROR(txn.access().InsertAccessRequest(all[i]));
    }
    return absl::OkStatus();
  }));

  auto expected = [&](const store::AccessRequestFilter& f) {
    std::vector<model::AccessRequest> keep;
    for (const auto& r : all) {
      if (f.state && r.StateAt(f.now) != *f.state) continue;
      if (f.port && !(r.port == *f.port)) continue;
      if (f.product && !(model::ProductKey{r.port.domain_id,
                                           r.port.product_id} == *f.product)) {
        continue;
      }
      if (!f.consumer.empty() && r.consumer != f.consumer) continue;
      if (!f.requester.empty() && r.requester != f.requester) continue;
      keep.push_back(r);
    }
    return NewestFirstIds(keep);
  };
  std::vector<std::pair<std::string, store::AccessRequestFilter>> cases;
  cases.emplace_back("all", store::AccessRequestFilter{});
  for (auto state : {model::AccessRequestState::kPending,
                     model::AccessRequestState::kExpired,
                     model::AccessRequestState::kApproved,
                     model::AccessRequestState::kDenied,
                     model::AccessRequestState::kWithdrawn}) {
    store::AccessRequestFilter f;
    f.state = state;
    f.now = now;
    cases.emplace_back(std::string(model::AccessRequestStateName(state)), f);
  }
  {
    store::AccessRequestFilter f;
    f.port = ports[1];
    cases.emplace_back("port", f);
    f = {};
    f.product = model::ProductKey{"sales", "orders"};
    cases.emplace_back("product", f);
    f = {};
    f.consumer = "user:c";
    cases.emplace_back("consumer", f);
    f = {};
    f.requester = "user:bo@example.com";
    cases.emplace_back("requester", f);
    f = {};
    f.state = model::AccessRequestState::kPending;
    f.now = now;
    f.product = model::ProductKey{"sales", "orders"};
    f.requester = "user:ana@example.com";
    cases.emplace_back("pending+product+requester", f);
    f = {};
    f.consumer = "team:nobody";
    cases.emplace_back("no match", f);
  }
  for (const auto& [name, f] : cases) {
    std::vector<std::string> want = expected(f);
    for (int limit : {1, 2, 5, 100}) {
      EXPECT_EQ(this->AllRequestIds(f, limit), want)
          << name << ", limit " << limit;
    }
  }
  // The state-as-of-now rule at the boundaries: expire_time == now is
  // expired; one microsecond later it is still pending.
  store::AccessRequestFilter pending;
  pending.state = model::AccessRequestState::kPending;
  pending.now = now;
  std::vector<std::string> pending_ids = this->AllRequestIds(pending, 100);
  store::AccessRequestFilter expired = pending;
  expired.state = model::AccessRequestState::kExpired;
  std::vector<std::string> expired_ids = this->AllRequestIds(expired, 100);
  for (const auto& r : all) {
    bool in_pending = std::count(pending_ids.begin(), pending_ids.end(), r.id);
    bool in_expired = std::count(expired_ids.begin(), expired_ids.end(), r.id);
    if (r.state == model::AccessRequestState::kPending) {
      EXPECT_EQ(in_pending, r.expire_time > now) << r.id;
      EXPECT_EQ(in_expired, r.expire_time <= now) << r.id;
    } else {
      EXPECT_FALSE(in_pending) << r.id;
      EXPECT_EQ(in_expired, r.state == model::AccessRequestState::kExpired)
          << r.id;
    }
  }
  EXPECT_FALSE(pending_ids.empty());
  // Without a `now` (InfinitePast) nothing has expired yet.
  pending.now = absl::InfinitePast();
  EXPECT_EQ(this->AllRequestIds(pending, 100).size(), 12u);

  ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kReadOnly));
  EXPECT_THAT(txn->access().ListAccessRequests({}, PageRequest{"garbage", 10}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(txn->access().ListAccessRequests({}, PageRequest{"", 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreContractTest, GrantRoundTripUpdateAndErrors) {
  this->SetUpPorts();
  const model::OutputPortRef v2{"sales", "orders", "v2"};
  model::Grant g = MakeGrant("cccc-0001", v2, "team:analytics", T0());
  g.actions = {"read", "write"};
  g.access_request_id = "aaaa-0001";
  g.purpose = NastyStrings()[5];
  ASSERT_OK(this->Insert(g));
  ASSERT_OK_AND_ASSIGN(model::Grant got, this->GetGrant(g.id));
  ExpectSameGrant(got, g);
  EXPECT_FALSE(got.revoke_time.has_value());

  model::Grant forever =
      MakeGrant("cccc-0002", v2, "user:bo@example.com", T0());
  forever.expire_time = absl::InfiniteFuture();
  ASSERT_OK(this->Insert(forever));
  ASSERT_OK_AND_ASSIGN(got, this->GetGrant(forever.id));
  ExpectSameGrant(got, forever);

  EXPECT_THAT(this->Insert(g),
              StatusIs(absl::StatusCode::kAlreadyExists, "grants/cccc-0001"));
  model::Grant ghost_port =
      MakeGrant("cccc-0003", {"finance", "ledger", "v9"}, "team:a", T0());
  EXPECT_THAT(this->Insert(ghost_port),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/finance/dataProducts/ledger/outputPorts/v9"));
  EXPECT_THAT(this->GetGrant("cccc-0003"),
              StatusIs(absl::StatusCode::kNotFound, "grants/cccc-0003"));

  // Revocation is an update.
  model::Grant revoked = g;
  revoked.revoke_time = T0() + absl::Hours(2) + absl::Microseconds(9);
  revoked.revoked_by = "user:admin@example.com";
  revoked.revoke_reason = NastyStrings()[3];
  revoked.revision = 2;
  auto update = [&](const model::Grant& v, int64_t expected) {
    return this->Write([&](Transaction& txn) {
      return txn.access().UpdateGrant(v, expected);
    });
  };
  ASSERT_OK(update(revoked, 1));
  ASSERT_OK_AND_ASSIGN(got, this->GetGrant(g.id));
  ExpectSameGrant(got, revoked);
  absl::Status stale = update(revoked, 1);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted, "grants/cccc-0001"));
  EXPECT_FALSE(store::IsRetryableConflict(stale));
  EXPECT_THAT(update(ghost_port, 1),
              StatusIs(absl::StatusCode::kNotFound, "grants/cccc-0003"));
  model::Grant moved = revoked;
  moved.port = ghost_port.port;
  moved.revision = 3;
  EXPECT_THAT(update(moved, 2),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/finance/dataProducts/ledger/outputPorts/v9"));
  // Un-revoking (an update that clears revoke_time) is stored too.
  model::Grant restored = revoked;
  restored.revoke_time.reset();
  restored.revision = 3;
  ASSERT_OK(update(restored, 2));
  ASSERT_OK_AND_ASSIGN(got, this->GetGrant(g.id));
  ExpectSameGrant(got, restored);
}

// Grants over three ports, consumers a principal and its teams, some
// revoked, some expiring around `now`.
TYPED_TEST_P(StoreContractTest, ListGrantsFiltersAndPages) {
  this->SetUpPorts();
  const std::vector<model::OutputPortRef> ports = {
      {"sales", "orders", "v1"},
      {"sales", "orders", "v2"},
      {"finance", "ledger", "ledger-v1"}};
  const std::vector<std::string> consumers = {
      "user:ana@example.com", "team:analytics", "team:finance", "service:etl"};
  const absl::Time now = T0() + absl::Hours(5);
  std::vector<model::Grant> all;
  for (int i = 0; i < 30; ++i) {
    std::string id =
        absl::StrCat(std::string(1, "fedcba9876543210"[i * 5 % 16]), "-", i);
    model::Grant g = MakeGrant(id, ports[i % 3], consumers[i % 4],
                               T0() + absl::Seconds(i / 4));
    g.expire_time = now + absl::Microseconds(i % 3 - 1);  // now-1us .. now+1us
    if (i % 7 == 0) g.expire_time = absl::InfiniteFuture();
    if (i % 5 == 0) g.revoke_time = T0() + absl::Hours(1);
    all.push_back(g);
  }
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (const auto& g : all) MP_RETURN_IF_ERROR(txn.access().InsertGrant(g));
    return absl::OkStatus();
  }));
  auto expected = [&](const store::GrantFilter& f) {
    std::vector<model::Grant> keep;
    for (const auto& g : all) {
      if (f.port && !(g.port == *f.port)) continue;
      if (f.product && !(model::ProductKey{g.port.domain_id,
                                           g.port.product_id} == *f.product)) {
        continue;
      }
      if (!f.consumers.empty() &&
          std::find(f.consumers.begin(), f.consumers.end(), g.consumer) ==
              f.consumers.end()) {
        continue;
      }
      if (f.active_only && !g.ActiveAt(f.now)) continue;
      keep.push_back(g);
    }
    return NewestFirstIds(keep);
  };
  std::vector<std::pair<std::string, store::GrantFilter>> cases;
  cases.emplace_back("all", store::GrantFilter{});
  store::GrantFilter f;
  f.consumers = {"team:analytics"};
  cases.emplace_back("one consumer", f);
  f.consumers = {"user:ana@example.com", "team:analytics", "team:finance"};
  cases.emplace_back("a principal and its teams", f);
  f.active_only = true;
  f.now = now;
  cases.emplace_back("active consumers", f);
  f = {};
  f.active_only = true;
  f.now = now;
  cases.emplace_back("active", f);
  f.now = T0();
  cases.emplace_back("active earlier", f);
  f = {};
  f.product = model::ProductKey{"sales", "orders"};
  cases.emplace_back("product", f);
  f = {};
  f.port = ports[2];
  cases.emplace_back("port", f);
  f.active_only = true;
  f.now = now;
  f.consumers = {"team:finance", "service:etl"};
  cases.emplace_back("port+active+consumers", f);
  f = {};
  f.consumers = {"team:nobody"};
  cases.emplace_back("no match", f);
  for (const auto& [name, filter] : cases) {
    std::vector<std::string> want = expected(filter);
    for (int limit : {1, 3, 100}) {
      EXPECT_EQ(this->AllGrantIds(filter, limit), want)
          << name << ", limit " << limit;
    }
  }
  // active_only excludes exactly the revoked grants and those with
  // expire_time <= now.
  store::GrantFilter active;
  active.active_only = true;
  active.now = now;
  for (const std::string& id : this->AllGrantIds(active, 100)) {
    auto g = std::find_if(all.begin(), all.end(),
                          [&](const auto& x) { return x.id == id; });
    ASSERT_NE(g, all.end());
    EXPECT_FALSE(g->revoke_time.has_value()) << id;
    EXPECT_GT(g->expire_time, now) << id;
  }
  ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kReadOnly));
  EXPECT_THAT(txn->access().ListGrants({}, PageRequest{"12/", 10}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(txn->access().ListGrants({}, PageRequest{"", 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreContractTest, ActiveGrantsPagesInIdOrder) {
  this->SetUpPorts();
  const absl::Time now = T0() + absl::Hours(5);
  std::vector<model::Grant> all;
  std::vector<std::string> want;
  for (int i = 0; i < 25; ++i) {
    // Ids in bytewise order: digits, then upper case, then lower case.
    std::string id =
        absl::StrCat(std::string(1, "9Aa0zZ5"[i % 7]), "-", 24 - i);
    model::Grant g = MakeGrant(id, {"sales", "orders", i % 2 ? "v1" : "v2"},
                               "team:t", T0() + absl::Seconds(i));
    g.expire_time = now + absl::Microseconds(i % 3 - 1);  // now-1us .. now+1us
    if (i % 4 == 0) g.expire_time = absl::InfiniteFuture();
    if (i % 6 == 0) g.revoke_time = now - absl::Hours(1);
    if (g.ActiveAt(now)) want.push_back(id);
    all.push_back(g);
  }
  std::sort(want.begin(), want.end());
  ASSERT_FALSE(want.empty());
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (const auto& g : all) MP_RETURN_IF_ERROR(txn.access().InsertGrant(g));
    return absl::OkStatus();
  }));
  for (int limit : {1, 2, 3, 100}) {
    std::vector<std::string> got;
    std::string after;
    for (int guard = 0; guard < 100; ++guard) {
      auto page =
          this->template Read<std::vector<model::Grant>>([&](Transaction& t) {
            return t.access().ActiveGrants(now, after, limit);
          });
      ASSERT_THAT(page, IsOk());
      EXPECT_LE(static_cast<int>(page->size()), limit);
      for (const auto& g : *page) {
        EXPECT_TRUE(g.ActiveAt(now)) << g.id;
        got.push_back(g.id);
      }
      if (static_cast<int>(page->size()) < limit) break;
      after = page->back().id;
    }
    EXPECT_EQ(got, want) << "limit " << limit;
  }
  // `after` need not be an id that exists.
  auto rest = this->template Read<std::vector<model::Grant>>(
      [&](Transaction& t) { return t.access().ActiveGrants(now, "Z", 100); });
  ASSERT_THAT(rest, IsOk());
  std::vector<std::string> rest_ids;
  for (const auto& g : *rest) rest_ids.push_back(g.id);
  std::vector<std::string> rest_want;
  for (const auto& id : want) {
    if (id > "Z") rest_want.push_back(id);
  }
  EXPECT_EQ(rest_ids, rest_want);
  // Long after everything expired, only the never-expiring ones remain.
  auto late =
      this->template Read<std::vector<model::Grant>>([&](Transaction& t) {
        return t.access().ActiveGrants(now + absl::Hours(24 * 365), "", 100);
      });
  ASSERT_THAT(late, IsOk());
  for (const auto& g : *late) {
    EXPECT_EQ(g.expire_time, absl::InfiniteFuture()) << g.id;
  }
  EXPECT_FALSE(late->empty());
  EXPECT_THAT(
      this->template Read<std::vector<model::Grant>>(
          [&](Transaction& t) { return t.access().ActiveGrants(now, "", 0); }),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreContractTest, AppendAccessDecisionsInBatches) {
  this->SetUpPorts();
  std::vector<model::AccessDecision> batch;
  for (int i = 0; i < 3; ++i) {
    model::AccessDecision d;
    d.time = T0() + absl::Microseconds(i);
    d.caller = "service:trino";
    d.principal = "user:ana@example.com";
    d.port = {"sales", "orders", "v1"};
    d.action = "read";
    d.allowed = i != 1;
    d.grant_id = d.allowed ? "cccc-0001" : "";
    d.reason = d.allowed ? "" : NastyStrings()[i + 3];
    d.decision_json = i == 2 ? NastyStrings()[7] : "";
    batch.push_back(d);
  }
  // A port that does not exist is still logged: the log has no references.
  batch[2].port = {"nowhere", "ghost", "p"};
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.access().AppendAccessDecisions(batch);
  }));
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(txn.access().AppendAccessDecisions({batch[0]}));
    MP_RETURN_IF_ERROR(txn.access().AppendAccessDecisions({}));
    return txn.access().AppendAccessDecisions({batch[1], batch[2]});
  }));
  // The log is not a resource: no list, and reads are unaffected.
  EXPECT_OK(this->GetProduct("sales", "orders"));
}

// The schema's ON DELETE CASCADE: requests and grants go with their port,
// whether the port is dropped from its product or the product is deleted;
// a port created again under the same name starts without grants.
TYPED_TEST_P(StoreContractTest, AccessGoesWithItsPort) {
  this->SetUpPorts();
  const model::OutputPortRef v1{"sales", "orders", "v1"};
  const model::OutputPortRef v2{"sales", "orders", "v2"};
  const model::OutputPortRef ledger{"finance", "ledger", "ledger-v1"};
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    int n = 0;
    for (const auto& port : {v1, v2, ledger}) {
      ++n;
      MP_RETURN_IF_ERROR(txn.access().InsertAccessRequest(
          MakeAccessRequest(absl::StrCat("r-", n), port, "team:a", T0())));
      MP_RETURN_IF_ERROR(txn.access().InsertGrant(
          MakeGrant(absl::StrCat("g-", n), port, "team:a", T0())));
    }
    return absl::OkStatus();
  }));
  ASSERT_OK_AND_ASSIGN(model::DataProduct orders,
                       this->GetProduct("sales", "orders"));
  model::DataProduct without_v2 = orders;
  without_v2.output_ports.pop_back();
  without_v2.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(without_v2, 1);
  }));
  EXPECT_OK(this->GetAccessRequest("r-1"));
  EXPECT_OK(this->GetGrant("g-1"));
  EXPECT_THAT(this->GetAccessRequest("r-2"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetGrant("g-2"), StatusIs(absl::StatusCode::kNotFound));
  // An update that keeps every port keeps every grant.
  model::DataProduct renamed = without_v2;
  renamed.display_name = "Orders, renamed";
  renamed.revision = 3;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(renamed, 2);
  }));
  EXPECT_OK(this->GetGrant("g-1"));

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().DeleteDataProduct(
        model::ProductKey{"sales", "orders"});
  }));
  EXPECT_THAT(this->GetAccessRequest("r-1"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetGrant("g-1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(this->GetAccessRequest("r-3"));
  EXPECT_OK(this->GetGrant("g-3"));

  ASSERT_OK(this->Insert(orders));
  store::GrantFilter on_v1;
  on_v1.port = v1;
  EXPECT_TRUE(this->AllGrantIds(on_v1, 10).empty());
  store::AccessRequestFilter requests_on_v1;
  requests_on_v1.port = v1;
  EXPECT_TRUE(this->AllRequestIds(requests_on_v1, 10).empty());
  ASSERT_OK_AND_ASSIGN(
      auto active,
      this->template Read<std::vector<model::Grant>>([&](Transaction& t) {
        return t.access().ActiveGrants(T0(), "", 100);
      }));
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].id, "g-3");
}

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_ACCESS_TESTS_H_
