#include "server/status.h"

#include "absl/strings/cord.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/v1/errors.pb.h"

namespace meshplane::server {
namespace {

using ::testing::SizeIs;

// The details of `s`, parsed back as a client would.
struct Parsed {
  google::rpc::Status rpc;
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad;
  google::rpc::RetryInfo retry;
  v1::PolicyViolations policies;
  bool has_info = false, has_bad = false, has_retry = false,
       has_policies = false;
};

Parsed Parse(const grpc::Status& s) {
  Parsed p;
  EXPECT_TRUE(p.rpc.ParseFromString(s.error_details()));
  for (const auto& any : p.rpc.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) {
      p.has_info = any.UnpackTo(&p.info);
    } else if (any.Is<google::rpc::BadRequest>()) {
      p.has_bad = any.UnpackTo(&p.bad);
    } else if (any.Is<google::rpc::RetryInfo>()) {
      p.has_retry = any.UnpackTo(&p.retry);
    } else if (any.Is<v1::PolicyViolations>()) {
      p.has_policies = any.UnpackTo(&p.policies);
    }
  }
  return p;
}

TEST(StatusTest, OkIsOk) {
  grpc::Status s = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.error_details(), "");
}

TEST(StatusTest, EveryCodeMapsToTheSameGrpcCode) {
  for (int c = 1; c <= 16; ++c) {
    auto code = static_cast<absl::StatusCode>(c);
    grpc::Status s = ToGrpcStatus(absl::Status(code, "m"));
    EXPECT_EQ(static_cast<int>(s.error_code()), c);
    // Internal errors keep their text in the server's log (see below).
    const bool hidden = code == absl::StatusCode::kInternal ||
                        code == absl::StatusCode::kUnknown ||
                        code == absl::StatusCode::kDataLoss;
    EXPECT_EQ(s.error_message(),
              hidden ? "internal error (logged by the server)" : "m");
    Parsed p = Parse(s);
    EXPECT_EQ(p.rpc.code(), c);
    EXPECT_EQ(p.rpc.message(), s.error_message());
    ASSERT_TRUE(p.has_info) << c;
    EXPECT_EQ(p.info.domain(), "meshplane.dev");
    EXPECT_EQ(p.info.reason(), DefaultReason(code));
    EXPECT_FALSE(p.info.reason().empty());
  }
}

