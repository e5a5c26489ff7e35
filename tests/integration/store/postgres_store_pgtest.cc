// PostgresStore against a real PostgreSQL: the shared repository contract
// suite, plus what only a real database can show (outages, serialization
// conflicts between processes, query plans at 100k products).
#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "store/postgres/access_sql.h"
#include "store/postgres/registry_sql.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/pg/pg_fixture.h"
#include "tests/testing/store_contract/store_contract_tests.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/store/postgres_store.h"

namespace meshplane::store {
namespace {

using ::meshplane::store_contract::MakeDomain;
using ::meshplane::store_contract::MakeInputPort;
using ::meshplane::store_contract::MakeOutputPort;
using ::meshplane::store_contract::MakeProduct;
using ::meshplane::store_contract::MakeTeam;
using ::meshplane::testing::IsOk;
using ::meshplane::testing::PgFixture;
using ::meshplane::testing::StatusIs;

// A store on `url` with `pool_size` connections, for which a caller waits
// at most `acquire_timeout`.
PostgresStoreOptions PoolOptions(const std::string& url, int pool_size,
                                 absl::Duration acquire_timeout) {
  PostgresStoreOptions options;
  options.database_url = url;
  options.pool_size = pool_size;
  options.acquire_timeout = acquire_timeout;
  return options;
}

std::unique_ptr<Store> OpenOrDie(const std::string& url, int pool_size = 4) {
  absl::StatusOr<std::unique_ptr<Store>> store =
      PostgresStore::Open(PoolOptions(url, pool_size, absl::Seconds(10)));
  EXPECT_THAT(store, IsOk());
  return store.ok() ? std::move(store).value() : nullptr;
}

// The repository contract suite runs as the serving role: every store
// method must work with the privileges of migrations/serving_role.sql.
struct PostgresFactory {
  static std::unique_ptr<Store> Make() {
    return OpenOrDie(PgFixture::ServingUrl(PgFixture::Get().NewDatabase()));
  }
};

}  // namespace
}  // namespace meshplane::store

namespace meshplane::store_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreContractTest,
                               ::meshplane::store::PostgresFactory);
}  // namespace meshplane::store_contract

