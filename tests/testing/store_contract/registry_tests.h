// The store contract: the registry repository (domains, teams, data
// products); search and lineage are in registry_search_tests.h.
// Part of the repository contract suite (store_contract_tests.h, which
// registers every test: include that one).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_REGISTRY_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_REGISTRY_TESTS_H_

#include "tests/testing/store_contract/fixture.h"

namespace meshplane::store_contract {

TYPED_TEST_P(StoreContractTest, DomainRoundTrip) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  model::Domain d = MakeDomain("sales", "platform");
  ASSERT_OK(this->Insert(d));
  model::Domain sub = MakeDomain("sales-emea", "platform", "sales");
  sub.labels.clear();
  sub.description = "";
  ASSERT_OK(this->Insert(sub));
  ASSERT_OK_AND_ASSIGN(model::Domain got, this->GetDomain("sales"));
  ExpectSameDomain(got, d);
  ASSERT_OK_AND_ASSIGN(model::Domain got_sub, this->GetDomain("sales-emea"));
  ExpectSameDomain(got_sub, sub);
  EXPECT_THAT(this->GetDomain("nope"), StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, DomainInsertErrors) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  EXPECT_THAT(this->Insert(MakeDomain("sales", "platform")),
              StatusIs(absl::StatusCode::kAlreadyExists, "sales"));
  EXPECT_THAT(this->Insert(MakeDomain("emea", "platform", "missing-parent")),
              StatusIs(absl::StatusCode::kNotFound, "missing-parent"));
  EXPECT_THAT(this->Insert(MakeDomain("emea", "missing-team")),
              StatusIs(absl::StatusCode::kNotFound, "missing-team"));
  EXPECT_THAT(this->GetDomain("emea"), StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, DomainUpdateChecksRevision) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeTeam("other")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeDomain("finance", "platform")));
  model::Domain d = MakeDomain("sales", "other", "finance");
  d.display_name = "Sales & Revenue";
  d.labels = {{"k", "v"}};
  d.update_time = T0() + absl::Seconds(5);
  d.revision = 2;
  ASSERT_OK(this->Write(
      [&](Transaction& txn) { return txn.registry().UpdateDomain(d, 1); }));
  ASSERT_OK_AND_ASSIGN(model::Domain got, this->GetDomain("sales"));
  ExpectSameDomain(got, d);

  // A stale revision changes nothing.
  model::Domain stale = d;
  stale.display_name = "stale";
  stale.revision = 3;
  absl::Status s = this->Write(
      [&](Transaction& txn) { return txn.registry().UpdateDomain(stale, 1); });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(GetReason(s), "ETAG_MISMATCH");
  EXPECT_FALSE(store::IsRetryableConflict(s));
  ASSERT_OK_AND_ASSIGN(got, this->GetDomain("sales"));
  EXPECT_EQ(got.display_name, "Sales & Revenue");
  EXPECT_EQ(got.revision, 2);

  model::Domain missing = MakeDomain("nope", "platform");
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDomain(missing, 1);
  }),
              StatusIs(absl::StatusCode::kNotFound, "nope"));
  model::Domain bad_owner = d;
  bad_owner.owner_team_id = "ghost-team";
  bad_owner.revision = 3;
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDomain(bad_owner, 2);
  }),
              StatusIs(absl::StatusCode::kNotFound, "ghost-team"));
}

