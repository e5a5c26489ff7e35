#include "store/postgres/pg_internal.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include <nlohmann/json.hpp>

#include "meshplane/store/store.h"

namespace meshplane::store::pg {
namespace {

// The first line of a PostgreSQL error ("ERROR:  duplicate key ...") without
// the severity prefix, and its DETAIL line, for messages.
std::string FirstLine(absl::string_view what) {
  absl::string_view line = what.substr(0, what.find('\n'));
  absl::ConsumePrefix(&line, "ERROR:");
  return std::string(absl::StripAsciiWhitespace(line));
}

std::string DetailLine(absl::string_view what) {
  size_t pos = what.find("DETAIL:");
  if (pos == absl::string_view::npos) return "";
  absl::string_view rest = what.substr(pos + 7);
  rest = rest.substr(0, rest.find('\n'));
  return std::string(absl::StripAsciiWhitespace(rest));
}

std::string Describe(const OpContext& c) {
  return c.resource.empty() ? c.op : absl::StrCat(c.op, " ", c.resource);
}

absl::Status Unavailable(const OpContext& c, absl::string_view why) {
  return absl::UnavailableError(absl::StrCat(
      "PostgreSQL is unavailable (", Describe(c), "): ", FirstLine(why)));
}

}  // namespace

absl::Status MapPgError(std::exception_ptr error, const OpContext& c,
                        bool* connection_lost) {
  *connection_lost = false;
  try {
    std::rethrow_exception(error);
  } catch (const pqxx::broken_connection& e) {
    *connection_lost = true;
    return Unavailable(c, e.what());
  } catch (const pqxx::in_doubt_error& e) {
    *connection_lost = true;
    return absl::UnavailableError(absl::StrCat(
        "the connection to PostgreSQL was lost while committing (", Describe(c),
        "); the outcome is unknown: ", FirstLine(e.what())));
  } catch (const pqxx::statement_completion_unknown& e) {
    *connection_lost = true;
    return absl::UnavailableError(
        absl::StrCat("PostgreSQL lost track of ", Describe(c),
                     "; the outcome is unknown: ", FirstLine(e.what())));
  } catch (const pqxx::transaction_rollback& e) {
    // serialization_failure (40001), deadlock_detected (40P01) and the rest
    // of class 40. libpqxx 6.4 derives these from `failure`, not from
    // sql_error, and does not keep their SQLSTATE.
    return MarkRetryable(absl::AbortedError(absl::StrCat(
        Describe(c),
        " conflicted with a concurrent transaction: ", FirstLine(e.what()))));
  } catch (const pqxx::sql_error& e) {
    // libpqxx 6.4 drops the SQLSTATE of a few classes (e.g.
    // insufficient_privilege); the exception type still says what it was.
    const std::string state =
        !e.sqlstate().empty()                                   ? e.sqlstate()
        : dynamic_cast<const pqxx::insufficient_privilege*>(&e) ? "42501"
                                                                : "";
    if (state.empty()) {
      // No SQLSTATE: the error came from libpq, not from the server. In
      // practice that is a lost connection ("server closed the connection
      // unexpectedly"), which libpqxx 6.4 reports as an sql_error when it
      // happens while a statement is being prepared, and with the
      // connection still looking open. Drop the connection either way.
      *connection_lost = true;
      return Unavailable(c, e.what());
    }
    const std::string detail = DetailLine(e.what());
    if (state == "23505") {
      return absl::AlreadyExistsError(
          c.resource.empty() ? absl::StrCat(c.op, ": already exists: ", detail)
                             : absl::StrCat(c.resource, " already exists"));
    }
    if (state == "23503") {
      if (c.is_delete) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot delete ", c.resource,
                         ": it is still referred to (", detail, ")"));
      }
      return absl::NotFoundError(absl::StrCat(
          c.resource, " refers to a resource that does not exist (", detail,
          ")"));
    }
    if (state == "40001" || state == "40P01") {
      return MarkRetryable(absl::AbortedError(absl::StrCat(
          Describe(c),
          " conflicted with a concurrent transaction: ", FirstLine(e.what()))));
    }
    if (absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" ||
        state == "57P03" || state == "53300") {
      *connection_lost =
          absl::StartsWith(state, "08") || state == "57P01" || state == "57P02";
      return Unavailable(c, e.what());
    }
    if (state == "57014") {
      return absl::DeadlineExceededError(
          absl::StrCat(Describe(c), " was cancelled: ", FirstLine(e.what())));
    }
    if (state == "55P03") {
      // lock_not_available: the lock_timeout a deadline set ran out while
      // the statement waited for a row lock.
      return absl::DeadlineExceededError(absl::StrCat(
          Describe(c), " waited for a lock until the call's deadline: ",
          FirstLine(e.what())));
    }
    if (state == "22021" || state == "22P05") {
      return absl::InvalidArgumentError(absl::StrCat(
          Describe(c), ": a string is not valid UTF-8 or contains NUL: ",
          FirstLine(e.what())));
    }
    if (state == "23514") {
      return absl::FailedPreconditionError(
          absl::StrCat(Describe(c), ": ", FirstLine(e.what())));
    }
    return absl::InternalError(absl::StrCat(Describe(c), ": SQLSTATE ", state,
                                            ": ", FirstLine(e.what())));
  } catch (const nlohmann::json::exception& e) {
    // Raised by dump() for strings that are not UTF-8 (id 316).
    return absl::InvalidArgumentError(absl::StrCat(
        Describe(c), ": a string is not valid UTF-8 (", e.what(), ")"));
  } catch (const pqxx::failure& e) {
    // libpqxx's failures outside SQL: e.g. a connection that could not be
    // opened is reported as a plain failure in some paths.
    *connection_lost = true;
    return Unavailable(c, e.what());
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(Describe(c), ": ", e.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat(Describe(c), ": unknown error"));
  }
}

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
