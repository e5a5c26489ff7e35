// The fixture and the builders that the repository contract suite
// (store_contract_tests.h) shares across its areas.
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_FIXTURE_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_FIXTURE_H_

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/model/expect_same.h"
#include "tests/testing/store_contract/notification_recorder.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/store/store.h"

namespace meshplane::store_contract {

using ::meshplane::testing::ExpectSameAccessRequest;
using ::meshplane::testing::ExpectSameDomain;
using ::meshplane::testing::ExpectSameGrant;
using ::meshplane::testing::ExpectSameObjectives;
using ::meshplane::testing::ExpectSamePolicy;
using ::meshplane::testing::ExpectSameProduct;
using ::meshplane::testing::ExpectSameTeam;
using ::meshplane::testing::ExpectSameWaiver;
using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using store::LineageDirection;
using store::PageRequest;
using store::Transaction;
using store::TxnMode;

// Matches an OK StatusOr whose value equals `expected`.
MATCHER_P(OkAndHolds, expected,
          "is OK and holds " + ::testing::PrintToString(expected)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  *result_listener << "value is " << ::testing::PrintToString(*arg);
  return *arg == expected;
}

// A fixed instant with a non-zero microsecond part, to check precision.
inline absl::Time T0() { return absl::FromUnixMicros(1767225600123456); }

// Strings that break naive SQL or encodings; stores keep them verbatim.
inline std::vector<std::string> NastyStrings() {
  return {"it's",
          "say \"hi\"",
          "back\\slash",
          "'; DROP TABLE domains; --",
          "percent % and _ underscore",
          "Grüße, 東京, emoji 🚀",
          "tab\tnew\nline",
          "{\"json\": [1, 2]}",
          "$1 $$ dollar"};
}

inline model::Team MakeTeam(const std::string& id,
                            std::vector<std::string> members = {}) {
  model::Team t;
  t.id = id;
  t.uid = "uid-team-" + id;
  t.display_name = "Team " + id;
  t.description = "The " + id + " team";
  std::sort(members.begin(), members.end());
  t.members = std::move(members);
  t.create_time = T0();
  t.update_time = T0();
  t.revision = 1;
  return t;
}

inline model::Domain MakeDomain(const std::string& id, const std::string& owner,
                                const std::string& parent = "") {
  model::Domain d;
  d.id = id;
  d.uid = "uid-domain-" + id;
  d.display_name = "Domain " + id;
  d.description = "All about " + id;
  d.parent_id = parent;
  d.owner_team_id = owner;
  d.labels = {{"cost-center", "cc-" + id}, {"env", "prod"}};
  d.create_time = T0();
  d.update_time = T0() + absl::Microseconds(1);
  d.revision = 1;
  return d;
}

inline model::OutputPort MakeOutputPort(const std::string& id) {
  model::OutputPort p;
  p.id = id;
  p.display_name = "Port " + id;
  p.type = "table";
  p.server = "postgres://warehouse:5432/analytics";
  p.location = "public." + id;
  p.description = "Serves " + id;
  p.contract_id = "contract-" + id;
  p.deprecated = true;
  return p;
}

inline model::DataProduct MakeProduct(const std::string& domain,
                                      const std::string& id,
                                      const std::string& owner) {
  model::DataProduct p;
  p.domain_id = domain;
  p.id = id;
  p.uid = "uid-product-" + domain + "-" + id;
  p.display_name = "Product " + id;
  p.description = "Data product " + id;
  p.owner_team_id = owner;
  p.lifecycle = model::Lifecycle::kDraft;
  p.tier = 2;
  p.classification = model::Classification::kInternal;
  p.tags = {"core", "daily"};
  p.labels = {{"source", "erp"}};
  p.archetype = "source-aligned";
  p.odps_document = "apiVersion: v1.1.0\nkind: DataProduct\nid: " + id + "\n";
  p.output_ports = {MakeOutputPort(id + "-v1")};
  p.create_time = T0();
  p.update_time = T0();
  p.revision = 1;
  return p;
}

inline model::InputPort MakeInputPort(const std::string& id,
                                      const model::OutputPortRef& source) {
  model::InputPort in;
  in.id = id;
  in.source = source;
  in.description = "Reads " + source.domain_id + "/" + source.product_id + "/" +
                   source.port_id;
  in.deprecated = true;
  return in;
}

template <typename Factory>
class StoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Factory::Make();
    ASSERT_NE(store_, nullptr);
  }

  // Runs `fn` in a committed read-write transaction.
  absl::Status Write(const std::function<absl::Status(Transaction&)>& fn) {
    return store_->RunInTransaction(TxnMode::kReadWrite, fn);
  }

  // Runs `fn` in a read-only transaction and returns its result.
  template <typename T>
  absl::StatusOr<T> Read(
      const std::function<absl::StatusOr<T>(Transaction&)>& fn) {
    auto txn = store_->Begin(TxnMode::kReadOnly);
    if (!txn.ok()) return txn.status();
    return fn(**txn);
  }

  absl::StatusOr<model::Domain> GetDomain(const std::string& id) {
    return Read<model::Domain>(
        [&](Transaction& t) { return t.registry().GetDomain(id); });
  }
  absl::StatusOr<model::Team> GetTeam(const std::string& id) {
    return Read<model::Team>(
        [&](Transaction& t) { return t.registry().GetTeam(id); });
  }
  absl::StatusOr<model::DataProduct> GetProduct(const std::string& domain,
                                                const std::string& id) {
    return Read<model::DataProduct>([&](Transaction& t) {
      return t.registry().GetDataProduct(model::ProductKey{domain, id});
    });
  }

  absl::Status Insert(const model::Team& t) {
    return Write(
        [&](Transaction& txn) { return txn.registry().InsertTeam(t); });
  }
  absl::Status Insert(const model::Domain& d) {
    return Write(
        [&](Transaction& txn) { return txn.registry().InsertDomain(d); });
  }
  absl::Status Insert(const model::DataProduct& p) {
    return Write(
        [&](Transaction& txn) { return txn.registry().InsertDataProduct(p); });
  }
  absl::Status Insert(const model::Policy& p) {
    return Write([&](Transaction& txn) {
      return txn.governance().InsertPolicy(p, "user:a");
    });
  }
  absl::Status Insert(const model::Waiver& w) {
    return Write(
        [&](Transaction& txn) { return txn.governance().InsertWaiver(w); });
  }
  absl::StatusOr<model::Policy> GetPolicy(const std::string& domain,
                                          const std::string& id) {
    return Read<model::Policy>([&](Transaction& t) {
      return t.governance().GetPolicy(model::PolicyKey{domain, id});
    });
  }
  absl::StatusOr<model::Waiver> GetWaiver(const model::PolicyKey& policy,
                                          const std::string& id) {
    return Read<model::Waiver>(
        [&](Transaction& t) { return t.governance().GetWaiver(policy, id); });
  }

  // Every page of ListPolicies with `limit`: "domain/id" keys in order.
  std::vector<std::string> AllPolicyKeys(const store::PolicyFilter& filter,
                                         int limit) {
    return AllPages<model::Policy, std::string>(
        [&](Transaction& t, const PageRequest& page) {
          return t.governance().ListPolicies(filter, page);
        },
        limit, [](const model::Policy& p) { return p.domain_id + "/" + p.id; });
  }

  // Every page of ListWaivers with `limit`: waiver ids in order.
  std::vector<std::string> AllWaiverIds(const store::WaiverFilter& filter,
                                        int limit) {
    return AllPages<model::Waiver, std::string>(
        [&](Transaction& t, const PageRequest& page) {
          return t.governance().ListWaivers(filter, page);
        },
        limit, [](const model::Waiver& w) { return w.id; });
  }

  // Every revision of `key`, newest first, read `limit` at a time.
  std::vector<model::PolicyRevision> AllRevisions(const model::PolicyKey& key,
                                                  int limit) {
    return AllPages<model::PolicyRevision, model::PolicyRevision>(
        [&](Transaction& t, const PageRequest& page) {
          return t.governance().ListPolicyRevisions(key, page);
        },
        limit, [](const model::PolicyRevision& r) { return r; });
  }

  // Reads every page of ListDataProducts with `limit` and returns the keys
  // in the order seen.
  std::vector<model::ProductKey> AllProductKeys(
      const store::DataProductFilter& filter, int limit) {
    return AllPages<model::DataProduct, model::ProductKey>(
        [&](Transaction& t, const PageRequest& page) {
          return t.registry().ListDataProducts(filter, page);
        },
        limit, [](const model::DataProduct& p) { return p.key(); });
  }

  absl::Status Insert(const model::Contract& c) {
    return Write(
        [&](Transaction& txn) { return txn.contracts().InsertContract(c); });
  }
  absl::Status Insert(const model::ContractVersion& v) {
    return Write([&](Transaction& txn) {
      return txn.contracts().InsertContractVersion(v);
    });
  }
  absl::StatusOr<model::Contract> GetContract(const std::string& id) {
    return Read<model::Contract>(
        [&](Transaction& t) { return t.contracts().GetContract(id); });
  }

  // A team, domain "sales" and products "sales/orders" and "sales/refunds",
  // and a domain "finance" with "finance/ledger".
  void SetUpProducts() {
    ASSERT_OK(Insert(MakeTeam("platform")));
    ASSERT_OK(Insert(MakeDomain("sales", "platform")));
    ASSERT_OK(Insert(MakeDomain("finance", "platform")));
    ASSERT_OK(Insert(MakeProduct("sales", "orders", "platform")));
    ASSERT_OK(Insert(MakeProduct("sales", "refunds", "platform")));
    ASSERT_OK(Insert(MakeProduct("finance", "ledger", "platform")));
  }

  // Every page of ListContracts with `limit`: ids in order.
  std::vector<std::string> AllContractIds(const store::ContractFilter& filter,
                                          int limit) {
    return AllPages<model::Contract, std::string>(
        [&](Transaction& t, const PageRequest& page) {
          return t.contracts().ListContracts(filter, page);
        },
        limit, [](const model::Contract& c) { return c.id; });
  }

  // Every page of ListContractVersions with `limit`: versions in order.
  std::vector<std::string> AllVersionsListed(const std::string& contract,
                                             int limit) {
    return AllPages<model::ContractVersion, std::string>(
        [&](Transaction& t, const PageRequest& page) {
          return t.contracts().ListContractVersions(contract, page);
        },
        limit, [](const model::ContractVersion& v) { return v.version; });
  }

  absl::Status Insert(const model::AccessRequest& r) {
    return Write(
        [&](Transaction& txn) { return txn.access().InsertAccessRequest(r); });
  }
  absl::Status Insert(const model::Grant& g) {
    return Write([&](Transaction& txn) { return txn.access().InsertGrant(g); });
  }
  absl::StatusOr<model::AccessRequest> GetAccessRequest(const std::string& id) {
    return Read<model::AccessRequest>(
        [&](Transaction& t) { return t.access().GetAccessRequest(id); });
  }
  absl::StatusOr<model::Grant> GetGrant(const std::string& id) {
    return Read<model::Grant>(
        [&](Transaction& t) { return t.access().GetGrant(id); });
  }

  // A team, domain "sales" with product "orders" (output ports "v1" and
  // "v2") and domain "finance" with "ledger" (port "ledger-v1").
  void SetUpPorts() {
    ASSERT_OK(Insert(MakeTeam("platform")));
    ASSERT_OK(Insert(MakeDomain("sales", "platform")));
    ASSERT_OK(Insert(MakeDomain("finance", "platform")));
    model::DataProduct orders = MakeProduct("sales", "orders", "platform");
    orders.output_ports = {MakeOutputPort("v1"), MakeOutputPort("v2")};
    ASSERT_OK(Insert(orders));
    ASSERT_OK(Insert(MakeProduct("finance", "ledger", "platform")));
  }

  // Every page of a list (`list` reads one page) with `limit`, checking the
  // page invariants: key_of(item) of each item, in the order seen.
  template <typename T, typename Key>
  std::vector<Key> AllPages(const std::function<absl::StatusOr<store::Page<T>>(
                                Transaction&, const PageRequest&)>& list,
                            int limit,
                            const std::function<Key(const T&)>& key_of) {
    std::vector<Key> keys;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 10000; ++guard) {
      auto result =
          Read<store::Page<T>>([&](Transaction& t) { return list(t, page); });
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      EXPECT_LE(static_cast<int>(result->items.size()), limit);
      for (const auto& item : result->items) keys.push_back(key_of(item));
      if (result->next.empty()) break;
      EXPECT_FALSE(result->items.empty()) << "a non-final page is empty";
      page.after = result->next;
    }
    return keys;
  }
  std::vector<std::string> AllRequestIds(
      const store::AccessRequestFilter& filter, int limit) {
    return AllPages<model::AccessRequest, std::string>(
        [&](Transaction& t, const PageRequest& page) {
          return t.access().ListAccessRequests(filter, page);
        },
        limit, [](const model::AccessRequest& r) { return r.id; });
  }
  std::vector<std::string> AllGrantIds(const store::GrantFilter& filter,
                                       int limit) {
    return AllPages<model::Grant, std::string>(
        [&](Transaction& t, const PageRequest& page) {
          return t.access().ListGrants(filter, page);
        },
        limit, [](const model::Grant& g) { return g.id; });
  }

  std::unique_ptr<store::Store> store_;
};

TYPED_TEST_SUITE_P(StoreContractTest);

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_FIXTURE_H_
