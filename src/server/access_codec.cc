#include "server/access_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/common_codec.h"
#include "server/policy_codec.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::server {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

template <typename T>
absl::StatusOr<T> WithField(absl::string_view field, absl::StatusOr<T> r) {
  if (r.ok()) return r;
  return AsFieldViolation(field, r.status());
}

// Fields of a stored decision, read leniently: a field of the wrong kind
// reads as its zero value, as a proto3 field would.
std::string StringField(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

int64_t IntField(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end() || !it->second.has_number_value()) return 0;
  return static_cast<int64_t>(it->second.number_value());
}

bool BoolField(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it != s.fields().end() && it->second.has_bool_value() &&
         it->second.bool_value();
}

// The objects of the list `key` ({} when absent); INVALID_ARGUMENT when an
// element is not an object.
absl::StatusOr<std::vector<const Struct*>> ObjectList(const Struct& s,
                                                      const std::string& key) {
  std::vector<const Struct*> out;
  auto it = s.fields().find(key);
  if (it == s.fields().end()) return out;
  if (!it->second.has_list_value()) {
    return absl::InvalidArgumentError(absl::StrCat(key, " is not a list"));
  }
  for (const Value& v : it->second.list_value().values()) {
    if (!v.has_struct_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, " holds something other than objects"));
    }
    out.push_back(&v.struct_value());
  }
  return out;
}

v1::DecisionOutcome ParseOutcome(const std::string& outcome) {
  if (outcome == "ALLOW") return v1::DECISION_OUTCOME_ALLOW;
  if (outcome == "DENY") return v1::DECISION_OUTCOME_DENY;
  if (outcome == "REQUIRE_APPROVAL") {
    return v1::DECISION_OUTCOME_REQUIRE_APPROVAL;
  }
  return v1::DECISION_OUTCOME_UNSPECIFIED;
}

}  // namespace

absl::StatusOr<std::string> AccessRequestIdFromName(absl::string_view field,
                                                    absl::string_view name) {
  return WithField(field, model::ParseAccessRequestName(field, name));
}

absl::StatusOr<std::string> GrantIdFromName(absl::string_view field,
                                            absl::string_view name) {
  return WithField(field, model::ParseGrantName(field, name));
}

v1::AccessRequestState EncodeAccessRequestState(model::AccessRequestState s) {
  switch (s) {
    case model::AccessRequestState::kPending:
      return v1::ACCESS_REQUEST_STATE_PENDING;
    case model::AccessRequestState::kApproved:
      return v1::ACCESS_REQUEST_STATE_APPROVED;
    case model::AccessRequestState::kDenied:
      return v1::ACCESS_REQUEST_STATE_DENIED;
    case model::AccessRequestState::kWithdrawn:
      return v1::ACCESS_REQUEST_STATE_WITHDRAWN;
    case model::AccessRequestState::kExpired:
      return v1::ACCESS_REQUEST_STATE_EXPIRED;
  }
  return v1::ACCESS_REQUEST_STATE_UNSPECIFIED;
}

v1::GrantState EncodeGrantState(model::GrantState s) {
  switch (s) {
    case model::GrantState::kActive:
      return v1::GRANT_STATE_ACTIVE;
    case model::GrantState::kExpired:
      return v1::GRANT_STATE_EXPIRED;
    case model::GrantState::kRevoked:
      return v1::GRANT_STATE_REVOKED;
  }
  return v1::GRANT_STATE_UNSPECIFIED;
}

absl::StatusOr<v1::Decision> DecisionFromJson(absl::string_view json,
                                              absl::Time decide_time) {
  v1::Decision out;
  if (json.empty()) return out;
  Struct doc;
  MP_RETURN_IF_ERROR(JsonToStruct(json, &doc));
  out.set_outcome(ParseOutcome(StringField(doc, "outcome")));
  MP_ASSIGN_OR_RETURN(auto violations, ObjectList(doc, "violations"));
  for (const Struct* v : violations) {
    v1::PolicyViolation* pv = out.add_violations();
    pv->set_policy(StringField(*v, "policy"));
    pv->set_scope(StringField(*v, "scope"));
    pv->set_effect(StringField(*v, "effect"));
    pv->set_enforcement(StringField(*v, "enforcement"));
    pv->set_message(StringField(*v, "message"));
    pv->set_revision(IntField(*v, "revision"));
    pv->set_evaluation_error(BoolField(*v, "evaluation_error"));
  }
  MP_ASSIGN_OR_RETURN(auto evaluated, ObjectList(doc, "evaluated"));
  for (const Struct* e : evaluated) {
    v1::EvaluatedPolicy* ep = out.add_evaluated();
    ep->set_policy(StringField(*e, "policy"));
    ep->set_revision(IntField(*e, "revision"));
    ep->set_violated(BoolField(*e, "violated"));
    ep->set_waiver(StringField(*e, "waiver"));
    ep->set_error(StringField(*e, "error"));
  }
  EncodeTime(decide_time, out.mutable_decide_time());
  return out;
}

