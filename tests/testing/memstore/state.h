// Internal to InMemoryStore (in_memory_store.h): the committed state of a
// store, and the state that one transaction and its seven repositories
// (repositories.h) share. Tests include in_memory_store.h, not this.
//
// How a transaction works (the semantics are in in_memory_store.h): Begin
// takes a snapshot of the committed tables (immutable maps, shared); each
// repository method records the conflict keys it read (TxnState::Read) and
// changes the transaction's Overlay of a table (TxnState::Write records the
// keys it wrote); Commit refuses the transaction if one that committed
// after the snapshot wrote a key it read, else publishes the changed tables.
#ifndef MESHPLANE_TESTS_TESTING_MEMSTORE_STATE_H_
#define MESHPLANE_TESTS_TESTING_MEMSTORE_STATE_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/access.h"
#include "meshplane/model/audit.h"
#include "meshplane/model/contract.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/domain.h"
#include "meshplane/model/policy.h"
#include "meshplane/model/principal.h"
#include "meshplane/model/slo.h"
#include "meshplane/model/team.h"
#include "meshplane/model/webhook.h"
#include "meshplane/store/store.h"

namespace meshplane::testing::memstore_internal {

// PostgreSQL's timestamptz keeps microseconds.
absl::Time Trunc(absl::Time t);
std::optional<absl::Time> Trunc(std::optional<absl::Time> t);

// As PostgresStore: absl's infinite times are the extreme microseconds.
int64_t ToMicros(absl::Time t);
absl::Time FromMicros(int64_t us);

// UNAVAILABLE, while the store's test hook says so.
absl::Status Unavailable();

// ABORTED with the ETAG_MISMATCH reason, naming the resource.
absl::Status EtagMismatch(const std::string& name);

using PolicyMapKey = std::pair<std::string, std::string>;
using WaiverMapKey = std::tuple<std::string, std::string, std::string>;
using VersionMapKey = std::pair<std::string, std::string>;

// Conflict keys: one per row and one per table (for scans and counts),
// all in one place so that their prefixes stay distinct.
inline constexpr char kDomainsTable[] = "*domains";
inline constexpr char kTeamsTable[] = "*teams";
inline constexpr char kProductsTable[] = "*products";
inline constexpr char kTokensTable[] = "*tokens";
inline constexpr char kWebSessionsTable[] = "*web_sessions";
inline constexpr char kEventWatermark[] = "*event_watermark";
inline constexpr char kPoliciesTable[] = "*policies";
inline constexpr char kWaiversTable[] = "*waivers";
inline constexpr char kContractsTable[] = "*contracts";
inline constexpr char kContractVersionsTable[] = "*contract_versions";
inline constexpr char kAccessRequestsTable[] = "*access_requests";
inline constexpr char kGrantsTable[] = "*grants";
inline constexpr char kObservationsTable[] = "*slo_observations";
inline constexpr char kBreachesTable[] = "*slo_breaches";
inline constexpr char kWebhooksTable[] = "*webhooks";
inline constexpr char kWebhookDeliveriesTable[] = "*webhook_deliveries";
inline std::string DomainKey(absl::string_view id) {
  return absl::StrCat("d/", id);
}
inline std::string TeamKey(absl::string_view id) {
  return absl::StrCat("t/", id);
}
inline std::string ProductRowKey(const model::ProductKey& k) {
  return absl::StrCat("p/", k.domain_id, "/", k.product_id);
}
inline std::string TokenKey(absl::string_view id) {
  return absl::StrCat("k/", id);
}
inline std::string WebSessionKey(absl::string_view id_hash) {
  return absl::StrCat("ws/", id_hash);
}
inline std::string IdemKey(absl::string_view key) {
  return absl::StrCat("i/", key);
}
inline std::string PolicyRowKey(const PolicyMapKey& k) {
  return absl::StrCat("y/", k.first, "/", k.second);
}
inline std::string WaiverRowKey(const WaiverMapKey& k) {
  return absl::StrCat("w/", std::get<0>(k), "/", std::get<1>(k), "/",
                      std::get<2>(k));
}
inline std::string ContractRowKey(absl::string_view id) {
  return absl::StrCat("c/", id);
}
inline std::string VersionRowKey(const VersionMapKey& k) {
  return absl::StrCat("v/", k.first, "/", k.second);
}
inline std::string BreachRowKey(absl::string_view id) {
  return absl::StrCat("sb/", id);
}
inline std::string AccessRequestRowKey(absl::string_view id) {
  return absl::StrCat("r/", id);
}
inline std::string GrantRowKey(absl::string_view id) {
  return absl::StrCat("g/", id);
}
inline std::string WebhookRowKey(absl::string_view id) {
  return absl::StrCat("wh/", id);
}

// A space sorts below every id character, so cursors compare as the
// (domain_id, id) pairs do.
inline std::string ProductCursor(const model::ProductKey& k) {
  return absl::StrCat(k.domain_id, " ", k.product_id);
}

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

// The page of `entries` (in list order) that starts at index `first`: the
// items `item_of` makes of at most `limit` entries and, when more follow,
// the cursor `cursor_of` makes of the last entry on the page.
template <typename E, typename ItemOf, typename CursorOf>
auto PageFrom(const std::vector<E>& entries, size_t first, int limit,
              ItemOf item_of, CursorOf cursor_of)
    -> store::Page<std::decay_t<decltype(item_of(entries[0]))>> {
  store::Page<std::decay_t<decltype(item_of(entries[0]))>> out;
  size_t i = first;
  for (; i < entries.size() && static_cast<int>(out.items.size()) < limit;
       ++i) {
    out.items.push_back(item_of(entries[i]));
  }
  if (i < entries.size() && !out.items.empty()) {
    out.next = cursor_of(entries[i - 1]);
  }
  return out;
}

template <typename T, typename K, typename KeyFn>
store::Page<T> Paginate(const std::vector<std::pair<K, T>>& sorted_items,
                        const store::PageRequest& page, KeyFn cursor_of) {
  size_t i = 0;
  if (!page.after.empty()) {
    while (i < sorted_items.size() &&
           cursor_of(sorted_items[i].first) <= page.after) {
      ++i;
    }
  }
  return PageFrom(
      sorted_items, i, std::max(1, page.limit),
      [](const std::pair<K, T>& e) -> const T& { return e.second; },
      [&](const std::pair<K, T>& e) { return cursor_of(e.first); });
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
  return PageFrom(
      items, i, page.limit, [](const T& item) -> const T& { return item; },
      [](const T& last) {
        return absl::StrCat(ToMicros(last.create_time), "/", last.id);
      });
}

// A committed table: immutable once published; empty at first.
template <typename K, typename V>
struct CommittedTable {
  std::shared_ptr<const std::map<K, V>> rows =
      std::make_shared<const std::map<K, V>>();
};

// The store's tables, each held as H<key, row>: as committed
// (CommittedTable; a commit publishes new copies of the tables it changed)
// or as one transaction sees them (Overlay).
template <template <typename, typename> class H>
struct TableSet {
  H<std::string, model::Domain> domains;
  H<std::string, model::Team> teams;
  H<model::ProductKey, model::DataProduct> products;
  H<std::string, model::ApiToken> tokens;
  // Keyed by id_hash.
  H<std::string, store::WebSession> web_sessions;
  H<std::string, model::IdempotencyRecord> idempotency;
  H<PolicyMapKey, model::Policy> policies;
  // Keyed by (policy domain_id, policy id, id).
  H<WaiverMapKey, model::Waiver> waivers;
  H<std::string, model::Contract> contracts;
  // Keyed by (contract_id, version).
  H<VersionMapKey, model::ContractVersion> versions;
  H<std::string, model::AccessRequest> access_requests;
  H<std::string, model::Grant> grants;
  // Keyed by a sequence unique within the store.
  H<int64_t, model::Observation> observations;
  H<std::string, model::Breach> breaches;
  H<std::string, model::Webhook> webhooks;
  // Keyed by a sequence unique within the store, in append order.
  H<int64_t, model::WebhookDelivery> deliveries;
};

using Tables = TableSet<CommittedTable>;

// One stored revision of a policy's history.
struct RevisionRow {
  int64_t sequence;
  PolicyMapKey key;
  model::PolicyRevision revision;
};

// The started listeners (in_memory_store.cc); shared with them, as they
// may outlive the store.
struct ListenerHub;

// The committed state of one InMemoryStore. Thread-safe through `mu`.
struct StoreState {
  struct CommitLogEntry {
    uint64_t version;
    std::set<std::string> writes;
  };

