// DomainService, TeamService, DataProductService and IdentityService over
// real gRPC on loopback against a real PostgreSQL: happy paths and the bad
// input a client can send.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/common/errors.h"

namespace meshplane::testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// A string with every character class that has broken SQL, JSON or logs.
const std::string kNasty =
    "O'Brien \"quoted\" \\back\\slash; DROP TABLE domains; -- /* x */ "
    "$1 %s %% _ ' OR '1'='1 \t\n ünïcødé ✓ 🚀 `tick` <b>&amp;</b>";

MATCHER_P(HasViolation, field,
          "has a field violation of " + std::string(field)) {
  for (const auto& v : FieldViolationsOf(arg)) {
    if (v.field == field) return true;
  }
  *result_listener << "violations:";
  for (const auto& v : FieldViolationsOf(arg)) {
    *result_listener << " [" << v.field << ": " << v.description << "]";
  }
  *result_listener << " status: " << arg.error_message();
  return false;
}

class RegistryRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_ = ServerFixture::Start();
    domains_ = fx_->Domains();
    teams_ = fx_->Teams();
    products_ = fx_->Products();
    identity_ = fx_->Identity();
  }

  v1::Team MakeTeam(const std::string& id,
                    const std::vector<std::string>& members = {}) {
    v1::CreateTeamRequest r;
    r.set_team_id(id);
    r.mutable_team()->set_display_name("Team " + id);
    for (const auto& m : members) r.mutable_team()->add_members(m);
    return fx_->SeedTeam(r);
  }

  v1::Domain MakeDomain(const std::string& id, const std::string& owner,
                        const std::string& parent = "") {
    v1::CreateDomainRequest r;
    r.set_domain_id(id);
    r.mutable_domain()->set_display_name("Domain " + id);
    r.mutable_domain()->set_owner_team("teams/" + owner);
    r.mutable_domain()->set_parent(parent);
    return fx_->SeedDomain(r);
  }

  v1::DataProduct MakeProduct(const std::string& domain, const std::string& id,
                              const std::string& owner,
                              const std::vector<std::string>& sources = {}) {
    v1::CreateDataProductRequest r;
    r.set_parent("domains/" + domain);
    r.set_data_product_id(id);
    v1::DataProduct* p = r.mutable_data_product();
    p->set_display_name("Product " + id);
    p->set_owner_team("teams/" + owner);
    auto* port = p->add_output_ports();
    port->set_id(id + "-v1");
    port->set_type("table");
    for (size_t i = 0; i < sources.size(); ++i) {
      auto* in = p->add_input_ports();
      in->set_id("in-" + std::to_string(i));
      in->set_source(sources[i]);
    }
    return fx_->SeedProduct(r);
  }

  std::unique_ptr<ServerFixture> fx_;
  std::unique_ptr<v1::DomainService::Stub> domains_;
  std::unique_ptr<v1::TeamService::Stub> teams_;
  std::unique_ptr<v1::DataProductService::Stub> products_;
  std::unique_ptr<v1::IdentityService::Stub> identity_;
};

// ------------------------------------------------------------ happy paths

TEST_F(RegistryRpcTest, DomainLifecycle) {
  MakeTeam("checkout");
  MakeTeam("payments");
  v1::Domain created = MakeDomain("commerce", "checkout");
  EXPECT_EQ(created.name(), "domains/commerce");
  EXPECT_EQ(created.owner_team(), "teams/checkout");
  EXPECT_FALSE(created.uid().empty());
  EXPECT_FALSE(created.etag().empty());
  EXPECT_TRUE(created.has_create_time());

  v1::Domain sub = MakeDomain("sales", "checkout", "domains/commerce");
  EXPECT_EQ(sub.parent(), "domains/commerce");

  {
    v1::GetDomainRequest r;
    r.set_name("domains/sales");
    v1::Domain got;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(domains_->GetDomain(ctx.get(), r, &got).ok());
    EXPECT_TRUE(MessageDifferencer::Equals(got, sub));
  }
  {
    v1::ListDomainsRequest r;
    v1::ListDomainsResponse page;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(domains_->ListDomains(ctx.get(), r, &page).ok());
    ASSERT_THAT(page.domains(), SizeIs(2));
    EXPECT_EQ(page.domains(0).name(), "domains/commerce");
    EXPECT_EQ(page.next_page_token(), "");
  }
  {
    v1::ListDomainsRequest r;
    r.set_filter("parent = \"domains/commerce\"");
    v1::ListDomainsResponse page;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(domains_->ListDomains(ctx.get(), r, &page).ok());
    ASSERT_THAT(page.domains(), SizeIs(1));
    EXPECT_EQ(page.domains(0).name(), "domains/sales");
  }
  v1::Domain updated;
  {
    // No mask: the set fields (description, owner_team) are updated, the
    // rest (display_name, parent) kept (AIP-134).
    v1::UpdateDomainRequest r;
    r.mutable_domain()->set_name("domains/sales");
    r.mutable_domain()->set_description("everything sold");
    r.mutable_domain()->set_owner_team("teams/payments");
    r.mutable_domain()->set_etag(sub.etag());
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(domains_->UpdateDomain(ctx.get(), r, &updated).ok());
    EXPECT_EQ(updated.description(), "everything sold");
    EXPECT_EQ(updated.owner_team(), "teams/payments");
    EXPECT_EQ(updated.display_name(), "Domain sales");
    EXPECT_EQ(updated.parent(), "domains/commerce");
    EXPECT_NE(updated.etag(), sub.etag());
  }
  {
    // An explicit mask clears a field.
    v1::UpdateDomainRequest r;
    r.mutable_domain()->set_name("domains/sales");
    r.mutable_update_mask()->add_paths("parent");
    v1::Domain out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(domains_->UpdateDomain(ctx.get(), r, &out).ok());
    EXPECT_EQ(out.parent(), "");
    EXPECT_EQ(out.description(), "everything sold");
  }
  {
    v1::DeleteDomainRequest r;
    r.set_name("domains/sales");
    google::protobuf::Empty out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(domains_->DeleteDomain(ctx.get(), r, &out).ok());
    v1::GetDomainRequest g;
    g.set_name("domains/sales");
    v1::Domain got;
    auto ctx2 = fx_->AdminContext();
    EXPECT_THAT(domains_->GetDomain(ctx2.get(), g, &got),
                GrpcIs(grpc::StatusCode::NOT_FOUND));
  }
}

