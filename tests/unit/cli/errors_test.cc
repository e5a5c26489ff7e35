#include "cli/errors.h"

#include <sstream>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/cli_test_util.h"

#include "meshplane/v1/errors.pb.h"

namespace meshplane::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ExitCodeTest, MapsEveryCode) {
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::OK), 0);
  for (auto code :
       {grpc::StatusCode::FAILED_PRECONDITION, grpc::StatusCode::ALREADY_EXISTS,
        grpc::StatusCode::NOT_FOUND, grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::ABORTED, grpc::StatusCode::UNAUTHENTICATED}) {
    EXPECT_EQ(ExitCodeFor(code), 1) << code;
  }
  for (auto code :
       {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::OUT_OF_RANGE,
        grpc::StatusCode::RESOURCE_EXHAUSTED}) {
    EXPECT_EQ(ExitCodeFor(code), 2) << code;
  }
  for (auto code :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
        grpc::StatusCode::INTERNAL, grpc::StatusCode::UNKNOWN,
        grpc::StatusCode::UNIMPLEMENTED, grpc::StatusCode::DATA_LOSS,
        grpc::StatusCode::CANCELLED}) {
    EXPECT_EQ(ExitCodeFor(code), 3) << code;
  }
}

grpc::Status WithDetails(grpc::StatusCode code, const std::string& message) {
  google::rpc::Status rpc;
  rpc.set_code(code);
  rpc.set_message(message);
  google::rpc::BadRequest bad;
  auto* v = bad.add_field_violations();
  v->set_field("domain_id");
  v->set_description("\"Bad Id\" is not a valid id");
  rpc.add_details()->PackFrom(bad);
  google::rpc::ErrorInfo info;
  info.set_reason("INVALID_ID");
  info.set_domain("meshplane.dev");
  rpc.add_details()->PackFrom(info);
  meshplane::v1::PolicyViolations policies;
  *policies.add_violations() = test_util::EnforcedViolation(
      "policies/tier-one-needs-slo", "global", "DENY", 4,
      "tier 1 products declare an availability objective");
  rpc.add_details()->PackFrom(policies);
  return test_util::StatusWithDetails(rpc);
}

TEST(DescribeErrorTest, ListsFieldViolationsReasonAndPolicies) {
  auto lines = DescribeError(
      WithDetails(grpc::StatusCode::INVALID_ARGUMENT, "domain_id: bad"));
  EXPECT_THAT(
      lines,
      ElementsAre("domain_id: bad", "  domain_id: \"Bad Id\" is not a valid id",
                  "  reason: INVALID_ID",
                  "  policy policies/tier-one-needs-slo (global, "
                  "DENY, ENFORCED, revision 4): tier 1 products declare an "
                  "availability objective"));
}

TEST(DescribeErrorTest, APolicyRefusalListsEachViolationOnce) {
  google::rpc::Status rpc;
  rpc.set_code(grpc::StatusCode::FAILED_PRECONDITION);
  rpc.set_message(
      "refused by policy: policies/a: needs an owner; "
      "domains/sales/policies/b: needs a description");
  meshplane::v1::PolicyViolations policies;
  *policies.add_violations() = test_util::EnforcedViolation(
      "policies/a", "global", "DENY", 1, "needs an owner");
  auto* b = policies.add_violations();
  *b = test_util::EnforcedViolation("domains/sales/policies/b", "domains/sales",
                                    "DENY", 3, "needs a description");
  b->set_evaluation_error(true);
  rpc.add_details()->PackFrom(policies);
  auto lines = DescribeError(test_util::StatusWithDetails(rpc));
  EXPECT_THAT(lines,
              ElementsAre("refused by policy (2 violations):",
                          "  policy policies/a (global, DENY, ENFORCED, "
                          "revision 1): needs an owner",
                          "  policy domains/sales/policies/b (domains/sales, "
                          "DENY, ENFORCED, evaluation error, revision 3): "
                          "needs a description"));
}

grpc::Status Violations(const std::string& message,
                        const std::vector<std::string>& fields) {
  google::rpc::Status rpc;
  rpc.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  rpc.set_message(message);
  google::rpc::BadRequest bad;
  for (const std::string& f : fields) {
    auto* v = bad.add_field_violations();
    v->set_field(f);
    v->set_description("is wrong");
  }
  rpc.add_details()->PackFrom(bad);
  google::rpc::ErrorInfo info;
  info.set_reason("INVALID_ARGUMENT");
  rpc.add_details()->PackFrom(info);
  return test_util::StatusWithDetails(rpc);
}

TEST(DescribeErrorTest, EachViolationPrintedOnce) {
  // One violation that is the whole message: no repeat, and a reason equal
  // to the code's name is left out.
  EXPECT_THAT(DescribeError(Violations("a.b: is wrong", {"a.b"})),
              ElementsAre("a.b: is wrong"));
  // Several, joined into the message: a header, then one line each.
  EXPECT_THAT(
      DescribeError(Violations("a: is wrong; b: is wrong", {"a", "b"})),
      ElementsAre("2 fields are invalid:", "  a: is wrong", "  b: is wrong"));
}

TEST(DescribeErrorTest, NoDetailsOrGarbageDetails) {
  EXPECT_THAT(DescribeError(grpc::Status(grpc::StatusCode::NOT_FOUND, "gone")),
              ElementsAre("gone"));
  EXPECT_THAT(DescribeError(grpc::Status(grpc::StatusCode::NOT_FOUND, "gone",
                                         "\xff\xff not a proto")),
              ElementsAre("gone"));
  EXPECT_THAT(DescribeError(grpc::Status(grpc::StatusCode::INTERNAL, "")),
              ElementsAre(HasSubstr("status code 13")));
}

TEST(ReportErrorTest, PrintsErrorLinesAndReturnsExitCode) {
  std::ostringstream err;
  int code = ReportError(
      WithDetails(grpc::StatusCode::INVALID_ARGUMENT, "domain_id: bad"),
      "127.0.0.1:1", err);
  EXPECT_EQ(code, 2);
  EXPECT_THAT(err.str(), HasSubstr("error: domain_id: bad\n"));
  EXPECT_THAT(err.str(), HasSubstr("\n  domain_id: "));

  std::ostringstream denied;
  EXPECT_EQ(ReportError(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                     "user:bo may not publish x"),
                        "a", denied),
            1);
  EXPECT_EQ(denied.str(),
            "error: permission denied: user:bo may not publish x\n");
  std::ostringstream unauthenticated;
  EXPECT_EQ(ReportError(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                     "token revoked"),
                        "a", unauthenticated),
            1);
  EXPECT_EQ(unauthenticated.str(), "error: not authenticated: token revoked\n");

  std::ostringstream unavailable;
  EXPECT_EQ(ReportError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "refused"),
                        "127.0.0.1:1", unavailable),
            3);
  EXPECT_EQ(unavailable.str(),
            "error: server 127.0.0.1:1 unavailable: refused\n");
}

}  // namespace
}  // namespace meshplane::cli
