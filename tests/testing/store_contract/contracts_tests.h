// The store contract: the contract repository (contracts and their
// versions).
// Part of the repository contract suite (store_contract_tests.h, which
// registers every test: include that one).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_CONTRACTS_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_CONTRACTS_TESTS_H_

#include "tests/testing/store_contract/fixture.h"

namespace meshplane::store_contract {

inline model::Contract MakeContract(const std::string& id,
                                    const model::ProductKey& product) {
  model::Contract c;
  c.id = id;
  c.uid = "uid-contract-" + id;
  c.product = product;
  c.display_name = "Contract " + id;
  c.description = "What " + id + " promises";
  c.compatibility_mode = "BACKWARD_TRANSITIVE";
  c.state = "ACTIVE";
  c.latest_version = "1.0.0";
  c.version_count = 1;
  c.labels = {{"tier", "gold"}};
  c.create_time = T0();
  c.update_time = T0() + absl::Microseconds(3);
  c.revision = 1;
  return c;
}

// A version with its ordering fields filled from `version` as the service
// does (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]; no validation here).
inline model::ContractVersion MakeVersion(const std::string& contract,
                                          const std::string& version) {
  model::ContractVersion v;
  v.contract_id = contract;
  v.version = version;
  std::string core = version.substr(0, version.find('+'));
  size_t dash = core.find('-');
  if (dash != std::string::npos) {
    v.prerelease = core.substr(dash + 1);
    core = core.substr(0, dash);
  }
  size_t d1 = core.find('.');
  size_t d2 = core.find('.', d1 + 1);
  v.major = std::stoll(core.substr(0, d1));
  v.minor = std::stoll(core.substr(d1 + 1, d2 - d1 - 1));
  v.patch = std::stoll(core.substr(d2 + 1));
  v.status = "active";
  v.original_yaml = "id: " + contract + "\nversion: " + version + "\n";
  v.normalized_json = "{\"id\":\"" + contract + "\"}";
  v.content_hash = std::string(64, 'f');
  v.published_by = "user:ana@example.com";
  v.create_time = T0() + absl::Seconds(v.major * 100 + v.minor * 10 + v.patch);
  v.report_json = "{\"compatible\":true}";
  return v;
}

inline void ExpectSameContract(const model::Contract& a,
                               const model::Contract& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.product, b.product);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.compatibility_mode, b.compatibility_mode);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.deprecation_message, b.deprecation_message);
  EXPECT_EQ(a.latest_version, b.latest_version);
  EXPECT_EQ(a.version_count, b.version_count);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSameVersion(const model::ContractVersion& a,
                              const model::ContractVersion& b) {
  EXPECT_EQ(a.contract_id, b.contract_id);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.major, b.major);
  EXPECT_EQ(a.minor, b.minor);
  EXPECT_EQ(a.patch, b.patch);
  EXPECT_EQ(a.prerelease, b.prerelease);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.original_yaml, b.original_yaml);
  EXPECT_EQ(a.normalized_json, b.normalized_json);
  EXPECT_EQ(a.content_hash, b.content_hash);
  EXPECT_EQ(a.published_by, b.published_by);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.report_json, b.report_json);
}

