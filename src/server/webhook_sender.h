// The HTTP side of webhook delivery: core::WebhookSender over cpp-httplib,
// for http:// and https:// receivers.
#ifndef MESHPLANE_SERVER_WEBHOOK_SENDER_H_
#define MESHPLANE_SERVER_WEBHOOK_SENDER_H_

#include <string>

#include "meshplane/core/webhooks.h"

namespace meshplane::server {

// One connection per POST (webhooks are few and their events are spread
// out); no redirects are followed (a 3xx is a failed delivery). https://
// receivers are verified against `ca_file`, or the system's CAs when it is
// empty. Thread-safe.
class HttpWebhookSender final : public core::WebhookSender {
 public:
  explicit HttpWebhookSender(std::string ca_file)
      : ca_file_(std::move(ca_file)) {}
  core::WebhookResponse Post(const core::WebhookRequest& request) override;

 private:
  const std::string ca_file_;
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_WEBHOOK_SENDER_H_
