#include "meshplane/model/data_product.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "model/enum_names.h"

namespace meshplane::model {

std::vector<std::string> SearchWords(absl::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || absl::ascii_isalnum(c)) {
      word.push_back(static_cast<char>(absl::ascii_tolower(c)));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

absl::string_view ClassificationName(Classification c) {
  switch (c) {
    case Classification::kUnspecified:
      return "UNSPECIFIED";
    case Classification::kPublic:
      return "PUBLIC";
    case Classification::kInternal:
      return "INTERNAL";
    case Classification::kConfidential:
      return "CONFIDENTIAL";
    case Classification::kRestricted:
      return "RESTRICTED";
  }
  return "UNSPECIFIED";
}

std::optional<Classification> ParseClassification(absl::string_view s) {
  return internal::ParseEnumName(
      s,
      {Classification::kUnspecified, Classification::kPublic,
       Classification::kInternal, Classification::kConfidential,
       Classification::kRestricted},
      ClassificationName, "CLASSIFICATION_");
}

}  // namespace meshplane::model
