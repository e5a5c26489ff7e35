// Access requests and grants: asked for, decided on, revoked, listed
// (the CheckAccess index and its answers are in access.cc).
#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/access_internal.h"
#include "core/decision_log.h"
#include "core/filter.h"
#include "core/page_token.h"
#include "core/resource_traits.h"
#include "core/rpc_names.h"
#include "core/snapshot_refresher.h"
#include "core/validation.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"
#include <nlohmann/json.hpp>

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/core/access.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

using internal::AccessRequestTraits;
using internal::CheckEtag;
using internal::FilterError;
using internal::GrantTraits;
using internal::Referenced;
using internal::ResourceWrite;
using internal::StoreWrite;
using internal::ToListResult;
using internal::Violations;
using internal::WritePipeline;
namespace rpc = internal::rpc;
using model::AccessRequest;
using model::AccessRequestState;
using model::Grant;

using internal::LoadPort;
using internal::PortContext;

constexpr size_t kMaxPurpose = 4096;
constexpr size_t kMaxComment = 4096;

std::string DurationJson(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Seconds(d), "s");
}

bool IsMemberOfConsumer(const model::Principal& p,
                        const std::string& consumer) {
  if (consumer == p.id) return true;
  return absl::StartsWith(consumer, "team:") &&
         p.IsMemberOf(consumer.substr(5));
}

// The teams a consumer stands for or belongs to.
absl::StatusOr<std::vector<std::string>> ConsumerTeams(
    store::Transaction& txn, const std::string& consumer) {
  if (absl::StartsWith(consumer, "team:"))
    return std::vector<std::string>{consumer.substr(5)};
  return txn.registry().TeamsOfPrincipal(consumer);
}

// The domains owned by `teams`, as resource names.
absl::StatusOr<std::vector<std::string>> DomainsOwnedBy(
    store::Transaction& txn, const std::vector<std::string>& teams) {
  std::set<std::string> out;
  for (const auto& team : teams) {
    store::DomainFilter filter;
    filter.owner_team_id = team;
    store::PageRequest page{"", 1000};
    do {
      MP_ASSIGN_OR_RETURN(auto got, txn.registry().ListDomains(filter, page));
      for (const auto& d : got.items) out.insert(model::DomainName(d.id));
      page.after = got.next;
    } while (!page.after.empty());
  }
  return std::vector<std::string>(out.begin(), out.end());
}

absl::Status NotPending(const AccessRequest& r, absl::Time now) {
  AccessRequestState state = r.StateAt(now);
  std::string why = absl::StrCat(model::AccessRequestName(r.id), " is ",
                                 model::AccessRequestStateName(state));
  if (state == AccessRequestState::kExpired) {
    absl::StrAppend(
        &why, " (not decided before ",
        absl::FormatTime(absl::RFC3339_sec, r.expire_time, absl::UTCTimeZone()),
        ")");
  }
  return WithReason(absl::FailedPreconditionError(absl::StrCat(
                        why, "; only a PENDING request can change")),
                    "ACCESS_REQUEST_STATE");
}

// The output_port or data_product term (by resource name) that request
// and grant lists both take, set in `filter`.
template <typename Filter>
absl::Status PortOrProductTerm(const internal::FilterTerm& t, Filter& filter) {
  if (t.field == "output_port") {
    auto port = model::ParseOutputPortName("filter", t.value);
    if (!port.ok())
      return FilterError(absl::StrCat("output_port: ", QuotePrefix(t.value),
                                      " is not a port name"));
    filter.port = *port;
    return absl::OkStatus();
  }
  auto product = model::ParseProductName("filter", t.value);
  if (!product.ok())
    return FilterError(absl::StrCat("data_product: ", QuotePrefix(t.value),
                                    " is not a product name"));
  filter.product = *product;
  return absl::OkStatus();
}

}  // namespace

// ============================================================ Requests

absl::StatusOr<Grant> Access::MakeGrant(store::Transaction& txn,
                                        const std::string& granted_by,
                                        AccessRequest& request,
                                        absl::Duration duration,
                                        absl::Time now) {
  Grant g;
  g.id = RandomUuid();
  g.uid = RandomUuid();
  g.port = request.port;
  g.consumer = request.consumer;
  g.actions = request.actions;
  g.purpose = request.purpose;
  g.access_request_id = request.id;
  g.granted_by = granted_by;
  g.create_time = now;
  g.expire_time = now + duration;
  g.revision = 1;
  MP_RETURN_IF_ERROR(txn.access().InsertGrant(g));
  MP_RETURN_IF_ERROR(Notify(txn, absl::StrCat("grant:", g.id)));
  request.grant_id = g.id;
  return g;
}