TEST(StatusTest, ReasonComesFromCore) {
  grpc::Status s = ToGrpcStatus(
      WithReason(absl::AbortedError("etag \"3\" is stale"), "ETAG_MISMATCH"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  Parsed p = Parse(s);
  EXPECT_EQ(p.info.reason(), "ETAG_MISMATCH");
  EXPECT_FALSE(p.has_bad);
}

TEST(StatusTest, FieldViolationsBecomeBadRequest) {
  absl::Status in = InvalidArgumentWithFields(
      {{"data_product.output_ports[1].id", "\"Orders V1\" is not a valid id"},
       {"domain.owner_team", "is required"}});
  grpc::Status s = ToGrpcStatus(in);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Parsed p = Parse(s);
  ASSERT_TRUE(p.has_bad);
  ASSERT_THAT(p.bad.field_violations(), SizeIs(2));
  EXPECT_EQ(p.bad.field_violations(0).field(),
            "data_product.output_ports[1].id");
  EXPECT_EQ(p.bad.field_violations(0).description(),
            "\"Orders V1\" is not a valid id");
  EXPECT_EQ(p.bad.field_violations(1).field(), "domain.owner_team");
  EXPECT_EQ(p.info.reason(), "INVALID_ARGUMENT");
}

TEST(StatusTest, UnavailableSaysWhenToRetry) {
  Parsed p = Parse(ToGrpcStatus(absl::UnavailableError("db down")));
  ASSERT_TRUE(p.has_retry);
  EXPECT_GT(p.retry.retry_delay_seconds(), 0);
}

TEST(StatusTest, PolicyViolationPayloadsPassThroughInBinaryOrJson) {
  v1::PolicyViolations v;
  auto* one = v.add_violations();
  one->set_policy("policies/pii-needs-approval");
  one->set_scope("global");
  one->set_effect("DENY");
  one->set_message("PII needs approval");
  one->set_revision(4);
  constexpr char kUrl[] = "type.googleapis.com/meshplane.v1.PolicyViolations";

  absl::Status binary = absl::FailedPreconditionError("denied");
  binary.SetPayload(kUrl, absl::Cord(v.SerializeAsString()));
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(v, &json).ok());
  absl::Status from_json = absl::FailedPreconditionError("denied");
  from_json.SetPayload(kUrl, absl::Cord(json));

  for (const absl::Status& in : {binary, from_json}) {
    Parsed p = Parse(ToGrpcStatus(in));
    ASSERT_TRUE(p.has_policies);
    ASSERT_THAT(p.policies.violations(), SizeIs(1));
    EXPECT_EQ(p.policies.violations(0).policy(), "policies/pii-needs-approval");
    EXPECT_EQ(p.policies.violations(0).revision(), 4);
  }
}

TEST(StatusTest, UnparseablePayloadsAreDroppedNotFatal) {
  absl::Status in = absl::FailedPreconditionError("denied");
  in.SetPayload("type.googleapis.com/meshplane.v1.PolicyViolations",
                absl::Cord("\xff\xff garbage"));
  in.SetPayload("type.googleapis.com/meshplane.v1.NoSuchMessage",
                absl::Cord("x"));
  Parsed p = Parse(ToGrpcStatus(in));
  EXPECT_TRUE(p.has_info);
  EXPECT_FALSE(p.has_policies);
  EXPECT_THAT(p.rpc.details(), SizeIs(1));
}

TEST(StatusTest, GetRpcStatusReadsDetailsBack) {
  grpc::Status s = ToGrpcStatus(absl::NotFoundError("domains/x not found"));
  google::rpc::Status rpc = GetRpcStatus(s);
  EXPECT_EQ(rpc.code(), static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_EQ(rpc.message(), "domains/x not found");
  EXPECT_THAT(rpc.details(), SizeIs(1));

  // A status without details (e.g. from gRPC itself) still reads.
  google::rpc::Status bare =
      GetRpcStatus(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "big"));
  EXPECT_EQ(bare.code(),
            static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_EQ(bare.message(), "big");
  EXPECT_THAT(bare.details(), SizeIs(0));
}

TEST(StatusTest, InternalErrorsNeverCarryTheirText) {
  for (auto code : {absl::StatusCode::kInternal, absl::StatusCode::kUnknown,
                    absl::StatusCode::kDataLoss}) {
    grpc::Status s = ToGrpcStatus(absl::Status(
        code,
        "ListDataProducts: SQLSTATE 54001: stack depth limit exceeded "
        "(src/store/postgres/postgres_store.cc:1005)"));
    EXPECT_EQ(s.error_message(), "internal error (logged by the server)");
    EXPECT_EQ(Parse(s).rpc.message(), s.error_message());
  }
}

TEST(StatusTest, MessagesAreShortValidUtf8) {
  // A 10 KB value in a message made the trailers exceed gRPC's 8 KiB.
  std::string long_message =
      "etag \"" + std::string(10000, 'x') + "\" is stale";
  grpc::Status s = ToGrpcStatus(absl::AbortedError(long_message));
  EXPECT_LE(s.error_message().size(), kMaxMessageBytes);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("(cut)"));
  // A cut through a character, and bytes that are not UTF-8 at all.
  s = ToGrpcStatus(absl::InvalidArgumentError("name: \"caf\xc3\" \xff"));
  EXPECT_EQ(s.error_message(), "name: \"caf\\xc3\" \\xff");
  EXPECT_TRUE(IsValidUtf8(s.error_message()));
  std::string accents;
  for (int i = 0; i < 2000; ++i) accents += "\xc3\xa9";
  s = ToGrpcStatus(absl::InvalidArgumentError(accents));
  EXPECT_LE(s.error_message().size(), kMaxMessageBytes);
  EXPECT_TRUE(IsValidUtf8(s.error_message()));
}

TEST(StatusTest, DetailsStayWithinTheTrailerBudget) {
  std::vector<FieldViolation> many;
  for (int i = 0; i < 1000; ++i) {
    many.push_back({"team.members[" + std::to_string(i) + "]",
                    std::string(300, 'v') + "\xff"});
  }
  grpc::Status s = ToGrpcStatus(InvalidArgumentWithFields(many));
  EXPECT_LE(s.error_details().size(), kMaxDetailsBytes);
  EXPECT_LE(s.error_message().size(), kMaxMessageBytes);
  Parsed p = Parse(s);
  ASSERT_TRUE(p.has_info);
  ASSERT_TRUE(p.has_bad);
  EXPECT_GT(p.bad.field_violations_size(), 0);
  for (const auto& fv : p.bad.field_violations()) {
    EXPECT_LE(fv.description().size(), kMaxDescriptionBytes);
    EXPECT_TRUE(IsValidUtf8(fv.description()));
  }
}
}  // namespace
}  // namespace meshplane::server
