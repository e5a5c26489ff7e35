#include "server/call.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include <gtest/gtest.h>

#include "meshplane/common/crypto.h"
#include "meshplane/v1/access.pb.h"
#include "meshplane/v1/contract.pb.h"
#include "meshplane/v1/data_product.pb.h"
#include "meshplane/v1/domain.pb.h"
#include "meshplane/v1/events.pb.h"
#include "meshplane/v1/identity.pb.h"
#include "meshplane/v1/policy.pb.h"
#include "meshplane/v1/slo.pb.h"
#include "meshplane/v1/team.pb.h"

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

// Handlers name no method: CallRunner finds it from the request type, which
// holds only while every RPC has a request message of its own.
TEST(RpcMethodOfTest, EveryRpcIsFoundFromItsRequestType) {
  int methods = 0;
  for (const google::protobuf::Descriptor* in_file :
       {v1::CreateDomainRequest::descriptor(),
        v1::CreateTeamRequest::descriptor(),
        v1::CreateDataProductRequest::descriptor(),
        v1::CreateTokenRequest::descriptor(), v1::WatchRequest::descriptor(),
        v1::CreatePolicyRequest::descriptor(),
        v1::PublishContractRequest::descriptor(),
        v1::RequestAccessRequest::descriptor(),
        v1::ReportObservationsRequest::descriptor()}) {
    const google::protobuf::FileDescriptor* file = in_file->file();
    ASSERT_GT(file->service_count(), 0) << file->name();
    for (int i = 0; i < file->service_count(); ++i) {
      const google::protobuf::ServiceDescriptor* service = file->service(i);
      for (int j = 0; j < service->method_count(); ++j) {
        const google::protobuf::MethodDescriptor* m = service->method(j);
        EXPECT_EQ(RpcMethodOf(*m->input_type()),
                  service->full_name() + "/" + m->name());
        ++methods;
      }
    }
  }
  EXPECT_GT(methods, 60);
}

TEST(RpcMethodOfTest, AMessageNoRpcTakesHasNone) {
  EXPECT_EQ(RpcMethodOf(*v1::Domain::descriptor()), "");
}

}  // namespace
}  // namespace meshplane::server
