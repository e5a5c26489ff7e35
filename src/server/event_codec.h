// proto <-> model for the event service: audit records, events of the
// feed, webhooks and their deliveries (server/common_codec.h has the rules
// every codec follows). Pure and thread-safe.
#ifndef MESHPLANE_SERVER_EVENT_CODEC_H_
#define MESHPLANE_SERVER_EVENT_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/common_codec.h"

#include "meshplane/model/audit.h"
#include "meshplane/model/webhook.h"
#include "meshplane/v1/events.pb.h"

namespace meshplane::server {

// The webhook id of `name` ("webhooks/{webhook}"); INVALID_ARGUMENT with a
// field violation of `field` otherwise.
absl::StatusOr<std::string> WebhookIdFromName(absl::string_view field,
                                              absl::string_view name);

// The JSON images become Structs; a malformed image (a bug upstream) is
// INTERNAL.
absl::StatusOr<v1::AuditRecord> EncodeAuditRecord(const model::AuditRecord& r);
// An event of the feed; INTERNAL if its stored payload is not JSON.
absl::StatusOr<v1::Event> EncodeEvent(const model::Event& e);

// The API form of a webhook: never the secret; the delivery state as it
// stands.
v1::Webhook EncodeWebhook(const model::Webhook& w);
v1::WebhookDelivery EncodeDelivery(const model::WebhookDelivery& d);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_EVENT_CODEC_H_
