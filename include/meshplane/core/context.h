// What every core call knows about the request it serves.
#ifndef MESHPLANE_CORE_CONTEXT_H_
#define MESHPLANE_CORE_CONTEXT_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

#include "meshplane/common/errors.h"
#include "meshplane/model/principal.h"

namespace meshplane::core {

struct RequestContext {
  model::Principal principal;  // authenticated caller (teams resolved)
  std::string
      method;  // full RPC name, "meshplane.v1.DomainService/CreateDomain"
  // What the call came in on, for its audit records: "grpc", or the
  // in-process front end's name ("http", "mcp"); "" outside a call.
  std::string transport;
  std::string request_id;  // AIP-155 request id (a UUID) or ""
  std::string
      request_hash;  // fingerprint of the request payload, for request ids
  bool validate_only = false;  // run every check, write nothing
  // When the caller stops waiting for the answer: the call's deadline,
  // capped by the server's maximum call duration (InfiniteFuture: none).
  // The server also installs it as the thread's store::DeadlineScope for
  // the call, so every transaction of the call is bounded by it and none
  // commits after it.
  absl::Time deadline = absl::InfiniteFuture();
  // Where a governed write puts the warnings of its policy decision (WARN
  // policies and DRY_RUN policies that did not hold); may be null. Replaced,
  // not appended to, by each attempt.
  std::vector<PolicyViolationDetail>* warnings = nullptr;
};

// Fields of list calls (AIP-132, AIP-158, AIP-160).
struct ListQuery {
  int page_size = 0;       // 0 -> default (50); coerced down to 1000
  std::string page_token;  // opaque, from the previous page
  std::string filter;      // AIP-160 subset, see docs/api.md
};

template <typename T>
struct ListResult {
  std::vector<T> items;
  std::string next_page_token;  // "" on the last page
};

// A field mask: proto field names of the resource ("display_name", "labels").
// Empty means every updatable field.
struct FieldMask {
  std::vector<std::string> paths;
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_CONTEXT_H_
