// The store contract: the identity repository (web sessions, API
// tokens).
// Part of the repository contract suite (store_contract_tests.h, which
// registers every test: include that one).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_IDENTITY_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_IDENTITY_TESTS_H_

#include "tests/testing/store_contract/fixture.h"

namespace meshplane::store_contract {

inline model::ApiToken MakeToken(const std::string& id,
                                 const std::string& principal,
                                 bool admin = false) {
  model::ApiToken t;
  t.id = id;
  t.principal = principal;
  t.description = "token " + id;
  t.secret_hash = std::string(64, 'a');
  t.platform_admin = admin;
  t.create_time = T0();
  t.created_by = "user:admin";
  return t;
}

// Browser sessions: stored by the hash of their id, returned as written
// (expired ones too: the caller compares), deleted idempotently; an insert
// sweeps the sessions that have expired.
TYPED_TEST_P(StoreContractTest, WebSessions) {
  store::WebSession live;
  live.id_hash = std::string(64, 'a');
  live.principal = "user:ana@x.io";
  live.credential = "c2VhbGVk";
  live.create_time = T0();
  live.expire_time = T0() + absl::Hours(8);
  store::WebSession old = live;
  old.id_hash = std::string(64, 'b');
  old.expire_time = T0() + absl::Minutes(1);
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().InsertWebSession(old, T0());
  }));
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().InsertWebSession(live, T0());
  }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.identity().InsertWebSession(live, T0());
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(
      store::WebSession got,
      this->template Read<store::WebSession>([&](Transaction& txn) {
        return txn.identity().GetWebSession(live.id_hash);
      }));
  EXPECT_EQ(got.principal, live.principal);
  EXPECT_EQ(got.credential, live.credential);
  EXPECT_EQ(got.create_time, live.create_time);
  EXPECT_EQ(got.expire_time, live.expire_time);
  // Expired but not yet swept: still returned.
  EXPECT_OK(this->template Read<store::WebSession>([&](Transaction& txn) {
    return txn.identity().GetWebSession(old.id_hash);
  }));

  // The next insert after `old` expired sweeps it.
  store::WebSession next = live;
  next.id_hash = std::string(64, 'c');
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().InsertWebSession(next, T0() + absl::Hours(1));
  }));
  EXPECT_THAT(this->template Read<store::WebSession>([&](Transaction& txn) {
    return txn.identity().GetWebSession(old.id_hash);
  }),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().DeleteWebSession(live.id_hash);
  }));
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().DeleteWebSession(live.id_hash);
  }));
  EXPECT_THAT(this->template Read<store::WebSession>([&](Transaction& txn) {
    return txn.identity().GetWebSession(live.id_hash);
  }),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(this->template Read<store::WebSession>([&](Transaction& txn) {
    return txn.identity().GetWebSession(next.id_hash);
  }));
}

TYPED_TEST_P(StoreContractTest, Tokens) {
  model::ApiToken admin = MakeToken("admin-token1", "user:admin", true);
  admin.expire_time = T0() + absl::Hours(1);
  model::ApiToken user = MakeToken("user-token01", "user:ana@x.io");
  user.description = "it's \"mine\"";
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    auto s = txn.identity().InsertToken(admin);
    if (!s.ok()) return s;
    return txn.identity().InsertToken(user);
  }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.identity().InsertToken(user);
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(
      model::ApiToken got,
      this->template Read<model::ApiToken>([](Transaction& txn) {
        return txn.identity().GetToken("admin-token1");
      }));
  EXPECT_EQ(got.id, admin.id);
  EXPECT_EQ(got.principal, admin.principal);
  EXPECT_EQ(got.description, admin.description);
  EXPECT_EQ(got.secret_hash, admin.secret_hash);
  EXPECT_TRUE(got.platform_admin);
  EXPECT_EQ(got.create_time, admin.create_time);
  EXPECT_EQ(got.expire_time, admin.expire_time);
  EXPECT_FALSE(got.revoke_time.has_value());
  EXPECT_EQ(got.created_by, admin.created_by);
  EXPECT_THAT(this->template Read<model::ApiToken>([](Transaction& txn) {
    return txn.identity().GetToken("nope");
  }),
              StatusIs(absl::StatusCode::kNotFound));

  auto count_admins = [&](absl::Time now) {
    return this->template Read<int64_t>([&](Transaction& txn) {
      return txn.identity().CountActiveAdminTokens(now);
    });
  };
  EXPECT_THAT(count_admins(T0()), OkAndHolds(1));
  EXPECT_THAT(count_admins(T0() + absl::Hours(2)), OkAndHolds(0));

  absl::Time revoked_at = T0() + absl::Minutes(5);
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().RevokeToken("user-token01", revoked_at);
  }));
  // A second revoke keeps the first time.
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().RevokeToken("user-token01",
                                      revoked_at + absl::Hours(1));
  }));
  EXPECT_THAT(this->Write([](Transaction& txn) {
    return txn.identity().RevokeToken("nope", T0());
  }),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(
      got, this->template Read<model::ApiToken>([](Transaction& txn) {
        return txn.identity().GetToken("user-token01");
      }));
  EXPECT_EQ(got.revoke_time, revoked_at);
  EXPECT_EQ(got.description, user.description);

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().RevokeToken("admin-token1", T0());
  }));
  EXPECT_THAT(count_admins(T0()), OkAndHolds(0));

  // Listing: by principal, with or without revoked tokens, paged.
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (int i = 0; i < 25; ++i) {
      auto s = txn.identity().InsertToken(
          MakeToken(absl::StrCat("bulk-", 100 + i), "service:ci"));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }));
  auto list = [&](store::TokenFilter f, int limit) {
    return this->template AllPages<model::ApiToken, std::string>(
        [&](Transaction& txn, const PageRequest& page) {
          return txn.identity().ListTokens(f, page);
        },
        limit, [](const model::ApiToken& t) { return t.id; });
  };
  EXPECT_EQ(list({}, 4).size(), 27u);
  store::TokenFilter ci;
  ci.principal = "service:ci";
  std::vector<std::string> ci_ids = list(ci, 6);
  EXPECT_EQ(ci_ids.size(), 25u);
  EXPECT_TRUE(std::is_sorted(ci_ids.begin(), ci_ids.end()));
  store::TokenFilter active;
  active.include_revoked = false;
  EXPECT_EQ(list(active, 100).size(), 25u);
  store::TokenFilter ana;
  ana.principal = "user:ana@x.io";
  EXPECT_EQ(list(ana, 10), (std::vector<std::string>{"user-token01"}));
  ana.include_revoked = false;
  EXPECT_TRUE(list(ana, 10).empty());
}

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_IDENTITY_TESTS_H_
