// InMemoryEvents: audit records, the event feed and its retention,
// request idempotency, and webhooks with their delivery log.
#include <algorithm>
#include <atomic>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/memstore/repositories.h"

#include "meshplane/common/status_macros.h"

namespace meshplane::testing::memstore_internal {

namespace {

std::string RequestKey(absl::string_view principal, absl::string_view method,
                       absl::string_view request_id) {
  return absl::StrCat(principal, "\x1f", method, "\x1f", request_id);
}

// Delivery keys, in append order across the store's transactions (the
// Postgres store's bigserial).
std::atomic<int64_t> next_delivery_key{1};

// An audit record or event as appended: its time truncated, and numbered
// by the store-wide `counter` (the Postgres store's bigserial).
template <typename T>
T Numbered(TxnState& txn, const T& appended, int64_t StoreState::*counter) {
  T out = appended;
  out.time = Trunc(out.time);
  absl::MutexLock lock(&txn.db.mu);
  out.sequence = (txn.db.*counter)++;
  return out;
}

// As the Postgres store names a webhook in its errors.
std::string WebhookPhrase(absl::string_view id) {
  return absl::StrCat("webhook \"", id, "\"");
}

}  // namespace

// ------------------------------------- Audit, events, idempotency

absl::StatusOr<int64_t> InMemoryEvents::AppendAudit(
    const model::AuditRecord& record) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  model::AuditRecord r =
      Numbered(txn_, record, &StoreState::next_audit_sequence);
  txn_.pending_audit.push_back(r);
  txn_.wrote = true;
  return r.sequence;
}

absl::StatusOr<int64_t> InMemoryEvents::AppendEvent(const model::Event& event) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  model::Event e = Numbered(txn_, event, &StoreState::next_event_sequence);
  txn_.pending_events.push_back(e);
  txn_.wrote = true;
  MP_RETURN_IF_ERROR(
      txn_.Notify(store::kEventChannel, absl::StrCat(e.sequence)));
  return e.sequence;
}

absl::StatusOr<int64_t> InMemoryEvents::LastEventSequence() {
  MP_RETURN_IF_ERROR(txn_.Check());
  int64_t last = 0;
  absl::MutexLock lock(&txn_.db.mu);
  for (const auto& [v, e] : txn_.db.events) {
    if (v <= txn_.snapshot_version) last = std::max(last, e.sequence);
  }
  return last;
}

absl::StatusOr<int64_t> InMemoryEvents::EventsPrunedThrough() {
  MP_RETURN_IF_ERROR(txn_.Check());
  absl::MutexLock lock(&txn_.db.mu);
  return txn_.PrunedThroughLocked();
}

absl::StatusOr<int64_t> InMemoryEvents::PruneEvents(absl::Time before,
                                                    int64_t max_sequence,
                                                    int limit) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  if (limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("PruneEvents: limit ", limit, " is not positive"));
  }
  // Concurrent prunes conflict with each other, not with appends.
  txn_.Read(kEventWatermark);
  MP_ASSIGN_OR_RETURN(std::vector<model::Event> head, ListEvents(0, limit));
  int64_t count = 0;
  int64_t through = 0;
  for (const model::Event& e : head) {
    if (e.sequence > max_sequence || e.time >= Trunc(before)) break;
    through = e.sequence;
    ++count;
  }
  if (count > 0) {
    txn_.pending_pruned_through = through;
    txn_.Write(kEventWatermark, "");
  }
  return count;
}

