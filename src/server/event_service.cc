// EventService: the audit log (ListAuditRecords) and the event feed
// (Watch). Decode, call core::AuditLog or core::EventFeed, encode.
#include "server/codec.h"
#include "server/services.h"

#include "meshplane/common/status_macros.h"

namespace meshplane::server {

grpc::Status EventServiceImpl::ListAuditRecords(
    grpc::ServerContext* context, const v1::ListAuditRecordsRequest* request,
    v1::ListAuditRecordsResponse* response) {
  return runner_.Run(
      context, "meshplane.v1.EventService/ListAuditRecords", *request,
      [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(
            core::ListQuery query,
            MakeListQuery(request->page_size(), request->page_token(),
                          request->filter()));
        MP_ASSIGN_OR_RETURN(auto page, audit_.ListAuditRecords(ctx, query));
        for (const auto& record : page.items) {
          MP_ASSIGN_OR_RETURN(*response->add_audit_records(),
                              EncodeAuditRecord(record));
        }
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

}  // namespace meshplane::server

namespace meshplane::server {

grpc::Status EventServiceImpl::Watch(
    grpc::ServerContext* context, const v1::WatchRequest* request,
    grpc::ServerWriter<v1::WatchResponse>* writer) {
  return runner_.Run(
      context, "meshplane.v1.EventService/Watch", *request,
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
              // Blocks while the client's window is full: a slow consumer
              // holds up only its own stream. False once it has gone.
              return writer->Write(response);
            },
            [&] { return context->IsCancelled(); });
        return encode_error.ok() ? s : encode_error;
      });
}

}  // namespace meshplane::server
