// The write pipeline every mutating call of Registry and Identity runs:
// ONE read-write transaction holding the request-id lock and check, the
// change, its audit record, its outbox event and its request-id record;
// validate_only rolls back after every check; a refused write is audited
// afterwards in a small transaction of its own (best effort).
#ifndef MESHPLANE_CORE_WRITE_PIPELINE_H_
#define MESHPLANE_CORE_WRITE_PIPELINE_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "meshplane/common/clock.h"
#include "meshplane/core/context.h"
#include "meshplane/store/store.h"

namespace meshplane::core::internal {

// What a write's body reports for the audit record, the event and the
// request-id record. Reset before each attempt.
struct WriteOutcome {
  std::string resource;       // resource name; defaults to the one passed in
  std::string before_json;    // "" for creates
  std::string after_json;     // "" for deletes
  std::string event_type;     // "" = no event (nothing changed)
  std::string domain_id;      // owning domain for the event, "" otherwise
  std::string response_json;  // what a retry with the same request id gets
  std::string decision_json;  // the governance decision, for the decision log
};

struct WriteSpec {
  std::string method;       // full RPC name used when ctx.method is empty
  std::string resource;     // resource name for the audit of a refused write
  std::string fingerprint;  // request fingerprint used when ctx.request_hash
                            // is empty
};

// The request-id records are honoured this long (AIP-155: at least 24 h).
inline constexpr absl::Duration kIdempotencyWindow = absl::Hours(24);

// "now" as the store keeps it: truncated to microseconds.
absl::Time StoreNow(const Clock& clock);

// UNAUTHENTICATED unless ctx carries a principal.
absl::Status RequireAuthenticated(const RequestContext& ctx);

// Appends the audit record of a refused write (`status` not OK) in a
// transaction of its own. Best effort: when the database is unavailable, or
// the append fails, the caller still returns the original error.
void AppendRefusalAudit(store::Store& store, const Clock& clock,
                        const RequestContext& ctx, const std::string& method,
                        const std::string& resource, const absl::Status& status,
                        const std::string& decision_json = "");

class WritePipeline {
 public:
  WritePipeline(store::Store& store, const Clock& clock)
      : store_(store), clock_(clock) {}

  using Body = std::function<absl::Status(store::Transaction&, WriteOutcome&)>;

  // Runs `body` as described above. Returns the stored response of an
  // earlier request with the same id and payload (replay), or nullopt when
  // `body` ran (its results are in whatever it captured). Errors: those of
  // `body`; INVALID_ARGUMENT for a request id reused with another payload;
  // ABORTED (REQUEST_IN_FLIGHT) while a duplicate runs; store errors.
  absl::StatusOr<std::optional<std::string>> Run(const RequestContext& ctx,
                                                 const WriteSpec& spec,
                                                 const Body& body);

 private:
  void AuditRefusal(const RequestContext& ctx, const std::string& method,
                    const WriteOutcome& outcome, const absl::Status& status);

  store::Store& store_;
  const Clock& clock_;
};

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_WRITE_PIPELINE_H_
