// Timestamp and duration helpers shared by the evaluator and Value printing.
#ifndef MESHPLANE_POLICY_CEL_TIME_UTIL_H_
#define MESHPLANE_POLICY_CEL_TIME_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/policy/cel/value.h"

namespace meshplane::policy::cel::internal {

// CEL spec: timestamps range over [0001-01-01T00:00:00Z,
// 9999-12-31T23:59:59.999999999Z]; durations over +-315576000000 seconds
// (10000 years), as google.protobuf.Timestamp and Duration do.
inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;
inline constexpr int64_t kMaxDurationSeconds = 315576000000;

// A timestamp Value, or an error Value when out of range.
Value MakeTimestamp(int64_t seconds, int64_t nanos);
// A duration Value normalised so that seconds and nanos share a sign, or an
// error Value when out of range.
Value MakeDuration(int64_t seconds, int64_t nanos);

// RFC 3339, e.g. "2009-02-13T23:31:30Z", fractional seconds only if nonzero.
std::string FormatTimestamp(int64_t seconds, int32_t nanos);
// Seconds with an optional fraction: "3730s", "1.5s", "-0.000000001s".
std::string FormatDuration(int64_t seconds, int32_t nanos);

// timestamp("...") per RFC 3339; error Value on bad input or range.
Value ParseTimestamp(absl::string_view text);
// duration("...") in Go's syntax: "1h45m47s", "-1.5s", "300ms", "2us", "1ns".
Value ParseDuration(absl::string_view text);

// Resolves a time-zone argument: an IANA name ("Australia/Sydney", "UTC")
// or a fixed offset ("+05:30", "-02:30", "02:00"). False if unknown.
bool LoadZone(absl::string_view name, absl::TimeZone* zone);

}  // namespace meshplane::policy::cel::internal

#endif  // MESHPLANE_POLICY_CEL_TIME_UTIL_H_
