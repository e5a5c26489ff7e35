// JwtVerifier and OidcAuthenticator with keys made by openssl at test time
// and tokens signed through OpenSSL's EVP API: every acceptance and every
// refusal the issue lists, on a SimulatedClock.
#include "server/jwt.h"

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/jwt/test_jwt.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include <httplib.h>
#include <stdlib.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/identity.h"

namespace meshplane::server {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr char kIssuer[] = "https://idp.example.com";
constexpr char kAudience[] = "meshplane";

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = ::testing::TempDir() + "meshplane-jwt-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = new std::string(tmpl);
    auto rsa = testing::MakeRsaKey(*dir_, "rsa-1");
    auto rsa2 = testing::MakeRsaKey(*dir_, "rsa-2");
    auto ec = testing::MakeEcKey(*dir_, "ec-1");
    ASSERT_THAT(rsa.status(), IsOk());
    ASSERT_THAT(rsa2.status(), IsOk());
    ASSERT_THAT(ec.status(), IsOk());
    rsa_ = new testing::TestSigningKey(*rsa);
    rsa2_ = new testing::TestSigningKey(*rsa2);
    ec_ = new testing::TestSigningKey(*ec);
  }

  void SetUp() override {
    jwks_file_ = absl::StrCat(
        *dir_, "/jwks-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
        ".json");
    WriteJwks({rsa_, ec_});
    auto source = JwksFileSource::Open(jwks_file_);
    ASSERT_THAT(source.status(), IsOk());
    source_ = *std::move(source);
    JwtConfig config;
    config.issuer = kIssuer;
    config.audience = kAudience;
    config.groups_claim = "groups";
    verifier_ = std::make_unique<JwtVerifier>(*source_, config, clock_);
  }

  void WriteJwks(const std::vector<const testing::TestSigningKey*>& keys) {
    std::ofstream out(jwks_file_, std::ios::trunc);
    out << testing::JwksOf(keys);
  }

  int64_t Now() const { return absl::ToUnixSeconds(clock_.Now()); }

  // Valid claims, with `extra` (JSON members) replacing or adding some.
  std::string Claims(const std::string& extra = "") const {
    const std::string base = absl::StrCat(
        R"({"iss":")", kIssuer, R"(","aud":")", kAudience,
        R"(","email":"ana@example.com","groups":["sales-eng","x"],)",
        R"("iat":)", Now() - 10, R"(,"nbf":)", Now() - 10, R"(,"exp":)",
        Now() + 600);
    return absl::StrCat(base, extra.empty() ? "" : ",", extra, "}");
  }

  static std::string Header(const testing::TestSigningKey& key) {
    return absl::StrCat(R"({"alg":")", key.ec ? "ES256" : "RS256",
                        R"(","typ":"JWT","kid":")", key.kid, R"("})");
  }

  std::string Sign(const testing::TestSigningKey& key,
                   const std::string& payload) const {
    auto token = testing::SignJwt(key, Header(key), payload);
    EXPECT_THAT(token.status(), IsOk());
    return token.ok() ? *token : "";
  }

  // Refused UNAUTHENTICATED with `why` in the message, and without any part
  // of the token in it.
  void ExpectRefused(const std::string& token, const std::string& why) {
    absl::StatusOr<VerifiedJwt> got = verifier_->Verify(token);
    ASSERT_THAT(got.status(),
                StatusIs(absl::StatusCode::kUnauthenticated, why));
    for (absl::string_view part : absl::StrSplit(token, '.')) {
      if (part.size() >= 8) {
        EXPECT_THAT(std::string(got.status().message()),
                    Not(HasSubstr(std::string(part))));
      }
    }
  }

  static std::string* dir_;
  static testing::TestSigningKey* rsa_;
  static testing::TestSigningKey* rsa2_;
  static testing::TestSigningKey* ec_;
  SimulatedClock clock_;
  std::string jwks_file_;
  std::unique_ptr<JwksFileSource> source_;
  std::unique_ptr<JwtVerifier> verifier_;
};

std::string* JwtTest::dir_ = nullptr;
testing::TestSigningKey* JwtTest::rsa_ = nullptr;
testing::TestSigningKey* JwtTest::rsa2_ = nullptr;
testing::TestSigningKey* JwtTest::ec_ = nullptr;

