#include "tests/testing/memstore/state.h"

#include <limits>

#include "absl/strings/str_cat.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::testing::memstore_internal {

using model::DataProduct;
using model::ProductKey;
namespace {

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

}  // namespace

absl::Time Trunc(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return t;
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}
std::optional<absl::Time> Trunc(std::optional<absl::Time> t) {
  if (!t) return t;
  return Trunc(*t);
}

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

absl::Status Unavailable() {
  return absl::UnavailableError(
      "the in-memory store is unavailable (test hook)");
}

absl::Status EtagMismatch(const std::string& name) {
  return WithReason(
      absl::AbortedError(absl::StrCat("etag mismatch: ", name,
                                      " was changed by someone else")),
      "ETAG_MISMATCH");
}

StoreState::StoreState(std::shared_ptr<ListenerHub> listener_hub)
    : hub(std::move(listener_hub)) {}

TxnState::TxnState(StoreState& db, store::TxnMode mode, uint64_t id,
                   uint64_t snapshot_version, const Tables& t)
    : db(db), mode(mode), id(id), snapshot_version(snapshot_version) {
  ForEachTable(t, *this, [](const auto& committed, auto& overlay) {
    overlay.Reset(committed.rows);
  });
}

absl::Status TxnState::Check() {
  if (done)
    return absl::FailedPreconditionError("transaction already finished");
  absl::MutexLock lock(&db.mu);
  if (db.unavailable) return Unavailable();
  return absl::OkStatus();
}

absl::Status TxnState::CheckWrite() {
  MP_RETURN_IF_ERROR(Check());
  if (!store::IsWriteMode(mode)) {
    return absl::InternalError("write in a read-only transaction");
  }
  return absl::OkStatus();
}

void TxnState::Write(const std::string& row, const std::string& table) {
  writes.insert(row);
  if (!table.empty()) writes.insert(table);
  wrote = true;
}

int64_t TxnState::PrunedThroughLocked() const {
  if (pending_pruned_through.has_value()) return *pending_pruned_through;
  int64_t through = 0;
  for (const auto& [v, p] : db.event_watermarks) {
    if (v <= snapshot_version) through = std::max(through, p);
  }
  return through;
}

absl::Status TxnState::Notify(absl::string_view channel,
                              absl::string_view payload) {
  MP_RETURN_IF_ERROR(Check());
  MP_RETURN_IF_ERROR(CheckNotification(mode, channel, payload));
  pending_notifications.push_back(
      {std::string(channel), std::string(payload), false});
  return absl::OkStatus();
}

// NOT_FOUND naming `port` (and `what` refers to it) unless the output
// port exists.
absl::Status CheckPort(TxnState& txn, const model::OutputPortRef& port,
                       const std::string& what) {
  ProductKey key{port.domain_id, port.product_id};
  txn.Read(ProductRowKey(key));
  const DataProduct* p = txn.products.Find(key);
  bool found = false;
  if (p) {
    for (const auto& o : p->output_ports) found = found || o.id == port.port_id;
  }
  if (found) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(
      "output port ", model::OutputPortName(port), " of ", what, " not found"));
}

// Removes a policy and its waivers (the history stays).
void ErasePolicy(TxnState& txn, const PolicyMapKey& key) {
  txn.Read(kWaiversTable);
  for (const auto& [k, w] : txn.waivers.Merged()) {
    if (std::get<0>(k) == key.first && std::get<1>(k) == key.second) {
      txn.waivers.Erase(k);
      txn.Write(WaiverRowKey(k), kWaiversTable);
    }
  }
  txn.policies.Erase(key);
  txn.Write(PolicyRowKey(key), kPoliciesTable);
}

}  // namespace meshplane::testing::memstore_internal
