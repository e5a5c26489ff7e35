#include "meshplane/core/access.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/decision_log.h"
#include "core/filter.h"
#include "core/page_token.h"
#include "core/validation.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"
#include <nlohmann/json.hpp>

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

using internal::ChainIds;
using internal::CheckEtag;
using internal::DomainChain;
using internal::FilterError;
using internal::Referenced;
using internal::StoreWrite;
using internal::ToListResult;
using internal::Violations;
using internal::WriteOutcome;
using internal::WritePipeline;
using internal::WriteSpec;
using model::AccessRequest;
using model::AccessRequestState;
using model::Grant;

constexpr char kService[] = "meshplane.v1.AccessService/";
constexpr size_t kMaxPurpose = 4096;
constexpr size_t kMaxComment = 4096;
constexpr size_t kMaxBatch = 1000;
constexpr int kLoadPage = 5000;

std::string Method(absl::string_view rpc) {
  return absl::StrCat(kService, rpc);
}

std::string DurationJson(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Seconds(d), "s");
}

// The product and port a request names, with the product's domain chain.
struct PortContext {
  model::DataProduct product;
  std::vector<model::Domain> chain;
};

absl::StatusOr<PortContext> LoadPort(store::Transaction& txn,
                                     const model::OutputPortRef& port,
                                     const std::string& field) {
  const std::string name = model::OutputPortName(port);
  auto product =
      txn.registry().GetDataProduct({port.domain_id, port.product_id});
  if (!product.ok()) return Referenced(product.status(), field, name);
  bool found = false;
  for (const auto& o : product->output_ports) found |= o.id == port.port_id;
  if (!found) return internal::NotFoundAt(field, name);
  PortContext out;
  out.product = *std::move(product);
  MP_ASSIGN_OR_RETURN(auto domain, txn.registry().GetDomain(port.domain_id));
  MP_ASSIGN_OR_RETURN(out.chain, DomainChain(txn, domain));
  return out;
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

}  // namespace

Access::Access(store::Store& store, const auth::Authorizer& authz,
               const Clock& clock, Governance* governance,
               AccessOptions options)
    : store_(store),
      authz_(authz),
      clock_(clock),
      governance_(governance),
      options_(std::move(options)) {
  internal::DecisionLog::Options log;
  log.mode = options_.durable_decision_log
                 ? internal::DecisionLog::Mode::kDurable
                 : internal::DecisionLog::Mode::kBatched;
  log.flush_interval = options_.decision_flush_interval;
  log_ = std::make_unique<internal::DecisionLog>(store_, log);
}

Access::~Access() {
  listener_.reset();
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  log_.reset();
}

// ============================================================ The index

absl::Status Access::Reload() {
  // Serialised with ApplyChange: a change applied after a reload re-reads
  // the current row, so nothing committed after the reload's read is lost.
  std::lock_guard<std::mutex> apply(apply_mu_);
  AccessIndexData data;
  const absl::Time now = clock_.Now();
  MP_RETURN_IF_ERROR(store_.RunInTransaction(
      store::TxnMode::kReadOnly, [&](store::Transaction& txn) -> absl::Status {
        data = AccessIndexData{};
        std::string after;
        while (true) {
          MP_ASSIGN_OR_RETURN(auto grants,
                              txn.access().ActiveGrants(now, after, kLoadPage));
          if (grants.empty()) break;
          after = grants.back().id;
          for (auto& g : grants) data.grants.push_back(std::move(g));
          if (static_cast<int>(data.grants.size()) % kLoadPage != 0) break;
        }
        store::PageRequest teams{"", 1000};
        do {
          MP_ASSIGN_OR_RETURN(auto page, txn.registry().ListTeams({}, teams));
          for (auto& t : page.items) data.teams.push_back(std::move(t));
          teams.after = page.next;
        } while (!teams.after.empty());
        store::PageRequest products{"", 1000};
        do {
          MP_ASSIGN_OR_RETURN(auto page,
                              txn.registry().ListDataProducts({}, products));
          for (const auto& p : page.items) {
            for (const auto& o : p.output_ports) {
              data.ports.push_back(
                  {{p.domain_id, p.id, o.id}, p.owner_team_id});
            }
          }
          products.after = page.next;
        } while (!products.after.empty());
        return absl::OkStatus();
      }));
  index_.Replace(data);
  ++reloads_;
  loaded_ = true;
  if (listener_ == nullptr || listener_->connected()) down_since_us_ = 0;
  return absl::OkStatus();
}

