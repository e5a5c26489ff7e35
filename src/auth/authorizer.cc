#include "meshplane/auth/authorizer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "meshplane/model/resource_name.h"

namespace meshplane::auth {
namespace {

std::string Who(const model::Principal& p) {
  return p.id.empty() ? std::string("an unauthenticated caller") : p.id;
}

// "teams/a or teams/b": the teams whose members would be allowed.
std::string TeamList(const std::vector<std::string>& teams) {
  std::vector<std::string> names;
  for (const auto& t : teams) names.push_back(model::TeamName(t));
  return absl::StrJoin(names, ", ");
}

// Owner teams of `chain`, nearest first, without duplicates.
std::vector<std::string> ChainOwners(const std::vector<model::Domain>& chain) {
  std::vector<std::string> owners;
  for (const auto& d : chain) {
    if (d.owner_team_id.empty()) continue;
    bool seen = false;
    for (const auto& o : owners) seen = seen || o == d.owner_team_id;
    if (!seen) owners.push_back(d.owner_team_id);
  }
  return owners;
}

bool MemberOfAny(const model::Principal& p,
                 const std::vector<std::string>& teams) {
  for (const auto& t : teams) {
    if (p.IsMemberOf(t)) return true;
  }
  return false;
}

}  // namespace

absl::Status Authorizer::CheckAdmin(const model::Principal& p,
                                    absl::string_view action) const {
  if (!p.id.empty() && p.platform_admin) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(Who(p), " may not ", action, ": only platform admins may"));
}

absl::Status Authorizer::CheckDomainWrite(
    const model::Principal& p, const std::vector<model::Domain>& chain,
    absl::string_view action) const {
  if (!p.id.empty() && p.platform_admin) return absl::OkStatus();
  std::vector<std::string> owners = ChainOwners(chain);
  if (!p.id.empty() && MemberOfAny(p, owners)) return absl::OkStatus();
  std::string where = chain.empty() ? std::string("the mesh")
                                    : model::DomainName(chain.front().id);
  if (owners.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat(Who(p), " may not ", action, " in ", where,
                     ": only platform admins may"));
  }
  return absl::PermissionDeniedError(
      absl::StrCat(Who(p), " may not ", action, " in ", where,
                   ": it needs membership in one of ", TeamList(owners),
                   " (owners of ", where,
                   " and its parent domains) or the platform-admin "
                   "role"));
}

absl::Status Authorizer::CheckProductWrite(
    const model::Principal& p, const model::DataProduct& product,
    const std::vector<model::Domain>& chain, absl::string_view action) const {
  if (!p.id.empty() && p.platform_admin) return absl::OkStatus();
  std::vector<std::string> allowed;
  if (!product.owner_team_id.empty()) allowed.push_back(product.owner_team_id);
  for (const auto& o : ChainOwners(chain)) {
    if (o != product.owner_team_id) allowed.push_back(o);
  }
  if (!p.id.empty() && MemberOfAny(p, allowed)) return absl::OkStatus();
  std::string what = model::ProductName(product.key());
  if (allowed.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        Who(p), " may not ", action, " ", what, ": only platform admins may"));
  }
  return absl::PermissionDeniedError(absl::StrCat(
      Who(p), " may not ", action, " ", what,
      ": it needs membership in one of ", TeamList(allowed),
      " (the product's owner team or the owners of its domains) or the "
      "platform-admin role"));
}

absl::Status Authorizer::CheckTeamWrite(const model::Principal& p,
                                        const model::Team& team,
                                        absl::string_view action) const {
  if (!p.id.empty() && p.platform_admin) return absl::OkStatus();
  if (!p.id.empty()) {
    for (const auto& m : team.members) {
      if (m == p.id) return absl::OkStatus();
    }
    // Teams resolved at authentication time count too (the member list in
    // `team` may be the new one of an update).
    if (p.IsMemberOf(team.id)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat(Who(p), " may not ", action, " ", model::TeamName(team.id),
                   ": only its members or platform admins may"));
}

}  // namespace meshplane::auth
