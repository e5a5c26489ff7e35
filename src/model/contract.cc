#include "meshplane/model/contract.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace meshplane::model {

namespace {

// Sorts above '0' and '1', the tags of numeric and alphanumeric identifiers:
// a release ranks above every pre-release of the same version.
constexpr char kReleaseKey[] = "~";
// Ends each identifier. It sorts below every identifier character
// ([0-9A-Za-z-]), so "alpha" < "alpha1" and "alpha" < "alpha.1".
constexpr char kIdentifierEnd = ' ';

bool IsNumeric(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

bool IsValidContractId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  if (!absl::ascii_isalnum(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

std::string ContractName(absl::string_view contract_id) {
  return absl::StrCat("contracts/", contract_id);
}

std::string ContractVersionName(absl::string_view contract_id,
                                absl::string_view version) {
  return absl::StrCat(ContractName(contract_id), "/versions/", version);
}

std::string PrereleaseOrderKey(absl::string_view prerelease) {
  if (prerelease.empty()) return kReleaseKey;
  std::string key;
  for (absl::string_view id : absl::StrSplit(prerelease, '.')) {
    if (IsNumeric(id)) {
      // Numeric: tag '0', then the digit count in three digits, so that a
      // longer number (leading zeros dropped) sorts above a shorter one.
      while (id.size() > 1 && id[0] == '0') id.remove_prefix(1);
      std::string len = std::to_string(id.size());
      len.insert(0, 3 - std::min<size_t>(3, len.size()), '0');
      absl::StrAppend(&key, "0", len, id);
    } else {
      absl::StrAppend(&key, "1", id);
    }
    key += kIdentifierEnd;
  }
  return key;
}

}  // namespace meshplane::model
