// Declared inputs and access (docs/access.md) over real gRPC against a real
// PostgreSQL, from both sides. The consumer side: a member of payments
// cannot declare that payments/refunds reads sales' orders port until the
// team holds a read grant on it (PERMISSION_DENIED, INPUT_NOT_GRANTED,
// naming the field). The producer side: a reader holding an active grant
// keeps sales from deleting orders (HAS_CONSUMERS) until the grant is
// revoked; a reader without one (as rows written before the rule were) keeps
// nothing: dropping the port or deleting the product detaches it, in the
// same transaction as the foreign key from input ports to output ports
// demands, and its owners get a dataproduct.updated event.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

namespace meshplane::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kOrders[] = "domains/sales/dataProducts/orders";
constexpr char kOrdersV1[] =
    "domains/sales/dataProducts/orders/outputPorts/orders-v1";
constexpr char kOrdersV2[] =
    "domains/sales/dataProducts/orders/outputPorts/orders-v2";
constexpr char kRefunds[] = "domains/payments/dataProducts/refunds";
constexpr char kLegacy[] = "domains/payments/dataProducts/legacy";

class LineageAccessPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_ = ServerFixture::Start();
    products_ = fx_->Products();
    access_ = fx_->Access();
    // sales-eng (olga) owns sales/orders with two ports; payments (ana)
    // owns the payments domain.
    fx_->SeedTeam("sales-eng", {"user:olga@example.com"});
    fx_->SeedTeam("payments", {"user:ana@example.com"});
    fx_->SeedDomain("sales", "sales-eng");
    fx_->SeedDomain("payments", "payments");
    olga_ = fx_->MintToken("user:olga@example.com");
    ana_ = fx_->MintToken("user:ana@example.com");
    v1::DataProduct orders;
    orders.set_owner_team("teams/sales-eng");
    orders.add_output_ports()->set_id("orders-v1");
    orders.add_output_ports()->set_id("orders-v2");
    ASSERT_TRUE(Create(olga_, "sales", "orders", orders).ok());
  }

  grpc::Status Create(const std::string& token, const std::string& domain,
                      const std::string& id, const v1::DataProduct& p,
                      v1::DataProduct* out = nullptr) {
    v1::CreateDataProductRequest r;
    r.set_parent("domains/" + domain);
    r.set_data_product_id(id);
    *r.mutable_data_product() = p;
    v1::DataProduct ignored;
    auto ctx = ServerFixture::Context(token);
    return products_->CreateDataProduct(ctx.get(), r, out ? out : &ignored);
  }

  static v1::DataProduct Reader(const std::string& source) {
    v1::DataProduct p;
    p.set_owner_team("teams/payments");
    auto* in = p.add_input_ports();
    in->set_id("orders");
    in->set_source(source);
    return p;
  }

  v1::DataProduct Get(const std::string& name) {
    v1::GetDataProductRequest r;
    r.set_name(name);
    v1::DataProduct out;
    auto ctx = fx_->AdminContext();
    grpc::Status s = products_->GetDataProduct(ctx.get(), r, &out);
    EXPECT_TRUE(s.ok()) << name << ": " << s.error_message();
    return out;
  }

  grpc::Status Delete(const std::string& token, const std::string& name) {
    v1::DeleteDataProductRequest r;
    r.set_name(name);
    google::protobuf::Empty out;
    auto ctx = ServerFixture::Context(token);
    return products_->DeleteDataProduct(ctx.get(), r, &out);
  }

  std::unique_ptr<ServerFixture> fx_;
  std::unique_ptr<v1::DataProductService::Stub> products_;
  std::unique_ptr<v1::AccessService::Stub> access_;
  std::string olga_, ana_;
};