TYPED_TEST_P(StoreContractTest, DomainDeleteRefusesChildren) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea", "platform", "sales")));
  ASSERT_OK(this->Insert(MakeProduct("sales-emea", "orders", "platform")));

  auto del = [&](const std::string& id) {
    return this->Write(
        [&](Transaction& txn) { return txn.registry().DeleteDomain(id); });
  };
  EXPECT_THAT(del("sales"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(del("sales-emea"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(del("nope"), StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK_AND_ASSIGN(int64_t subs,
                       this->template Read<int64_t>([](Transaction& t) {
                         return t.registry().CountSubdomains("sales");
                       }));
  EXPECT_EQ(subs, 1);
  ASSERT_OK_AND_ASSIGN(int64_t products,
                       this->template Read<int64_t>([](Transaction& t) {
                         return t.registry().CountDataProducts("sales-emea");
                       }));
  EXPECT_EQ(products, 1);

  ASSERT_OK(this->Write([](Transaction& txn) {
    return txn.registry().DeleteDataProduct(
        model::ProductKey{"sales-emea", "orders"});
  }));
  ASSERT_OK(del("sales-emea"));
  ASSERT_OK(del("sales"));
  EXPECT_THAT(this->GetDomain("sales"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetDomain("sales-emea"),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, DomainAncestorsNearestFirst) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("a", "platform")));
  ASSERT_OK(this->Insert(MakeDomain("b", "platform", "a")));
  ASSERT_OK(this->Insert(MakeDomain("c", "platform", "b")));
  ASSERT_OK(this->Insert(MakeDomain("d", "platform", "c")));
  using Domains = std::vector<model::Domain>;
  ASSERT_OK_AND_ASSIGN(Domains chain,
                       this->template Read<Domains>([](Transaction& t) {
                         return t.registry().DomainAncestors("d");
                       }));
  std::vector<std::string> ids;
  for (const auto& d : chain) ids.push_back(d.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"c", "b", "a"}));
  ASSERT_FALSE(chain.empty());
  ExpectSameDomain(chain[0], MakeDomain("c", "platform", "b"));
  ASSERT_OK_AND_ASSIGN(Domains none,
                       this->template Read<Domains>([](Transaction& t) {
                         return t.registry().DomainAncestors("a");
                       }));
  EXPECT_TRUE(none.empty());
  EXPECT_THAT(this->template Read<Domains>([](Transaction& t) {
    return t.registry().DomainAncestors("zzz");
  }),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, ListDomainsFiltersAndPages) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeTeam("t2")));
  ASSERT_OK(this->Write([](Transaction& txn) -> absl::Status {
    for (int i = 0; i < 4; ++i) {
      auto s = txn.registry().InsertDomain(
          MakeDomain(absl::StrCat("top-", i), "t1"));
      if (!s.ok()) return s;
    }
    for (int i = 0; i < 116; ++i) {
      auto s = txn.registry().InsertDomain(
          MakeDomain(absl::StrCat("sub-", 1000 + i), i % 3 == 0 ? "t2" : "t1",
                     absl::StrCat("top-", i % 4)));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }));

  auto all_ids = [&](const store::DomainFilter& f, int limit) {
    return this->template AllPages<model::Domain, std::string>(
        [&](Transaction& t, const PageRequest& page) {
          return t.registry().ListDomains(f, page);
        },
        limit, [](const model::Domain& d) { return d.id; });
  };
  for (int limit : {1, 7, 50, 119, 120, 121, 1000}) {
    SCOPED_TRACE(limit);
    std::vector<std::string> ids = all_ids({}, limit);
    EXPECT_EQ(ids.size(), 120u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 120u);
  }
  store::DomainFilter top;
  top.top_level_only = true;
  EXPECT_EQ(all_ids(top, 3),
            (std::vector<std::string>{"top-0", "top-1", "top-2", "top-3"}));
  store::DomainFilter children;
  children.parent_id = "top-1";
  std::vector<std::string> kids = all_ids(children, 10);
  EXPECT_EQ(kids.size(), 29u);
  for (const auto& id : kids) {
    ASSERT_OK_AND_ASSIGN(model::Domain d, this->GetDomain(id));
    EXPECT_EQ(d.parent_id, "top-1");
  }
  store::DomainFilter owned;
  owned.owner_team_id = "t2";
  EXPECT_EQ(all_ids(owned, 9).size(), 39u);
  owned.parent_id = "top-0";
  // i % 4 == 0 and i % 3 == 0: i % 12 == 0, i < 116.
  EXPECT_EQ(all_ids(owned, 9).size(), 10u);
}

// ------------------------------------------------------------------ teams