TEST_F(JwtTest, AcceptsRs256) {
  auto got = verifier_->Verify(Sign(*rsa_, Claims()));
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_EQ(got->principal, "user:ana@example.com");
  EXPECT_THAT(got->groups, ElementsAre("sales-eng", "x"));
  EXPECT_EQ(got->expire_time, clock_.Now() + absl::Seconds(600));
}

TEST_F(JwtTest, AcceptsEs256) {
  auto got = verifier_->Verify(Sign(*ec_, Claims()));
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_EQ(got->principal, "user:ana@example.com");
}

TEST_F(JwtTest, AcceptsTheAudienceAmongAnArray) {
  ASSERT_THAT(
      verifier_->Verify(Sign(*rsa_, Claims(R"("aud":["other","meshplane"])")))
          .status(),
      IsOk());
}

TEST_F(JwtTest, RefusesAlgNone) {
  std::string token =
      absl::StrCat(testing::Base64Url(R"({"alg":"none","kid":"rsa-1"})"), ".",
                   testing::Base64Url(Claims()), ".");
  ExpectRefused(token, "algorithm not allowed");
  // And with a signature part that is not empty.
  ExpectRefused(absl::StrCat(token, "AAAA"), "algorithm not allowed");
}

TEST_F(JwtTest, RefusesHs256SignedWithTheRsaPublicKey) {
  // The confusion attack: the public key, which anyone may fetch, used as
  // an HMAC secret by a verifier that trusts the token's `alg`.
  for (const std::string& secret : {rsa_->public_key_pem, rsa_->jwk}) {
    ExpectRefused(
        testing::HmacJwt(secret, R"({"alg":"HS256","kid":"rsa-1"})", Claims()),
        "algorithm not allowed");
  }
}

TEST_F(JwtTest, RefusesOtherAlgorithms) {
  for (const char* alg : {"HS384", "PS256", "RS512", "ES384", "EdDSA", ""}) {
    auto token = testing::SignJwt(
        *rsa_, absl::StrCat(R"({"alg":")", alg, R"(","kid":"rsa-1"})"),
        Claims());
    ASSERT_THAT(token.status(), IsOk());
    ExpectRefused(*token, "algorithm not allowed");
  }
}

TEST_F(JwtTest, RefusesAnAlgorithmThatDoesNotMatchTheKey) {
  // ES256 named on an RSA key, and RS256 on an EC key.
  auto a =
      testing::SignJwt(*rsa_, R"({"alg":"ES256","kid":"rsa-1"})", Claims());
  auto b = testing::SignJwt(*ec_, R"({"alg":"RS256","kid":"ec-1"})", Claims());
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  ExpectRefused(*a, "algorithm not allowed");
  ExpectRefused(*b, "algorithm not allowed");
}

TEST_F(JwtTest, RefusesAWrongIssuer) {
  ExpectRefused(Sign(*rsa_, Claims(R"("iss":"https://evil.example.com")")),
                "wrong issuer");
  // Claims() then has `iss` twice; the JSON reader keeps the last.
  ExpectRefused(Sign(*rsa_, Claims(R"("iss":null)")), "wrong issuer");
}

TEST_F(JwtTest, RefusesAWrongAudienceAsAString) {
  ExpectRefused(Sign(*rsa_, Claims(R"("aud":"another-app")")),
                "wrong audience");
}

TEST_F(JwtTest, RefusesAWrongAudienceAsAnArray) {
  ExpectRefused(Sign(*rsa_, Claims(R"("aud":["another-app","meshplane2"])")),
                "wrong audience");
  ExpectRefused(Sign(*rsa_, Claims(R"("aud":[])")), "wrong audience");
}

TEST_F(JwtTest, RefusesATokenExpiredBeyondTheSkew) {
  std::string token = Sign(*rsa_, Claims());
  clock_.Advance(absl::Seconds(600 + 30));  // within the 60 s skew
  ASSERT_THAT(verifier_->Verify(token).status(), IsOk());
  clock_.Advance(absl::Seconds(31));
  ExpectRefused(token, "expired");
}

TEST_F(JwtTest, RefusesATokenWithoutExpiry) {
  std::string claims =
      absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience,
                   R"(","email":"ana@example.com"})");
  ExpectRefused(Sign(*rsa_, claims), "no expiry");
}

