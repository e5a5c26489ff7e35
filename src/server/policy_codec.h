// proto <-> core for governance: policies, waivers, decisions, warnings.
#ifndef MESHPLANE_SERVER_POLICY_CODEC_H_
#define MESHPLANE_SERVER_POLICY_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"

#include "meshplane/common/errors.h"
#include "meshplane/core/context.h"
#include "meshplane/core/governance.h"
#include "meshplane/model/policy.h"
#include "meshplane/model/update_fields.h"
#include "meshplane/policy/engine.h"
#include "meshplane/v1/common.pb.h"
#include "meshplane/v1/policy.pb.h"

namespace meshplane::server {

// `policies/{id}` or `domains/{d}/policies/{id}`; INVALID_ARGUMENT naming
// `field` otherwise.
absl::StatusOr<model::PolicyKey> PolicyKeyFromName(absl::string_view field,
                                                   absl::string_view name);
// `{policy}/waivers/{id}`.
absl::StatusOr<std::pair<model::PolicyKey, std::string>> WaiverKeyFromName(
    absl::string_view field, absl::string_view name);
// "" -> global (""), `domains/{d}` -> "d".
absl::StatusOr<std::string> PolicyParent(absl::string_view field,
                                         absl::string_view parent);

v1::Policy EncodePolicy(const model::Policy& p);
// Decodes the client-settable fields (under `field`, e.g. "policy"); the
// key comes from the caller.
absl::StatusOr<model::Policy> DecodePolicy(const v1::Policy& p,
                                           absl::string_view field);
// The updatable fields (model/update_fields.h, shared with core).
using model::PolicyUpdatableFields;

v1::Waiver EncodeWaiver(const model::Waiver& w);
v1::Decision EncodeDecision(const policy::Decision& d);
void EncodeViolation(const PolicyViolationDetail& v, v1::PolicyViolation* out);
v1::SimulationResult EncodeSimulationResult(const core::SimulationResult& r);
v1::SimulationSummary EncodeSimulationSummary(const core::SimulationSummary& s);

// Copies the policy warnings a governed write left in ctx into a
// response's `warnings`.
void AddWarnings(const core::RequestContext& ctx,
                 google::protobuf::RepeatedPtrField<v1::Warning>* out);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_POLICY_CODEC_H_