TYPED_TEST_P(StoreContractTest, TeamRoundTripAndMembership) {
  model::Team t = MakeTeam("checkout", {"user:b@x.io", "user:a@x.io"});
  ASSERT_OK(this->Insert(t));
  ASSERT_OK(this->Insert(MakeTeam("payments", {"user:a@x.io"})));
  ASSERT_OK(this->Insert(MakeTeam("empty")));
  ASSERT_OK_AND_ASSIGN(model::Team got, this->GetTeam("checkout"));
  ExpectSameTeam(got, t);
  ASSERT_OK_AND_ASSIGN(model::Team empty, this->GetTeam("empty"));
  EXPECT_TRUE(empty.members.empty());
  EXPECT_THAT(this->Insert(MakeTeam("checkout")),
              StatusIs(absl::StatusCode::kAlreadyExists, "checkout"));
  EXPECT_THAT(this->GetTeam("nope"), StatusIs(absl::StatusCode::kNotFound));

  using Ids = std::vector<std::string>;
  ASSERT_OK_AND_ASSIGN(Ids teams,
                       this->template Read<Ids>([](Transaction& txn) {
                         return txn.registry().TeamsOfPrincipal("user:a@x.io");
                       }));
  EXPECT_EQ(teams, (Ids{"checkout", "payments"}));
  ASSERT_OK_AND_ASSIGN(Ids none, this->template Read<Ids>([](Transaction& txn) {
    return txn.registry().TeamsOfPrincipal("user:nobody@x.io");
  }));
  EXPECT_TRUE(none.empty());

  // Update replaces the member list.
  model::Team updated = t;
  updated.members = {"service:ci", "user:c@x.io"};
  updated.display_name = "Checkout!";
  updated.revision = 2;
  ASSERT_OK(this->Write(
      [&](Transaction& txn) { return txn.registry().UpdateTeam(updated, 1); }));
  ASSERT_OK_AND_ASSIGN(got, this->GetTeam("checkout"));
  ExpectSameTeam(got, updated);
  ASSERT_OK_AND_ASSIGN(teams, this->template Read<Ids>([](Transaction& txn) {
    return txn.registry().TeamsOfPrincipal("user:a@x.io");
  }));
  EXPECT_EQ(teams, (Ids{"payments"}));

  absl::Status stale = this->Write(
      [&](Transaction& txn) { return txn.registry().UpdateTeam(updated, 1); });
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(GetReason(stale), "ETAG_MISMATCH");
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateTeam(MakeTeam("ghost"), 1);
  }),
              StatusIs(absl::StatusCode::kNotFound));

  store::TeamFilter filter;
  filter.member = "user:c@x.io";
  ASSERT_OK_AND_ASSIGN(
      auto page,
      this->template Read<store::Page<model::Team>>([&](Transaction& txn) {
        return txn.registry().ListTeams(filter, {"", 10});
      }));
  ASSERT_EQ(page.items.size(), 1u);
  ExpectSameTeam(page.items[0], updated);
  EXPECT_TRUE(page.next.empty());
}