TEST_F(JwtTest, RefusesATokenNotYetValid) {
  ExpectRefused(Sign(*rsa_, Claims(absl::StrCat(R"("nbf":)", Now() + 120))),
                "not yet valid");
  // Within the skew: a provider's clock a little ahead of ours.
  ASSERT_THAT(
      verifier_
          ->Verify(Sign(*rsa_, Claims(absl::StrCat(R"("nbf":)", Now() + 30))))
          .status(),
      IsOk());
}

TEST_F(JwtTest, RefusesAnUnknownKeyId) {
  auto token =
      testing::SignJwt(*rsa_, R"({"alg":"RS256","kid":"nope"})", Claims());
  ASSERT_THAT(token.status(), IsOk());
  ExpectRefused(*token, "unknown key id");
  auto no_kid = testing::SignJwt(*rsa_, R"({"alg":"RS256"})", Claims());
  ASSERT_THAT(no_kid.status(), IsOk());
  ExpectRefused(*no_kid, "unknown key id");
}

TEST_F(JwtTest, RefusesATamperedPayload) {
  std::string token = Sign(*rsa_, Claims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  parts[1] = testing::Base64Url(
      absl::StrReplaceAll(Claims(), {{"ana@example.com", "bob@example.com"}}));
  ExpectRefused(absl::StrJoin(parts, "."), "bad signature");
  std::string ec_token = Sign(*ec_, Claims());
  std::vector<std::string> ec_parts = absl::StrSplit(ec_token, '.');
  ec_parts[1] = parts[1];
  ExpectRefused(absl::StrJoin(ec_parts, "."), "bad signature");
}

TEST_F(JwtTest, RefusesASignatureByAnotherKeyUnderAKnownKeyId) {
  auto token = testing::SignJwt(*rsa2_, Header(*rsa_), Claims());
  ASSERT_THAT(token.status(), IsOk());
  ExpectRefused(*token, "bad signature");
}

TEST_F(JwtTest, RefusesMalformedTokens) {
  for (const std::string& token :
       {std::string("abc"), std::string("a.b"), std::string("a.b.c.d"),
        std::string("!!!.e30.sig"), std::string(".e30.sig"),
        absl::StrCat(testing::Base64Url("not json"), ".e30.c2ln"),
        absl::StrCat(testing::Base64Url("[1]"), ".e30.c2ln")}) {
    SCOPED_TRACE(token);
    ExpectRefused(token, "malformed token");
  }
  // A payload that is not JSON, correctly signed.
  auto token = testing::SignJwt(*rsa_, Header(*rsa_), "not json");
  ASSERT_THAT(token.status(), IsOk());
  ExpectRefused(*token, "malformed token");
}

TEST_F(JwtTest, RefusesAMissingPrincipalClaim) {
  std::string claims =
      absl::StrReplaceAll(Claims(), {{R"("email":"ana@example.com",)", ""}});
  ExpectRefused(Sign(*rsa_, claims), "missing principal claim `email`");
  ExpectRefused(Sign(*rsa_, Claims(R"("email":"")")),
                "missing principal claim `email`");
  ExpectRefused(Sign(*rsa_, Claims(R"("email":42)")),
                "missing principal claim `email`");
}

TEST_F(JwtTest, RefusesAnUnusablePrincipalClaim) {
  ExpectRefused(Sign(*rsa_, Claims(R"("email":"ana\nroot@example.com")")),
                "invalid principal claim `email`");
  ExpectRefused(
      Sign(*rsa_,
           Claims(absl::StrCat(R"("email":")", std::string(321, 'a'), R"(")"))),
      "invalid principal claim `email`");
}

TEST_F(JwtTest, RefusesAnUnverifiedEmail) {
  ExpectRefused(Sign(*rsa_, Claims(R"("email_verified":false)")),
                "email not verified");
  ASSERT_THAT(verifier_->Verify(Sign(*rsa_, Claims(R"("email_verified":true)")))
                  .status(),
              IsOk());
}

TEST_F(JwtTest, RefusesDatesThatAreNotNumericDates) {
  ExpectRefused(Sign(*rsa_, Claims(R"("exp":"tomorrow")")),
                "`exp` is not a NumericDate");
  ExpectRefused(Sign(*rsa_, Claims(R"("exp":1e300)")),
                "`exp` is not a NumericDate");
  ExpectRefused(Sign(*rsa_, Claims(R"("nbf":null)")),
                "`nbf` is not a NumericDate");
  // Fractional seconds are NumericDates.
  ASSERT_THAT(verifier_
                  ->Verify(Sign(*rsa_, Claims(absl::StrCat(R"("exp":)",
                                                           Now() + 60, ".5"))))
                  .status(),
              IsOk());
}

TEST_F(JwtTest, UsesTheConfiguredPrincipalClaimAndPrefix) {
  JwtConfig config;
  config.issuer = kIssuer;
  config.audience = kAudience;
  config.principal_claim = "sub";
  config.principal_prefix = "service:";
  JwtVerifier verifier(*source_, config, clock_);
  auto got = verifier.Verify(Sign(*ec_, Claims(R"("sub":"orders-ci")")));
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_EQ(got->principal, "service:orders-ci");
  EXPECT_TRUE(got->groups.empty());  // no groups claim configured
}

TEST_F(JwtTest, ARotatedKeyIsUsedWithoutARestart) {
  std::string token = Sign(*rsa2_, Claims());
  ExpectRefused(token, "unknown key id");
  WriteJwks({rsa_, rsa2_, ec_});
  ASSERT_THAT(verifier_->Verify(token).status(), IsOk());
  // And a retired key stops verifying.
  WriteJwks({rsa2_});
  ExpectRefused(Sign(*rsa_, Claims()), "unknown key id");
  ASSERT_THAT(verifier_->Verify(token).status(), IsOk());
}

TEST_F(JwtTest, AnInvalidRewriteKeepsTheLastGoodKeys) {
  {
    std::ofstream out(jwks_file_, std::ios::trunc);
    out << "{\"keys\": [";  // a half-written file
  }
  ASSERT_THAT(verifier_->Verify(Sign(*rsa_, Claims())).status(), IsOk());
}

// A JWKS URL served by an in-process HTTP server on loopback.
class JwksUrlTest : public JwtTest {
 protected:
  void SetUp() override {
    JwtTest::SetUp();
    SetServed({rsa_});
    http_.Get("/keys", [this](const httplib::Request&, httplib::Response& res) {
      ++fetches_;
      absl::MutexLock lock(&mu_);
      res.set_content(served_, "application/json");
    });
    port_ = http_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost (cpp-httplib), and
    // TearDown would wait for ever.
    while (!http_.is_running()) std::this_thread::yield();
    auto source =
        JwksUrlSource::Create(absl::StrCat("http://127.0.0.1:", port_, "/keys"),
                              clock_, absl::Minutes(5), absl::Seconds(10));
    ASSERT_THAT(source.status(), IsOk());
    url_source_ = *std::move(source);
    JwtConfig config;
    config.issuer = kIssuer;
    config.audience = kAudience;
    url_verifier_ = std::make_unique<JwtVerifier>(*url_source_, config, clock_);
  }
  void TearDown() override {
    http_.stop();
    if (thread_.joinable()) thread_.join();
  }
  void SetServed(const std::vector<const testing::TestSigningKey*>& keys) {
    absl::MutexLock lock(&mu_);
    served_ = testing::JwksOf(keys);
  }

  httplib::Server http_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> fetches_{0};
  absl::Mutex mu_;
  std::string served_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<JwksUrlSource> url_source_;
  std::unique_ptr<JwtVerifier> url_verifier_;
};

TEST_F(JwksUrlTest, FetchesOnceCachesAndRefreshesOnAnUnknownKidRateLimited) {
  ASSERT_THAT(url_verifier_->Verify(Sign(*rsa_, Claims())).status(), IsOk());
  ASSERT_THAT(url_verifier_->Verify(Sign(*rsa_, Claims())).status(), IsOk());
  EXPECT_EQ(fetches_.load(), 1);  // cached

  // The provider rotates; a token under the new kid arrives within the
  // reload interval of the first fetch: refused, and no second fetch.
  SetServed({rsa_, ec_});
  std::string rotated = Sign(*ec_, Claims());
  EXPECT_THAT(url_verifier_->Verify(rotated).status(),
              StatusIs(absl::StatusCode::kUnauthenticated, "unknown key id"));
  EXPECT_EQ(fetches_.load(), 1);
  // Past it, the unknown kid reloads the keys at once.
  clock_.Advance(absl::Seconds(11));
  ASSERT_THAT(url_verifier_->Verify(rotated).status(), IsOk());
  EXPECT_EQ(fetches_.load(), 2);
  // A made-up kid right after costs no request to the provider.
  auto bogus =
      testing::SignJwt(*rsa_, R"({"alg":"RS256","kid":"bogus"})", Claims());
  ASSERT_THAT(bogus.status(), IsOk());
  EXPECT_THAT(url_verifier_->Verify(*bogus).status(),
              StatusIs(absl::StatusCode::kUnauthenticated, "unknown key id"));
  EXPECT_EQ(fetches_.load(), 2);
}

TEST_F(JwksUrlTest, RefreshesAfterTheIntervalAndKeepsKeysWhenTheFetchFails) {
  ASSERT_THAT(url_verifier_->Verify(Sign(*rsa_, Claims())).status(), IsOk());
  {
    absl::MutexLock lock(&mu_);
    served_ = "not json";
  }
  clock_.Advance(absl::Minutes(5));
  std::string token = Sign(*rsa_, Claims());
  ASSERT_THAT(url_verifier_->Verify(token).status(), IsOk());
  EXPECT_EQ(fetches_.load(), 2);
}

TEST_F(JwksUrlTest, AProviderThatIsDownIsUnavailable) {
  // Port 1 on loopback: nothing listens, the connection is refused.
  auto source = JwksUrlSource::Create("http://127.0.0.1:1/keys", clock_);
  ASSERT_THAT(source.status(), IsOk());
  JwtConfig config;
  config.issuer = kIssuer;
  config.audience = kAudience;
  JwtVerifier verifier(**source, config, clock_);
  EXPECT_THAT(verifier.Verify(Sign(*rsa_, Claims())).status(),
              StatusIs(absl::StatusCode::kUnavailable, "keys"));
}

TEST(JwkSetTest, SkipsSymmetricAndForeignKeysAndNeedsKeyIds) {
  auto set = JwkSet::Parse(
      R"({"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"},)"
      R"({"kty":"EC","crv":"P-384","kid":"p384","x":"AA","y":"AA"},)"
      R"({"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"}]})");
  ASSERT_THAT(set.status(), IsOk());
  EXPECT_EQ((*set)->size(), 0u);
  EXPECT_THAT(JwkSet::Parse(R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "kid: missing"));
  EXPECT_THAT(JwkSet::Parse("[]").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "jwks"));
  EXPECT_THAT(JwkSet::Parse(R"({"nokeys":1})").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "jwks.keys"));
}

