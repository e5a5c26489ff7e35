#include "server/call.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include <gtest/gtest.h>

#include "meshplane/common/crypto.h"
#include "meshplane/v1/data_product.pb.h"
#include "meshplane/v1/domain.pb.h"

namespace meshplane::server {
namespace {

v1::CreateDomainRequest Request() {
  v1::CreateDomainRequest r;
  r.set_domain_id("sales");
  r.mutable_domain()->set_display_name("Sales");
  r.mutable_domain()->set_owner_team("teams/checkout");
  r.set_request_id("2b7c1d3e-5f60-4a8b-9c0d-1e2f3a4b5c6d");
  return r;
}

TEST(RequestHashTest, IsAStableHexDigest) {
  std::string h = RequestHash(Request());
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(RequestHash(Request()), h);
}

TEST(RequestHashTest, IgnoresRequestIdAndValidateOnly) {
  v1::CreateDomainRequest a = Request();
  v1::CreateDomainRequest b = Request();
  b.set_request_id("another-id");
  b.set_validate_only(true);
  EXPECT_EQ(RequestHash(a), RequestHash(b));
}

TEST(RequestHashTest, ChangesWithThePayload) {
  v1::CreateDomainRequest a = Request();
  v1::CreateDomainRequest b = Request();
  b.mutable_domain()->set_display_name("Sales!");
  EXPECT_NE(RequestHash(a), RequestHash(b));
  v1::CreateDomainRequest c = Request();
  c.set_domain_id("sales2");
  EXPECT_NE(RequestHash(a), RequestHash(c));
}

TEST(RequestHashTest, DoesNotDependOnMapInsertionOrder) {
  v1::CreateDomainRequest a = Request();
  v1::CreateDomainRequest b = Request();
  for (int i = 0; i < 50; ++i) {
    (*a.mutable_domain()->mutable_labels())["k" + std::to_string(i)] = "v";
    (*b.mutable_domain()->mutable_labels())["k" + std::to_string(49 - i)] = "v";
  }
  EXPECT_EQ(RequestHash(a), RequestHash(b));
}

TEST(RequestHashTest, SurvivesAWireRoundTrip) {
  v1::CreateDomainRequest a = Request();
  (*a.mutable_domain()->mutable_labels())["x"] = "1";
  (*a.mutable_domain()->mutable_labels())["a"] = "2";
  v1::CreateDomainRequest b;
  ASSERT_TRUE(b.ParseFromString(a.SerializeAsString()));
  EXPECT_EQ(RequestHash(a), RequestHash(b));
}

TEST(RequestHashTest, IsTheDigestOfTheDeterministicBytesWithoutTheIdFields) {
  // The formula of the design decision, so that anything else that computes
  // it agrees with the server.
  v1::CreateDomainRequest r = Request();
  r.set_validate_only(true);
  v1::CreateDomainRequest bare = r;
  bare.clear_request_id();
  bare.clear_validate_only();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    bare.SerializeToCodedStream(&coded);
  }
  EXPECT_EQ(RequestHash(r), Sha256Hex(bytes));
}

}  // namespace
}  // namespace meshplane::server
