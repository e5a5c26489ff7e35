#include "server/http/binder.h"

#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/common/errors.h"
#include "meshplane/v1/data_product.pb.h"

namespace meshplane::server::http {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string FieldOf(const absl::Status& s) {
  std::vector<FieldViolation> v = GetFieldViolations(s);
  return v.empty() ? "" : v[0].field;
}

TEST(BinderTest, QueryParametersByJsonOrProtoName) {
  v1::ListDataProductsRequest r;
  ASSERT_THAT(BindQuery({{"pageSize", "20"},
                         {"page_token", "abc"},
                         {"filter", "tags = \"pii\""},
                         {"includeSubdomains", "true"}},
                        {"parent"}, "", &r),
              IsOk());
  EXPECT_EQ(r.page_size(), 20);
  EXPECT_EQ(r.page_token(), "abc");
  EXPECT_EQ(r.filter(), "tags = \"pii\"");
  EXPECT_TRUE(r.include_subdomains());
}

TEST(BinderTest, UnknownParameterIsRefusedByName) {
  v1::ListDataProductsRequest r;
  absl::Status s = BindQuery({{"pageSise", "20"}}, {"parent"}, "", &r);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          "unknown query parameter \"pageSise\""));
  EXPECT_EQ(FieldOf(s), "pageSise");
}

TEST(BinderTest, WrongTypeNamesTheParameter) {
  v1::ListDataProductsRequest r;
  absl::Status s = BindQuery({{"pageSize", "many"}}, {}, "", &r);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          "is not a 32-bit integer"));
  EXPECT_EQ(FieldOf(s), "pageSize");
  EXPECT_THAT(BindQuery({{"includeSubdomains", "yes"}}, {}, "", &r),
              StatusIs(absl::StatusCode::kInvalidArgument, "bool"));
}

TEST(BinderTest, SingularGivenTwiceAndPathFieldsAreRefused) {
  v1::ListDataProductsRequest r;
  EXPECT_THAT(BindQuery({{"filter", "a"}, {"filter", "b"}}, {}, "", &r),
              StatusIs(absl::StatusCode::kInvalidArgument, "more than once"));
  EXPECT_THAT(BindQuery({{"parent", "domains/x"}}, {"parent"}, "", &r),
              StatusIs(absl::StatusCode::kInvalidArgument, "of the path"));
}

TEST(BinderTest, FieldMaskEnumsNestedAndRepeated) {
  v1::UpdateDataProductRequest r;
  ASSERT_THAT(BindQuery({{"updateMask", "displayName,ownerTeam"},
                         {"requestId", "0b6c2f8e-1111-4222-8333-444455556666"},
                         {"validateOnly", "true"}},
                        {"data_product.name"}, "data_product", &r),
              IsOk());
  EXPECT_THAT(r.update_mask().paths(),
              ElementsAre("display_name", "owner_team"));
  EXPECT_TRUE(r.validate_only());
  EXPECT_EQ(r.request_id(), "0b6c2f8e-1111-4222-8333-444455556666");
  // The body's field may not come from the query.
  EXPECT_THAT(BindQuery({{"dataProduct.tier", "1"}}, {}, "data_product", &r),
              StatusIs(absl::StatusCode::kInvalidArgument, "of the body"));

  v1::CreateDataProductRequest c;
  ASSERT_THAT(SetFieldFromText(&c, "data_product.tags", "a", "tags"), IsOk());
  ASSERT_THAT(SetFieldFromText(&c, "dataProduct.tags", "b", "tags"), IsOk());
  ASSERT_THAT(SetFieldFromText(&c, "data_product.classification",
                               "CLASSIFICATION_CONFIDENTIAL", "c"),
              IsOk());
  ASSERT_THAT(SetFieldFromText(&c, "data_product.sunset_time",
                               "2030-01-02T03:04:05Z", "s"),
              IsOk());
  EXPECT_THAT(c.data_product().tags(), ElementsAre("a", "b"));
  EXPECT_EQ(c.data_product().classification(), v1::CLASSIFICATION_CONFIDENTIAL);
  EXPECT_EQ(c.data_product().sunset_time().seconds(), 1893553445);
  EXPECT_THAT(SetFieldFromText(&c, "data_product.classification", "SECRETISH",
                               "classification"),
              StatusIs(absl::StatusCode::kInvalidArgument, "Classification"));
  EXPECT_THAT(SetFieldFromText(&c, "data_product", "x", "dataProduct"),
              StatusIs(absl::StatusCode::kInvalidArgument, "is a message"));
  EXPECT_THAT(SetFieldFromText(&c, "data_product.sunset_time", "yesterday",
                               "sunsetTime"),
              StatusIs(absl::StatusCode::kInvalidArgument, "Timestamp"));
}

