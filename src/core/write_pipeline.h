// The write pipeline every mutating call of core runs: ONE read-write
// transaction holding the request-id lock and check, the change, its audit
// record, its outbox event and its request-id record; validate_only rolls
// back after every check; a refused write is audited afterwards in a small
// transaction of its own (best effort).
//
// A write of one resource goes through the typed entry points (Create,
// Update, Delete, Write) over the resource's traits (core/resource_traits.h):
// the rule states what the write checks and stores and returns the resource;
// the pipeline fills the audit record, the event, the replayed response and
// its decoding. Run is the untyped form, for writes whose result is not one
// resource (contract publication, SLO reports).
#ifndef MESHPLANE_CORE_WRITE_PIPELINE_H_
#define MESHPLANE_CORE_WRITE_PIPELINE_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "core/rpc_names.h"

#include "meshplane/common/clock.h"
#include "meshplane/common/status_macros.h"
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
  RpcName method;           // the RPC, named when ctx.method is empty
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

enum class WriteKind { kCreate, kUpdate, kDelete };

// The handle a typed write's rule gets (WritePipeline::Create, Update,
// Delete, Write below). Everything here is optional: a rule that calls
// nothing gets the defaults of its kind.
template <typename Traits>
class ResourceWrite {
 public:
  using Resource = typename Traits::Resource;

  explicit ResourceWrite(WriteOutcome& out) : out_(out) {}

  // The resource before the change (updates): serialised once, for the
  // audit's before_json and for whatever else the rule compares with it
  // (the governed subject's previous_json).
  const std::string& Before(const Resource& before) {
    out_.before_json = Traits::ToJson(before);
    return out_.before_json;
  }

  // The resource as the write stores and returns it, serialised once: the
  // same string is the audit's after_json, the event payload, the response
  // of a retry, and whatever the rule reads it for first (the governed
  // subject's resource_json). Call it when `after` is final. Without it the
  // pipeline serialises what the rule returns.
  const std::string& After(const Resource& after) {
    out_.after_json = Traits::ToJson(after);
    after_set_ = true;
    return out_.after_json;
  }

  // The write changed nothing (AIP: idempotent): audited with after =
  // before (call Before first), no event.
  void Unchanged() { unchanged_ = true; }

  // Another event than the kind's own: "published" makes
  // "<Traits::kEvent>.published"; "" makes none.
  void SetEvent(std::string verb) { verb_ = std::move(verb); }

  // The outcome itself, for what is not the resource's (the governance
  // decision).
  WriteOutcome& outcome() { return out_; }

  // Called by the pipeline with what the rule returned.
  void Finish(WriteKind kind, const Resource& r) {
    out_.resource = Traits::Name(r);
    if (kind == WriteKind::kDelete) {
      out_.before_json = Traits::ToJson(r);
      out_.response_json = "{}";
    } else {
      if (unchanged_)
        out_.after_json = out_.before_json;
      else if (!after_set_)
        out_.after_json = Traits::ToJson(r);
      out_.response_json = out_.after_json;
      if (unchanged_) return;
    }
    if (!verb_) {
      verb_ = kind == WriteKind::kCreate   ? "created"
              : kind == WriteKind::kUpdate ? "updated"
                                           : "deleted";
    }
    if (verb_->empty()) return;
    out_.event_type = absl::StrCat(Traits::kEvent, ".", *verb_);
    out_.domain_id = Traits::DomainOf(r);
  }