TYPED_TEST_P(StoreContractTest, ListTeamsPages) {
  ASSERT_OK(this->Write([](Transaction& txn) -> absl::Status {
    for (int i = 0; i < 120; ++i) {
      auto s = txn.registry().InsertTeam(
          MakeTeam(absl::StrCat("team-", 500 + i),
                   {absl::StrCat("user:u", i % 5, "@x.io")}));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }));
  for (int limit : {1, 13, 120, 500}) {
    SCOPED_TRACE(limit);
    std::vector<std::string> ids =
        this->template AllPages<model::Team, std::string>(
            [&](Transaction& t, const PageRequest& page) {
              return t.registry().ListTeams({}, page);
            },
            limit, [](const model::Team& t) { return t.id; });
    EXPECT_EQ(ids.size(), 120u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 120u);
  }
}

TYPED_TEST_P(StoreContractTest, TeamDeleteRefusedWhileOwner) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeTeam("analytics", {"user:a@x.io"})));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "orders", "analytics")));
  auto del = [&](const std::string& id) {
    return this->Write(
        [&](Transaction& txn) { return txn.registry().DeleteTeam(id); });
  };
  EXPECT_THAT(del("platform"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(del("analytics"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(del("ghost"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(this->Write([](Transaction& txn) {
    return txn.registry().DeleteDataProduct(
        model::ProductKey{"sales", "orders"});
  }));
  ASSERT_OK(del("analytics"));
  EXPECT_THAT(this->GetTeam("analytics"),
              StatusIs(absl::StatusCode::kNotFound));
  using Ids = std::vector<std::string>;
  ASSERT_OK_AND_ASSIGN(Ids teams,
                       this->template Read<Ids>([](Transaction& txn) {
                         return txn.registry().TeamsOfPrincipal("user:a@x.io");
                       }));
  EXPECT_TRUE(teams.empty());
}

// ---------------------------------------------------------- data products

TYPED_TEST_P(StoreContractTest, ProductRoundTripWithPorts) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeDomain("finance", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "orders", "platform")));

  model::DataProduct p = MakeProduct("finance", "revenue", "platform");
  p.lifecycle = model::Lifecycle::kDeprecated;
  p.tier = 1;
  p.classification = model::Classification::kRestricted;
  p.tags = {"finance", "gold", "pii"};
  p.labels = {{"a", "1"}, {"b", ""}};
  p.sunset_time = T0() + absl::Hours(24 * 90) + absl::Microseconds(7);
  model::OutputPort full = MakeOutputPort("revenue-v2");
  full.objectives.availability_percent = 99.95;
  full.objectives.max_staleness = absl::Minutes(90);
  full.objectives.completeness_percent = 99.5;
  full.objectives.latency = absl::Milliseconds(250) + absl::Microseconds(3);
  model::OutputPort partial = MakeOutputPort("revenue-v1");
  partial.objectives.availability_percent = 0.1 + 0.2;  // not representable
  model::OutputPort bare;
  bare.id = "raw";
  // Port order is kept as given, not sorted.
  p.output_ports = {full, partial, bare};
  p.input_ports = {
      MakeInputPort("orders-in", {"sales", "orders", "orders-v1"})};
  ASSERT_OK(this->Insert(p));
  ASSERT_OK_AND_ASSIGN(model::DataProduct got,
                       this->GetProduct("finance", "revenue"));
  ExpectSameProduct(got, p);

  ASSERT_OK_AND_ASSIGN(model::DataProduct plain,
                       this->GetProduct("sales", "orders"));
  ExpectSameProduct(plain, MakeProduct("sales", "orders", "platform"));
  EXPECT_FALSE(plain.sunset_time.has_value());
  EXPECT_THAT(this->GetProduct("sales", "nope"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetProduct("finance", "orders"),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, ProductInsertErrors) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "orders", "platform")));
  EXPECT_THAT(this->Insert(MakeProduct("sales", "orders", "platform")),
              StatusIs(absl::StatusCode::kAlreadyExists, "orders"));
  EXPECT_THAT(this->Insert(MakeProduct("ghost-domain", "x", "platform")),
              StatusIs(absl::StatusCode::kNotFound, "ghost-domain"));
  EXPECT_THAT(this->Insert(MakeProduct("sales", "x", "ghost-team")),
              StatusIs(absl::StatusCode::kNotFound, "ghost-team"));
  model::DataProduct reader = MakeProduct("sales", "reader", "platform");
  reader.input_ports = {
      MakeInputPort("in", {"sales", "orders", "no-such-port"})};
  EXPECT_THAT(this->Insert(reader),
              StatusIs(absl::StatusCode::kNotFound, "no-such-port"));
  reader.input_ports = {MakeInputPort("in", {"sales", "nobody", "v1"})};
  EXPECT_THAT(this->Insert(reader), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetProduct("sales", "reader"),
              StatusIs(absl::StatusCode::kNotFound));
  // The same product id in another domain is a different product.
  ASSERT_OK(this->Insert(MakeDomain("finance", "platform")));
  EXPECT_OK(this->Insert(MakeProduct("finance", "orders", "platform")));
}

TYPED_TEST_P(StoreContractTest, ProductUpdateReplacesPortsAndChecksRevision) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeTeam("other")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "orders", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "customers", "platform")));

  model::DataProduct p = MakeProduct("sales", "orders", "other");
  p.lifecycle = model::Lifecycle::kPublished;
  p.tags = {"x"};
  p.labels.clear();
  p.display_name = "Orders (updated)";
  model::OutputPort v2 = MakeOutputPort("orders-v2");
  v2.objectives.latency = absl::Seconds(2);
  p.output_ports = {v2, MakeOutputPort("orders-v1")};
  p.input_ports = {
      MakeInputPort("cust", {"sales", "customers", "customers-v1"})};
  p.update_time = T0() + absl::Seconds(9);
  p.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(p, 1);
  }));
  ASSERT_OK_AND_ASSIGN(model::DataProduct got,
                       this->GetProduct("sales", "orders"));
  ExpectSameProduct(got, p);

  absl::Status stale = this->Write(
      [&](Transaction& txn) { return txn.registry().UpdateDataProduct(p, 1); });
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(GetReason(stale), "ETAG_MISMATCH");

  // Dropping all ports.
  p.output_ports.clear();
  p.input_ports.clear();
  p.revision = 3;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(p, 2);
  }));
  ASSERT_OK_AND_ASSIGN(got, this->GetProduct("sales", "orders"));
  ExpectSameProduct(got, p);

  model::DataProduct ghost = MakeProduct("sales", "ghost", "platform");
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(ghost, 1);
  }),
              StatusIs(absl::StatusCode::kNotFound));
  model::DataProduct bad_source = p;
  bad_source.revision = 4;
  bad_source.input_ports = {MakeInputPort("in", {"sales", "customers", "v9"})};
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(bad_source, 3);
  }),
              StatusIs(absl::StatusCode::kNotFound, "v9"));
  ASSERT_OK_AND_ASSIGN(got, this->GetProduct("sales", "orders"));
  EXPECT_EQ(got.revision, 3);
}

