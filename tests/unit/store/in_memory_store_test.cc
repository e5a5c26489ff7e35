// Holds InMemoryStore to the same contract as the PostgreSQL store, plus the
// fake's own test hooks.
#include "tests/testing/memstore/in_memory_store.h"

#include <memory>

#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/store_contract/store_contract_tests.h"
#include <gtest/gtest.h>

namespace meshplane::store_contract {
namespace {

struct InMemoryStoreFactory {
  static std::unique_ptr<store::Store> Make() {
    return std::make_unique<testing::InMemoryStore>();
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, StoreContractTest,
                               InMemoryStoreFactory);

TEST(InMemoryStoreTest, UnavailableHookFailsBeginAndOpenTransactions) {
  testing::InMemoryStore store;
  auto open = store.Begin(store::TxnMode::kReadWrite);
  ASSERT_THAT(open, testing::IsOk());
  store.SetUnavailable(true);
  EXPECT_THAT(store.Ping(), testing::StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store.Begin(store::TxnMode::kReadOnly),
              testing::StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT((*open)->registry().GetDomain("x"),
              testing::StatusIs(absl::StatusCode::kUnavailable));
  store.SetUnavailable(false);
  EXPECT_THAT(store.Ping(), testing::IsOk());
}

TEST(InMemoryStoreTest, WriteSkewIsRefusedAsASerializationFailure) {
  // Two transactions each read what the other writes: under SERIALIZABLE one
  // of them must fail, retryably.
  testing::InMemoryStore store;
  model::Team team = MakeTeam("t");
  ASSERT_THAT(store.RunInTransaction(store::TxnMode::kReadWrite,
                                     [&](store::Transaction& t) {
                                       return t.registry().InsertTeam(team);
                                     }),
              testing::IsOk());
  auto a = store.Begin(store::TxnMode::kReadWrite);
  auto b = store.Begin(store::TxnMode::kReadWrite);
  ASSERT_THAT(a, testing::IsOk());
  ASSERT_THAT(b, testing::IsOk());
  ASSERT_THAT((*a)->registry().CountSubdomains("x"), testing::IsOk());
  ASSERT_THAT((*b)->registry().CountSubdomains("x"), testing::IsOk());
  ASSERT_THAT((*a)->registry().InsertDomain(MakeDomain("a", "t")),
              testing::IsOk());
  ASSERT_THAT((*b)->registry().InsertDomain(MakeDomain("b", "t")),
              testing::IsOk());
  EXPECT_THAT((*a)->Commit(), testing::IsOk());
  absl::Status second = (*b)->Commit();
  EXPECT_TRUE(store::IsRetryableConflict(second)) << second;
}

}  // namespace
}  // namespace meshplane::store_contract
