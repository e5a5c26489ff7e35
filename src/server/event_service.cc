// EventService: the audit log (ListAuditRecords). Decode, call
// core::AuditLog, encode.
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