absl::StatusOr<AccessRequest> Access::RequestAccess(const RequestContext& ctx,
                                                    AccessRequest request) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  Violations v;
  if (request.consumer.empty()) request.consumer = ctx.principal.id;
  v.AddStatus(
      "access_request.consumer",
      model::ValidatePrincipal("access_request.consumer", request.consumer));
  if (request.actions.empty()) request.actions = {"read"};
  internal::SortUnique(request.actions);
  for (size_t i = 0; i < request.actions.size(); ++i) {
    if (!model::IsAccessAction(request.actions[i])) {
      v.Add(absl::StrCat("access_request.actions[", i, "]"),
            absl::StrCat("\"", request.actions[i],
                         "\" is not an action (read, write)"));
    }
  }
  if (request.purpose.empty()) {
    v.Add("access_request.purpose", "is required: why access is needed");
  }
  v.CheckText("access_request.purpose", request.purpose, kMaxPurpose);
  if (request.duration == absl::ZeroDuration()) {
    request.duration = options_.default_duration;
  }
  if (request.duration < absl::Minutes(1)) {
    v.Add("access_request.duration", "must be at least 1 minute");
  } else if (request.duration > options_.max_duration) {
    v.Add("access_request.duration",
          absl::StrCat("is longer than the most a grant may last (",
                       absl::FormatDuration(options_.max_duration), ")"));
  }
  MP_RETURN_IF_ERROR(v.ToStatus());
  if (request.consumer != ctx.principal.id &&
      !IsMemberOfConsumer(ctx.principal, request.consumer)) {
    MP_RETURN_IF_ERROR(authz_.CheckAdmin(
        ctx.principal,
        absl::StrCat("ask for access on behalf of ", request.consumer)));
  }

  std::optional<Grant> made;
  auto rule = [&](store::Transaction& txn,
                  ResourceWrite<AccessRequestTraits>& w)
      -> absl::StatusOr<AccessRequest> {
    const absl::Time now = internal::StoreNow(clock_);
    MP_ASSIGN_OR_RETURN(
        PortContext port,
        LoadPort(txn, request.port, "access_request.output_port"));
    AccessRequest r = request;
    r.id = RandomUuid();
    r.uid = RandomUuid();
    r.requester = ctx.principal.id;
    r.create_time = now;
    r.update_time = now;
    r.expire_time = now + options_.pending_ttl;
    r.revision = 1;

    policy::Outcome outcome = policy::Outcome::kAllow;
    if (governance_ != nullptr) {
      MP_ASSIGN_OR_RETURN(auto teams, ConsumerTeams(txn, r.consumer));
      MP_ASSIGN_OR_RETURN(auto domains, DomainsOwnedBy(txn, teams));
      nlohmann::json req = {
          {"method", internal::MethodOf(ctx, rpc::kRequestAccess)},
          {"validate_only", ctx.validate_only},
          {"output_port", r.port.port_id},
          {"consumer", r.consumer},
          {"requester", r.requester},
          {"purpose", r.purpose},
          {"duration", DurationJson(r.duration)},
          {"actions", r.actions},
          {"consumer_domains", domains}};
      GovernedSubject subject = internal::SubjectInChain(
          "access.request", model::OutputPortName(r.port),
          model::ToJson(port.product), port.chain);
      subject.request_json = req.dump();
      MP_ASSIGN_OR_RETURN(policy::Decision decision,
                          governance_->Decide(ctx, subject));
      w.outcome().decision_json = policy::DecisionToJson(decision);
      r.decision_json = w.outcome().decision_json;
      if (ctx.warnings != nullptr) {
        *ctx.warnings = Governance::Details(decision.Warnings());
      }
      outcome = decision.outcome;
      if (outcome == policy::Outcome::kDeny) {
        return Governance::Verdict(decision);
      }
    }
    if (outcome == policy::Outcome::kAllow) {
      r.state = AccessRequestState::kApproved;
      r.reviewer = "policy";
    }
    absl::Status inserted = txn.access().InsertAccessRequest(r);
    if (inserted.code() == absl::StatusCode::kNotFound) {
      return Referenced(inserted, "access_request.output_port",
                        model::OutputPortName(r.port));
    }
    MP_RETURN_IF_ERROR(inserted);
    made.reset();
    if (r.state == AccessRequestState::kApproved) {
      MP_ASSIGN_OR_RETURN(made, MakeGrant(txn, "policy", r, r.duration, now));
      MP_RETURN_IF_ERROR(
          StoreWrite(txn.access().UpdateAccessRequest(r, r.revision)));
    }
    w.SetEvent(r.state == AccessRequestState::kApproved ? "granted"
                                                        : "requested");
    return r;
  };
  return WritePipeline(store_, clock_)
      .Create<AccessRequestTraits>(
          ctx,
          {rpc::kRequestAccess, model::OutputPortName(request.port),
           absl::StrCat(
               model::OutputPortName(request.port), "\n", request.consumer,
               "\n", absl::StrJoin(request.actions, ","), "\n", request.purpose,
               "\n", absl::ToInt64Seconds(request.duration))},
          rule, [&](const AccessRequest&) {
            // Read-your-writes on this replica; the others learn
            // through NOTIFY.
            if (made) index_.UpsertGrant(*made);
          });
}

