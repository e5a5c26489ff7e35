// The engine's view (policy/policy.h) of stored policies and waivers
// (model/policy.h), shared by governance and simulation.
#ifndef MESHPLANE_CORE_ENGINE_VIEW_H_
#define MESHPLANE_CORE_ENGINE_VIEW_H_

#include "meshplane/model/policy.h"
#include "meshplane/policy/policy.h"

namespace meshplane::core::internal {

// An unknown effect or enforcement (the store only holds checked ones)
// becomes DENY / ENFORCED: fail closed.
inline policy::Policy ToEngine(const model::Policy& p) {
  policy::Policy e;
  e.name = model::PolicyName(p.key());
  e.domain_id = p.domain_id;
  e.triggers = p.triggers;
  e.condition = p.condition;
  e.effect = policy::ParseEffect(p.effect).value_or(policy::Effect::kDeny);
  e.enforcement = policy::ParseEnforcement(p.enforcement)
                      .value_or(policy::Enforcement::kEnforced);
  e.message = p.message;
  e.message_expression = p.message_expression;
  e.waivable = p.waivable;
  e.revision = p.revision;
  return e;
}

inline policy::Waiver ToEngine(const model::Waiver& w) {
  policy::Waiver e;
  e.name = model::WaiverName(w);
  e.policy = model::PolicyName(w.policy);
  e.resource = w.resource;
  e.expire_time = w.expire_time;
  return e;
}

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_ENGINE_VIEW_H_
