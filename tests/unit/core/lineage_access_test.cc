// Declared inputs and access (docs/access.md), over InMemoryStore and a
// SimulatedClock, from both sides: a team may declare an input port on
// another team's output port only with a read grant (or as the source's
// owner, or as an admin); and only a reader that holds such a grant, or
// belongs to the producer's own team, keeps the producer from deleting the
// product or dropping the port. Other readers are detached, with an audit
// record and an event of their own.
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include "tests/unit/core/core_test_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/errors.h"
#include "meshplane/core/access.h"
#include "meshplane/core/registry.h"
#include "meshplane/model/json.h"

namespace meshplane::core {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using model::DataProduct;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

constexpr char kOrdersV1[] =
    "domains/sales/dataProducts/orders/outputPorts/orders-v1";

class LineageAccessTest : public ::testing::Test {
 protected:
  LineageAccessTest() : registry_(store_, authz_, clock_) {
    admin_.principal = {"user:admin", true, {}};
    olga_.principal = {"user:olga", false, {"sales-eng"}};
    ana_.principal = {"user:ana", false, {"payments"}};
    otto_.principal = {"user:otto", false, {"other"}};
    both_.principal = {"user:bea", false, {"payments", "sales-eng"}};
  }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(test_util::CreateTeams(
        registry_, admin_,
        {{"sales-eng", {"user:bea", "user:olga"}},
         {"payments", {"service:payments-etl", "user:ana", "user:bea"}},
         {"other", {"user:otto"}}}));
    ASSERT_NO_FATAL_FAILURE(test_util::CreateDomains(
        registry_, admin_, {{"sales", "sales-eng"}, {"payments", "payments"}}));
    DataProduct orders = Product("sales", "orders", "sales-eng");
    model::OutputPort v2;
    v2.id = "orders-v2";
    orders.output_ports.push_back(v2);
    ASSERT_OK(registry_.CreateDataProduct(olga_, orders).status());
    ASSERT_OK(
        registry_
            .CreateDataProduct(ana_, Product("payments", "ledger", "payments"))
            .status());
    access_ = std::make_unique<Access>(store_, authz_, clock_, nullptr,
                                       AccessOptions{});
    ASSERT_OK(access_->Start());
  }

  static DataProduct Product(const std::string& domain, const std::string& id,
                             const std::string& owner) {
    DataProduct p;
    p.domain_id = domain;
    p.id = id;
    p.owner_team_id = owner;
    model::OutputPort o;
    o.id = id + "-v1";
    p.output_ports.push_back(o);
    return p;
  }

  // payments/refunds reading payments/ledger (its own team's) and then
  // sales/orders/`port`.
  static DataProduct Refunds(const std::string& port = "orders-v1") {
    DataProduct p = Product("payments", "refunds", "payments");
    model::InputPort own;
    own.id = "ledger";
    own.source = {"payments", "ledger", "ledger-v1"};
    model::InputPort orders;
    orders.id = "orders";
    orders.source = {"sales", "orders", port};
    p.input_ports = {own, orders};
    return p;
  }

  // A grant on sales/orders/`port` to `consumer`, asked for by `asker`
  // (granted at once: no policies here).
  std::string Grant(const RequestContext& asker, const std::string& consumer,
                    const std::string& port = "orders-v1",
                    std::vector<std::string> actions = {"read"}) {
    model::AccessRequest r;
    r.port = {"sales", "orders", port};
    r.consumer = consumer;
    r.actions = std::move(actions);
    r.purpose = "refund reconciliation";
    r.duration = absl::Hours(24);
    auto made = access_->RequestAccess(asker, r);
    EXPECT_THAT(made, IsOk());
    return made.ok() ? made->grant_id : "";
  }

  DataProduct Get(const std::string& domain, const std::string& id) {
    auto p = registry_.GetDataProduct(admin_, {domain, id});
    EXPECT_THAT(p, IsOk());
    return p.ok() ? *p : DataProduct{};
  }

  std::vector<model::AuditRecord> Audit() {
    return test_util::ReadAudit(store_);  // newest first
  }
  std::vector<model::Event> Events() { return test_util::ReadEvents(store_); }

  testing::InMemoryStore store_;
  auth::Authorizer authz_;
  SimulatedClock clock_;
  Registry registry_;
  std::unique_ptr<Access> access_;
  RequestContext admin_, olga_, ana_, otto_, both_;
};