TYPED_TEST_P(StoreContractTest, ProductDeleteRefusedWhileRead) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "orders", "platform")));
  model::DataProduct reader = MakeProduct("sales", "report", "platform");
  reader.input_ports = {MakeInputPort("in", {"sales", "orders", "orders-v1"})};
  ASSERT_OK(this->Insert(reader));
  auto del = [&](const std::string& id) {
    return this->Write([&](Transaction& txn) {
      return txn.registry().DeleteDataProduct(model::ProductKey{"sales", id});
    });
  };
  EXPECT_THAT(del("orders"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "report"));
  EXPECT_OK(this->GetProduct("sales", "orders"));
  EXPECT_THAT(del("ghost"), StatusIs(absl::StatusCode::kNotFound));
  // Deleting the reader also removes its input ports, freeing the source.
  ASSERT_OK(del("report"));
  ASSERT_OK(del("orders"));
  EXPECT_THAT(this->GetProduct("sales", "orders"),
              StatusIs(absl::StatusCode::kNotFound));
  // The id can be reused.
  EXPECT_OK(this->Insert(MakeProduct("sales", "orders", "platform")));
}

TYPED_TEST_P(StoreContractTest, ListProductsFilters) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeTeam("t2")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "t1")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea", "t1", "sales")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea-de", "t1", "sales-emea")));
  ASSERT_OK(this->Insert(MakeDomain("finance", "t1")));
  auto product = [](const std::string& d, const std::string& id,
                    const std::string& owner, model::Lifecycle l,
                    std::vector<std::string> tags) {
    model::DataProduct p = MakeProduct(d, id, owner);
    p.lifecycle = l;
    p.tags = std::move(tags);
    return p;
  };
  using L = model::Lifecycle;
  ASSERT_OK(this->Insert(product("sales", "a", "t1", L::kDraft, {"gold"})));
  ASSERT_OK(this->Insert(
      product("sales-emea", "b", "t2", L::kPublished, {"gold", "pii"})));
  ASSERT_OK(
      this->Insert(product("sales-emea-de", "c", "t1", L::kPublished, {})));
  ASSERT_OK(this->Insert(product("finance", "d", "t2", L::kRetired, {"pii"})));

  using Keys = std::vector<model::ProductKey>;
  auto keys = [&](store::DataProductFilter f) {
    return this->AllProductKeys(f, 2);
  };
  store::DataProductFilter f;
  EXPECT_EQ(keys(f).size(), 4u);
  f.domain_id = "sales";
  EXPECT_EQ(keys(f), (Keys{{"sales", "a"}}));
  f.include_subdomains = true;
  EXPECT_EQ(
      keys(f),
      (Keys{{"sales", "a"}, {"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  f.domain_id = "sales-emea";
  EXPECT_EQ(keys(f), (Keys{{"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  f.domain_id = "no-such-domain";
  EXPECT_TRUE(keys(f).empty());

  f = {};
  f.owner_team_id = "t2";
  EXPECT_EQ(keys(f), (Keys{{"finance", "d"}, {"sales-emea", "b"}}));
  f = {};
  f.lifecycle = L::kPublished;
  EXPECT_EQ(keys(f), (Keys{{"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  f = {};
  f.tag = "pii";
  EXPECT_EQ(keys(f), (Keys{{"finance", "d"}, {"sales-emea", "b"}}));
  f.tag = "gol";  // tags match exactly
  EXPECT_TRUE(keys(f).empty());

  // Everything at once (AND).
  f = {};
  f.domain_id = "sales";
  f.include_subdomains = true;
  f.owner_team_id = "t2";
  f.lifecycle = L::kPublished;
  f.tag = "gold";
  EXPECT_EQ(keys(f), (Keys{{"sales-emea", "b"}}));
  f.tag = "pii";
  f.owner_team_id = "t1";
  EXPECT_TRUE(keys(f).empty());

  // Items of a page carry their ports.
  ASSERT_OK_AND_ASSIGN(
      auto page, this->template Read<store::Page<model::DataProduct>>(
                     [](Transaction& txn) {
                       return txn.registry().ListDataProducts({}, {"", 10});
                     }));
  ASSERT_EQ(page.items.size(), 4u);
  ExpectSameProduct(page.items[0],
                    product("finance", "d", "t2", L::kRetired, {"pii"}));
}

TYPED_TEST_P(StoreContractTest, ListProductsPaginationHasNoGapsOrDuplicates) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeTeam("t2")));
  ASSERT_OK(this->Write([](Transaction& txn) -> absl::Status {
    for (const char* d : {"alpha", "beta", "gamma"}) {
      auto s = txn.registry().InsertDomain(MakeDomain(d, "t1"));
      if (!s.ok()) return s;
    }
    for (int i = 0; i < 120; ++i) {
      const char* domain = i % 3 == 0 ? "alpha" : i % 3 == 1 ? "beta" : "gamma";
      model::DataProduct p =
          MakeProduct(domain, absl::StrCat("p-", i), i % 2 ? "t1" : "t2");
      p.tags = {i % 5 == 0 ? "five" : "other"};
      auto s = txn.registry().InsertDataProduct(p);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }));
  for (int limit : {1, 7, 40, 119, 120, 121, 1000}) {
    SCOPED_TRACE(limit);
    std::vector<model::ProductKey> keys = this->AllProductKeys({}, limit);
    EXPECT_EQ(keys.size(), 120u);
    EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
    EXPECT_EQ(std::set<model::ProductKey>(keys.begin(), keys.end()).size(),
              120u);
  }
  store::DataProductFilter f;
  f.owner_team_id = "t1";
  EXPECT_EQ(this->AllProductKeys(f, 7).size(), 60u);
  f.tag = "five";
  // Odd i below 120 that are multiples of 5: 5, 15, ..., 115.
  std::vector<model::ProductKey> keys = this->AllProductKeys(f, 5);
  EXPECT_EQ(keys.size(), 12u);
  EXPECT_EQ(std::set<model::ProductKey>(keys.begin(), keys.end()).size(), 12u);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TYPED_TEST_P(StoreContractTest, FullTextSearch) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "t1")));
  model::DataProduct a = MakeProduct("sales", "orders", "t1");
  a.display_name = "Customer Orders";
  a.description = "Every order placed in the web shop, updated hourly.";
  a.tags = {"ecommerce"};
  model::DataProduct b = MakeProduct("sales", "revenue", "t1");
  b.display_name = "Daily Revenue";
  b.description = "Revenue per country and day.";
  b.tags = {"finance"};
  model::DataProduct c = MakeProduct("sales", "shipments", "t1");
  c.display_name = "Shipments";
  c.description = "Parcels handed to carriers.";
  c.tags = {"logistics"};
  ASSERT_OK(this->Insert(a));
  ASSERT_OK(this->Insert(b));
  ASSERT_OK(this->Insert(c));
  using Keys = std::vector<model::ProductKey>;
  auto search = [&](const std::string& text) {
    store::DataProductFilter f;
    f.text = text;
    return this->AllProductKeys(f, 10);
  };
  EXPECT_EQ(search("revenue"), (Keys{{"sales", "revenue"}}));
  EXPECT_EQ(search("REVENUE"), (Keys{{"sales", "revenue"}}));
  EXPECT_EQ(search("customer"), (Keys{{"sales", "orders"}}));     // name
  EXPECT_EQ(search("carriers"), (Keys{{"sales", "shipments"}}));  // description
  EXPECT_EQ(search("logistics"), (Keys{{"sales", "shipments"}}));    // tag
  EXPECT_EQ(search("shipments"), (Keys{{"sales", "shipments"}}));    // id
  EXPECT_EQ(search("daily country"), (Keys{{"sales", "revenue"}}));  // AND
  EXPECT_TRUE(search("daily carriers").empty());
  EXPECT_TRUE(search("zeppelin").empty());
  EXPECT_TRUE(search("'; DROP TABLE domains; --").empty());
  // Text combines with the other filters.
  store::DataProductFilter f;
  f.text = "revenue";
  f.tag = "ecommerce";
  EXPECT_TRUE(this->AllProductKeys(f, 10).empty());
}

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_REGISTRY_TESTS_H_