 private:
  WriteOutcome& out_;
  bool after_set_ = false;
  bool unchanged_ = false;
  std::optional<std::string> verb_;
};

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

  // --- Typed writes of one resource, over its Traits -------------------
  //
  // `rule` is called as `rule(txn, w)` with a ResourceWrite<Traits>& `w` and
  // returns absl::StatusOr<Resource>: the resource created or updated, or
  // the one deleted. From it the pipeline fills the audit record (resource
  // name, before/after JSON), the event ("<Traits::kEvent>.created",
  // ".updated" or ".deleted" unless the rule names another, with
  // Traits::DomainOf), and the response a retry with the same request id
  // gets; a replay is decoded with Traits::FromJson. `after_commit` runs
  // once the write committed here (neither a replay nor validate_only).

  template <typename Traits>
  using AfterCommit = std::function<void(const typename Traits::Resource&)>;

  template <typename Traits>
  struct Written {
    typename Traits::Resource resource;
    bool replayed = false;  // `resource` is the stored response of a retry
  };

  // The general form: `kind` says what the write does to the resource.
  template <typename Traits, typename Rule>
  absl::StatusOr<Written<Traits>> Write(const RequestContext& ctx,
                                        WriteKind kind, const WriteSpec& spec,
                                        Rule&& rule);

  // A create whose request is the resource itself: Traits::kCreate, the
  // resource's name, its JSON as the request fingerprint.
  template <typename Traits, typename Rule>
  absl::StatusOr<typename Traits::Resource> Create(
      const RequestContext& ctx, const typename Traits::Resource& request,
      Rule&& rule, const AfterCommit<Traits>& after_commit = nullptr) {
    return Create<Traits>(ctx,
                          WriteSpec{Traits::kCreate, Traits::Name(request),
                                    Traits::ToJson(request)},
                          std::forward<Rule>(rule), after_commit);
  }
  template <typename Traits, typename Rule>
  absl::StatusOr<typename Traits::Resource> Create(
      const RequestContext& ctx, const WriteSpec& spec, Rule&& rule,
      const AfterCommit<Traits>& after_commit = nullptr) {
    return Finish<Traits>(
        ctx,
        Write<Traits>(ctx, WriteKind::kCreate, spec, std::forward<Rule>(rule)),
        after_commit);
  }

  // An AIP-134 update (patch, field mask, etag): Traits::kUpdate, the
  // patch's name, and the patch, mask and etag as the fingerprint.
  template <typename Traits, typename Rule>
  absl::StatusOr<typename Traits::Resource> Update(
      const RequestContext& ctx, const typename Traits::Resource& patch,
      const FieldMask& mask, const std::string& etag, Rule&& rule,
      const AfterCommit<Traits>& after_commit = nullptr) {
    return Update<Traits>(
        ctx,
        WriteSpec{Traits::kUpdate, Traits::Name(patch),
                  absl::StrCat(Traits::ToJson(patch), "\n",
                               absl::StrJoin(mask.paths, ","), "\n", etag)},
        std::forward<Rule>(rule), after_commit);
  }
  template <typename Traits, typename Rule>
  absl::StatusOr<typename Traits::Resource> Update(
      const RequestContext& ctx, const WriteSpec& spec, Rule&& rule,
      const AfterCommit<Traits>& after_commit = nullptr) {
    return Finish<Traits>(
        ctx,
        Write<Traits>(ctx, WriteKind::kUpdate, spec, std::forward<Rule>(rule)),
        after_commit);
  }

  // The rule returns the resource it deleted; the response is "{}".
  template <typename Traits, typename Rule>
  absl::Status Delete(const RequestContext& ctx, const WriteSpec& spec,
                      Rule&& rule) {
    return Write<Traits>(ctx, WriteKind::kDelete, spec,
                         std::forward<Rule>(rule))
        .status();
  }

 private:
  template <typename Traits>
  static absl::StatusOr<typename Traits::Resource> Finish(
      const RequestContext& ctx, absl::StatusOr<Written<Traits>> written,
      const AfterCommit<Traits>& after_commit) {
    MP_RETURN_IF_ERROR(written.status());
    if (!written->replayed && !ctx.validate_only && after_commit) {
      after_commit(written->resource);
    }
    return std::move(written->resource);
  }

  void AuditRefusal(const RequestContext& ctx, const std::string& method,
                    const WriteOutcome& outcome, const absl::Status& status);

  store::Store& store_;
  const Clock& clock_;
};

template <typename Traits, typename Rule>
absl::StatusOr<WritePipeline::Written<Traits>> WritePipeline::Write(
    const RequestContext& ctx, WriteKind kind, const WriteSpec& spec,
    Rule&& rule) {
  Written<Traits> written;
  MP_ASSIGN_OR_RETURN(
      std::optional<std::string> replay,
      Run(ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            ResourceWrite<Traits> w(out);
            absl::StatusOr<typename Traits::Resource> r = rule(txn, w);
            MP_RETURN_IF_ERROR(r.status());
            w.Finish(kind, *r);
            written.resource = *std::move(r);
            return absl::OkStatus();
          }));
  if (replay) {
    // A delete's stored response is "{}": nothing to decode.
    if (kind == WriteKind::kDelete) return Written<Traits>{{}, true};
    MP_ASSIGN_OR_RETURN(written.resource, Traits::FromJson(*replay));
    written.replayed = true;
  }
  return written;
}

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_WRITE_PIPELINE_H_
