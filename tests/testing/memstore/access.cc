// InMemoryAccess: access requests, grants and CheckAccess decisions.
#include "meshplane/model/access.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/memstore/repositories.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::testing::memstore_internal {

using model::ProductKey;

namespace {

// The port and product list filters. As the Postgres store's: a filter
// whose domain id is "" filters nothing.
bool MatchesPort(const model::OutputPortRef& port,
                 const std::optional<model::OutputPortRef>& by_port,
                 const std::optional<ProductKey>& by_product) {
  if (by_port && !by_port->domain_id.empty() && !(port == *by_port)) {
    return false;
  }
  if (by_product && !by_product->domain_id.empty() &&
      !(ProductKey{port.domain_id, port.product_id} == *by_product)) {
    return false;
  }
  return true;
}

void PutAccessRequest(TxnState& txn, const model::AccessRequest& request) {
  model::AccessRequest r = request;
  r.create_time = Trunc(r.create_time);
  r.update_time = Trunc(r.update_time);
  r.expire_time = Trunc(r.expire_time);
  r.duration = absl::Microseconds(absl::ToInt64Microseconds(r.duration));
  PutRow(txn, txn.access_requests, r.id, r, AccessRequestRowKey(r.id),
         kAccessRequestsTable);
}

void PutGrant(TxnState& txn, const model::Grant& grant) {
  model::Grant g = grant;
  g.create_time = Trunc(g.create_time);
  g.expire_time = Trunc(g.expire_time);
  g.revoke_time = Trunc(g.revoke_time);
  PutRow(txn, txn.grants, g.id, g, GrantRowKey(g.id), kGrantsTable);
}

}  // namespace

absl::Status InMemoryAccess::InsertAccessRequest(
    const model::AccessRequest& r) {
  const std::string name = model::AccessRequestName(r.id);
  MP_RETURN_IF_ERROR(CheckInsert(txn_, txn_.access_requests, r.id,
                                 AccessRequestRowKey(r.id), name));
  MP_RETURN_IF_ERROR(CheckPort(txn_, r.port, name));
  PutAccessRequest(txn_, r);
  return absl::OkStatus();
}

absl::StatusOr<model::AccessRequest> InMemoryAccess::GetAccessRequest(
    absl::string_view id) {
  return GetRow(txn_, txn_.access_requests, std::string(id),
                AccessRequestRowKey(id), model::AccessRequestName(id));
}

absl::Status InMemoryAccess::UpdateAccessRequest(const model::AccessRequest& r,
                                                 int64_t expected_revision) {
  const std::string name = model::AccessRequestName(r.id);
  MP_RETURN_IF_ERROR(CheckUpdate(txn_, txn_.access_requests, r.id,
                                 AccessRequestRowKey(r.id), name,
                                 expected_revision)
                         .status());
  MP_RETURN_IF_ERROR(CheckPort(txn_, r.port, name));
  PutAccessRequest(txn_, r);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<model::AccessRequest>>
InMemoryAccess::ListAccessRequests(const store::AccessRequestFilter& f,
                                   const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kAccessRequestsTable);
  std::vector<model::AccessRequest> items;
  for (const auto& [id, r] : txn_.access_requests.Merged()) {
    if (f.state && r.StateAt(f.now) != *f.state) continue;
    if (!MatchesPort(r.port, f.port, f.product)) continue;
    if (!f.consumer.empty() && r.consumer != f.consumer) continue;
    if (!f.requester.empty() && r.requester != f.requester) continue;
    items.push_back(r);
  }
  return PaginateNewestFirst(std::move(items), page);
}

absl::Status InMemoryAccess::InsertGrant(const model::Grant& g) {
  const std::string name = model::GrantName(g.id);
  MP_RETURN_IF_ERROR(
      CheckInsert(txn_, txn_.grants, g.id, GrantRowKey(g.id), name));
  MP_RETURN_IF_ERROR(CheckPort(txn_, g.port, name));
  PutGrant(txn_, g);
  return absl::OkStatus();
}

absl::StatusOr<model::Grant> InMemoryAccess::GetGrant(absl::string_view id) {
  return GetRow(txn_, txn_.grants, std::string(id), GrantRowKey(id),
                model::GrantName(id));
}

absl::Status InMemoryAccess::UpdateGrant(const model::Grant& g,
                                         int64_t expected_revision) {
  const std::string name = model::GrantName(g.id);
  MP_RETURN_IF_ERROR(CheckUpdate(txn_, txn_.grants, g.id, GrantRowKey(g.id),
                                 name, expected_revision)
                         .status());
  MP_RETURN_IF_ERROR(CheckPort(txn_, g.port, name));
  PutGrant(txn_, g);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<model::Grant>> InMemoryAccess::ListGrants(
    const store::GrantFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kGrantsTable);
  std::vector<model::Grant> items;
  for (const auto& [id, g] : txn_.grants.Merged()) {
    if (!MatchesPort(g.port, f.port, f.product)) continue;
    if (!f.consumers.empty() &&
        std::find(f.consumers.begin(), f.consumers.end(), g.consumer) ==
            f.consumers.end()) {
      continue;
    }
    if (f.active_only && !g.ActiveAt(f.now)) continue;
    items.push_back(g);
  }
  return PaginateNewestFirst(std::move(items), page);
}

absl::StatusOr<std::vector<model::Grant>> InMemoryAccess::ActiveGrants(
    absl::Time now, absl::string_view after, int limit) {
  MP_RETURN_IF_ERROR(txn_.Check());
  if (limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("ActiveGrants limit must be at least 1, got ", limit));
  }
  txn_.Read(kGrantsTable);
  std::vector<model::Grant> out;
  // The map's std::string order is bytewise, as the ids' COLLATE "C".
  for (const auto& [id, g] : txn_.grants.Merged()) {
    if (static_cast<int>(out.size()) == limit) break;
    if (id <= after || !g.ActiveAt(now)) continue;
    out.push_back(g);
  }
  return out;
}

absl::Status InMemoryAccess::AppendAccessDecisions(
    const std::vector<model::AccessDecision>& decisions) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  for (const model::AccessDecision& decision : decisions) {
    model::AccessDecision d = decision;
    d.time = Trunc(d.time);
    txn_.pending_decisions.push_back(std::move(d));
    txn_.wrote = true;
  }
  return absl::OkStatus();
}

}  // namespace meshplane::testing::memstore_internal