TEST(LooksLikeJwtTest, TellsJwtsFromApiTokens) {
  EXPECT_TRUE(LooksLikeJwt("eyJh.eyJz.c2ln"));
  EXPECT_TRUE(LooksLikeJwt("eyJh.eyJz."));  // alg none: still the verifier's
  EXPECT_FALSE(LooksLikeJwt("mp_abc123_0123456789abcdefghijklmnopqrstuv"));
  EXPECT_FALSE(LooksLikeJwt("a.b"));
  EXPECT_FALSE(LooksLikeJwt("a..c"));
  EXPECT_FALSE(LooksLikeJwt("a b.c.d"));
}

TEST(OidcSettingsTest, RefusesIncompleteSettings) {
  SimulatedClock clock;
  OidcSettings off;
  auto none = OidcAuthenticator::Create(off, clock);
  ASSERT_THAT(none.status(), IsOk());
  EXPECT_EQ(*none, nullptr);

  OidcSettings s;
  s.audience = "meshplane";
  EXPECT_THAT(OidcAuthenticator::Create(s, clock).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "--oidc-issuer"));
  s.issuer = kIssuer;
  s.audience = "";
  EXPECT_THAT(OidcAuthenticator::Create(s, clock).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "--oidc-audience"));
  s.audience = "meshplane";
  EXPECT_THAT(OidcAuthenticator::Create(s, clock).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "exactly one"));
  s.jwks_url = "ftp://idp.example.com/keys";
  EXPECT_THAT(OidcAuthenticator::Create(s, clock).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "http://"));
  s.jwks_url = "https://idp.example.com/keys";
  s.group_teams = {"Sales Engineers=Sales"};
  s.groups_claim = "groups";
  EXPECT_THAT(OidcAuthenticator::Create(s, clock).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--oidc-group-team: \"Sales Engineers=Sales\""));
  s.group_teams = {"Sales Engineers=sales"};
  s.groups_claim = "";
  EXPECT_THAT(
      OidcAuthenticator::Create(s, clock).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, "--oidc-groups-claim"));
  s.groups_claim = "groups";
  auto ok = OidcAuthenticator::Create(s, clock);
  ASSERT_THAT(ok.status(), IsOk());
  EXPECT_NE(*ok, nullptr);
}

