// InMemoryGovernance: policies, their history, and waivers.
#include <algorithm>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/memstore/repositories.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::testing::memstore_internal {

using model::Policy;
using model::Waiver;

namespace {

PolicyMapKey MapKey(const model::PolicyKey& k) { return {k.domain_id, k.id}; }
WaiverMapKey MapKey(const model::PolicyKey& k, absl::string_view id) {
  return {k.domain_id, k.id, std::string(id)};
}
std::string WaiverNameOf(const model::PolicyKey& policy, absl::string_view id) {
  Waiver w;
  w.policy = policy;
  w.id = std::string(id);
  return model::WaiverName(w);
}
// Cursors with spaces, as ProductCursor (a global policy's domain is "").
std::string PolicyCursor(const PolicyMapKey& k) {
  return absl::StrCat(k.first, " ", k.second);
}
std::string WaiverCursor(const WaiverMapKey& k) {
  return absl::StrCat(std::get<0>(k), " ", std::get<1>(k), " ", std::get<2>(k));
}

absl::Status CheckPolicyOwner(TxnState& txn, const Policy& p) {
  if (p.owner_team_id.empty()) return absl::OkStatus();
  txn.Read(TeamKey(p.owner_team_id));
  if (!txn.teams.Find(p.owner_team_id)) {
    return absl::NotFoundError(absl::StrCat("owner teams/", p.owner_team_id,
                                            " of ", model::PolicyName(p.key()),
                                            " not found"));
  }
  return absl::OkStatus();
}

// Writes the policy row and appends it to the history.
void PutPolicy(TxnState& txn, const Policy& policy, absl::string_view author) {
  Policy p = policy;
  p.create_time = Trunc(p.create_time);
  p.update_time = Trunc(p.update_time);
  PolicyMapKey key = MapKey(p.key());
  PutRow(txn, txn.policies, key, p, PolicyRowKey(key), kPoliciesTable);
  RevisionRow row;
  {
    absl::MutexLock lock(&txn.db.mu);
    row.sequence = txn.db.next_revision_sequence++;
  }
  row.key = key;
  row.revision.policy = p;
  row.revision.author = std::string(author);
  row.revision.create_time = p.update_time;
  txn.pending_revisions.push_back(std::move(row));
}

}  // namespace

absl::StatusOr<Policy> InMemoryGovernance::GetPolicy(
    const model::PolicyKey& key) {
  return GetRow(txn_, txn_.policies, MapKey(key), PolicyRowKey(MapKey(key)),
                model::PolicyName(key));
}

absl::Status InMemoryGovernance::InsertPolicy(const Policy& policy,
                                              absl::string_view author) {
  PolicyMapKey key = MapKey(policy.key());
  MP_RETURN_IF_ERROR(CheckInsert(txn_, txn_.policies, key, PolicyRowKey(key),
                                 model::PolicyName(policy.key())));
  if (!policy.domain_id.empty()) {
    txn_.Read(DomainKey(policy.domain_id));
    if (!txn_.domains.Find(policy.domain_id)) {
      return absl::NotFoundError(
          absl::StrCat("domains/", policy.domain_id, " of ",
                       model::PolicyName(policy.key()), " not found"));
    }
  }
  MP_RETURN_IF_ERROR(CheckPolicyOwner(txn_, policy));
  PutPolicy(txn_, policy, author);
  return absl::OkStatus();
}

absl::Status InMemoryGovernance::UpdatePolicy(const Policy& policy,
                                              int64_t expected_revision,
                                              absl::string_view author) {
  PolicyMapKey key = MapKey(policy.key());
  MP_RETURN_IF_ERROR(CheckUpdate(txn_, txn_.policies, key, PolicyRowKey(key),
                                 model::PolicyName(policy.key()),
                                 expected_revision)
                         .status());
  MP_RETURN_IF_ERROR(CheckPolicyOwner(txn_, policy));
  PutPolicy(txn_, policy, author);
  return absl::OkStatus();
}

absl::Status InMemoryGovernance::DeletePolicy(const model::PolicyKey& key) {
  MP_RETURN_IF_ERROR(CheckExists(txn_, txn_.policies, MapKey(key),
                                 PolicyRowKey(MapKey(key)),
                                 model::PolicyName(key))
                         .status());
  ErasePolicy(txn_, MapKey(key));
  return absl::OkStatus();
}

