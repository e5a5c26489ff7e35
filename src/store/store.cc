#include "meshplane/store/store.h"

#include <random>
#include <thread>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace meshplane::store {
namespace {
constexpr char kRetryablePayload[] =
    "type.meshplane.dev/store.RetryableConflict";

thread_local absl::Time current_deadline = absl::InfiniteFuture();
}  // namespace

DeadlineScope::DeadlineScope(absl::Time deadline)
    : previous_(current_deadline) {
  current_deadline = deadline;
}

DeadlineScope::~DeadlineScope() { current_deadline = previous_; }

absl::Time DeadlineScope::Current() { return current_deadline; }

absl::Status CheckDeadline(absl::string_view what) {
  if (absl::Now() < current_deadline) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat(what, ": the call's deadline has passed"));
}

absl::Status MarkRetryable(absl::Status status) {
  status.SetPayload(kRetryablePayload, absl::Cord("1"));
  return status;
}

bool IsRetryableConflict(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         status.GetPayload(kRetryablePayload).has_value();
}

absl::Status EventsPrunedError(int64_t after_sequence, int64_t pruned_through) {
  return absl::OutOfRangeError(
      absl::StrCat("events after sequence ", after_sequence,
                   " have been pruned (the feed keeps events after sequence ",
                   pruned_through, ")"));
}

absl::Status Store::RunInTransaction(
    TxnMode mode, const std::function<absl::Status(Transaction&)>& fn,
    int max_attempts) {
  thread_local std::minstd_rand rng(std::random_device{}());
  const absl::Time deadline = DeadlineScope::Current();
  absl::Status last;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    if (attempt > 0) {
      // Jittered exponential backoff, 1ms .. ~64ms: serialization failures
      // clear as soon as the conflicting transaction finishes.
      int cap_us = 1000 << std::min(attempt, 6);
      std::uniform_int_distribution<int> dist(cap_us / 2, cap_us);
      const absl::Duration pause = absl::Microseconds(dist(rng));
      // A retry that cannot start before the deadline is not slept for:
      // the caller has its answer now, not after the deadline.
      if (absl::Now() + pause >= deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            "the call's deadline passed while the transaction kept "
            "conflicting with concurrent writes (",
            attempt, " attempts): ", last.message()));
      }
      absl::SleepFor(pause);
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          attempt == 0 ? std::string("the call's deadline passed before its "
                                     "transaction started")
                       : absl::StrCat("the call's deadline passed while the "
                                      "transaction kept conflicting with "
                                      "concurrent writes: ",
                                      last.message()));
    }
    auto txn = Begin(mode);
    if (!txn.ok()) return txn.status();
    last = fn(**txn);
    if (last.ok()) last = (*txn)->Commit();
    if (last.ok() || !IsRetryableConflict(last)) return last;
  }
  return absl::AbortedError(
      "the transaction kept conflicting with concurrent writes; retry later: " +
      std::string(last.message()));
}

}  // namespace meshplane::store
