// Webhooks: subscriptions that POST the events of the feed, as CloudEvents
// 1.0 JSON signed with HMAC-SHA256, to a URL.
//
// `Webhooks` manages the subscriptions (platform admins only). The
// `WebhookDispatcher` delivers: each of its worker threads takes one due
// webhook at a time with Transaction::ClaimDueWebhook (FOR UPDATE SKIP
// LOCKED), so one worker across all replicas delivers a webhook's events,
// in sequence order; it POSTs them one by one, and commits the new cursor
// with the delivery log in the same transaction. A failed POST is retried
// with exponential backoff and the events after it wait (delivery is in
// order and at least once: a crash between a POST and the commit repeats
// that POST; receivers deduplicate on the CloudEvents `id`).
//
//   core::WebhookDispatcher dispatcher(store, sender, clock, {});
//   dispatcher.Start();
//   ... dispatcher.Wake();  // new events were committed
#ifndef MESHPLANE_CORE_WEBHOOKS_H_
#define MESHPLANE_CORE_WEBHOOKS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/context.h"
#include "meshplane/model/audit.h"
#include "meshplane/model/webhook.h"
#include "meshplane/store/store.h"

namespace meshplane::core {

// The headers and body of one delivery.
struct WebhookRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  absl::Duration timeout = absl::Seconds(10);
};

// What the receiver answered: an HTTP status, or 0 and an error when there
// was no answer.
struct WebhookResponse {
  int status = 0;
  std::string error;
};

// Sends one HTTP POST. Implemented by the server (over HTTP and HTTPS);
// tests may fake it. Must be thread-safe.
class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  virtual WebhookResponse Post(const WebhookRequest& request) = 0;
};

// The CloudEvents 1.0 JSON (structured mode) of `event`: specversion, id
// (the sequence), source, type (`meshplane.` + the event type), subject
// (the resource), time, datacontenttype, the extension attributes
// `meshplanesequence` and `meshplanedomain`, and `data` (the payload).
std::string CloudEventJson(const model::Event& event,
                           const std::string& source);

// The value of the X-Meshplane-Signature header: `t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<t>.<body>" under secret>`.
std::string WebhookSignature(const std::string& secret, absl::Time time,
                             const std::string& body);

// The delay before attempt `failed_attempts + 1`: min * 2^(failed-1),
// capped at max, with up to 20% jitter taken off.
absl::Duration WebhookBackoff(int failed_attempts, absl::Duration min,
                              absl::Duration max);

// The subscriptions. Thread-safe; every method is for platform admins only
// (PERMISSION_DENIED otherwise).
class Webhooks {
 public:
  Webhooks(store::Store& store, const auth::Authorizer& authz,
           const Clock& clock);

  // Validates and stores `webhook` under `webhook_id`: an http(s) URL, a
  // secret of 16 to 1024 bytes, known resource types, an existing domain.
  // Delivery starts after `webhook.delivered_sequence` when it is set (at
  // most the feed's newest sequence), else after the feed's current end (so
  // with the webhook's own webhook.created event).
  // INVALID_ARGUMENT naming the field; ALREADY_EXISTS; NOT_FOUND for the
  // domain. Returns the webhook without its secret.
  absl::StatusOr<model::Webhook> Create(const RequestContext& ctx,
                                        const std::string& webhook_id,
                                        model::Webhook webhook);
  // Without its secret. NOT_FOUND.
  absl::StatusOr<model::Webhook> Get(const RequestContext& ctx,
                                     const std::string& webhook_id);
  absl::StatusOr<ListResult<model::Webhook>> List(const RequestContext& ctx,
                                                  const ListQuery& query);
  // Deletes it and its delivery log; deliveries stop. NOT_FOUND.
  absl::Status Delete(const RequestContext& ctx, const std::string& webhook_id);
  // Newest first. NOT_FOUND when the webhook does not exist.
  absl::StatusOr<ListResult<model::WebhookDelivery>> ListDeliveries(
      const RequestContext& ctx, const std::string& webhook_id,
      const ListQuery& query);

 private:
  store::Store& store_;
  const auth::Authorizer& authz_;
  const Clock& clock_;
};

// Delivers the webhooks' events (see the file comment). One per replica.
class WebhookDispatcher {
 public:
  struct Options {
    int workers = 2;  // 0: this replica delivers nothing
    absl::Duration timeout = absl::Seconds(10);  // per POST
    absl::Duration retry_min = absl::Seconds(1);
    absl::Duration retry_max = absl::Minutes(5);
    // A worker holds one webhook for at most this many events, or this
    // long, before it lets go (so the others get their turn).
    int batch_size = 100;
    absl::Duration batch_time = absl::Seconds(5);
    // Looks for due webhooks this often even without Wake() (retries fall
    // due by the clock).
    absl::Duration poll = absl::Seconds(1);
    // Attempts kept in each webhook's delivery log.
    int keep_deliveries = 500;
    // The CloudEvents `source` attribute.
    std::string source = "/meshplane";
    // Called after every attempt (metrics): whether it succeeded.
    std::function<void(bool success)> on_attempt;
    // Called when a round fails for want of the store (logging); the
    // worker retries with backoff.
    std::function<void(const absl::Status&)> on_error;
  };

  WebhookDispatcher(store::Store& store, WebhookSender& sender,
                    const Clock& clock, Options options);
  ~WebhookDispatcher();  // Stop()

  void Start();
  // Lets the workers finish their current webhook and joins them.
  // Idempotent.
  void Stop();
  // New events were committed: look for due webhooks now.
  void Wake();

  // One round of work: takes the longest-due webhook, delivers what it can
  // and commits. False when no webhook was due. What the workers run; for
  // tests.
  absl::StatusOr<bool> DeliverOnce();

 private:
  void WorkerLoop();

  store::Store& store_;
  WebhookSender& sender_;
  const Clock& clock_;
  const Options options_;
  std::vector<std::thread> workers_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t wakes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_WEBHOOKS_H_
