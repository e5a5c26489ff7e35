#include "meshplane/model/data_product.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace meshplane::model {

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
  std::string upper = absl::AsciiStrToUpper(s);
  absl::string_view v = upper;
  // Also accept the proto enum's spelling, CLASSIFICATION_PUBLIC.
  absl::ConsumePrefix(&v, "CLASSIFICATION_");
  for (Classification c :
       {Classification::kUnspecified, Classification::kPublic,
        Classification::kInternal, Classification::kConfidential,
        Classification::kRestricted}) {
    if (v == ClassificationName(c)) return c;
  }
  return std::nullopt;
}

}  // namespace meshplane::model
