// SearchDataProducts through a real server on PostgreSQL, over gRPC and over
// REST (GET /v1/dataProducts:search): words and prefixes, filters with
// subdomains, facets, paging by token and by skip, the same answer on both
// transports, any authenticated caller, and INVALID_ARGUMENT naming the
// field at fault.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "tests/testing/server/http_client.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/v1/data_product.pb.h"
#include "meshplane/v1/domain.pb.h"
#include "meshplane/v1/team.pb.h"

namespace meshplane::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SearchTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() {
    StartServer();
    ASSERT_NE(fx_, nullptr);
    Seed();
  }

  // Teams t1, t2; domains sales > sales-emea > sales-emea-de, finance; eight
  // products whose words, tiers, tags and lifecycles the tests rely on.
  static void Seed() {
    for (const char* id : {"t1", "t2"}) {
      v1::CreateTeamRequest r;
      r.set_team_id(id);
      r.mutable_team()->set_display_name(id);
      fx_->SeedTeam(r);
    }
    fx_->SeedDomain("sales", "t1");
    fx_->SeedDomain("sales-emea", "t1", "domains/sales");
    fx_->SeedDomain("sales-emea-de", "t1", "domains/sales-emea");
    fx_->SeedDomain("finance", "t1");
    auto products = fx_->Products();
    struct P {
      std::string domain, id, display, description, team;
      int tier;
      std::vector<std::string> tags;
      std::string port_location;
    };
    for (const P& p : std::vector<P>{{"sales",
                                      "orders",
                                      "Orders",
                                      "Every order line.",
                                      "t1",
                                      1,
                                      {"core", "pii"},
                                      "sales.orders_v1"},
                                     {"sales",
                                      "customers",
                                      "Customers",
                                      "Customer master data.",
                                      "t1",
                                      1,
                                      {"pii"},
                                      "sales.customers_v1"},
                                     {"sales-emea",
                                      "emea-orders",
                                      "EMEA orders",
                                      "Orders of the region.",
                                      "t2",
                                      2,
                                      {"core"},
                                      "emea.orders"},
                                     {"sales-emea-de",
                                      "de-returns",
                                      "German returns",
                                      "Returned parcels.",
                                      "t2",
                                      3,
                                      {},
                                      "de.returns"},
                                     {"finance",
                                      "revenue",
                                      "Revenue",
                                      "Booked revenue per day.",
                                      "t2",
                                      1,
                                      {"reporting"},
                                      "finance.revenue_daily"},
                                     {"finance",
                                      "forecast",
                                      "Revenue forecast",
                                      "Twelve-month rolling forecast.",
                                      "t2",
                                      3,
                                      {"reporting"},
                                      "forecasts/revenue/"},
                                     {"finance",
                                      "ledger",
                                      "Ledger",
                                      "Journal entries.",
                                      "t1",
                                      2,
                                      {"core"},
                                      "finance.ledger"},
                                     {"finance",
                                      "budget",
                                      "Budget",
                                      "Plans per cost centre.",
                                      "t1",
                                      0,
                                      {},
                                      "finance.budget"}}) {
      v1::CreateDataProductRequest r;
      r.set_parent("domains/" + p.domain);
      r.set_data_product_id(p.id);
      v1::DataProduct* d = r.mutable_data_product();
      d->set_display_name(p.display);
      d->set_description(p.description);
      d->set_owner_team("teams/" + p.team);
      d->set_tier(p.tier);
      for (const auto& t : p.tags) d->add_tags(t);
      v1::OutputPort* o = d->add_output_ports();
      o->set_id(p.id + "-v1");
      o->set_type("table");
      o->set_location(p.port_location);
      fx_->SeedProduct(r);
    }
    // Two are published; the rest stay drafts.
    for (const char* name : {"domains/sales/dataProducts/orders",
                             "domains/finance/dataProducts/revenue"}) {
      v1::PublishDataProductRequest r;
      r.set_name(name);
      v1::DataProduct out;
      ASSERT_TRUE(
          products->PublishDataProduct(fx_->AdminContext().get(), r, &out)
              .ok());
    }
  }

  static grpc::Status Grpc(const v1::SearchDataProductsRequest& r,
                           v1::SearchDataProductsResponse* out,
                           const std::string& token = "") {
    auto ctx =
        ServerFixture::Context(token.empty() ? fx_->admin_token() : token);
    return fx_->Products()->SearchDataProducts(ctx.get(), r, out);
  }

  static HttpReply Rest(const std::string& query, const std::string& token) {
    return HttpCall(fx_->http_port(), "GET", "/v1/dataProducts:search?" + query,
                    token);
  }
  static v1::SearchDataProductsResponse RestOk(const std::string& query) {
    HttpReply r = Rest(query, fx_->admin_token());
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    v1::SearchDataProductsResponse out;
    auto s = google::protobuf::util::JsonStringToMessage(r.body, &out);
    EXPECT_TRUE(s.ok()) << r.body;
    return out;
  }

  static std::vector<std::string> Names(
      const v1::SearchDataProductsResponse& r) {
    std::vector<std::string> out;
    for (const auto& p : r.data_products()) out.push_back(p.name());
    return out;
  }
  static std::vector<std::string> FacetOf(
      const v1::SearchDataProductsResponse& r, const std::string& field) {
    std::vector<std::string> out;
    for (const auto& f : r.facets()) {
      if (f.field() != field) continue;
      for (const auto& v : f.values()) {
        out.push_back(absl::StrCat(v.value(), "=", v.count()));
      }
    }
    return out;
  }
};

