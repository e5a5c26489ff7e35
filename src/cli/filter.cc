#include "cli/filter.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "cli/util.h"

namespace meshplane::cli {

std::string QuoteFilterString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

absl::StatusOr<std::string> NormalizeLifecycle(absl::string_view text) {
  std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view value = absl::StripPrefix(upper, "LIFECYCLE_");
  if (value == "DRAFT" || value == "PUBLISHED" || value == "DEPRECATED" ||
      value == "RETIRED") {
    return std::string(value);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--lifecycle ", text,
      ": unknown lifecycle (draft, published, deprecated or retired)"));
}

absl::StatusOr<std::string> BuildProductFilter(
    const ProductFilterOptions& options) {
  std::vector<std::string> terms;
  if (!options.owner_team.empty()) {
    terms.push_back(absl::StrCat(
        "owner_team = ", QuoteFilterString(TeamName(options.owner_team))));
  }
  if (!options.lifecycle.empty()) {
    auto lifecycle = NormalizeLifecycle(options.lifecycle);
    if (!lifecycle.ok()) {
      return lifecycle.status();
    }
    terms.push_back(absl::StrCat("lifecycle = ", *lifecycle));
  }
  for (const std::string& tag : options.tags) {
    terms.push_back(absl::StrCat("tags = ", QuoteFilterString(tag)));
  }
  if (!options.search.empty()) {
    terms.push_back(absl::StrCat("text = ", QuoteFilterString(options.search)));
  }
  return absl::StrJoin(terms, " AND ");
}

std::string BuildDomainFilter(const std::string& parent, bool top_level,
                              const std::string& owner_team) {
  std::vector<std::string> terms;
  if (top_level) {
    terms.push_back("parent = \"\"");
  } else if (!parent.empty()) {
    terms.push_back(
        absl::StrCat("parent = ", QuoteFilterString(DomainName(parent))));
  }
  if (!owner_team.empty()) {
    terms.push_back(
        absl::StrCat("owner_team = ", QuoteFilterString(TeamName(owner_team))));
  }
  return absl::StrJoin(terms, " AND ");
}

std::string BuildTeamFilter(const std::string& member) {
  if (member.empty()) {
    return "";
  }
  return absl::StrCat("member = ", QuoteFilterString(member));
}

}  // namespace meshplane::cli