absl::StatusOr<store::Page<model::AuditRecord>> InMemoryEvents::ListAudit(
    const store::AuditFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  std::vector<model::AuditRecord> all;
  {
    absl::MutexLock lock(&txn_.db.mu);
    for (const auto& [v, r] : txn_.db.audit) {
      if (v <= txn_.snapshot_version) all.push_back(r);
    }
  }
  all.insert(all.end(), txn_.pending_audit.begin(), txn_.pending_audit.end());
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

absl::StatusOr<std::vector<model::Event>> InMemoryEvents::ListEvents(
    int64_t after_sequence, int limit) {
  MP_RETURN_IF_ERROR(txn_.Check());
  std::vector<model::Event> all;
  int64_t pruned;
  {
    absl::MutexLock lock(&txn_.db.mu);
    pruned = txn_.PrunedThroughLocked();
    if (after_sequence > 0 && after_sequence < pruned) {
      return store::EventsPrunedError(after_sequence, pruned);
    }
    const int64_t after = std::max(after_sequence, pruned);
    for (const auto& [v, e] : txn_.db.events) {
      if (v <= txn_.snapshot_version && e.sequence > after) all.push_back(e);
    }
  }
  for (const auto& e : txn_.pending_events) {
    if (e.sequence > std::max(after_sequence, pruned)) all.push_back(e);
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.sequence < b.sequence;
  });
  if (limit >= 0 && static_cast<int>(all.size()) > limit) all.resize(limit);
  return all;
}

absl::StatusOr<bool> InMemoryEvents::TryLockRequest(
    absl::string_view principal, absl::string_view method,
    absl::string_view request_id) {
  MP_RETURN_IF_ERROR(txn_.Check());
  std::string key = RequestKey(principal, method, request_id);
  absl::MutexLock lock(&txn_.db.mu);
  auto it = txn_.db.request_locks.find(key);
  if (it != txn_.db.request_locks.end()) return it->second == txn_.id;
  txn_.db.request_locks[key] = txn_.id;
  txn_.locks.push_back(key);
  return true;
}

absl::StatusOr<std::optional<model::IdempotencyRecord>>
InMemoryEvents::GetIdempotency(absl::string_view principal,
                               absl::string_view method,
                               absl::string_view request_id,
                               absl::Time not_before) {
  MP_RETURN_IF_ERROR(txn_.Check());
  std::string key = RequestKey(principal, method, request_id);
  txn_.Read(IdemKey(key));
  const model::IdempotencyRecord* r = txn_.idempotency.Find(key);
  if (!r || r->create_time < not_before)
    return std::optional<model::IdempotencyRecord>();
  return std::optional<model::IdempotencyRecord>(*r);
}

absl::Status InMemoryEvents::PutIdempotency(
    const model::IdempotencyRecord& record) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  std::string key =
      RequestKey(record.principal, record.method, record.request_id);
  txn_.Read(IdemKey(key));
  model::IdempotencyRecord r = record;
  r.create_time = Trunc(r.create_time);
  txn_.idempotency.Put(key, r);
  txn_.Write(IdemKey(key), "");
  return absl::OkStatus();
}

// ------------------------------------------------------------ Webhooks

absl::Status InMemoryEvents::InsertWebhook(const model::Webhook& webhook) {
  MP_RETURN_IF_ERROR(CheckInsert(txn_, txn_.webhooks, webhook.id,
                                 WebhookRowKey(webhook.id),
                                 WebhookPhrase(webhook.id)));
  model::Webhook w = webhook;
  w.create_time = Trunc(w.create_time);
  w.next_attempt_time = Trunc(w.next_attempt_time);
  PutRow(txn_, txn_.webhooks, w.id, w, WebhookRowKey(w.id), kWebhooksTable);
  return absl::OkStatus();
}

absl::StatusOr<model::Webhook> InMemoryEvents::GetWebhook(
    absl::string_view id) {
  return GetRow(txn_, txn_.webhooks, std::string(id), WebhookRowKey(id),
                WebhookPhrase(id));
}

absl::StatusOr<store::Page<model::Webhook>> InMemoryEvents::ListWebhooks(
    const store::PageRequest& page) {
  return ListRows(
      txn_, txn_.webhooks, kWebhooksTable, page,
      [](const std::string&, const model::Webhook&) { return true; }, IdCursor);
}