TYPED_TEST_P(StoreContractTest, ContractRoundTripAndErrors) {
  this->SetUpProducts();
  model::Contract c = MakeContract("orders.v1_a-0", {"sales", "orders"});
  c.deprecation_message = NastyStrings()[3];
  ASSERT_OK(this->Insert(c));
  ASSERT_OK_AND_ASSIGN(model::Contract got, this->GetContract(c.id));
  ExpectSameContract(got, c);

  EXPECT_THAT(this->Insert(c), StatusIs(absl::StatusCode::kAlreadyExists,
                                        "contracts/orders.v1_a-0"));
  EXPECT_THAT(this->Insert(MakeContract("x", {"sales", "ghost"})),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/sales/dataProducts/ghost"));
  EXPECT_THAT(this->GetContract("nope"),
              StatusIs(absl::StatusCode::kNotFound, "contracts/nope"));
  // A refused insert leaves the transaction usable and wrote nothing.
  EXPECT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    EXPECT_THAT(txn.contracts().InsertContract(c),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(
        txn.contracts().InsertContract(MakeContract("x", {"nope", "nope"})),
        StatusIs(absl::StatusCode::kNotFound));
    return txn.contracts().InsertContract(
        MakeContract("second", {"sales", "orders"}));
  }));
  EXPECT_OK(this->GetContract("second"));
  EXPECT_THAT(this->GetContract("x"), StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, ContractUpdateChecksRevisionAndProduct) {
  this->SetUpProducts();
  model::Contract c = MakeContract("orders", {"sales", "orders"});
  ASSERT_OK(this->Insert(c));
  model::Contract next = c;
  next.state = "DEPRECATED";
  next.deprecation_message = "use orders-v2";
  next.compatibility_mode = "FULL";
  next.latest_version = "2.0.0-rc.1";
  next.version_count = 4;
  next.labels.clear();
  next.update_time = T0() + absl::Hours(1);
  next.revision = 2;
  auto update = [&](const model::Contract& v, int64_t expected) {
    return this->Write([&](Transaction& txn) {
      return txn.contracts().UpdateContract(v, expected);
    });
  };
  ASSERT_OK(update(next, 1));
  ASSERT_OK_AND_ASSIGN(model::Contract got, this->GetContract("orders"));
  ExpectSameContract(got, next);

  absl::Status stale = update(next, 1);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted, "contracts/orders"));
  EXPECT_FALSE(store::IsRetryableConflict(stale));
  model::Contract moved = next;
  moved.product = {"sales", "refunds"};
  moved.revision = 3;
  EXPECT_THAT(update(moved, 2),
              StatusIs(absl::StatusCode::kFailedPrecondition, "immutable"));
  model::Contract ghost = MakeContract("ghost", {"sales", "orders"});
  EXPECT_THAT(update(ghost, 1),
              StatusIs(absl::StatusCode::kNotFound, "contracts/ghost"));
  ASSERT_OK_AND_ASSIGN(got, this->GetContract("orders"));
  ExpectSameContract(got, next);
}

TYPED_TEST_P(StoreContractTest, ListContractsFiltersAndPages) {
  this->SetUpProducts();
  // Ids in bytewise order: upper case and digits before lower case.
  for (const std::string id : {"b", "A", "a.1", "a_1", "a-1", "9"}) {
    ASSERT_OK(this->Insert(MakeContract(id, {"sales", "orders"})));
  }
  model::Contract refunds = MakeContract("r", {"sales", "refunds"});
  refunds.state = "DEPRECATED";
  ASSERT_OK(this->Insert(refunds));
  ASSERT_OK(this->Insert(MakeContract("ledger", {"finance", "ledger"})));

  const std::vector<std::string> all = {"9",   "A", "a-1",    "a.1",
                                        "a_1", "b", "ledger", "r"};
  for (int limit : {1, 2, 3, 100}) {
    EXPECT_EQ(this->AllContractIds({}, limit), all) << "limit " << limit;
  }
  store::ContractFilter by_product;
  by_product.product = model::ProductKey{"sales", "orders"};
  EXPECT_EQ(this->AllContractIds(by_product, 2),
            (std::vector<std::string>{"9", "A", "a-1", "a.1", "a_1", "b"}));
  store::ContractFilter by_domain;
  by_domain.domain_id = "sales";
  EXPECT_EQ(
      this->AllContractIds(by_domain, 3),
      (std::vector<std::string>{"9", "A", "a-1", "a.1", "a_1", "b", "r"}));
  by_domain.domain_id = "finance";
  EXPECT_EQ(this->AllContractIds(by_domain, 3),
            (std::vector<std::string>{"ledger"}));
  store::ContractFilter deprecated;
  deprecated.state = "DEPRECATED";
  EXPECT_EQ(this->AllContractIds(deprecated, 3),
            (std::vector<std::string>{"r"}));
  deprecated.domain_id = "finance";
  EXPECT_TRUE(this->AllContractIds(deprecated, 3).empty());
  store::ContractFilter ghost;
  ghost.product = model::ProductKey{"sales", "ghost"};
  EXPECT_TRUE(this->AllContractIds(ghost, 3).empty());
}

