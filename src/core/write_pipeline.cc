#include "core/write_pipeline.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"

namespace meshplane::core::internal {
namespace {

// validate_only leaves the transaction through this status so that
// RunInTransaction rolls it back; it never escapes the pipeline.
constexpr char kValidateOnlyPayload[] = "type.meshplane.dev/core.ValidateOnly";

absl::Status ValidateOnlyRollback() {
  absl::Status s = absl::CancelledError("validate_only: rolled back");
  s.SetPayload(kValidateOnlyPayload, absl::Cord("1"));
  return s;
}

bool IsValidateOnlyRollback(const absl::Status& s) {
  return s.code() == absl::StatusCode::kCancelled &&
         s.GetPayload(kValidateOnlyPayload).has_value();
}

// The audit record of a call of `method` by ctx on `resource` at `time`:
// who, what, through which request and transport. The caller adds the
// outcome.
model::AuditRecord CallAudit(const RequestContext& ctx,
                             const std::string& method,
                             const std::string& resource, absl::Time time) {
  model::AuditRecord audit;
  audit.time = time;
  audit.principal = ctx.principal.id;
  audit.method = method;
  audit.resource = resource;
  audit.request_id = ctx.request_id;
  audit.transport = ctx.transport;
  return audit;
}

// CallAudit with what the write's body produced: the images before and
// after, and the policy decision.
model::AuditRecord OutcomeAudit(const RequestContext& ctx,
                                const std::string& method,
                                const WriteOutcome& outcome, absl::Time time) {
  model::AuditRecord audit = CallAudit(ctx, method, outcome.resource, time);
  audit.before_json = outcome.before_json;
  audit.after_json = outcome.after_json;
  audit.decision_json = outcome.decision_json;
  return audit;
}

}  // namespace

absl::Time StoreNow(const Clock& clock) {
  return absl::FromUnixMicros(absl::ToUnixMicros(clock.Now()));
}

absl::Status RequireAuthenticated(const RequestContext& ctx) {
  if (ctx.principal.id.empty()) {
    return absl::UnauthenticatedError(
        "the request carries no valid credentials; send a bearer token");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> WritePipeline::Run(
    const RequestContext& ctx, const WriteSpec& spec, const Body& body) {
  MP_RETURN_IF_ERROR(RequireAuthenticated(ctx));
  const std::string method = MethodOf(ctx, spec.method);
  const std::string request_hash =
      !ctx.request_hash.empty()
          ? ctx.request_hash
          : Sha256Hex(absl::StrCat(method, "\n", spec.fingerprint));

  std::optional<std::string> replay;
  WriteOutcome outcome;
  absl::Status status = store_.RunInTransaction(
      store::TxnMode::kReadWrite, [&](store::Transaction& txn) -> absl::Status {
        replay.reset();
        outcome = WriteOutcome{};
        outcome.resource = spec.resource;
        const absl::Time now = StoreNow(clock_);
        if (!ctx.request_id.empty() && !ctx.validate_only) {
          MP_ASSIGN_OR_RETURN(
              bool locked, txn.events().TryLockRequest(ctx.principal.id, method,
                                                       ctx.request_id));
          if (!locked) {
            return WithReason(
                absl::AbortedError(absl::StrCat(
                    "request_id ", ctx.request_id,
                    " is still being processed by an earlier call; retry "
                    "later")),
                "REQUEST_IN_FLIGHT");
          }
          MP_ASSIGN_OR_RETURN(std::optional<model::IdempotencyRecord> seen,
                              txn.events().GetIdempotency(
                                  ctx.principal.id, method, ctx.request_id,
                                  now - kIdempotencyWindow));
          if (seen) {
            if (seen->request_hash != request_hash) {
              return InvalidArgumentWithFields(
                  {{"request_id",
                    absl::StrCat("request_id ", ctx.request_id,
                                 " was used with a different request; use a "
                                 "new request id for a new request")}});
            }
            replay = seen->response;
            return absl::OkStatus();
          }
        }
        MP_RETURN_IF_ERROR(body(txn, outcome));
        if (ctx.validate_only) return ValidateOnlyRollback();

        model::AuditRecord audit = OutcomeAudit(ctx, method, outcome, now);
        audit.outcome_code = 0;
        MP_RETURN_IF_ERROR(txn.events().AppendAudit(audit).status());
        if (!outcome.event_type.empty()) {
          model::Event event;
          event.time = now;
          event.type = outcome.event_type;
          event.resource = outcome.resource;
          event.domain_id = outcome.domain_id;
          event.payload_json = outcome.after_json;
          MP_RETURN_IF_ERROR(txn.events().AppendEvent(event).status());
        }
        if (!ctx.request_id.empty()) {
          model::IdempotencyRecord record;
          record.principal = ctx.principal.id;
          record.method = method;
          record.request_id = ctx.request_id;
          record.request_hash = request_hash;
          record.response = outcome.response_json;
          record.create_time = now;
          MP_RETURN_IF_ERROR(txn.events().PutIdempotency(record));
        }
        return absl::OkStatus();
      });

  if (IsValidateOnlyRollback(status)) {
    // Nothing was written; record that the dry run happened and what it
    // would have produced.
    model::AuditRecord audit =
        OutcomeAudit(ctx, method, outcome, StoreNow(clock_));
    audit.validate_only = true;
    store_
        .RunInTransaction(store::TxnMode::kReadWrite,
                          [&](store::Transaction& txn) {
                            return txn.events().AppendAudit(audit).status();
                          })
        .IgnoreError();
    return std::optional<std::string>();
  }
  if (!status.ok()) {
    AuditRefusal(ctx, method, outcome, status);
    return MarkAudited(status);
  }
  return replay;
}

void WritePipeline::AuditRefusal(const RequestContext& ctx,
                                 const std::string& method,
                                 const WriteOutcome& outcome,
                                 const absl::Status& status) {
  AppendRefusalAudit(store_, clock_, ctx, method, outcome.resource, status,
                     outcome.decision_json);
}

void AppendRefusalAudit(store::Store& store, const Clock& clock,
                        const RequestContext& ctx, const std::string& method,
                        const std::string& resource, const absl::Status& status,
                        const std::string& decision_json) {
  constexpr absl::Duration kRefusalAuditBound = absl::Seconds(2);
  // Best effort: when the database is down the caller gets the original
  // error, not the audit's.
  if (status.code() == absl::StatusCode::kUnavailable) return;
  model::AuditRecord audit = CallAudit(ctx, method, resource, StoreNow(clock));
  audit.outcome_code = static_cast<int>(status.code());
  audit.outcome_message = std::string(status.message());
  audit.validate_only = ctx.validate_only;
  audit.decision_json = decision_json;
  // The refusal is audited even when it is the call's deadline that
  // refused it (the record is not the write; the write did not happen),
  // within a short bound of its own.
  store::DeadlineScope audit_bound(absl::Now() + kRefusalAuditBound);
  store
      .RunInTransaction(
          store::TxnMode::kReadWrite,
          [&](store::Transaction& txn) {
            return txn.events().AppendAudit(audit).status();
          },
          /*max_attempts=*/2)
      .IgnoreError();
}

}  // namespace meshplane::core::internal
