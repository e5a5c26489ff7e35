#include "server/http/error_json.h"

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/status.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/common/errors.h"

namespace meshplane::server::http {
namespace {

using ::testing::HasSubstr;

google::protobuf::Struct Parse(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok())
      << json;
  return s;
}

TEST(ErrorJsonTest, MapsEveryCodeAsGoogleRpcCodeSays) {
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::OK), 200);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::CANCELLED), 499);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNKNOWN), 500);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::ALREADY_EXISTS), 409);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::FAILED_PRECONDITION), 400);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::ABORTED), 409);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::OUT_OF_RANGE), 400);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNIMPLEMENTED), 501);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::INTERNAL), 500);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::DATA_LOSS), 500);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAUTHENTICATED), 401);
}

TEST(ErrorJsonTest, CarriesTheSameDetailsAsGrpc) {
  absl::Status s = InvalidArgumentWithFields(
      {FieldViolation{"data_product.tier", "must be 1 to 3"}});
  std::string json = ErrorJson(ToGrpcStatus(s));
  google::protobuf::Struct body = Parse(json);
  const auto& error = body.fields().at("error").struct_value().fields();
  EXPECT_EQ(error.at("code").number_value(), 400);
  EXPECT_EQ(error.at("status").string_value(), "INVALID_ARGUMENT");
  EXPECT_THAT(error.at("message").string_value(), HasSubstr("tier"));
  const auto& details = error.at("details").list_value().values();
  ASSERT_EQ(details.size(), 2);
  const auto& info = details[0].struct_value().fields();
  EXPECT_EQ(info.at("@type").string_value(),
            "type.googleapis.com/google.rpc.ErrorInfo");
  EXPECT_EQ(info.at("domain").string_value(), "meshplane.dev");
  const auto& bad = details[1].struct_value().fields();
  EXPECT_EQ(bad.at("@type").string_value(),
            "type.googleapis.com/google.rpc.BadRequest");
  EXPECT_THAT(json, HasSubstr("\"field\":\"data_product.tier\""));
}

TEST(ErrorJsonTest, EscapesTheMessageAndOverridesTheHttpCode) {
  grpc::Status s(grpc::StatusCode::RESOURCE_EXHAUSTED, "a \"quoted\"\nline");
  google::protobuf::Struct body = Parse(ErrorJson(s, 413));
  const auto& error = body.fields().at("error").struct_value().fields();
  EXPECT_EQ(error.at("code").number_value(), 413);
  EXPECT_EQ(error.at("status").string_value(), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(error.at("message").string_value(), "a \"quoted\"\nline");
  EXPECT_EQ(error.at("details").list_value().values_size(), 0);
}

}  // namespace
}  // namespace meshplane::server::http