  explicit StoreState(std::shared_ptr<ListenerHub> listener_hub);

  absl::Mutex mu;
  Tables tables ABSL_GUARDED_BY(mu);
  uint64_t version ABSL_GUARDED_BY(mu) = 0;
  std::vector<CommitLogEntry> log ABSL_GUARDED_BY(mu);
  std::multiset<uint64_t> live_snapshots ABSL_GUARDED_BY(mu);
  std::vector<std::pair<uint64_t, model::AuditRecord>> audit
      ABSL_GUARDED_BY(mu);
  std::vector<std::pair<uint64_t, model::Event>> events ABSL_GUARDED_BY(mu);
  // PruneEvents' watermarks, by the version that committed them. Pruned
  // events stay in `events` for older snapshots; readers hide them.
  std::vector<std::pair<uint64_t, int64_t>> event_watermarks
      ABSL_GUARDED_BY(mu);
  std::vector<std::pair<uint64_t, RevisionRow>> revisions ABSL_GUARDED_BY(mu);
  std::vector<model::AccessDecision> access_decisions ABSL_GUARDED_BY(mu);
  int64_t next_revision_sequence ABSL_GUARDED_BY(mu) = 1;
  int64_t next_audit_sequence ABSL_GUARDED_BY(mu) = 1;
  int64_t next_event_sequence ABSL_GUARDED_BY(mu) = 1;
  // TryLockRequest's and ClaimDueWebhook's locks: key -> transaction id.
  std::map<std::string, uint64_t> request_locks ABSL_GUARDED_BY(mu);
  uint64_t next_txn_id ABSL_GUARDED_BY(mu) = 1;
  bool unavailable ABSL_GUARDED_BY(mu) = false;
  int64_t write_commits ABSL_GUARDED_BY(mu) = 0;
  const std::shared_ptr<ListenerHub> hub;
};

// One transaction's state, shared by the transaction and its repositories
// (a record more than an object: each repository reads and changes the
// tables of its area, and a few of other areas, as the schema's foreign
// keys and cascades do). Its tables are the overlays of the snapshot it
// began on. Not thread-safe, as the transaction.
struct TxnState : TableSet<Overlay> {
  TxnState(StoreState& db, store::TxnMode mode, uint64_t id,
           uint64_t snapshot_version, const Tables& t);

