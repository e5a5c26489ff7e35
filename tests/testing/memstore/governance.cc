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
  txn.policies.Put(key, p);
  txn.Write(PolicyRowKey(key), kPoliciesTable);
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
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(PolicyRowKey(MapKey(key)));
  const Policy* p = txn_.policies.Find(MapKey(key));
  if (!p) {
    return absl::NotFoundError(
        absl::StrCat(model::PolicyName(key), " not found"));
  }
  return *p;
}

absl::Status InMemoryGovernance::InsertPolicy(const Policy& policy,
                                              absl::string_view author) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  PolicyMapKey key = MapKey(policy.key());
  txn_.Read(PolicyRowKey(key));
  if (txn_.policies.Find(key)) {
    return absl::AlreadyExistsError(
        absl::StrCat(model::PolicyName(policy.key()), " already exists"));
  }
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
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  PolicyMapKey key = MapKey(policy.key());
  txn_.Read(PolicyRowKey(key));
  const Policy* cur = txn_.policies.Find(key);
  if (!cur) {
    return absl::NotFoundError(
        absl::StrCat(model::PolicyName(policy.key()), " not found"));
  }
  if (cur->revision != expected_revision) {
    return EtagMismatch(model::PolicyName(policy.key()));
  }
  MP_RETURN_IF_ERROR(CheckPolicyOwner(txn_, policy));
  PutPolicy(txn_, policy, author);
  return absl::OkStatus();
}

absl::Status InMemoryGovernance::DeletePolicy(const model::PolicyKey& key) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(PolicyRowKey(MapKey(key)));
  if (!txn_.policies.Find(MapKey(key))) {
    return absl::NotFoundError(
        absl::StrCat(model::PolicyName(key), " not found"));
  }
  ErasePolicy(txn_, MapKey(key));
  return absl::OkStatus();
}

absl::StatusOr<store::Page<Policy>> InMemoryGovernance::ListPolicies(
    const store::PolicyFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kPoliciesTable);
  std::vector<std::pair<PolicyMapKey, Policy>> items;
  for (auto& [k, p] : txn_.policies.Merged()) {
    if (f.any_domain ? p.domain_id.empty() : p.domain_id != f.domain_id) {
      continue;
    }
    if (!f.trigger.empty() && std::find(p.triggers.begin(), p.triggers.end(),
                                        f.trigger) == p.triggers.end()) {
      continue;
    }
    if (!f.effect.empty() && p.effect != f.effect) continue;
    if (!f.enforcement.empty() && p.enforcement != f.enforcement) continue;
    if (!f.owner_team_id.empty() && p.owner_team_id != f.owner_team_id) {
      continue;
    }
    items.emplace_back(k, p);
  }
  return Paginate<Policy>(items, page, PolicyCursor);
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
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  WaiverMapKey key = MapKey(waiver.policy, waiver.id);
  txn_.Read(WaiverRowKey(key));
  if (txn_.waivers.Find(key)) {
    return absl::AlreadyExistsError(
        absl::StrCat(model::WaiverName(waiver), " already exists"));
  }
  txn_.Read(PolicyRowKey(MapKey(waiver.policy)));
  if (!txn_.policies.Find(MapKey(waiver.policy))) {
    return absl::NotFoundError(absl::StrCat(model::PolicyName(waiver.policy),
                                            " of ", model::WaiverName(waiver),
                                            " not found"));
  }
  Waiver w = waiver;
  w.expire_time = Trunc(w.expire_time);
  w.create_time = Trunc(w.create_time);
  txn_.waivers.Put(key, w);
  txn_.Write(WaiverRowKey(key), kWaiversTable);
  return absl::OkStatus();
}

absl::StatusOr<Waiver> InMemoryGovernance::GetWaiver(
    const model::PolicyKey& policy, absl::string_view id) {
  MP_RETURN_IF_ERROR(txn_.Check());
  WaiverMapKey key = MapKey(policy, id);
  txn_.Read(WaiverRowKey(key));
  const Waiver* w = txn_.waivers.Find(key);
  if (!w) {
    return absl::NotFoundError(
        absl::StrCat(WaiverNameOf(policy, id), " not found"));
  }
  return *w;
}

absl::Status InMemoryGovernance::DeleteWaiver(const model::PolicyKey& policy,
                                              absl::string_view id) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  WaiverMapKey key = MapKey(policy, id);
  txn_.Read(WaiverRowKey(key));
  if (!txn_.waivers.Find(key)) {
    return absl::NotFoundError(
        absl::StrCat(WaiverNameOf(policy, id), " not found"));
  }
  txn_.waivers.Erase(key);
  txn_.Write(WaiverRowKey(key), kWaiversTable);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<Waiver>> InMemoryGovernance::ListWaivers(
    const store::WaiverFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kWaiversTable);
  std::vector<std::pair<WaiverMapKey, Waiver>> items;
  for (auto& [k, w] : txn_.waivers.Merged()) {
    if (!f.all_policies && !(w.policy == f.policy)) continue;
    if (!f.resource.empty() && w.resource != f.resource) continue;
    if (f.not_expired_at != absl::InfinitePast() &&
        !(w.expire_time > f.not_expired_at)) {
      continue;
    }
    items.emplace_back(k, w);
  }
  return Paginate<Waiver>(items, page, WaiverCursor);
}

}  // namespace meshplane::testing::memstore_internal
