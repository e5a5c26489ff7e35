#include "tests/testing/memstore/in_memory_store.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <limits>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/access.h"
#include "meshplane/model/contract.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/model/slo.h"

namespace meshplane::testing {
namespace {

using model::ApiToken;
using model::DataProduct;
using model::Domain;
using model::ProductKey;
using model::Team;

// PostgreSQL's timestamptz keeps microseconds.
absl::Time Trunc(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return t;
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}
std::optional<absl::Time> Trunc(std::optional<absl::Time> t) {
  if (!t) return t;
  return Trunc(*t);
}

// A space sorts below every id character, so cursors compare as the
// (domain_id, id) pairs do.
std::string ProductCursor(const ProductKey& k) {
  return absl::StrCat(k.domain_id, " ", k.product_id);
}

std::string RequestKey(absl::string_view principal, absl::string_view method,
                       absl::string_view request_id) {
  return absl::StrCat(principal, "\x1f", method, "\x1f", request_id);
}

// Conflict keys: one per row and one per table (for scans and counts).
constexpr char kDomainsTable[] = "*domains";
constexpr char kTeamsTable[] = "*teams";
constexpr char kProductsTable[] = "*products";
constexpr char kTokensTable[] = "*tokens";
constexpr char kWebSessionsTable[] = "*web_sessions";
constexpr char kEventWatermark[] = "*event_watermark";
std::string DomainKey(absl::string_view id) { return absl::StrCat("d/", id); }
std::string TeamKey(absl::string_view id) { return absl::StrCat("t/", id); }
std::string ProductRowKey(const ProductKey& k) {
  return absl::StrCat("p/", k.domain_id, "/", k.product_id);
}
std::string TokenKey(absl::string_view id) { return absl::StrCat("k/", id); }
std::string WebSessionKey(absl::string_view id_hash) {
  return absl::StrCat("ws/", id_hash);
}
std::string IdemKey(absl::string_view key) { return absl::StrCat("i/", key); }

// A transaction's private changes over a snapshot of one table.
template <typename K, typename V>
class Overlay {
 public:
  void Reset(std::shared_ptr<const std::map<K, V>> base) {
    base_ = std::move(base);
  }
  const V* Find(const K& k) const {
    auto it = changes_.find(k);
    if (it != changes_.end()) return it->second ? &*it->second : nullptr;
    auto b = base_->find(k);
    return b == base_->end() ? nullptr : &b->second;
  }
  void Put(const K& k, V v) { changes_[k] = std::move(v); }
  void Erase(const K& k) { changes_[k] = std::nullopt; }
  bool changed() const { return !changes_.empty(); }
  // The table as this transaction sees it.
  std::map<K, V> Merged() const {
    if (changes_.empty()) return *base_;
    std::map<K, V> m = *base_;
    ApplyTo(m);
    return m;
  }
  void ApplyTo(std::map<K, V>& m) const {
    for (const auto& [k, v] : changes_) {
      if (v) {
        m[k] = *v;
      } else {
        m.erase(k);
      }
    }
  }
  // Publishes base + changes on top of `current` (the newest committed copy).
  std::shared_ptr<const std::map<K, V>> CommitOnto(
      const std::shared_ptr<const std::map<K, V>>& current) const {
    if (changes_.empty()) return current;
    auto m = std::make_shared<std::map<K, V>>(*current);
    ApplyTo(*m);
    return m;
  }

 private:
  std::shared_ptr<const std::map<K, V>> base_;
  std::map<K, std::optional<V>> changes_;
};

template <typename T, typename K, typename KeyFn>
store::Page<T> Paginate(const std::vector<std::pair<K, T>>& sorted_items,
                        const store::PageRequest& page, KeyFn cursor_of) {
  store::Page<T> out;
  int limit = std::max(1, page.limit);
  size_t i = 0;
  if (!page.after.empty()) {
    while (i < sorted_items.size() &&
           cursor_of(sorted_items[i].first) <= page.after) {
      ++i;
    }
  }
  for (; i < sorted_items.size() && static_cast<int>(out.items.size()) < limit;
       ++i) {
    out.items.push_back(sorted_items[i].second);
  }
  if (i < sorted_items.size() && !out.items.empty()) {
    out.next = cursor_of(sorted_items[i - 1].first);
  }
  return out;
}

absl::Status Unavailable() {
  return absl::UnavailableError(
      "the in-memory store is unavailable (test hook)");
}

using PolicyMapKey = std::pair<std::string, std::string>;
using WaiverMapKey = std::tuple<std::string, std::string, std::string>;
using model::Policy;
using model::Waiver;

constexpr char kPoliciesTable[] = "*policies";
constexpr char kWaiversTable[] = "*waivers";
std::string PolicyRowKey(const PolicyMapKey& k) {
  return absl::StrCat("y/", k.first, "/", k.second);
}
std::string WaiverRowKey(const WaiverMapKey& k) {
  return absl::StrCat("w/", std::get<0>(k), "/", std::get<1>(k), "/",
                      std::get<2>(k));
}
PolicyMapKey MapKey(const model::PolicyKey& k) { return {k.domain_id, k.id}; }
WaiverMapKey MapKey(const model::PolicyKey& k, absl::string_view id) {
  return {k.domain_id, k.id, std::string(id)};
}
std::string WaiverNameOf(const model::PolicyKey& policy, absl::string_view id) {
  Waiver w;
  w.policy = policy;
  w.id = std::string(id);
  return model::WaiverName(w);
}
// Cursors with spaces, as ProductCursor (a global policy's domain is "").
std::string PolicyCursor(const PolicyMapKey& k) {
  return absl::StrCat(k.first, " ", k.second);
}
std::string WaiverCursor(const WaiverMapKey& k) {
  return absl::StrCat(std::get<0>(k), " ", std::get<1>(k), " ", std::get<2>(k));
}

using VersionMapKey = std::pair<std::string, std::string>;
constexpr char kContractsTable[] = "*contracts";
constexpr char kContractVersionsTable[] = "*contract_versions";
std::string ContractRowKey(absl::string_view id) {
  return absl::StrCat("c/", id);
}
std::string VersionRowKey(const VersionMapKey& k) {
  return absl::StrCat("v/", k.first, "/", k.second);
}
std::string ContractVersionNameOf(const VersionMapKey& k) {
  return model::ContractVersionName(k.first, k.second);
}

// Semver precedence, as the Postgres store orders versions (see
// model::PrereleaseOrderKey); the version text breaks ties.
bool VersionBefore(const model::ContractVersion& a,
                   const model::ContractVersion& b) {
  return std::make_tuple(a.major, a.minor, a.patch,
                         model::PrereleaseOrderKey(a.prerelease), a.version) <
         std::make_tuple(b.major, b.minor, b.patch,
                         model::PrereleaseOrderKey(b.prerelease), b.version);
}

constexpr char kAccessRequestsTable[] = "*access_requests";
constexpr char kGrantsTable[] = "*grants";
constexpr char kObservationsTable[] = "*slo_observations";
constexpr char kBreachesTable[] = "*slo_breaches";
std::string BreachRowKey(absl::string_view id) {
  return absl::StrCat("sb/", id);
}
// Observation keys: unique across the store's transactions, in insertion
// order (the Postgres store's bigserial).
std::atomic<int64_t> next_observation_key{1};
std::string AccessRequestRowKey(absl::string_view id) {
  return absl::StrCat("r/", id);
}
std::string GrantRowKey(absl::string_view id) { return absl::StrCat("g/", id); }
constexpr char kWebhooksTable[] = "*webhooks";
constexpr char kWebhookDeliveriesTable[] = "*webhook_deliveries";
std::string WebhookRowKey(absl::string_view id) {
  return absl::StrCat("wh/", id);
}
// Delivery keys, in append order across the store's transactions (the
// Postgres store's bigserial).
std::atomic<int64_t> next_delivery_key{1};

// As PostgresStore: absl's infinite times are the extreme microseconds.
int64_t ToMicros(absl::Time t) {
  if (t == absl::InfinitePast()) return std::numeric_limits<int64_t>::min();
  if (t == absl::InfiniteFuture()) return std::numeric_limits<int64_t>::max();
  return absl::ToUnixMicros(t);
}
absl::Time FromMicros(int64_t us) {
  if (us == std::numeric_limits<int64_t>::min()) return absl::InfinitePast();
  if (us == std::numeric_limits<int64_t>::max()) return absl::InfiniteFuture();
  return absl::FromUnixMicros(us);
}

// Access requests and grants are listed newest first, (create_time, id)
// descending; the cursor is "<create_time us>/<id>" of the last item, as the
// Postgres store's. INVALID_ARGUMENT for a malformed cursor or limit.
template <typename T>
absl::StatusOr<store::Page<T>> PaginateNewestFirst(
    std::vector<T> items, const store::PageRequest& page) {
  if (page.limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("page limit must be at least 1, got ", page.limit));
  }
  auto newer = [](const T& a, const T& b) {
    return std::tie(a.create_time, a.id) > std::tie(b.create_time, b.id);
  };
  std::sort(items.begin(), items.end(), newer);
  size_t i = 0;
  if (!page.after.empty()) {
    size_t slash = page.after.find('/');
    int64_t us = 0;
    if (slash == std::string::npos || slash + 1 == page.after.size() ||
        !absl::SimpleAtoi(absl::string_view(page.after).substr(0, slash),
                          &us)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid page cursor \"", page.after, "\""));
    }
    T last;
    last.create_time = FromMicros(us);
    last.id = page.after.substr(slash + 1);
    while (i < items.size() && !newer(last, items[i])) ++i;
  }
  store::Page<T> out;
  for (; i < items.size() && static_cast<int>(out.items.size()) < page.limit;
       ++i) {
    out.items.push_back(items[i]);
  }
  if (i < items.size() && !out.items.empty()) {
    const T& last = out.items.back();
    out.next = absl::StrCat(ToMicros(last.create_time), "/", last.id);
  }
  return out;
}

// As PostgresStore: notifications are sent at commit, so only a read-write
// transaction may send one; PostgreSQL's limits on channel and payload.
absl::Status CheckNotification(store::TxnMode mode, absl::string_view channel,
                               absl::string_view payload) {
  if (mode != store::TxnMode::kReadWrite) {
    return absl::FailedPreconditionError(
        "Notify needs a read-write transaction (notifications are sent at "
        "commit)");
  }
  if (channel.empty() || channel.size() > 63) {
    return absl::InvalidArgumentError(
        absl::StrCat("notification channel \"", channel,
                     "\" must be 1 to 63 bytes long, got ", channel.size()));
  }
  if (payload.size() >= 8000) {
    return absl::InvalidArgumentError(
        absl::StrCat("notification payload on channel \"", channel, "\" is ",
                     payload.size(), " bytes; it must be shorter than 8000"));
  }
  return absl::OkStatus();
}

// One started listener. Delivery holds `mu`, so the listener's destructor
// (which clears `alive` under it) waits for a delivery in progress.
struct ListenerSlot {
  absl::Mutex mu;
  bool alive ABSL_GUARDED_BY(mu) = true;
  std::set<std::string> channels;
  store::Listener::Handler handler;

  void Deliver(const store::Listener::Notification& n)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    try {
      handler(n);
    } catch (...) {
      // As PostgresListener: a handler's exception does not stop delivery.
    }
  }
};

}  // namespace

struct InMemoryStore::ListenerHub {
  absl::Mutex mu;
  std::vector<std::shared_ptr<ListenerSlot>> slots ABSL_GUARDED_BY(mu);

  void Publish(const std::vector<store::Listener::Notification>& batch) {
    std::vector<std::shared_ptr<ListenerSlot>> targets;
    {
      absl::MutexLock lock(&mu);
      targets = slots;
    }
    for (const auto& slot : targets) {
      absl::MutexLock lock(&slot->mu);
      if (!slot->alive) continue;
      for (const auto& n : batch) {
        if (slot->channels.count(n.channel)) slot->Deliver(n);
      }
    }
  }