class OidcAuthenticatorTest : public JwtTest {
 protected:
  std::unique_ptr<OidcAuthenticator> Make(OidcAuthenticator::Mapping mapping) {
    auto keys = JwksFileSource::Open(jwks_file_);
    EXPECT_THAT(keys.status(), IsOk());
    JwtConfig config;
    config.issuer = kIssuer;
    config.audience = kAudience;
    config.groups_claim = "groups";
    return std::make_unique<OidcAuthenticator>(*std::move(keys), config,
                                               std::move(mapping), clock_);
  }

  testing::InMemoryStore store_;
  auth::Authorizer authz_;
  core::Identity identity_{store_, authz_, clock_};
};

TEST_F(OidcAuthenticatorTest, MapsGroupsToTeamsBesideTheStoresMemberships) {
  model::Team team;
  team.id = "checkout";
  team.members = {"user:ana@example.com"};
  ASSERT_THAT(store_.RunInTransaction(store::TxnMode::kReadWrite,
                                      [&](store::Transaction& t) {
                                        return t.registry().InsertTeam(team);
                                      }),
              IsOk());
  OidcAuthenticator::Mapping mapping;
  mapping.group_teams = {{"sales-eng", "sales"}, {"ops", "platform"}};
  auto authn = Make(mapping);
  auto who = authn->Authenticate(Sign(*rsa_, Claims()), identity_);
  ASSERT_THAT(who.status(), IsOk());
  EXPECT_EQ(who->id, "user:ana@example.com");
  EXPECT_THAT(who->team_ids, UnorderedElementsAre("checkout", "sales"));
  EXPECT_FALSE(who->platform_admin);
}

