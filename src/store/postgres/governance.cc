#include "store/postgres/governance.h"

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
#include "store/postgres/governance_sql.h"
#include "store/postgres/rows.h"
#include <pqxx/pqxx>

#include "meshplane/common/status_macros.h"
#include "meshplane/model/json.h"

namespace meshplane::store::pg {

namespace {

model::Policy PolicyFromRow(const pqxx::row& r) {
  model::Policy p;
  ReadColumns(r, 0, p.domain_id, p.id, p.uid, p.display_name, p.description,
              p.triggers, p.condition, p.effect, p.enforcement, p.message,
              p.message_expression, p.labels, p.owner_team_id, p.waivable,
              p.create_time, p.update_time, p.revision);
  return p;
}

model::Waiver WaiverFromRow(const pqxx::row& r) {
  model::Waiver w;
  ReadColumns(r, 0, w.policy.domain_id, w.policy.id, w.id, w.uid, w.resource,
              w.reason, w.expire_time, w.created_by, w.create_time,
              w.policy_revision);
  return w;
}

// The parameters of kInsertPolicy and kUpdatePolicy (then its expected
// revision).
auto PolicyParams(const model::Policy& p) {
  return std::make_tuple(
      p.domain_id, p.id, p.uid, p.display_name, p.description,
      StringsJson(p.triggers), p.condition, p.effect, p.enforcement, p.message,
      p.message_expression, LabelsJson(p.labels), p.owner_team_id, p.waivable,
      ToMicros(p.create_time), ToMicros(p.update_time), p.revision);
}

}  // namespace

absl::StatusOr<model::Policy> PgGovernanceRepository::GetPolicy(
    const model::PolicyKey& key) {
  return GetRow({"GetPolicy", PolicyPhrase(key)}, PolicyFromRow,
                sql::kGetPolicy, key.domain_id, key.id);
}

absl::Status PgGovernanceRepository::InsertPolicy(const model::Policy& p,
                                                  absl::string_view author) {
  return WritePolicy(p, std::nullopt, author);
}

absl::Status PgGovernanceRepository::UpdatePolicy(const model::Policy& p,
                                                  int64_t expected_revision,
                                                  absl::string_view author) {
  return WritePolicy(p, expected_revision, author);
}

absl::Status PgGovernanceRepository::WritePolicy(
    const model::Policy& p, std::optional<int64_t> expected,
    absl::string_view author) {
  return ctx_.Run(
      {expected ? "UpdatePolicy" : "InsertPolicy", PolicyPhrase(p.key())},
      [&]() -> absl::Status {
        if (!InsertOrUpdate(sql::kInsertPolicy, sql::kUpdatePolicy,
                            PolicyParams(p), expected)) {
          return DiagnosePolicy(p, expected);
        }
        AppendPolicyRevision(p, author);
        return absl::OkStatus();
      });
}

absl::Status PgGovernanceRepository::DeletePolicy(const model::PolicyKey& key) {
  return ChangeRow({"DeletePolicy", PolicyPhrase(key), true},
                   sql::kDeletePolicy, key.domain_id, key.id);
}

absl::StatusOr<Page<model::Policy>> PgGovernanceRepository::ListPolicies(
    const PolicyFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  MP_ASSIGN_OR_RETURN(auto cursor, ParsePolicyCursor(page.after));
  return ListPage(
      {"ListPolicies", ""}, page, PolicyFromRow,
      [](const model::Policy& last) {
        return absl::StrCat(last.domain_id, "/", last.id);
      },
      sql::kListPolicies, filter.domain_id, filter.any_domain, filter.trigger,
      filter.effect, filter.enforcement, filter.owner_team_id, cursor.first,
      cursor.second);
}

absl::StatusOr<std::vector<model::Policy>>
PgGovernanceRepository::AllPolicies() {
  return AllRows({"AllPolicies", ""}, PolicyFromRow, sql::kAllPolicies);
}

absl::StatusOr<Page<model::PolicyRevision>>
PgGovernanceRepository::ListPolicyRevisions(const model::PolicyKey& key,
                                            const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  MP_ASSIGN_OR_RETURN(int64_t before, ParseAuditCursor(page.after));
  return ctx_.Run({"ListPolicyRevisions", PolicyPhrase(key)},
                  [&]() -> absl::StatusOr<Page<model::PolicyRevision>> {
                    pqxx::result r = ctx_.txn().exec_prepared(
                        sql::kListPolicyRevisions.name, key.domain_id, key.id,
                        before, page.limit + 1);
                    Page<model::PolicyRevision> out;
                    int64_t last_sequence = 0;
                    for (const auto& row : r) {
                      if (static_cast<int>(out.items.size()) == page.limit) {
                        out.next = std::to_string(last_sequence);
                        break;
                      }
                      absl::StatusOr<model::Policy> policy =
                          model::PolicyFromJson(row[1].c_str());
                      if (!policy.ok()) {
                        return absl::InternalError(absl::StrCat(
                            "stored revision ", row[0].as<int64_t>(), " of ",
                            PolicyPhrase(key),
                            " cannot be read: ", policy.status().message()));
                      }
                      model::PolicyRevision rev;
                      rev.policy = *std::move(policy);
                      rev.author = row[2].as<std::string>();
                      rev.create_time = FromMicros(row[3].as<int64_t>());
                      last_sequence = row[0].as<int64_t>();
                      out.items.push_back(std::move(rev));
                    }
                    return out;
                  });
}

absl::Status PgGovernanceRepository::InsertWaiver(const model::Waiver& w) {
  return ctx_.Run(
      {"InsertWaiver", WaiverPhrase(w.policy, w.id)}, [&]() -> absl::Status {
        pqxx::result r = ctx_.txn().exec_prepared(
            sql::kInsertWaiver.name, w.policy.domain_id, w.policy.id, w.id,
            w.uid, w.resource, w.reason, ToMicros(w.expire_time), w.created_by,
            ToMicros(w.create_time), w.policy_revision);
        if (!r.empty()) return absl::OkStatus();
        pqxx::row d = ctx_.txn().exec_prepared1(
            sql::kDiagnoseWaiver.name, w.policy.domain_id, w.policy.id, w.id);
        if (d[0].as<bool>()) {
          return absl::AlreadyExistsError(
              absl::StrCat(WaiverPhrase(w.policy, w.id), " already exists"));
        }
        if (!d[1].as<bool>()) {
          return absl::NotFoundError(
              absl::StrCat(PolicyPhrase(w.policy), " of ",
                           WaiverPhrase(w.policy, w.id), " not found"));
        }
        return absl::InternalError(
            absl::StrCat("writing ", WaiverPhrase(w.policy, w.id),
                         " changed no row for no known reason"));
      });
}

absl::StatusOr<model::Waiver> PgGovernanceRepository::GetWaiver(
    const model::PolicyKey& policy, absl::string_view id) {
  return GetRow({"GetWaiver", WaiverPhrase(policy, id)}, WaiverFromRow,
                sql::kGetWaiver, policy.domain_id, policy.id, std::string(id));
}

absl::Status PgGovernanceRepository::DeleteWaiver(
    const model::PolicyKey& policy, absl::string_view id) {
  return ChangeRow({"DeleteWaiver", WaiverPhrase(policy, id), true},
                   sql::kDeleteWaiver, policy.domain_id, policy.id,
                   std::string(id));
}

absl::StatusOr<Page<model::Waiver>> PgGovernanceRepository::ListWaivers(
    const WaiverFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  MP_ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                      ParseWaiverCursor(page.after));
  OptionalMicros not_expired_at(
      filter.not_expired_at == absl::InfinitePast()
          ? std::nullopt
          : std::optional<absl::Time>(filter.not_expired_at));
  return ListPage(
      {"ListWaivers", ""}, page, WaiverFromRow,
      [](const model::Waiver& last) {
        return absl::StrCat(last.policy.domain_id, "/", last.policy.id, "/",
                            last.id);
      },
      sql::kListWaivers, filter.policy.domain_id, filter.policy.id,
      filter.all_policies, filter.resource, not_expired_at.param(), cursor[0],
      cursor[1], cursor[2]);
}

absl::Status PgGovernanceRepository::DiagnosePolicy(
    const model::Policy& p, std::optional<int64_t> expected) {
  pqxx::row r = ctx_.txn().exec_prepared1(sql::kDiagnosePolicy.name,
                                          p.domain_id, p.id, p.owner_team_id);
  return DiagnoseWrite(
      r, PolicyPhrase(p.key()), expected,
      {{1, DomainPhrase(p.domain_id), /*insert_only=*/true},
       {2, absl::StrCat("owner ", TeamPhrase(p.owner_team_id))}});
}

// The history row of `p` as just written; its time is the policy's
// update_time, so that the history agrees with the resource.
void PgGovernanceRepository::AppendPolicyRevision(const model::Policy& p,
                                                  absl::string_view author) {
  ctx_.txn().exec_prepared(sql::kInsertPolicyRevision.name, p.domain_id, p.id,
                           p.revision, model::ToJson(p), std::string(author),
                           ToMicros(p.update_time));
}

}  // namespace meshplane::store::pg
