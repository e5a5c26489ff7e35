#include "meshplane/core/identity.h"

#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include "tests/unit/core/core_test_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/core/registry.h"

namespace meshplane::core {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using Code = absl::StatusCode;

constexpr char kBootstrap[] = "bootstrap-secret-0123456789";

class IdentityTest : public ::testing::Test {
 protected:
  IdentityTest()
      : identity_(store_, authz_, clock_), registry_(store_, authz_, clock_) {}

  void SetUp() override {
    ASSERT_OK(identity_.Bootstrap(kBootstrap));
    ASSERT_OK_AND_ASSIGN(model::Principal admin,
                         identity_.Authenticate(kBootstrap));
    admin_.principal = admin;
    ana_.principal.id = "user:ana@example.com";
  }

  std::vector<model::AuditRecord> Audit() {
    return test_util::ReadAudit(store_);
  }
  std::vector<model::Event> Events() { return test_util::ReadEvents(store_); }

  testing::InMemoryStore store_;
  auth::Authorizer authz_;
  SimulatedClock clock_;
  Identity identity_;
  Registry registry_;
  RequestContext admin_;
  RequestContext ana_;
};

TEST_F(IdentityTest, BootstrapInstallsAnAdminOnce) {
  EXPECT_TRUE(admin_.principal.platform_admin);
  EXPECT_EQ(admin_.principal.id, "user:admin");
  // With an active admin token, another bootstrap secret is ignored.
  ASSERT_OK(identity_.Bootstrap("another-bootstrap-secret"));
  EXPECT_THAT(identity_.Authenticate("another-bootstrap-secret"),
              StatusIs(Code::kUnauthenticated));
  EXPECT_OK(identity_.Bootstrap(""));
  EXPECT_THAT(identity_.Bootstrap("short"),
              StatusIs(Code::kInvalidArgument, "at least 16"));
  auto txn = store_.Begin(store::TxnMode::kReadOnly);
  ASSERT_OK_AND_ASSIGN(model::ApiToken t,
                       (*txn)->identity().GetToken("bootstrap"));
  EXPECT_EQ(t.secret_hash, Sha256Hex(kBootstrap));
  EXPECT_TRUE(t.platform_admin);
  EXPECT_EQ(Events().back().type, "token.created");
}

TEST_F(IdentityTest, ABurntBootstrapTokenCannotBeReinstalledSilently) {
  // The only admin revokes the bootstrap token: no active admin is left.
  ASSERT_OK(identity_.RevokeToken(admin_, "bootstrap").status());
  EXPECT_THAT(identity_.Authenticate(kBootstrap),
              StatusIs(Code::kUnauthenticated));
  // A restart with a bootstrap secret must say why it cannot help, rather
  // than run without any admin.
  EXPECT_THAT(identity_.Bootstrap("a-new-bootstrap-secret"),
              StatusIs(Code::kFailedPrecondition, "tokens/bootstrap"));
  EXPECT_THAT(identity_.Authenticate("a-new-bootstrap-secret"),
              StatusIs(Code::kUnauthenticated));
}

TEST_F(IdentityTest, BadSecretsAreAllUnauthenticatedAlike) {
  for (const std::string& s :
       {std::string(""), std::string("nope-nope-nope-nope"),
        std::string("mp_unknownid12_abcdef"), std::string("mp_"),
        std::string("mp__x"), std::string("mp_Bad Id_x")}) {
    auto r = identity_.Authenticate(s);
    EXPECT_THAT(r, StatusIs(Code::kUnauthenticated,
                            "invalid, expired or revoked token"))
        << s;
  }
}

TEST_F(IdentityTest, CreatedTokensAuthenticateWithTheirTeams) {
  model::Team team;
  team.id = "checkout";
  team.members = {"user:ana@example.com"};
  ASSERT_OK(registry_.CreateTeam(admin_, team).status());
  ASSERT_OK_AND_ASSIGN(
      CreatedToken created,
      identity_.CreateToken(ana_, "", "laptop", absl::Hours(1), false));
  EXPECT_THAT(created.secret,
              ::testing::StartsWith("mp_" + created.token.id + "_"));
  EXPECT_EQ(created.secret.size(), 3 + 12 + 1 + 32u);
  EXPECT_EQ(created.token.principal, "user:ana@example.com");
  EXPECT_EQ(created.token.created_by, "user:ana@example.com");
  ASSERT_TRUE(created.token.expire_time.has_value());
  ASSERT_OK_AND_ASSIGN(model::Principal p,
                       identity_.Authenticate(created.secret));
  EXPECT_EQ(p.id, "user:ana@example.com");
  EXPECT_FALSE(p.platform_admin);
  EXPECT_THAT(p.team_ids, ::testing::ElementsAre("checkout"));
  // A wrong secret for a real token id fails.
  std::string wrong = created.secret;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  EXPECT_THAT(identity_.Authenticate(wrong), StatusIs(Code::kUnauthenticated));
  // Expiry applies even to cached tokens.
  clock_.Advance(absl::Hours(1));
  EXPECT_THAT(identity_.Authenticate(created.secret),
              StatusIs(Code::kUnauthenticated));
}

TEST_F(IdentityTest, SecretsNeverReachAuditEventsOrRequestIdRecords) {
  RequestContext ctx = ana_;
  ctx.request_id = "req-1";
  ASSERT_OK_AND_ASSIGN(
      CreatedToken created,
      identity_.CreateToken(ctx, "", "ci", std::nullopt, false));
  const std::string hash = Sha256Hex(created.secret);
  for (const auto& a : Audit()) {
    EXPECT_THAT(a.after_json, Not(HasSubstr(created.secret)));
    EXPECT_THAT(a.after_json, Not(HasSubstr(hash)));
  }
  bool created_event = false;
  for (const auto& e : Events()) {
    EXPECT_THAT(e.payload_json, Not(HasSubstr(created.secret)));
    EXPECT_THAT(e.payload_json, Not(HasSubstr(hash)));
    created_event |=
        e.type == "token.created" && e.resource == "tokens/" + created.token.id;
  }
  EXPECT_TRUE(created_event);
  auto txn = store_.Begin(store::TxnMode::kReadOnly);
  ASSERT_OK_AND_ASSIGN(
      auto record,
      (*txn)->events().GetIdempotency(
          ctx.principal.id, "meshplane.v1.IdentityService/CreateToken", "req-1",
          absl::InfinitePast()));
  ASSERT_TRUE(record.has_value());
  EXPECT_THAT(record->response, Not(HasSubstr(created.secret)));
  EXPECT_THAT(record->response, Not(HasSubstr(hash)));

  // A replay cannot show the secret again.
  auto replay = identity_.CreateToken(ctx, "", "ci", std::nullopt, false);
  EXPECT_THAT(replay, StatusIs(Code::kFailedPrecondition,
                               "tokens/" + created.token.id));
  EXPECT_EQ(GetReason(replay.status()), "TOKEN_SECRET_NOT_RECOVERABLE");
}

TEST_F(IdentityTest, OnlyAdminsIssueForOthersOrGrantAdmin) {
  EXPECT_THAT(identity_.CreateToken(ana_, "user:bob", "", std::nullopt, false),
              StatusIs(Code::kPermissionDenied, "other principals"));
  EXPECT_THAT(identity_.CreateToken(ana_, "", "", std::nullopt, true),
              StatusIs(Code::kPermissionDenied, "platform-admin"));
  EXPECT_THAT(
      identity_.CreateToken(admin_, "not-a-principal", "", std::nullopt, false),
      StatusIs(Code::kInvalidArgument, "principal"));
  EXPECT_THAT(identity_.CreateToken(ana_, "", "", absl::Seconds(-5), false),
              StatusIs(Code::kInvalidArgument, "ttl"));
  EXPECT_THAT(
      identity_.CreateToken(RequestContext{}, "", "", std::nullopt, false),
      StatusIs(Code::kUnauthenticated));
  ASSERT_OK_AND_ASSIGN(CreatedToken bobs,
                       identity_.CreateToken(admin_, "service:ci-bot", "ci",
                                             std::nullopt, true));
  ASSERT_OK_AND_ASSIGN(model::Principal bot,
                       identity_.Authenticate(bobs.secret));
  EXPECT_TRUE(bot.platform_admin);
  EXPECT_EQ(bot.id, "service:ci-bot");
}

TEST_F(IdentityTest, RevocationAppliesAtOnceOnThisReplica) {
  ASSERT_OK_AND_ASSIGN(
      CreatedToken t, identity_.CreateToken(ana_, "", "", std::nullopt, false));
  ASSERT_OK(identity_.Authenticate(t.secret).status());  // now cached
  RequestContext bob;
  bob.principal.id = "user:bob";
  EXPECT_THAT(identity_.RevokeToken(bob, t.token.id),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(identity_.RevokeToken(ana_, "ghost"), StatusIs(Code::kNotFound));
  ASSERT_OK_AND_ASSIGN(model::ApiToken revoked,
                       identity_.RevokeToken(ana_, t.token.id));
  EXPECT_TRUE(revoked.revoke_time.has_value());
  EXPECT_EQ(revoked.secret_hash, "");
  EXPECT_THAT(identity_.Authenticate(t.secret),
              StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(Events().back().type, "token.revoked");
  // Revoking again is harmless and announces nothing new.
  size_t events = Events().size();
  EXPECT_OK(identity_.RevokeToken(admin_, t.token.id).status());
  EXPECT_EQ(Events().size(), events);
}

TEST_F(IdentityTest, AnotherReplicaSeesARevocationWithinTheCacheTtl) {
  Identity other(store_, authz_, clock_);
  ASSERT_OK_AND_ASSIGN(
      CreatedToken t, identity_.CreateToken(ana_, "", "", std::nullopt, false));
  ASSERT_OK(other.Authenticate(t.secret).status());
  ASSERT_OK(identity_.RevokeToken(ana_, t.token.id).status());
  // Still trusted from the other replica's cache...
  EXPECT_OK(other.Authenticate(t.secret).status());
  clock_.Advance(absl::Seconds(2));
  // ...but no longer than the TTL.
  EXPECT_THAT(other.Authenticate(t.secret), StatusIs(Code::kUnauthenticated));
}

TEST_F(IdentityTest, ListTokensShowsOwnTokensToNonAdmins) {
  ASSERT_OK(
      identity_.CreateToken(ana_, "", "one", std::nullopt, false).status());
  ASSERT_OK(
      identity_.CreateToken(ana_, "", "two", std::nullopt, false).status());
  ASSERT_OK(
      identity_.CreateToken(admin_, "user:bob", "bob's", std::nullopt, false)
          .status());
  ASSERT_OK_AND_ASSIGN(auto mine, identity_.ListTokens(ana_, "user:bob", {}));
  ASSERT_EQ(mine.items.size(), 2u);
  for (const auto& t : mine.items) {
    EXPECT_EQ(t.principal, "user:ana@example.com");
    EXPECT_EQ(t.secret_hash, "");
  }
  ASSERT_OK_AND_ASSIGN(auto all, identity_.ListTokens(admin_, "", {}));
  EXPECT_EQ(all.items.size(), 4u);  // with the bootstrap token
  ASSERT_OK_AND_ASSIGN(auto bobs, identity_.ListTokens(admin_, "user:bob", {}));
  EXPECT_EQ(bobs.items.size(), 1u);
  ListQuery q;
  q.page_size = 3;
  ASSERT_OK_AND_ASSIGN(auto page1, identity_.ListTokens(admin_, "", q));
  EXPECT_EQ(page1.items.size(), 3u);
  q.page_token = page1.next_page_token;
  ASSERT_OK_AND_ASSIGN(auto page2, identity_.ListTokens(admin_, "", q));
  EXPECT_EQ(page2.items.size(), 1u);
  EXPECT_TRUE(page2.next_page_token.empty());
  EXPECT_THAT(identity_.ListTokens(RequestContext{}, "", {}),
              StatusIs(Code::kUnauthenticated));
}

TEST_F(IdentityTest, StoreOutageIsUnavailableNotUnauthenticated) {
  ASSERT_OK_AND_ASSIGN(
      CreatedToken t, identity_.CreateToken(ana_, "", "", std::nullopt, false));
  store_.SetUnavailable(true);
  EXPECT_THAT(identity_.Authenticate(t.secret), StatusIs(Code::kUnavailable));
  store_.SetUnavailable(false);
}

// Counts the transactions begun on an InMemoryStore: each token lookup is
// one.
class CountingStore : public store::Store {
 public:
  explicit CountingStore(store::Store& inner) : inner_(inner) {}
  absl::StatusOr<std::unique_ptr<store::Transaction>> Begin(
      store::TxnMode mode) override {
    ++begins;
    return inner_.Begin(mode);
  }
  absl::Status Ping() override { return inner_.Ping(); }
  absl::StatusOr<std::unique_ptr<store::Listener>> NewListener() override {
    return inner_.NewListener();
  }
  int begins = 0;

 private:
  store::Store& inner_;
};

TEST_F(IdentityTest, UnknownTokensAreCachedNegatively) {
  CountingStore counting(store_);
  Identity identity(counting, authz_, clock_);
  const std::string unknown = "mp_nosuchtoken_0123456789abcdefghijklmnopqrstuv";
  EXPECT_THAT(identity.Authenticate(unknown), StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(counting.begins, 1);
  // Repeating it within the TTL costs no query, and answers the same.
  for (int i = 0; i < 100; ++i) {
    EXPECT_THAT(
        identity.Authenticate(unknown),
        StatusIs(Code::kUnauthenticated, "invalid, expired or revoked token"));
  }
  EXPECT_EQ(counting.begins, 1);
  // A wrong secret for a real token id is remembered the same way.
  EXPECT_THAT(identity.Authenticate("wrong-bootstrap-secret-0000"),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(identity.Authenticate("wrong-bootstrap-secret-0000"),
              StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(counting.begins, 2);
  // After the TTL the store is asked again.
  clock_.Advance(absl::Seconds(3));
  EXPECT_THAT(identity.Authenticate(unknown), StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(counting.begins, 3);
  // The right secret is not shadowed by the refusals.
  EXPECT_OK(identity.Authenticate(kBootstrap).status());
}

TEST_F(IdentityTest, AStoreOutageIsNotCachedAsARefusal) {
  CountingStore counting(store_);
  Identity identity(counting, authz_, clock_);
  store_.SetUnavailable(true);
  EXPECT_THAT(identity.Authenticate(kBootstrap), StatusIs(Code::kUnavailable));
  store_.SetUnavailable(false);
  EXPECT_OK(identity.Authenticate(kBootstrap).status());
}
}  // namespace
}  // namespace meshplane::core