TYPED_TEST_P(StoreContractTest, ContractVersionRoundTripAndErrors) {
  this->SetUpProducts();
  ASSERT_OK(this->Insert(MakeContract("orders", {"sales", "orders"})));
  model::ContractVersion v = MakeVersion("orders", "1.2.0-rc.1+build.7");
  v.original_yaml = NastyStrings()[5] + "\n# " + NastyStrings()[6];
  v.report_json = "";  // the first version has no report
  ASSERT_OK(this->Insert(v));
  auto get = [&](const std::string& contract, const std::string& version) {
    return this->template Read<model::ContractVersion>([&](Transaction& t) {
      return t.contracts().GetContractVersion(contract, version);
    });
  };
  ASSERT_OK_AND_ASSIGN(model::ContractVersion got,
                       get("orders", "1.2.0-rc.1+build.7"));
  ExpectSameVersion(got, v);
  EXPECT_EQ(got.prerelease, "rc.1");

  EXPECT_THAT(this->Insert(v),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "contracts/orders/versions/1.2.0-rc.1+build.7"));
  EXPECT_THAT(this->Insert(MakeVersion("ghost", "1.0.0")),
              StatusIs(absl::StatusCode::kNotFound, "contracts/ghost"));
  EXPECT_THAT(
      get("orders", "9.9.9"),
      StatusIs(absl::StatusCode::kNotFound, "contracts/orders/versions/9.9.9"));
  EXPECT_THAT(get("ghost", "1.0.0"),
              StatusIs(absl::StatusCode::kNotFound, "contracts/ghost"));
  auto list = [&](const std::string& contract) {
    return this->template Read<
        store::Page<model::ContractVersion>>([&](Transaction& t) {
      return t.contracts().ListContractVersions(contract, PageRequest{"", 10});
    });
  };
  EXPECT_THAT(list("ghost"),
              StatusIs(absl::StatusCode::kNotFound, "contracts/ghost"));
  EXPECT_THAT(this->template Read<std::vector<model::ContractVersion>>(
                  [&](Transaction& t) {
                    return t.contracts().AllContractVersions("ghost");
                  }),
              StatusIs(absl::StatusCode::kNotFound, "contracts/ghost"));
  // A contract without versions lists none.
  ASSERT_OK(this->Insert(MakeContract("empty", {"sales", "orders"})));
  ASSERT_OK_AND_ASSIGN(auto page, list("empty"));
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.next, "");
}

// semver.org 11.4's example and more, inserted out of order: newest first
// by precedence, a release above its pre-releases, build metadata ignored.
TYPED_TEST_P(StoreContractTest, ContractVersionsOrderedBySemverPrecedence) {
  this->SetUpProducts();
  ASSERT_OK(this->Insert(MakeContract("orders", {"sales", "orders"})));
  ASSERT_OK(this->Insert(MakeContract("other", {"sales", "orders"})));
  const std::vector<std::string> ascending = {
      "0.9.0",          "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta",
      "1.0.0-beta",     "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
      "1.0.0",          "1.0.1",        "1.2.0",         "1.10.0",
      "2.0.0-rc.1+b.2", "2.0.0",        "10.0.0"};
  const std::vector<size_t> insert_order = {13, 4, 11, 0, 7, 14, 2, 9,
                                            6,  1, 12, 5, 8, 3,  10};
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (size_t i : insert_order) {
      MP_RETURN_IF_ERROR(txn.contracts().InsertContractVersion(
          MakeVersion("orders", ascending[i])));
    }
    return txn.contracts().InsertContractVersion(
        MakeVersion("other", "99.0.0"));
  }));
  std::vector<std::string> descending(ascending.rbegin(), ascending.rend());
  for (int limit : {1, 2, 4, 100}) {
    EXPECT_EQ(this->AllVersionsListed("orders", limit), descending)
        << "limit " << limit;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<model::ContractVersion> all,
                       this->template Read<std::vector<model::ContractVersion>>(
                           [&](Transaction& t) {
                             return t.contracts().AllContractVersions("orders");
                           }));
  std::vector<std::string> oldest_first;
  for (const auto& v : all) oldest_first.push_back(v.version);
  EXPECT_EQ(oldest_first, ascending);
  // A cursor the contract does not have gives an empty page.
  ASSERT_OK_AND_ASSIGN(auto page,
                       this->template Read<store::Page<model::ContractVersion>>(
                           [&](Transaction& t) {
                             return t.contracts().ListContractVersions(
                                 "orders", PageRequest{"7.7.7", 5});
                           }));
  EXPECT_TRUE(page.items.empty());
}

