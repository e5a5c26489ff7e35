#include "server/event_codec.h"

#include "absl/strings/str_cat.h"

#include "meshplane/model/resource_name.h"

namespace meshplane::server {

absl::StatusOr<std::string> WebhookIdFromName(absl::string_view field,
                                              absl::string_view name) {
  return codec_internal::WithField(field, model::ParseWebhookName(field, name));
}

using codec_internal::IsSet;

absl::StatusOr<v1::Event> EncodeEvent(const model::Event& e) {
  v1::Event out;
  out.set_sequence(e.sequence);
  if (IsSet(e.time)) EncodeTime(e.time, out.mutable_time());
  out.set_type(e.type);
  out.set_resource(e.resource);
  if (!e.domain_id.empty()) out.set_domain(model::DomainName(e.domain_id));
  if (!e.payload_json.empty()) {
    absl::Status s = JsonToStruct(e.payload_json, out.mutable_payload());
    if (!s.ok()) {
      return absl::InternalError(
          absl::StrCat("event ", e.sequence, " payload: ", s.message()));
    }
  }
  return out;
}

absl::StatusOr<v1::AuditRecord> EncodeAuditRecord(const model::AuditRecord& r) {
  v1::AuditRecord out;
  out.set_sequence(r.sequence);
  if (IsSet(r.time)) {
    EncodeTime(r.time, out.mutable_time());
  }
  out.set_principal(r.principal);
  out.set_method(r.method);
  out.set_resource(r.resource);
  out.set_request_id(r.request_id);
  struct Image {
    const std::string& json;
    google::protobuf::Struct* out;
    const char* what;
  };
  for (const Image& image :
       {Image{r.before_json, out.mutable_before(), "before"},
        Image{r.after_json, out.mutable_after(), "after"},
        Image{r.decision_json, out.mutable_decision(), "decision"}}) {
    absl::Status s = JsonToStruct(image.json, image.out);
    if (!s.ok()) {
      return absl::InternalError(absl::StrCat("audit record ", r.sequence, " ",
                                              image.what, ": ", s.message()));
    }
  }
  if (r.before_json.empty()) {
    out.clear_before();
  }
  if (r.after_json.empty()) {
    out.clear_after();
  }
  if (r.decision_json.empty()) {
    out.clear_decision();
  }
  out.set_outcome_code(r.outcome_code);
  out.set_outcome_message(r.outcome_message);
  out.set_validate_only(r.validate_only);
  out.set_transport(r.transport);
  return out;
}

// ------------------------------------------------------------ Webhooks

v1::Webhook EncodeWebhook(const model::Webhook& w) {
  v1::Webhook out;
  out.set_name(model::WebhookName(w.id));
  out.set_url(w.url);
  for (const auto& t : w.resource_types) out.add_resource_types(t);
  if (!w.domain_id.empty()) out.set_domain(model::DomainName(w.domain_id));
  out.set_include_subdomains(w.include_subdomains);
  out.set_delivered_sequence(w.delivered_sequence);
  out.set_creator(w.creator);
  EncodeTime(w.create_time, out.mutable_create_time());
  out.set_last_error(w.last_error);
  out.set_failing_attempts(w.failing_attempts);
  if (w.failing_attempts > 0) {
    EncodeTime(w.next_attempt_time, out.mutable_next_attempt_time());
  }
  return out;
}

v1::WebhookDelivery EncodeDelivery(const model::WebhookDelivery& d) {
  v1::WebhookDelivery out;
  out.set_event_sequence(d.event_sequence);
  out.set_event_type(d.event_type);
  out.set_attempt(d.attempt);
  EncodeTime(d.time, out.mutable_time());
  out.set_http_status(d.http_status);
  out.set_success(d.success);
  out.set_error(d.error);
  EncodeDuration(d.duration, out.mutable_duration());
  return out;
}

}  // namespace meshplane::server