TEST(BinderTest, Int64AsDecimalText) {
  v1::ListDataProductsRequest r;
  // No int64 in this request: the bound is what matters for 32 bits.
  EXPECT_THAT(BindQuery({{"pageSize", "4294967296"}}, {}, "", &r),
              StatusIs(absl::StatusCode::kInvalidArgument, "32-bit"));
}

TEST(BinderTest, BodyIntoOneField) {
  v1::CreateDataProductRequest r;
  ASSERT_THAT(BindBody(R"({"displayName": "Orders", "tier": 1,
                           "classification": "CLASSIFICATION_INTERNAL", "tags": ["a"]})",
                       "data_product", &r),
              IsOk());
  EXPECT_EQ(r.data_product().display_name(), "Orders");
  EXPECT_EQ(r.data_product().tier(), 1);
  EXPECT_EQ(r.data_product().classification(), v1::CLASSIFICATION_INTERNAL);
}

TEST(BinderTest, BodyErrorsNameWhatIsWrong) {
  v1::CreateDataProductRequest r;
  absl::Status malformed = BindBody("{\"displayName\": ", "data_product", &r);
  EXPECT_THAT(malformed, StatusIs(absl::StatusCode::kInvalidArgument,
                                  "not a valid DataProduct in JSON"));
  EXPECT_EQ(FieldOf(malformed), "dataProduct");
  EXPECT_THAT(BindBody(R"({"displayNam": "x"})", "data_product", &r),
              StatusIs(absl::StatusCode::kInvalidArgument, "displayNam"));
  EXPECT_THAT(BindBody(R"({"tier": "high"})", "data_product", &r),
              StatusIs(absl::StatusCode::kInvalidArgument, "tier"));
  // A crafted body may not reach the fields beside its own.
  EXPECT_THAT(
      BindBody(R"({"tier": 1}, "parent": "domains/x")", "data_product", &r),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(r.parent(), "");
  v1::ListDataProductsRequest whole;
  ASSERT_THAT(BindBody(R"({"pageSize": 3})", "*", &whole), IsOk());
  EXPECT_EQ(whole.page_size(), 3);
  EXPECT_THAT(BindBody("[1]", "*", &whole),
              StatusIs(absl::StatusCode::kInvalidArgument, "body"));
}

TEST(BinderTest, ParserMessagesAreBounded) {
  v1::CreateDataProductRequest r;
  std::string big = "{\"" + std::string(10000, 'x') + "\": 1}";
  absl::Status s = BindBody(big, "data_product", &r);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_LT(s.message().size(), 600u);
}

TEST(BinderTest, ToJsonIsProto3Json) {
  v1::DataProduct p;
  p.set_display_name("Orders");
  p.set_classification(v1::CLASSIFICATION_CONFIDENTIAL);
  p.mutable_create_time()->set_seconds(1893553445);
  std::string json = ToJson(p);
  EXPECT_THAT(json, HasSubstr("\"displayName\":\"Orders\""));
  EXPECT_THAT(json,
              HasSubstr("\"classification\":\"CLASSIFICATION_CONFIDENTIAL\""));
  EXPECT_THAT(json, HasSubstr("\"createTime\":\"2030-01-02T03:04:05Z\""));
}

}  // namespace
}  // namespace meshplane::server::http