  void Remove(const ListenerSlot* slot) {
    absl::MutexLock lock(&mu);
    slots.erase(std::remove_if(slots.begin(), slots.end(),
                               [&](const auto& s) { return s.get() == slot; }),
                slots.end());
  }
};

namespace {

class InMemoryListener : public store::Listener {
 public:
  explicit InMemoryListener(std::shared_ptr<InMemoryStore::ListenerHub> hub)
      : hub_(std::move(hub)) {}

  ~InMemoryListener() override {
    if (slot_ == nullptr) return;
    {
      absl::MutexLock lock(&slot_->mu);
      slot_->alive = false;
    }
    hub_->Remove(slot_.get());
  }

  absl::Status Start(std::vector<std::string> channels,
                     Handler handler) override {
    if (!handler) return absl::InvalidArgumentError("listener handler is null");
    if (slot_ != nullptr) {
      return absl::FailedPreconditionError("the listener was already started");
    }
    for (const auto& c : channels) {
      if (c.empty() || c.size() > 63) {
        return absl::InvalidArgumentError(
            absl::StrCat("notification channel \"", c,
                         "\" must be 1 to 63 bytes long, got ", c.size()));
      }
    }
    slot_ = std::make_shared<ListenerSlot>();
    slot_->channels.insert(channels.begin(), channels.end());
    slot_->handler = std::move(handler);
    // Registered and resynced under the slot's lock: a commit racing with
    // Start delivers only after the resync, as after a real LISTEN.
    absl::MutexLock lock(&slot_->mu);
    {
      absl::MutexLock hub_lock(&hub_->mu);
      hub_->slots.push_back(slot_);
    }
    started_ = true;
    slot_->Deliver({"", "", true});
    return absl::OkStatus();
  }

  // The fake never loses its "connection": up from Start on.
  bool connected() const override { return started_.load(); }

 private:
  const std::shared_ptr<InMemoryStore::ListenerHub> hub_;
  std::shared_ptr<ListenerSlot> slot_;  // set by Start (one thread)
  std::atomic<bool> started_{false};
};

}  // namespace

class InMemoryTransaction : public store::Transaction {
 public:
  InMemoryTransaction(InMemoryStore& store, store::TxnMode mode, uint64_t id,
                      uint64_t snapshot_version, const InMemoryStore::Tables& t)
      : store_(store),
        mode_(mode),
        id_(id),
        snapshot_version_(snapshot_version) {
    domains_.Reset(t.domains);
    teams_.Reset(t.teams);
    products_.Reset(t.products);
    tokens_.Reset(t.tokens);
    web_sessions_.Reset(t.web_sessions);
    idempotency_.Reset(t.idempotency);
    policies_.Reset(t.policies);
    waivers_.Reset(t.waivers);
    contracts_.Reset(t.contracts);
    versions_.Reset(t.contract_versions);
    access_requests_.Reset(t.access_requests);
    grants_.Reset(t.grants);
    observations_.Reset(t.observations);
    breaches_.Reset(t.breaches);
    webhooks_.Reset(t.webhooks);
    deliveries_.Reset(t.webhook_deliveries);
  }

  ~InMemoryTransaction() override {
    if (!done_) Finish();
  }

  // ------------------------------------------------------------ Domains
  absl::StatusOr<Domain> GetDomain(absl::string_view id) override {
    MP_RETURN_IF_ERROR(Check());
    Read(DomainKey(id));
    const Domain* d = domains_.Find(std::string(id));
    if (!d)
      return absl::NotFoundError(absl::StrCat("domains/", id, " not found"));
    return *d;
  }

