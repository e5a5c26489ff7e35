// SimulatePolicy: a draft or stored policy replayed over the registry, in
// parallel, before anyone enforces it.
#include <algorithm>
#include <map>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/engine_view.h"
#include "core/validation.h"
#include "core/write_pipeline.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/core/governance.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

constexpr int kPage = 1000;
constexpr int64_t kMaxResources = 100000;

// One resource to replay: its name, documents and domain chain.
struct Item {
  std::string name;
  std::string resource_json;
  std::string domain_json;
  std::vector<std::string> chain;
};

std::vector<std::string> ChainOf(
    const std::map<std::string, model::Domain>& domains, std::string id) {
  std::vector<std::string> chain;
  // Bounded by the number of domains, so a (refused, but imagined) cycle
  // cannot loop forever.
  while (!id.empty() && chain.size() <= domains.size()) {
    chain.push_back(id);
    auto it = domains.find(id);
    if (it == domains.end()) break;
    id = it->second.parent_id;
  }
  return chain;
}

bool InScope(const std::vector<std::string>& chain, const std::string& scope) {
  return scope.empty() ||
         std::find(chain.begin(), chain.end(), scope) != chain.end();
}

bool BindsPrevious(const std::string& trigger) {
  auto vars = policy::TriggerVariables(trigger);
  return std::find(vars.begin(), vars.end(), "previous") != vars.end();
}

}  // namespace