absl::Status Access::Start() {
  // Loaded once here, so that a store that is down fails the start; the
  // listener's first resync (after LISTEN took effect) loads again, so
  // that nothing committed in between is missed.
  MP_RETURN_IF_ERROR(Reload());
  MP_ASSIGN_OR_RETURN(listener_, store_.NewListener());
  MP_RETURN_IF_ERROR(listener_->Start(
      {kAccessChannel},
      [this](const store::Listener::Notification& n) { OnNotification(n); }));
  refresher_ = std::thread([this] { RefreshLoop(); });
  return absl::OkStatus();
}

void Access::OnNotification(const store::Listener::Notification& n) {
  ++notifications_;
  if (n.lost) {
    if (options_.on_listener_lost) options_.on_listener_lost();
    // The freshness bound counts from the moment the connection broke, not
    // from when someone next asks.
    int64_t expected = 0;
    down_since_us_.compare_exchange_strong(expected,
                                           absl::ToUnixMicros(clock_.Now()));
    return;
  }
  if (n.resync) {
    // Notifications may have been lost while the connection was down: the
    // index is vouched for only within the freshness bound (counted from
    // when the connection was first seen down, or from now) until the
    // reload below completes.
    int64_t expected = 0;
    down_since_us_.compare_exchange_strong(expected,
                                           absl::ToUnixMicros(clock_.Now()));
    loaded_ = false;
    // Reloaded here, on the listener's thread, so that the notifications
    // after the resync are applied after it, in order.
    if (!Reload().ok()) {
      std::lock_guard<std::mutex> lock(loop_mu_);
      dirty_ = true;
      loop_cv_.notify_all();
    }
    return;
  }
  // Applied here, on the listener's one thread, in commit order.
  if (!ApplyChange(n.payload).ok()) {
    std::lock_guard<std::mutex> lock(loop_mu_);
    dirty_ = true;
    loop_cv_.notify_all();
  }
}

absl::Status Access::ApplyChange(const std::string& payload) {
  std::lock_guard<std::mutex> apply(apply_mu_);
  std::vector<std::string> parts =
      absl::StrSplit(payload, absl::MaxSplits(':', 1));
  if (parts.size() != 2) return absl::OkStatus();  // not ours to know
  const std::string& kind = parts[0];
  const std::string& id = parts[1];
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  if (kind == "grant") {
    auto grant = txn->access().GetGrant(id);
    if (grant.ok()) {
      index_.UpsertGrant(*grant);
      return absl::OkStatus();
    }
    return grant.status();
  }
  if (kind == "team") {
    auto team = txn->registry().GetTeam(id);
    if (team.ok()) {
      index_.SetTeam(id, team->members);
    } else if (team.status().code() == absl::StatusCode::kNotFound) {
      index_.SetTeam(id, {});
    } else {
      return team.status();
    }
    return absl::OkStatus();
  }
  if (kind == "product") {
    std::vector<std::string> key = absl::StrSplit(id, absl::MaxSplits('/', 1));
    if (key.size() != 2) return absl::OkStatus();
    auto product = txn->registry().GetDataProduct({key[0], key[1]});
    if (product.ok()) {
      std::vector<std::string> ports;
      for (const auto& o : product->output_ports) ports.push_back(o.id);
      index_.SetProductPorts({key[0], key[1]}, product->owner_team_id, ports);
    } else if (product.status().code() == absl::StatusCode::kNotFound) {
      index_.SetProductPorts({key[0], key[1]}, "", {});
    } else {
      return product.status();
    }
  }
  return absl::OkStatus();
}