  absl::Status InsertDomain(const Domain& domain) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(DomainKey(domain.id));
    if (domains_.Find(domain.id)) {
      return absl::AlreadyExistsError(
          absl::StrCat("domains/", domain.id, " already exists"));
    }
    MP_RETURN_IF_ERROR(CheckDomainRefs(domain));
    Domain d = domain;
    d.create_time = Trunc(d.create_time);
    d.update_time = Trunc(d.update_time);
    domains_.Put(d.id, d);
    Write(DomainKey(d.id), kDomainsTable);
    return absl::OkStatus();
  }

  absl::Status UpdateDomain(const Domain& domain,
                            int64_t expected_revision) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(DomainKey(domain.id));
    const Domain* cur = domains_.Find(domain.id);
    if (!cur)
      return absl::NotFoundError(
          absl::StrCat("domains/", domain.id, " not found"));
    if (cur->revision != expected_revision)
      return EtagMismatch(model::DomainName(domain.id));
    MP_RETURN_IF_ERROR(CheckDomainRefs(domain));
    Domain d = domain;
    d.create_time = Trunc(d.create_time);
    d.update_time = Trunc(d.update_time);
    domains_.Put(d.id, d);
    Write(DomainKey(d.id), kDomainsTable);
    return absl::OkStatus();
  }

  absl::Status DeleteDomain(absl::string_view id) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(DomainKey(id));
    if (!domains_.Find(std::string(id))) {
      return absl::NotFoundError(absl::StrCat("domains/", id, " not found"));
    }
    MP_ASSIGN_OR_RETURN(int64_t subs, CountSubdomains(id));
    MP_ASSIGN_OR_RETURN(int64_t products, CountDataProducts(id));
    if (subs > 0 || products > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("domains/", id, " still has ", subs,
                       " subdomain(s) and ", products, " data product(s)"));
    }
    // The domain's policies and their waivers go with it (ON DELETE
    // CASCADE in the schema).
    Read(kPoliciesTable);
    for (const auto& [k, p] : policies_.Merged()) {
      if (k.first == id) ErasePolicy(k);
    }
    domains_.Erase(std::string(id));
    Write(DomainKey(id), kDomainsTable);
    return absl::OkStatus();
  }

  absl::StatusOr<store::Page<Domain>> ListDomains(
      const store::DomainFilter& f, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kDomainsTable);
    std::vector<std::pair<std::string, Domain>> items;
    for (auto& [id, d] : domains_.Merged()) {
      if (!f.parent_id.empty() && d.parent_id != f.parent_id) continue;
      if (f.top_level_only && !d.parent_id.empty()) continue;
      if (!f.owner_team_id.empty() && d.owner_team_id != f.owner_team_id)
        continue;
      items.emplace_back(id, d);
    }
    return Paginate<Domain>(items, page,
                            [](const std::string& k) { return k; });
  }

  absl::StatusOr<std::vector<Domain>> DomainAncestors(
      absl::string_view id) override {
    MP_ASSIGN_OR_RETURN(Domain d, GetDomain(id));
    std::vector<Domain> chain;
    std::set<std::string> seen{d.id};
    std::string parent = d.parent_id;
    while (!parent.empty() && !seen.count(parent)) {
      seen.insert(parent);
      Read(DomainKey(parent));
      const Domain* p = domains_.Find(parent);
      if (!p) break;
      chain.push_back(*p);
      parent = p->parent_id;
    }
    return chain;
  }

  absl::StatusOr<int64_t> CountSubdomains(absl::string_view id) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kDomainsTable);
    int64_t n = 0;
    for (const auto& [k, d] : domains_.Merged()) n += d.parent_id == id ? 1 : 0;
    return n;
  }

  absl::StatusOr<int64_t> CountDataProducts(
      absl::string_view domain_id) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kProductsTable);
    int64_t n = 0;
    for (const auto& [k, p] : products_.Merged())
      n += k.domain_id == domain_id ? 1 : 0;
    return n;
  }

  // -------------------------------------------------------------- Teams
  absl::StatusOr<Team> GetTeam(absl::string_view id) override {
    MP_RETURN_IF_ERROR(Check());
    Read(TeamKey(id));
    const Team* t = teams_.Find(std::string(id));
    if (!t)
      return absl::NotFoundError(absl::StrCat("teams/", id, " not found"));
    return *t;
  }

  absl::Status InsertTeam(const Team& team) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(TeamKey(team.id));
    if (teams_.Find(team.id)) {
      return absl::AlreadyExistsError(
          absl::StrCat("teams/", team.id, " already exists"));
    }
    Team t = team;
    t.create_time = Trunc(t.create_time);
    t.update_time = Trunc(t.update_time);
    teams_.Put(t.id, t);
    Write(TeamKey(t.id), kTeamsTable);
    return absl::OkStatus();
  }

  absl::Status UpdateTeam(const Team& team,
                          int64_t expected_revision) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(TeamKey(team.id));
    const Team* cur = teams_.Find(team.id);
    if (!cur)
      return absl::NotFoundError(absl::StrCat("teams/", team.id, " not found"));
    if (cur->revision != expected_revision)
      return EtagMismatch(model::TeamName(team.id));
    Team t = team;
    t.create_time = Trunc(t.create_time);
    t.update_time = Trunc(t.update_time);
    teams_.Put(t.id, t);
    Write(TeamKey(t.id), kTeamsTable);
    return absl::OkStatus();
  }

  absl::Status DeleteTeam(absl::string_view id) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(TeamKey(id));
    if (!teams_.Find(std::string(id))) {
      return absl::NotFoundError(absl::StrCat("teams/", id, " not found"));
    }
    Read(kDomainsTable);
    Read(kProductsTable);
    for (const auto& [k, d] : domains_.Merged()) {
      if (d.owner_team_id == id) {
        return absl::FailedPreconditionError(
            absl::StrCat("teams/", id, " still owns domains/", d.id));
      }
    }
    for (const auto& [k, p] : products_.Merged()) {
      if (p.owner_team_id == id) {
        return absl::FailedPreconditionError(
            absl::StrCat("teams/", id, " still owns ", model::ProductName(k)));
      }
    }
    Read(kPoliciesTable);
    for (const auto& [k, p] : policies_.Merged()) {
      if (p.owner_team_id == id) {
        return absl::FailedPreconditionError(absl::StrCat(
            "teams/", id, " still owns ", model::PolicyName(p.key())));
      }
    }
    teams_.Erase(std::string(id));
    Write(TeamKey(id), kTeamsTable);
    return absl::OkStatus();
  }

  absl::StatusOr<store::Page<Team>> ListTeams(
      const store::TeamFilter& f, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kTeamsTable);
    std::vector<std::pair<std::string, Team>> items;
    for (auto& [id, t] : teams_.Merged()) {
      if (!f.member.empty() && std::find(t.members.begin(), t.members.end(),
                                         f.member) == t.members.end()) {
        continue;
      }
      items.emplace_back(id, t);
    }
    return Paginate<Team>(items, page, [](const std::string& k) { return k; });
  }

  absl::StatusOr<std::vector<std::string>> TeamsOfPrincipal(
      absl::string_view principal) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kTeamsTable);
    std::vector<std::string> out;
    for (const auto& [id, t] : teams_.Merged()) {
      if (std::find(t.members.begin(), t.members.end(), principal) !=
          t.members.end()) {
        out.push_back(id);
      }
    }
    return out;
  }

  // ------------------------------------------------------- Data products
  absl::StatusOr<DataProduct> GetDataProduct(const ProductKey& key) override {
    MP_RETURN_IF_ERROR(Check());
    Read(ProductRowKey(key));
    const DataProduct* p = products_.Find(key);
    if (!p)
      return absl::NotFoundError(
          absl::StrCat(model::ProductName(key), " not found"));
    return *p;
  }

  absl::Status InsertDataProduct(const DataProduct& product) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    ProductKey key = product.key();
    Read(ProductRowKey(key));
    if (products_.Find(key)) {
      return absl::AlreadyExistsError(
          absl::StrCat(model::ProductName(key), " already exists"));
    }
    Read(DomainKey(product.domain_id));
    if (!domains_.Find(product.domain_id)) {
      return absl::NotFoundError(
          absl::StrCat("domains/", product.domain_id, " not found"));
    }
    MP_RETURN_IF_ERROR(CheckProductRefs(product));
    products_.Put(key, Normalized(product));
    Write(ProductRowKey(key), kProductsTable);
    return absl::OkStatus();
  }

  absl::Status UpdateDataProduct(const DataProduct& product,
                                 int64_t expected_revision) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    ProductKey key = product.key();
    Read(ProductRowKey(key));
    const DataProduct* cur = products_.Find(key);
    if (!cur)
      return absl::NotFoundError(
          absl::StrCat(model::ProductName(key), " not found"));
    if (cur->revision != expected_revision)
      return EtagMismatch(model::ProductName(key));
    MP_RETURN_IF_ERROR(CheckProductRefs(product));
    // Output ports that other products read cannot disappear (the foreign
    // key from input ports to output ports).
    std::set<std::string> kept;
    for (const auto& o : product.output_ports) kept.insert(o.id);
    bool drops_a_port = false;
    for (const auto& o : cur->output_ports) {
      if (kept.count(o.id)) continue;
      drops_a_port = true;
      auto reader = FindReader({key.domain_id, key.product_id, o.id}, key);
      if (reader) {
        return absl::FailedPreconditionError(absl::StrCat(
            model::OutputPortName({key.domain_id, key.product_id, o.id}),
            " is read by ", model::ProductName(*reader)));
      }
    }
    // Only then, so that other product updates do not read (and conflict
    // on) the access tables.
    if (drops_a_port) DropAccessToPorts(key, kept);
    products_.Put(key, Normalized(product));
    Write(ProductRowKey(key), kProductsTable);
    return absl::OkStatus();
  }

  absl::Status DeleteDataProduct(const ProductKey& key) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(ProductRowKey(key));
    const DataProduct* cur = products_.Find(key);
    if (!cur)
      return absl::NotFoundError(
          absl::StrCat(model::ProductName(key), " not found"));
    for (const auto& o : cur->output_ports) {
      auto reader = FindReader({key.domain_id, key.product_id, o.id}, key);
      if (reader) {
        return absl::FailedPreconditionError(absl::StrCat(
            model::OutputPortName({key.domain_id, key.product_id, o.id}),
            " is read by ", model::ProductName(*reader)));
      }
    }
    Read(kContractsTable);
    for (const auto& [id, c] : contracts_.Merged()) {
      if (c.product == key) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot delete ", model::ProductName(key),
                         ": it still owns ", model::ContractName(id)));
      }
    }
    DropAccessToPorts(key, {});
    products_.Erase(key);
    Write(ProductRowKey(key), kProductsTable);
    return absl::OkStatus();
  }

  absl::StatusOr<store::Page<DataProduct>> ListDataProducts(
      const store::DataProductFilter& f,
      const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kProductsTable);
    std::set<std::string> domains;
    if (!f.domain_id.empty()) {
      domains.insert(f.domain_id);
      if (f.include_subdomains) {
        Read(kDomainsTable);
        auto all = domains_.Merged();
        bool grew = true;
        while (grew) {
          grew = false;
          for (const auto& [id, d] : all) {
            if (!d.parent_id.empty() && domains.count(d.parent_id) &&
                !domains.count(id)) {
              domains.insert(id);
              grew = true;
            }
          }
        }
      }
    }
    std::vector<std::string> words =
        absl::StrSplit(absl::AsciiStrToLower(f.text), absl::ByAnyChar(" \t\n"),
                       absl::SkipEmpty());
    std::vector<std::pair<ProductKey, DataProduct>> items;
    for (auto& [k, p] : products_.Merged()) {
      if (!domains.empty() && !domains.count(k.domain_id)) continue;
      if (!f.owner_team_id.empty() && p.owner_team_id != f.owner_team_id)
        continue;
      if (f.lifecycle && p.lifecycle != *f.lifecycle) continue;
      if (!f.tag.empty() &&
          std::find(p.tags.begin(), p.tags.end(), f.tag) == p.tags.end()) {
        continue;
      }
      if (!words.empty() && !MatchesText(p, words)) continue;
      items.emplace_back(k, p);
    }
    return Paginate<DataProduct>(items, page, ProductCursor);
  }

  absl::StatusOr<store::SearchResult> SearchDataProducts(
      const store::ProductSearch& s, const store::PageRequest& page, int skip,
      int facet_limit) override {
    MP_RETURN_IF_ERROR(Check());
    if (page.limit < 1 || skip < 0 || facet_limit < 1) {
      return absl::InvalidArgumentError(
          "page limit and facet_limit must be >= 1, skip >= 0");
    }
    // As the Postgres store: "<score>:<domain_id>/<id>".
    std::optional<std::tuple<int, std::string, std::string>> cursor;
    if (!page.after.empty()) {
      std::vector<std::string> parts =
          absl::StrSplit(page.after, absl::MaxSplits(':', 1));
      int score = 0;
      std::vector<std::string> key =
          parts.size() == 2 ? absl::StrSplit(parts[1], absl::MaxSplits('/', 1))
                            : std::vector<std::string>();
      if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &score) ||
          score < 0 || score > 3 || key.size() != 2 || key[0].empty() ||
          key[1].empty()) {
        return InvalidArgumentWithFields(
            {{"page_token", "is not a page token issued by this server"}});
      }
      cursor.emplace(score, key[0], key[1]);
    }
    Read(kProductsTable);
    Read(kDomainsTable);
    auto domains = domains_.Merged();
    std::set<std::string> scope;
    if (!s.domain_id.empty()) scope = Subtree(domains, s.domain_id);
    struct Hit {
      int score;
      const DataProduct* p;
      bool fd, ft, fl, fr, fc, fg;
    };
    auto all = products_.Merged();
    std::vector<Hit> hits;
    for (const auto& [k, p] : all) {
      int score = s.words.empty() ? 0 : SearchScore(p, s);
      if (score < 0) continue;
      Hit h{score,
            &p,
            s.domain_id.empty() || scope.count(k.domain_id) > 0,
            s.owner_team_id.empty() || p.owner_team_id == s.owner_team_id,
            !s.lifecycle || p.lifecycle == *s.lifecycle,
            s.tier == 0 || p.tier == s.tier,
            !s.classification || p.classification == *s.classification,
            s.tag.empty() ||
                std::find(p.tags.begin(), p.tags.end(), s.tag) != p.tags.end()};
      hits.push_back(h);
    }
    store::SearchResult out;
    std::vector<Hit> matches;
    for (const Hit& h : hits) {
      if (h.fd && h.ft && h.fl && h.fr && h.fc && h.fg) matches.push_back(h);
    }
    out.total = static_cast<int64_t>(matches.size());
    auto order = [](const Hit& h) {
      return std::make_tuple(-h.score, h.p->domain_id, h.p->id);
    };
    std::sort(matches.begin(), matches.end(),
              [&](const Hit& a, const Hit& b) { return order(a) < order(b); });
    size_t i = 0;
    if (cursor) {
      auto after = std::make_tuple(-std::get<0>(*cursor), std::get<1>(*cursor),
                                   std::get<2>(*cursor));
      while (i < matches.size() && order(matches[i]) <= after) ++i;
    }
    i = std::min(matches.size(), i + static_cast<size_t>(skip));
    for (;
         i < matches.size() && static_cast<int>(out.items.size()) < page.limit;
         ++i) {
      out.items.push_back(*matches[i].p);
    }
    if (i < matches.size() && !out.items.empty()) {
      const Hit& last = matches[i - 1];
      out.next =
          absl::StrCat(last.score, ":", last.p->domain_id, "/", last.p->id);
    }
    // Facets: each over the hits that pass every filter but its own.
    std::map<std::string, int64_t> fdomain, fteam, flife, ftier, fclass, ftag;
    for (const Hit& h : hits) {
      const DataProduct& p = *h.p;
      if (h.ft && h.fl && h.fr && h.fc && h.fg) {
        for (std::string d = p.domain_id; !d.empty();) {
          ++fdomain[d];
          auto it = domains.find(d);
          d = it == domains.end() ? "" : it->second.parent_id;
        }
      }
      if (h.fd && h.fl && h.fr && h.fc && h.fg) ++fteam[p.owner_team_id];
      if (h.fd && h.ft && h.fr && h.fc && h.fg) {
        ++flife[std::string(model::LifecycleName(p.lifecycle))];
      }
      if (h.fd && h.ft && h.fl && h.fc && h.fg && p.tier != 0) {
        ++ftier[absl::StrCat(p.tier)];
      }
      if (h.fd && h.ft && h.fl && h.fr && h.fg &&
          p.classification != model::Classification::kUnspecified) {
        ++fclass[std::string(model::ClassificationName(p.classification))];
      }
      if (h.fd && h.ft && h.fl && h.fr && h.fc) {
        for (const auto& t : p.tags) ++ftag[t];
      }
    }
    auto top = [&](const std::map<std::string, int64_t>& m) {
      std::vector<store::FacetCount> v;
      for (const auto& [value, n] : m) v.push_back({value, n});
      std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return a.count > b.count;
      });
      if (static_cast<int>(v.size()) > facet_limit) v.resize(facet_limit);
      return v;
    };
    out.facets.domain = top(fdomain);
    out.facets.owner_team = top(fteam);
    out.facets.lifecycle = top(flife);
    out.facets.tier = top(ftier);
    out.facets.classification = top(fclass);
    out.facets.tag = top(ftag);
    return out;
  }

  absl::StatusOr<std::vector<store::LineageEdge>> Lineage(
      const ProductKey& start, store::LineageDirection direction,
      int max_depth) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kProductsTable);
    auto all = products_.Merged();
    std::vector<store::LineageEdge> out;
    std::set<ProductKey> visited{start};
    std::vector<ProductKey> frontier{start};
    std::set<std::string> seen_edges;
    for (int depth = 1; depth <= max_depth && !frontier.empty(); ++depth) {
      std::vector<store::LineageEdge> level;
      if (direction == store::LineageDirection::kUpstream) {
        for (const ProductKey& k : frontier) {
          auto it = all.find(k);
          if (it == all.end()) continue;
          for (const auto& ip : it->second.input_ports) {
            level.push_back({ip.source, k, ip.id, depth});
          }
        }
      } else {
        std::set<ProductKey> front(frontier.begin(), frontier.end());
        for (const auto& [k, p] : all) {
          for (const auto& ip : p.input_ports) {
            if (front.count({ip.source.domain_id, ip.source.product_id})) {
              level.push_back({ip.source, k, ip.id, depth});
            }
          }
        }
      }
      std::sort(level.begin(), level.end(), [](const auto& a, const auto& b) {
        if (!(a.consumer == b.consumer)) return a.consumer < b.consumer;
        return a.input_port_id < b.input_port_id;
      });
      std::vector<ProductKey> next;
      for (auto& e : level) {
        std::string id =
            absl::StrCat(ProductCursor(e.consumer), "/", e.input_port_id);
        if (!seen_edges.insert(id).second) continue;
        ProductKey reached =
            direction == store::LineageDirection::kUpstream
                ? ProductKey{e.source.domain_id, e.source.product_id}
                : e.consumer;
        if (visited.insert(reached).second) next.push_back(reached);
        out.push_back(std::move(e));
      }
      frontier = std::move(next);
    }
    return out;
  }

  // --------------------------------------------------------- Governance
  absl::StatusOr<Policy> GetPolicy(const model::PolicyKey& key) override {
    MP_RETURN_IF_ERROR(Check());
    Read(PolicyRowKey(MapKey(key)));
    const Policy* p = policies_.Find(MapKey(key));
    if (!p) {
      return absl::NotFoundError(
          absl::StrCat(model::PolicyName(key), " not found"));
    }
    return *p;
  }

  absl::Status InsertPolicy(const Policy& policy,
                            absl::string_view author) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    PolicyMapKey key = MapKey(policy.key());
    Read(PolicyRowKey(key));
    if (policies_.Find(key)) {
      return absl::AlreadyExistsError(
          absl::StrCat(model::PolicyName(policy.key()), " already exists"));
    }
    if (!policy.domain_id.empty()) {
      Read(DomainKey(policy.domain_id));
      if (!domains_.Find(policy.domain_id)) {
        return absl::NotFoundError(
            absl::StrCat("domains/", policy.domain_id, " of ",
                         model::PolicyName(policy.key()), " not found"));
      }
    }
    MP_RETURN_IF_ERROR(CheckPolicyOwner(policy));
    PutPolicy(policy, author);
    return absl::OkStatus();
  }

  absl::Status UpdatePolicy(const Policy& policy, int64_t expected_revision,
                            absl::string_view author) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    PolicyMapKey key = MapKey(policy.key());
    Read(PolicyRowKey(key));
    const Policy* cur = policies_.Find(key);
    if (!cur) {
      return absl::NotFoundError(
          absl::StrCat(model::PolicyName(policy.key()), " not found"));
    }
    if (cur->revision != expected_revision) {
      return EtagMismatch(model::PolicyName(policy.key()));
    }
    MP_RETURN_IF_ERROR(CheckPolicyOwner(policy));
    PutPolicy(policy, author);
    return absl::OkStatus();
  }

  absl::Status DeletePolicy(const model::PolicyKey& key) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(PolicyRowKey(MapKey(key)));
    if (!policies_.Find(MapKey(key))) {
      return absl::NotFoundError(
          absl::StrCat(model::PolicyName(key), " not found"));
    }
    ErasePolicy(MapKey(key));
    return absl::OkStatus();
  }

  absl::StatusOr<store::Page<Policy>> ListPolicies(
      const store::PolicyFilter& f, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kPoliciesTable);
    std::vector<std::pair<PolicyMapKey, Policy>> items;
    for (auto& [k, p] : policies_.Merged()) {
      if (f.any_domain ? p.domain_id.empty() : p.domain_id != f.domain_id) {
        continue;
      }
      if (!f.trigger.empty() && std::find(p.triggers.begin(), p.triggers.end(),
                                          f.trigger) == p.triggers.end()) {
        continue;
      }
      if (!f.effect.empty() && p.effect != f.effect) continue;
      if (!f.enforcement.empty() && p.enforcement != f.enforcement) continue;
      if (!f.owner_team_id.empty() && p.owner_team_id != f.owner_team_id) {
        continue;
      }
      items.emplace_back(k, p);
    }
    return Paginate<Policy>(items, page, PolicyCursor);
  }

  absl::StatusOr<std::vector<Policy>> AllPolicies() override {
    MP_RETURN_IF_ERROR(Check());
    Read(kPoliciesTable);
    std::vector<Policy> out;
    for (auto& [k, p] : policies_.Merged()) out.push_back(p);
    return out;
  }

  absl::StatusOr<store::Page<model::PolicyRevision>> ListPolicyRevisions(
      const model::PolicyKey& key, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    int64_t before = std::numeric_limits<int64_t>::max();
    if (!page.after.empty() && !absl::SimpleAtoi(page.after, &before)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid page cursor \"", page.after, "\""));
    }
    std::vector<InMemoryStore::RevisionRow> rows;
    {
      absl::MutexLock lock(&store_.mu_);
      for (const auto& [v, r] : store_.revisions_) {
        if (v <= snapshot_version_ && r.key == MapKey(key)) rows.push_back(r);
      }
    }
    for (const auto& r : pending_revisions_) {
      if (r.key == MapKey(key)) rows.push_back(r);
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.sequence > b.sequence;
    });
    store::Page<model::PolicyRevision> out;
    int limit = std::max(1, page.limit);
    int64_t last_sequence = 0;
    for (const auto& r : rows) {
      if (r.sequence >= before) continue;
      if (static_cast<int>(out.items.size()) == limit) {
        out.next = absl::StrCat(last_sequence);
        break;
      }
      out.items.push_back(r.revision);
      last_sequence = r.sequence;
    }
    return out;
  }

  absl::Status InsertWaiver(const Waiver& waiver) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    WaiverMapKey key = MapKey(waiver.policy, waiver.id);
    Read(WaiverRowKey(key));
    if (waivers_.Find(key)) {
      return absl::AlreadyExistsError(
          absl::StrCat(model::WaiverName(waiver), " already exists"));
    }
    Read(PolicyRowKey(MapKey(waiver.policy)));
    if (!policies_.Find(MapKey(waiver.policy))) {
      return absl::NotFoundError(absl::StrCat(model::PolicyName(waiver.policy),
                                              " of ", model::WaiverName(waiver),
                                              " not found"));
    }
    Waiver w = waiver;
    w.expire_time = Trunc(w.expire_time);
    w.create_time = Trunc(w.create_time);
    waivers_.Put(key, w);
    Write(WaiverRowKey(key), kWaiversTable);
    return absl::OkStatus();
  }

  absl::StatusOr<Waiver> GetWaiver(const model::PolicyKey& policy,
                                   absl::string_view id) override {
    MP_RETURN_IF_ERROR(Check());
    WaiverMapKey key = MapKey(policy, id);
    Read(WaiverRowKey(key));
    const Waiver* w = waivers_.Find(key);
    if (!w) {
      return absl::NotFoundError(
          absl::StrCat(WaiverNameOf(policy, id), " not found"));
    }
    return *w;
  }

  absl::Status DeleteWaiver(const model::PolicyKey& policy,
                            absl::string_view id) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    WaiverMapKey key = MapKey(policy, id);
    Read(WaiverRowKey(key));
    if (!waivers_.Find(key)) {
      return absl::NotFoundError(
          absl::StrCat(WaiverNameOf(policy, id), " not found"));
    }
    waivers_.Erase(key);
    Write(WaiverRowKey(key), kWaiversTable);
    return absl::OkStatus();
  }

  absl::StatusOr<store::Page<Waiver>> ListWaivers(
      const store::WaiverFilter& f, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kWaiversTable);
    std::vector<std::pair<WaiverMapKey, Waiver>> items;
    for (auto& [k, w] : waivers_.Merged()) {
      if (!f.all_policies && !(w.policy == f.policy)) continue;
      if (!f.resource.empty() && w.resource != f.resource) continue;
      if (f.not_expired_at != absl::InfinitePast() &&
          !(w.expire_time > f.not_expired_at)) {
        continue;
      }
      items.emplace_back(k, w);
    }
    return Paginate<Waiver>(items, page, WaiverCursor);
  }

  // ---------------------------------------------------------- Contracts
  absl::StatusOr<model::Contract> GetContract(absl::string_view id) override {
    MP_RETURN_IF_ERROR(Check());
    Read(ContractRowKey(id));
    const model::Contract* c = contracts_.Find(std::string(id));
    if (!c) {
      return absl::NotFoundError(
          absl::StrCat(model::ContractName(id), " not found"));
    }
    return *c;
  }

  absl::Status InsertContract(const model::Contract& contract) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(ContractRowKey(contract.id));
    if (contracts_.Find(contract.id)) {
      return absl::AlreadyExistsError(
          absl::StrCat(model::ContractName(contract.id), " already exists"));
    }
    Read(ProductRowKey(contract.product));
    if (!products_.Find(contract.product)) {
      return absl::NotFoundError(
          absl::StrCat(model::ProductName(contract.product), " of ",
                       model::ContractName(contract.id), " not found"));
    }
    PutContract(contract);
    return absl::OkStatus();
  }

  absl::Status UpdateContract(const model::Contract& contract,
                              int64_t expected_revision) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(ContractRowKey(contract.id));
    const model::Contract* cur = contracts_.Find(contract.id);
    if (!cur) {
      return absl::NotFoundError(
          absl::StrCat(model::ContractName(contract.id), " not found"));
    }
    if (cur->revision != expected_revision) {
      return EtagMismatch(model::ContractName(contract.id));
    }
    if (!(cur->product == contract.product)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the data product of ", model::ContractName(contract.id),
          " is immutable: it belongs to ", model::ProductName(cur->product)));
    }
    PutContract(contract);
    return absl::OkStatus();
  }

  absl::StatusOr<store::Page<model::Contract>> ListContracts(
      const store::ContractFilter& f, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    MP_RETURN_IF_ERROR(CheckLimit(page));
    Read(kContractsTable);
    std::vector<std::pair<std::string, model::Contract>> items;
    for (auto& [id, c] : contracts_.Merged()) {
      if (f.product && !(c.product == *f.product)) continue;
      if (!f.domain_id.empty() && c.product.domain_id != f.domain_id) continue;
      if (!f.state.empty() && c.state != f.state) continue;
      items.emplace_back(id, c);
    }
    return Paginate<model::Contract>(items, page,
                                     [](const std::string& k) { return k; });
  }

  absl::Status InsertContractVersion(
      const model::ContractVersion& version) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    VersionMapKey key{version.contract_id, version.version};
    Read(ContractRowKey(version.contract_id));
    if (!contracts_.Find(version.contract_id)) {
      return absl::NotFoundError(
          absl::StrCat(model::ContractName(version.contract_id), " of ",
                       ContractVersionNameOf(key), " not found"));
    }
    Read(VersionRowKey(key));
    if (versions_.Find(key)) {
      return absl::AlreadyExistsError(
          absl::StrCat(ContractVersionNameOf(key),
                       " already exists; published versions are immutable"));
    }
    model::ContractVersion v = version;
    v.create_time = Trunc(v.create_time);
    versions_.Put(key, v);
    Write(VersionRowKey(key), kContractVersionsTable);
    return absl::OkStatus();
  }

  absl::StatusOr<model::ContractVersion> GetContractVersion(
      absl::string_view contract_id, absl::string_view version) override {
    MP_RETURN_IF_ERROR(Check());
    VersionMapKey key{std::string(contract_id), std::string(version)};
    Read(VersionRowKey(key));
    const model::ContractVersion* v = versions_.Find(key);
    if (v) return *v;
    MP_RETURN_IF_ERROR(GetContract(contract_id).status());
    return absl::NotFoundError(
        absl::StrCat(ContractVersionNameOf(key), " not found"));
  }

  absl::StatusOr<store::Page<model::ContractVersion>> ListContractVersions(
      absl::string_view contract_id, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    MP_ASSIGN_OR_RETURN(std::vector<model::ContractVersion> all,
                        AllContractVersions(contract_id));
    std::reverse(all.begin(), all.end());
    // As the Postgres store: the cursor is the last version's text; one
    // the contract does not have gives an empty page.
    size_t i = 0;
    if (!page.after.empty()) {
      while (i < all.size() && all[i].version != page.after) ++i;
      ++i;
    }
    store::Page<model::ContractVersion> out;
    for (; i < all.size() && static_cast<int>(out.items.size()) < page.limit;
         ++i) {
      out.items.push_back(all[i]);
    }
    if (i < all.size()) out.next = out.items.back().version;
    return out;
  }

  absl::StatusOr<std::vector<model::ContractVersion>> AllContractVersions(
      absl::string_view contract_id) override {
    MP_RETURN_IF_ERROR(GetContract(contract_id).status());
    Read(kContractVersionsTable);
    std::vector<model::ContractVersion> out;
    for (const auto& [k, v] : versions_.Merged()) {
      if (k.first == contract_id) out.push_back(v);
    }
    std::sort(out.begin(), out.end(), VersionBefore);
    return out;
  }

  absl::StatusOr<std::vector<store::ContractPortReader>> ContractReaders(
      absl::string_view contract_id) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kProductsTable);
    auto all = products_.Merged();
    std::vector<store::ContractPortReader> out;
    for (const auto& [k, p] : all) {  // ordered by (domain, product)
      std::vector<model::OutputPort> ports = p.output_ports;
      std::sort(ports.begin(), ports.end(),
                [](const auto& a, const auto& b) { return a.id < b.id; });
      for (const auto& op : ports) {
        if (op.contract_id.empty() || op.contract_id != contract_id) continue;
        store::ContractPortReader base;
        base.port = {k.domain_id, k.product_id, op.id};
        base.port_owner_team_id = p.owner_team_id;
        std::vector<store::ContractPortReader> readers;
        for (const auto& [rk, rp] : all) {
          for (const auto& ip : rp.input_ports) {
            if (!(ip.source == base.port)) continue;
            store::ContractPortReader r = base;
            r.reader = rk;
            r.reader_input_port_id = ip.id;
            r.reader_owner_team_id = rp.owner_team_id;
            readers.push_back(std::move(r));
          }
        }
        std::sort(readers.begin(), readers.end(),
                  [](const auto& a, const auto& b) {
                    if (!(*a.reader == *b.reader)) return *a.reader < *b.reader;
                    return a.reader_input_port_id < b.reader_input_port_id;
                  });
        if (readers.empty()) {
          out.push_back(std::move(base));
        } else {
          for (auto& r : readers) out.push_back(std::move(r));
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------- Access
  absl::Status InsertAccessRequest(const model::AccessRequest& r) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(AccessRequestRowKey(r.id));
    const std::string name = model::AccessRequestName(r.id);
    if (access_requests_.Find(r.id)) {
      return absl::AlreadyExistsError(absl::StrCat(name, " already exists"));
    }
    MP_RETURN_IF_ERROR(CheckPort(r.port, name));
    PutAccessRequest(r);
    return absl::OkStatus();
  }

  absl::StatusOr<model::AccessRequest> GetAccessRequest(
      absl::string_view id) override {
    MP_RETURN_IF_ERROR(Check());
    Read(AccessRequestRowKey(id));
    const model::AccessRequest* r = access_requests_.Find(std::string(id));
    if (!r) {
      return absl::NotFoundError(
          absl::StrCat(model::AccessRequestName(id), " not found"));
    }
    return *r;
  }

  absl::Status UpdateAccessRequest(const model::AccessRequest& r,
                                   int64_t expected_revision) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(AccessRequestRowKey(r.id));
    const std::string name = model::AccessRequestName(r.id);
    const model::AccessRequest* cur = access_requests_.Find(r.id);
    if (!cur) return absl::NotFoundError(absl::StrCat(name, " not found"));
    if (cur->revision != expected_revision) return EtagMismatch(name);
    MP_RETURN_IF_ERROR(CheckPort(r.port, name));
    PutAccessRequest(r);
    return absl::OkStatus();
  }

  absl::StatusOr<store::Page<model::AccessRequest>> ListAccessRequests(
      const store::AccessRequestFilter& f,
      const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kAccessRequestsTable);
    std::vector<model::AccessRequest> items;
    for (const auto& [id, r] : access_requests_.Merged()) {
      if (f.state && r.StateAt(f.now) != *f.state) continue;
      if (!MatchesPort(r.port, f.port, f.product)) continue;
      if (!f.consumer.empty() && r.consumer != f.consumer) continue;
      if (!f.requester.empty() && r.requester != f.requester) continue;
      items.push_back(r);
    }
    return PaginateNewestFirst(std::move(items), page);
  }

  absl::Status InsertGrant(const model::Grant& g) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(GrantRowKey(g.id));
    const std::string name = model::GrantName(g.id);
    if (grants_.Find(g.id)) {
      return absl::AlreadyExistsError(absl::StrCat(name, " already exists"));
    }
    MP_RETURN_IF_ERROR(CheckPort(g.port, name));
    PutGrant(g);
    return absl::OkStatus();
  }

  absl::StatusOr<model::Grant> GetGrant(absl::string_view id) override {
    MP_RETURN_IF_ERROR(Check());
    Read(GrantRowKey(id));
    const model::Grant* g = grants_.Find(std::string(id));
    if (!g) {
      return absl::NotFoundError(
          absl::StrCat(model::GrantName(id), " not found"));
    }
    return *g;
  }

  absl::Status UpdateGrant(const model::Grant& g,
                           int64_t expected_revision) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(GrantRowKey(g.id));
    const std::string name = model::GrantName(g.id);
    const model::Grant* cur = grants_.Find(g.id);
    if (!cur) return absl::NotFoundError(absl::StrCat(name, " not found"));
    if (cur->revision != expected_revision) return EtagMismatch(name);
    MP_RETURN_IF_ERROR(CheckPort(g.port, name));
    PutGrant(g);
    return absl::OkStatus();
  }

  absl::StatusOr<store::Page<model::Grant>> ListGrants(
      const store::GrantFilter& f, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kGrantsTable);
    std::vector<model::Grant> items;
    for (const auto& [id, g] : grants_.Merged()) {
      if (!MatchesPort(g.port, f.port, f.product)) continue;
      if (!f.consumers.empty() &&
          std::find(f.consumers.begin(), f.consumers.end(), g.consumer) ==
              f.consumers.end()) {
        continue;
      }
      if (f.active_only && !g.ActiveAt(f.now)) continue;
      items.push_back(g);
    }
    return PaginateNewestFirst(std::move(items), page);
  }

  // ------------------------------------------------------ Service levels
  absl::Status InsertObservations(
      const std::vector<model::Observation>& observations) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    for (const model::Observation& o : observations) {
      MP_RETURN_IF_ERROR(CheckPort(o.port, "an observation"));
    }
    for (const model::Observation& o : observations) {
      model::Observation row = o;
      row.observe_time = Trunc(row.observe_time);
      observations_.Put(next_observation_key++, row);
    }
    if (!observations.empty()) Write(kObservationsTable, "");
    return absl::OkStatus();
  }

  absl::Status PruneObservations(const model::OutputPortRef& port,
                                 model::Objective objective,
                                 absl::Time before) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(kObservationsTable);
    for (const auto& [k, o] : observations_.Merged()) {
      if (o.port == port && o.objective == objective &&
          o.observe_time < before) {
        observations_.Erase(k);
        Write(kObservationsTable, "");
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<store::ObservationSummary> SummarizeObservations(
      const model::OutputPortRef& port, model::Objective objective,
      const store::ObservationTarget& target,
      const std::vector<absl::Time>& since) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kObservationsTable);
    store::ObservationSummary out;
    out.windows.resize(since.size());
    for (const auto& [k, o] : observations_.Merged()) {
      if (!(o.port == port) || o.objective != objective) continue;
      if (!out.last_observe_time || o.observe_time > *out.last_observe_time) {
        out.last_observe_time = o.observe_time;
      }
      const bool good =
          target.at_most ? o.value <= target.limit : o.value >= target.limit;
      for (size_t i = 0; i < since.size(); ++i) {
        if (o.observe_time <= Trunc(since[i])) continue;
        ++out.windows[i].observations;
        if (good) ++out.windows[i].good;
      }
    }
    return out;
  }

  absl::Status InsertBreach(const model::Breach& breach) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(BreachRowKey(breach.id));
    const std::string phrase = absl::StrCat("breach \"", breach.id, "\"");
    if (breaches_.Find(breach.id)) {
      return absl::AlreadyExistsError(absl::StrCat(phrase, " already exists"));
    }
    MP_RETURN_IF_ERROR(CheckPort(breach.port, phrase));
    if (breach.open()) {
      MP_ASSIGN_OR_RETURN(auto open,
                          GetOpenBreach(breach.port, breach.objective));
      if (open) {
        return absl::AlreadyExistsError(
            absl::StrCat(phrase, " already exists"));
      }
    }
    model::Breach b = breach;
    b.start_time = Trunc(b.start_time);
    b.end_time = Trunc(b.end_time);
    breaches_.Put(b.id, b);
    Write(BreachRowKey(b.id), kBreachesTable);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<model::Breach>> GetOpenBreach(
      const model::OutputPortRef& port, model::Objective objective) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kBreachesTable);
    for (const auto& [id, b] : breaches_.Merged()) {
      if (b.port == port && b.objective == objective && b.open()) {
        return std::optional<model::Breach>(b);
      }
    }
    return std::optional<model::Breach>();
  }

  absl::Status CloseBreach(absl::string_view id, absl::Time end_time) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(BreachRowKey(id));
    const std::string phrase = absl::StrCat("breach \"", id, "\"");
    const model::Breach* cur = breaches_.Find(std::string(id));
    if (!cur) return absl::NotFoundError(absl::StrCat(phrase, " not found"));
    if (!cur->open()) {
      return absl::FailedPreconditionError(
          absl::StrCat(phrase, " is already closed"));
    }
    model::Breach b = *cur;
    b.end_time = Trunc(end_time);
    breaches_.Put(b.id, b);
    Write(BreachRowKey(b.id), kBreachesTable);
    return absl::OkStatus();
  }

  absl::StatusOr<store::Page<model::Breach>> ListBreaches(
      const store::BreachFilter& f, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kBreachesTable);
    // PaginateNewestFirst orders by (create_time, id): give it start_time
    // under that name.
    struct Row {
      absl::Time create_time;
      std::string id;
      model::Breach breach;
    };
    std::vector<Row> rows;
    for (const auto& [id, b] : breaches_.Merged()) {
      if (b.port.domain_id != f.product.domain_id ||
          b.port.product_id != f.product.product_id) {
        continue;
      }
      if (!f.port_id.empty() && b.port.port_id != f.port_id) continue;
      if (f.open_only && !b.open()) continue;
      rows.push_back({b.start_time, b.id, b});
    }
    MP_ASSIGN_OR_RETURN(store::Page<Row> got,
                        PaginateNewestFirst(std::move(rows), page));
    store::Page<model::Breach> out;
    out.next = std::move(got.next);
    for (auto& r : got.items) out.items.push_back(std::move(r.breach));
    return out;
  }

  absl::StatusOr<std::vector<model::Grant>> ActiveGrants(
      absl::Time now, absl::string_view after, int limit) override {
    MP_RETURN_IF_ERROR(Check());
    if (limit < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("ActiveGrants limit must be at least 1, got ", limit));
    }
    Read(kGrantsTable);
    std::vector<model::Grant> out;
    // The map's std::string order is bytewise, as the ids' COLLATE "C".
    for (const auto& [id, g] : grants_.Merged()) {
      if (static_cast<int>(out.size()) == limit) break;
      if (id <= after || !g.ActiveAt(now)) continue;
      out.push_back(g);
    }
    return out;
  }

  absl::Status AppendAccessDecisions(
      const std::vector<model::AccessDecision>& decisions) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    for (const model::AccessDecision& decision : decisions) {
      model::AccessDecision d = decision;
      d.time = Trunc(d.time);
      pending_decisions_.push_back(std::move(d));
      wrote_ = true;
    }
    return absl::OkStatus();
  }

  absl::Status Notify(absl::string_view channel,
                      absl::string_view payload) override {
    MP_RETURN_IF_ERROR(Check());
    MP_RETURN_IF_ERROR(CheckNotification(mode_, channel, payload));
    pending_notifications_.push_back(
        {std::string(channel), std::string(payload), false});
    return absl::OkStatus();
  }

  // ------------------------------------------------------------ Webhooks
  absl::Status InsertWebhook(const model::Webhook& webhook) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(WebhookRowKey(webhook.id));
    if (webhooks_.Find(webhook.id)) {
      return absl::AlreadyExistsError(
          absl::StrCat("webhook \"", webhook.id, "\" already exists"));
    }
    model::Webhook w = webhook;
    w.create_time = Trunc(w.create_time);
    w.next_attempt_time = Trunc(w.next_attempt_time);
    webhooks_.Put(w.id, w);
    Write(WebhookRowKey(w.id), kWebhooksTable);
    return absl::OkStatus();
  }

  absl::StatusOr<model::Webhook> GetWebhook(absl::string_view id) override {
    MP_RETURN_IF_ERROR(Check());
    Read(WebhookRowKey(id));
    const model::Webhook* w = webhooks_.Find(std::string(id));
    if (!w) {
      return absl::NotFoundError(
          absl::StrCat("webhook \"", id, "\" not found"));
    }
    return *w;
  }

  absl::StatusOr<store::Page<model::Webhook>> ListWebhooks(
      const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kWebhooksTable);
    std::vector<std::pair<std::string, model::Webhook>> items;
    for (auto& [id, w] : webhooks_.Merged()) items.emplace_back(id, w);
    return Paginate<model::Webhook>(items, page,
                                    [](const std::string& k) { return k; });
  }

  absl::Status DeleteWebhook(absl::string_view id) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(WebhookRowKey(id));
    if (!webhooks_.Find(std::string(id))) {
      return absl::NotFoundError(
          absl::StrCat("webhook \"", id, "\" not found"));
    }
    webhooks_.Erase(std::string(id));
    Write(WebhookRowKey(id), kWebhooksTable);
    Read(kWebhookDeliveriesTable);
    for (const auto& [k, d] : deliveries_.Merged()) {
      if (d.webhook_id != id) continue;
      deliveries_.Erase(k);
      Write(kWebhookDeliveriesTable, "");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<model::Webhook>> ClaimDueWebhook(
      absl::Time now) override {
    if (!store::IsWriteMode(mode_)) {
      return absl::FailedPreconditionError(
          "ClaimDueWebhook needs a read-write transaction (it holds the "
          "webhook until commit)");
    }
    MP_RETURN_IF_ERROR(CheckWrite());
    MP_ASSIGN_OR_RETURN(int64_t head, LastEventSequence());
    Read(kWebhooksTable);
    std::vector<model::Webhook> due;
    for (const auto& [id, w] : webhooks_.Merged()) {
      if (w.next_attempt_time <= Trunc(now) && w.delivered_sequence < head) {
        due.push_back(w);
      }
    }
    std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
      return std::tie(a.next_attempt_time, a.id) <
             std::tie(b.next_attempt_time, b.id);
    });
    absl::MutexLock lock(&store_.mu_);
    for (const auto& w : due) {
      const std::string key = absl::StrCat("webhook-claim/", w.id);
      auto it = store_.request_locks_.find(key);
      if (it != store_.request_locks_.end() && it->second != id_) continue;
      // As PostgreSQL's FOR UPDATE under SERIALIZABLE: a row that a
      // transaction committed after our snapshot changed cannot be locked.
      for (const auto& entry : store_.log_) {
        if (entry.version > snapshot_version_ &&
            entry.writes.count(WebhookRowKey(w.id))) {
          return store::MarkRetryable(absl::AbortedError(
              "could not serialize access due to concurrent update"));
        }
      }
      if (it == store_.request_locks_.end()) {
        store_.request_locks_[key] = id_;
        locks_.push_back(key);
      }
      return std::optional<model::Webhook>(w);
    }
    return std::optional<model::Webhook>();
  }

  absl::Status UpdateWebhookState(const model::Webhook& webhook) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(WebhookRowKey(webhook.id));
    const model::Webhook* cur = webhooks_.Find(webhook.id);
    if (!cur) {
      return absl::NotFoundError(
          absl::StrCat("webhook \"", webhook.id, "\" not found"));
    }
    model::Webhook w = *cur;
    w.delivered_sequence = webhook.delivered_sequence;
    w.failing_attempts = webhook.failing_attempts;
    w.last_error = webhook.last_error;
    w.next_attempt_time = Trunc(webhook.next_attempt_time);
    webhooks_.Put(w.id, w);
    Write(WebhookRowKey(w.id), kWebhooksTable);
    return absl::OkStatus();
  }

  absl::Status AppendWebhookDeliveries(
      const std::vector<model::WebhookDelivery>& deliveries,
      int keep) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    std::vector<std::string> ids;
    for (const auto& d : deliveries) {
      Read(WebhookRowKey(d.webhook_id));
      if (!webhooks_.Find(d.webhook_id)) {
        return absl::NotFoundError(
            absl::StrCat("webhook \"", d.webhook_id, "\" not found"));
      }
      if (std::find(ids.begin(), ids.end(), d.webhook_id) == ids.end()) {
        ids.push_back(d.webhook_id);
      }
    }
    if (deliveries.empty()) return absl::OkStatus();
    for (const auto& d : deliveries) {
      model::WebhookDelivery row = d;
      row.time = Trunc(row.time);
      row.duration = absl::Microseconds(absl::ToInt64Microseconds(d.duration));
      deliveries_.Put(next_delivery_key++, row);
    }
    Write(kWebhookDeliveriesTable, "");
    Read(kWebhookDeliveriesTable);
    auto all = deliveries_.Merged();
    for (const auto& id : ids) {
      int seen = 0;
      for (auto it = all.rbegin(); it != all.rend(); ++it) {
        if (it->second.webhook_id != id) continue;
        if (++seen > std::max(keep, 0)) deliveries_.Erase(it->first);
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<store::Page<model::WebhookDelivery>> ListWebhookDeliveries(
      absl::string_view webhook_id, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    if (page.limit < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("page limit must be at least 1, got ", page.limit));
    }
    int64_t before = std::numeric_limits<int64_t>::max();
    if (!page.after.empty() && !absl::SimpleAtoi(page.after, &before)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid page cursor \"", page.after, "\""));
    }
    Read(kWebhookDeliveriesTable);
    auto all = deliveries_.Merged();
    store::Page<model::WebhookDelivery> out;
    int64_t last = 0;
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (it->first >= before || it->second.webhook_id != webhook_id) continue;
      if (static_cast<int>(out.items.size()) == page.limit) {
        out.next = absl::StrCat(last);
        break;
      }
      out.items.push_back(it->second);
      last = it->first;
    }
    return out;
  }

  // ------------------------------------------------------- Web sessions
  // ------------------------------------------------------- Web sessions
  absl::Status InsertWebSession(const store::WebSession& session,
                                absl::Time now) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(kWebSessionsTable);
    if (web_sessions_.Find(session.id_hash)) {
      return absl::AlreadyExistsError("a web session has that id");
    }
    std::vector<std::string> expired;
    for (const auto& [id_hash, s] : web_sessions_.Merged()) {
      if (s.expire_time <= now) expired.push_back(id_hash);
    }
    for (const std::string& id_hash : expired) {
      web_sessions_.Erase(id_hash);
      Write(WebSessionKey(id_hash), kWebSessionsTable);
    }
    store::WebSession s = session;
    s.create_time = Trunc(s.create_time);
    s.expire_time = Trunc(s.expire_time);
    web_sessions_.Put(s.id_hash, s);
    Write(WebSessionKey(s.id_hash), kWebSessionsTable);
    return absl::OkStatus();
  }
  absl::StatusOr<store::WebSession> GetWebSession(
      absl::string_view id_hash) override {
    MP_RETURN_IF_ERROR(Check());
    Read(WebSessionKey(id_hash));
    const store::WebSession* s = web_sessions_.Find(std::string(id_hash));
    if (s == nullptr) return absl::NotFoundError("no such web session");
    return *s;
  }
  absl::Status DeleteWebSession(absl::string_view id_hash) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(WebSessionKey(id_hash));
    if (web_sessions_.Find(std::string(id_hash)) == nullptr) {
      return absl::OkStatus();
    }
    web_sessions_.Erase(std::string(id_hash));
    Write(WebSessionKey(id_hash), kWebSessionsTable);
    return absl::OkStatus();
  }

  // ------------------------------------------------------------ Tokens
  absl::Status InsertToken(const ApiToken& token) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(TokenKey(token.id));
    if (tokens_.Find(token.id)) {
      return absl::AlreadyExistsError(
          absl::StrCat("tokens/", token.id, " already exists"));
    }
    ApiToken t = token;
    t.create_time = Trunc(t.create_time);
    t.expire_time = Trunc(t.expire_time);
    t.revoke_time = Trunc(t.revoke_time);
    tokens_.Put(t.id, t);
    Write(TokenKey(t.id), kTokensTable);
    return absl::OkStatus();
  }

  absl::StatusOr<ApiToken> GetToken(absl::string_view id) override {
    MP_RETURN_IF_ERROR(Check());
    Read(TokenKey(id));
    const ApiToken* t = tokens_.Find(std::string(id));
    if (!t)
      return absl::NotFoundError(absl::StrCat("tokens/", id, " not found"));
    return *t;
  }

  absl::StatusOr<store::Page<ApiToken>> ListTokens(
      const store::TokenFilter& f, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kTokensTable);
    std::vector<std::pair<std::string, ApiToken>> items;
    for (auto& [id, t] : tokens_.Merged()) {
      if (!f.principal.empty() && t.principal != f.principal) continue;
      if (!f.include_revoked && t.revoke_time) continue;
      items.emplace_back(id, t);
    }
    return Paginate<ApiToken>(items, page,
                              [](const std::string& k) { return k; });
  }

  absl::Status RevokeToken(absl::string_view id, absl::Time when) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    Read(TokenKey(id));
    const ApiToken* cur = tokens_.Find(std::string(id));
    if (!cur)
      return absl::NotFoundError(absl::StrCat("tokens/", id, " not found"));
    if (cur->revoke_time) return absl::OkStatus();
    ApiToken t = *cur;
    t.revoke_time = Trunc(when);
    tokens_.Put(t.id, t);
    Write(TokenKey(t.id), kTokensTable);
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> CountActiveAdminTokens(absl::Time now) override {
    MP_RETURN_IF_ERROR(Check());
    Read(kTokensTable);
    int64_t n = 0;
    for (const auto& [id, t] : tokens_.Merged()) {
      n += (t.platform_admin && t.ActiveAt(now)) ? 1 : 0;
    }
    return n;
  }

  // -------------------------------------- Audit, events, idempotency
  absl::StatusOr<int64_t> AppendAudit(
      const model::AuditRecord& record) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    model::AuditRecord r = record;
    r.time = Trunc(r.time);
    {
      absl::MutexLock lock(&store_.mu_);
      r.sequence = store_.next_audit_sequence_++;
    }
    pending_audit_.push_back(r);
    wrote_ = true;
    return r.sequence;
  }

  absl::StatusOr<int64_t> AppendEvent(const model::Event& event) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    model::Event e = event;
    e.time = Trunc(e.time);
    {
      absl::MutexLock lock(&store_.mu_);
      e.sequence = store_.next_event_sequence_++;
    }
    pending_events_.push_back(e);
    wrote_ = true;
    MP_RETURN_IF_ERROR(Notify(store::kEventChannel, absl::StrCat(e.sequence)));
    return e.sequence;
  }

  absl::StatusOr<int64_t> LastEventSequence() override {
    MP_RETURN_IF_ERROR(Check());
    int64_t last = 0;
    absl::MutexLock lock(&store_.mu_);
    for (const auto& [v, e] : store_.events_) {
      if (v <= snapshot_version_) last = std::max(last, e.sequence);
    }
    return last;
  }

  absl::StatusOr<int64_t> EventsPrunedThrough() override {
    MP_RETURN_IF_ERROR(Check());
    absl::MutexLock lock(&store_.mu_);
    return PrunedThroughLocked();
  }

  absl::StatusOr<int64_t> PruneEvents(absl::Time before, int64_t max_sequence,
                                      int limit) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    if (limit < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("PruneEvents: limit ", limit, " is not positive"));
    }
    // Concurrent prunes conflict with each other, not with appends.
    Read(kEventWatermark);
    MP_ASSIGN_OR_RETURN(std::vector<model::Event> head, ListEvents(0, limit));
    int64_t count = 0;
    int64_t through = 0;
    for (const model::Event& e : head) {
      if (e.sequence > max_sequence || e.time >= Trunc(before)) break;
      through = e.sequence;
      ++count;
    }
    if (count > 0) {
      pending_pruned_through_ = through;
      Write(kEventWatermark, "");
    }
    return count;
  }

  absl::StatusOr<store::Page<model::AuditRecord>> ListAudit(
      const store::AuditFilter& f, const store::PageRequest& page) override {
    MP_RETURN_IF_ERROR(Check());
    std::vector<model::AuditRecord> all;
    {
      absl::MutexLock lock(&store_.mu_);
      for (const auto& [v, r] : store_.audit_) {
        if (v <= snapshot_version_) all.push_back(r);
      }
    }
    all.insert(all.end(), pending_audit_.begin(), pending_audit_.end());
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.sequence > b.sequence;
    });
    int64_t after = 0;
    if (!page.after.empty() && !absl::SimpleAtoi(page.after, &after)) {
      return absl::InvalidArgumentError("bad audit cursor");
    }
    store::Page<model::AuditRecord> out;
    int limit = std::max(1, page.limit);
    size_t i = 0;
    for (; i < all.size(); ++i) {
      const auto& r = all[i];
      if (!page.after.empty() && r.sequence >= after) continue;
      if (!f.resource.empty() && r.resource != f.resource) continue;
      if (!f.principal.empty() && r.principal != f.principal) continue;
      if (static_cast<int>(out.items.size()) == limit) {
        out.next = absl::StrCat(out.items.back().sequence);
        break;
      }
      out.items.push_back(r);
    }
    return out;
  }

  absl::StatusOr<std::vector<model::Event>> ListEvents(int64_t after_sequence,
                                                       int limit) override {
    MP_RETURN_IF_ERROR(Check());
    std::vector<model::Event> all;
    int64_t pruned;
    {
      absl::MutexLock lock(&store_.mu_);
      pruned = PrunedThroughLocked();
      if (after_sequence > 0 && after_sequence < pruned) {
        return store::EventsPrunedError(after_sequence, pruned);
      }
      const int64_t after = std::max(after_sequence, pruned);
      for (const auto& [v, e] : store_.events_) {
        if (v <= snapshot_version_ && e.sequence > after) all.push_back(e);
      }
    }
    for (const auto& e : pending_events_) {
      if (e.sequence > std::max(after_sequence, pruned)) all.push_back(e);
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.sequence < b.sequence;
    });
    if (limit >= 0 && static_cast<int>(all.size()) > limit) all.resize(limit);
    return all;
  }

  absl::StatusOr<bool> TryLockRequest(absl::string_view principal,
                                      absl::string_view method,
                                      absl::string_view request_id) override {
    MP_RETURN_IF_ERROR(Check());
    std::string key = RequestKey(principal, method, request_id);
    absl::MutexLock lock(&store_.mu_);
    auto it = store_.request_locks_.find(key);
    if (it != store_.request_locks_.end()) return it->second == id_;
    store_.request_locks_[key] = id_;
    locks_.push_back(key);
    return true;
  }

  absl::StatusOr<std::optional<model::IdempotencyRecord>> GetIdempotency(
      absl::string_view principal, absl::string_view method,
      absl::string_view request_id, absl::Time not_before) override {
    MP_RETURN_IF_ERROR(Check());
    std::string key = RequestKey(principal, method, request_id);
    Read(IdemKey(key));
    const model::IdempotencyRecord* r = idempotency_.Find(key);
    if (!r || r->create_time < not_before)
      return std::optional<model::IdempotencyRecord>();
    return std::optional<model::IdempotencyRecord>(*r);
  }

  absl::Status PutIdempotency(const model::IdempotencyRecord& record) override {
    MP_RETURN_IF_ERROR(CheckWrite());
    std::string key =
        RequestKey(record.principal, record.method, record.request_id);
    Read(IdemKey(key));
    model::IdempotencyRecord r = record;
    r.create_time = Trunc(r.create_time);
    idempotency_.Put(key, r);
    Write(IdemKey(key), "");
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (done_)
      return absl::FailedPreconditionError("transaction already finished");
    absl::Status result = absl::OkStatus();
    {
      absl::MutexLock lock(&store_.mu_);
      if (store_.unavailable_) {
        result = Unavailable();
      } else if (wrote_) {
        for (const auto& entry : store_.log_) {
          // READ COMMITTED raises no serialization failure: its row locks
          // (ClaimDueWebhook) are what isolate it.
          if (mode_ == store::TxnMode::kReadCommitted) break;
          if (entry.version <= snapshot_version_) continue;
          for (const auto& w : entry.writes) {
            if (reads_.count(w)) {
              result = store::MarkRetryable(absl::AbortedError(
                  "could not serialize access due to read/write dependencies "
                  "among transactions"));
              break;
            }
          }
          if (!result.ok()) break;
        }
        if (result.ok()) {
          uint64_t v = ++store_.version_;
          auto& t = store_.tables_;
          t.domains = domains_.CommitOnto(t.domains);
          t.teams = teams_.CommitOnto(t.teams);
          t.products = products_.CommitOnto(t.products);
          t.tokens = tokens_.CommitOnto(t.tokens);
          t.web_sessions = web_sessions_.CommitOnto(t.web_sessions);
          t.idempotency = idempotency_.CommitOnto(t.idempotency);
          t.policies = policies_.CommitOnto(t.policies);
          t.waivers = waivers_.CommitOnto(t.waivers);
          t.contracts = contracts_.CommitOnto(t.contracts);
          t.contract_versions = versions_.CommitOnto(t.contract_versions);
          t.access_requests = access_requests_.CommitOnto(t.access_requests);
          t.grants = grants_.CommitOnto(t.grants);
          t.observations = observations_.CommitOnto(t.observations);
          t.breaches = breaches_.CommitOnto(t.breaches);
          t.webhooks = webhooks_.CommitOnto(t.webhooks);
          t.webhook_deliveries = deliveries_.CommitOnto(t.webhook_deliveries);
          for (auto& d : pending_decisions_) {
            store_.access_decisions_.push_back(std::move(d));
          }
          for (auto& r : pending_revisions_) {
            store_.revisions_.emplace_back(v, r);
          }
          for (auto& r : pending_audit_) store_.audit_.emplace_back(v, r);
          for (auto& e : pending_events_) store_.events_.emplace_back(v, e);
          if (pending_pruned_through_.has_value()) {
            store_.event_watermarks_.emplace_back(v, *pending_pruned_through_);
          }
          store_.log_.push_back({v, writes_});
          ++store_.write_commits_;
        }
      }
    }
    Finish();
    // Delivered after the store's mutex is released: handlers may well start
    // a transaction of their own.
    if (result.ok() && !pending_notifications_.empty()) {
      store_.hub_->Publish(pending_notifications_);
    }
    pending_notifications_.clear();
    return result;
  }

 private:
  absl::Status Check() {
    if (done_)
      return absl::FailedPreconditionError("transaction already finished");
    absl::MutexLock lock(&store_.mu_);
    if (store_.unavailable_) return Unavailable();
    return absl::OkStatus();
  }
  absl::Status CheckWrite() {
    MP_RETURN_IF_ERROR(Check());
    if (!store::IsWriteMode(mode_)) {
      return absl::InternalError("write in a read-only transaction");
    }
    return absl::OkStatus();
  }
  void Read(const std::string& key) { reads_.insert(key); }
  // The event watermark this transaction sees.
  int64_t PrunedThroughLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(store_.mu_) {
    if (pending_pruned_through_.has_value()) return *pending_pruned_through_;
    int64_t through = 0;
    for (const auto& [v, p] : store_.event_watermarks_) {
      if (v <= snapshot_version_) through = std::max(through, p);
    }
    return through;
  }
  void Write(const std::string& row, const std::string& table) {
    writes_.insert(row);
    if (!table.empty()) writes_.insert(table);
    wrote_ = true;
  }

  static absl::Status EtagMismatch(const std::string& name) {
    return WithReason(
        absl::AbortedError(absl::StrCat("etag mismatch: ", name,
                                        " was changed by someone else")),
        "ETAG_MISMATCH");
  }

  absl::Status CheckDomainRefs(const Domain& d) {
    if (!d.parent_id.empty()) {
      Read(DomainKey(d.parent_id));
      if (!domains_.Find(d.parent_id)) {
        return absl::NotFoundError(
            absl::StrCat("parent domains/", d.parent_id, " not found"));
      }
    }
    Read(TeamKey(d.owner_team_id));
    if (!teams_.Find(d.owner_team_id)) {
      return absl::NotFoundError(
          absl::StrCat("owner teams/", d.owner_team_id, " not found"));
    }
    return absl::OkStatus();
  }

  absl::Status CheckPolicyOwner(const Policy& p) {
    if (p.owner_team_id.empty()) return absl::OkStatus();
    Read(TeamKey(p.owner_team_id));
    if (!teams_.Find(p.owner_team_id)) {
      return absl::NotFoundError(
          absl::StrCat("owner teams/", p.owner_team_id, " of ",
                       model::PolicyName(p.key()), " not found"));
    }
    return absl::OkStatus();
  }

  // Writes the policy row and appends it to the history.
  void PutPolicy(const Policy& policy, absl::string_view author) {
    Policy p = policy;
    p.create_time = Trunc(p.create_time);
    p.update_time = Trunc(p.update_time);
    PolicyMapKey key = MapKey(p.key());
    policies_.Put(key, p);
    Write(PolicyRowKey(key), kPoliciesTable);
    InMemoryStore::RevisionRow row;
    {
      absl::MutexLock lock(&store_.mu_);
      row.sequence = store_.next_revision_sequence_++;
    }
    row.key = key;
    row.revision.policy = p;
    row.revision.author = std::string(author);
    row.revision.create_time = p.update_time;
    pending_revisions_.push_back(std::move(row));
  }

  // Removes a policy and its waivers (the history stays).
  void ErasePolicy(const PolicyMapKey& key) {
    Read(kWaiversTable);
    for (const auto& [k, w] : waivers_.Merged()) {
      if (std::get<0>(k) == key.first && std::get<1>(k) == key.second) {
        waivers_.Erase(k);
        Write(WaiverRowKey(k), kWaiversTable);
      }
    }
    policies_.Erase(key);
    Write(PolicyRowKey(key), kPoliciesTable);
  }

  // NOT_FOUND naming `port` (and `what` refers to it) unless the output
  // port exists.
  absl::Status CheckPort(const model::OutputPortRef& port,
                         const std::string& what) {
    ProductKey key{port.domain_id, port.product_id};
    Read(ProductRowKey(key));
    const DataProduct* p = products_.Find(key);
    bool found = false;
    if (p) {
      for (const auto& o : p->output_ports)
        found = found || o.id == port.port_id;
    }
    if (found) return absl::OkStatus();
    return absl::NotFoundError(absl::StrCat("output port ",
                                            model::OutputPortName(port), " of ",
                                            what, " not found"));
  }

  // The port and product list filters. As the Postgres store's: a filter
  // whose domain id is "" filters nothing.
  static bool MatchesPort(const model::OutputPortRef& port,
                          const std::optional<model::OutputPortRef>& by_port,
                          const std::optional<ProductKey>& by_product) {
    if (by_port && !by_port->domain_id.empty() && !(port == *by_port)) {
      return false;
    }
    if (by_product && !by_product->domain_id.empty() &&
        !(ProductKey{port.domain_id, port.product_id} == *by_product)) {
      return false;
    }
    return true;
  }

  void PutAccessRequest(const model::AccessRequest& request) {
    model::AccessRequest r = request;
    r.create_time = Trunc(r.create_time);
    r.update_time = Trunc(r.update_time);
    r.expire_time = Trunc(r.expire_time);
    r.duration = absl::Microseconds(absl::ToInt64Microseconds(r.duration));
    access_requests_.Put(r.id, r);
    Write(AccessRequestRowKey(r.id), kAccessRequestsTable);
  }

  void PutGrant(const model::Grant& grant) {
    model::Grant g = grant;
    g.create_time = Trunc(g.create_time);
    g.expire_time = Trunc(g.expire_time);
    g.revoke_time = Trunc(g.revoke_time);
    grants_.Put(g.id, g);
    Write(GrantRowKey(g.id), kGrantsTable);
  }

  // Deletes the access requests and grants of the output ports of `key`
  // whose ids are not in `kept` (the schema's ON DELETE CASCADE).
  void DropAccessToPorts(const ProductKey& key,
                         const std::set<std::string>& kept) {
    auto going = [&](const model::OutputPortRef& port) {
      return port.domain_id == key.domain_id &&
             port.product_id == key.product_id && !kept.count(port.port_id);
    };
    Read(kAccessRequestsTable);
    for (const auto& [id, r] : access_requests_.Merged()) {
      if (!going(r.port)) continue;
      access_requests_.Erase(id);
      Write(AccessRequestRowKey(id), kAccessRequestsTable);
    }
    Read(kGrantsTable);
    for (const auto& [id, g] : grants_.Merged()) {
      if (!going(g.port)) continue;
      grants_.Erase(id);
      Write(GrantRowKey(id), kGrantsTable);
    }
    // So do its observations and breaches.
    Read(kObservationsTable);
    for (const auto& [k, o] : observations_.Merged()) {
      if (!going(o.port)) continue;
      observations_.Erase(k);
      Write(kObservationsTable, "");
    }
    Read(kBreachesTable);
    for (const auto& [id, b] : breaches_.Merged()) {
      if (!going(b.port)) continue;
      breaches_.Erase(id);
      Write(BreachRowKey(id), kBreachesTable);
    }
  }

  void PutContract(const model::Contract& contract) {
    model::Contract c = contract;
    c.create_time = Trunc(c.create_time);
    c.update_time = Trunc(c.update_time);
    contracts_.Put(c.id, c);
    Write(ContractRowKey(c.id), kContractsTable);
  }
  static absl::Status CheckLimit(const store::PageRequest& page) {
    if (page.limit < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("page limit must be at least 1, got ", page.limit));
    }
    return absl::OkStatus();
  }
  absl::Status CheckProductRefs(const DataProduct& p) {
    Read(TeamKey(p.owner_team_id));
    if (!teams_.Find(p.owner_team_id)) {
      return absl::NotFoundError(
          absl::StrCat("owner teams/", p.owner_team_id, " not found"));
    }
    for (const auto& ip : p.input_ports) {
      ProductKey src{ip.source.domain_id, ip.source.product_id};
      const DataProduct* sp = nullptr;
      if (src == p.key()) {
        sp = &p;
      } else {
        Read(ProductRowKey(src));
        sp = products_.Find(src);
      }
      bool found = false;
      if (sp) {
        for (const auto& o : sp->output_ports)
          found = found || o.id == ip.source.port_id;
      }
      if (!found) {
        return absl::NotFoundError(absl::StrCat(
            "output port ", model::OutputPortName(ip.source), " not found"));
      }
    }
    return absl::OkStatus();
  }

  // A product other than `self` that reads `port`.
  std::optional<ProductKey> FindReader(const model::OutputPortRef& port,
                                       const ProductKey& self) {
    Read(kProductsTable);
    for (const auto& [k, p] : products_.Merged()) {
      if (k == self) continue;
      for (const auto& ip : p.input_ports) {
        if (ip.source == port) return k;
      }
    }
    return std::nullopt;
  }

  static DataProduct Normalized(const DataProduct& p) {
    DataProduct out = p;
    out.create_time = Trunc(out.create_time);
    out.update_time = Trunc(out.update_time);
    out.sunset_time = Trunc(out.sunset_time);
    return out;
  }

  // `id` and every domain below it.
  static std::set<std::string> Subtree(
      const std::map<std::string, Domain>& domains, const std::string& id) {
    std::set<std::string> out{id};
    bool grew = true;
    while (grew) {
      grew = false;
      for (const auto& [d, domain] : domains) {
        if (!domain.parent_id.empty() && out.count(domain.parent_id) &&
            out.insert(d).second) {
          grew = true;
        }
      }
    }
    return out;
  }

  // SearchDataProducts' score (store.h, SearchResult): -1 when a word is
  // missing.
  static int SearchScore(const DataProduct& p, const store::ProductSearch& s) {
    auto words_of = [](const std::vector<std::string>& texts) {
      std::set<std::string> out;
      for (const auto& t : texts) {
        for (auto& w : model::SearchWords(t)) out.insert(std::move(w));
      }
      return out;
    };
    std::set<std::string> a = words_of({p.id, p.display_name});
    std::vector<std::string> btexts = p.tags;
    for (const auto& [k, v] : p.labels) {
      btexts.push_back(k);
      btexts.push_back(v);
    }
    std::set<std::string> b = words_of(btexts);
    std::vector<std::string> ctexts = {p.description};
    for (const auto& o : p.output_ports) {
      ctexts.insert(ctexts.end(),
                    {o.id, o.display_name, o.description, o.location});
    }
    for (const auto& in : p.input_ports) {
      ctexts.insert(ctexts.end(), {in.id, in.description});
    }
    std::set<std::string> c = words_of(ctexts);
    auto has = [](const std::set<std::string>& set, const std::string& w,
                  bool prefix) {
      if (!prefix) return set.count(w) > 0;
      auto it = set.lower_bound(w);
      return it != set.end() && absl::StartsWith(*it, w);
    };
    bool in_a = true, in_ab = true;
    for (size_t i = 0; i < s.words.size(); ++i) {
      const std::string& w = s.words[i];
      bool prefix = s.last_is_prefix && i + 1 == s.words.size();
      bool ia = has(a, w, prefix), ib = has(b, w, prefix);
      if (!ia && !ib && !has(c, w, prefix)) return -1;
      in_a = in_a && ia;
      in_ab = in_ab && (ia || ib);
    }
    return in_a ? 3 : in_ab ? 2 : 1;
  }

  static bool MatchesText(const DataProduct& p,
                          const std::vector<std::string>& words) {
    std::string hay = absl::AsciiStrToLower(
        absl::StrCat(p.id, " ", p.display_name, " ", p.description, " ",
                     absl::StrJoin(p.tags, " ")));
    for (const auto& w : words) {
      if (!absl::StrContains(hay, w)) return false;
    }
    return true;
  }

  void Finish() {
    done_ = true;
    absl::MutexLock lock(&store_.mu_);
    for (const auto& k : locks_) {
      auto it = store_.request_locks_.find(k);
      if (it != store_.request_locks_.end() && it->second == id_) {
        store_.request_locks_.erase(it);
      }
    }
    locks_.clear();
    auto it = store_.live_snapshots_.find(snapshot_version_);
    if (it != store_.live_snapshots_.end()) store_.live_snapshots_.erase(it);
    // Forget commits that no live transaction can conflict with.
    uint64_t oldest = store_.live_snapshots_.empty()
                          ? store_.version_
                          : *store_.live_snapshots_.begin();
    auto& log = store_.log_;
    log.erase(
        std::remove_if(log.begin(), log.end(),
                       [&](const auto& e) { return e.version <= oldest; }),
        log.end());
  }

  InMemoryStore& store_;
  const store::TxnMode mode_;
  const uint64_t id_;
  const uint64_t snapshot_version_;
  bool done_ = false;
  bool wrote_ = false;
  Overlay<std::string, Domain> domains_;
  Overlay<std::string, Team> teams_;
  Overlay<ProductKey, DataProduct> products_;
  Overlay<std::string, ApiToken> tokens_;
  Overlay<std::string, store::WebSession> web_sessions_;
  Overlay<std::string, model::IdempotencyRecord> idempotency_;
  Overlay<PolicyMapKey, Policy> policies_;
  Overlay<WaiverMapKey, Waiver> waivers_;
  Overlay<std::string, model::Contract> contracts_;
  Overlay<VersionMapKey, model::ContractVersion> versions_;
  Overlay<std::string, model::AccessRequest> access_requests_;
  Overlay<std::string, model::Grant> grants_;
  Overlay<int64_t, model::Observation> observations_;
  Overlay<std::string, model::Breach> breaches_;
  Overlay<std::string, model::Webhook> webhooks_;
  Overlay<int64_t, model::WebhookDelivery> deliveries_;
  std::vector<model::AccessDecision> pending_decisions_;
  std::vector<InMemoryStore::RevisionRow> pending_revisions_;
  std::vector<store::Listener::Notification> pending_notifications_;
  std::set<std::string> reads_;
  std::set<std::string> writes_;
  std::vector<model::AuditRecord> pending_audit_;
  std::vector<model::Event> pending_events_;
  std::optional<int64_t> pending_pruned_through_;
  std::vector<std::string> locks_;
};