TEST_F(RegistryRpcTest, TeamLifecycle) {
  v1::Team t = MakeTeam("checkout", {"user:ana@example.com"});
  EXPECT_EQ(t.name(), "teams/checkout");
  EXPECT_THAT(t.members(), ElementsAre("user:ana@example.com"));

  v1::Team after_add;
  {
    v1::AddTeamMemberRequest r;
    r.set_team("teams/checkout");
    r.set_member("service:orders-ci");
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(teams_->AddTeamMember(ctx.get(), r, &after_add).ok());
    EXPECT_THAT(after_add.members(),
                ElementsAre("service:orders-ci", "user:ana@example.com"));
  }
  {
    v1::ListTeamsRequest r;
    r.set_filter("member = \"service:orders-ci\"");
    v1::ListTeamsResponse page;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(teams_->ListTeams(ctx.get(), r, &page).ok());
    ASSERT_THAT(page.teams(), SizeIs(1));
    EXPECT_EQ(page.teams(0).name(), "teams/checkout");
  }
  {
    v1::RemoveTeamMemberRequest r;
    r.set_team("teams/checkout");
    r.set_member("user:ana@example.com");
    v1::Team out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(teams_->RemoveTeamMember(ctx.get(), r, &out).ok());
    EXPECT_THAT(out.members(), ElementsAre("service:orders-ci"));
  }
  {
    v1::UpdateTeamRequest r;
    r.mutable_team()->set_name("teams/checkout");
    r.mutable_team()->set_display_name("Checkout & Pay");
    v1::Team out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(teams_->UpdateTeam(ctx.get(), r, &out).ok());
    EXPECT_EQ(out.display_name(), "Checkout & Pay");
    EXPECT_THAT(out.members(), ElementsAre("service:orders-ci"));
  }
  {
    v1::GetTeamRequest r;
    r.set_name("teams/checkout");
    v1::Team out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(teams_->GetTeam(ctx.get(), r, &out).ok());
    EXPECT_EQ(out.display_name(), "Checkout & Pay");
  }
  {
    v1::DeleteTeamRequest r;
    r.set_name("teams/checkout");
    google::protobuf::Empty out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(teams_->DeleteTeam(ctx.get(), r, &out).ok());
  }
}

TEST_F(RegistryRpcTest, DataProductLifecycleAndLineage) {
  MakeTeam("checkout");
  MakeDomain("sales", "checkout");
  v1::DataProduct orders = MakeProduct("sales", "orders", "checkout");
  EXPECT_EQ(orders.lifecycle(), v1::LIFECYCLE_DRAFT);
  EXPECT_EQ(orders.output_ports(0).name(),
            "domains/sales/dataProducts/orders/outputPorts/orders-v1");
  v1::DataProduct revenue =
      MakeProduct("sales", "revenue", "checkout",
                  {"domains/sales/dataProducts/orders/outputPorts/orders-v1"});
  v1::DataProduct report = MakeProduct(
      "sales", "report", "checkout",
      {"domains/sales/dataProducts/revenue/outputPorts/revenue-v1"});

  {
    v1::GetLineageRequest r;
    r.set_name("domains/sales/dataProducts/report");
    r.set_direction(v1::LINEAGE_DIRECTION_UPSTREAM);
    r.set_depth(5);
    v1::GetLineageResponse out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->GetLineage(ctx.get(), r, &out).ok());
    ASSERT_THAT(out.data_products(), SizeIs(3));
    EXPECT_EQ(out.data_products(0).name(), "domains/sales/dataProducts/report");
    ASSERT_THAT(out.edges(), SizeIs(2));
    EXPECT_EQ(out.edges(0).consumer(), "domains/sales/dataProducts/report");
    EXPECT_EQ(out.edges(0).source(),
              "domains/sales/dataProducts/revenue/outputPorts/revenue-v1");
    EXPECT_EQ(out.edges(0).depth(), 1);
    EXPECT_EQ(out.edges(1).depth(), 2);
  }
  {
    v1::GetLineageRequest r;
    r.set_name("domains/sales/dataProducts/orders");
    r.set_direction(v1::LINEAGE_DIRECTION_DOWNSTREAM);
    r.set_depth(1);
    v1::GetLineageResponse out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->GetLineage(ctx.get(), r, &out).ok());
    ASSERT_THAT(out.edges(), SizeIs(1));
    EXPECT_EQ(out.edges(0).consumer(), "domains/sales/dataProducts/revenue");
  }

  v1::DataProduct published;
  {
    v1::PublishDataProductRequest r;
    r.set_name(orders.name());
    r.set_etag(orders.etag());
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->PublishDataProduct(ctx.get(), r, &published).ok());
    EXPECT_EQ(published.lifecycle(), v1::LIFECYCLE_PUBLISHED);
  }
  {
    // Publishing twice is an illegal transition.
    v1::PublishDataProductRequest r;
    r.set_name(orders.name());
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    grpc::Status s = products_->PublishDataProduct(ctx.get(), r, &out);
    EXPECT_THAT(s, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
    EXPECT_EQ(ReasonOf(s), "LIFECYCLE_TRANSITION");
  }
  {
    v1::DeprecateDataProductRequest r;
    r.set_name(orders.name());
    r.mutable_sunset_time()->set_seconds(1893456000);
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->DeprecateDataProduct(ctx.get(), r, &out).ok());
    EXPECT_EQ(out.lifecycle(), v1::LIFECYCLE_DEPRECATED);
    EXPECT_EQ(out.sunset_time().seconds(), 1893456000);
  }
  {
    v1::UpdateDataProductRequest r;
    r.mutable_data_product()->set_name(report.name());
    r.mutable_data_product()->set_tier(1);
    r.mutable_data_product()->set_classification(v1::CLASSIFICATION_RESTRICTED);
    r.mutable_data_product()->add_tags("finance");
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->UpdateDataProduct(ctx.get(), r, &out).ok());
    EXPECT_EQ(out.tier(), 1);
    EXPECT_EQ(out.classification(), v1::CLASSIFICATION_RESTRICTED);
    EXPECT_THAT(out.tags(), ElementsAre("finance"));
    EXPECT_THAT(out.input_ports(), SizeIs(1));  // not in the mask: kept
  }
  {
    // allow_missing creates (declarative apply).
    v1::UpdateDataProductRequest r;
    r.mutable_data_product()->set_name("domains/sales/dataProducts/fresh");
    r.mutable_data_product()->set_owner_team("teams/checkout");
    r.mutable_data_product()->set_display_name("Fresh");
    r.set_allow_missing(true);
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->UpdateDataProduct(ctx.get(), r, &out).ok());
    EXPECT_EQ(out.name(), "domains/sales/dataProducts/fresh");
  }
  {
    v1::ListDataProductsRequest r;
    r.set_parent("domains/-");
    r.set_filter("owner_team = \"teams/checkout\"");
    v1::ListDataProductsResponse page;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->ListDataProducts(ctx.get(), r, &page).ok());
    EXPECT_THAT(page.data_products(), SizeIs(4));
  }
  {
    // Orders is read by revenue: deleting it is refused.
    v1::DeleteDataProductRequest r;
    r.set_name(orders.name());
    google::protobuf::Empty out;
    auto ctx = fx_->AdminContext();
    EXPECT_THAT(products_->DeleteDataProduct(ctx.get(), r, &out),
                GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  }
  {
    v1::RetireDataProductRequest r;
    r.set_name(orders.name());
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->RetireDataProduct(ctx.get(), r, &out).ok());
    EXPECT_EQ(out.lifecycle(), v1::LIFECYCLE_RETIRED);
  }
  {
    v1::DeleteDataProductRequest r;
    r.set_name(report.name());
    google::protobuf::Empty out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->DeleteDataProduct(ctx.get(), r, &out).ok());
  }
}

