#include "server/policy_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common_codec.h"
#include "server/domain_codec.h"
#include "server/team_codec.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::server {
namespace {

absl::Status BadName(absl::string_view field, absl::string_view name,
                     absl::string_view form) {
  return InvalidArgumentWithFields(
      {{std::string(field),
        absl::StrCat("\"", name, "\" is not of the form ", form,
                     " (ids: lowercase letters, digits, hyphens; 1-63 chars, "
                     "starting with a letter)")}});
}

constexpr char kPolicyForm[] =
    "policies/{policy} or domains/{domain}/policies/{policy}";

// Parses the policy part of `parts` starting at 0; returns the number of
// segments used (2 or 4), or 0.
size_t ParsePolicyParts(const std::vector<absl::string_view>& parts,
                        model::PolicyKey* key) {
  if (parts.size() >= 2 && parts[0] == "policies" &&
      model::IsValidId(parts[1])) {
    *key = {"", std::string(parts[1])};
    return 2;
  }
  if (parts.size() >= 4 && parts[0] == "domains" &&
      model::IsValidId(parts[1]) && parts[2] == "policies" &&
      model::IsValidId(parts[3])) {
    *key = {std::string(parts[1]), std::string(parts[3])};
    return 4;
  }
  return 0;
}

v1::PolicyEffect EncodeEffect(const std::string& e) {
  if (e == "DENY") return v1::POLICY_EFFECT_DENY;
  if (e == "WARN") return v1::POLICY_EFFECT_WARN;
  if (e == "REQUIRE_APPROVAL") return v1::POLICY_EFFECT_REQUIRE_APPROVAL;
  return v1::POLICY_EFFECT_UNSPECIFIED;
}

v1::PolicyEnforcement EncodeEnforcement(const std::string& e) {
  if (e == "DRY_RUN") return v1::POLICY_ENFORCEMENT_DRY_RUN;
  if (e == "ENFORCED") return v1::POLICY_ENFORCEMENT_ENFORCED;
  return v1::POLICY_ENFORCEMENT_UNSPECIFIED;
}

}  // namespace

absl::StatusOr<model::PolicyKey> PolicyKeyFromName(absl::string_view field,
                                                   absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  model::PolicyKey key;
  size_t used = ParsePolicyParts(parts, &key);
  if (used == 0 || used != parts.size())
    return BadName(field, name, kPolicyForm);
  return key;
}

absl::StatusOr<std::pair<model::PolicyKey, std::string>> WaiverKeyFromName(
    absl::string_view field, absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  model::PolicyKey key;
  size_t used = ParsePolicyParts(parts, &key);
  if (used == 0 || parts.size() != used + 2 || parts[used] != "waivers" ||
      !model::IsValidId(parts[used + 1])) {
    return BadName(field, name,
                   absl::StrCat("{", kPolicyForm, "}/waivers/{waiver}"));
  }
  return std::make_pair(key, std::string(parts[used + 1]));
}

absl::StatusOr<std::string> PolicyParent(absl::string_view field,
                                         absl::string_view parent) {
  if (parent.empty()) return std::string();
  if (parent == "domains/-") return std::string("-");
  return DomainIdFromName(field, parent);
}

v1::Policy EncodePolicy(const model::Policy& p) {
  v1::Policy out;
  out.set_name(model::PolicyName(p.key()));
  out.set_uid(p.uid);
  out.set_scope(p.domain_id.empty() ? "global"
                                    : model::DomainName(p.domain_id));
  out.set_display_name(p.display_name);
  out.set_description(p.description);
  for (const auto& t : p.triggers) out.add_triggers(t);
  out.set_condition(p.condition);
  out.set_effect(EncodeEffect(p.effect));
  out.set_enforcement(EncodeEnforcement(p.enforcement));
  out.set_message(p.message);
  out.set_message_expression(p.message_expression);
  for (const auto& [k, v] : p.labels) (*out.mutable_labels())[k] = v;
  if (!p.owner_team_id.empty()) out.set_owner(model::TeamName(p.owner_team_id));
  out.set_waivable(p.waivable);
  out.set_revision(p.revision);
  EncodeTime(p.create_time, out.mutable_create_time());
  EncodeTime(p.update_time, out.mutable_update_time());
  if (p.create_time == absl::InfinitePast()) out.clear_create_time();
  if (p.update_time == absl::InfinitePast()) out.clear_update_time();
  out.set_etag(model::Etag(p.revision));
  return out;
}

