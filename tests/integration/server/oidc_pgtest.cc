// OIDC/JWT bearer tokens over real gRPC and PostgreSQL: a server started
// with a JWKS file (keys made by openssl for this binary), a caller whose
// identity-provider group maps to a team writing what that team may and
// refused where it may not, the audit naming the JWT principal, and the
// refusals as a gRPC client sees them.
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/jwt/test_jwt.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

namespace meshplane::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr char kIssuer[] = "https://idp.example.com/realms/acme";
constexpr char kAudience[] = "meshplane";

class OidcRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = ::testing::TempDir() + "meshplane-oidc-XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    auto key = MakeEcKey(dir, "idp-ec-1");
    ASSERT_THAT(key.status(), IsOk());
    key_ = *std::move(key);
    const std::string jwks = absl::StrCat(dir, "/jwks.json");
    {
      std::ofstream out(jwks);
      out << JwksOf({&key_});
    }
    ServerFixtureOptions options;
    options.config.oidc.issuer = kIssuer;
    options.config.oidc.audience = kAudience;
    options.config.oidc.jwks_file = jwks;
    options.config.oidc.groups_claim = "groups";
    options.config.oidc.group_teams = {"Sales Engineers=sales"};
    fx_ = ServerFixture::Start(options);

    for (const char* team : {"sales", "finance"}) {
      v1::CreateTeamRequest r;
      r.set_team_id(team);
      r.mutable_team()->set_display_name(team);
      fx_->SeedTeam(r);
      v1::CreateDomainRequest d;
      d.set_domain_id(team);
      d.mutable_domain()->set_display_name(team);
      d.mutable_domain()->set_owner_team(absl::StrCat("teams/", team));
      fx_->SeedDomain(d);
    }
  }

  std::string Token(const std::string& extra = "") {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    std::string claims = absl::StrCat(
        R"({"iss":")", kIssuer, R"(","aud":["account",")", kAudience,
        R"("],"email":"ana@example.com","groups":["Sales Engineers"],)",
        R"("iat":)", now, R"(,"exp":)", now + 600, extra.empty() ? "" : ",",
        extra, "}");
    auto token = SignJwt(
        key_, R"({"alg":"ES256","typ":"JWT","kid":"idp-ec-1"})", claims);
    EXPECT_THAT(token.status(), IsOk());
    return token.ok() ? *token : "";
  }

  grpc::Status CreateProduct(const std::string& token,
                             const std::string& domain, const std::string& id) {
    v1::CreateDataProductRequest r;
    r.set_parent(absl::StrCat("domains/", domain));
    r.set_data_product_id(id);
    r.mutable_data_product()->set_display_name(id);
    r.mutable_data_product()->set_owner_team(absl::StrCat("teams/", domain));
    auto* port = r.mutable_data_product()->add_output_ports();
    port->set_id(id + "-v1");
    port->set_type("table");
    v1::DataProduct out;
    auto ctx = ServerFixture::Context(token);
    return fx_->Products()->CreateDataProduct(ctx.get(), r, &out);
  }

  TestSigningKey key_;
  std::unique_ptr<ServerFixture> fx_;
};

TEST_F(OidcRpcTest, TheCallerIsTheTokensPrincipalWithItsMappedTeam) {
  v1::CallerIdentity me;
  auto ctx = ServerFixture::Context(Token());
  grpc::Status s = fx_->Identity()->GetCallerIdentity(
      ctx.get(), v1::GetCallerIdentityRequest(), &me);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(me.principal(), "user:ana@example.com");
  EXPECT_FALSE(me.platform_admin());
  EXPECT_THAT(me.teams(), UnorderedElementsAre("teams/sales"));
}

TEST_F(OidcRpcTest, WritesWhatItsMappedTeamMayAndIsAudited) {
  const std::string token = Token();
  grpc::Status ok = CreateProduct(token, "sales", "orders");
  ASSERT_TRUE(ok.ok()) << ok.error_message();

  grpc::Status denied = CreateProduct(token, "finance", "ledger");
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << denied.error_message();

  v1::ListAuditRecordsRequest r;
  r.set_page_size(100);
  v1::ListAuditRecordsResponse records;
  auto ctx = fx_->AdminContext();
  grpc::Status s = fx_->Events()->ListAuditRecords(ctx.get(), r, &records);
  ASSERT_TRUE(s.ok()) << s.error_message();
  bool created = false;
  for (const v1::AuditRecord& a : records.audit_records()) {
    if (a.resource() == "domains/sales/dataProducts/orders" &&
        a.outcome_code() == 0) {
      created = true;
      EXPECT_EQ(a.principal(), "user:ana@example.com");
      EXPECT_THAT(a.method(), HasSubstr("CreateDataProduct"));
    }
  }
  EXPECT_TRUE(created) << records.DebugString();
}

TEST_F(OidcRpcTest, RefusalsAreUnauthenticatedAndNameTheReason) {
  struct Case {
    std::string token;
    std::string reason;
  };
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const std::string valid = Token();
  const std::string payload =
      valid.substr(valid.find('.') + 1, valid.rfind('.') - valid.find('.') - 1);
  const Case cases[] = {
      {Token(absl::StrCat(R"("exp":)", now - 3600)), "expired"},
      {Token(absl::StrCat(R"("nbf":)", now + 3600)), "not yet valid"},
      {Token(R"("iss":"https://evil.example.com")"), "wrong issuer"},
      {Token(R"("aud":"another-app")"), "wrong audience"},
      {Token(R"("email":null)"), "missing principal claim"},
      {absl::StrCat(Base64Url(R"({"alg":"none","kid":"idp-ec-1"})"), ".",
                    payload, "."),
       "algorithm not allowed"},
      {HmacJwt(key_.public_key_pem, R"({"alg":"HS256","kid":"idp-ec-1"})",
               R"({"sub":"x"})"),
       "algorithm not allowed"},
      {*SignJwt(key_, R"({"alg":"ES256","kid":"other"})", "{}"),
       "unknown key id"},
      {absl::StrCat(valid.substr(0, valid.find('.') + 1),
                    Base64Url(R"({"email":"admin@example.com"})"),
                    valid.substr(valid.rfind('.'))),
       "bad signature"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    v1::CallerIdentity me;
    auto ctx = ServerFixture::Context(c.token);
    grpc::Status s = fx_->Identity()->GetCallerIdentity(
        ctx.get(), v1::GetCallerIdentityRequest(), &me);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_THAT(s.error_message(), HasSubstr(c.reason));
    EXPECT_THAT(s.error_message(),
                Not(HasSubstr(c.token.substr(c.token.find('.') + 1, 12))));
  }
}

TEST_F(OidcRpcTest, ApiTokensStillWorkBesideJwts) {
  const std::string api = fx_->MintToken("service:orders-ci");
  v1::CallerIdentity me;
  auto ctx = ServerFixture::Context(api);
  grpc::Status s = fx_->Identity()->GetCallerIdentity(
      ctx.get(), v1::GetCallerIdentityRequest(), &me);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(me.principal(), "service:orders-ci");
}

}  // namespace
}  // namespace meshplane::testing
