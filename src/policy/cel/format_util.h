// Printing helpers for values: numbers as Go's strconv prints them (which is
// what cel-go's string() conversion and the conformance suite expect), and
// strings and bytes in CEL literal syntax.
#ifndef MESHPLANE_POLICY_CEL_FORMAT_UTIL_H_
#define MESHPLANE_POLICY_CEL_FORMAT_UTIL_H_

#include <string>

#include "absl/strings/string_view.h"

namespace meshplane::policy::cel::internal {

// Shortest representation that round-trips, in %g style with an exponent
// when exp < -4 || exp >= 6, as Go's FormatFloat(d, 'g', -1, 64) prints;
// "NaN", "+Inf", "-Inf".
std::string FormatDouble(double d);

// A CEL string literal with double quotes and escapes for control
// characters, quotes and backslashes; invalid UTF-8 is replaced by U+FFFD.
std::string QuoteString(absl::string_view s);

// A CEL bytes literal b"..." with \xHH escapes for non-printable bytes.
std::string QuoteBytes(absl::string_view s);

// Appends the UTF-8 encoding of `cp` to `out`.
void AppendUtf8(char32_t cp, std::string* out);

// Decodes one code point at s[*pos], advancing *pos; returns U+FFFD and
// advances by one byte on invalid input.
char32_t DecodeUtf8(absl::string_view s, size_t* pos);

// Whether `s` is valid UTF-8.
bool IsValidUtf8(absl::string_view s);

}  // namespace meshplane::policy::cel::internal

#endif  // MESHPLANE_POLICY_CEL_FORMAT_UTIL_H_