// ------------------------------------------------------------ consumer side

TEST_F(LineageAccessTest, DeclaringAnInputOnAnotherTeamsPortNeedsAGrant) {
  absl::Status s = registry_.CreateDataProduct(ana_, Refunds()).status();
  EXPECT_THAT(s, StatusIs(Code::kPermissionDenied,
                          absl::StrCat("data_product.input_ports[1].source: "
                                       "teams/payments may not read ",
                                       kOrdersV1)));
  EXPECT_THAT(s.message(), AllOf(HasSubstr("no"), HasSubstr("active grant"),
                                 HasSubstr("team:payments")));
  EXPECT_EQ(GetReason(s), "INPUT_NOT_GRANTED");
  EXPECT_EQ(Audit().front().outcome_code,
            static_cast<int>(Code::kPermissionDenied));
  EXPECT_THAT(registry_.GetDataProduct(admin_, {"payments", "refunds"}),
              StatusIs(Code::kNotFound));
  // The dry run says the same; the upsert of `product apply` too.
  RequestContext dry = ana_;
  dry.validate_only = true;
  EXPECT_THAT(registry_.CreateDataProduct(dry, Refunds()),
              StatusIs(Code::kPermissionDenied, "input_ports[1].source"));
  EXPECT_THAT(
      registry_.UpdateDataProduct(ana_, Refunds(), {}, "", /*allow_missing=*/
                                  true),
      StatusIs(Code::kPermissionDenied, "input_ports[1].source"));

  // A member asks for the team; then the team may declare it.
  Grant(ana_, "team:payments");
  ASSERT_OK_AND_ASSIGN(DataProduct made,
                       registry_.CreateDataProduct(ana_, Refunds()));
  EXPECT_EQ(made.input_ports.size(), 2u);
}

TEST_F(LineageAccessTest, WhatCountsAsTheTeamsGrant) {
  // Another team's grant does not count, nor does a write-only one.
  Grant(otto_, "user:otto");
  Grant(ana_, "team:payments", "orders-v1", {"write"});
  EXPECT_THAT(registry_.CreateDataProduct(ana_, Refunds()),
              StatusIs(Code::kPermissionDenied, "input_ports[1].source"));
  // A grant to a member (here the team's pipeline) does.
  RequestContext etl;
  etl.principal = {"service:payments-etl", false, {"payments"}};
  Grant(etl, "service:payments-etl");
  EXPECT_OK(registry_.CreateDataProduct(ana_, Refunds()).status());
}

TEST_F(LineageAccessTest, AnExpiredOrRevokedGrantDoesNotLetOneDeclare) {
  std::string id = Grant(ana_, "team:payments");
  clock_.Advance(absl::Hours(25));
  EXPECT_THAT(registry_.CreateDataProduct(ana_, Refunds()),
              StatusIs(Code::kPermissionDenied, "input_ports[1].source"));
  id = Grant(ana_, "team:payments");
  ASSERT_OK(access_->RevokeGrant(olga_, id, "no longer needed").status());
  EXPECT_THAT(registry_.CreateDataProduct(ana_, Refunds()),
              StatusIs(Code::kPermissionDenied, "input_ports[1].source"));
}

TEST_F(LineageAccessTest, OwnersOfTheSourceAdminsAndTheSameTeamNeedNoGrant) {
  // Bea owns sales/orders and works in payments too.
  EXPECT_OK(registry_.CreateDataProduct(both_, Refunds()).status());
  ASSERT_OK(registry_.DeleteDataProduct(admin_, {"payments", "refunds"}, ""));
  EXPECT_OK(registry_.CreateDataProduct(admin_, Refunds()).status());
  DataProduct mirror = Product("sales", "mirror", "sales-eng");
  mirror.input_ports = Refunds().input_ports;
  mirror.input_ports.erase(mirror.input_ports.begin());
  EXPECT_OK(registry_.CreateDataProduct(olga_, mirror).status());
}

