#include "store/postgres/events.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/cursors.h"
#include "store/postgres/errors.h"
#include "store/postgres/events_sql.h"
#include "store/postgres/rows.h"
#include <pqxx/pqxx>

#include "meshplane/common/crypto.h"
#include "meshplane/common/status_macros.h"

namespace meshplane::store::pg {

namespace {

// The 64-bit advisory lock key of an idempotency key.
int64_t RequestLockKey(absl::string_view principal, absl::string_view method,
                       absl::string_view request_id) {
  std::string digest =
      Sha256Hex(absl::StrCat(principal.size(), ":", principal, method.size(),
                             ":", method, request_id));
  uint64_t key = 0;
  for (int i = 0; i < 16; ++i) {
    char c = digest[i];
    key = (key << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return static_cast<int64_t>(key);
}

model::AuditRecord AuditFromRow(const pqxx::row& row) {
  model::AuditRecord a;
  ReadColumns(row, 0, a.sequence, a.time, a.principal, a.method, a.resource,
              a.request_id, a.before_json, a.after_json, a.outcome_code,
              a.outcome_message, a.validate_only, a.decision_json, a.transport);
  return a;
}

}  // namespace

absl::StatusOr<int64_t> PgEventRepository::AppendAudit(
    const model::AuditRecord& a) {
  return Scalar<int64_t>({"AppendAudit", ""}, sql::kAppendAudit,
                         ToMicros(a.time), a.principal, a.method, a.resource,
                         a.request_id, a.before_json, a.after_json,
                         a.outcome_code, a.outcome_message, a.validate_only,
                         a.decision_json, a.transport);
}

// No NOTIFY here: PostgreSQL serialises the commits of notifying
// transactions across their WAL flush (one lock per database), which is
// what the outbox lock cost. The publication after the commit notifies.
absl::StatusOr<int64_t> PgEventRepository::AppendEvent(const model::Event& e) {
  return ctx_.Run({"AppendEvent", ""}, [&]() -> absl::StatusOr<int64_t> {
    const int64_t append_id =
        ctx_.txn()
            .exec_prepared1(sql::kAppendEvent.name, ToMicros(e.time), e.type,
                            e.resource, e.domain_id, e.payload_json)[0]
            .as<int64_t>();
    appended_events_ = true;
    return append_id;
  });
}

absl::StatusOr<int64_t> PgEventRepository::LastEventSequence() {
  return ctx_.Run({"LastEventSequence", ""}, [&]() -> absl::StatusOr<int64_t> {
    PublishBeforeRead();
    return ctx_.txn()
        .exec_prepared1(sql::kLastEventSequence.name)[0]
        .as<int64_t>();
  });
}

absl::StatusOr<int64_t> PgEventRepository::EventsPrunedThrough() {
  return Scalar<int64_t>({"EventsPrunedThrough", ""},
                         sql::kEventsPrunedThrough);
}

absl::StatusOr<int64_t> PgEventRepository::PruneEvents(absl::Time before,
                                                       int64_t max_sequence,
                                                       int limit) {
  if (limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("PruneEvents: limit ", limit, " is not positive"));
  }
  return ctx_.Run({"PruneEvents", ""}, [&]() -> absl::StatusOr<int64_t> {
    if (!ctx_.txn()
             .exec_prepared1(sql::kTryLockEventPruning.name)[0]
             .as<bool>()) {
      return int64_t{0};  // another replica is pruning
    }
    const int64_t before_us = ToMicros(before);
    pqxx::result r =
        ctx_.txn().exec_prepared(sql::kEventsToPrune.name, int64_t{limit} + 1);
    int64_t count = 0;
    int64_t through = 0;
    for (const auto& row : r) {
      if (row[2].as<bool>()) continue;  // the old tombstone
      if (count == limit || row[0].as<int64_t>() > max_sequence ||
          row[1].as<int64_t>() >= before_us) {
        break;
      }
      through = row[0].as<int64_t>();
      ++count;
    }
    if (count > 0) {
      ctx_.txn().exec_prepared(sql::kPruneEventsThrough.name, through);
    }
    return count;
  });
}

absl::StatusOr<Page<model::AuditRecord>> PgEventRepository::ListAudit(
    const AuditFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  MP_ASSIGN_OR_RETURN(int64_t before, ParseAuditCursor(page.after));
  return ListPage(
      {"ListAudit", ""}, page, AuditFromRow,
      [](const model::AuditRecord& last) {
        return std::to_string(last.sequence);
      },
      sql::kListAudit, filter.resource, filter.principal, before);
}

absl::StatusOr<std::vector<model::Event>> PgEventRepository::ListEvents(
    int64_t after_sequence, int limit) {
  return ctx_.Run({"ListEvents", ""},
                  [&]() -> absl::StatusOr<std::vector<model::Event>> {
                    PublishBeforeRead();
                    // One row more, for the tombstone (events_sql.h, event
                    // retention).
                    const int64_t want = std::max(limit, 0);
                    pqxx::result r = ctx_.txn().exec_prepared(
                        sql::kListEvents.name, after_sequence, want + 1);
                    std::vector<model::Event> out;
                    for (const auto& row : r) {
                      if (row[2].as<std::string>().empty()) {
                        const int64_t pruned = row[0].as<int64_t>();
                        if (after_sequence > 0) {
                          return EventsPrunedError(after_sequence, pruned);
                        }
                        continue;
                      }
                      if (static_cast<int64_t>(out.size()) == want) break;
                      model::Event e;
                      ReadColumns(row, 0, e.sequence, e.time, e.type,
                                  e.resource, e.domain_id, e.payload_json);
                      out.push_back(std::move(e));
                    }
                    return out;
                  });
}

absl::StatusOr<bool> PgEventRepository::TryLockRequest(
    absl::string_view principal, absl::string_view method,
    absl::string_view request_id) {
  return Scalar<bool>({"TryLockRequest", ""}, sql::kTryLockRequest,
                      RequestLockKey(principal, method, request_id));
}

absl::StatusOr<std::optional<model::IdempotencyRecord>>
PgEventRepository::GetIdempotency(absl::string_view principal,
                                  absl::string_view method,
                                  absl::string_view request_id,
                                  absl::Time not_before) {
  return ctx_.Run(
      {"GetIdempotency", ""},
      [&]() -> absl::StatusOr<std::optional<model::IdempotencyRecord>> {
        if (IsWriteMode(ctx_.mode()) &&
            ctx_.txn()
                    .exec_prepared(sql::kClaimIdempotency.name,
                                   std::string(principal), std::string(method),
                                   std::string(request_id),
                                   ToMicros(not_before))
                    .size() == 1) {
          return std::optional<model::IdempotencyRecord>();  // claimed
        }
        pqxx::result r = ctx_.txn().exec_prepared(
            sql::kGetIdempotency.name, std::string(principal),
            std::string(method), std::string(request_id), ToMicros(not_before));
        if (r.empty()) return std::optional<model::IdempotencyRecord>();
        model::IdempotencyRecord rec;
        rec.principal = std::string(principal);
        rec.method = std::string(method);
        rec.request_id = std::string(request_id);
        rec.request_hash = r[0][0].as<std::string>();
        rec.response = r[0][1].as<std::string>();
        rec.create_time = FromMicros(r[0][2].as<int64_t>());
        return std::optional<model::IdempotencyRecord>(std::move(rec));
      });
}

absl::Status PgEventRepository::PutIdempotency(
    const model::IdempotencyRecord& rec) {
  return ctx_.Run({"PutIdempotency", ""}, [&]() -> absl::Status {
    ctx_.txn().exec_prepared(sql::kPutIdempotency.name, rec.principal,
                             rec.method, rec.request_id, rec.request_hash,
                             rec.response, ToMicros(rec.create_time));
    put_idempotency_time_ = rec.create_time;
    return absl::OkStatus();
  });
}

// The feed readers' fallback (kSingleRead, i.e. autocommit, only; in a
// transaction the publisher's turn would last to its end): numbers what a
// writer that failed after its commit left behind, unless another
// publisher is at work (then its notification wakes the readers again).
void PgEventRepository::PublishBeforeRead() {
  if (ctx_.mode() != TxnMode::kSingleRead) return;
  ctx_.txn().exec_prepared(sql::kPublishEvents.name, false);
}

}  // namespace meshplane::store::pg
