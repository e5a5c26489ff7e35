#include "core/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"

namespace meshplane::core::internal {
namespace {
constexpr size_t kFingerprintChars = 16;
constexpr char kVersion = '1';
// Tokens are base64 of a version, a fingerprint and a keyset cursor of ids:
// far below this. A longer one, or a cursor of other bytes, was not issued
// here, and must not reach the store (where a stray byte is a SQL error).
constexpr size_t kMaxTokenChars = 1024;

absl::Status ForeignToken() {
  return InvalidArgumentWithFields(
      {{"page_token", "is not a page token issued by this server"}});
}

// Cursors are ids, numbers and times: never control characters, and always
// UTF-8 (PostgreSQL refuses other bytes in a text parameter).
bool IsCursorText(absl::string_view cursor) {
  for (char c : cursor) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return IsValidUtf8(cursor);
}
}  // namespace

std::string QueryFingerprint(const std::vector<std::string>& parts) {
  return Sha256Hex(absl::StrJoin(parts, "\x1f")).substr(0, kFingerprintChars);
}

std::string EncodePageToken(absl::string_view cursor,
                            absl::string_view fingerprint) {
  if (cursor.empty()) return "";
  return absl::WebSafeBase64Escape(
      absl::StrCat(std::string(1, kVersion), fingerprint, cursor));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view fingerprint) {
  if (token.empty()) return std::string();
  std::string raw;
  if (token.size() > kMaxTokenChars ||
      !absl::WebSafeBase64Unescape(token, &raw) ||
      raw.size() <= 1 + fingerprint.size() || raw[0] != kVersion) {
    return ForeignToken();
  }
  if (absl::string_view(raw).substr(1, fingerprint.size()) != fingerprint) {
    return InvalidArgumentWithFields(
        {{"page_token",
          "was issued for a different parent or filter; list again from the "
          "first page"}});
  }
  std::string cursor = raw.substr(1 + fingerprint.size());
  if (!IsCursorText(cursor)) return ForeignToken();
  return cursor;
}

absl::StatusOr<int> EffectivePageSize(int page_size) {
  if (page_size < 0) {
    return InvalidArgumentWithFields(
        {{"page_size", absl::StrCat(page_size, " is negative")}});
  }
  if (page_size == 0) return kDefaultPageSize;
  return page_size > kMaxPageSize ? kMaxPageSize : page_size;
}

}  // namespace meshplane::core::internal
