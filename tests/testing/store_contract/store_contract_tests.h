// Repository contract tests: one typed suite that every store::Store
// implementation must pass, so that InMemoryStore cannot drift from the
// PostgreSQL store. The specification is the contract comments of
// include/meshplane/store/store.h and of the repository headers beside it
// (registry.h, identity.h, governance.h, contracts.h, access.h, slo.h,
// events.h).
//
// Instantiate it with a factory type that returns a fresh, empty store:
//
//   struct MemFactory {
//     static std::unique_ptr<meshplane::store::Store> Make();
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, StoreContractTest, MemFactory);
//
// Behaviour the suite relies on beyond the header comments (both stores meet
// it):
// - Two read-write transactions may be open at once, even on one thread
//   (TryLockRequest is tested that way); conflicts are detected, at the
//   latest, at Commit.
// - A method that returns ALREADY_EXISTS, NOT_FOUND, FAILED_PRECONDITION or
//   an ETAG_MISMATCH leaves the transaction usable and changes nothing.
// - Times keep microsecond precision; strings are stored byte for byte.
// - List pages are ordered by key: domains, teams and tokens by id, data
//   products and policies by (domain_id, id), waivers by (policy domain_id,
//   policy id, id), contracts by id, audit records and policy revisions
//   newest first, contract versions newest first by semver precedence,
//   access requests and grants newest first by (create_time, id).
// - Listener delivery is asynchronous; the tests poll for it (bounded).
//
// The tests are in one header per area (<area>_tests.h), over the fixture
// of fixture.h; this one registers them all as one suite.
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_STORE_CONTRACT_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_STORE_CONTRACT_TESTS_H_

#include "tests/testing/store_contract/access_tests.h"
#include "tests/testing/store_contract/contracts_tests.h"
#include "tests/testing/store_contract/events_tests.h"
#include "tests/testing/store_contract/fixture.h"
#include "tests/testing/store_contract/governance_tests.h"
#include "tests/testing/store_contract/identity_tests.h"
#include "tests/testing/store_contract/registry_search_tests.h"
#include "tests/testing/store_contract/registry_tests.h"
#include "tests/testing/store_contract/slo_tests.h"
#include "tests/testing/store_contract/transaction_tests.h"
#include "tests/testing/store_contract/webhooks_tests.h"
#include <gtest/gtest.h>

namespace meshplane::store_contract {

REGISTER_TYPED_TEST_SUITE_P(
    StoreContractTest, DomainRoundTrip, SingleReadSeesCommitted,
    DomainInsertErrors, FailedInsertLeavesTransactionUsable,
    DomainUpdateChecksRevision, DomainDeleteRefusesChildren,
    DomainAncestorsNearestFirst, ListDomainsFiltersAndPages,
    TeamRoundTripAndMembership, ListTeamsPages, TeamDeleteRefusedWhileOwner,
    ProductRoundTripWithPorts, ProductInsertErrors,
    ProductUpdateReplacesPortsAndChecksRevision, ProductDeleteRefusedWhileRead,
    ListProductsFilters, ListProductsPaginationHasNoGapsOrDuplicates,
    FullTextSearch, SearchProductsMatchesWordsOfEveryField,
    SearchProductsFiltersAndSubdomains, SearchProductsCountsFacets,
    SearchProductsPagesAndSkips, LineageUpAndDownWithDepth,
    LineageTerminatesOnCycles, Tokens, WebSessions,
    AuditAppendAndListNewestFirst, EventsInOrder, IdempotencyWindow,
    TryLockRequestExcludesConcurrentDuplicates, UncommittedTransactionRollsBack,
    StringsAreStoredVerbatim, PolicyRoundTripAndInsertErrors,
    PolicyUpdateChecksRevisionAndKeepsHistory,
    PolicyDeleteTakesWaiversAndKeepsHistory,
    DomainDeleteTakesItsPoliciesTeamDeleteRefused, ListPoliciesFiltersAndPages,
    WaiversFiltersAndErrors, NotifyIsDeliveredOnCommitOnly,
    AppendEventNotifiesOnCommitWithItsSequence,
    PruneEventsKeepsAnExactWatermark, ConcurrentPrunesAreHarmless,
    NotifyChecksModeChannelAndPayload, ContractRoundTripAndErrors,
    ContractUpdateChecksRevisionAndProduct, ListContractsFiltersAndPages,
    ContractVersionRoundTripAndErrors,
    ContractVersionsOrderedBySemverPrecedence,
    ProductDeleteRefusedWhileItOwnsContracts,
    ContractReadersListPortsAndTheirReaders,
    AccessRequestRoundTripAndInsertErrors, AccessRequestUpdateChecksRevision,
    ListAccessRequestsFiltersAndPages, GrantRoundTripUpdateAndErrors,
    ListGrantsFiltersAndPages, ActiveGrantsPagesInIdOrder,
    AppendAccessDecisionsInBatches, AccessGoesWithItsPort,
    ObservationsSummarizedPerWindow, BreachesOpenCloseListAndGoWithTheirPort,
    WebhookRoundTripErrorsAndPages,
    ClaimDueWebhookTakesTheLongestDueBehindTheFeed,
    ClaimDueWebhookSkipsWhatAnotherHolds, UpdateWebhookStateWritesOnlyTheState,
    WebhookDeliveriesNewestFirstPrunedAndDeleted,
    WorkersOnDifferentWebhooksBothCommit);

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_STORE_CONTRACT_TESTS_H_