TEST_F(LineageAccessTest, UpdatesCheckNewInputsAndAllWhenTheOwnerChanges) {
  std::string id = Grant(ana_, "team:payments");
  ASSERT_OK(registry_.CreateDataProduct(ana_, Refunds()).status());
  ASSERT_OK(access_->RevokeGrant(ana_, id, "paused").status());

  // Keeping a declared input is no new declaration: a lapsed grant does not
  // stop its owners from changing the rest of the product.
  DataProduct p = Get("payments", "refunds");
  p.description = "Every refund.";
  ASSERT_OK_AND_ASSIGN(
      p, registry_.UpdateDataProduct(ana_, p, {{"description", "input_ports"}},
                                     "", false));
  EXPECT_EQ(p.input_ports.size(), 2u);

  // A new input is checked, and named by its index.
  model::InputPort v2;
  v2.id = "orders-v2";
  v2.source = {"sales", "orders", "orders-v2"};
  p.input_ports.insert(p.input_ports.begin(), v2);
  absl::Status s =
      registry_.UpdateDataProduct(ana_, p, {{"input_ports"}}, "", false)
          .status();
  EXPECT_THAT(s, StatusIs(Code::kPermissionDenied,
                          "data_product.input_ports[0].source: teams/payments "
                          "may not read domains/sales/dataProducts/orders/"
                          "outputPorts/orders-v2"));
  EXPECT_EQ(GetReason(s), "INPUT_NOT_GRANTED");

  // Handing the product to another team declares every input anew: Ana
  // owns ledger, so that one stands; orders needs the new team's grant.
  p = Get("payments", "refunds");
  p.owner_team_id = "other";
  EXPECT_THAT(
      registry_.UpdateDataProduct(ana_, p, {{"owner_team"}}, "", false),
      StatusIs(Code::kPermissionDenied,
               absl::StrCat("data_product.input_ports[1].source: teams/other "
                            "may not read ",
                            kOrdersV1)));
  EXPECT_EQ(Get("payments", "refunds").owner_team_id, "payments");
  Grant(admin_, "team:other");
  ASSERT_OK_AND_ASSIGN(
      p, registry_.UpdateDataProduct(ana_, p, {{"owner_team"}}, "", false));
  EXPECT_EQ(p.owner_team_id, "other");
}

// ------------------------------------------------------------ producer side

TEST_F(LineageAccessTest, AReaderWithoutAGrantDoesNotPinTheProducer) {
  // As rows written before the rule were: declared, no grant.
  ASSERT_OK(registry_.CreateDataProduct(admin_, Refunds()).status());
  DataProduct before = Get("payments", "refunds");
  size_t events = Events().size();

  ASSERT_OK(registry_.DeleteDataProduct(olga_, {"sales", "orders"}, ""));
  EXPECT_THAT(registry_.GetDataProduct(admin_, {"sales", "orders"}),
              StatusIs(Code::kNotFound));
  DataProduct after = Get("payments", "refunds");
  ASSERT_EQ(after.input_ports.size(), 1u);
  EXPECT_EQ(after.input_ports[0].id, "ledger");  // its own team's input stays
  EXPECT_EQ(after.revision, before.revision + 1);

  // The reader's owners learn of it: an audit record and an event of its
  // own, before the product's deletion.
  auto audit = Audit();
  ASSERT_GE(audit.size(), 2u);
  EXPECT_EQ(audit[0].resource, "domains/sales/dataProducts/orders");
  EXPECT_EQ(audit[1].resource, "domains/payments/dataProducts/refunds");
  EXPECT_EQ(audit[1].principal, "user:olga");
  EXPECT_EQ(audit[1].method,
            "meshplane.v1.DataProductService/DeleteDataProduct");
  EXPECT_EQ(audit[1].before_json, model::ToJson(before));
  EXPECT_EQ(audit[1].after_json, model::ToJson(after));
  EXPECT_EQ(audit[1].outcome_code, 0);
  auto ev = Events();
  ASSERT_EQ(ev.size(), events + 2);
  EXPECT_EQ(ev[events].type, "dataproduct.updated");
  EXPECT_EQ(ev[events].resource, "domains/payments/dataProducts/refunds");
  EXPECT_EQ(ev[events].domain_id, "payments");
  EXPECT_EQ(ev[events + 1].type, "dataproduct.deleted");

  ASSERT_OK_AND_ASSIGN(Lineage up,
                       registry_.GetLineage(admin_, {"payments", "refunds"},
                                            LineageScope::kUpstream, 1));
  ASSERT_EQ(up.edges.size(), 1u);
  EXPECT_EQ(up.edges[0].source.product_id, "ledger");
}

