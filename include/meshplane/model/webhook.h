// Webhooks: subscriptions that POST the events of the feed to a URL, and
// the log of their delivery attempts.
#ifndef MESHPLANE_MODEL_WEBHOOK_H_
#define MESHPLANE_MODEL_WEBHOOK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace meshplane::model {

// A subscription. Immutable once created, except for its delivery state
// (the last four fields), which only the delivery worker writes.
struct Webhook {
  std::string id;   // webhooks/{id}
  std::string url;  // http:// or https://
  // Event filters, as in a Watch: type prefixes ("domain", ...; empty for
  // all) and a domain id ("" for all), with its subtree when
  // include_subdomains.
  std::vector<std::string> resource_types;
  std::string domain_id;
  bool include_subdomains = false;
  // The HMAC-SHA256 key of the signature header. Stored as given, because
  // signing needs it; never returned by the API nor put into JSON.
  std::string secret;
  std::string creator;
  absl::Time create_time = absl::InfinitePast();

  // Delivery state. Every event with sequence <= delivered_sequence was
  // delivered, or skipped as not matching.
  int64_t delivered_sequence = 0;
  // Consecutive failed attempts on the event after delivered_sequence, and
  // the last one's error; 0 and "" while deliveries succeed.
  int32_t failing_attempts = 0;
  std::string last_error;
  // The worker leaves the webhook alone until then (backoff).
  absl::Time next_attempt_time = absl::InfinitePast();
};

// One attempt to deliver one event.
struct WebhookDelivery {
  std::string webhook_id;
  int64_t event_sequence = 0;
  std::string event_type;
  int32_t attempt = 1;  // 1 for the first attempt at this event
  absl::Time time = absl::InfinitePast();
  int32_t http_status = 0;  // 0: no answer (connection error, timeout)
  bool success = false;     // a 2xx answer
  std::string error;        // for a failed attempt
  absl::Duration duration = absl::ZeroDuration();
};

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_WEBHOOK_H_