InMemoryStore::InMemoryStore() : hub_(std::make_shared<ListenerHub>()) {
  tables_.domains = std::make_shared<const std::map<std::string, Domain>>();
  tables_.teams = std::make_shared<const std::map<std::string, Team>>();
  tables_.products =
      std::make_shared<const std::map<ProductKey, DataProduct>>();
  tables_.tokens = std::make_shared<const std::map<std::string, ApiToken>>();
  tables_.web_sessions =
      std::make_shared<const std::map<std::string, store::WebSession>>();
  tables_.idempotency =
      std::make_shared<const std::map<std::string, model::IdempotencyRecord>>();
  tables_.policies = std::make_shared<const std::map<PolicyMapKey, Policy>>();
  tables_.waivers = std::make_shared<const std::map<WaiverMapKey, Waiver>>();
  tables_.contracts =
      std::make_shared<const std::map<std::string, model::Contract>>();
  tables_.contract_versions =
      std::make_shared<const std::map<VersionMapKey, model::ContractVersion>>();
  tables_.access_requests =
      std::make_shared<const std::map<std::string, model::AccessRequest>>();
  tables_.grants =
      std::make_shared<const std::map<std::string, model::Grant>>();
  tables_.observations =
      std::make_shared<const std::map<int64_t, model::Observation>>();
  tables_.breaches =
      std::make_shared<const std::map<std::string, model::Breach>>();
  tables_.webhooks =
      std::make_shared<const std::map<std::string, model::Webhook>>();
  tables_.webhook_deliveries =
      std::make_shared<const std::map<int64_t, model::WebhookDelivery>>();
}

InMemoryStore::~InMemoryStore() = default;

absl::StatusOr<std::unique_ptr<store::Transaction>> InMemoryStore::Begin(
    store::TxnMode mode) {
  absl::MutexLock lock(&mu_);
  if (unavailable_) return Unavailable();
  live_snapshots_.insert(version_);
  return std::unique_ptr<store::Transaction>(
      std::make_unique<InMemoryTransaction>(*this, mode, next_txn_id_++,
                                            version_, tables_));
}

absl::StatusOr<std::unique_ptr<store::Listener>> InMemoryStore::NewListener() {
  return std::unique_ptr<store::Listener>(
      std::make_unique<InMemoryListener>(hub_));
}

absl::Status InMemoryStore::Ping() {
  absl::MutexLock lock(&mu_);
  if (unavailable_) return Unavailable();
  return absl::OkStatus();
}

void InMemoryStore::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&mu_);
  unavailable_ = unavailable;
}

int64_t InMemoryStore::write_commits() const {
  absl::MutexLock lock(&mu_);
  return write_commits_;
}

std::vector<model::AccessDecision> InMemoryStore::access_decisions() const {
  absl::MutexLock lock(&mu_);
  return access_decisions_;
}

}  // namespace meshplane::testing
