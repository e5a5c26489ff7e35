#include "store/postgres/listener.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "store/postgres/pg_internal.h"
#include <pqxx/pqxx>

namespace meshplane::store::pg {
namespace {

std::string WithApplicationName(const std::string& url) {
  if (absl::StrContains(url, "application_name")) return url;
  const std::string setting =
      absl::StrCat("application_name=", PostgresListener::kApplicationName);
  if (absl::StartsWith(url, "postgresql://") ||
      absl::StartsWith(url, "postgres://")) {
    return absl::StrCat(url, absl::StrContains(url, "?") ? "&" : "?", setting);
  }
  return absl::StrCat(url, " ", setting);
}

// Queues what arrives on one channel; delivery happens outside libpqxx,
// which would otherwise catch (and print) a handler's exceptions itself.
class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, const std::string& channel,
           std::vector<Listener::Notification>* queue)
      : pqxx::notification_receiver(conn, channel), queue_(queue) {}

  void operator()(const std::string& payload, int /*backend_pid*/) override {
    queue_->push_back({channel(), payload, false});
  }

 private:
  std::vector<Listener::Notification>* queue_;
};

}  // namespace

PostgresListener::PostgresListener(const std::string& url)
    : PostgresListener(url, Options()) {}

PostgresListener::PostgresListener(const std::string& url, Options options)
    : url_(WithApplicationName(url)), options_(options) {}

PostgresListener::~PostgresListener() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status PostgresListener::Start(std::vector<std::string> channels,
                                     Handler handler) {
  if (!handler) return absl::InvalidArgumentError("listener handler is null");
  for (const std::string& c : channels) {
    if (c.empty() || c.size() > 63) {
      return absl::InvalidArgumentError(
          absl::StrCat("notification channel \"", c,
                       "\" must be 1 to 63 bytes long, got ", c.size()));
    }
  }
  absl::MutexLock lock(&mu_);
  if (started_) {
    return absl::FailedPreconditionError("the listener was already started");
  }
  started_ = true;
  channels_ = std::move(channels);
  handler_ = std::move(handler);
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

bool PostgresListener::stopping() {
  absl::MutexLock lock(&mu_);
  return stop_;
}

void PostgresListener::Pause(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stop_), d);
}

void PostgresListener::Run() {
  absl::Duration backoff = options_.min_backoff;
  while (!stopping()) {
    // A connection that worked resets the backoff: the next outage starts
    // again from the shortest wait.
    if (Session()) backoff = options_.min_backoff;
    if (stopping()) break;
    Pause(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

bool PostgresListener::Session() {
  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<pqxx::quiet_errorhandler> quiet;
  std::vector<std::unique_ptr<Receiver>> receivers;
  std::vector<Notification> queue;
  bool was_connected = false;
  try {
    conn = Connect(url_);
    // The server's FATAL on termination would otherwise go to stderr.
    quiet = std::make_unique<pqxx::quiet_errorhandler>(*conn);
    for (const std::string& channel : channels_) {
      receivers.push_back(std::make_unique<Receiver>(*conn, channel, &queue));
    }
    // libpqxx 6.4 swallows a broken connection while it sends LISTEN; a
    // round trip proves that the LISTENs reached the server.
    {
      pqxx::nontransaction check(*conn);
      check.exec("SELECT 1");
    }
    connected_ = true;
    was_connected = true;
    Deliver({"", "", true});
    const int64_t poll_us = absl::ToInt64Microseconds(options_.poll_interval);
    while (!stopping()) {
      // await_notification reports a lost connection either by throwing or,
      // once libpq has marked the connection bad, by returning 0 forever.
      if (!conn->is_open()) throw pqxx::broken_connection();
      conn->await_notification(poll_us / 1000000, poll_us % 1000000);
      std::vector<Notification> batch;
      batch.swap(queue);
      for (const Notification& n : batch) Deliver(n);
    }
  } catch (...) {
    // Any failure ends this connection; Run reconnects with backoff.
  }
  connected_ = false;
  if (was_connected && !stopping()) Deliver({"", "", false, true});
  // Closed before the receivers go, so that they do not send UNLISTEN on a
  // connection that may be broken.
  if (conn != nullptr) {
    try {
      conn->disconnect();
    } catch (...) {
    }
  }
  receivers.clear();
  quiet.reset();
  conn.reset();
  return was_connected;
}

void PostgresListener::Deliver(const Notification& n) {
  try {
    handler_(n);
  } catch (...) {
    // The handler's failure is its own; the listener keeps delivering.
  }
}

}  // namespace meshplane::store::pg
