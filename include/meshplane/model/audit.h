// Audit records (append-only) and outbox events.
#ifndef MESHPLANE_MODEL_AUDIT_H_
#define MESHPLANE_MODEL_AUDIT_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace meshplane::model {

// One record per mutation or refused write. Never updated or deleted.
struct AuditRecord {
  int64_t sequence = 0;  // assigned by the store
  absl::Time time = absl::InfinitePast();
  std::string principal;
  std::string method;    // "meshplane.v1.DomainService/CreateDomain"
  std::string resource;  // resource name, e.g. domains/sales
  std::string request_id;
  std::string before_json;  // "" when there was nothing before
  std::string after_json;   // "" when nothing after (delete, refused)
  int outcome_code = 0;     // absl::StatusCode as int; 0 = OK
  std::string outcome_message;
  bool validate_only = false;
  std::string decision_json;  // policy decision, once governance exists
  std::string transport;      // "grpc", "http", "mcp"; "" when unknown
};

// An event of the ordered feed (the outbox).
struct Event {
  int64_t sequence = 0;  // assigned by the store
  absl::Time time = absl::InfinitePast();
  std::string type;          // "domain.created", "dataproduct.updated", ...
  std::string resource;      // resource name
  std::string domain_id;     // owning domain, "" for teams/tokens
  std::string payload_json;  // the resource after the change ("" on delete)
};

// What the store keeps of a request id (AIP-155) to replay a retry.
struct IdempotencyRecord {
  std::string principal;
  std::string method;
  std::string request_id;
  std::string request_hash;  // fingerprint of the request payload
  std::string response;      // the first result, as the core encoded it
  absl::Time create_time = absl::InfinitePast();
};

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_AUDIT_H_
