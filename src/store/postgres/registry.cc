#include "store/postgres/registry.h"

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/cursors.h"
#include "store/postgres/errors.h"
#include "store/postgres/registry_sql.h"
#include "store/postgres/rows.h"
#include <pqxx/pqxx>

#include "meshplane/common/status_macros.h"

namespace meshplane::store::pg {

namespace {

model::Domain DomainFromRow(const pqxx::row& r) {
  model::Domain d;
  ReadColumns(r, 0, d.id, d.uid, d.display_name, d.description, d.parent_id,
              d.owner_team_id, d.labels, d.create_time, d.update_time,
              d.revision);
  return d;
}

model::Team TeamFromRow(const pqxx::row& r) {
  model::Team t;
  ReadColumns(r, 0, t.id, t.uid, t.display_name, t.description, t.members,
              t.create_time, t.update_time, t.revision);
  return t;
}

// The parameters of kInsertDomain and kUpdateDomain (then its expected
// revision).
auto DomainParams(const model::Domain& d) {
  return std::make_tuple(d.id, d.uid, d.display_name, d.description,
                         d.parent_id, d.owner_team_id, LabelsJson(d.labels),
                         ToMicros(d.create_time), ToMicros(d.update_time),
                         d.revision);
}

// The parameters of kInsertTeam and kUpdateTeam (then its expected
// revision).
auto TeamParams(const model::Team& t) {
  return std::make_tuple(t.id, t.uid, t.display_name, t.description,
                         ToMicros(t.create_time), ToMicros(t.update_time),
                         t.revision);
}

}  // namespace

// In a write, the domain comes with its ancestors (kDomainAncestors, whose
// first row is the domain): writes under a domain read its chain next
// (policies, authorization), and get it from here without a round trip.
absl::StatusOr<model::Domain> PgRegistryRepository::GetDomain(
    absl::string_view id) {
  return ctx_.Run(
      {"GetDomain", DomainPhrase(id)}, [&]() -> absl::StatusOr<model::Domain> {
        if (!IsWriteMode(ctx_.mode())) {
          pqxx::result r =
              ctx_.txn().exec_prepared(sql::kGetDomain.name, std::string(id));
          if (r.empty()) return NotFound(DomainPhrase(id));
          return DomainFromRow(r[0]);
        }
        pqxx::result r = ctx_.txn().exec_prepared(sql::kDomainAncestors.name,
                                                  std::string(id));
        if (r.empty()) return NotFound(DomainPhrase(id));
        ancestors_of_ = std::string(id);
        ancestors_.clear();
        for (size_t i = 1; i < r.size(); ++i) {
          ancestors_.push_back(DomainFromRow(r[i]));
        }
        return DomainFromRow(r[0]);
      });
}

absl::Status PgRegistryRepository::InsertDomain(const model::Domain& d) {
  return WriteDomain(d, std::nullopt);
}

absl::Status PgRegistryRepository::UpdateDomain(const model::Domain& d,
                                                int64_t expected_revision) {
  return WriteDomain(d, expected_revision);
}

absl::Status PgRegistryRepository::WriteDomain(
    const model::Domain& d, std::optional<int64_t> expected) {
  ancestors_of_.reset();  // the chain read by GetDomain may change
  return ctx_.Run(
      {expected ? "UpdateDomain" : "InsertDomain", DomainPhrase(d.id)},
      [&]() -> absl::Status {
        if (InsertOrUpdate(sql::kInsertDomain, sql::kUpdateDomain,
                           DomainParams(d), expected)) {
          return absl::OkStatus();
        }
        return DiagnoseDomain(d, expected);
      });
}

absl::Status PgRegistryRepository::DeleteDomain(absl::string_view id) {
  const std::string key(id);
  ancestors_of_.reset();  // the chain read by GetDomain may change
  return ctx_.Run(
      {"DeleteDomain", DomainPhrase(id), true}, [&]() -> absl::Status {
        pqxx::row c = ctx_.txn().exec_prepared1(sql::kDomainChildren.name, key);
        int64_t subdomains = c[0].as<int64_t>();
        int64_t products = c[1].as<int64_t>();
        if (subdomains > 0 || products > 0) {
          return HasChildren(absl::StrCat(
              "cannot delete ", DomainPhrase(id), ": it still has ", subdomains,
              " subdomain(s) and ", products,
              " data product(s); delete or move them first"));
        }
        pqxx::result r = ctx_.txn().exec_prepared(sql::kDeleteDomain.name, key);
        if (r.empty()) return NotFound(DomainPhrase(id));
        return absl::OkStatus();
      });
}

absl::StatusOr<Page<model::Domain>> PgRegistryRepository::ListDomains(
    const DomainFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  return ListPage(
      {"ListDomains", ""}, page, DomainFromRow,
      [](const model::Domain& last) { return last.id; }, sql::kListDomains,
      filter.parent_id, filter.top_level_only, filter.owner_team_id,
      page.after);
}

absl::StatusOr<std::vector<model::Domain>>
PgRegistryRepository::DomainAncestors(absl::string_view id) {
  return ctx_.Run({"DomainAncestors", DomainPhrase(id)},
                  [&]() -> absl::StatusOr<std::vector<model::Domain>> {
                    if (ancestors_of_.has_value() && *ancestors_of_ == id) {
                      return ancestors_;
                    }
                    pqxx::result r = ctx_.txn().exec_prepared(
                        sql::kDomainAncestors.name, std::string(id));
                    if (r.empty()) return NotFound(DomainPhrase(id));
                    std::vector<model::Domain> out;
                    for (size_t i = 1; i < r.size(); ++i) {
                      out.push_back(DomainFromRow(r[i]));
                    }
                    return out;
                  });
}

absl::StatusOr<int64_t> PgRegistryRepository::CountSubdomains(
    absl::string_view id) {
  return Scalar<int64_t>({"CountSubdomains", DomainPhrase(id)},
                         sql::kCountSubdomains, std::string(id));
}

absl::StatusOr<int64_t> PgRegistryRepository::CountDataProducts(
    absl::string_view domain_id) {
  return Scalar<int64_t>({"CountDataProducts", DomainPhrase(domain_id)},
                         sql::kCountDataProducts, std::string(domain_id));
}

absl::StatusOr<model::Team> PgRegistryRepository::GetTeam(
    absl::string_view id) {
  return GetRow({"GetTeam", TeamPhrase(id)}, TeamFromRow, sql::kGetTeam,
                std::string(id));
}

absl::Status PgRegistryRepository::InsertTeam(const model::Team& t) {
  return WriteTeam(t, std::nullopt);
}

absl::Status PgRegistryRepository::UpdateTeam(const model::Team& t,
                                              int64_t expected_revision) {
  return WriteTeam(t, expected_revision);
}

// The members follow the team's row: an update first drops those that left.
absl::Status PgRegistryRepository::WriteTeam(const model::Team& t,
                                             std::optional<int64_t> expected) {
  return ctx_.Run({expected ? "UpdateTeam" : "InsertTeam", TeamPhrase(t.id)},
                  [&]() -> absl::Status {
                    if (!InsertOrUpdate(sql::kInsertTeam, sql::kUpdateTeam,
                                        TeamParams(t), expected)) {
                      return DiagnoseTeam(t, expected);
                    }
                    const std::string members = StringsJson(t.members);
                    if (expected) {
                      ctx_.txn().exec_prepared(sql::kDeleteOtherMembers.name,
                                               t.id, members);
                    }
                    ctx_.txn().exec_prepared(sql::kInsertMembers.name, t.id,
                                             members);
                    return absl::OkStatus();
                  });
}

absl::Status PgRegistryRepository::DeleteTeam(absl::string_view id) {
  const std::string key(id);
  return ctx_.Run({"DeleteTeam", TeamPhrase(id), true}, [&]() -> absl::Status {
    pqxx::row o = ctx_.txn().exec_prepared1(sql::kTeamOwnerships.name, key);
    int64_t domains = o[1].as<int64_t>();
    int64_t products = o[3].as<int64_t>();
    int64_t policies = o[5].as<int64_t>();
    if (domains > 0 || products > 0 || policies > 0) {
      std::string first =
          domains > 0 ? DomainPhrase(o[0].as<std::string>())
          : products > 0
              ? absl::StrCat("data product ", Quoted(o[2].as<std::string>()))
              : absl::StrCat("policy ", Quoted(o[4].as<std::string>()));
      return HasChildren(absl::StrCat(
          "cannot delete ", TeamPhrase(id), ": it still owns ", domains,
          " domain(s), ", products, " data product(s) and ", policies,
          " policy(ies), e.g. ", first, "; give them another owner first"));
    }
    pqxx::result r = ctx_.txn().exec_prepared(sql::kDeleteTeam.name, key);
    if (r.empty()) return NotFound(TeamPhrase(id));
    return absl::OkStatus();
  });
}

absl::StatusOr<Page<model::Team>> PgRegistryRepository::ListTeams(
    const TeamFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  return ListPage(
      {"ListTeams", ""}, page, TeamFromRow,
      [](const model::Team& last) { return last.id; }, sql::kListTeams,
      filter.member, page.after);
}

absl::StatusOr<std::vector<std::string>> PgRegistryRepository::TeamsOfPrincipal(
    absl::string_view principal) {
  return AllRows(
      {"TeamsOfPrincipal", ""},
      [](const pqxx::row& row) { return row[0].as<std::string>(); },
      sql::kTeamsOfPrincipal, std::string(principal));
}

absl::Status PgRegistryRepository::DiagnoseDomain(
    const model::Domain& d, std::optional<int64_t> expected) {
  pqxx::row r = ctx_.txn().exec_prepared1(sql::kDiagnoseDomain.name, d.id,
                                          d.owner_team_id, d.parent_id);
  return DiagnoseWrite(
      r, DomainPhrase(d.id), expected,
      {{1, absl::StrCat("owner ", TeamPhrase(d.owner_team_id))},
       {2, absl::StrCat("parent ", DomainPhrase(d.parent_id))}});
}

// Teams refer to nothing, so only the row itself can stop the write.
absl::Status PgRegistryRepository::DiagnoseTeam(
    const model::Team& t, std::optional<int64_t> expected) {
  if (!expected) {
    return absl::AlreadyExistsError(
        absl::StrCat(TeamPhrase(t.id), " already exists"));
  }
  pqxx::result rev = ctx_.txn().exec_prepared(sql::kTeamRevision.name, t.id);
  if (rev.empty()) return NotFound(TeamPhrase(t.id));
  return EtagMismatch(TeamPhrase(t.id), rev[0][0].as<int64_t>(), *expected);
}

}  // namespace meshplane::store::pg
