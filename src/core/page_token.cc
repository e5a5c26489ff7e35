#include "core/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"

namespace meshplane::core::internal {
namespace {
constexpr size_t kFingerprintChars = 16;
constexpr char kVersion = '1';
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
  if (!absl::WebSafeBase64Unescape(token, &raw) ||
      raw.size() <= 1 + fingerprint.size() || raw[0] != kVersion) {
    return InvalidArgumentWithFields(
        {{"page_token", "is not a page token issued by this server"}});
  }
  if (absl::string_view(raw).substr(1, fingerprint.size()) != fingerprint) {
    return InvalidArgumentWithFields(
        {{"page_token",
          "was issued for a different parent or filter; list again from the "
          "first page"}});
  }
  return raw.substr(1 + fingerprint.size());
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
