// Limits that several layers must agree on, and the helpers that keep an
// error message short and printable whatever the input was.
//
//   return absl::InvalidArgumentError(
//       absl::StrCat("etag ", QuotePrefix(etag), " is stale"));
#ifndef MESHPLANE_COMMON_LIMITS_H_
#define MESHPLANE_COMMON_LIMITS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace meshplane {

// The deepest a document (an ODCS contract, a descriptor) may nest, counting
// the root collection as level 1. The YAML reader, the first layer, refuses a
// deeper document with its line; every later layer (the JSON form that
// policies read, the store's JSON) must accept this depth plus the envelope
// it adds, so that no deep document gets past the first layer only to fail
// later as an internal error.
inline constexpr int kMaxDocumentDepth = 200;

// The most of a bad value that an error message quotes.
inline constexpr size_t kMaxQuotedValue = 64;

// `value` in double quotes for an error message: at most `max` bytes of it,
// cut at a character boundary and marked with "..." when shortened; bytes
// that are not printable or not valid UTF-8, quotes and backslashes are
// escaped (\x1f, \", \\), so the result is always short, valid UTF-8.
std::string QuotePrefix(absl::string_view value, size_t max = kMaxQuotedValue);

// Whether `s` is valid UTF-8 (no overlong forms, surrogates or code points
// above U+10FFFF).
bool IsValidUtf8(absl::string_view s);

// `s` with every byte that is not part of a valid UTF-8 sequence replaced by
// its \xNN escape; `s` itself when it is valid.
std::string ToValidUtf8(absl::string_view s);

// The longest prefix of `s` of at most `max` bytes that does not cut a
// UTF-8 sequence in two.
absl::string_view Utf8Prefix(absl::string_view s, size_t max);

}  // namespace meshplane

#endif  // MESHPLANE_COMMON_LIMITS_H_
