#include "meshplane/core/access.h"

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
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

using internal::DomainChain;
using internal::LoadPort;
using internal::PortContext;
using internal::Referenced;
using internal::Violations;
namespace rpc = internal::rpc;
using model::AccessRequest;
using model::AccessRequestState;
using model::Grant;

constexpr size_t kMaxBatch = 1000;
constexpr int kLoadPage = 5000;

}  // namespace

namespace internal {

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

}  // namespace internal

struct Access::Live {
  explicit Live(Access& a)
      : refresher([&a] { return a.Reload(); },
                  {a.options_.refresh_interval, absl::Milliseconds(200)}) {}

  std::mutex apply_mu;  // one Reload or ApplyChange at a time
  internal::SnapshotRefresher refresher;
};

Access::Access(store::Store& store, const auth::Authorizer& authz,
               const Clock& clock, Governance* governance,
               AccessOptions options)
    : store_(store),
      authz_(authz),
      clock_(clock),
      governance_(governance),
      options_(std::move(options)),
      live_(std::make_unique<Live>(*this)) {
  internal::DecisionLog::Options log;
  log.mode = options_.durable_decision_log
                 ? internal::DecisionLog::Mode::kDurable
                 : internal::DecisionLog::Mode::kBatched;
  log.flush_interval = options_.decision_flush_interval;
  log_ = std::make_unique<internal::DecisionLog>(store_, log);
}

Access::~Access() {
  listener_.reset();
  live_->refresher.Stop();
  log_.reset();
}

// ============================================================ The index

absl::Status Access::Reload() {
  // Serialised with ApplyChange: a change applied after a reload re-reads
  // the current row, so nothing committed after the reload's read is lost.
  std::lock_guard<std::mutex> apply(live_->apply_mu);
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
  live_->refresher.Start();
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
    if (!Reload().ok()) live_->refresher.Wake();
    return;
  }
  // Applied here, on the listener's one thread, in commit order.
  if (!ApplyChange(n.payload).ok()) live_->refresher.Wake();
}

absl::Status Access::ApplyChange(const std::string& payload) {
  std::lock_guard<std::mutex> apply(live_->apply_mu);
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
    req["method"] = internal::MethodOf(ctx, rpc::kCheckAccess);
    req["output_port"] = port->port_id;
    req["consumer"] = q.principal;
    req["action"] = q.action;
    req["grant"] = model::GrantName(found.grant_id);
    GovernedSubject subject = internal::SubjectInChain(
        "access.check", q.port_name, model::ToJson(pc.product), pc.chain);
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