TEST_F(OidcAuthenticatorTest, WithoutAMappingGroupsNamedLikeTeamsAreTeams) {
  auto authn = Make({});
  auto who = authn->Authenticate(
      Sign(*rsa_, Claims(R"("groups":["sales","Not A Team","ops-1"])")),
      identity_);
  ASSERT_THAT(who.status(), IsOk());
  EXPECT_THAT(who->team_ids, UnorderedElementsAre("sales", "ops-1"));
}

TEST_F(OidcAuthenticatorTest, AdminOnlyFromTheConfiguredGroup) {
  // A groups claim that says "admin" makes nobody an admin by itself.
  auto plain = Make({});
  auto who = plain->Authenticate(
      Sign(*rsa_, Claims(R"("groups":["admin","platform-admins"])")),
      identity_);
  ASSERT_THAT(who.status(), IsOk());
  EXPECT_FALSE(who->platform_admin);

  OidcAuthenticator::Mapping mapping;
  mapping.admin_group = "platform-admins";
  auto admin = Make(mapping);
  who = admin->Authenticate(
      Sign(*rsa_, Claims(R"("groups":["platform-admins"])")), identity_);
  ASSERT_THAT(who.status(), IsOk());
  EXPECT_TRUE(who->platform_admin);
  who = admin->Authenticate(Sign(*rsa_, Claims(R"("groups":["ops"])")),
                            identity_);
  ASSERT_THAT(who.status(), IsOk());
  EXPECT_FALSE(who->platform_admin);
}

TEST_F(OidcAuthenticatorTest, AuthenticateBearerSendsJwtsToTheVerifierOnly) {
  auto authn = Make({});
  const std::string jwt = Sign(*rsa_, Claims());
  auto who = AuthenticateBearer(jwt, identity_, authn.get());
  ASSERT_THAT(who.status(), IsOk());
  EXPECT_EQ(who->id, "user:ana@example.com");
  // An API token never reaches the verifier.
  for (const absl::Status& s :
       {AuthenticateBearer("mp_abc_0123456789abcdefghij", identity_,
                           authn.get())
            .status(),
        // Without OIDC a JWT is just an unknown API token.
        AuthenticateBearer(jwt, identity_, nullptr).status()}) {
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnauthenticated));
    EXPECT_THAT(std::string(s.message()), Not(HasSubstr("identity token")));
  }
}

TEST_F(OidcAuthenticatorTest, RefusalsComeFromTheVerifier) {
  auto authn = Make({});
  EXPECT_THAT(
      authn->Authenticate(Sign(*rsa_, Claims(R"("aud":"x")")), identity_)
          .status(),
      StatusIs(absl::StatusCode::kUnauthenticated, "wrong audience"));
}

}  // namespace
}  // namespace meshplane::server