absl::StatusOr<AccessRequest> Access::GetAccessRequest(
    const RequestContext& ctx, const std::string& id) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kSingleRead));
  MP_ASSIGN_OR_RETURN(AccessRequest r, txn->access().GetAccessRequest(id));
  r.state = r.StateAt(clock_.Now());
  return r;
}

absl::StatusOr<ListResult<AccessRequest>> Access::ListAccessRequests(
    const RequestContext& ctx, const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  store::AccessRequestFilter filter;
  filter.now = internal::StoreNow(clock_);
  std::set<std::string> seen;
  for (const auto& t : terms) {
    if (t.field.empty()) return FilterError("free text is not supported here");
    if (!seen.insert(t.field).second) {
      return FilterError(
          absl::StrCat("\"", t.field, "\" may appear only once"));
    }
    if (t.field == "state") {
      std::string s = absl::AsciiStrToUpper(t.value);
      if (absl::StartsWith(s, "ACCESS_REQUEST_STATE_")) s = s.substr(21);
      auto state = model::ParseAccessRequestState(s);
      if (!state) {
        return FilterError(absl::StrCat(
            "state: ", QuotePrefix(t.value),
            " is not one of PENDING, APPROVED, DENIED, WITHDRAWN, EXPIRED"));
      }
      filter.state = *state;
    } else if (t.field == "output_port" || t.field == "data_product") {
      MP_RETURN_IF_ERROR(PortOrProductTerm(t, filter));
    } else if (t.field == "consumer") {
      filter.consumer = t.value;
    } else if (t.field == "requester") {
      filter.requester = t.value;
    } else {
      return FilterError(absl::StrCat(
          "unknown field \"", t.field,
          "\" (known: state, output_port, data_product, consumer, requester)"));
    }
  }
  MP_ASSIGN_OR_RETURN(auto read,
                      internal::BeginListRead(
                          store_, store::TxnMode::kSingleRead,
                          {"access-requests", internal::CanonicalFilter(terms)},
                          query.page_token, limit));
  MP_ASSIGN_OR_RETURN(auto page,
                      read.txn->access().ListAccessRequests(filter, read.page));
  for (auto& r : page.items) r.state = r.StateAt(filter.now);
  return ToListResult(std::move(page), read.fingerprint);
}

absl::StatusOr<AccessRequest> Access::ChangeRequest(
    const RequestContext& ctx, const internal::RpcName& rpc,
    const std::string& id, const std::string& fingerprint,
    const std::string& etag, const char* event, const RequestChange& change) {
  auto rule = [&](store::Transaction& txn,
                  ResourceWrite<AccessRequestTraits>& w)
      -> absl::StatusOr<AccessRequest> {
    const absl::Time now = internal::StoreNow(clock_);
    MP_ASSIGN_OR_RETURN(AccessRequest r, txn.access().GetAccessRequest(id));
    MP_RETURN_IF_ERROR(
        CheckEtag(model::AccessRequestName(id), etag, r.revision));
    const AccessRequest before = r;
    MP_RETURN_IF_ERROR(change(txn, r, now));
    if (before.StateAt(now) != AccessRequestState::kPending) {
      return NotPending(before, now);
    }
    r.update_time = now;
    r.revision = before.revision + 1;
    MP_RETURN_IF_ERROR(
        StoreWrite(txn.access().UpdateAccessRequest(r, before.revision)));
    w.Before(before);
    w.SetEvent(event);
    return r;
  };
  return WritePipeline(store_, clock_)
      .Update<AccessRequestTraits>(
          ctx, {rpc, model::AccessRequestName(id), fingerprint}, rule);
}

absl::Status Access::CheckReviewer(const RequestContext& ctx,
                                   store::Transaction& txn,
                                   const AccessRequest& r,
                                   const char* action) const {
  MP_ASSIGN_OR_RETURN(PortContext port, LoadPort(txn, r.port, "name"));
  return authz_.CheckProductWrite(ctx.principal, port.product, port.chain,
                                  action);
}