TEST_F(LineageAccessTest, NorDoesItKeepThePortFromBeingDropped) {
  ASSERT_OK(registry_.CreateDataProduct(admin_, Refunds("orders-v2")).status());
  DataProduct orders = Get("sales", "orders");
  orders.output_ports.pop_back();  // orders-v2
  ASSERT_OK_AND_ASSIGN(
      orders, registry_.UpdateDataProduct(olga_, orders, {{"output_ports"}}, "",
                                          false));
  EXPECT_EQ(orders.output_ports.size(), 1u);
  EXPECT_EQ(Get("payments", "refunds").input_ports.size(), 1u);
  auto audit = Audit();
  EXPECT_EQ(audit[1].resource, "domains/payments/dataProducts/refunds");
  EXPECT_EQ(audit[1].method,
            "meshplane.v1.DataProductService/UpdateDataProduct");
}

TEST_F(LineageAccessTest, AReaderWithAnActiveGrantPinsUntilItLapses) {
  std::string id = Grant(ana_, "team:payments");
  ASSERT_OK(registry_.CreateDataProduct(ana_, Refunds()).status());

  absl::Status s = registry_.DeleteDataProduct(olga_, {"sales", "orders"}, "");
  EXPECT_THAT(s, StatusIs(Code::kFailedPrecondition,
                          absl::StrCat("output port ", kOrdersV1,
                                       " is read by input port \"orders\" of "
                                       "domains/payments/dataProducts/refunds, "
                                       "which reads it by grants/",
                                       id, " (to team:payments")));
  EXPECT_EQ(GetReason(s), "HAS_CONSUMERS");
  DataProduct orders = Get("sales", "orders");
  orders.output_ports.erase(orders.output_ports.begin());  // orders-v1
  s = registry_.UpdateDataProduct(olga_, orders, {{"output_ports"}}, "", false)
          .status();
  EXPECT_THAT(s, StatusIs(Code::kFailedPrecondition, "revoke that grant"));
  EXPECT_EQ(GetReason(s), "PORT_IN_USE");
  EXPECT_EQ(Get("payments", "refunds").input_ports.size(), 2u);

  // The port's owners may revoke the grant; then the reader no longer pins.
  ASSERT_OK(access_->RevokeGrant(olga_, id, "orders is going away").status());
  ASSERT_OK(registry_.DeleteDataProduct(olga_, {"sales", "orders"}, ""));
  EXPECT_EQ(Get("payments", "refunds").input_ports.size(), 1u);
}

TEST_F(LineageAccessTest, AnExpiredGrantNoLongerPins) {
  RequestContext etl;
  etl.principal = {"service:payments-etl", false, {"payments"}};
  Grant(etl, "service:payments-etl");  // a member's grant pins too
  ASSERT_OK(registry_.CreateDataProduct(ana_, Refunds()).status());
  EXPECT_THAT(registry_.DeleteDataProduct(olga_, {"sales", "orders"}, ""),
              StatusIs(Code::kFailedPrecondition, "to service:payments-etl"));
  clock_.Advance(absl::Hours(24));
  EXPECT_OK(registry_.DeleteDataProduct(olga_, {"sales", "orders"}, ""));
}

TEST_F(LineageAccessTest, AReaderOfTheSameTeamPins) {
  DataProduct mirror = Product("sales", "mirror", "sales-eng");
  mirror.input_ports = {Refunds().input_ports[1]};
  ASSERT_OK(registry_.CreateDataProduct(olga_, mirror).status());
  absl::Status s = registry_.DeleteDataProduct(olga_, {"sales", "orders"}, "");
  EXPECT_THAT(s, StatusIs(Code::kFailedPrecondition,
                          "a product of the same team (teams/sales-eng)"));
  EXPECT_EQ(GetReason(s), "HAS_CONSUMERS");
}

TEST_F(LineageAccessTest, ADryRunDetachesNothing) {
  ASSERT_OK(registry_.CreateDataProduct(admin_, Refunds()).status());
  size_t events = Events().size();
  RequestContext dry = olga_;
  dry.validate_only = true;
  ASSERT_OK(registry_.DeleteDataProduct(dry, {"sales", "orders"}, ""));
  EXPECT_EQ(Get("payments", "refunds").input_ports.size(), 2u);
  EXPECT_EQ(Get("sales", "orders").id, "orders");
  EXPECT_EQ(Events().size(), events);
  EXPECT_TRUE(Audit().front().validate_only);
}

}  // namespace
}  // namespace meshplane::core