TEST_F(SearchTest, WordsPrefixesAndRelevanceOverRest) {
  // "orders" is in both ids and names (score 3): then by name.
  auto r = RestOk("query=orders");
  EXPECT_THAT(Names(r),
              ElementsAre("domains/sales/dataProducts/orders",
                          "domains/sales-emea/dataProducts/emea-orders"));
  EXPECT_EQ(r.total_size(), 2);
  // As you type: the last word is a prefix.
  EXPECT_THAT(Names(RestOk("query=reven")),
              ElementsAre("domains/finance/dataProducts/forecast",
                          "domains/finance/dataProducts/revenue"));
  EXPECT_TRUE(Names(RestOk("query=reven%20")).empty());
  // A prefix needs 3 characters: "re" is a word of its own.
  EXPECT_TRUE(Names(RestOk("query=re")).empty());
  // Port locations, split at punctuation.
  EXPECT_THAT(Names(RestOk("query=revenue_daily")),
              ElementsAre("domains/finance/dataProducts/revenue"));
  // Strings that mean something to SQL or tsquery are only words.
  EXPECT_TRUE(
      Names(RestOk("query=%27%3B%20DROP%20TABLE%20domains%3B%20--")).empty());
  EXPECT_TRUE(Names(RestOk("query=a%3A*%20%7C%20!b%20%26%20(c)")).empty());
}

TEST_F(SearchTest, FiltersTakeSubdomainsAndFacetsCountTheRest) {
  auto r = RestOk("domain=domains%2Fsales&facetSize=10");
  EXPECT_THAT(Names(r),
              ElementsAre("domains/sales/dataProducts/customers",
                          "domains/sales/dataProducts/orders",
                          "domains/sales-emea/dataProducts/emea-orders",
                          "domains/sales-emea-de/dataProducts/de-returns"));
  EXPECT_EQ(r.total_size(), 4);
  ASSERT_EQ(r.facets_size(), 6);
  EXPECT_EQ(r.facets(0).field(), "domain");
  // A facet ignores its own filter: every domain, with subdomains counted.
  EXPECT_THAT(FacetOf(r, "domain"),
              ElementsAre("domains/finance=4", "domains/sales=4",
                          "domains/sales-emea=2", "domains/sales-emea-de=1"));
  EXPECT_THAT(FacetOf(r, "owner_team"),
              ElementsAre("teams/t1=2", "teams/t2=2"));
  EXPECT_THAT(FacetOf(r, "lifecycle"),
              ElementsAre("LIFECYCLE_DRAFT=3", "LIFECYCLE_PUBLISHED=1"));
  EXPECT_THAT(FacetOf(r, "tier"), ElementsAre("1=2", "2=1", "3=1"));
  EXPECT_THAT(FacetOf(r, "tag"), ElementsAre("core=2", "pii=2"));
  EXPECT_TRUE(FacetOf(r, "classification").empty());

  // Every filter at once, over gRPC.
  v1::SearchDataProductsRequest q;
  q.set_query("order");
  q.set_domain("domains/sales");
  q.set_owner_team("teams/t2");
  q.set_tier(2);
  q.set_tag("core");
  q.set_lifecycle(v1::LIFECYCLE_DRAFT);
  v1::SearchDataProductsResponse out;
  ASSERT_TRUE(Grpc(q, &out).ok());
  EXPECT_THAT(Names(out),
              ElementsAre("domains/sales-emea/dataProducts/emea-orders"));
  q.set_lifecycle(v1::LIFECYCLE_PUBLISHED);
  out.Clear();
  ASSERT_TRUE(Grpc(q, &out).ok());
  EXPECT_EQ(out.total_size(), 0);
  EXPECT_THAT(FacetOf(out, "lifecycle"), ElementsAre("LIFECYCLE_DRAFT=1"));
}

