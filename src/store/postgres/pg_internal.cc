#include "store/postgres/pg_internal.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "store/postgres/errors.h"

namespace meshplane::store::pg {

std::string WithConnectionTimeouts(const std::string& url,
                                   absl::Duration connect_timeout) {
  const int64_t seconds = std::max<int64_t>(
      2,
      static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(connect_timeout))));
  // TCP's own timeouts, so that a database that goes silent (a dropped
  // route, a firewall, a host that vanished: no RST, no FIN) ends the
  // connection within seconds instead of TCP's minutes: statement_timeout
  // cannot, as its cancellation never arrives. tcp_user_timeout bounds how
  // long sent data may stay unacknowledged (a query into the void);
  // keepalives find a silent peer while waiting for a long answer.
  const std::pair<const char*, std::string> defaults[] = {
      {"connect_timeout", absl::StrCat(seconds)},
      {"keepalives", "1"},
      {"keepalives_idle", "5"},
      {"keepalives_interval", "2"},
      {"keepalives_count", "3"},
      {"tcp_user_timeout", "10000"},
  };
  const bool uri = absl::StartsWith(url, "postgresql://") ||
                   absl::StartsWith(url, "postgres://");
  std::string out = url;
  for (const auto& [key, value] : defaults) {
    if (absl::StrContains(url, key)) continue;
    if (uri) {
      absl::StrAppend(&out, absl::StrContains(out, "?") ? "&" : "?", key, "=",
                      value);
    } else {
      absl::StrAppend(&out, " ", key, "=", value);
    }
  }
  return out;
}

std::unique_ptr<pqxx::connection> Connect(const std::string& url) {
  auto conn = std::make_unique<pqxx::connection>(url);
  conn->set_client_encoding("UTF8");
  return conn;
}

ConnectionPool::ConnectionPool(std::string url, Options options,
                               std::function<void(pqxx::connection&)> setup)
    : url_(std::move(url)),
      options_(std::move(options)),
      setup_(std::move(setup)) {}

ConnectionPool::~ConnectionPool() {
  absl::MutexLock lock(&mu_);
  idle_.clear();
}

ConnectionPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_), broken_);
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire(
    absl::Time deadline) {
  const absl::Time start = absl::Now();
  if (start >= deadline) {
    return absl::DeadlineExceededError(
        "the call's deadline passed before a database connection was free");
  }
  // Waits end at the acquire timeout or the deadline, whichever is first;
  // which one it was decides the code.
  const absl::Time timeout_at = start + options_.acquire_timeout;
  const bool deadline_first = deadline <= timeout_at;
  bool got = false;
  bool probe = false;
  std::unique_ptr<pqxx::connection> idle;
  {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    if (ready()) {
      got = true;
    } else if (waiters_ >= options_.max_waiters) {
      // Shed at once: a caller that would only wait behind a full queue is
      // better told now, while it still has time to go elsewhere.
      ++shed_;
      return absl::ResourceExhaustedError(absl::StrCat(
          "the server is overloaded: all ", options_.size,
          " database connections are busy and ", waiters_,
          " calls are already waiting for one; retry with backoff"));
    } else {
      ++waiters_;
      got = mu_.AwaitWithDeadline(absl::Condition(&ready),
                                  deadline_first ? deadline : timeout_at);
      --waiters_;
    }
    if (got && !idle_.empty()) {
      idle = std::move(idle_.back());
      idle_.pop_back();
    } else if (got) {
      if (backoff_ > absl::ZeroDuration()) {
        // Down: one attempt at a time, when the backoff allows; everyone
        // else is told at once instead of opening a connection of its own.
        if (probing_ || absl::Now() < retry_at_) {
          return absl::UnavailableError(absl::StrCat(
              "PostgreSQL is unavailable (reconnecting): ", down_reason_));
        }
        probing_ = true;
        probe = true;
      }
      ++open_;  // reserve the slot while connecting without the lock
      ++connect_attempts_;
    }
  }
  ObserveWait(absl::Now() - start, !got);
  if (!got) {
    if (deadline_first) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the call's deadline passed while waiting for a database "
          "connection (pool size ",
          options_.size, ")"));
    }
    return absl::ResourceExhaustedError(absl::StrCat(
        "the server is overloaded: no database connection became free within ",
        absl::FormatDuration(options_.acquire_timeout), " (pool size ",
        options_.size, "); retry with backoff"));
  }
  if (idle != nullptr) {
    return Lease(this, std::move(idle));
  }
  try {
    std::unique_ptr<pqxx::connection> conn = Connect(url_);
    if (setup_) setup_(*conn);
    {
      absl::MutexLock lock(&mu_);
      backoff_ = absl::ZeroDuration();
      if (probe) probing_ = false;
    }
    return Lease(this, std::move(conn));
  } catch (...) {
    bool lost = false;
    absl::Status s =
        MapPgError(std::current_exception(), {"connect", "", false}, &lost);
    if (s.code() == absl::StatusCode::kInternal) {
      // A connection that cannot be opened is an availability problem
      // whatever libpq says (bad host, refused, auth).
      s = absl::UnavailableError(s.message());
    }
    {
      absl::MutexLock lock(&mu_);
      --open_;
      if (probe) probing_ = false;
      if (s.code() == absl::StatusCode::kUnavailable) {
        backoff_ = backoff_ == absl::ZeroDuration()
                       ? options_.min_backoff
                       : std::min(backoff_ * 2, options_.max_backoff);
        retry_at_ = absl::Now() + backoff_;
        down_reason_ = std::string(s.message());
      }
    }
    return s;
  }
}

void ConnectionPool::MarkUp() {
  absl::MutexLock lock(&mu_);
  backoff_ = absl::ZeroDuration();
}

void ConnectionPool::CountConnectAttempt() {
  absl::MutexLock lock(&mu_);
  ++connect_attempts_;
}

void ConnectionPool::Release(std::unique_ptr<pqxx::connection> conn,
                             bool broken) {
  absl::MutexLock lock(&mu_);
  if (broken || !conn->is_open()) {
    --open_;
    conn.reset();  // disconnecting is quick; the slot is free again
    return;
  }
  idle_.push_back(std::move(conn));
}

ConnectionPool::Usage ConnectionPool::usage() const {
  absl::MutexLock lock(&mu_);
  Usage u;
  u.idle = static_cast<int>(idle_.size());
  u.in_use = open_ - u.idle;
  u.waiting = waiters_;
  u.connect_attempts = connect_attempts_;
  u.shed = shed_;
  return u;
}

void ConnectionPool::SetWaitObserver(
    std::function<void(absl::Duration, bool)> observer) {
  absl::MutexLock lock(&observer_mu_);
  observer_ = std::move(observer);
}

void ConnectionPool::ObserveWait(absl::Duration waited, bool timed_out) {
  // A reader lock: waiters observe concurrently; only SetWaitObserver
  // excludes them (and so waits for the running ones).
  absl::ReaderMutexLock lock(&observer_mu_);
  if (observer_) {
    observer_(waited, timed_out);
  }
}

void ConnectionPool::DropIdle() {
  std::vector<std::unique_ptr<pqxx::connection>> drop;
  {
    absl::MutexLock lock(&mu_);
    open_ -= static_cast<int>(idle_.size());
    drop.swap(idle_);
  }
}

}  // namespace meshplane::store::pg