absl::Status InMemoryEvents::DeleteWebhook(absl::string_view id) {
  MP_RETURN_IF_ERROR(CheckExists(txn_, txn_.webhooks, std::string(id),
                                 WebhookRowKey(id), WebhookPhrase(id))
                         .status());
  EraseRow(txn_, txn_.webhooks, std::string(id), WebhookRowKey(id),
           kWebhooksTable);
  txn_.Read(kWebhookDeliveriesTable);
  for (const auto& [k, d] : txn_.deliveries.Merged()) {
    if (d.webhook_id != id) continue;
    txn_.deliveries.Erase(k);
    txn_.Write(kWebhookDeliveriesTable, "");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<model::Webhook>> InMemoryEvents::ClaimDueWebhook(
    absl::Time now) {
  if (!store::IsWriteMode(txn_.mode)) {
    return absl::FailedPreconditionError(
        "ClaimDueWebhook needs a read-write transaction (it holds the "
        "webhook until commit)");
  }
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  MP_ASSIGN_OR_RETURN(int64_t head, LastEventSequence());
  txn_.Read(kWebhooksTable);
  std::vector<model::Webhook> due;
  for (const auto& [id, w] : txn_.webhooks.Merged()) {
    if (w.next_attempt_time <= Trunc(now) && w.delivered_sequence < head) {
      due.push_back(w);
    }
  }
  std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
    return std::tie(a.next_attempt_time, a.id) <
           std::tie(b.next_attempt_time, b.id);
  });
  absl::MutexLock lock(&txn_.db.mu);
  for (const auto& w : due) {
    const std::string key = absl::StrCat("webhook-claim/", w.id);
    auto it = txn_.db.request_locks.find(key);
    if (it != txn_.db.request_locks.end() && it->second != txn_.id) continue;
    // As PostgreSQL's FOR UPDATE under SERIALIZABLE: a row that a
    // transaction committed after our snapshot changed cannot be locked.
    for (const auto& entry : txn_.db.log) {
      if (entry.version > txn_.snapshot_version &&
          entry.writes.count(WebhookRowKey(w.id))) {
        return store::MarkRetryable(absl::AbortedError(
            "could not serialize access due to concurrent update"));
      }
    }
    if (it == txn_.db.request_locks.end()) {
      txn_.db.request_locks[key] = txn_.id;
      txn_.locks.push_back(key);
    }
    return std::optional<model::Webhook>(w);
  }
  return std::optional<model::Webhook>();
}

absl::Status InMemoryEvents::UpdateWebhookState(const model::Webhook& webhook) {
  MP_ASSIGN_OR_RETURN(
      const model::Webhook* cur,
      CheckExists(txn_, txn_.webhooks, webhook.id, WebhookRowKey(webhook.id),
                  WebhookPhrase(webhook.id)));
  model::Webhook w = *cur;
  w.delivered_sequence = webhook.delivered_sequence;
  w.failing_attempts = webhook.failing_attempts;
  w.last_error = webhook.last_error;
  w.next_attempt_time = Trunc(webhook.next_attempt_time);
  PutRow(txn_, txn_.webhooks, w.id, w, WebhookRowKey(w.id), kWebhooksTable);
  return absl::OkStatus();
}

absl::Status InMemoryEvents::AppendWebhookDeliveries(
    const std::vector<model::WebhookDelivery>& deliveries, int keep) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  std::vector<std::string> ids;
  for (const auto& d : deliveries) {
    if (!ReadRow(txn_, txn_.webhooks, d.webhook_id,
                 WebhookRowKey(d.webhook_id))) {
      return absl::NotFoundError(
          absl::StrCat(WebhookPhrase(d.webhook_id), " not found"));
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
    txn_.deliveries.Put(next_delivery_key++, row);
  }
  txn_.Write(kWebhookDeliveriesTable, "");
  txn_.Read(kWebhookDeliveriesTable);
  auto all = txn_.deliveries.Merged();
  for (const auto& id : ids) {
    int seen = 0;
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (it->second.webhook_id != id) continue;
      if (++seen > std::max(keep, 0)) txn_.deliveries.Erase(it->first);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<store::Page<model::WebhookDelivery>>
InMemoryEvents::ListWebhookDeliveries(absl::string_view webhook_id,
                                      const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  if (page.limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("page limit must be at least 1, got ", page.limit));
  }
  int64_t before = std::numeric_limits<int64_t>::max();
  if (!page.after.empty() && !absl::SimpleAtoi(page.after, &before)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid page cursor \"", page.after, "\""));
  }
  txn_.Read(kWebhookDeliveriesTable);
  auto all = txn_.deliveries.Merged();
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

}  // namespace meshplane::testing::memstore_internal
