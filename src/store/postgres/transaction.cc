#include "store/postgres/transaction.h"

#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "store/postgres/errors.h"
#include "store/postgres/events_sql.h"

#include "meshplane/common/status_macros.h"

namespace meshplane::store::pg {
namespace {

// Expired idempotency records are swept after every this many puts.
constexpr int64_t kIdempotencySweepEvery = 512;

// Notify's checks, before anything is sent. PostgreSQL refuses payloads of
// 8000 bytes or more, and channel names are identifiers (at most 63 bytes).
// In kSingleRead the statement would run in autocommit and notify at once,
// rollback or not, so it is refused there as in kReadOnly.
absl::Status CheckNotify(TxnMode mode, absl::string_view channel,
                         absl::string_view payload) {
  if (!IsWriteMode(mode)) {
    return absl::FailedPreconditionError(
        "Notify needs a read-write transaction (notifications are sent at "
        "commit)");
  }
  if (channel.empty() || channel.size() > 63) {
    return absl::InvalidArgumentError(
        absl::StrCat("notification channel ", Quoted(channel),
                     " must be 1 to 63 bytes long, got ", channel.size()));
  }
  if (payload.size() >= 8000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "notification payload on channel ", Quoted(channel), " is ",
        payload.size(), " bytes; it must be shorter than 8000"));
  }
  return absl::OkStatus();
}

}  // namespace

PostgresTransaction::PostgresTransaction(
    std::atomic<int64_t>* idempotency_puts, TxnMode mode, absl::Time deadline,
    ConnectionPool::Lease lease, std::unique_ptr<pqxx::transaction_base> txn)
    : idempotency_puts_(idempotency_puts),
      ctx_(mode, deadline, std::move(lease), std::move(txn)) {}

// Sent after the commit, with the publication of the events (AfterCommit),
// not by NOTIFY inside the transaction: PostgreSQL serialises the commits
// of notifying transactions across their WAL flush (a database-wide lock
// taken before the commit record), so one notifying write per fsync, as
// with the old outbox lock. A rollback still sends nothing; a process that
// dies between the commit and this loses the notification, which the
// listeners' periodic refreshes cover.
absl::Status PostgresTransaction::Notify(absl::string_view channel,
                                         absl::string_view payload) {
  MP_RETURN_IF_ERROR(CheckNotify(ctx_.mode(), channel, payload));
  return ctx_.Run({"Notify", absl::StrCat("channel ", Quoted(channel))},
                  [&]() -> absl::Status {
                    notifications_.push_back(json::array(
                        {std::string(channel), std::string(payload)}));
                    return absl::OkStatus();
                  });
}

absl::Status PostgresTransaction::Commit() {
  if (!ctx_.error().ok()) {
    ctx_.End();
    return ctx_.error();
  }
  if (IsWriteMode(ctx_.mode()) && !ctx_.ended() &&
      absl::Now() >= ctx_.deadline()) {
    // The caller has been (or is being) told that the call expired: a
    // commit now would be a write it believes did not happen, and that a
    // retry under a new request id would make twice.
    ctx_.End();
    return absl::DeadlineExceededError(
        "the call's deadline passed before its transaction could commit; "
        "it was rolled back");
  }
  absl::Status s = ctx_.Run({"Commit", ""}, [&]() -> absl::Status {
    ctx_.txn().commit();
    return absl::OkStatus();
  });
  ctx_.End();
  if (s.ok() && (events_.appended_events() || !notifications_.empty())) {
    AfterCommit();
  }
  if (s.ok() && events_.put_idempotency_time().has_value()) {
    SweepIdempotency();
  }
  return s;
}

// Sends the transaction's notifications and numbers its events (and any
// other committed ones) once it has committed, waiting for a publisher of
// another connection to finish first: when Commit returns, the events are
// in the feed, so a reader of this process sees its own writes. The write
// has committed whatever happens here; events left unnumbered by a
// failure are numbered by the next publication (the next write, or a feed
// reader's PublishBeforeRead).
void PostgresTransaction::AfterCommit() {
  try {
    pqxx::nontransaction after(ctx_.lease().conn());
    after.exec_prepared(sql::kAfterCommit.name, events_.appended_events(),
                        notifications_.dump());
  } catch (...) {
    bool lost = false;
    MapPgError(std::current_exception(), {"AfterCommit", ""}, &lost)
        .IgnoreError();
    if (lost) ctx_.lease().MarkBroken();
  }
}

// Now and then, after a commit that stored a request id, deletes expired
// idempotency records, outside of any user transaction (autocommit), so
// that the sweep never makes a write conflict. Failures only delay it.
void PostgresTransaction::SweepIdempotency() {
  if (idempotency_puts_->fetch_add(1) % kIdempotencySweepEvery !=
      kIdempotencySweepEvery - 1) {
    return;
  }
  try {
    pqxx::nontransaction sweep(ctx_.lease().conn());
    sweep.exec_prepared(sql::kExpireIdempotency.name,
                        ToMicros(*events_.put_idempotency_time()));
  } catch (...) {
    bool lost = false;
    MapPgError(std::current_exception(), {"SweepIdempotency", ""}, &lost)
        .IgnoreError();
    if (lost) ctx_.lease().MarkBroken();
  }
}

}  // namespace meshplane::store::pg
