// Field-by-field comparisons of model records, one EXPECT a field, so that a
// failure names the field that differs. Shared by the model's JSON tests and
// the repository contract suite, which both check that a record comes back
// as it went in.
#ifndef MESHPLANE_TESTS_TESTING_MODEL_EXPECT_SAME_H_
#define MESHPLANE_TESTS_TESTING_MODEL_EXPECT_SAME_H_

#include <cstddef>

#include "absl/strings/str_cat.h"
#include <gtest/gtest.h>

#include "meshplane/model/access.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/domain.h"
#include "meshplane/model/policy.h"
#include "meshplane/model/team.h"

namespace meshplane::testing {

inline void ExpectSameDomain(const model::Domain& a, const model::Domain& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.parent_id, b.parent_id);
  EXPECT_EQ(a.owner_team_id, b.owner_team_id);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSameTeam(const model::Team& a, const model::Team& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.members, b.members);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSameObjectives(const model::ServiceLevelObjectives& a,
                                 const model::ServiceLevelObjectives& b) {
  EXPECT_EQ(a.availability_percent, b.availability_percent);
  EXPECT_EQ(a.max_staleness, b.max_staleness);
  EXPECT_EQ(a.completeness_percent, b.completeness_percent);
  EXPECT_EQ(a.latency, b.latency);
}

inline void ExpectSameProduct(const model::DataProduct& a,
                              const model::DataProduct& b) {
  EXPECT_EQ(a.domain_id, b.domain_id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.owner_team_id, b.owner_team_id);
  EXPECT_EQ(a.lifecycle, b.lifecycle);
  EXPECT_EQ(a.tier, b.tier);
  EXPECT_EQ(a.classification, b.classification);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.sunset_time, b.sunset_time);
  EXPECT_EQ(a.archetype, b.archetype);
  EXPECT_EQ(a.odps_document, b.odps_document);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.revision, b.revision);
  ASSERT_EQ(a.output_ports.size(), b.output_ports.size()) << a.id;
  for (size_t i = 0; i < a.output_ports.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("output_ports[", i, "]"));
    const auto& x = a.output_ports[i];
    const auto& y = b.output_ports[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.display_name, y.display_name);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.server, y.server);
    EXPECT_EQ(x.location, y.location);
    EXPECT_EQ(x.description, y.description);
    EXPECT_EQ(x.contract_id, y.contract_id);
    EXPECT_EQ(x.deprecated, y.deprecated);
    ExpectSameObjectives(x.objectives, y.objectives);
  }
  ASSERT_EQ(a.input_ports.size(), b.input_ports.size()) << a.id;
  for (size_t i = 0; i < a.input_ports.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("input_ports[", i, "]"));
    EXPECT_EQ(a.input_ports[i].id, b.input_ports[i].id);
    EXPECT_EQ(a.input_ports[i].source, b.input_ports[i].source);
    EXPECT_EQ(a.input_ports[i].description, b.input_ports[i].description);
    EXPECT_EQ(a.input_ports[i].deprecated, b.input_ports[i].deprecated);
  }
}

inline void ExpectSameAccessRequest(const model::AccessRequest& a,
                                    const model::AccessRequest& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.port, b.port);
  EXPECT_EQ(a.consumer, b.consumer);
  EXPECT_EQ(a.requester, b.requester);
  EXPECT_EQ(a.actions, b.actions);
  EXPECT_EQ(a.purpose, b.purpose);
  EXPECT_EQ(a.duration, b.duration);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.decision_json, b.decision_json);
  EXPECT_EQ(a.grant_id, b.grant_id);
  EXPECT_EQ(a.reviewer, b.reviewer);
  EXPECT_EQ(a.review_comment, b.review_comment);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.expire_time, b.expire_time);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSameGrant(const model::Grant& a, const model::Grant& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.port, b.port);
  EXPECT_EQ(a.consumer, b.consumer);
  EXPECT_EQ(a.actions, b.actions);
  EXPECT_EQ(a.purpose, b.purpose);
  EXPECT_EQ(a.access_request_id, b.access_request_id);
  EXPECT_EQ(a.granted_by, b.granted_by);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.expire_time, b.expire_time);
  EXPECT_EQ(a.revoke_time, b.revoke_time);
  EXPECT_EQ(a.revoked_by, b.revoked_by);
  EXPECT_EQ(a.revoke_reason, b.revoke_reason);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSamePolicy(const model::Policy& a, const model::Policy& b) {
  EXPECT_EQ(a.domain_id, b.domain_id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.triggers, b.triggers);
  EXPECT_EQ(a.condition, b.condition);
  EXPECT_EQ(a.effect, b.effect);
  EXPECT_EQ(a.enforcement, b.enforcement);
  EXPECT_EQ(a.message, b.message);
  EXPECT_EQ(a.message_expression, b.message_expression);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.owner_team_id, b.owner_team_id);
  EXPECT_EQ(a.waivable, b.waivable);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSameWaiver(const model::Waiver& a, const model::Waiver& b) {
  EXPECT_EQ(a.policy, b.policy);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.resource, b.resource);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.expire_time, b.expire_time);
  EXPECT_EQ(a.created_by, b.created_by);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.policy_revision, b.policy_revision);
}

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_MODEL_EXPECT_SAME_H_
