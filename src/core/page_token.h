// Opaque page tokens (AIP-158): base64url of a fingerprint of the query and
// the store's keyset cursor, so that a token cannot be replayed against a
// different parent or filter.
#ifndef MESHPLANE_CORE_PAGE_TOKEN_H_
#define MESHPLANE_CORE_PAGE_TOKEN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshplane::core::internal {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// The fingerprint of a list query: everything but the page size and token.
std::string QueryFingerprint(const std::vector<std::string>& parts);

// "" for an empty cursor (no next page).
std::string EncodePageToken(absl::string_view cursor,
                            absl::string_view fingerprint);

// The cursor in `token` ("" for an empty token). INVALID_ARGUMENT (field
// page_token) if it is malformed or was issued for another query.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view fingerprint);

// AIP-158: 0 -> default, above the maximum -> the maximum; negative ->
// INVALID_ARGUMENT (field page_size).
absl::StatusOr<int> EffectivePageSize(int page_size);

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_PAGE_TOKEN_H_