TEST_F(SearchTest, PagesByTokenAndSkipAndAgreeAcrossTransports) {
  v1::SearchDataProductsRequest q;
  q.set_page_size(3);
  std::vector<std::string> paged;
  for (int guard = 0; guard < 10; ++guard) {
    v1::SearchDataProductsResponse out;
    ASSERT_TRUE(Grpc(q, &out).ok());
    EXPECT_EQ(out.total_size(), 8);
    for (const auto& n : Names(out)) paged.push_back(n);
    if (out.next_page_token().empty()) break;
    q.set_page_token(out.next_page_token());
  }
  EXPECT_EQ(paged.size(), 8u);
  EXPECT_EQ(paged.front(), "domains/finance/dataProducts/budget");
  // The third page of 3 by skip, over REST: the same products.
  auto third = RestOk("pageSize=3&skip=6");
  EXPECT_THAT(Names(third), ElementsAre(paged[6], paged[7]));
  EXPECT_TRUE(third.next_page_token().empty());
  // A token of another search is refused.
  v1::SearchDataProductsRequest other;
  other.set_query("revenue");
  other.set_page_size(1);
  v1::SearchDataProductsResponse first;
  ASSERT_TRUE(Grpc(other, &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());
  v1::SearchDataProductsRequest replay;
  replay.set_query("orders");
  replay.set_page_token(first.next_page_token());
  v1::SearchDataProductsResponse ignored;
  grpc::Status s = Grpc(replay, &ignored);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));
}

TEST_F(SearchTest, AnyAuthenticatedCallerAndNoOneElse) {
  // A principal in no team sees the same results as the admin.
  std::string token = fx_->MintToken("user:nobody@example.com");
  v1::SearchDataProductsRequest q;
  q.set_query("revenue");
  v1::SearchDataProductsResponse mine, admins;
  ASSERT_TRUE(Grpc(q, &mine, token).ok());
  ASSERT_TRUE(Grpc(q, &admins).ok());
  EXPECT_EQ(Names(mine), Names(admins));
  EXPECT_EQ(Rest("query=revenue", "").status, 401);
  auto ctx = ServerFixture::Context("");
  v1::SearchDataProductsResponse none;
  EXPECT_EQ(
      fx_->Products()->SearchDataProducts(ctx.get(), q, &none).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SearchTest, BadFiltersNameTheField) {
  struct Case {
    std::string query, field;
  };
  for (const Case& c : std::vector<Case>{
           {"domain=sales", "domain"},
           {"ownerTeam=teams%2FNot%20An%20Id", "owner_team"},
           {"tier=7", "tier"},
           {"tag=Bad%20Tag", "tag"},
           {"skip=-1", "skip"},
           {"skip=10001", "skip"},
           {"pageSize=-2", "page_size"},
           {"facetSize=-1", "facet_size"},
           {absl::StrCat("query=", std::string(201, 'x')), "query"}}) {
    HttpReply r = Rest(c.query, fx_->admin_token());
    EXPECT_EQ(r.status, 400) << c.query << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr(absl::StrCat("\"field\":\"", c.field, "\"")))
        << c.query << ": " << r.body;
  }
  v1::SearchDataProductsRequest q;
  q.set_lifecycle(static_cast<v1::Lifecycle>(42));
  v1::SearchDataProductsResponse out;
  grpc::Status s = Grpc(q, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("lifecycle"));
}

}  // namespace
}  // namespace meshplane::testing
