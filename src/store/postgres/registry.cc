#include "store/postgres/registry.h"

#include <cstdint>
#include <optional>
#include <string>
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

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"

namespace meshplane::store::pg {

namespace {

model::Domain DomainFromRow(const pqxx::row& r) {
  model::Domain d;
  d.id = r[0].as<std::string>();
  d.uid = r[1].as<std::string>();
  d.display_name = r[2].as<std::string>();
  d.description = r[3].as<std::string>();
  d.parent_id = r[4].as<std::string>();
  d.owner_team_id = r[5].as<std::string>();
  d.labels = ParseLabels(r[6]);
  d.create_time = FromMicros(r[7].as<int64_t>());
  d.update_time = FromMicros(r[8].as<int64_t>());
  d.revision = r[9].as<int64_t>();
  return d;
}

model::Team TeamFromRow(const pqxx::row& r) {
  model::Team t;
  t.id = r[0].as<std::string>();
  t.uid = r[1].as<std::string>();
  t.display_name = r[2].as<std::string>();
  t.description = r[3].as<std::string>();
  t.members = ParseStrings(r[4]);
  t.create_time = FromMicros(r[5].as<int64_t>());
  t.update_time = FromMicros(r[6].as<int64_t>());
  t.revision = r[7].as<int64_t>();
  return t;
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
  ancestors_of_.reset();  // the chain read by GetDomain may change
  return ctx_.Run({"InsertDomain", DomainPhrase(d.id)}, [&]() -> absl::Status {
    pqxx::result r = ctx_.txn().exec_prepared(
        sql::kInsertDomain.name, d.id, d.uid, d.display_name, d.description,
        d.parent_id, d.owner_team_id, LabelsJson(d.labels),
        ToMicros(d.create_time), ToMicros(d.update_time), d.revision);
    if (!r.empty()) return absl::OkStatus();
    return DiagnoseDomain(d, std::nullopt);
  });
}

absl::Status PgRegistryRepository::UpdateDomain(const model::Domain& d,
                                                int64_t expected_revision) {
  ancestors_of_.reset();  // the chain read by GetDomain may change
  return ctx_.Run({"UpdateDomain", DomainPhrase(d.id)}, [&]() -> absl::Status {
    pqxx::result r = ctx_.txn().exec_prepared(
        sql::kUpdateDomain.name, d.id, d.uid, d.display_name, d.description,
        d.parent_id, d.owner_team_id, LabelsJson(d.labels),
        ToMicros(d.create_time), ToMicros(d.update_time), d.revision,
        expected_revision);
    if (!r.empty()) return absl::OkStatus();
    return DiagnoseDomain(d, expected_revision);
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
          return WithReason(
              absl::FailedPreconditionError(absl::StrCat(
                  "cannot delete ", DomainPhrase(id), ": it still has ",
                  subdomains, " subdomain(s) and ", products,
                  " data product(s); delete or move them first")),
              "HAS_CHILDREN");
        }
        pqxx::result r = ctx_.txn().exec_prepared(sql::kDeleteDomain.name, key);
        if (r.empty()) return NotFound(DomainPhrase(id));
        return absl::OkStatus();
      });
}

absl::StatusOr<Page<model::Domain>> PgRegistryRepository::ListDomains(
    const DomainFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  return ctx_.Run(
      {"ListDomains", ""}, [&]() -> absl::StatusOr<Page<model::Domain>> {
        pqxx::result r = ctx_.txn().exec_params(
            sql::kListDomains, filter.parent_id, filter.top_level_only,
            filter.owner_team_id, page.after, page.limit + 1);
        Page<model::Domain> out;
        for (const auto& row : r) {
          if (static_cast<int>(out.items.size()) == page.limit) {
            out.next = out.items.back().id;
            break;
          }
          out.items.push_back(DomainFromRow(row));
        }
        return out;
      });
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
  return ctx_.Run(
      {"CountSubdomains", DomainPhrase(id)}, [&]() -> absl::StatusOr<int64_t> {
        return ctx_.txn()
            .exec_prepared1(sql::kCountSubdomains.name, std::string(id))[0]
            .as<int64_t>();
      });
}

absl::StatusOr<int64_t> PgRegistryRepository::CountDataProducts(
    absl::string_view domain_id) {
  return ctx_.Run({"CountDataProducts", DomainPhrase(domain_id)},
                  [&]() -> absl::StatusOr<int64_t> {
                    return ctx_.txn()
                        .exec_prepared1(sql::kCountDataProducts.name,
                                        std::string(domain_id))[0]
                        .as<int64_t>();
                  });
}

absl::StatusOr<model::Team> PgRegistryRepository::GetTeam(
    absl::string_view id) {
  return ctx_.Run(
      {"GetTeam", TeamPhrase(id)}, [&]() -> absl::StatusOr<model::Team> {
        pqxx::result r =
            ctx_.txn().exec_prepared(sql::kGetTeam.name, std::string(id));
        if (r.empty()) return NotFound(TeamPhrase(id));
        return TeamFromRow(r[0]);
      });
}

absl::Status PgRegistryRepository::InsertTeam(const model::Team& t) {
  return ctx_.Run({"InsertTeam", TeamPhrase(t.id)}, [&]() -> absl::Status {
    pqxx::result r = ctx_.txn().exec_prepared(
        sql::kInsertTeam.name, t.id, t.uid, t.display_name, t.description,
        ToMicros(t.create_time), ToMicros(t.update_time), t.revision);
    if (r.empty()) {
      return absl::AlreadyExistsError(
          absl::StrCat(TeamPhrase(t.id), " already exists"));
    }
    ctx_.txn().exec_prepared(sql::kInsertMembers.name, t.id,
                             StringsJson(t.members));
    return absl::OkStatus();
  });
}

absl::Status PgRegistryRepository::UpdateTeam(const model::Team& t,
                                              int64_t expected_revision) {
  return ctx_.Run({"UpdateTeam", TeamPhrase(t.id)}, [&]() -> absl::Status {
    pqxx::result r = ctx_.txn().exec_prepared(
        sql::kUpdateTeam.name, t.id, t.uid, t.display_name, t.description,
        ToMicros(t.create_time), ToMicros(t.update_time), t.revision,
        expected_revision);
    if (r.empty()) {
      pqxx::result rev =
          ctx_.txn().exec_prepared(sql::kTeamRevision.name, t.id);
      if (rev.empty()) return NotFound(TeamPhrase(t.id));
      return EtagMismatch(TeamPhrase(t.id), rev[0][0].as<int64_t>(),
                          expected_revision);
    }
    const std::string members = StringsJson(t.members);
    ctx_.txn().exec_prepared(sql::kDeleteOtherMembers.name, t.id, members);
    ctx_.txn().exec_prepared(sql::kInsertMembers.name, t.id, members);
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
      return WithReason(
          absl::FailedPreconditionError(absl::StrCat(
              "cannot delete ", TeamPhrase(id), ": it still owns ", domains,
              " domain(s), ", products, " data product(s) and ", policies,
              " policy(ies), e.g. ", first, "; give them another owner first")),
          "HAS_CHILDREN");
    }
    pqxx::result r = ctx_.txn().exec_prepared(sql::kDeleteTeam.name, key);
    if (r.empty()) return NotFound(TeamPhrase(id));
    return absl::OkStatus();
  });
}

absl::StatusOr<Page<model::Team>> PgRegistryRepository::ListTeams(
    const TeamFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  return ctx_.Run(
      {"ListTeams", ""}, [&]() -> absl::StatusOr<Page<model::Team>> {
        pqxx::result r = ctx_.txn().exec_params(sql::kListTeams, filter.member,
                                                page.after, page.limit + 1);
        Page<model::Team> out;
        for (const auto& row : r) {
          if (static_cast<int>(out.items.size()) == page.limit) {
            out.next = out.items.back().id;
            break;
          }
          out.items.push_back(TeamFromRow(row));
        }
        return out;
      });
}

absl::StatusOr<std::vector<std::string>> PgRegistryRepository::TeamsOfPrincipal(
    absl::string_view principal) {
  return ctx_.Run({"TeamsOfPrincipal", ""},
                  [&]() -> absl::StatusOr<std::vector<std::string>> {
                    pqxx::result r = ctx_.txn().exec_prepared(
                        sql::kTeamsOfPrincipal.name, std::string(principal));
                    std::vector<std::string> out;
                    for (const auto& row : r)
                      out.push_back(row[0].as<std::string>());
                    return out;
                  });
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

}  // namespace meshplane::store::pg