TEST_F(LineageAccessPgTest, TheLineagePinFromBothSides) {
  // Consumer side: no grant, no declared input.
  grpc::Status s = Create(ana_, "payments", "refunds", Reader(kOrdersV1));
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_EQ(ReasonOf(s), "INPUT_NOT_GRANTED");
  EXPECT_THAT(s.error_message(),
              AllOf(HasSubstr(absl::StrCat(
                        "data_product.input_ports[0].source: teams/payments "
                        "may not read ",
                        kOrdersV1)),
                    HasSubstr("active grant")));

  // Ana asks for her team (granted at once: no policies); then she may.
  v1::AccessRequest request;
  {
    v1::RequestAccessRequest r;
    r.mutable_access_request()->set_output_port(kOrdersV1);
    r.mutable_access_request()->set_consumer("team:payments");
    r.mutable_access_request()->set_purpose("refund reconciliation");
    *r.mutable_access_request()->mutable_duration() =
        google::protobuf::util::TimeUtil::SecondsToDuration(24 * 3600);
    auto ctx = ServerFixture::Context(ana_);
    ASSERT_TRUE(access_->RequestAccess(ctx.get(), r, &request).ok());
    ASSERT_FALSE(request.grant().empty());
  }
  ASSERT_TRUE(Create(ana_, "payments", "refunds", Reader(kOrdersV1)).ok());
  // A reader declared without a grant, as every row written before the rule
  // was (an admin may still declare one).
  ASSERT_TRUE(
      Create(fx_->admin_token(), "payments", "legacy", Reader(kOrdersV2)).ok());

  // Producer side: the granted reader pins orders.
  s = Delete(olga_, kOrders);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ReasonOf(s), "HAS_CONSUMERS");
  EXPECT_THAT(s.error_message(),
              AllOf(HasSubstr(kRefunds), HasSubstr(request.grant()),
                    HasSubstr("revoke that grant")));

  // The ungranted reader does not pin the port it reads: dropping it
  // detaches legacy, whose owners hear of it on the event feed.
  {
    v1::DataProduct orders = Get(kOrders);
    orders.mutable_output_ports()->RemoveLast();  // orders-v2
    v1::UpdateDataProductRequest r;
    *r.mutable_data_product() = orders;
    r.mutable_update_mask()->add_paths("output_ports");
    v1::DataProduct out;
    auto ctx = ServerFixture::Context(olga_);
    s = products_->UpdateDataProduct(ctx.get(), r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_THAT(out.output_ports(), SizeIs(1));
  }
  EXPECT_THAT(Get(kLegacy).input_ports(), SizeIs(0));
  {
    v1::WatchRequest r;
    r.set_since_sequence(0);
    r.set_domain("domains/payments");
    auto ctx = fx_->AdminContext();
    auto stream = fx_->Events()->Watch(ctx.get(), r);
    v1::WatchResponse batch;
    bool seen = false;
    while (!seen && stream->Read(&batch)) {
      for (const auto& e : batch.events()) {
        seen = seen ||
               (e.type() == "dataproduct.updated" && e.resource() == kLegacy);
      }
      if (batch.events().empty()) break;
    }
    ctx->TryCancel();
    EXPECT_TRUE(seen) << "no dataproduct.updated event for " << kLegacy;
  }

  // Revoked, the grant pins nothing: orders goes, refunds is detached and
  // its lineage no longer reaches orders.
  {
    v1::RevokeGrantRequest r;
    r.set_name(request.grant());
    r.set_reason("orders is retired");
    v1::Grant out;
    auto ctx = ServerFixture::Context(olga_);
    s = access_->RevokeGrant(ctx.get(), r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  s = Delete(olga_, kOrders);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::DataProduct refunds = Get(kRefunds);
  EXPECT_THAT(refunds.input_ports(), SizeIs(0));
  {
    v1::GetLineageRequest r;
    r.set_name(kRefunds);
    r.set_direction(v1::LINEAGE_DIRECTION_UPSTREAM);
    v1::GetLineageResponse out;
    auto ctx = fx_->AdminContext();
    ASSERT_TRUE(products_->GetLineage(ctx.get(), r, &out).ok());
    EXPECT_THAT(out.edges(), SizeIs(0));
  }
}

}  // namespace
}  // namespace meshplane::testing