absl::StatusOr<SimulationSummary> Governance::Simulate(
    const RequestContext& ctx, const SimulationSpec& spec,
    const std::function<bool(const SimulationResult&)>& emit) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  int64_t max = spec.max_resources == 0 ? 1000 : spec.max_resources;
  if (max < 0 || max > kMaxResources) {
    return InvalidArgumentWithFields(
        {{"max_resources",
          absl::StrCat("must be between 1 and ", kMaxResources)}});
  }
  if (spec.candidate.has_value() == spec.stored.has_value()) {
    return InvalidArgumentWithFields(
        {{"policy",
          "exactly one of `policy` (a candidate) and `name` (a "
          "stored policy) is required"}});
  }
  model::Policy p;
  std::vector<policy::Waiver> waivers;
  std::map<std::string, model::Domain> domains;
  MP_RETURN_IF_ERROR(store_.RunInTransaction(
      store::TxnMode::kReadOnly, [&](store::Transaction& txn) -> absl::Status {
        if (spec.stored) {
          auto got = txn.governance().GetPolicy(*spec.stored);
          if (!got.ok()) {
            return got.status().code() == absl::StatusCode::kNotFound
                       ? absl::NotFoundError(absl::StrCat(
                             "name: ", model::PolicyName(*spec.stored),
                             " not found"))
                       : got.status();
          }
          p = *std::move(got);
        } else {
          p = *spec.candidate;
          if (p.id.empty()) p.id = "candidate";
          if (p.owner_team_id.empty()) p.owner_team_id = "candidate";
        }
        waivers.clear();
        store::WaiverFilter wf;
        wf.policy = p.key();
        wf.not_expired_at = clock_.Now();
        store::PageRequest page{"", kPage};
        do {
          MP_ASSIGN_OR_RETURN(auto got, txn.governance().ListWaivers(wf, page));
          for (const auto& w : got.items)
            waivers.push_back(internal::ToEngine(w));
          page.after = got.next;
        } while (!page.after.empty());
        domains.clear();
        page = {"", kPage};
        do {
          MP_ASSIGN_OR_RETURN(auto got, txn.registry().ListDomains({}, page));
          for (auto& d : got.items) domains.emplace(d.id, std::move(d));
          page.after = got.next;
        } while (!page.after.empty());
        return absl::OkStatus();
      }));

  // The engine's view, checked as a write would check it.
  policy::Policy engine = internal::ToEngine(p);
  if (spec.candidate) {
    std::vector<FieldViolation> v;
    for (const auto& issue : policy::CheckPolicy(engine)) {
      v.push_back({absl::StrCat("policy.", issue.field), issue.message});
    }
    if (!v.empty()) return InvalidArgumentWithFields(v);
    if (!p.domain_id.empty() && !domains.count(p.domain_id)) {
      return absl::NotFoundError(absl::StrCat(
          "parent: ", model::DomainName(p.domain_id), " not found"));
    }
  }

  SimulationSummary summary;
  std::vector<std::string> triggers =
      spec.triggers.empty() ? p.triggers : spec.triggers;
  std::string product_trigger, domain_trigger;
  for (size_t i = 0; i < triggers.size(); ++i) {
    const std::string& t = triggers[i];
    if (std::find(p.triggers.begin(), p.triggers.end(), t) ==
        p.triggers.end()) {
      return InvalidArgumentWithFields(
          {{absl::StrCat("triggers[", i, "]"),
            absl::StrCat("\"", t, "\" is not a trigger of the policy")}});
    }
    if (absl::StartsWith(t, "dataproduct.")) {
      if (product_trigger.empty()) product_trigger = t;
    } else if (absl::StartsWith(t, "domain.")) {
      if (domain_trigger.empty()) domain_trigger = t;
    } else {
      summary.warnings.push_back(absl::StrCat(
          "trigger ", t,
          " cannot be replayed over existing resources (there is nothing "
          "stored to replay it with)"));
    }
  }
  auto set = policy::PolicySet::Build({engine}, waivers, 0);
  const std::string policy_name = engine.name;
  std::vector<std::string> teams;
  for (const auto& t : ctx.principal.team_ids)
    teams.push_back(model::TeamName(t));
  const policy::cel::Value principal = policy::PrincipalValue(
      ctx.principal.id, teams, ctx.principal.platform_admin);
  const absl::Time now = clock_.Now();
  const unsigned workers =
      std::max(1u, std::min(8u, std::thread::hardware_concurrency()));

  // Evaluates a batch in parallel, then emits it in order. False when the
  // receiver is gone.
  auto run_batch = [&](const std::vector<Item>& items,
                       const std::string& trigger) -> bool {
    std::vector<SimulationResult> results(items.size());
    auto work = [&](size_t begin, size_t end) {
      policy::EvalInput in;
      in.trigger = trigger;
      in.principal = principal;
      in.now = now;
      in.request = policy::DocumentFromJson("{\"simulation\":true}").value();
      for (size_t i = begin; i < end; ++i) {
        SimulationResult& r = results[i];
        r.resource = items[i].name;
        r.trigger = trigger;
        in.resource_name = items[i].name;
        in.domain_chain = items[i].chain;
        auto doc = policy::DocumentFromJson(items[i].resource_json);
        if (!doc.ok()) {
          r.error = std::string(doc.status().message());
          continue;
        }
        in.resource = *doc;
        in.previous.reset();
        if (BindsPrevious(trigger))
          in.previous = *doc;  // replayed as a no-op change
        in.domain = items[i].domain_json.empty()
                        ? policy::cel::Value::Null()
                        : policy::DocumentFromJson(items[i].domain_json)
                              .value_or(policy::cel::Value::Null());
        policy::Violation violation;
        auto ev = policy::EvaluateOne(*set, policy_name, in, &violation);
        if (!ev) continue;
        r.violated = ev->violated || !ev->waiver.empty();
        r.waiver = ev->waiver;
        r.error = ev->error;
        if (ev->violated) {
          r.violation = Details({violation}).front();
        }
      }
    };
    size_t n = items.size();
    size_t chunk = (n + workers - 1) / std::max<size_t>(1, workers);
    std::vector<std::thread> threads;
    for (size_t begin = chunk; begin < n; begin += chunk) {
      threads.emplace_back(work, begin, std::min(n, begin + chunk));
    }
    work(0, std::min(n, chunk));
    for (auto& t : threads) t.join();
    for (const auto& r : results) {
      ++summary.evaluated;
      if (r.violated) ++summary.violated;
      if (!r.waiver.empty()) ++summary.waived;
      if (!r.error.empty()) ++summary.errors;
      if ((r.violated || spec.include_satisfied) && !emit(r)) return false;
    }
    return true;
  };

  auto domain_json = [&](const std::string& id) -> std::string {
    auto it = domains.find(id);
    return it == domains.end() ? "" : model::ToJson(it->second);
  };

  if (!domain_trigger.empty()) {
    std::vector<Item> items;
    for (const auto& [id, d] : domains) {
      Item item;
      item.chain = ChainOf(domains, id);
      if (!InScope(item.chain, p.domain_id)) continue;
      if (summary.evaluated + static_cast<int64_t>(items.size()) >= max) {
        summary.truncated = true;
        break;
      }
      item.name = model::DomainName(id);
      item.resource_json = model::ToJson(d);
      item.domain_json = d.parent_id.empty() ? "" : domain_json(d.parent_id);
      items.push_back(std::move(item));
    }
    if (!run_batch(items, domain_trigger)) return summary;
  }
  if (!product_trigger.empty() && !summary.truncated) {
    store::DataProductFilter filter;
    filter.domain_id = p.domain_id;
    filter.include_subdomains = !p.domain_id.empty();
    std::string after;
    do {
      int64_t room = max - summary.evaluated;
      if (room <= 0) {
        summary.truncated = true;
        break;
      }
      store::Page<model::DataProduct> page;
      MP_RETURN_IF_ERROR(store_.RunInTransaction(
          store::TxnMode::kReadOnly,
          [&](store::Transaction& txn) -> absl::Status {
            MP_ASSIGN_OR_RETURN(
                page,
                txn.registry().ListDataProducts(
                    filter,
                    {after, static_cast<int>(std::min<int64_t>(room, kPage))}));
            return absl::OkStatus();
          }));
      std::vector<Item> items;
      items.reserve(page.items.size());
      for (const auto& product : page.items) {
        Item item;
        item.name = model::ProductName(product.key());
        item.resource_json = model::ToJson(product);
        item.chain = ChainOf(domains, product.domain_id);
        item.domain_json = domain_json(product.domain_id);
        items.push_back(std::move(item));
      }
      if (!run_batch(items, product_trigger)) return summary;
      after = page.next;
      if (!after.empty() && summary.evaluated >= max) summary.truncated = true;
    } while (!after.empty() && !summary.truncated);
  }
  return summary;
}

}  // namespace meshplane::core
