#include "meshplane/model/resource_name.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include "meshplane/common/limits.h"

namespace meshplane::model {
namespace {

constexpr char kIdRule[] =
    "is not a valid id (lowercase letters, digits, hyphens; 1-63 chars, "
    "starting with a letter)";

// Quotes `value` for an error message; long values are shortened so that a
// megabyte of garbage does not end up in a status message.
std::string Quote(absl::string_view value) {
  if (value.size() > 80) {
    return absl::StrCat("\"", Utf8Prefix(value, 77), "...\"");
  }
  return absl::StrCat("\"", value, "\"");
}

absl::Status BadName(absl::string_view field, absl::string_view name,
                     absl::string_view form) {
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": ", Quote(name), " is not a valid name (expected ", form, ")"));
}

// Splits `name` into segments and checks that the even ones are the given
// collection literals and the odd ones valid ids.
absl::StatusOr<std::vector<std::string>> SplitName(
    absl::string_view field, absl::string_view name,
    const std::vector<absl::string_view>& collections, absl::string_view form) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 * collections.size()) return BadName(field, name, form);
  std::vector<std::string> ids;
  for (size_t i = 0; i < collections.size(); ++i) {
    if (parts[2 * i] != collections[i]) return BadName(field, name, form);
    const std::string& id = parts[2 * i + 1];
    if (!IsValidId(id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", Quote(name),
                       " is not a valid name: ", Quote(id), " ", kIdRule));
    }
    ids.push_back(id);
  }
  return ids;
}

}  // namespace

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  if (id.front() < 'a' || id.front() > 'z') return false;
  if (id.back() == '-') return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::Status ValidateId(absl::string_view field, absl::string_view id) {
  if (IsValidId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", Quote(id), " ", kIdRule));
}

std::string DomainName(absl::string_view domain_id) {
  return absl::StrCat("domains/", domain_id);
}
std::string TeamName(absl::string_view team_id) {
  return absl::StrCat("teams/", team_id);
}
std::string ProductName(const ProductKey& key) {
  return absl::StrCat("domains/", key.domain_id, "/dataProducts/",
                      key.product_id);
}
std::string OutputPortName(const OutputPortRef& ref) {
  return absl::StrCat("domains/", ref.domain_id, "/dataProducts/",
                      ref.product_id, "/outputPorts/", ref.port_id);
}
std::string TokenName(absl::string_view token_id) {
  return absl::StrCat("tokens/", token_id);
}

std::string WebhookName(absl::string_view webhook_id) {
  return absl::StrCat("webhooks/", webhook_id);
}

absl::StatusOr<std::string> ParseDomainName(absl::string_view field,
                                            absl::string_view name) {
  auto ids = SplitName(field, name, {"domains"}, "domains/{domain}");
  if (!ids.ok()) return ids.status();
  return (*ids)[0];
}

absl::StatusOr<std::string> ParseTeamName(absl::string_view field,
                                          absl::string_view name) {
  auto ids = SplitName(field, name, {"teams"}, "teams/{team}");
  if (!ids.ok()) return ids.status();
  return (*ids)[0];
}

absl::StatusOr<ProductKey> ParseProductName(absl::string_view field,
                                            absl::string_view name) {
  auto ids = SplitName(field, name, {"domains", "dataProducts"},
                       "domains/{domain}/dataProducts/{data_product}");
  if (!ids.ok()) return ids.status();
  return ProductKey{(*ids)[0], (*ids)[1]};
}

absl::StatusOr<OutputPortRef> ParseOutputPortName(absl::string_view field,
                                                  absl::string_view name) {
  auto ids = SplitName(
      field, name, {"domains", "dataProducts", "outputPorts"},
      "domains/{domain}/dataProducts/{data_product}/outputPorts/{output_port}");
  if (!ids.ok()) return ids.status();
  return OutputPortRef{(*ids)[0], (*ids)[1], (*ids)[2]};
}

absl::StatusOr<std::string> ParseTokenName(absl::string_view field,
                                           absl::string_view name) {
  auto ids = SplitName(field, name, {"tokens"}, "tokens/{token}");
  if (!ids.ok()) return ids.status();
  return (*ids)[0];
}

absl::StatusOr<std::string> ParseWebhookName(absl::string_view field,
                                             absl::string_view name) {
  auto ids = SplitName(field, name, {"webhooks"}, "webhooks/{webhook}");
  if (!ids.ok()) return ids.status();
  return (*ids)[0];
}

absl::Status ValidatePrincipal(absl::string_view field,
                               absl::string_view principal) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", Quote(principal),
                     " is not a valid principal (", why, ")"));
  };
  if (principal.size() < 3 || principal.size() > 320) {
    return bad("3-320 characters");
  }
  for (char c : principal) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return bad("no spaces or control characters");
  }
  size_t colon = principal.find(':');
  if (colon == absl::string_view::npos) {
    return bad("expected user:<email>, service:<id> or team:<id>");
  }
  absl::string_view kind = principal.substr(0, colon);
  absl::string_view rest = principal.substr(colon + 1);
  if (kind == "user") {
    if (rest.empty()) return bad("user:<email> needs a name after the colon");
    return absl::OkStatus();
  }
  if (kind == "service" || kind == "team") {
    if (!IsValidId(rest)) {
      return bad(absl::StrCat(kind, ":<id> needs a valid id after the colon"));
    }
    return absl::OkStatus();
  }
  return bad("expected user:<email>, service:<id> or team:<id>");
}

}  // namespace meshplane::model
