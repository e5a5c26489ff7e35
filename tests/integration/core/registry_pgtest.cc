// Registry and Identity end to end on PostgreSQL: what the unit tests show
// with InMemoryStore also holds on the real store (times, verbatim strings,
// replays, dry runs, audits of refusals, cursors, full-text search).
#include <memory>
#include <string>

#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/pg/pg_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/errors.h"
#include "meshplane/core/identity.h"
#include "meshplane/core/registry.h"
#include "meshplane/model/json.h"
#include "meshplane/store/postgres_store.h"

namespace meshplane::core {
namespace {

using ::meshplane::testing::StatusIs;
using ::testing::ElementsAre;
using Code = absl::StatusCode;

class RegistryPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Sub-microsecond "now": the registry must hand back what PostgreSQL keeps.
    clock_.Advance(absl::Nanoseconds(123456789));
    auto store = store::PostgresStore::Open(
        {.database_url = testing::PgFixture::Get().NewDatabase()});
    ASSERT_OK(store.status());
    store_ = *std::move(store);
    registry_ = std::make_unique<Registry>(*store_, authz_, clock_);
    admin_.principal = {"user:admin", true, {}};
    model::Team team;
    team.id = "owners";
    team.members = {"user:owner"};
    ASSERT_OK(registry_->CreateTeam(admin_, team).status());
    model::Domain d;
    d.id = "sales";
    d.owner_team_id = "owners";
    ASSERT_OK(registry_->CreateDomain(admin_, d).status());
    owner_.principal = {"user:owner", false, {"owners"}};
  }

  std::vector<model::AuditRecord> Audit() {
    auto txn = store_->Begin(store::TxnMode::kReadOnly);
    EXPECT_OK(txn.status());
    auto page = (*txn)->events().ListAudit({}, {"", 1000});
    EXPECT_OK(page.status());
    return page->items;
  }

  static model::DataProduct Product(const std::string& id) {
    model::DataProduct p;
    p.domain_id = "sales";
    p.id = id;
    p.owner_team_id = "owners";
    model::OutputPort o;
    o.id = "out";
    o.objectives.availability_percent = 99.9;
    o.objectives.max_staleness = absl::Minutes(15);
    p.output_ports = {o};
    return p;
  }

  auth::Authorizer authz_;
  SimulatedClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Registry> registry_;
  RequestContext admin_, owner_;
};

TEST_F(RegistryPgTest, WhatCreateReturnsIsWhatGetReads) {
  model::DataProduct p = Product("orders");
  p.display_name = "it's \"quoted\" \\ '; DROP TABLE data_products; -- Grüße 🚀";
  p.description = "$1 $$ % _ {\"json\": true}\ttab\nline";
  p.labels = {{"k", p.display_name}};
  p.tags = {"pii", "gold"};
  ASSERT_OK_AND_ASSIGN(model::DataProduct created,
                       registry_->CreateDataProduct(owner_, p));
  ASSERT_OK_AND_ASSIGN(model::DataProduct got,
                       registry_->GetDataProduct(owner_, {"sales", "orders"}));
  EXPECT_EQ(model::ToJson(got), model::ToJson(created));
  EXPECT_EQ(got.display_name, p.display_name);
  EXPECT_EQ(got.description, p.description);
  EXPECT_THAT(got.tags, ElementsAre("gold", "pii"));
  model::AuditRecord a = Audit().front();
  EXPECT_EQ(a.after_json, model::ToJson(created));
  EXPECT_EQ(a.method, "meshplane.v1.DataProductService/CreateDataProduct");
}