absl::StatusOr<store::Page<Policy>> InMemoryGovernance::ListPolicies(
    const store::PolicyFilter& f, const store::PageRequest& page) {
  return ListRows(
      txn_, txn_.policies, kPoliciesTable, page,
      [&](const PolicyMapKey&, const Policy& p) {
        if (f.any_domain ? p.domain_id.empty() : p.domain_id != f.domain_id) {
          return false;
        }
        if (!f.trigger.empty() &&
            std::find(p.triggers.begin(), p.triggers.end(), f.trigger) ==
                p.triggers.end()) {
          return false;
        }
        if (!f.effect.empty() && p.effect != f.effect) return false;
        if (!f.enforcement.empty() && p.enforcement != f.enforcement) {
          return false;
        }
        return f.owner_team_id.empty() || p.owner_team_id == f.owner_team_id;
      },
      PolicyCursor);
}

absl::StatusOr<std::vector<Policy>> InMemoryGovernance::AllPolicies() {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kPoliciesTable);
  std::vector<Policy> out;
  for (auto& [k, p] : txn_.policies.Merged()) out.push_back(p);
  return out;
}

absl::StatusOr<store::Page<model::PolicyRevision>>
InMemoryGovernance::ListPolicyRevisions(const model::PolicyKey& key,
                                        const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  int64_t before = std::numeric_limits<int64_t>::max();
  if (!page.after.empty() && !absl::SimpleAtoi(page.after, &before)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid page cursor \"", page.after, "\""));
  }
  std::vector<RevisionRow> rows;
  {
    absl::MutexLock lock(&txn_.db.mu);
    for (const auto& [v, r] : txn_.db.revisions) {
      if (v <= txn_.snapshot_version && r.key == MapKey(key)) rows.push_back(r);
    }
  }
  for (const auto& r : txn_.pending_revisions) {
    if (r.key == MapKey(key)) rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.sequence > b.sequence;
  });
  store::Page<model::PolicyRevision> out;
  int limit = std::max(1, page.limit);
  int64_t last_sequence = 0;
  for (const auto& r : rows) {
    if (r.sequence >= before) continue;
    if (static_cast<int>(out.items.size()) == limit) {
      out.next = absl::StrCat(last_sequence);
      break;
    }
    out.items.push_back(r.revision);
    last_sequence = r.sequence;
  }
  return out;
}

absl::Status InMemoryGovernance::InsertWaiver(const Waiver& waiver) {
  WaiverMapKey key = MapKey(waiver.policy, waiver.id);
  MP_RETURN_IF_ERROR(CheckInsert(txn_, txn_.waivers, key, WaiverRowKey(key),
                                 model::WaiverName(waiver)));
  txn_.Read(PolicyRowKey(MapKey(waiver.policy)));
  if (!txn_.policies.Find(MapKey(waiver.policy))) {
    return absl::NotFoundError(absl::StrCat(model::PolicyName(waiver.policy),
                                            " of ", model::WaiverName(waiver),
                                            " not found"));
  }
  Waiver w = waiver;
  w.expire_time = Trunc(w.expire_time);
  w.create_time = Trunc(w.create_time);
  PutRow(txn_, txn_.waivers, key, w, WaiverRowKey(key), kWaiversTable);
  return absl::OkStatus();
}

absl::StatusOr<Waiver> InMemoryGovernance::GetWaiver(
    const model::PolicyKey& policy, absl::string_view id) {
  WaiverMapKey key = MapKey(policy, id);
  return GetRow(txn_, txn_.waivers, key, WaiverRowKey(key),
                WaiverNameOf(policy, id));
}

absl::Status InMemoryGovernance::DeleteWaiver(const model::PolicyKey& policy,
                                              absl::string_view id) {
  WaiverMapKey key = MapKey(policy, id);
  MP_RETURN_IF_ERROR(CheckExists(txn_, txn_.waivers, key, WaiverRowKey(key),
                                 WaiverNameOf(policy, id))
                         .status());
  EraseRow(txn_, txn_.waivers, key, WaiverRowKey(key), kWaiversTable);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<Waiver>> InMemoryGovernance::ListWaivers(
    const store::WaiverFilter& f, const store::PageRequest& page) {
  return ListRows(
      txn_, txn_.waivers, kWaiversTable, page,
      [&](const WaiverMapKey&, const Waiver& w) {
        if (!f.all_policies && !(w.policy == f.policy)) return false;
        if (!f.resource.empty() && w.resource != f.resource) return false;
        return f.not_expired_at == absl::InfinitePast() ||
               w.expire_time > f.not_expired_at;
      },
      WaiverCursor);
}

}  // namespace meshplane::testing::memstore_internal