  // FAILED_PRECONDITION once finished; UNAVAILABLE (test hook).
  absl::Status Check();
  // Check, and INTERNAL in a mode that may not write.
  absl::Status CheckWrite();
  // Records a read of a conflict key.
  void Read(const std::string& key) { reads.insert(key); }
  // Records a write of `row` and of `table` ("" for none).
  void Write(const std::string& row, const std::string& table);
  // The event watermark this transaction sees.
  int64_t PrunedThroughLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(db.mu);
  // Buffers a notification until commit (Transaction::Notify).
  absl::Status Notify(absl::string_view channel, absl::string_view payload);

  StoreState& db;
  const store::TxnMode mode;
  const uint64_t id;
  const uint64_t snapshot_version;
  bool done = false;
  bool wrote = false;
  std::vector<model::AccessDecision> pending_decisions;
  std::vector<RevisionRow> pending_revisions;
  std::vector<store::Listener::Notification> pending_notifications;
  std::set<std::string> reads;
  std::set<std::string> writes;
  std::vector<model::AuditRecord> pending_audit;
  std::vector<model::Event> pending_events;
  std::optional<int64_t> pending_pruned_through;
  std::vector<std::string> locks;
};

// Calls f(a's table, b's table) for each table of two TableSets (a
// transaction's snapshot and overlays, or the committed tables and a
// transaction's overlays).
template <typename A, typename B, typename F>
void ForEachTable(A& a, B& b, F f) {
  f(a.domains, b.domains);
  f(a.teams, b.teams);
  f(a.products, b.products);
  f(a.tokens, b.tokens);
  f(a.web_sessions, b.web_sessions);
  f(a.idempotency, b.idempotency);
  f(a.policies, b.policies);
  f(a.waivers, b.waivers);
  f(a.contracts, b.contracts);
  f(a.versions, b.versions);
  f(a.access_requests, b.access_requests);
  f(a.grants, b.grants);
  f(a.observations, b.observations);
  f(a.breaches, b.breaches);
  f(a.webhooks, b.webhooks);
  f(a.deliveries, b.deliveries);
}

// The row operations every area repeats. `row_key` is the conflict key of
// the row `key` of `rows`; `name` names it in errors (`domains/sales`).

// The row, after recording the read of its conflict key; nullptr if none.
template <typename K, typename V>
const V* ReadRow(TxnState& txn, const Overlay<K, V>& rows, const K& key,
                 const std::string& row_key) {
  txn.Read(row_key);
  return rows.Find(key);
}

// Check; a copy of the row, or NOT_FOUND "<name> not found".
template <typename K, typename V>
absl::StatusOr<V> GetRow(TxnState& txn, const Overlay<K, V>& rows, const K& key,
                         const std::string& row_key, absl::string_view name) {
  MP_RETURN_IF_ERROR(txn.Check());
  const V* v = ReadRow(txn, rows, key, row_key);
  if (!v) return absl::NotFoundError(absl::StrCat(name, " not found"));
  return *v;
}

// CheckWrite; ALREADY_EXISTS "<name> already exists" if the row exists.
template <typename K, typename V>
absl::Status CheckInsert(TxnState& txn, const Overlay<K, V>& rows, const K& key,
                         const std::string& row_key, absl::string_view name) {
  MP_RETURN_IF_ERROR(txn.CheckWrite());
  if (ReadRow(txn, rows, key, row_key)) {
    return absl::AlreadyExistsError(absl::StrCat(name, " already exists"));
  }
  return absl::OkStatus();
}

// CheckWrite; the row that an update expecting `expected_revision`
// replaces, or NOT_FOUND "<name> not found", or EtagMismatch(name).
template <typename K, typename V>
absl::StatusOr<const V*> CheckUpdate(TxnState& txn, const Overlay<K, V>& rows,
                                     const K& key, const std::string& row_key,
                                     const std::string& name,
                                     int64_t expected_revision) {
  MP_RETURN_IF_ERROR(txn.CheckWrite());
  const V* cur = ReadRow(txn, rows, key, row_key);
  if (!cur) return absl::NotFoundError(absl::StrCat(name, " not found"));
  if (cur->revision != expected_revision) return EtagMismatch(name);
  return cur;
}

// CheckWrite; the row to change or delete, or NOT_FOUND "<name> not found".
template <typename K, typename V>
absl::StatusOr<const V*> CheckExists(TxnState& txn, const Overlay<K, V>& rows,
                                     const K& key, const std::string& row_key,
                                     absl::string_view name) {
  MP_RETURN_IF_ERROR(txn.CheckWrite());
  const V* cur = ReadRow(txn, rows, key, row_key);
  if (!cur) return absl::NotFoundError(absl::StrCat(name, " not found"));
  return cur;
}

// Stores `v` as the row `key` and records the write of its conflict key
// and of `table`.
template <typename K, typename V>
void PutRow(TxnState& txn, Overlay<K, V>& rows, const K& key, V v,
            const std::string& row_key, const char* table) {
  rows.Put(key, std::move(v));
  txn.Write(row_key, table);
}

// Deletes the row `key` and records the write of its conflict key and of
// `table`.
template <typename K, typename V>
void EraseRow(TxnState& txn, Overlay<K, V>& rows, const K& key,
              const std::string& row_key, const char* table) {
  rows.Erase(key);
  txn.Write(row_key, table);
}

// The rows of `rows` as this transaction sees them, after recording the
// read of the whole `table`.
template <typename K, typename V>
std::map<K, V> ScanRows(TxnState& txn, const Overlay<K, V>& rows,
                        const char* table) {
  txn.Read(table);
  return rows.Merged();
}

// Check; the page, in key order, of the rows of `rows` that `keep(key,
// row)` accepts, after recording the read of the whole `table`; the cursor
// is cursor_of(key) (Paginate).
template <typename K, typename V, typename Keep, typename CursorOf>
absl::StatusOr<store::Page<V>> ListRows(TxnState& txn,
                                        const Overlay<K, V>& rows,
                                        const char* table,
                                        const store::PageRequest& page,
                                        Keep keep, CursorOf cursor_of) {
  MP_RETURN_IF_ERROR(txn.Check());
  std::vector<std::pair<K, V>> items;
  for (auto& [k, v] : ScanRows(txn, rows, table)) {
    if (keep(k, v)) items.emplace_back(k, std::move(v));
  }
  return Paginate<V>(items, page, cursor_of);
}

// The cursor of the tables keyed by id: the id.
inline std::string IdCursor(const std::string& id) { return id; }

// Check; how many rows of `rows` `counts(key, row)` accepts, after
// recording the read of the whole `table`.
template <typename K, typename V, typename Counts>
absl::StatusOr<int64_t> CountRows(TxnState& txn, const Overlay<K, V>& rows,
                                  const char* table, Counts counts) {
  MP_RETURN_IF_ERROR(txn.Check());
  int64_t n = 0;
  for (const auto& [k, v] : ScanRows(txn, rows, table)) {
    if (counts(k, v)) ++n;
  }
  return n;
}

// What one area checks or cascades into another's tables.

// NOT_FOUND naming `port` (and `what` refers to it) unless the output
// port exists.
absl::Status CheckPort(TxnState& txn, const model::OutputPortRef& port,
                       const std::string& what);

// Removes a policy and its waivers (the history stays).
void ErasePolicy(TxnState& txn, const PolicyMapKey& key);

}  // namespace meshplane::testing::memstore_internal

#endif  // MESHPLANE_TESTS_TESTING_MEMSTORE_STATE_H_
