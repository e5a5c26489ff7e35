#include "store/postgres/access.h"

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
#include "store/postgres/access_sql.h"
#include "store/postgres/cursors.h"
#include "store/postgres/errors.h"
#include "store/postgres/rows.h"
#include <pqxx/pqxx>

#include "meshplane/common/status_macros.h"
#include "meshplane/model/access.h"

namespace meshplane::store::pg {

namespace {

model::OutputPortRef PortFromRow(const pqxx::row& r, int first) {
  return model::OutputPortRef{r[first].as<std::string>(),
                              r[first + 1].as<std::string>(),
                              r[first + 2].as<std::string>()};
}

model::AccessRequest AccessRequestFromRow(const pqxx::row& r) {
  model::AccessRequest a;
  a.id = r[0].as<std::string>();
  a.uid = r[1].as<std::string>();
  a.port = PortFromRow(r, 2);
  ReadColumns(r, 5, a.consumer, a.requester, a.actions, a.purpose, a.duration);
  // The CHECK constraint admits only the names ParseAccessRequestState knows.
  a.state = model::ParseAccessRequestState(r[10].as<std::string>())
                .value_or(model::AccessRequestState::kPending);
  ReadColumns(r, 11, a.decision_json, a.grant_id, a.reviewer, a.review_comment,
              a.create_time, a.update_time, a.expire_time, a.revision);
  return a;
}

model::Grant GrantFromRow(const pqxx::row& r) {
  model::Grant g;
  g.id = r[0].as<std::string>();
  g.uid = r[1].as<std::string>();
  g.port = PortFromRow(r, 2);
  ReadColumns(r, 5, g.consumer, g.actions, g.purpose, g.access_request_id,
              g.granted_by, g.create_time, g.expire_time, g.revoke_time,
              g.revoked_by, g.revoke_reason, g.revision);
  return g;
}

// The parameters of kInsertAccessRequest and kUpdateAccessRequest (then its
// expected revision).
auto AccessRequestParams(const model::AccessRequest& a) {
  return std::make_tuple(
      a.id, a.uid, a.port.domain_id, a.port.product_id, a.port.port_id,
      a.consumer, a.requester, StringsJson(a.actions), a.purpose,
      absl::ToInt64Microseconds(a.duration),
      std::string(model::AccessRequestStateName(a.state)), a.decision_json,
      a.grant_id, a.reviewer, a.review_comment, ToMicros(a.create_time),
      ToMicros(a.update_time), ToMicros(a.expire_time), a.revision);
}

// The parameters of kInsertGrant and kUpdateGrant (then its expected
// revision); `revoke` holds g.revoke_time and outlives the tuple.
auto GrantParams(const model::Grant& g, const OptionalMicros& revoke) {
  return std::make_tuple(
      g.id, g.uid, g.port.domain_id, g.port.product_id, g.port.port_id,
      g.consumer, StringsJson(g.actions), g.purpose, g.access_request_id,
      g.granted_by, ToMicros(g.create_time), ToMicros(g.expire_time),
      revoke.param(), g.revoked_by, g.revoke_reason, g.revision);
}

// The newest-first cursor of access requests and grants.
template <typename T>
std::string NewestFirstCursorOfItem(const T& last) {
  return NewestFirstCursorOf(last.create_time, last.id);
}

// The CheckAccess decisions of one AppendAccessDecisions, as the JSON array
// that kAppendAccessDecisions unpacks with json_to_recordset.
std::string DecisionsJson(const std::vector<model::AccessDecision>& decisions) {
  json out = json::array();
  for (const model::AccessDecision& d : decisions) {
    out.push_back({{"time_us", ToMicros(d.time)},
                   {"caller", d.caller},
                   {"principal", d.principal},
                   {"domain_id", d.port.domain_id},
                   {"product_id", d.port.product_id},
                   {"port_id", d.port.port_id},
                   {"action", d.action},
                   {"allowed", d.allowed},
                   {"grant_id", d.grant_id},
                   {"reason", d.reason},
                   {"decision_json", d.decision_json}});
  }
  return out.dump();
}

}  // namespace

absl::Status PgAccessRepository::InsertAccessRequest(
    const model::AccessRequest& a) {
  return WriteAccessRequest(a, std::nullopt);
}

absl::StatusOr<model::AccessRequest> PgAccessRepository::GetAccessRequest(
    absl::string_view id) {
  return GetRow({"GetAccessRequest", AccessRequestPhrase(id)},
                AccessRequestFromRow, sql::kGetAccessRequest, std::string(id));
}

absl::Status PgAccessRepository::UpdateAccessRequest(
    const model::AccessRequest& a, int64_t expected_revision) {
  return WriteAccessRequest(a, expected_revision);
}

absl::Status PgAccessRepository::WriteAccessRequest(
    const model::AccessRequest& a, std::optional<int64_t> expected) {
  return ctx_.Run(
      {expected ? "UpdateAccessRequest" : "InsertAccessRequest",
       AccessRequestPhrase(a.id)},
      [&]() -> absl::Status {
        if (InsertOrUpdate(sql::kInsertAccessRequest, sql::kUpdateAccessRequest,
                           AccessRequestParams(a), expected)) {
          return absl::OkStatus();
        }
        return DiagnoseAccessWrite(sql::kDiagnoseAccessRequest.name, a.id,
                                   a.port, AccessRequestPhrase(a.id), expected);
      });
}

absl::StatusOr<Page<model::AccessRequest>>
PgAccessRepository::ListAccessRequests(const AccessRequestFilter& filter,
                                       const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  MP_ASSIGN_OR_RETURN(NewestFirstCursor cursor,
                      ParseNewestFirstCursor(page.after));
  const std::string state =
      filter.state ? std::string(model::AccessRequestStateName(*filter.state))
                   : std::string();
  const model::OutputPortRef port =
      filter.port.value_or(model::OutputPortRef{});
  const model::ProductKey product =
      filter.product.value_or(model::ProductKey{});
  OptionalMicros after_time(cursor.create_time);
  return ListPage({"ListAccessRequests", ""}, page, AccessRequestFromRow,
                  NewestFirstCursorOfItem<model::AccessRequest>,
                  sql::kListAccessRequests, state, ToMicros(filter.now),
                  port.domain_id, port.product_id, port.port_id,
                  product.domain_id, product.product_id, filter.consumer,
                  filter.requester, after_time.param(), cursor.id);
}

absl::Status PgAccessRepository::InsertGrant(const model::Grant& g) {
  return WriteGrant(g, std::nullopt);
}

absl::StatusOr<model::Grant> PgAccessRepository::GetGrant(
    absl::string_view id) {
  return GetRow({"GetGrant", GrantPhrase(id)}, GrantFromRow, sql::kGetGrant,
                std::string(id));
}

absl::Status PgAccessRepository::UpdateGrant(const model::Grant& g,
                                             int64_t expected_revision) {
  return WriteGrant(g, expected_revision);
}

absl::Status PgAccessRepository::WriteGrant(const model::Grant& g,
                                            std::optional<int64_t> expected) {
  return ctx_.Run({expected ? "UpdateGrant" : "InsertGrant", GrantPhrase(g.id)},
                  [&]() -> absl::Status {
                    OptionalMicros revoke(g.revoke_time);
                    if (InsertOrUpdate(sql::kInsertGrant, sql::kUpdateGrant,
                                       GrantParams(g, revoke), expected)) {
                      return absl::OkStatus();
                    }
                    return DiagnoseAccessWrite(sql::kDiagnoseGrant.name, g.id,
                                               g.port, GrantPhrase(g.id),
                                               expected);
                  });
}

absl::StatusOr<Page<model::Grant>> PgAccessRepository::ListGrants(
    const GrantFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  MP_ASSIGN_OR_RETURN(NewestFirstCursor cursor,
                      ParseNewestFirstCursor(page.after));
  const model::OutputPortRef port =
      filter.port.value_or(model::OutputPortRef{});
  const model::ProductKey product =
      filter.product.value_or(model::ProductKey{});
  // Not ListPage: the JSON encoding of the consumers may throw (invalid
  // UTF-8), so it runs inside Run, whose error mapping handles that.
  return ctx_.Run({"ListGrants", ""},
                  [&]() -> absl::StatusOr<Page<model::Grant>> {
                    OptionalMicros after_time(cursor.create_time);
                    pqxx::result r = ctx_.txn().exec_params(
                        sql::kListGrants, port.domain_id, port.product_id,
                        port.port_id, product.domain_id, product.product_id,
                        StringsJson(filter.consumers), filter.active_only,
                        ToMicros(filter.now), after_time.param(), cursor.id,
                        page.limit + 1);
                    return KeysetPage(r, page.limit, GrantFromRow,
                                      NewestFirstCursorOfItem<model::Grant>);
                  });
}

absl::StatusOr<std::vector<model::Grant>> PgAccessRepository::ActiveGrants(
    absl::Time now, absl::string_view after, int limit) {
  if (limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("ActiveGrants limit must be at least 1, got ", limit));
  }
  return AllRows({"ActiveGrants", ""}, GrantFromRow, sql::kActiveGrants,
                 ToMicros(now), std::string(after), limit);
}

absl::Status PgAccessRepository::AppendAccessDecisions(
    const std::vector<model::AccessDecision>& decisions) {
  return ctx_.Run({"AppendAccessDecisions", ""}, [&]() -> absl::Status {
    if (decisions.empty()) return absl::OkStatus();
    ctx_.txn().exec_prepared(sql::kAppendAccessDecisions.name,
                             DecisionsJson(decisions));
    return absl::OkStatus();
  });
}

absl::Status PgAccessRepository::DiagnoseAccessWrite(
    const char* diagnose, const std::string& id,
    const model::OutputPortRef& port, const std::string& phrase,
    std::optional<int64_t> expected) {
  pqxx::row r = ctx_.txn().exec_prepared1(diagnose, id, port.domain_id,
                                          port.product_id, port.port_id);
  return DiagnoseWrite(r, phrase, expected, {{1, OutputPortPhrase(port)}});
}

}  // namespace meshplane::store::pg