TEST_F(RegistryPgTest, ReplaysValidateOnlyAndRefusalsOnTheRealStore) {
  RequestContext ctx = owner_;
  ctx.request_id = "0d2c1f3e-1111-4111-8111-000000000001";
  ASSERT_OK_AND_ASSIGN(model::DataProduct first,
                       registry_->CreateDataProduct(ctx, Product("p")));
  size_t audits = Audit().size();
  ASSERT_OK_AND_ASSIGN(model::DataProduct again,
                       registry_->CreateDataProduct(ctx, Product("p")));
  EXPECT_EQ(model::ToJson(again), model::ToJson(first));
  EXPECT_EQ(Audit().size(), audits);
  model::DataProduct changed = Product("p");
  changed.description = "different";
  EXPECT_THAT(registry_->CreateDataProduct(ctx, changed),
              StatusIs(Code::kInvalidArgument, "different request"));

  RequestContext dry = owner_;
  dry.validate_only = true;
  ASSERT_OK(registry_->CreateDataProduct(dry, Product("q")).status());
  EXPECT_THAT(registry_->GetDataProduct(owner_, {"sales", "q"}),
              StatusIs(Code::kNotFound));
  EXPECT_TRUE(Audit().front().validate_only);

  absl::Status stale =
      registry_
          ->UpdateDataProduct(owner_, first, {{"description"}},
                              model::Etag(first.revision + 1), false)
          .status();
  EXPECT_THAT(stale, StatusIs(Code::kAborted));
  EXPECT_EQ(GetReason(stale), "ETAG_MISMATCH");
  model::AuditRecord refused = Audit().front();
  EXPECT_EQ(refused.outcome_code, static_cast<int>(Code::kAborted));
  EXPECT_EQ(refused.resource, "domains/sales/dataProducts/p");

  RequestContext outsider;
  outsider.principal.id = "user:eve";
  EXPECT_THAT(registry_->DeleteDataProduct(outsider, {"sales", "p"}, ""),
              StatusIs(Code::kPermissionDenied));
  EXPECT_EQ(Audit().front().outcome_code,
            static_cast<int>(Code::kPermissionDenied));
  EXPECT_EQ(Audit().front().principal, "user:eve");
}

TEST_F(RegistryPgTest, LineageCyclesAreRefusedAndLineageIsReported) {
  ASSERT_OK(registry_->CreateDataProduct(owner_, Product("a")).status());
  model::DataProduct b = Product("b");
  model::InputPort in;
  in.id = "in";
  in.source = {"sales", "a", "out"};
  b.input_ports = {in};
  ASSERT_OK(registry_->CreateDataProduct(owner_, b).status());
  model::DataProduct a = Product("a");
  in.source = {"sales", "b", "out"};
  a.input_ports = {in};
  EXPECT_THAT(
      registry_->UpdateDataProduct(owner_, a, {{"input_ports"}}, "", false),
      StatusIs(Code::kFailedPrecondition, "lineage cycle"));
  ASSERT_OK_AND_ASSIGN(Lineage l,
                       registry_->GetLineage(owner_, {"sales", "a"},
                                             LineageScope::kDownstream, 3));
  ASSERT_EQ(l.nodes.size(), 2u);
  EXPECT_EQ(l.nodes[1].id, "b");
  EXPECT_THAT(registry_->DeleteDataProduct(owner_, {"sales", "a"}, ""),
              StatusIs(Code::kFailedPrecondition));
}

TEST_F(RegistryPgTest, PagesAndSearchThroughPageTokens) {
  for (int i = 0; i < 5; ++i) {
    model::DataProduct p = Product("p" + std::to_string(i));
    p.description = i == 3 ? "monthly revenue figures" : "other things";
    ASSERT_OK(registry_->CreateDataProduct(owner_, p).status());
  }
  std::vector<std::string> ids;
  ListQuery q;
  q.page_size = 2;
  for (int guard = 0; guard < 10; ++guard) {
    ASSERT_OK_AND_ASSIGN(
        auto page, registry_->ListDataProducts(owner_, {"sales", true}, q));
    for (const auto& p : page.items) ids.push_back(p.id);
    if (page.next_page_token.empty()) break;
    q.page_token = page.next_page_token;
  }
  EXPECT_THAT(ids, ElementsAre("p0", "p1", "p2", "p3", "p4"));
  ListQuery search;
  search.filter = "revenue";
  ASSERT_OK_AND_ASSIGN(
      auto found, registry_->ListDataProducts(owner_, {"-", false}, search));
  ASSERT_EQ(found.items.size(), 1u);
  EXPECT_EQ(found.items[0].id, "p3");
}

TEST_F(RegistryPgTest, TokensOnTheRealStore) {
  Identity identity(*store_, authz_, clock_);
  ASSERT_OK(identity.Bootstrap("a-bootstrap-secret-of-some-length"));
  ASSERT_OK_AND_ASSIGN(
      model::Principal admin,
      identity.Authenticate("a-bootstrap-secret-of-some-length"));
  EXPECT_TRUE(admin.platform_admin);
  ASSERT_OK_AND_ASSIGN(
      CreatedToken t,
      identity.CreateToken(owner_, "", "laptop", absl::Hours(1), false));
  ASSERT_OK_AND_ASSIGN(model::Principal who, identity.Authenticate(t.secret));
  EXPECT_EQ(who.id, "user:owner");
  EXPECT_THAT(who.team_ids, ElementsAre("owners"));
  ASSERT_OK(identity.RevokeToken(owner_, t.token.id).status());
  EXPECT_THAT(identity.Authenticate(t.secret),
              StatusIs(Code::kUnauthenticated));
}

}  // namespace
}  // namespace meshplane::core