absl::StatusOr<AccessRequest> Access::Approve(const RequestContext& ctx,
                                              const std::string& id,
                                              const std::string& comment,
                                              absl::Duration duration,
                                              const std::string& etag) {
  Violations v;
  v.CheckText("comment", comment, kMaxComment);
  if (duration < absl::ZeroDuration()) {
    v.Add("duration", "must not be negative");
  } else if (duration > absl::ZeroDuration() && duration < absl::Minutes(1)) {
    v.Add("duration", "must be at least 1 minute (or 0: as asked)");
  }
  MP_RETURN_IF_ERROR(v.ToStatus());
  std::optional<Grant> made;
  MP_ASSIGN_OR_RETURN(
      AccessRequest result,
      ChangeRequest(
          ctx, rpc::kApproveAccessRequest, id,
          absl::StrCat(id, "\n", comment, "\n", absl::ToInt64Seconds(duration),
                       "\n", etag),
          etag, "granted",
          [&](store::Transaction& txn, AccessRequest& r,
              absl::Time now) -> absl::Status {
            made.reset();
            MP_RETURN_IF_ERROR(
                CheckReviewer(ctx, txn, r, "approve access requests for"));
            if (ctx.principal.id == r.requester ||
                IsMemberOfConsumer(ctx.principal, r.consumer)) {
              return absl::PermissionDeniedError(absl::StrCat(
                  ctx.principal.id, " may not approve ",
                  model::AccessRequestName(id),
                  ": a request is approved by someone other than who asked "
                  "and who gets access"));
            }
            if (r.StateAt(now) != AccessRequestState::kPending) {
              return NotPending(r, now);
            }
            absl::Duration granted = r.duration;
            if (duration > absl::ZeroDuration()) {
              if (duration > r.duration) {
                return InvalidArgumentWithFields(
                    {{"duration", absl::StrCat("is longer than the ",
                                               absl::FormatDuration(r.duration),
                                               " the request asks for")}});
              }
              granted = duration;
            }
            r.state = AccessRequestState::kApproved;
            r.reviewer = ctx.principal.id;
            r.review_comment = comment;
            MP_ASSIGN_OR_RETURN(
                made, MakeGrant(txn, ctx.principal.id, r, granted, now));
            return absl::OkStatus();
          }));
  // Read-your-writes on this replica; the others learn through NOTIFY.
  if (made && !ctx.validate_only) index_.UpsertGrant(*made);
  return result;
}

absl::StatusOr<AccessRequest> Access::Deny(const RequestContext& ctx,
                                           const std::string& id,
                                           const std::string& comment,
                                           const std::string& etag) {
  Violations v;
  v.CheckText("comment", comment, kMaxComment);
  MP_RETURN_IF_ERROR(v.ToStatus());
  return ChangeRequest(ctx, rpc::kDenyAccessRequest, id,
                       absl::StrCat(id, "\n", comment, "\n", etag), etag,
                       "denied",
                       [&](store::Transaction& txn, AccessRequest& r,
                           absl::Time) -> absl::Status {
                         MP_RETURN_IF_ERROR(CheckReviewer(
                             ctx, txn, r, "deny access requests for"));
                         r.state = AccessRequestState::kDenied;
                         r.reviewer = ctx.principal.id;
                         r.review_comment = comment;
                         return absl::OkStatus();
                       });
}

absl::StatusOr<AccessRequest> Access::Withdraw(const RequestContext& ctx,
                                               const std::string& id,
                                               const std::string& etag) {
  return ChangeRequest(
      ctx, rpc::kWithdrawAccessRequest, id, absl::StrCat(id, "\n", etag), etag,
      "withdrawn",
      [&](store::Transaction&, AccessRequest& r, absl::Time) -> absl::Status {
        if (ctx.principal.id != r.requester) {
          return absl::PermissionDeniedError(
              absl::StrCat(ctx.principal.id, " may not withdraw ",
                           model::AccessRequestName(id),
                           ": only its requester (", r.requester, ") may"));
        }
        r.state = AccessRequestState::kWithdrawn;
        return absl::OkStatus();
      });
}

// ============================================================ Grants