absl::StatusOr<model::Policy> DecodePolicy(const v1::Policy& p,
                                           absl::string_view field) {
  Violations v;
  model::Policy out;
  if (!p.name().empty()) {
    auto key = PolicyKeyFromName(absl::StrCat(field, ".name"), p.name());
    v.AddStatus(absl::StrCat(field, ".name"), key.status());
    if (key.ok()) {
      out.domain_id = key->domain_id;
      out.id = key->id;
    }
  }
  out.display_name = p.display_name();
  out.description = p.description();
  out.triggers.assign(p.triggers().begin(), p.triggers().end());
  out.condition = p.condition();
  switch (p.effect()) {
    case v1::POLICY_EFFECT_DENY:
      out.effect = "DENY";
      break;
    case v1::POLICY_EFFECT_WARN:
      out.effect = "WARN";
      break;
    case v1::POLICY_EFFECT_REQUIRE_APPROVAL:
      out.effect = "REQUIRE_APPROVAL";
      break;
    default:
      out.effect = "";
      v.Add(absl::StrCat(field, ".effect"),
            "is required: POLICY_EFFECT_DENY, POLICY_EFFECT_WARN or "
            "POLICY_EFFECT_REQUIRE_APPROVAL");
  }
  out.enforcement = p.enforcement() == v1::POLICY_ENFORCEMENT_DRY_RUN
                        ? "DRY_RUN"
                        : "ENFORCED";
  out.message = p.message();
  out.message_expression = p.message_expression();
  out.labels.insert(p.labels().begin(), p.labels().end());
  if (!p.owner().empty()) {
    auto team = TeamIdFromName(absl::StrCat(field, ".owner"), p.owner());
    v.AddStatus(absl::StrCat(field, ".owner"), team.status());
    if (team.ok()) out.owner_team_id = *team;
  }
  out.waivable = p.has_waivable() ? p.waivable() : true;
  MP_RETURN_IF_ERROR(v.ToStatus());
  return out;
}

v1::Waiver EncodeWaiver(const model::Waiver& w) {
  v1::Waiver out;
  out.set_name(model::WaiverName(w));
  out.set_uid(w.uid);
  out.set_resource(w.resource);
  out.set_reason(w.reason);
  EncodeTime(w.expire_time, out.mutable_expire_time());
  out.set_created_by(w.created_by);
  EncodeTime(w.create_time, out.mutable_create_time());
  if (w.create_time == absl::InfinitePast()) out.clear_create_time();
  out.set_policy_revision(w.policy_revision);
  return out;
}

void EncodeViolation(const PolicyViolationDetail& v, v1::PolicyViolation* out) {
  out->set_policy(v.policy);
  out->set_scope(v.scope);
  out->set_effect(v.effect);
  out->set_message(v.message);
  out->set_revision(v.revision);
  out->set_enforcement(v.enforcement);
  out->set_evaluation_error(v.evaluation_error);
}

v1::Decision EncodeDecision(const policy::Decision& d) {
  v1::Decision out;
  switch (d.outcome) {
    case policy::Outcome::kAllow:
      out.set_outcome(v1::DECISION_OUTCOME_ALLOW);
      break;
    case policy::Outcome::kDeny:
      out.set_outcome(v1::DECISION_OUTCOME_DENY);
      break;
    case policy::Outcome::kRequireApproval:
      out.set_outcome(v1::DECISION_OUTCOME_REQUIRE_APPROVAL);
      break;
  }
  for (const auto& v : core::Governance::Details(d.violations)) {
    EncodeViolation(v, out.add_violations());
  }
  for (const auto& e : d.evaluated) {
    v1::EvaluatedPolicy* ep = out.add_evaluated();
    ep->set_policy(e.policy);
    ep->set_revision(e.revision);
    ep->set_violated(e.violated);
    ep->set_waiver(e.waiver);
    ep->set_error(e.error);
  }
  EncodeTime(absl::Now(), out.mutable_decide_time());
  return out;
}

v1::SimulationResult EncodeSimulationResult(const core::SimulationResult& r) {
  v1::SimulationResult out;
  out.set_resource(r.resource);
  out.set_trigger(r.trigger);
  out.set_violated(r.violated);
  if (r.violation) EncodeViolation(*r.violation, out.mutable_violation());
  out.set_waiver(r.waiver);
  out.set_error(r.error);
  return out;
}

v1::SimulationSummary EncodeSimulationSummary(
    const core::SimulationSummary& s) {
  v1::SimulationSummary out;
  out.set_evaluated(s.evaluated);
  out.set_violated(s.violated);
  out.set_waived(s.waived);
  out.set_errors(s.errors);
  out.set_truncated(s.truncated);
  for (const auto& w : s.warnings) {
    v1::Warning* warning = out.add_warnings();
    warning->set_source("simulation");
    warning->set_message(w);
  }
  return out;
}

void AddWarnings(const core::RequestContext& ctx,
                 google::protobuf::RepeatedPtrField<v1::Warning>* out) {
  if (ctx.warnings == nullptr) return;
  for (const auto& w : *ctx.warnings) {
    v1::Warning* warning = out->Add();
    warning->set_source(w.policy);
    std::string prefix;
    if (w.enforcement == "DRY_RUN") {
      prefix = absl::StrCat("[dry run: would ", w.effect, "] ");
    }
    warning->set_message(absl::StrCat(prefix, w.message));
  }
}

}  // namespace meshplane::server
