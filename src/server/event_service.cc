// EventService: the audit log (ListAuditRecords), the event feed (Watch)
// and webhooks. Decode, call core::AuditLog, core::EventFeed or
// core::Webhooks, encode.
#include "server/event_service.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "server/common_codec.h"
#include "server/event_codec.h"
#include "server/standard_methods.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/v1/events.grpc.pb.h"

namespace meshplane::server {

// --- Webhooks ----------------------------------------------------------------

namespace {

class EventServiceImpl final : public v1::EventService::Service {
 public:
  EventServiceImpl(const CallRunner& runner, core::AuditLog& audit,
                   core::EventFeed& feed, core::Webhooks& webhooks)
      : runner_(runner), audit_(audit), feed_(feed), webhooks_(webhooks) {}

  grpc::Status ListAuditRecords(
      grpc::ServerContext* context, const v1::ListAuditRecordsRequest* request,
      v1::ListAuditRecordsResponse* response) override {
    return RunList(
        runner_, context, *request,
        [&](const core::RequestContext& ctx, const core::ListQuery& query) {
          return audit_.ListAuditRecords(ctx, query);
        },
        response->mutable_audit_records(), EncodeAuditRecord, response);
  }

  grpc::Status Watch(grpc::ServerContext* context,
                     const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::WatchResponse>* writer) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          core::WatchQuery query;
          query.since_sequence = request->since_sequence();
          query.resource_types.assign(request->resource_types().begin(),
                                      request->resource_types().end());
          query.domain = request->domain();
          query.include_subdomains = request->include_subdomains();
          absl::Status encode_error;
          absl::Status s = feed_.Watch(
              ctx, query,
              [&](const core::WatchBatch& batch) {
                v1::WatchResponse response;
                for (const auto& e : batch.events) {
                  absl::StatusOr<v1::Event> event = EncodeEvent(e);
                  if (!event.ok()) {
                    encode_error = event.status();
                    return false;
                  }
                  *response.add_events() = *std::move(event);
                }
                response.set_high_water_sequence(batch.high_water);
                // Blocks while the client's window is full: a slow
                // consumer holds up only its own stream. False
                // once it has gone.
                return writer->Write(response);
              },
              [&] { return context->IsCancelled(); });
          return encode_error.ok() ? s : encode_error;
        });
  }

  grpc::Status CreateWebhook(grpc::ServerContext* context,
                             const v1::CreateWebhookRequest* request,
                             v1::Webhook* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          const v1::Webhook& in = request->webhook();
          model::Webhook w;
          w.url = in.url();
          w.resource_types.assign(in.resource_types().begin(),
                                  in.resource_types().end());
          if (!in.domain().empty()) {
            MP_ASSIGN_OR_RETURN(
                w.domain_id,
                model::ParseDomainName("webhook.domain", in.domain()));
          }
          w.include_subdomains = in.include_subdomains();
          w.secret = in.secret();
          w.delivered_sequence = in.delivered_sequence();
          MP_ASSIGN_OR_RETURN(
              model::Webhook created,
              webhooks_.Create(ctx, request->webhook_id(), std::move(w)));
          *response = EncodeWebhook(created);
          return absl::OkStatus();
        });
  }

  grpc::Status GetWebhook(grpc::ServerContext* context,
                          const v1::GetWebhookRequest* request,
                          v1::Webhook* response) override {
    return RunNamed(
        runner_, context, *request, WebhookIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return webhooks_.Get(ctx, id);
        },
        EncodeWebhook, response);
  }

  grpc::Status ListWebhooks(grpc::ServerContext* context,
                            const v1::ListWebhooksRequest* request,
                            v1::ListWebhooksResponse* response) override {
    return RunList(
        runner_, context, *request,
        [&](const core::RequestContext& ctx, const core::ListQuery& query) {
          return webhooks_.List(ctx, query);
        },
        response->mutable_webhooks(), EncodeWebhook, response);
  }

  grpc::Status DeleteWebhook(grpc::ServerContext* context,
                             const v1::DeleteWebhookRequest* request,
                             google::protobuf::Empty* /*response*/) override {
    return RunDelete(
        runner_, context, *request, WebhookIdFromName,
        [&](const core::RequestContext& ctx, const std::string& id) {
          return webhooks_.Delete(ctx, id);
        });
  }

  grpc::Status ListWebhookDeliveries(
      grpc::ServerContext* context,
      const v1::ListWebhookDeliveriesRequest* request,
      v1::ListWebhookDeliveriesResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(std::string id,
                              WebhookIdFromName("parent", request->parent()));
          MP_ASSIGN_OR_RETURN(core::ListQuery query, ListQueryOf(*request));
          MP_ASSIGN_OR_RETURN(auto page,
                              webhooks_.ListDeliveries(ctx, id, query));
          return EncodePage(page, response->mutable_deliveries(),
                            EncodeDelivery, response);
        });
  }

 private:
  const CallRunner& runner_;
  core::AuditLog& audit_;
  core::EventFeed& feed_;
  core::Webhooks& webhooks_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewEventService(const CallRunner& runner,
                                               core::AuditLog& audit,
                                               core::EventFeed& feed,
                                               core::Webhooks& webhooks) {
  return std::make_unique<EventServiceImpl>(runner, audit, feed, webhooks);
}

}  // namespace meshplane::server
