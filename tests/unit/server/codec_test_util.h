// What the codec unit tests (<area>_codec_test.cc) share: the matchers they
// are written with, a matcher of one field violation, and a shorthand for
// times. Test-only: the using-declarations below are meant for the tests'
// own namespace, which this header shares.
#ifndef MESHPLANE_TESTS_UNIT_SERVER_CODEC_TEST_UTIL_H_
#define MESHPLANE_TESTS_UNIT_SERVER_CODEC_TEST_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::server {

using ::google::protobuf::util::MessageDifferencer;
using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// A FieldViolation (meshplane/common/errors.h) of `field`.
MATCHER_P(ViolationOf, field, "a field violation of " + std::string(field)) {
  return arg.field == field;
}

// `seconds` after the Unix epoch, plus `nanos`.
inline absl::Time T(int64_t seconds, int64_t nanos = 0) {
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

}  // namespace meshplane::server

#endif  // MESHPLANE_TESTS_UNIT_SERVER_CODEC_TEST_UTIL_H_