absl::StatusOr<v1::AccessRequest> EncodeAccessRequest(
    const model::AccessRequest& r) {
  v1::AccessRequest out;
  out.set_name(model::AccessRequestName(r.id));
  out.set_uid(r.uid);
  out.set_output_port(model::OutputPortName(r.port));
  out.set_consumer(r.consumer);
  out.set_requester(r.requester);
  for (const auto& a : r.actions) out.add_actions(a);
  out.set_purpose(r.purpose);
  EncodeDuration(r.duration, out.mutable_duration());
  out.set_state(EncodeAccessRequestState(r.state));
  if (!r.decision_json.empty()) {
    // The decision was made when the request was filed.
    auto decision = DecisionFromJson(r.decision_json, r.create_time);
    if (!decision.ok()) {
      return absl::InternalError(
          absl::StrCat(model::AccessRequestName(r.id),
                       ": stored decision: ", decision.status().message()));
    }
    *out.mutable_decision() = *std::move(decision);
  }
  if (!r.grant_id.empty()) out.set_grant(model::GrantName(r.grant_id));
  out.set_reviewer(r.reviewer);
  out.set_review_comment(r.review_comment);
  EncodeTime(r.create_time, out.mutable_create_time());
  EncodeTime(r.update_time, out.mutable_update_time());
  EncodeTime(r.expire_time, out.mutable_expire_time());
  if (r.create_time == absl::InfinitePast()) out.clear_create_time();
  if (r.update_time == absl::InfinitePast()) out.clear_update_time();
  // Only a PENDING request expires; the time stays as a record of the
  // deadline it had.
  if (r.expire_time == absl::InfiniteFuture()) out.clear_expire_time();
  if (r.revision > 0) out.set_etag(model::Etag(r.revision));
  return out;
}

v1::Grant EncodeGrant(const model::Grant& g, absl::Time now) {
  v1::Grant out;
  out.set_name(model::GrantName(g.id));
  out.set_uid(g.uid);
  out.set_output_port(model::OutputPortName(g.port));
  out.set_consumer(g.consumer);
  for (const auto& a : g.actions) out.add_actions(a);
  out.set_purpose(g.purpose);
  if (!g.access_request_id.empty()) {
    out.set_access_request(model::AccessRequestName(g.access_request_id));
  }
  out.set_granted_by(g.granted_by);
  out.set_state(EncodeGrantState(g.StateAt(now)));
  EncodeTime(g.create_time, out.mutable_create_time());
  EncodeTime(g.expire_time, out.mutable_expire_time());
  if (g.create_time == absl::InfinitePast()) out.clear_create_time();
  if (g.expire_time == absl::InfiniteFuture()) out.clear_expire_time();
  if (g.revoke_time) EncodeTime(*g.revoke_time, out.mutable_revoke_time());
  out.set_revoked_by(g.revoked_by);
  out.set_revoke_reason(g.revoke_reason);
  if (g.revision > 0) out.set_etag(model::Etag(g.revision));
  return out;
}

absl::StatusOr<model::AccessRequest> DecodeAccessRequest(
    const v1::AccessRequest& r, absl::string_view prefix) {
  Violations v;
  model::AccessRequest out;
  const std::string port_field = absl::StrCat(prefix, ".output_port");
  if (r.output_port().empty()) {
    v.Add(port_field,
          "is required: domains/{domain}/dataProducts/{data_product}/"
          "outputPorts/{output_port}");
  } else {
    auto port = model::ParseOutputPortName(port_field, r.output_port());
    v.AddStatus(port_field, port.status());
    if (port.ok()) out.port = *std::move(port);
  }
  out.consumer = r.consumer();
  out.actions.assign(r.actions().begin(), r.actions().end());
  out.purpose = r.purpose();
  if (r.has_duration()) {
    out.duration =
        DecodeDuration(r.duration(), absl::StrCat(prefix, ".duration"), v);
  }
  MP_RETURN_IF_ERROR(v.ToStatus());
  return out;
}

absl::StatusOr<core::AccessQuestion> DecodeCheck(
    const v1::CheckAccessRequest& r, absl::string_view prefix) {
  core::AccessQuestion q;
  q.principal = r.principal();
  q.port_name = r.output_port();
  q.action = r.action().empty() ? "read" : r.action();
  if (!r.attributes().fields().empty()) {
    std::string json;
    auto status =
        google::protobuf::util::MessageToJsonString(r.attributes(), &json);
    if (!status.ok()) {
      return InvalidArgumentWithFields(
          {{absl::StrCat(prefix, "attributes"),
            absl::StrCat("is not a JSON object: ", status.ToString())}});
    }
    q.attributes_json = std::move(json);
  }
  return q;
}

v1::CheckAccessResponse EncodeVerdict(const core::AccessVerdict& v) {
  v1::CheckAccessResponse out;
  out.set_allowed(v.allowed);
  if (!v.grant_id.empty()) out.set_grant(model::GrantName(v.grant_id));
  if (v.allowed && v.expire_time != absl::InfinitePast() &&
      v.expire_time != absl::InfiniteFuture()) {
    EncodeTime(v.expire_time, out.mutable_expire_time());
  }
  out.set_reason(v.reason);
  for (const auto& violation : v.violations) {
    EncodeViolation(violation, out.add_violations());
  }
  return out;
}

}  // namespace meshplane::server