absl::StatusOr<ListResult<Grant>> Access::ListGrants(const RequestContext& ctx,
                                                     const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  store::GrantFilter filter;
  filter.now = internal::StoreNow(clock_);
  std::optional<model::GrantState> state;
  std::string principal;
  std::set<std::string> seen;
  for (const auto& t : terms) {
    if (t.field.empty()) return FilterError("free text is not supported here");
    if (!seen.insert(t.field).second) {
      return FilterError(
          absl::StrCat("\"", t.field, "\" may appear only once"));
    }
    if (t.field == "output_port" || t.field == "data_product") {
      MP_RETURN_IF_ERROR(PortOrProductTerm(t, filter));
    } else if (t.field == "consumer") {
      filter.consumers = {t.value};
    } else if (t.field == "principal") {
      principal = t.value;
    } else if (t.field == "state") {
      std::string s = absl::AsciiStrToUpper(t.value);
      if (absl::StartsWith(s, "GRANT_STATE_")) s = s.substr(12);
      state = model::ParseGrantState(s);
      if (!state) {
        return FilterError(
            absl::StrCat("state: ", QuotePrefix(t.value),
                         " is not one of ACTIVE, EXPIRED, REVOKED"));
      }
      filter.active_only = *state == model::GrantState::kActive;
    } else {
      return FilterError(absl::StrCat(
          "unknown field \"", t.field,
          "\" (known: output_port, data_product, consumer, principal, state)"));
    }
  }
  if (!principal.empty() && !filter.consumers.empty()) {
    return FilterError("use consumer or principal, not both");
  }
  MP_ASSIGN_OR_RETURN(
      auto read,
      internal::BeginListRead(store_, store::TxnMode::kReadOnly,
                              {"grants", internal::CanonicalFilter(terms)},
                              query.page_token, limit));
  if (!principal.empty()) {
    // What covers the principal: its own grants and its teams'.
    filter.consumers = {principal};
    MP_ASSIGN_OR_RETURN(auto teams, ConsumerTeams(*read.txn, principal));
    for (const auto& t : teams) {
      if (absl::StrCat("team:", t) != principal) {
        filter.consumers.push_back(absl::StrCat("team:", t));
      }
    }
  }
  MP_ASSIGN_OR_RETURN(auto page,
                      read.txn->access().ListGrants(filter, read.page));
  if (state && *state != model::GrantState::kActive) {
    // EXPIRED and REVOKED are decided against now, after the store's page.
    std::vector<Grant> kept;
    for (auto& g : page.items) {
      if (g.StateAt(filter.now) == *state) kept.push_back(std::move(g));
    }
    page.items = std::move(kept);
  }
  return ToListResult(std::move(page), read.fingerprint);
}

absl::StatusOr<Grant> Access::RevokeGrant(const RequestContext& ctx,
                                          const std::string& id,
                                          const std::string& reason) {
  Violations v;
  v.CheckText("reason", reason, kMaxComment);
  MP_RETURN_IF_ERROR(v.ToStatus());
  auto rule = [&](store::Transaction& txn,
                  ResourceWrite<GrantTraits>& w) -> absl::StatusOr<Grant> {
    const absl::Time now = internal::StoreNow(clock_);
    MP_ASSIGN_OR_RETURN(Grant g, txn.access().GetGrant(id));
    if (!IsMemberOfConsumer(ctx.principal, g.consumer)) {
      MP_ASSIGN_OR_RETURN(PortContext port, LoadPort(txn, g.port, "name"));
      MP_RETURN_IF_ERROR(authz_.CheckProductWrite(
          ctx.principal, port.product, port.chain, "revoke grants on"));
    }
    if (g.revoke_time) {
      return WithReason(absl::FailedPreconditionError(absl::StrCat(
                            model::GrantName(id), " was revoked at ",
                            absl::FormatTime(absl::RFC3339_sec, *g.revoke_time,
                                             absl::UTCTimeZone()),
                            " by ", g.revoked_by)),
                        "GRANT_REVOKED");
    }
    const Grant before = g;
    g.revoke_time = now;
    g.revoked_by = ctx.principal.id;
    g.revoke_reason = reason;
    g.revision += 1;
    MP_RETURN_IF_ERROR(
        StoreWrite(txn.access().UpdateGrant(g, before.revision)));
    MP_RETURN_IF_ERROR(Notify(txn, absl::StrCat("grant:", g.id)));
    w.Before(before);
    w.SetEvent("revoked");
    return g;
  };
  return WritePipeline(store_, clock_)
      .Update<GrantTraits>(ctx,
                           {rpc::kRevokeGrant, model::GrantName(id),
                            absl::StrCat(id, "\n", reason)},
                           rule, [this](const Grant& g) {
                             // Read-your-writes on this replica without
                             // waiting for the notification.
                             index_.UpsertGrant(g);
                           });
}

}  // namespace meshplane::core