TYPED_TEST_P(StoreContractTest, ProductDeleteRefusedWhileItOwnsContracts) {
  this->SetUpProducts();
  ASSERT_OK(this->Insert(MakeContract("orders-b", {"sales", "orders"})));
  ASSERT_OK(this->Insert(MakeContract("orders-a", {"sales", "orders"})));
  ASSERT_OK(this->Insert(MakeVersion("orders-a", "1.0.0")));
  auto del = [&](const std::string& domain, const std::string& id) {
    return this->Write([&](Transaction& txn) {
      return txn.registry().DeleteDataProduct(model::ProductKey{domain, id});
    });
  };
  EXPECT_THAT(
      del("sales", "orders"),
      StatusIs(absl::StatusCode::kFailedPrecondition, "contracts/orders-a"));
  EXPECT_OK(this->GetProduct("sales", "orders"));
  EXPECT_OK(this->GetContract("orders-a"));
  // Products without contracts still go; the domain of a product that owns
  // contracts cannot (it still has that product).
  EXPECT_OK(del("sales", "refunds"));
  EXPECT_OK(del("finance", "ledger"));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().DeleteDomain("sales");
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TYPED_TEST_P(StoreContractTest, ContractReadersListPortsAndTheirReaders) {
  // orders promises "shared" on two ports; clean and report read one of
  // them, audit the other; island's port promises another contract.
  ASSERT_OK(this->Insert(MakeTeam("t")));
  ASSERT_OK(this->Insert(MakeTeam("u")));
  ASSERT_OK(this->Insert(MakeDomain("d", "t")));
  model::DataProduct orders = MakeProduct("d", "orders", "t");
  orders.output_ports = {MakeOutputPort("b-v1"), MakeOutputPort("a-v1")};
  orders.output_ports[0].contract_id = "shared";
  orders.output_ports[1].contract_id = "shared";
  ASSERT_OK(this->Insert(orders));
  model::DataProduct clean = MakeProduct("d", "clean", "u");
  clean.input_ports = {MakeInputPort("in", {"d", "orders", "b-v1"})};
  ASSERT_OK(this->Insert(clean));
  model::DataProduct report = MakeProduct("d", "report", "t");
  report.input_ports = {MakeInputPort("z", {"d", "orders", "b-v1"}),
                        MakeInputPort("a", {"d", "orders", "a-v1"})};
  ASSERT_OK(this->Insert(report));
  ASSERT_OK(this->Insert(MakeProduct("d", "island", "t")));

  auto readers = [&](const std::string& id) {
    auto r = this->template Read<std::vector<store::ContractPortReader>>(
        [&](Transaction& txn) { return txn.contracts().ContractReaders(id); });
    EXPECT_THAT(r, IsOk());
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& c : *r) {
      std::string row = absl::StrCat(c.port.product_id, "/", c.port.port_id,
                                     "(", c.port_owner_team_id, ")");
      if (c.reader) {
        absl::StrAppend(&row, " <- ", c.reader->product_id, "/",
                        c.reader_input_port_id, "(", c.reader_owner_team_id,
                        ")");
      }
      out.push_back(row);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(readers("shared"),
            (V{"orders/a-v1(t) <- report/a(t)", "orders/b-v1(t) <- clean/in(u)",
               "orders/b-v1(t) <- report/z(t)"}));
  // A port nobody reads is listed once, without a reader.
  EXPECT_EQ(readers("contract-island-v1"), (V{"island/island-v1(t)"}));
  EXPECT_EQ(readers("nobody-promises-this"), V{});
  EXPECT_EQ(readers(""), V{});
}

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_CONTRACTS_TESTS_H_
