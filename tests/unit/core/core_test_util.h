// What the core's unit tests share: a governed registry over an in-memory
// store, seeding it with teams and domains, and reading back what a store
// recorded.
#ifndef MESHPLANE_TESTS_UNIT_CORE_CORE_TEST_UTIL_H_
#define MESHPLANE_TESTS_UNIT_CORE_CORE_TEST_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/context.h"
#include "meshplane/core/governance.h"
#include "meshplane/core/registry.h"
#include "meshplane/model/audit.h"
#include "meshplane/store/store.h"

namespace meshplane::core::test_util {

using TeamSeeds = std::vector<std::pair<std::string, std::vector<std::string>>>;
using DomainSeeds = std::vector<std::pair<std::string, std::string>>;

// Creates each team (id, members) as `ctx`. Use under
// ASSERT_NO_FATAL_FAILURE: a refused team ends the seeding.
inline void CreateTeams(Registry& registry, const RequestContext& ctx,
                        const TeamSeeds& teams) {
  for (const auto& [id, members] : teams) {
    model::Team t;
    t.id = id;
    t.members = members;
    ASSERT_OK(registry.CreateTeam(ctx, t).status());
  }
}

// Creates each top-level domain (id, owner team) as `ctx`. Use under
// ASSERT_NO_FATAL_FAILURE.
inline void CreateDomains(Registry& registry, const RequestContext& ctx,
                          const DomainSeeds& domains) {
  for (const auto& [id, owner] : domains) {
    model::Domain d;
    d.id = id;
    d.owner_team_id = owner;
    ASSERT_OK(registry.CreateDomain(ctx, d).status());
  }
}

// The whole audit log, newest first.
inline std::vector<model::AuditRecord> ReadAudit(store::Store& store) {
  auto txn = store.Begin(store::TxnMode::kReadOnly);
  EXPECT_THAT(txn, testing::IsOk());
  if (!txn.ok()) return {};
  auto page = (*txn)->events().ListAudit({}, {"", 100000});
  EXPECT_THAT(page, testing::IsOk());
  return page.ok() ? page->items : std::vector<model::AuditRecord>{};
}

// The whole event feed, oldest first.
inline std::vector<model::Event> ReadEvents(store::Store& store) {
  auto txn = store.Begin(store::TxnMode::kReadOnly);
  EXPECT_THAT(txn, testing::IsOk());
  if (!txn.ok()) return {};
  auto events = (*txn)->events().ListEvents(0, 100000);
  EXPECT_THAT(events, testing::IsOk());
  return events.ok() ? *events : std::vector<model::Event>{};
}

// A registry whose writes go through a Governance, both over one in-memory
// store and a simulated clock, and admin_, a platform admin. SetUp loads the
// policies; a fixture that overrides it calls it first and stops on a fatal
// failure.
class GovernedRegistryTest : public ::testing::Test {
 protected:
  GovernedRegistryTest()
      : governance_(store_, authz_, clock_),
        registry_(store_, authz_, clock_, &governance_) {
    admin_.principal = {"user:admin", true, {}};
  }

  void SetUp() override { ASSERT_OK(governance_.Reload()); }

  testing::InMemoryStore store_;
  auth::Authorizer authz_;
  SimulatedClock clock_;
  Governance governance_;
  Registry registry_;
  RequestContext admin_;
};

}  // namespace meshplane::core::test_util

#endif  // MESHPLANE_TESTS_UNIT_CORE_CORE_TEST_UTIL_H_