void Access::RefreshLoop() {
  const auto interval = absl::ToChronoMilliseconds(options_.refresh_interval);
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!stopping_) {
    loop_cv_.wait_for(lock, interval, [this] { return stopping_ || dirty_; });
    if (stopping_) break;
    dirty_ = false;
    lock.unlock();
    const bool loaded = Reload().ok();
    lock.lock();
    if (!loaded) {
      dirty_ = true;
      loop_cv_.wait_for(lock, std::chrono::milliseconds(200),
                        [this] { return stopping_; });
    }
  }
}

bool Access::fresh() const {
  if (!loaded_) {
    // Reloading after a reconnect: still good within the bound.
    const int64_t down = down_since_us_.load();
    if (down == 0) return false;
    return absl::ToUnixMicros(clock_.Now()) - down <=
           absl::ToInt64Microseconds(options_.freshness_bound);
  }
  if (listener_ == nullptr) return true;  // not started: tests of the index
  const int64_t now_us = absl::ToUnixMicros(clock_.Now());
  if (!listener_->connected()) {
    int64_t expected = 0;
    down_since_us_.compare_exchange_strong(expected, now_us);
  }
  const int64_t down = down_since_us_.load();
  return down == 0 ||
         now_us - down <= absl::ToInt64Microseconds(options_.freshness_bound);
}

void Access::FlushDecisions() {
  for (int i = 0; i < 500; ++i) {
    auto s = log_->stats();
    if (s.queued == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

absl::Duration Access::max_decision_delay() const {
  return log_->stats().max_delay;
}

absl::Status Access::Notify(store::Transaction& txn,
                            const std::string& payload) {
  return txn.Notify(kAccessChannel, payload);
}

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

  AccessRequest result;
  std::optional<Grant> made;
  WriteSpec spec{
      Method("RequestAccess"), model::OutputPortName(request.port),
      absl::StrCat(model::OutputPortName(request.port), "\n", request.consumer,
                   "\n", absl::StrJoin(request.actions, ","), "\n",
                   request.purpose, "\n",
                   absl::ToInt64Seconds(request.duration))};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
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
                  {"method",
                   ctx.method.empty() ? Method("RequestAccess") : ctx.method},
                  {"validate_only", ctx.validate_only},
                  {"output_port", r.port.port_id},
                  {"consumer", r.consumer},
                  {"requester", r.requester},
                  {"purpose", r.purpose},
                  {"duration", DurationJson(r.duration)},
                  {"actions", r.actions},
                  {"consumer_domains", domains}};
              GovernedSubject subject;
              subject.trigger = "access.request";
              subject.resource_name = model::OutputPortName(r.port);
              subject.domain_chain = ChainIds(port.chain);
              subject.resource_json = model::ToJson(port.product);
              subject.domain_json = model::ToJson(port.chain.front());
              subject.request_json = req.dump();
              MP_ASSIGN_OR_RETURN(policy::Decision decision,
                                  governance_->Decide(ctx, subject));
              out.decision_json = policy::DecisionToJson(decision);
              r.decision_json = out.decision_json;
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
              MP_ASSIGN_OR_RETURN(made,
                                  MakeGrant(txn, "policy", r, r.duration, now));
              MP_RETURN_IF_ERROR(
                  StoreWrite(txn.access().UpdateAccessRequest(r, r.revision)));
            }
            out.resource = model::AccessRequestName(r.id);
            out.after_json = model::ToJson(r);
            out.response_json = out.after_json;
            out.event_type = r.state == AccessRequestState::kApproved
                                 ? "access.granted"
                                 : "access.requested";
            out.domain_id = r.port.domain_id;
            result = std::move(r);
            return absl::OkStatus();
          }));
  if (replay) return model::AccessRequestFromJson(*replay);
  // Read-your-writes on this replica; the others learn through NOTIFY.
  if (made && !ctx.validate_only) index_.UpsertGrant(*made);
  return result;
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
    } else if (t.field == "output_port") {
      auto port = model::ParseOutputPortName("filter", t.value);
      if (!port.ok())
        return FilterError(absl::StrCat("output_port: ", QuotePrefix(t.value),
                                        " is not a port name"));
      filter.port = *port;
    } else if (t.field == "data_product") {
      auto product = model::ParseProductName("filter", t.value);
      if (!product.ok())
        return FilterError(absl::StrCat("data_product: ", QuotePrefix(t.value),
                                        " is not a product name"));
      filter.product = *product;
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
  std::string fingerprint = internal::QueryFingerprint(
      {"access-requests", internal::CanonicalFilter(terms)});
  MP_ASSIGN_OR_RETURN(std::string after,
                      internal::DecodePageToken(query.page_token, fingerprint));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kSingleRead));
  MP_ASSIGN_OR_RETURN(auto page,
                      txn->access().ListAccessRequests(filter, {after, limit}));
  for (auto& r : page.items) r.state = r.StateAt(filter.now);
  return ToListResult(std::move(page), fingerprint);
}

