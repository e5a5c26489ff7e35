// EventService over core::AuditLog, core::EventFeed and core::Webhooks. The
// handlers are thin: CallRunner (server/call.h) authenticates and builds the
// request context; each handler decodes the proto, calls core and encodes the
// result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_EVENT_SERVICE_H_
#define MESHPLANE_SERVER_EVENT_SERVICE_H_

#include "server/call.h"

#include "meshplane/core/audit_log.h"
#include "meshplane/core/event_feed.h"
#include "meshplane/core/webhooks.h"
#include "meshplane/v1/events.grpc.pb.h"

namespace meshplane::server {

// EventService: the audit log, the event feed (Watch) and webhooks.
class EventServiceImpl final : public v1::EventService::Service {
 public:
  EventServiceImpl(const CallRunner& runner, core::AuditLog& audit,
                   core::EventFeed& feed, core::Webhooks& webhooks)
      : runner_(runner), audit_(audit), feed_(feed), webhooks_(webhooks) {}

  grpc::Status Watch(grpc::ServerContext* context,
                     const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::WatchResponse>* writer) override;

  grpc::Status ListAuditRecords(
      grpc::ServerContext* context, const v1::ListAuditRecordsRequest* request,
      v1::ListAuditRecordsResponse* response) override;

  grpc::Status CreateWebhook(grpc::ServerContext* context,
                             const v1::CreateWebhookRequest* request,
                             v1::Webhook* response) override;
  grpc::Status GetWebhook(grpc::ServerContext* context,
                          const v1::GetWebhookRequest* request,
                          v1::Webhook* response) override;
  grpc::Status ListWebhooks(grpc::ServerContext* context,
                            const v1::ListWebhooksRequest* request,
                            v1::ListWebhooksResponse* response) override;
  grpc::Status DeleteWebhook(grpc::ServerContext* context,
                             const v1::DeleteWebhookRequest* request,
                             google::protobuf::Empty* response) override;
  grpc::Status ListWebhookDeliveries(
      grpc::ServerContext* context,
      const v1::ListWebhookDeliveriesRequest* request,
      v1::ListWebhookDeliveriesResponse* response) override;

 private:
  const CallRunner& runner_;
  core::AuditLog& audit_;
  core::EventFeed& feed_;
  core::Webhooks& webhooks_;
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_EVENT_SERVICE_H_