namespace meshplane::store {
namespace {

// Polls `done` every 10 ms for up to 10 s; its last answer.
template <typename F>
bool Eventually(F done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

absl::Status InsertAll(Store& store, const std::vector<model::Team>& teams,
                       const std::vector<model::Domain>& domains,
                       const std::vector<model::DataProduct>& products) {
  return store.RunInTransaction(
      TxnMode::kReadWrite, [&](Transaction& txn) -> absl::Status {
        for (const auto& t : teams) {
          MP_RETURN_IF_ERROR(txn.registry().InsertTeam(t));
        }
        for (const auto& d : domains) {
          MP_RETURN_IF_ERROR(txn.registry().InsertDomain(d));
        }
        for (const auto& p : products) {
          MP_RETURN_IF_ERROR(txn.registry().InsertDataProduct(p));
        }
        return absl::OkStatus();
      });
}

TEST(PostgresStoreTest, OpenRejectsBadOptions) {
  PostgresStoreOptions options;
  EXPECT_THAT(PostgresStore::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.database_url = PgFixture::Get().NewDatabase();
  options.pool_size = 0;
  EXPECT_THAT(PostgresStore::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "pool_size"));
  options.database_url =
      "postgresql://postgres@/x?host=/nonexistent-socket-dir&port=1";
  options.pool_size = 2;
  EXPECT_THAT(PostgresStore::Open(options),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(PostgresStoreTest, RemovingAnOutputPortThatOthersReadIsRefused) {
  auto store = OpenOrDie(PgFixture::Get().NewDatabase());
  ASSERT_NE(store, nullptr);
  model::DataProduct orders = MakeProduct("sales", "orders", "t");
  orders.output_ports = {MakeOutputPort("v1"), MakeOutputPort("v2")};
  model::DataProduct report = MakeProduct("sales", "report", "t");
  report.input_ports = {MakeInputPort("in", {"sales", "orders", "v1"})};
  ASSERT_OK(InsertAll(*store, {MakeTeam("t")}, {MakeDomain("sales", "t")},
                      {orders, report}));
  model::DataProduct changed = orders;
  changed.output_ports = {MakeOutputPort("v2")};
  changed.revision = 2;
  absl::Status s =
      store->RunInTransaction(TxnMode::kReadWrite, [&](Transaction& txn) {
        return txn.registry().UpdateDataProduct(changed, 1);
      });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition, "report"));
  EXPECT_THAT(s.message(), ::testing::HasSubstr("outputPorts/v1"));
  // Removing the unread port is fine.
  changed.output_ports = {MakeOutputPort("v1")};
  EXPECT_OK(store->RunInTransaction(TxnMode::kReadWrite, [&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(changed, 1);
  }));
}

TEST(PostgresStoreTest, ProductMayReadItsOwnOutputPort) {
  auto store = OpenOrDie(PgFixture::Get().NewDatabase());
  ASSERT_NE(store, nullptr);
  model::DataProduct p = MakeProduct("d", "loop", "t");
  p.input_ports = {MakeInputPort("self", {"d", "loop", "loop-v1"})};
  ASSERT_OK(InsertAll(*store, {MakeTeam("t")}, {MakeDomain("d", "t")}, {p}));
  EXPECT_OK(store->RunInTransaction(TxnMode::kReadWrite, [&](Transaction& txn) {
    return txn.registry().DeleteDataProduct(p.key());
  }));
}

TEST(PostgresStoreTest, InfiniteAndPreEpochTimesRoundTrip) {
  auto store = OpenOrDie(PgFixture::Get().NewDatabase());
  ASSERT_NE(store, nullptr);
  model::DataProduct p = MakeProduct("d", "p", "t");
  p.create_time = absl::InfinitePast();
  p.update_time = absl::FromUnixMicros(-1234567890123);  // 1930, odd micros
  p.sunset_time = absl::InfiniteFuture();
  ASSERT_OK(InsertAll(*store, {MakeTeam("t")}, {MakeDomain("d", "t")}, {p}));
  ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(model::DataProduct got,
                       txn->registry().GetDataProduct(p.key()));
  EXPECT_EQ(got.create_time, absl::InfinitePast());
  EXPECT_EQ(got.update_time, p.update_time);
  EXPECT_EQ(got.sunset_time, absl::InfiniteFuture());
}

TEST(PostgresStoreTest, ErrorsAfterAnSqlFailureStickToTheTransaction) {
  auto store = OpenOrDie(PgFixture::Get().NewDatabase());
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadWrite));
  // Invalid UTF-8 cannot be stored: the database refuses it.
  model::Team bad = MakeTeam("bad");
  bad.description = std::string("\xff\xfe", 2);
  absl::Status s = txn->registry().InsertTeam(bad);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, "UTF-8"));
  EXPECT_THAT(txn->registry().GetTeam("bad"), StatusIs(s.code()));
  EXPECT_THAT(txn->Commit(), StatusIs(s.code()));
  // The connection went back to the pool in a clean state.
  EXPECT_OK(store->Ping());
  ASSERT_OK_AND_ASSIGN(auto next, store->Begin(TxnMode::kReadOnly));
  EXPECT_THAT(next->registry().GetTeam("bad"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(PostgresStoreTest, InvalidCursorIsInvalidArgument) {
  auto store = OpenOrDie(PgFixture::Get().NewDatabase());
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
  EXPECT_THAT(txn->registry().ListDataProducts({}, {"no-slash", 10}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(txn->events().ListAudit({}, {"not-a-number", 10}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(txn->registry().ListDomains({}, {"", 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PostgresStoreTest, SerializationConflictIsRetryableAndRetried) {
  std::string url = PgFixture::Get().NewDatabase();
  auto a = OpenOrDie(url);
  auto b = OpenOrDie(url);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_OK(InsertAll(*a, {MakeTeam("t")}, {MakeDomain("counter", "t")}, {}));

  // Two read-modify-write transactions on the same row, one per store (as
  // two replicas would): the second to write loses.
  ASSERT_OK_AND_ASSIGN(auto first, a->Begin(TxnMode::kReadWrite));
  ASSERT_OK_AND_ASSIGN(auto second, b->Begin(TxnMode::kReadWrite));
  ASSERT_OK_AND_ASSIGN(model::Domain d1,
                       first->registry().GetDomain("counter"));
  ASSERT_OK_AND_ASSIGN(model::Domain d2,
                       second->registry().GetDomain("counter"));
  d2.description = "second";
  d2.revision = 2;
  ASSERT_OK(second->registry().UpdateDomain(d2, 1));
  ASSERT_OK(second->Commit());
  d1.description = "first";
  d1.revision = 2;
  absl::Status lost = first->registry().UpdateDomain(d1, 1);
  EXPECT_THAT(lost, StatusIs(absl::StatusCode::kAborted));
  EXPECT_TRUE(IsRetryableConflict(lost)) << lost;
  first.reset();

  // Concurrent increments through both stores: RunInTransaction retries
  // the conflicts, and no increment is lost.
  constexpr int kThreads = 6;
  constexpr int kIncrements = 15;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    Store* store = i % 2 ? a.get() : b.get();
    threads.emplace_back([store, &failures] {
      for (int n = 0; n < kIncrements; ++n) {
        absl::Status s = store->RunInTransaction(
            TxnMode::kReadWrite,
            [](Transaction& txn) -> absl::Status {
              MP_ASSIGN_OR_RETURN(model::Domain d,
                                  txn.registry().GetDomain("counter"));
              int64_t expected = d.revision;
              d.revision += 1;
              return txn.registry().UpdateDomain(d, expected);
            },
            /*max_attempts=*/100);
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(auto txn, a->Begin(TxnMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(model::Domain final_state,
                       txn->registry().GetDomain("counter"));
  EXPECT_EQ(final_state.revision, 2 + kThreads * kIncrements);
}

TEST(PostgresStoreTest, PoolWaitIsBounded) {
  PostgresStoreOptions options =
      PoolOptions(PgFixture::Get().NewDatabase(), 1, absl::Milliseconds(200));
  ASSERT_OK_AND_ASSIGN(auto store, PostgresStore::Open(options));
  ASSERT_OK_AND_ASSIGN(auto held, store->Begin(TxnMode::kReadOnly));
  absl::Time start = absl::Now();
  EXPECT_THAT(store->Begin(TxnMode::kReadOnly),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  held.reset();
  EXPECT_OK(store->Begin(TxnMode::kReadOnly));
}

// What metrics read of the pool: its size, what is on loan and idle, and
// every wait for a connection (a timeout included) through the observer.
TEST(PostgresStoreTest, PoolStatsAndWaitsAreReported) {
  PostgresStoreOptions options =
      PoolOptions(PgFixture::Get().NewDatabase(), 2, absl::Milliseconds(200));
  ASSERT_OK_AND_ASSIGN(auto store, PostgresStore::Open(options));
  absl::Mutex mu;
  std::vector<std::pair<absl::Duration, bool>> waits;
  store->SetPoolWaitObserver([&](absl::Duration waited, bool timed_out) {
    absl::MutexLock lock(&mu);
    waits.emplace_back(waited, timed_out);
  });
  PoolStats stats = store->pool_stats();
  EXPECT_EQ(stats.size, 2);
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.idle, 1);  // the connection Open checked the schema on

  ASSERT_OK_AND_ASSIGN(auto a, store->Begin(TxnMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(auto b, store->Begin(TxnMode::kReadOnly));
  stats = store->pool_stats();
  EXPECT_EQ(stats.in_use, 2);
  EXPECT_EQ(stats.idle, 0);
  EXPECT_THAT(store->Begin(TxnMode::kReadOnly),
              StatusIs(absl::StatusCode::kResourceExhausted));
  a.reset();
  b.reset();
  stats = store->pool_stats();
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.idle, 2);
  {
    absl::MutexLock lock(&mu);
    ASSERT_EQ(waits.size(), 3u);
    EXPECT_FALSE(waits[0].second);
    EXPECT_FALSE(waits[1].second);
    EXPECT_TRUE(waits[2].second);
    EXPECT_GE(waits[2].first, absl::Milliseconds(200));
    EXPECT_LT(waits[0].first, absl::Milliseconds(200));
  }

  // Removed: no more calls.
  store->SetPoolWaitObserver(nullptr);
  EXPECT_OK(store->Ping());
  absl::MutexLock lock(&mu);
  EXPECT_EQ(waits.size(), 3u);
}

TEST(PostgresStoreTest, CheckSchemaRefusesAnOlderSchema) {
  const std::string url = PgFixture::Get().NewDatabase();
  ASSERT_OK_AND_ASSIGN(auto store, PostgresStore::Open({.database_url = url}));
  EXPECT_OK(store->CheckSchema());
  auto exec = [&](const char* sql) {
    pqxx::connection conn(url);
    pqxx::work w(conn);
    w.exec(sql);
    w.commit();
  };
  exec(
      "UPDATE schema_migrations SET version = -version "
      "WHERE version = (SELECT max(version) FROM schema_migrations)");
  EXPECT_THAT(store->CheckSchema(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "the database schema is at version"));
  exec("UPDATE schema_migrations SET version = -version WHERE version < 0");
  EXPECT_OK(store->CheckSchema());
  // A newer schema is fine (replicas of the previous release keep serving).
  exec(
      "INSERT INTO schema_migrations (version, name, checksum) "
      "VALUES (9999, '9999_from_the_future.sql', 'x')");
  EXPECT_OK(store->CheckSchema());
  exec("ALTER TABLE schema_migrations RENAME TO schema_migrations_gone");
  EXPECT_THAT(store->CheckSchema(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "schema_migrations is missing"));
  exec("ALTER TABLE schema_migrations_gone RENAME TO schema_migrations");
  EXPECT_OK(store->CheckSchema());
}

TEST(PostgresStoreTest, StatementTimeoutIsDeadlineExceeded) {
  PostgresStoreOptions options;
  options.database_url = PgFixture::Get().NewDatabase();
  options.statement_timeout = absl::Milliseconds(300);
  ASSERT_OK_AND_ASSIGN(auto store, PostgresStore::Open(options));
  ASSERT_OK(InsertAll(*store, {MakeTeam("t")}, {MakeDomain("d", "t")}, {}));
  model::Domain d = MakeDomain("d", "t");
  d.revision = 2;
  // `holder` keeps the row locked; `waiter` blocks on it until the timeout.
  ASSERT_OK_AND_ASSIGN(auto holder, store->Begin(TxnMode::kReadWrite));
  ASSERT_OK(holder->registry().UpdateDomain(d, 1));
  ASSERT_OK_AND_ASSIGN(auto waiter, store->Begin(TxnMode::kReadWrite));
  absl::Time start = absl::Now();
  EXPECT_THAT(waiter->registry().UpdateDomain(d, 1),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  waiter.reset();
  EXPECT_OK(holder->Commit());
}

// A deadline bounds a statement blocked on a row lock: it ends at the
// deadline (not at the session's 30 s statement timeout), and the write
// never commits, even once the lock is released.
TEST(PostgresStoreTest, ADeadlineEndsALockWaitAndNothingCommits) {
  const std::string url = PgFixture::Get().NewDatabase();
  auto store = OpenOrDie(url);
  ASSERT_OK(InsertAll(*store, {MakeTeam("t")}, {MakeDomain("d", "t")}, {}));
  pqxx::connection holder(url);
  pqxx::work lock(holder);
  lock.exec("SELECT 1 FROM domains WHERE id = 'd' FOR UPDATE");

  const absl::Time start = absl::Now();
  absl::Status s;
  {
    DeadlineScope scope(start + absl::Milliseconds(300));
    s = store->RunInTransaction(TxnMode::kReadWrite, [](Transaction& txn) {
      model::Domain d = MakeDomain("d", "t");
      d.description = "late";
      d.revision = 2;
      return txn.registry().UpdateDomain(d, 1);
    });
  }
  const absl::Duration took = absl::Now() - start;
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_GE(took, absl::Milliseconds(250));
  EXPECT_LT(took, absl::Seconds(2));
  lock.abort();
  ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(model::Domain d, txn->registry().GetDomain("d"));
  EXPECT_EQ(d.description, MakeDomain("d", "t").description);
  EXPECT_EQ(d.revision, 1);
}

// A write transaction whose deadline passes before Commit rolls back.
TEST(PostgresStoreTest, CommitAfterTheDeadlineRollsBack) {
  auto store = OpenOrDie(PgFixture::Get().NewDatabase());
  ASSERT_OK(InsertAll(*store, {MakeTeam("t")}, {MakeDomain("d", "t")}, {}));
  {
    DeadlineScope scope(absl::Now() + absl::Milliseconds(100));
    ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadWrite));
    model::Domain d = MakeDomain("d", "t");
    d.description = "late";
    d.revision = 2;
    ASSERT_OK(txn->registry().UpdateDomain(d, 1));
    absl::SleepFor(absl::Milliseconds(150));
    EXPECT_THAT(txn->Commit(),
                StatusIs(absl::StatusCode::kDeadlineExceeded, "rolled back"));
    // A spent deadline refuses new transactions at once.
    EXPECT_THAT(store->Begin(TxnMode::kReadWrite),
                StatusIs(absl::StatusCode::kDeadlineExceeded));
  }
  ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(model::Domain d, txn->registry().GetDomain("d"));
  EXPECT_EQ(d.revision, 1);
}

// The retry loop of RunInTransaction never outlives the deadline: every
// attempt here meets a real serialization failure (another store commits
// a change to the row in between), and with 1000 attempts allowed the loop
// still ends at the deadline with DEADLINE_EXCEEDED.
TEST(PostgresStoreTest, SerializationRetriesNeverOutliveTheDeadline) {
  const std::string url = PgFixture::Get().NewDatabase();
  auto a = OpenOrDie(url);
  auto b = OpenOrDie(url);
  ASSERT_OK(InsertAll(*a, {MakeTeam("t")}, {MakeDomain("counter", "t")}, {}));
  auto bump = [](Store& store) {
    return store.RunInTransaction(TxnMode::kReadWrite, [](Transaction& txn) {
      MP_ASSIGN_OR_RETURN(model::Domain d, txn.registry().GetDomain("counter"));
      int64_t expected = d.revision;
      d.revision += 1;
      return txn.registry().UpdateDomain(d, expected);
    });
  };
  int attempts = 0;
  const absl::Time start = absl::Now();
  absl::Status s;
  {
    DeadlineScope scope(start + absl::Milliseconds(300));
    s = a->RunInTransaction(
        TxnMode::kReadWrite,
        [&](Transaction& txn) -> absl::Status {
          ++attempts;
          MP_ASSIGN_OR_RETURN(model::Domain d,
                              txn.registry().GetDomain("counter"));
          // The other store's commit lands between this read and the write.
          std::thread other([&] { EXPECT_OK(bump(*b)); });
          other.join();
          int64_t expected = d.revision;
          d.revision += 1;
          return txn.registry().UpdateDomain(d, expected);
        },
        /*max_attempts=*/1000);
  }
  const absl::Duration took = absl::Now() - start;
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_GT(attempts, 1);
  EXPECT_LT(took, absl::Milliseconds(300) + absl::Milliseconds(500));
}

// The pool's wait queue: with its one connection on loan and one caller
// waiting, the next caller is refused at once (RESOURCE_EXHAUSTED), and a
// waiter gives up at its deadline rather than at the acquire timeout.
TEST(PostgresStoreTest, PoolQueueShedsAtOnceAndWaitsEndAtTheDeadline) {
  PostgresStoreOptions options =
      PoolOptions(PgFixture::Get().NewDatabase(), 1, absl::Seconds(10));
  options.max_waiters = 1;
  ASSERT_OK_AND_ASSIGN(auto store, PostgresStore::Open(options));
  ASSERT_OK_AND_ASSIGN(auto held, store->Begin(TxnMode::kReadOnly));

  absl::Status waited;
  absl::Duration waited_for;
  std::thread waiter([&] {
    DeadlineScope scope(absl::Now() + absl::Milliseconds(600));
    const absl::Time start = absl::Now();
    waited = store->Begin(TxnMode::kReadOnly).status();
    waited_for = absl::Now() - start;
  });
  ASSERT_TRUE(Eventually([&] { return store->pool_stats().waiting == 1; }));
  const absl::Time start = absl::Now();
  EXPECT_THAT(store->Begin(TxnMode::kReadOnly),
              StatusIs(absl::StatusCode::kResourceExhausted, "overloaded"));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  waiter.join();
  EXPECT_THAT(waited, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_GE(waited_for, absl::Milliseconds(550));
  EXPECT_LT(waited_for, absl::Seconds(3));
  EXPECT_EQ(store->pool_stats().shed, 1);
  held.reset();
  EXPECT_OK(store->Begin(TxnMode::kReadOnly));
}

// Ping does not wait for a pooled connection.
TEST(PostgresStoreTest, PingAnswersWhileThePoolIsExhausted) {
  PostgresStoreOptions options =
      PoolOptions(PgFixture::Get().NewDatabase(), 1, absl::Seconds(10));
  ASSERT_OK_AND_ASSIGN(auto store, PostgresStore::Open(options));
  ASSERT_OK_AND_ASSIGN(auto held, store->Begin(TxnMode::kReadOnly));
  const absl::Time start = absl::Now();
  EXPECT_OK(store->Ping());
  EXPECT_OK(store->CheckSchema());
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

model::Event MakeEvent(const std::string& resource) {
  model::Event e;
  e.time = store_contract::T0();
  e.type = "domain.updated";
  e.resource = resource;
  return e;
}

// An event is numbered only once it has committed, and above everything
// numbered before: `early` appends first but commits last, and `late`,
// which neither waits for it nor gets a number before it commits, is
// numbered first. A reader that moved past `late` still sees `early`.
TEST(PostgresStoreTest, EventSequencesFollowCommitOrder) {
  std::string url = PgFixture::Get().NewDatabase();
  auto store = OpenOrDie(url);
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(auto early, store->Begin(TxnMode::kReadWrite));
  ASSERT_OK(early->events().AppendEvent(MakeEvent("domains/early")).status());
  // Commits while `early` is open: no lock to wait for.
  ASSERT_OK(store->RunInTransaction(TxnMode::kReadWrite, [](Transaction& t) {
    return t.events().AppendEvent(MakeEvent("domains/late")).status();
  }));
  auto list = [&](int64_t after) {
    auto txn = store->Begin(TxnMode::kReadOnly);
    EXPECT_OK(txn.status());
    auto events = (*txn)->events().ListEvents(after, 10);
    EXPECT_OK(events.status());
    return *events;
  };
  std::vector<model::Event> first = list(0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].resource, "domains/late");
  ASSERT_OK(early->Commit());
  std::vector<model::Event> next = list(first[0].sequence);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].resource, "domains/early");
  EXPECT_GT(next[0].sequence, first[0].sequence);
}

// A transaction that stays open while hundreds of writes commit behind it
// holds nothing up: they are readable at once, in order; its own event,
// committed last, comes after all of them; a reader that followed the feed
// the whole time, page by page, misses nothing and sees nothing twice.
TEST(PostgresStoreTest, LongTransactionHoldsNothingBackAndLosesNothing) {
  std::string url = PgFixture::Get().NewDatabase();
  auto store = OpenOrDie(url);
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(auto slow, store->Begin(TxnMode::kReadWrite));
  ASSERT_OK(slow->events().AppendEvent(MakeEvent("domains/slow")).status());
  std::vector<model::Event> seen;
  auto follow = [&] {
    while (true) {
      ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kSingleRead));
      ASSERT_OK_AND_ASSIGN(
          std::vector<model::Event> page,
          txn->events().ListEvents(seen.empty() ? 0 : seen.back().sequence, 7));
      if (page.empty()) return;
      for (auto& e : page) seen.push_back(std::move(e));
    }
  };
  constexpr int kWriters = 4;
  constexpr int kEach = 75;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        absl::Status s =
            store->RunInTransaction(TxnMode::kReadWrite, [&](Transaction& t) {
              return t.events()
                  .AppendEvent(MakeEvent(absl::StrCat("domains/w", w, "-", i)))
                  .status();
            });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (int i = 0; i < 20; ++i) follow();  // while they commit
  for (auto& t : writers) t.join();
  ASSERT_EQ(failures.load(), 0);
  follow();
  ASSERT_EQ(seen.size(), static_cast<size_t>(kWriters * kEach))
      << "the open transaction held back the writes committed behind it";
  ASSERT_OK(slow->Commit());
  follow();
  ASSERT_EQ(seen.size(), static_cast<size_t>(kWriters * kEach + 1));
  EXPECT_EQ(seen.back().resource, "domains/slow");
  std::set<std::string> resources;
  for (size_t i = 0; i < seen.size(); ++i) {
    resources.insert(seen[i].resource);
    if (i > 0) {
      EXPECT_GT(seen[i].sequence, seen[i - 1].sequence) << i;
    }
  }
  EXPECT_EQ(resources.size(), seen.size());
  // Each writer's events in its own commit order.
  for (int w = 0; w < kWriters; ++w) {
    int next = 0;
    const std::string prefix = absl::StrCat("domains/w", w, "-");
    for (const auto& e : seen) {
      if (absl::StartsWith(e.resource, prefix)) {
        EXPECT_EQ(e.resource, absl::StrCat(prefix, next)) << "writer " << w;
        ++next;
      }
    }
    EXPECT_EQ(next, kEach);
  }
}

TEST(PostgresStoreTest, ExpiredIdempotencyRecordsAreSwept) {
  std::string url = PgFixture::Get().NewDatabase();
  auto count = [&](const std::string& request_id) {
    pqxx::connection conn(url);
    pqxx::nontransaction q(conn);
    return q
        .exec_params1(
            "SELECT count(*) FROM idempotency WHERE "
            "request_id = $1",
            request_id)[0]
        .as<int>();
  };
  auto put = [](Store& store, const std::string& id, absl::Time when) {
    model::IdempotencyRecord rec;
    rec.principal = "user:a";
    rec.method = "M";
    rec.request_id = id;
    rec.request_hash = "h";
    rec.response = "{}";
    rec.create_time = when;
    return store.RunInTransaction(TxnMode::kReadWrite, [&](Transaction& txn) {
      return txn.events().PutIdempotency(rec);
    });
  };
  absl::Time t0 = store_contract::T0();
  {
    auto store = OpenOrDie(url);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(put(*store, "old", t0));
    ASSERT_OK(put(*store, "recent", t0 + absl::Hours(23)));
    ASSERT_OK(put(*store, "new", t0 + absl::Hours(25)));
  }
  // Opening a store sweeps records older than 24 h before the newest one.
  auto store = OpenOrDie(url);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(count("old"), 0);
  EXPECT_EQ(count("recent"), 1);
  EXPECT_EQ(count("new"), 1);
  // So do commits, now and then (every 512 puts).
  for (int i = 0; i < 520; ++i) {
    ASSERT_OK(put(*store, absl::StrCat("bulk-", i), t0 + absl::Hours(50)));
  }
  EXPECT_EQ(count("recent"), 0);
  EXPECT_EQ(count("new"), 0);
  EXPECT_EQ(count("bulk-0"), 1);
}

// The decision log as PostgreSQL holds it: every field of every decision,
// in append order, one row per decision; nothing from a rolled-back
// transaction.
TEST(PostgresStoreTest, AccessDecisionsAreStoredInOrderOnCommitOnly) {
  std::string url = PgFixture::Get().NewDatabase();
  auto store = OpenOrDie(url);
  ASSERT_NE(store, nullptr);
  std::vector<model::AccessDecision> batch;
  for (int i = 0; i < 4; ++i) {
    model::AccessDecision d;
    d.time = store_contract::T0() + absl::Microseconds(i);
    d.caller = "service:trino";
    d.principal = absl::StrCat("user:u", i, "@example.com");
    d.port = {"sales", "orders", absl::StrCat("v", i)};
    d.action = i == 3 ? "write" : "read";
    d.allowed = i % 2 == 0;
    d.grant_id = d.allowed ? absl::StrCat("grant-", i) : "";
    d.reason = d.allowed ? "" : "no active grant; it's \"denied\"";
    d.decision_json = i == 2 ? "{\"policies\": [ ]}" : "";
    batch.push_back(d);
  }
  batch[0].time = absl::InfinitePast();
  ASSERT_OK(store->RunInTransaction(TxnMode::kReadWrite, [&](Transaction& t) {
    return t.access().AppendAccessDecisions({batch[0], batch[1], batch[2]});
  }));
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadWrite));
    ASSERT_OK(txn->access().AppendAccessDecisions({batch[3], batch[3]}));
    // Destroyed without Commit: rolled back.
  }
  ASSERT_OK(store->RunInTransaction(TxnMode::kReadWrite, [&](Transaction& t) {
    return t.access().AppendAccessDecisions({batch[3]});
  }));

  pqxx::connection conn(url);
  pqxx::nontransaction q(conn);
  pqxx::result rows = q.exec(
      "SELECT sequence, mp_us(time), caller, principal, domain_id, "
      "  product_id, port_id, action, allowed, grant_id, reason, "
      "  decision_json "
      "FROM access_decisions ORDER BY sequence");
  ASSERT_EQ(rows.size(), 4u);
  int64_t last_sequence = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    const pqxx::row& r = rows[i];
    const model::AccessDecision& d = batch[i];
    EXPECT_GT(r[0].as<int64_t>(), last_sequence);
    last_sequence = r[0].as<int64_t>();
    if (i == 0) {
      EXPECT_EQ(r[1].as<int64_t>(), std::numeric_limits<int64_t>::min());
    } else {
      EXPECT_EQ(r[1].as<int64_t>(), absl::ToUnixMicros(d.time));
    }
    EXPECT_EQ(r[2].as<std::string>(), d.caller);
    EXPECT_EQ(r[3].as<std::string>(), d.principal);
    EXPECT_EQ(r[4].as<std::string>(), d.port.domain_id);
    EXPECT_EQ(r[5].as<std::string>(), d.port.product_id);
    EXPECT_EQ(r[6].as<std::string>(), d.port.port_id);
    EXPECT_EQ(r[7].as<std::string>(), d.action);
    EXPECT_EQ(r[8].as<bool>(), d.allowed);
    EXPECT_EQ(r[9].as<std::string>(), d.grant_id);
    EXPECT_EQ(r[10].as<std::string>(), d.reason);
    EXPECT_EQ(r[11].as<std::string>(), d.decision_json);
  }
  // A string PostgreSQL cannot store is INVALID_ARGUMENT, not INTERNAL.
  model::AccessDecision bad = batch[1];
  bad.reason = std::string("\xff\xfe", 2);
  EXPECT_THAT(store->RunInTransaction(
                  TxnMode::kReadWrite,
                  [&](Transaction& t) {
                    return t.access().AppendAccessDecisions({batch[1], bad});
                  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  bad.reason = std::string("nul \0 inside", 12);
  EXPECT_THAT(
      store->RunInTransaction(TxnMode::kReadWrite,
                              [&](Transaction& t) {
                                return t.access().AppendAccessDecisions({bad});
                              }),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(q.exec1("SELECT count(*) FROM access_decisions")[0].as<int>(), 4);
}

TEST(PostgresStoreTest, AccessListCursorsAreChecked) {
  auto store = OpenOrDie(PgFixture::Get().NewDatabase());
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
  for (const char* bad : {"no-slash", "/id", "12/", "x/id", "1.5/id"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(txn->access().ListAccessRequests({}, {bad, 10}),
                StatusIs(absl::StatusCode::kInvalidArgument, "cursor"));
    EXPECT_THAT(txn->access().ListGrants({}, {bad, 10}),
                StatusIs(absl::StatusCode::kInvalidArgument, "cursor"));
  }
  // A well-formed cursor that names no row is just a position.
  ASSERT_OK_AND_ASSIGN(
      auto page, txn->access().ListGrants({}, {"-9223372036854775808/zz", 10}));
  EXPECT_TRUE(page.items.empty());
}

// Runs last in this binary (gtest runs tests in declaration order): it
// stops and restarts the shared server.
TEST(PostgresStoreTest, ZzUnavailableWhileTheServerIsDownThenRecovers) {
  std::string url = PgFixture::Get().NewDatabase();
  auto store = OpenOrDie(url, 4);
  ASSERT_NE(store, nullptr);
  ASSERT_OK(InsertAll(*store, {MakeTeam("t")}, {MakeDomain("d", "t")}, {}));
  // Warm the pool so that it holds connections that will die.
  {
    std::vector<std::unique_ptr<Transaction>> warm;
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
      warm.push_back(std::move(txn));
    }
  }
  ASSERT_OK_AND_ASSIGN(auto open_txn, store->Begin(TxnMode::kReadWrite));

  PgFixture::Get().Stop();
  absl::Time start = absl::Now();
  EXPECT_THAT(open_txn->registry().GetDomain("d"),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(open_txn->Commit(), StatusIs(absl::StatusCode::kUnavailable));
  open_txn.reset();
  EXPECT_THAT(store->Begin(TxnMode::kReadOnly),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store->Ping(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(
      store->RunInTransaction(TxnMode::kReadWrite,
                              [](Transaction& txn) {
                                return txn.registry().GetDomain("d").status();
                              }),
      StatusIs(absl::StatusCode::kUnavailable));
  absl::Duration down_time = absl::Now() - start;
  EXPECT_LT(down_time, absl::Seconds(5));
  std::cout << "[ figures ] 5 calls against a stopped server answered "
               "UNAVAILABLE in "
            << absl::FormatDuration(down_time) << "\n";

  PgFixture::Get().Start();
  // The very next call works: dead pooled connections are replaced.
  ASSERT_OK(store->Ping());
  ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(model::Domain d, txn->registry().GetDomain("d"));
  EXPECT_EQ(d.owner_team_id, "t");
  txn.reset();
  // And writes work too, on every pooled connection.
  for (int i = 0; i < 6; ++i) {
    EXPECT_OK(store->RunInTransaction(TxnMode::kReadWrite, [&](Transaction& t) {
      return t.registry().InsertDomain(
          MakeDomain(absl::StrCat("after-", i), "t"));
    }));
  }
}

// ------------------------------------------------------ 100k products

// A new database that `load` fills in one transaction, then analyzed; says
// how long that took ("loaded <what> in ...").
std::string LoadLargeDatabase(absl::string_view what,
                              const std::function<void(pqxx::work&)>& load) {
  std::string url = PgFixture::Get().NewDatabase();
  absl::Time start = absl::Now();
  pqxx::connection conn(url);
  pqxx::work w(conn);
  load(w);
  w.commit();
  pqxx::nontransaction analyze(conn);
  analyze.exec("ANALYZE");
  std::cout << "[ figures ] loaded " << what << " in "
            << absl::FormatDuration(absl::Now() - start) << "\n";
  return url;
}

// The text of an EXPLAIN, one line a row.
std::string PlanOf(const pqxx::result& explain) {
  std::string plan;
  for (const auto& row : explain) plan += row[0].as<std::string>() + "\n";
  return plan;
}

class LargeCatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    url_ = new std::string(LoadLargeDatabase("100k products", Load));
  }
  static void Load(pqxx::work& w) {
    // 50 teams; 10 top-level domains with 9 subdomains each; 100k products
    // spread over the 100 domains, each with one output port, every tenth
    // reading the previous product.
    w.exec(
        "INSERT INTO teams (id, uid, create_time, update_time, revision) "
        "SELECT 'team-' || i, 'u' || i, now(), now(), 1 "
        "FROM generate_series(0, 49) i");
    w.exec(
        "INSERT INTO domains (id, uid, owner_team_id, create_time, "
        "  update_time, revision) "
        "SELECT 'dom-' || i, 'u' || i, 'team-' || i, now(), now(), 1 "
        "FROM generate_series(0, 9) i");
    w.exec(
        "INSERT INTO domains (id, uid, parent_id, owner_team_id, "
        "create_time, "
        "  update_time, revision) "
        "SELECT 'dom-' || i || '-' || j, 'u', 'dom-' || i, 'team-' || i, "
        "  now(), now(), 1 "
        "FROM generate_series(0, 9) i, generate_series(1, 9) j");
    w.exec(
        "INSERT INTO data_products (domain_id, id, uid, display_name, "
        "  description, owner_team_id, lifecycle, tier, classification, "
        "tags, "
        "  create_time, update_time, revision) "
        "SELECT CASE WHEN i % 10 = 0 THEN 'dom-' || (i / 10 % 10) "
        "            ELSE 'dom-' || (i / 10 % 10) || '-' || (i % 10) END, "
        "  'product-' || i, md5(i::text), 'Product ' || i, "
        "  'Dataset number ' || i || CASE WHEN i % 1000 = 7 "
        "      THEN ' with zeppelin telemetry' ELSE ' of plain rows' END, "
        "  'team-' || (i % 50), "
        "  (ARRAY['DRAFT', 'PUBLISHED', 'DEPRECATED', 'RETIRED'])[i % 4 + "
        "1], "
        "  i % 4, 'INTERNAL', "
        "  ARRAY['tag-' || (i % 100), CASE WHEN i % 500 = 0 THEN 'gold' "
        "        ELSE 'bronze' END], "
        "  now(), now(), 1 "
        "FROM generate_series(0, 99999) i");
    w.exec(
        "INSERT INTO output_ports (domain_id, product_id, port_id, ordinal, "
        "  type, availability_percent) "
        "SELECT domain_id, id, 'v1', 0, 'table', 99.9 FROM data_products");
  }
  static void TearDownTestSuite() {
    delete url_;
    url_ = nullptr;
  }

  // Runs the list query for `filter` `runs` times (first page of 50) and
  // returns the mean wall time.
  static absl::Duration TimeFirstPage(Store& store,
                                      const DataProductFilter& filter,
                                      size_t* items, int runs = 20) {
    absl::Time start = absl::Now();
    for (int i = 0; i < runs; ++i) {
      auto txn = store.Begin(TxnMode::kReadOnly);
      EXPECT_THAT(txn, IsOk());
      auto page = (*txn)->registry().ListDataProducts(filter, {"", 50});
      EXPECT_THAT(page, IsOk());
      if (page.ok()) *items = page->items.size();
    }
    return (absl::Now() - start) / runs;
  }

  static std::string* url_;
};

std::string* LargeCatalogTest::url_ = nullptr;

TEST_F(LargeCatalogTest, FilteredListsUseIndexes) {
  pqxx::connection conn(*url_);
  pqxx::nontransaction q(conn);
  struct Case {
    const char* name;
    std::string domain;
    bool subdomains;
    std::string owner, lifecycle, tag, text;
  };
  const std::vector<Case> cases = {
      {"domain", "dom-3-4", false, "", "", "", ""},
      {"domain+subdomains", "dom-3", true, "", "", "", ""},
      {"owner", "", false, "team-7", "", "", ""},
      {"lifecycle", "", false, "", "RETIRED", "", ""},
      {"tag", "", false, "", "", "gold", ""},
      {"text", "", false, "", "", "", "zeppelin"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string plan = PlanOf(q.exec_params(
        absl::StrCat("EXPLAIN ", pg::sql::kListProducts), c.domain,
        c.subdomains, c.owner, c.lifecycle, c.tag, c.text, "", "", 51));
    EXPECT_THAT(
        plan, ::testing::Not(::testing::HasSubstr("Seq Scan on data_products")))
        << plan;
  }
}

TEST_F(LargeCatalogTest, PageTimes) {
  auto store = OpenOrDie(*url_, 2);
  ASSERT_NE(store, nullptr);
  struct Case {
    const char* name;
    DataProductFilter filter;
    size_t expected_items;
  };
  std::vector<Case> cases;
  cases.push_back({"no filter", {}, 50});
  DataProductFilter f;
  f.domain_id = "dom-3-4";
  cases.push_back({"domain", f, 50});
  f.domain_id = "dom-3";
  f.include_subdomains = true;
  cases.push_back({"domain+subdomains (10 domains, 10k products)", f, 50});
  f = {};
  f.owner_team_id = "team-7";
  cases.push_back({"owner", f, 50});
  f = {};
  f.lifecycle = model::Lifecycle::kRetired;
  cases.push_back({"lifecycle", f, 50});
  f = {};
  f.tag = "gold";
  cases.push_back({"tag (200 matches)", f, 50});
  f = {};
  f.text = "zeppelin";
  cases.push_back({"text (100 matches)", f, 50});
  f = {};
  f.owner_team_id = "team-7";
  f.tag = "tag-7";
  cases.push_back({"owner+tag", f, 50});
  for (const Case& c : cases) {
    size_t items = 0;
    absl::Duration mean = TimeFirstPage(*store, c.filter, &items);
    EXPECT_EQ(items, c.expected_items) << c.name;
    std::cout << "[ figures ] 100k products, first page of 50, " << c.name
              << ": " << absl::FormatDuration(mean) << " per Begin+List\n";
  }
  // A deep page: keyset pagination costs the same far into the list.
  std::string cursor;
  absl::Time start = absl::Now();
  int pages = 0;
  for (; pages < 40; ++pages) {
    ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
    DataProductFilter owner;
    owner.owner_team_id = "team-7";
    ASSERT_OK_AND_ASSIGN(auto page,
                         txn->registry().ListDataProducts(owner, {cursor, 50}));
    if (page.next.empty()) break;
    cursor = page.next;
  }
  std::cout << "[ figures ] 100k products, owner filter, " << pages
            << " consecutive pages: "
            << absl::FormatDuration((absl::Now() - start) / std::max(pages, 1))
            << " per page\n";
  // Single-row reads, the hot path of GetDataProduct.
  start = absl::Now();
  constexpr int kGets = 500;
  for (int i = 0; i < kGets; ++i) {
    ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
    int n = (i * 7919) % 100000;
    std::string domain = n % 10 == 0
                             ? absl::StrCat("dom-", n / 10 % 10)
                             : absl::StrCat("dom-", n / 10 % 10, "-", n % 10);
    ASSERT_OK(
        txn->registry().GetDataProduct({domain, absl::StrCat("product-", n)}));
  }
  std::cout << "[ figures ] GetDataProduct (Begin + get + rollback): "
            << absl::FormatDuration((absl::Now() - start) / kGets) << "\n";
}

// The shape of one write RPC: the product with its ports, an audit record,
// an outbox event and an idempotency record, in one SERIALIZABLE
// transaction; sequential and from 4 threads (the outbox lock serialises
// the tails of concurrent writers).
TEST_F(LargeCatalogTest, WriteTransactionTimes) {
  auto store = OpenOrDie(*url_, 4);
  ASSERT_NE(store, nullptr);
  auto write = [&](const std::string& id) {
    return store->RunInTransaction(
        TxnMode::kReadWrite, [&](Transaction& txn) -> absl::Status {
          model::DataProduct p = MakeProduct("dom-5", id, "team-5");
          p.output_ports.push_back(MakeOutputPort(id + "-v2"));
          MP_RETURN_IF_ERROR(txn.registry().InsertDataProduct(p));
          model::AuditRecord audit;
          audit.time = store_contract::T0();
          audit.principal = "user:bench";
          audit.method = "meshplane.v1.DataProductService/CreateDataProduct";
          audit.resource = model::ProductName(p.key());
          MP_RETURN_IF_ERROR(txn.events().AppendAudit(audit).status());
          MP_RETURN_IF_ERROR(
              txn.events().AppendEvent(MakeEvent(audit.resource)).status());
          model::IdempotencyRecord rec;
          rec.principal = "user:bench";
          rec.method = audit.method;
          rec.request_id = id;
          rec.request_hash = "h";
          rec.response = "{}";
          rec.create_time = store_contract::T0();
          return txn.events().PutIdempotency(rec);
        });
  };
  constexpr int kWrites = 200;
  absl::Time start = absl::Now();
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_OK(write(absl::StrCat("seq-", i)));
  }
  std::cout << "[ figures ] write transaction (product + 2 ports + audit + "
               "event + request id), sequential: "
            << absl::FormatDuration((absl::Now() - start) / kWrites) << "\n";
  start = absl::Now();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites / 4; ++i) {
        if (!write(absl::StrCat("par-", t, "-", i)).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::cout << "[ figures ] same, 4 threads: "
            << absl::FormatDuration((absl::Now() - start) / kWrites)
            << " per write (wall time / writes)\n";
}

// ---------------------------------------------- 100k requests and grants

// Every list filter of access requests and grants, and ActiveGrants, is an
// index scan at 100k rows each (migrations/0005_access.sql).
class LargeAccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    url_ = new std::string(
        LoadLargeDatabase("100k access requests and 100k grants", Load));
  }
  static void Load(pqxx::work& w) {
    // 1000 products with one port each; 100k requests and 100k grants
    // spread over them, 5000 users and 200 teams, one a second.
    w.exec(
        "INSERT INTO teams (id, uid, create_time, update_time, revision) "
        "VALUES ('t', 'u', now(), now(), 1)");
    w.exec(
        "INSERT INTO domains (id, uid, owner_team_id, create_time, "
        "  update_time, revision) VALUES ('d', 'u', 't', now(), now(), "
        "1)");
    w.exec(
        "INSERT INTO data_products (domain_id, id, uid, owner_team_id, "
        "  lifecycle, create_time, update_time, revision) "
        "SELECT 'd', 'p-' || i, 'u', 't', 'PUBLISHED', now(), now(), 1 "
        "FROM generate_series(0, 999) i");
    w.exec(
        "INSERT INTO output_ports (domain_id, product_id, port_id, "
        "ordinal) "
        "SELECT domain_id, id, 'v1', 0 FROM data_products");
    w.exec(
        "INSERT INTO access_requests (id, uid, domain_id, product_id, "
        "  port_id, consumer, requester, actions, state, create_time, "
        "  update_time, expire_time, revision) "
        "SELECT md5('r' || i), 'u', 'd', 'p-' || (i % 1000), 'v1', "
        "  'user:u' || (i % 5000), 'user:r' || (i % 3000), '{read}', "
        "  (ARRAY['PENDING', 'APPROVED', 'DENIED', 'WITHDRAWN', "
        "         'EXPIRED'])[i % 5 + 1], "
        "  timestamptz '2026-01-01 00:00:00+00' + i * interval '1 "
        "second', "
        "  timestamptz '2026-01-01 00:00:00+00' + i * interval '1 "
        "second', "
        "  timestamptz '2026-01-08 00:00:00+00' + i * interval '1 "
        "second', 1 "
        "FROM generate_series(0, 99999) i");
    w.exec(
        "INSERT INTO grants (id, uid, domain_id, product_id, port_id, "
        "  consumer, actions, create_time, expire_time, revoke_time, "
        "  revision) "
        "SELECT md5('g' || i), 'u', 'd', 'p-' || (i % 1000), 'v1', "
        "  CASE WHEN i % 10 = 0 THEN 'team:t' || (i % 200) "
        "       ELSE 'user:u' || (i % 5000) END, '{read}', "
        "  timestamptz '2026-01-01 00:00:00+00' + i * interval '1 "
        "second', "
        "  timestamptz '2026-01-01 00:00:00+00' + i * interval '1 "
        "second' "
        "    + (i % 3) * interval '30 days', "
        "  CASE WHEN i % 4 = 0 THEN timestamptz '2026-01-02 00:00:00+00' "
        "END, "
        "  1 "
        "FROM generate_series(0, 99999) i");
  }
  static void TearDownTestSuite() {
    delete url_;
    url_ = nullptr;
  }

  // 2026-01-20: some grants expired, most pending requests expired.
  static int64_t Now() {
    return absl::ToUnixMicros(absl::FromCivil(
        absl::CivilSecond(2026, 1, 20, 0, 0, 0), absl::UTCTimeZone()));
  }

  static std::string* url_;
};

std::string* LargeAccessTest::url_ = nullptr;

TEST_F(LargeAccessTest, FilteredListsUseIndexes) {
  pqxx::connection conn(*url_);
  pqxx::nontransaction q(conn);
  const char* no_cursor = nullptr;
  struct RequestCase {
    const char* name;
    std::string state, port_product, product, consumer, requester;
  };
  const std::vector<RequestCase> requests = {
      {"none", "", "", "", "", ""},
      {"state PENDING", "PENDING", "", "", "", ""},
      {"state EXPIRED", "EXPIRED", "", "", "", ""},
      {"state DENIED", "DENIED", "", "", "", ""},
      {"port", "", "p-7", "", "", ""},
      {"product", "", "", "p-7", "", ""},
      {"consumer", "", "", "", "user:u42", ""},
      {"requester", "", "", "", "", "user:r42"},
      {"pending+consumer", "PENDING", "", "", "user:u42", ""},
  };
  for (const RequestCase& c : requests) {
    SCOPED_TRACE(c.name);
    std::string port_domain = c.port_product.empty() ? "" : "d";
    std::string product_domain = c.product.empty() ? "" : "d";
    std::string plan = PlanOf(q.exec_params(
        absl::StrCat("EXPLAIN ", pg::sql::kListAccessRequests), c.state, Now(),
        port_domain, c.port_product, "v1", product_domain, c.product,
        c.consumer, c.requester, no_cursor, "", 51));
    EXPECT_THAT(plan, ::testing::Not(
                          ::testing::HasSubstr("Seq Scan on access_requests")))
        << plan;
    // Keyset paging from the middle of the list.
    plan = PlanOf(q.exec_params(
        absl::StrCat("EXPLAIN ", pg::sql::kListAccessRequests), c.state, Now(),
        port_domain, c.port_product, "v1", product_domain, c.product,
        c.consumer, c.requester, Now() - int64_t{40000} * 1000000, "m", 51));
    EXPECT_THAT(plan, ::testing::Not(
                          ::testing::HasSubstr("Seq Scan on access_requests")))
        << plan;
  }
  struct GrantCase {
    const char* name;
    std::string port_product, product, consumers;
    bool active;
  };
  const std::vector<GrantCase> grants = {
      {"none", "", "", "[]", false},
      {"active", "", "", "[]", true},
      {"port", "p-7", "", "[]", false},
      {"product, active", "", "p-7", "[]", true},
      {"one consumer", "", "", "[\"user:u42\"]", false},
      {"a principal and its teams", "", "",
       "[\"user:u42\", \"team:t4\", \"team:t9\"]", true},
  };
  for (const GrantCase& c : grants) {
    SCOPED_TRACE(c.name);
    std::string port_domain = c.port_product.empty() ? "" : "d";
    std::string product_domain = c.product.empty() ? "" : "d";
    std::string plan = PlanOf(q.exec_params(
        absl::StrCat("EXPLAIN ", pg::sql::kListGrants), port_domain,
        c.port_product, "v1", product_domain, c.product, c.consumers, c.active,
        Now(), no_cursor, "", 51));
    EXPECT_THAT(plan,
                ::testing::Not(::testing::HasSubstr("Seq Scan on grants")))
        << plan;
  }
  std::string plan = PlanOf(q.exec_params(
      absl::StrCat("EXPLAIN ", pg::sql::kActiveGrants.text), Now(), "", 1000));
  EXPECT_THAT(plan, ::testing::HasSubstr("grants_active_idx")) << plan;
}

TEST_F(LargeAccessTest, PageTimes) {
  auto store = OpenOrDie(*url_, 2);
  ASSERT_NE(store, nullptr);
  absl::Time now = absl::FromUnixMicros(Now());
  auto time_requests = [&](const char* name, AccessRequestFilter f) {
    f.now = now;
    absl::Time start = absl::Now();
    constexpr int kRuns = 20;
    size_t items = 0;
    for (int i = 0; i < kRuns; ++i) {
      ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
      ASSERT_OK_AND_ASSIGN(auto page,
                           txn->access().ListAccessRequests(f, {"", 50}));
      items = page.items.size();
    }
    std::cout << "[ figures ] 100k access requests, first page, " << name
              << " (" << items << " items): "
              << absl::FormatDuration((absl::Now() - start) / kRuns) << "\n";
  };
  auto time_grants = [&](const char* name, GrantFilter f) {
    f.now = now;
    absl::Time start = absl::Now();
    constexpr int kRuns = 20;
    size_t items = 0;
    for (int i = 0; i < kRuns; ++i) {
      ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
      ASSERT_OK_AND_ASSIGN(auto page, txn->access().ListGrants(f, {"", 50}));
      items = page.items.size();
    }
    std::cout << "[ figures ] 100k grants, first page, " << name << " ("
              << items << " items): "
              << absl::FormatDuration((absl::Now() - start) / kRuns) << "\n";
  };
  AccessRequestFilter r;
  time_requests("no filter", r);
  r.state = model::AccessRequestState::kPending;
  time_requests("PENDING as of now", r);
  r.state = model::AccessRequestState::kExpired;
  time_requests("EXPIRED as of now", r);
  r = {};
  r.consumer = "user:u42";
  time_requests("consumer", r);
  r.state = model::AccessRequestState::kPending;
  time_requests("consumer+PENDING", r);
  GrantFilter g;
  time_grants("no filter", g);
  g.active_only = true;
  time_grants("active", g);
  g.consumers = {"user:u42", "team:t4", "team:t9"};
  time_grants("active, a principal and 2 teams", g);
  g = {};
  g.product = model::ProductKey{"d", "p-7"};
  time_grants("product", g);

  // Loading every active grant, as the CheckAccess index does.
  absl::Time start = absl::Now();
  size_t loaded = 0;
  std::string after;
  ASSERT_OK_AND_ASSIGN(auto txn, store->Begin(TxnMode::kReadOnly));
  for (int guard = 0; guard < 1000; ++guard) {
    ASSERT_OK_AND_ASSIGN(std::vector<model::Grant> page,
                         txn->access().ActiveGrants(now, after, 1000));
    loaded += page.size();
    if (page.size() < 1000) break;
    after = page.back().id;
  }
  std::cout << "[ figures ] ActiveGrants, " << loaded
            << " active grants of 100k in pages of 1000: "
            << absl::FormatDuration(absl::Now() - start) << "\n";
  EXPECT_GT(loaded, 0u);
  EXPECT_LT(loaded, 100000u);
}

}  // namespace
}  // namespace meshplane::store