absl::StatusOr<AccessRequest> Access::ChangeRequest(
    const RequestContext& ctx, const char* rpc, const std::string& id,
    const std::string& fingerprint, const std::string& etag, const char* event,
    const RequestChange& change) {
  AccessRequest result;
  WriteSpec spec{Method(rpc), model::AccessRequestName(id), fingerprint};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            const absl::Time now = internal::StoreNow(clock_);
            MP_ASSIGN_OR_RETURN(AccessRequest r,
                                txn.access().GetAccessRequest(id));
            MP_RETURN_IF_ERROR(
                CheckEtag(model::AccessRequestName(id), etag, r.revision));
            const AccessRequest before = r;
            MP_RETURN_IF_ERROR(change(txn, r, now));
            if (before.StateAt(now) != AccessRequestState::kPending) {
              return NotPending(before, now);
            }
            r.update_time = now;
            r.revision = before.revision + 1;
            MP_RETURN_IF_ERROR(StoreWrite(
                txn.access().UpdateAccessRequest(r, before.revision)));
            out.resource = model::AccessRequestName(r.id);
            out.before_json = model::ToJson(before);
            out.after_json = model::ToJson(r);
            out.response_json = out.after_json;
            out.event_type = event;
            out.domain_id = r.port.domain_id;
            result = std::move(r);
            return absl::OkStatus();
          }));
  if (replay) return model::AccessRequestFromJson(*replay);
  return result;
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
          ctx, "ApproveAccessRequest", id,
          absl::StrCat(id, "\n", comment, "\n", absl::ToInt64Seconds(duration),
                       "\n", etag),
          etag, "access.granted",
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
  return ChangeRequest(ctx, "DenyAccessRequest", id,
                       absl::StrCat(id, "\n", comment, "\n", etag), etag,
                       "access.denied",
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
      ctx, "WithdrawAccessRequest", id, absl::StrCat(id, "\n", etag), etag,
      "access.withdrawn",
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
    if (t.field == "output_port") {
      auto port = model::ParseOutputPortName("filter", t.value);
      if (!port.ok())
        return FilterError(absl::StrCat("output_port: ", QuotePrefix(t.value),
                                        " is not a port name"));
      filter.port = *port;
    } else if (t.field == "data_product") {
      auto product = model::ParseProductName("filter", t.value);
      if (!product.ok())
        return FilterError(absl::StrCat("data_product: ", QuotePrefix(t.value),
                                        " is not a product name"));
      filter.product = *product;
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
  std::string fingerprint =
      internal::QueryFingerprint({"grants", internal::CanonicalFilter(terms)});
  MP_ASSIGN_OR_RETURN(std::string after,
                      internal::DecodePageToken(query.page_token, fingerprint));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  if (!principal.empty()) {
    // What covers the principal: its own grants and its teams'.
    filter.consumers = {principal};
    MP_ASSIGN_OR_RETURN(auto teams, ConsumerTeams(*txn, principal));
    for (const auto& t : teams) {
      if (absl::StrCat("team:", t) != principal) {
        filter.consumers.push_back(absl::StrCat("team:", t));
      }
    }
  }
  MP_ASSIGN_OR_RETURN(auto page,
                      txn->access().ListGrants(filter, {after, limit}));
  if (state && *state != model::GrantState::kActive) {
    // EXPIRED and REVOKED are decided against now, after the store's page.
    std::vector<Grant> kept;
    for (auto& g : page.items) {
      if (g.StateAt(filter.now) == *state) kept.push_back(std::move(g));
    }
    page.items = std::move(kept);
  }
  return ToListResult(std::move(page), fingerprint);
}

absl::StatusOr<Grant> Access::RevokeGrant(const RequestContext& ctx,
                                          const std::string& id,
                                          const std::string& reason) {
  Violations v;
  v.CheckText("reason", reason, kMaxComment);
  MP_RETURN_IF_ERROR(v.ToStatus());
  Grant result;
  WriteSpec spec{Method("RevokeGrant"), model::GrantName(id),
                 absl::StrCat(id, "\n", reason)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            const absl::Time now = internal::StoreNow(clock_);
            MP_ASSIGN_OR_RETURN(Grant g, txn.access().GetGrant(id));
            if (!IsMemberOfConsumer(ctx.principal, g.consumer)) {
              MP_ASSIGN_OR_RETURN(PortContext port,
                                  LoadPort(txn, g.port, "name"));
              MP_RETURN_IF_ERROR(authz_.CheckProductWrite(
                  ctx.principal, port.product, port.chain, "revoke grants on"));
            }
            if (g.revoke_time) {
              return WithReason(
                  absl::FailedPreconditionError(absl::StrCat(
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
            out.resource = model::GrantName(g.id);
            out.before_json = model::ToJson(before);
            out.after_json = model::ToJson(g);
            out.response_json = out.after_json;
            out.event_type = "access.revoked";
            out.domain_id = g.port.domain_id;
            result = std::move(g);
            return absl::OkStatus();
          }));
  if (replay) return model::GrantFromJson(*replay);
  // Read-your-writes on this replica without waiting for the notification.
  if (!ctx.validate_only) index_.UpsertGrant(result);
  return result;
}

// ============================================================ CheckAccess

absl::StatusOr<AccessVerdict> Access::Decide(const RequestContext& ctx,
                                             const AccessQuestion& q,
                                             absl::Time now,
                                             model::AccessDecision* record) {
  IndexCheck found = index_.Check(q.principal, q.port_name, q.action, now);
  if (q.principal != ctx.principal.id && !ctx.principal.platform_admin &&
      std::find(options_.checkers.begin(), options_.checkers.end(),
                ctx.principal.id) == options_.checkers.end() &&
      !(found.port_known && ctx.principal.IsMemberOf(found.owner_team_id))) {
    return absl::PermissionDeniedError(absl::StrCat(
        ctx.principal.id, " may not check the access of ", q.principal,
        ": anyone may check their own; checking others needs the "
        "platform-admin role, membership in the port's owner team, or being "
        "a configured access checker (--access-checker)"));
  }
  AccessVerdict verdict;
  verdict.allowed = found.allowed;
  verdict.grant_id = found.grant_id;
  verdict.expire_time = found.expire_time;
  verdict.reason = found.reason;
  record->time = now;
  record->caller = ctx.principal.id;
  record->principal = q.principal;
  auto port = model::ParseOutputPortName("output_port", q.port_name);
  if (port.ok()) record->port = *port;
  record->action = q.action;
  // access.check policies run only where some exist: the common case costs
  // nothing more than the index lookup.
  if (verdict.allowed && governance_ != nullptr &&
      governance_->snapshot()->HasTrigger("access.check")) {
    MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
    MP_ASSIGN_OR_RETURN(PortContext pc, LoadPort(*txn, *port, "output_port"));
    nlohmann::json req = nlohmann::json::object();
    if (!q.attributes_json.empty()) {
      req = nlohmann::json::parse(q.attributes_json, nullptr, false);
      if (!req.is_object()) req = nlohmann::json::object();
    }
    req["method"] = ctx.method.empty() ? Method("CheckAccess") : ctx.method;
    req["output_port"] = port->port_id;
    req["consumer"] = q.principal;
    req["action"] = q.action;
    req["grant"] = model::GrantName(found.grant_id);
    GovernedSubject subject;
    subject.trigger = "access.check";
    subject.resource_name = q.port_name;
    subject.domain_chain = ChainIds(pc.chain);
    subject.resource_json = model::ToJson(pc.product);
    subject.domain_json = model::ToJson(pc.chain.front());
    subject.request_json = req.dump();
    MP_ASSIGN_OR_RETURN(policy::Decision decision,
                        governance_->Decide(ctx, subject));
    record->decision_json = policy::DecisionToJson(decision);
    verdict.violations = Governance::Details(decision.violations);
    if (decision.outcome != policy::Outcome::kAllow) {
      verdict.allowed = false;
      std::vector<std::string> why;
      for (const auto& v : decision.Blocking()) {
        why.push_back(absl::StrCat(v.policy, ": ", v.message));
      }
      verdict.reason =
          absl::StrCat("denied by policy: ", absl::StrJoin(why, "; "));
      verdict.grant_id.clear();
    }
  }
  record->allowed = verdict.allowed;
  record->grant_id = verdict.grant_id;
  record->reason = verdict.reason;
  return verdict;
}

absl::StatusOr<AccessVerdict> Access::Check(const RequestContext& ctx,
                                            const AccessQuestion& question) {
  MP_ASSIGN_OR_RETURN(auto verdicts, BatchCheck(ctx, {question}));
  return std::move(verdicts.front());
}

absl::StatusOr<std::vector<AccessVerdict>> Access::BatchCheck(
    const RequestContext& ctx, const std::vector<AccessQuestion>& questions) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  Violations v;
  if (questions.empty()) v.Add("checks", "at least one check is required");
  if (questions.size() > kMaxBatch) {
    v.Add("checks", absl::StrCat("at most ", kMaxBatch, " checks per call"));
  }
  const bool single = questions.size() == 1;
  for (size_t i = 0; i < questions.size() && i < kMaxBatch; ++i) {
    const std::string prefix = single ? "" : absl::StrCat("checks[", i, "].");
    v.AddStatus(
        prefix + "principal",
        model::ValidatePrincipal(prefix + "principal", questions[i].principal));
    auto port = model::ParseOutputPortName(prefix + "output_port",
                                           questions[i].port_name);
    v.AddStatus(prefix + "output_port", port.status());
    if (!model::IsAccessAction(questions[i].action)) {
      v.Add(prefix + "action",
            absl::StrCat("\"", questions[i].action,
                         "\" is not an action (read, write)"));
    }
  }
  MP_RETURN_IF_ERROR(v.ToStatus());
  if (!fresh()) {
    return absl::UnavailableError(
        "this replica cannot vouch for its access index (its connection to "
        "the database is down or it is reloading after a reconnect); retry, "
        "or ask another replica");
  }
  const absl::Time now = clock_.Now();
  std::vector<AccessVerdict> out;
  std::vector<model::AccessDecision> records(questions.size());
  out.reserve(questions.size());
  for (size_t i = 0; i < questions.size(); ++i) {
    MP_ASSIGN_OR_RETURN(AccessVerdict verdict,
                        Decide(ctx, questions[i], now, &records[i]));
    out.push_back(std::move(verdict));
  }
  MP_RETURN_IF_ERROR(log_->Append(std::move(records)));
  return out;
}

}  // namespace meshplane::core