TEST_F(RegistryRpcTest, IdentityTokens) {
  {
    v1::GetCallerIdentityRequest r;
    v1::CallerIdentity me;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(identity_->GetCallerIdentity(ctx.get(), r, &me).ok());
    EXPECT_EQ(me.principal(), "user:admin");
    EXPECT_TRUE(me.platform_admin());
  }
  MakeTeam("checkout", {"user:ana@example.com"});
  v1::CreateTokenResponse created;
  {
    v1::CreateTokenRequest r;
    r.set_principal("user:ana@example.com");
    r.set_description("laptop");
    r.mutable_ttl()->set_seconds(3600);
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(identity_->CreateToken(ctx.get(), r, &created).ok());
    EXPECT_THAT(created.secret(), HasSubstr("mp_"));
    EXPECT_EQ(created.token().principal(), "user:ana@example.com");
    EXPECT_TRUE(created.token().has_expire_time());
  }
  {
    v1::GetCallerIdentityRequest r;
    v1::CallerIdentity me;
    auto ctx = ServerFixture::Context(created.secret());
    ASSERT_TRUE(identity_->GetCallerIdentity(ctx.get(), r, &me).ok());
    EXPECT_EQ(me.principal(), "user:ana@example.com");
    EXPECT_FALSE(me.platform_admin());
    EXPECT_THAT(me.teams(), ElementsAre("teams/checkout"));
  }
  {
    // Ana sees only her own tokens; the admin sees all.
    v1::ListTokensRequest r;
    v1::ListTokensResponse mine, all;
    auto ctx = ServerFixture::Context(created.secret());
    ASSERT_TRUE(identity_->ListTokens(ctx.get(), r, &mine).ok());
    ASSERT_THAT(mine.tokens(), SizeIs(1));
    EXPECT_EQ(mine.tokens(0).name(), created.token().name());
    auto ctx2 = fx_->AdminContext();
    ASSERT_TRUE(identity_->ListTokens(ctx2.get(), r, &all).ok());
    EXPECT_THAT(all.tokens(), SizeIs(2));
  }
  {
    v1::RevokeTokenRequest r;
    r.set_name(created.token().name());
    v1::Token out;
    auto ctx = ServerFixture::Context(created.secret());
    ASSERT_TRUE(identity_->RevokeToken(ctx.get(), r, &out).ok());
    EXPECT_TRUE(out.has_revoke_time());
  }
  {
    // Revoked through this replica: refused at once.
    v1::GetCallerIdentityRequest r;
    v1::CallerIdentity me;
    auto ctx = ServerFixture::Context(created.secret());
    grpc::Status s = identity_->GetCallerIdentity(ctx.get(), r, &me);
    EXPECT_THAT(s, GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  }
}

// ------------------------------------------------------------ bad input

TEST_F(RegistryRpcTest, InvalidNamesAreRefusedWithTheirFieldPath) {
  MakeTeam("checkout");
  struct Case {
    std::string name;
    std::function<grpc::Status()> call;
    std::string field;
  };
  std::vector<Case> cases = {
      {"GetDomain bad collection",
       [&] {
         v1::GetDomainRequest r;
         r.set_name("domain/sales");
         v1::Domain out;
         auto ctx = fx_->AdminContext();
         return domains_->GetDomain(ctx.get(), r, &out);
       },
       "name"},
      {"GetDomain uppercase id",
       [&] {
         v1::GetDomainRequest r;
         r.set_name("domains/Sales");
         v1::Domain out;
         auto ctx = fx_->AdminContext();
         return domains_->GetDomain(ctx.get(), r, &out);
       },
       "name"},
      {"CreateDomain bad id",
       [&] {
         v1::CreateDomainRequest r;
         r.set_domain_id("9sales");
         r.mutable_domain()->set_owner_team("teams/checkout");
         v1::Domain out;
         auto ctx = fx_->AdminContext();
         return domains_->CreateDomain(ctx.get(), r, &out);
       },
       "domain_id"},
      {"CreateDomain trailing hyphen",
       [&] {
         v1::CreateDomainRequest r;
         r.set_domain_id("sales-");
         r.mutable_domain()->set_owner_team("teams/checkout");
         v1::Domain out;
         auto ctx = fx_->AdminContext();
         return domains_->CreateDomain(ctx.get(), r, &out);
       },
       "domain_id"},
      {"CreateDomain bad owner name",
       [&] {
         v1::CreateDomainRequest r;
         r.set_domain_id("sales");
         r.mutable_domain()->set_owner_team("checkout");
         v1::Domain out;
         auto ctx = fx_->AdminContext();
         return domains_->CreateDomain(ctx.get(), r, &out);
       },
       "domain.owner_team"},
      {"CreateDomain bad parent",
       [&] {
         v1::CreateDomainRequest r;
         r.set_domain_id("sales");
         r.mutable_domain()->set_owner_team("teams/checkout");
         r.mutable_domain()->set_parent("domains/a/b");
         v1::Domain out;
         auto ctx = fx_->AdminContext();
         return domains_->CreateDomain(ctx.get(), r, &out);
       },
       "domain.parent"},
      {"CreateTeam too long id",
       [&] {
         v1::CreateTeamRequest r;
         r.set_team_id(std::string(64, 'a'));
         v1::Team out;
         auto ctx = fx_->AdminContext();
         return teams_->CreateTeam(ctx.get(), r, &out);
       },
       "team_id"},
      {"AddTeamMember bad principal",
       [&] {
         v1::AddTeamMemberRequest r;
         r.set_team("teams/checkout");
         r.set_member("ana");
         v1::Team out;
         auto ctx = fx_->AdminContext();
         return teams_->AddTeamMember(ctx.get(), r, &out);
       },
       "member"},
      {"CreateDataProduct bad parent",
       [&] {
         v1::CreateDataProductRequest r;
         r.set_parent("domains/");
         r.set_data_product_id("orders");
         v1::DataProduct out;
         auto ctx = fx_->AdminContext();
         return products_->CreateDataProduct(ctx.get(), r, &out);
       },
       "parent"},
      {"CreateDataProduct bad input source",
       [&] {
         v1::CreateDataProductRequest r;
         r.set_parent("domains/sales");
         r.set_data_product_id("orders");
         r.mutable_data_product()->set_owner_team("teams/checkout");
         r.mutable_data_product()->add_input_ports()->set_id("a");
         auto* in = r.mutable_data_product()->add_input_ports();
         in->set_id("b");
         in->set_source("domains/sales/dataProducts/x");
         v1::DataProduct out;
         auto ctx = fx_->AdminContext();
         return products_->CreateDataProduct(ctx.get(), r, &out);
       },
       "data_product.input_ports[1].source"},
      {"GetDataProduct bad name",
       [&] {
         v1::GetDataProductRequest r;
         r.set_name("domains/sales/products/orders");
         v1::DataProduct out;
         auto ctx = fx_->AdminContext();
         return products_->GetDataProduct(ctx.get(), r, &out);
       },
       "name"},
      {"RevokeToken bad name",
       [&] {
         v1::RevokeTokenRequest r;
         r.set_name("token/x");
         v1::Token out;
         auto ctx = fx_->AdminContext();
         return identity_->RevokeToken(ctx.get(), r, &out);
       },
       "name"},
      {"UpdateDomain unknown mask path",
       [&] {
         v1::UpdateDomainRequest r;
         r.mutable_domain()->set_name("domains/sales");
         r.mutable_update_mask()->add_paths("uid");
         v1::Domain out;
         auto ctx = fx_->AdminContext();
         return domains_->UpdateDomain(ctx.get(), r, &out);
       },
       "update_mask.paths[0]"},
      {"ListTeams negative page size",
       [&] {
         v1::ListTeamsRequest r;
         r.set_page_size(-1);
         v1::ListTeamsResponse out;
         auto ctx = fx_->AdminContext();
         return teams_->ListTeams(ctx.get(), r, &out);
       },
       "page_size"},
      {"ListDomains unknown filter field",
       [&] {
         v1::ListDomainsRequest r;
         r.set_filter("colour = \"red\"");
         v1::ListDomainsResponse out;
         auto ctx = fx_->AdminContext();
         return domains_->ListDomains(ctx.get(), r, &out);
       },
       "filter"},
      {"NUL character",
       [&] {
         v1::CreateTeamRequest r;
         r.set_team_id("nul");
         r.mutable_team()->set_description(std::string("a\0b", 3));
         v1::Team out;
         auto ctx = fx_->AdminContext();
         return teams_->CreateTeam(ctx.get(), r, &out);
       },
       "team.description"},
      {"bad request id",
       [&] {
         v1::CreateTeamRequest r;
         r.set_team_id("rid");
         r.set_request_id("not a uuid; DROP");
         v1::Team out;
         auto ctx = fx_->AdminContext();
         return teams_->CreateTeam(ctx.get(), r, &out);
       },
       "request_id"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    grpc::Status s = c.call();
    EXPECT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_THAT(s, HasViolation(c.field));
    EXPECT_EQ(ErrorDomainOf(s), "meshplane.dev");
    EXPECT_THAT(s.error_message(), HasSubstr(c.field));
  }
}

TEST_F(RegistryRpcTest, MissingFieldsAreNamed) {
  MakeTeam("checkout");
  {
    v1::CreateDomainRequest r;
    r.set_domain_id("sales");
    v1::Domain out;
    auto ctx = fx_->AdminContext();
    grpc::Status s = domains_->CreateDomain(ctx.get(), r, &out);
    EXPECT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_THAT(s, HasViolation("domain.owner_team"));
  }
  {
    v1::CreateDomainRequest r;
    r.mutable_domain()->set_owner_team("teams/checkout");
    v1::Domain out;
    auto ctx = fx_->AdminContext();
    EXPECT_THAT(domains_->CreateDomain(ctx.get(), r, &out),
                HasViolation("domain_id"));
  }
  {
    v1::UpdateDomainRequest r;  // no name, nothing to update
    v1::Domain out;
    auto ctx = fx_->AdminContext();
    grpc::Status s = domains_->UpdateDomain(ctx.get(), r, &out);
    EXPECT_THAT(s, HasViolation("domain.name"));
    EXPECT_THAT(s, HasViolation("update_mask"));
  }
  MakeDomain("sales", "checkout");
  {
    v1::CreateDataProductRequest r;
    r.set_parent("domains/sales");
    r.set_data_product_id("orders");
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    EXPECT_THAT(products_->CreateDataProduct(ctx.get(), r, &out),
                HasViolation("data_product.owner_team"));
  }
}

TEST_F(RegistryRpcTest, UnknownReferencesAreNotFound) {
  MakeTeam("checkout");
  {
    v1::CreateDomainRequest r;
    r.set_domain_id("sales");
    r.mutable_domain()->set_owner_team("teams/nobody");
    v1::Domain out;
    auto ctx = fx_->AdminContext();
    grpc::Status s = domains_->CreateDomain(ctx.get(), r, &out);
    EXPECT_THAT(s, GrpcIs(grpc::StatusCode::NOT_FOUND));
    EXPECT_THAT(s.error_message(), HasSubstr("teams/nobody"));
  }
  {
    v1::CreateDomainRequest r;
    r.set_domain_id("sales");
    r.mutable_domain()->set_owner_team("teams/checkout");
    r.mutable_domain()->set_parent("domains/nowhere");
    v1::Domain out;
    auto ctx = fx_->AdminContext();
    EXPECT_THAT(domains_->CreateDomain(ctx.get(), r, &out),
                GrpcIs(grpc::StatusCode::NOT_FOUND));
  }
  {
    v1::CreateDataProductRequest r;
    r.set_parent("domains/nowhere");
    r.set_data_product_id("orders");
    r.mutable_data_product()->set_owner_team("teams/checkout");
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    EXPECT_THAT(products_->CreateDataProduct(ctx.get(), r, &out),
                GrpcIs(grpc::StatusCode::NOT_FOUND));
  }
  MakeDomain("sales", "checkout");
  {
    v1::CreateDataProductRequest r;
    r.set_parent("domains/sales");
    r.set_data_product_id("orders");
    r.mutable_data_product()->set_owner_team("teams/nobody");
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    EXPECT_THAT(products_->CreateDataProduct(ctx.get(), r, &out),
                GrpcIs(grpc::StatusCode::NOT_FOUND));
  }
  {
    v1::GetTeamRequest r;
    r.set_name("teams/ghost");
    v1::Team out;
    auto ctx = fx_->AdminContext();
    EXPECT_THAT(teams_->GetTeam(ctx.get(), r, &out),
                GrpcIs(grpc::StatusCode::NOT_FOUND));
  }
}

TEST_F(RegistryRpcTest, DuplicatesAreAlreadyExists) {
  MakeTeam("checkout");
  MakeDomain("sales", "checkout");
  MakeProduct("sales", "orders", "checkout");
  {
    v1::CreateTeamRequest r;
    r.set_team_id("checkout");
    v1::Team out;
    auto ctx = fx_->AdminContext();
    EXPECT_THAT(teams_->CreateTeam(ctx.get(), r, &out),
                GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
  }
  {
    v1::CreateDomainRequest r;
    r.set_domain_id("sales");
    r.mutable_domain()->set_owner_team("teams/checkout");
    v1::Domain out;
    auto ctx = fx_->AdminContext();
    EXPECT_THAT(domains_->CreateDomain(ctx.get(), r, &out),
                GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
  }
  {
    v1::CreateDataProductRequest r;
    r.set_parent("domains/sales");
    r.set_data_product_id("orders");
    r.mutable_data_product()->set_owner_team("teams/checkout");
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    EXPECT_THAT(products_->CreateDataProduct(ctx.get(), r, &out),
                GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
  }
}

TEST_F(RegistryRpcTest, StaleEtagIsAbortedAndChangesNothing) {
  MakeTeam("checkout");
  v1::Domain d = MakeDomain("sales", "checkout");
  v1::Domain v2;
  {
    v1::UpdateDomainRequest r;
    r.mutable_domain()->set_name("domains/sales");
    r.mutable_domain()->set_description("v2");
    r.mutable_domain()->set_etag(d.etag());
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(domains_->UpdateDomain(ctx.get(), r, &v2).ok());
  }
  {
    v1::UpdateDomainRequest r;
    r.mutable_domain()->set_name("domains/sales");
    r.mutable_domain()->set_description("v3 from a stale read");
    r.mutable_domain()->set_etag(d.etag());
    v1::Domain out;
    auto ctx = fx_->AdminContext();
    grpc::Status s = domains_->UpdateDomain(ctx.get(), r, &out);
    EXPECT_THAT(s, GrpcIs(grpc::StatusCode::ABORTED));
    EXPECT_EQ(ReasonOf(s), "ETAG_MISMATCH");
  }
  {
    v1::DeleteDomainRequest r;
    r.set_name("domains/sales");
    r.set_etag(d.etag());
    google::protobuf::Empty out;
    auto ctx = fx_->AdminContext();
    grpc::Status s = domains_->DeleteDomain(ctx.get(), r, &out);
    EXPECT_THAT(s, GrpcIs(grpc::StatusCode::ABORTED));
    EXPECT_EQ(ReasonOf(s), "ETAG_MISMATCH");
  }
  v1::GetDomainRequest g;
  g.set_name("domains/sales");
  v1::Domain now;
  auto ctx = fx_->AdminContext();
  ASSERT_TRUE(domains_->GetDomain(ctx.get(), g, &now).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(now, v2));
}

TEST_F(RegistryRpcTest, QuotesAndSqlMetacharactersAreStoredVerbatim) {
  v1::Team team;
  {
    v1::CreateTeamRequest r;
    r.set_team_id("nasty");
    r.mutable_team()->set_display_name(kNasty.substr(0, 150));
    r.mutable_team()->set_description(kNasty);
    r.mutable_team()->add_members("user:o'brien+\"x\"@example.com");
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(teams_->CreateTeam(ctx.get(), r, &team).ok());
    EXPECT_EQ(team.description(), kNasty);
    EXPECT_THAT(team.members(), ElementsAre("user:o'brien+\"x\"@example.com"));
  }
  v1::Domain domain;
  {
    v1::CreateDomainRequest r;
    r.set_domain_id("sales");
    r.mutable_domain()->set_display_name(kNasty.substr(0, 150));
    r.mutable_domain()->set_description(kNasty);
    r.mutable_domain()->set_owner_team("teams/nasty");
    (*r.mutable_domain()->mutable_labels())["note"] = kNasty.substr(0, 200);
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(domains_->CreateDomain(ctx.get(), r, &domain).ok());
  }
  v1::DataProduct product;
  {
    v1::CreateDataProductRequest r;
    r.set_parent("domains/sales");
    r.set_data_product_id("orders");
    v1::DataProduct* p = r.mutable_data_product();
    p->set_display_name(kNasty.substr(0, 150));
    p->set_description(kNasty);
    p->set_owner_team("teams/nasty");
    (*p->mutable_labels())["note"] = kNasty.substr(0, 200);
    auto* port = p->add_output_ports();
    port->set_id("v1");
    port->set_display_name(kNasty.substr(0, 150));
    port->set_type("table'; --");
    port->set_server("postgres://u:p@h/db?x='1'");
    port->set_location("\"schema\".\"table\"");
    port->set_description(kNasty);
    port->set_contract("contract-'1'");
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->CreateDataProduct(ctx.get(), r, &product).ok());
  }
  v1::DataProduct reader;
  {
    v1::CreateDataProductRequest r;
    r.set_parent("domains/sales");
    r.set_data_product_id("reader");
    r.mutable_data_product()->set_owner_team("teams/nasty");
    auto* in = r.mutable_data_product()->add_input_ports();
    in->set_id("orders");
    in->set_source("domains/sales/dataProducts/orders/outputPorts/v1");
    in->set_description(kNasty);
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->CreateDataProduct(ctx.get(), r, &reader).ok());
    EXPECT_EQ(reader.input_ports(0).description(), kNasty);
  }
  {
    // And through an update, the other write path.
    v1::UpdateDataProductRequest r;
    r.mutable_data_product()->set_name("domains/sales/dataProducts/reader");
    r.mutable_data_product()->set_display_name("it's \"fine\"; --");
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->UpdateDataProduct(ctx.get(), r, &out).ok());
    EXPECT_EQ(out.display_name(), "it's \"fine\"; --");
    EXPECT_EQ(out.input_ports(0).description(), kNasty);
  }
  v1::CreateTokenResponse token;
  {
    v1::CreateTokenRequest r;
    r.set_principal("service:o-brien");
    r.set_description(kNasty);
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(identity_->CreateToken(ctx.get(), r, &token).ok());
    EXPECT_EQ(token.token().description(), kNasty);
  }
  // Read everything back: byte for byte.
  {
    v1::GetTeamRequest r;
    r.set_name("teams/nasty");
    v1::Team got;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(teams_->GetTeam(ctx.get(), r, &got).ok());
    EXPECT_TRUE(MessageDifferencer::Equals(got, team));
  }
  {
    v1::GetDomainRequest r;
    r.set_name("domains/sales");
    v1::Domain got;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(domains_->GetDomain(ctx.get(), r, &got).ok());
    EXPECT_TRUE(MessageDifferencer::Equals(got, domain));
    EXPECT_EQ(got.description(), kNasty);
    EXPECT_EQ(got.labels().at("note"), kNasty.substr(0, 200));
  }
  {
    v1::GetDataProductRequest r;
    r.set_name("domains/sales/dataProducts/orders");
    v1::DataProduct got;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->GetDataProduct(ctx.get(), r, &got).ok());
    EXPECT_TRUE(MessageDifferencer::Equals(got, product));
    EXPECT_EQ(got.output_ports(0).location(), "\"schema\".\"table\"");
    EXPECT_EQ(got.output_ports(0).description(), kNasty);
  }
  {
    v1::ListTokensRequest r;
    r.set_principal("service:o-brien");
    v1::ListTokensResponse got;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(identity_->ListTokens(ctx.get(), r, &got).ok());
    ASSERT_THAT(got.tokens(), SizeIs(1));
    EXPECT_EQ(got.tokens(0).description(), kNasty);
  }
  {
    // Free-text search with metacharacters is data, not syntax.
    v1::ListDataProductsRequest r;
    r.set_parent("domains/-");
    r.set_filter("text = \"'; DROP TABLE data_products; --\"");
    v1::ListDataProductsResponse got;
    auto ctx = fx_->AdminContext();
    grpc::Status s = products_->ListDataProducts(ctx.get(), r, &got);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
}

TEST_F(RegistryRpcTest, OversizedRequestIsResourceExhausted) {
  MakeTeam("checkout");
  v1::CreateDomainRequest r;
  r.set_domain_id("big");
  r.mutable_domain()->set_owner_team("teams/checkout");
  r.mutable_domain()->set_description(std::string((1 << 20) + 1, 'x'));
  v1::Domain out;
  auto ctx = fx_->AdminContext();
  EXPECT_THAT(domains_->CreateDomain(ctx.get(), r, &out),
              GrpcIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
  // The server is fine afterwards.
  v1::GetTeamRequest g;
  g.set_name("teams/checkout");
  v1::Team t;
  auto ctx2 = fx_->AdminContext();
  EXPECT_TRUE(teams_->GetTeam(ctx2.get(), g, &t).ok());
}

TEST_F(RegistryRpcTest, MissingBadAndRevokedTokensAreUnauthenticated) {
  v1::ListDomainsRequest r;
  v1::ListDomainsResponse out;
  for (const std::string& token :
       {std::string(), std::string("not-a-token"),
        std::string("mp_abcdefghijkl_0123456789abcdefghijklmnopqrstuv")}) {
    SCOPED_TRACE(token);
    auto ctx = ServerFixture::Context(token);
    grpc::Status s = domains_->ListDomains(ctx.get(), r, &out);
    EXPECT_THAT(s, GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
    EXPECT_EQ(ErrorDomainOf(s), "meshplane.dev");
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Basic dXNlcjpwYXNz");
    EXPECT_THAT(domains_->ListDomains(&ctx, r, &out),
                GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  }
  std::string bob = fx_->MintToken("user:bob@example.com");
  {
    auto ctx = ServerFixture::Context(bob);
    ASSERT_TRUE(domains_->ListDomains(ctx.get(), r, &out).ok());
  }
  // Revoked by the admin (this replica): refused at once.
  v1::ListTokensRequest lr;
  lr.set_principal("user:bob@example.com");
  v1::ListTokensResponse tokens;
  auto lctx = fx_->AdminContext();
  ASSERT_TRUE(identity_->ListTokens(lctx.get(), lr, &tokens).ok());
  ASSERT_THAT(tokens.tokens(), SizeIs(1));
  v1::RevokeTokenRequest rr;
  rr.set_name(tokens.tokens(0).name());
  v1::Token revoked;
  auto rctx = fx_->AdminContext();
  ASSERT_TRUE(identity_->RevokeToken(rctx.get(), rr, &revoked).ok());
  auto ctx = ServerFixture::Context(bob);
  EXPECT_THAT(domains_->ListDomains(ctx.get(), r, &out),
              GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
}

TEST_F(RegistryRpcTest, WritesOutsideTheOwnerTeamArePermissionDenied) {
  MakeTeam("checkout", {"user:ana@example.com"});
  MakeTeam("payments", {"user:bob@example.com"});
  MakeDomain("sales", "checkout");
  MakeProduct("sales", "orders", "checkout");
  std::string ana = fx_->MintToken("user:ana@example.com");
  std::string bob = fx_->MintToken("user:bob@example.com");

  auto update = [&](const std::string& token, const std::string& text) {
    v1::UpdateDataProductRequest r;
    r.mutable_data_product()->set_name("domains/sales/dataProducts/orders");
    r.mutable_data_product()->set_description(text);
    v1::DataProduct out;
    auto ctx = ServerFixture::Context(token);
    return products_->UpdateDataProduct(ctx.get(), r, &out);
  };
  grpc::Status denied = update(bob, "bob was here");
  EXPECT_THAT(denied, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(denied.error_message(), HasSubstr("user:bob@example.com"));
  EXPECT_TRUE(update(ana, "ana's change").ok());
  {
    // Bob may not create a top-level domain, nor a subdomain of sales.
    v1::CreateDomainRequest r;
    r.set_domain_id("marketing");
    r.mutable_domain()->set_owner_team("teams/payments");
    v1::Domain out;
    auto ctx = ServerFixture::Context(bob);
    EXPECT_THAT(domains_->CreateDomain(ctx.get(), r, &out),
                GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
    r.mutable_domain()->set_parent("domains/sales");
    auto ctx2 = ServerFixture::Context(bob);
    EXPECT_THAT(domains_->CreateDomain(ctx2.get(), r, &out),
                GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  }
  {
    // Reads are open.
    v1::GetDataProductRequest r;
    r.set_name("domains/sales/dataProducts/orders");
    v1::DataProduct out;
    auto ctx = ServerFixture::Context(bob);
    ASSERT_TRUE(products_->GetDataProduct(ctx.get(), r, &out).ok());
    EXPECT_EQ(out.description(), "ana's change");
  }
}

TEST_F(RegistryRpcTest, RetryWithTheSameRequestIdReturnsTheFirstResponse) {
  MakeTeam("checkout");
  v1::CreateDomainRequest r;
  r.set_domain_id("sales");
  r.mutable_domain()->set_owner_team("teams/checkout");
  r.mutable_domain()->set_description("first");
  r.set_request_id("6f1d2c3b-4a59-4e7f-8a1b-2c3d4e5f6a7b");
  v1::Domain first, second;
  auto c1 = fx_->AdminContext();
  ASSERT_TRUE(domains_->CreateDomain(c1.get(), r, &first).ok());
  auto c2 = fx_->AdminContext();
  grpc::Status again = domains_->CreateDomain(c2.get(), r, &second);
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_TRUE(MessageDifferencer::Equals(first, second))
      << first.DebugString() << "\nvs\n"
      << second.DebugString();

  // Same id, different payload: refused.
  r.mutable_domain()->set_description("second");
  v1::Domain third;
  auto c3 = fx_->AdminContext();
  grpc::Status reused = domains_->CreateDomain(c3.get(), r, &third);
  EXPECT_THAT(reused, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(reused.error_message(), HasSubstr("request_id"));

  // Deletes replay too.
  v1::DeleteDomainRequest d;
  d.set_name("domains/sales");
  d.set_request_id("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
  google::protobuf::Empty e;
  auto c4 = fx_->AdminContext();
  ASSERT_TRUE(domains_->DeleteDomain(c4.get(), d, &e).ok());
  auto c5 = fx_->AdminContext();
  EXPECT_TRUE(domains_->DeleteDomain(c5.get(), d, &e).ok());
}

TEST_F(RegistryRpcTest, CreateTokenReplayCannotShowTheSecretAgain) {
  v1::CreateTokenRequest r;
  r.set_principal("service:orders-ci");
  r.set_request_id("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
  v1::CreateTokenResponse first, second;
  auto c1 = fx_->AdminContext();
  ASSERT_TRUE(identity_->CreateToken(c1.get(), r, &first).ok());
  auto c2 = fx_->AdminContext();
  grpc::Status s = identity_->CreateToken(c2.get(), r, &second);
  EXPECT_THAT(s, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ReasonOf(s), "TOKEN_SECRET_NOT_RECOVERABLE");
  EXPECT_THAT(s.error_message(), HasSubstr(first.token().name()));
}

TEST_F(RegistryRpcTest, ValidateOnlyWritesNothing) {
  MakeTeam("checkout");
  v1::CreateDomainRequest r;
  r.set_domain_id("sales");
  r.mutable_domain()->set_owner_team("teams/checkout");
  r.set_validate_only(true);
  v1::Domain would_be;
  auto c1 = fx_->AdminContext();
  ASSERT_TRUE(domains_->CreateDomain(c1.get(), r, &would_be).ok());
  EXPECT_EQ(would_be.name(), "domains/sales");

  v1::GetDomainRequest g;
  g.set_name("domains/sales");
  v1::Domain got;
  auto c2 = fx_->AdminContext();
  EXPECT_THAT(domains_->GetDomain(c2.get(), g, &got),
              GrpcIs(grpc::StatusCode::NOT_FOUND));

  // A dry run still runs every check.
  r.mutable_domain()->set_owner_team("teams/nobody");
  auto c3 = fx_->AdminContext();
  EXPECT_THAT(domains_->CreateDomain(c3.get(), r, &would_be),
              GrpcIs(grpc::StatusCode::NOT_FOUND));

  // Updates and deletes too.
  MakeDomain("real", "checkout");
  v1::UpdateDomainRequest u;
  u.mutable_domain()->set_name("domains/real");
  u.mutable_domain()->set_description("dry");
  u.set_validate_only(true);
  v1::Domain out;
  auto c4 = fx_->AdminContext();
  ASSERT_TRUE(domains_->UpdateDomain(c4.get(), u, &out).ok());
  EXPECT_EQ(out.description(), "dry");
  v1::DeleteDomainRequest d;
  d.set_name("domains/real");
  d.set_validate_only(true);
  google::protobuf::Empty e;
  auto c5 = fx_->AdminContext();
  ASSERT_TRUE(domains_->DeleteDomain(c5.get(), d, &e).ok());
  g.set_name("domains/real");
  auto c6 = fx_->AdminContext();
  ASSERT_TRUE(domains_->GetDomain(c6.get(), g, &got).ok());
  EXPECT_EQ(got.description(), "");
}

TEST_F(RegistryRpcTest, ConcurrentCallsFromManyClients) {
  constexpr int kThreads = 8;
  constexpr int kTeamsEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = fx_->Teams();  // own stub, shared channel
      for (int i = 0; i < kTeamsEach; ++i) {
        v1::CreateTeamRequest r;
        r.set_team_id("t" + std::to_string(t) + "-" + std::to_string(i));
        v1::Team out;
        auto ctx = fx_->AdminContext();
        if (!stub->CreateTeam(ctx.get(), r, &out).ok()) ++failures;
        v1::GetTeamRequest g;
        g.set_name(out.name());
        auto ctx2 = fx_->AdminContext();
        if (!stub->GetTeam(ctx2.get(), g, &out).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  v1::ListTeamsRequest r;
  r.set_page_size(1000);
  v1::ListTeamsResponse page;
  auto ctx = fx_->AdminContext();
  ASSERT_TRUE(teams_->ListTeams(ctx.get(), r, &page).ok());
  EXPECT_EQ(page.teams_size(), kThreads * kTeamsEach);
}

TEST_F(RegistryRpcTest, ConcurrentDuplicatesOfOneRequestIdCreateOnce) {
  constexpr int kThreads = 6;
  std::vector<std::thread> threads;
  std::vector<grpc::Status> results(kThreads);
  std::vector<v1::Team> teams(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      v1::CreateTeamRequest r;
      r.set_team_id("once");
      r.set_request_id("1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b");
      auto stub = fx_->Teams();
      auto ctx = fx_->AdminContext();
      results[t] = stub->CreateTeam(ctx.get(), r, &teams[t]);
    });
  }
  for (auto& th : threads) th.join();
  int ok = 0;
  const v1::Team* first = nullptr;
  for (int t = 0; t < kThreads; ++t) {
    if (results[t].ok()) {
      ++ok;
      // Every success is the same first response, replayed verbatim.
      if (first == nullptr) first = &teams[t];
      EXPECT_TRUE(MessageDifferencer::Equals(teams[t], *first));
      EXPECT_EQ(teams[t].name(), "teams/once");
    } else {
      // A duplicate still in flight, never a second create.
      EXPECT_EQ(results[t].error_code(), grpc::StatusCode::ABORTED)
          << results[t].error_message();
      EXPECT_EQ(ReasonOf(results[t]), "REQUEST_IN_FLIGHT");
    }
  }
  EXPECT_GE(ok, 1);
}

TEST_F(RegistryRpcTest, PaginationWalksEveryPage) {
  for (int i = 0; i < 7; ++i) MakeTeam("team-" + std::to_string(i));
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListTeamsRequest r;
    r.set_page_size(3);
    r.set_page_token(token);
    v1::ListTeamsResponse page;
    auto ctx = fx_->AdminContext();
    grpc::Status s = teams_->ListTeams(ctx.get(), r, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_LE(page.teams_size(), 3);
    for (const auto& t : page.teams()) seen.push_back(t.name());
    token = page.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre("teams/team-0", "teams/team-1", "teams/team-2",
                                "teams/team-3", "teams/team-4", "teams/team-5",
                                "teams/team-6"));

  // A token is bound to its filter.
  v1::ListTeamsRequest r;
  r.set_page_size(3);
  v1::ListTeamsResponse first;
  auto c1 = fx_->AdminContext();
  ASSERT_TRUE(teams_->ListTeams(c1.get(), r, &first).ok());
  r.set_page_token(first.next_page_token());
  r.set_filter("member = \"user:x@example.com\"");
  v1::ListTeamsResponse other;
  auto c2 = fx_->AdminContext();
  EXPECT_THAT(teams_->ListTeams(c2.get(), r, &other),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
}

}  // namespace
}  // namespace meshplane::testing
