// PostgresStore's Listener against a real PostgreSQL: notifications sent by
// other connections, and recovery (with a resync) after the listening
// backend is terminated or the whole server restarts.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "store/postgres/listener.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/pg/pg_fixture.h"
#include "tests/testing/store_contract/notification_recorder.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "meshplane/store/postgres_store.h"

namespace meshplane::store {
namespace {

using ::meshplane::store_contract::NotificationRecorder;
using ::meshplane::testing::IsOk;
using ::meshplane::testing::PgFixture;

std::unique_ptr<Store> OpenOrDie(const std::string& url) {
  PostgresStoreOptions options;
  options.database_url = url;
  options.pool_size = 2;
  absl::StatusOr<std::unique_ptr<Store>> store = PostgresStore::Open(options);
  EXPECT_THAT(store, IsOk());
  return store.ok() ? std::move(store).value() : nullptr;
}

// Sends a notification from a plain libpqxx connection, as another process
// would.
void NotifyFromOutside(const std::string& url, const std::string& channel,
                       const std::string& payload) {
  pqxx::connection conn(url);
  pqxx::work w(conn);
  w.exec_params("SELECT pg_notify($1, $2)", channel, payload);
  w.commit();
}

// Terminates the listening backends of `url`'s database; returns how many.
int TerminateListeners(const std::string& url) {
  pqxx::connection conn(url);
  pqxx::nontransaction q(conn);
  pqxx::result r = q.exec_params(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = $1 AND datname = current_database()",
      std::string(pg::PostgresListener::kApplicationName));
  return static_cast<int>(r.size());
}

struct Started {
  std::unique_ptr<Store> store;
  std::unique_ptr<Listener> listener;
};

// A store on a fresh database and a listener on `channels` that has
// delivered its first resync.
void StartListening(const std::string& url, NotificationRecorder& rec,
                    Started* out, Listener::Handler handler = nullptr) {
  out->store = OpenOrDie(url);
  ASSERT_NE(out->store, nullptr);
  ASSERT_OK_AND_ASSIGN(out->listener, out->store->NewListener());
  ASSERT_OK(
      out->listener->Start({"mp_changes"}, handler ? handler : rec.Handler()));
  ASSERT_TRUE(rec.WaitUntil([&] { return rec.resyncs() == 1; }));
  ASSERT_TRUE(out->listener->connected());
}

TEST(PostgresListenerTest, ReceivesWhatOtherConnectionsCommit) {
  const std::string url = PgFixture::Get().NewDatabase();
  NotificationRecorder rec;
  Started s;
  ASSERT_NO_FATAL_FAILURE(StartListening(url, rec, &s));

  NotifyFromOutside(url, "mp_changes", "from a raw connection");
  ASSERT_TRUE(rec.WaitForPayload("mp_changes", "from a raw connection"));

  // Another store (another replica, in production) committing a Notify.
  std::unique_ptr<Store> other = OpenOrDie(url);
  ASSERT_NE(other, nullptr);
  ASSERT_OK(other->RunInTransaction(TxnMode::kReadWrite, [](Transaction& t) {
    return t.Notify("mp_changes", "policies/p");
  }));
  ASSERT_TRUE(rec.WaitForPayload("mp_changes", "policies/p"));
  EXPECT_EQ(rec.resyncs(), 1);

  // The destructor stops the thread within about one poll interval.
  absl::Time start = absl::Now();
  s.listener.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST(PostgresListenerTest, HandlerExceptionsDoNotStopDelivery) {
  const std::string url = PgFixture::Get().NewDatabase();
  NotificationRecorder rec;
  Listener::Handler record = rec.Handler();
  Started s;
  ASSERT_NO_FATAL_FAILURE(
      StartListening(url, rec, &s, [record](const Listener::Notification& n) {
        record(n);
        throw std::runtime_error("handler failed");
      }));
  NotifyFromOutside(url, "mp_changes", "one");
  NotifyFromOutside(url, "mp_changes", "two");
  ASSERT_TRUE(rec.WaitForPayload("mp_changes", "two"));
  EXPECT_EQ(rec.Payloads("mp_changes"),
            (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(s.listener->connected());
}

TEST(PostgresListenerTest, ResyncsAfterItsBackendIsTerminated) {
  const std::string url = PgFixture::Get().NewDatabase();
  NotificationRecorder rec;
  Started s;
  ASSERT_NO_FATAL_FAILURE(StartListening(url, rec, &s));

  ASSERT_EQ(TerminateListeners(url), 1);
  // It notices, reconnects, LISTENs again and says so with a resync.
  ASSERT_TRUE(rec.WaitUntil([&] { return rec.resyncs() == 2; }));
  EXPECT_TRUE(s.listener->connected());
  NotifyFromOutside(url, "mp_changes", "after the reconnect");
  ASSERT_TRUE(rec.WaitForPayload("mp_changes", "after the reconnect"));

  // And again: the backoff was reset by the successful reconnect.
  absl::Time start = absl::Now();
  ASSERT_EQ(TerminateListeners(url), 1);
  ASSERT_TRUE(rec.WaitUntil([&] { return rec.resyncs() == 3; }));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  NotifyFromOutside(url, "mp_changes", "after the second reconnect");
  ASSERT_TRUE(rec.WaitForPayload("mp_changes", "after the second reconnect"));
}

TEST(PostgresListenerTest, ResyncsAfterTheServerRestarts) {
  const std::string url = PgFixture::Get().NewDatabase();
  NotificationRecorder rec;
  Started s;
  ASSERT_NO_FATAL_FAILURE(StartListening(url, rec, &s));

  PgFixture::Get().Stop();
  EXPECT_TRUE(rec.WaitUntil([&] { return !s.listener->connected(); }));
  EXPECT_EQ(rec.resyncs(), 1);
  PgFixture::Get().Start();
  // Within the longest backoff (5 s) after the server is back.
  ASSERT_TRUE(rec.WaitUntil([&] { return rec.resyncs() == 2; }));
  EXPECT_TRUE(s.listener->connected());
  NotifyFromOutside(url, "mp_changes", "after the restart");
  ASSERT_TRUE(rec.WaitForPayload("mp_changes", "after the restart"));
}

TEST(PostgresListenerTest, StaysDownQuietlyAndStopsPromptlyWhenUnreachable) {
  NotificationRecorder rec;
  auto listener = std::make_unique<pg::PostgresListener>(
      "postgresql://postgres@/x?host=/nonexistent-socket-dir&port=1");
  ASSERT_OK(listener->Start({"mp_changes"}, rec.Handler()));
  // Long enough for several failed attempts (100, 200, 400 ms backoff).
  absl::SleepFor(absl::Milliseconds(800));
  EXPECT_FALSE(listener->connected());
  EXPECT_TRUE(rec.got().empty());
  absl::Time start = absl::Now();
  listener.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

}  // namespace
}  // namespace meshplane::store
