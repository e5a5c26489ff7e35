// EventService over core::AuditLog, core::EventFeed and core::Webhooks. The
// handlers are thin: CallRunner (server/call.h) authenticates and builds the
// request context; each handler decodes the proto, calls core and encodes the
// result.
//
// Thread-safe (gRPC calls it from its thread pool); holds references to
// core objects that must outlive it.
#ifndef MESHPLANE_SERVER_EVENT_SERVICE_H_
#define MESHPLANE_SERVER_EVENT_SERVICE_H_

#include <memory>

#include "server/call.h"
#include <grpcpp/impl/service_type.h>

#include "meshplane/core/audit_log.h"
#include "meshplane/core/event_feed.h"
#include "meshplane/core/webhooks.h"

namespace meshplane::server {

// The EventService handlers, for grpc::ServerBuilder::RegisterService.
// EventService: the audit log, the event feed (Watch) and webhooks.
std::unique_ptr<grpc::Service> NewEventService(const CallRunner& runner,
                                               core::AuditLog& audit,
                                               core::EventFeed& feed,
                                               core::Webhooks& webhooks);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_EVENT_SERVICE_H_
