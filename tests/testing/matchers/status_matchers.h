// GoogleTest matchers for absl::Status and absl::StatusOr, because Debian's
// Abseil ships none.
//
//   EXPECT_THAT(registry.GetDomain(ctx, "x"),
//   StatusIs(absl::StatusCode::kNotFound)); ASSERT_THAT(store.Ping(), IsOk());
//   EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument,
//   "domain_id"));
#ifndef MESHPLANE_TESTS_TESTING_MATCHERS_STATUS_MATCHERS_H_
#define MESHPLANE_TESTS_TESTING_MATCHERS_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include <gmock/gmock.h>

namespace meshplane::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s.ToString();
  return s.ok();
}

// Matches a status with `code` whose message contains `substr`.
MATCHER_P2(StatusIs, code, substr,
           "has code " + absl::StatusCodeToString(code) +
               " and a message containing \"" + std::string(substr) + "\"") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code &&
         std::string(s.message()).find(std::string(substr)) !=
             std::string::npos;
}

// Matches a status with `code`, whatever its message.
MATCHER_P(StatusIs, code, "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code;
}

// Matches a grpc::Status (or anything with error_code() and
// error_message()) with `code`, a grpc::StatusCode, and prints the message
// on a mismatch.
MATCHER_P(GrpcIs, code,
          "has gRPC code " + std::to_string(static_cast<int>(code))) {
  *result_listener << "code " << arg.error_code() << ": "
                   << arg.error_message();
  return arg.error_code() == code;
}

}  // namespace meshplane::testing

// Asserts that a Status/StatusOr is OK and, for StatusOr, yields its value:
//   auto domain = ASSERT_OK_AND_GET(registry.GetDomain(ctx, "sales"));  (not
//   an expression macro: use ASSERT_OK_AND_ASSIGN(var, expr) instead)
#define MP_TESTING_CONCAT_INNER_(a, b) a##b
#define MP_TESTING_CONCAT_(a, b) MP_TESTING_CONCAT_INNER_(a, b)
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::meshplane::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::meshplane::testing::IsOk())
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                \
  auto MP_TESTING_CONCAT_(mp_sor_, __LINE__) = (rexpr); \
  ASSERT_THAT(MP_TESTING_CONCAT_(mp_sor_, __LINE__),    \
              ::meshplane::testing::IsOk());            \
  lhs = std::move(MP_TESTING_CONCAT_(mp_sor_, __LINE__)).value()

#endif  // MESHPLANE_TESTS_TESTING_MATCHERS_STATUS_MATCHERS_H_
