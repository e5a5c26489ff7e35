// The store contract: product search with facets, and lineage
// (the registry repository).
// Part of the repository contract suite (store_contract_tests.h, which
// registers every test: include that one).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_REGISTRY_SEARCH_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_REGISTRY_SEARCH_TESTS_H_

#include "tests/testing/store_contract/fixture.h"

namespace meshplane::store_contract {

// A search as core builds it: the words of `text`, the last a prefix unless
// a separator ends the text or it is shorter than 3 characters.
inline store::ProductSearch SearchFor(const std::string& text) {
  store::ProductSearch s;
  s.words = model::SearchWords(text);
  s.last_is_prefix =
      !s.words.empty() && s.words.back().size() >= 3 &&
      model::SearchWords(text.substr(text.size() - 1)).size() == 1;
  return s;
}

using FacetList = std::vector<std::pair<std::string, int64_t>>;
inline FacetList Facet(const std::vector<store::FacetCount>& v) {
  FacetList out;
  for (const auto& c : v) out.emplace_back(c.value, c.count);
  return out;
}

// A product of `team` in domain `d` with the fields search filters on.
inline model::DataProduct MakeSearchedProduct(const std::string& d,
                                              const std::string& id,
                                              const std::string& team,
                                              model::Lifecycle l, int tier,
                                              model::Classification c,
                                              std::vector<std::string> tags) {
  model::DataProduct p = MakeProduct(d, id, team);
  p.lifecycle = l;
  p.tier = tier;
  p.classification = c;
  p.tags = std::move(tags);
  return p;
}

TYPED_TEST_P(StoreContractTest, SearchProductsMatchesWordsOfEveryField) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "t1")));
  auto plain = [](const std::string& id) {
    model::DataProduct p = MakeProduct("sales", id, "t1");
    p.display_name = "Plain " + id;
    p.description = "Nothing to see.";
    p.tags = {};
    p.labels = {};
    p.output_ports = {};
    return p;
  };
  model::DataProduct by_name = plain("orders-v2");
  by_name.display_name = "Customer Orders";
  model::DataProduct by_desc = plain("ledger");
  by_desc.description =
      "Every ORDER placed, reconciled: invoices/credit-notes.";
  model::DataProduct by_tag = plain("returns");
  by_tag.tags = {"ecommerce", "orders"};
  model::DataProduct by_label = plain("stock");
  by_label.labels = {{"cost-center", "warehouse-7"}};
  model::DataProduct by_port = plain("parcels");
  model::OutputPort port = MakeOutputPort("parcels-feed");
  port.display_name = "";
  port.description = "Handed to carriers";
  port.location = "logistics.shipments_daily";
  by_port.output_ports = {port};
  model::DataProduct reader = plain("tracking");
  reader.input_ports = {
      MakeInputPort("from-parcels", {"sales", "parcels", "parcels-feed"})};
  reader.input_ports[0].description = "Follows each zeppelin";
  for (const auto* p :
       {&by_name, &by_desc, &by_tag, &by_label, &by_port, &reader}) {
    ASSERT_OK(this->Insert(*p));
  }
  using Keys = std::vector<model::ProductKey>;
  auto keys = [&](const std::string& text) {
    auto r = this->template Read<store::SearchResult>([&](Transaction& t) {
      return t.registry().SearchDataProducts(SearchFor(text), {"", 50}, 0, 10);
    });
    EXPECT_THAT(r, IsOk()) << text;
    Keys out;
    if (r.ok()) {
      for (const auto& p : r->items) out.push_back(p.key());
      EXPECT_EQ(r->total, static_cast<int64_t>(out.size())) << text;
    }
    return out;
  };
  EXPECT_EQ(keys("customer"), (Keys{{"sales", "orders-v2"}}));  // display name
  EXPECT_EQ(keys("V2"), (Keys{{"sales", "orders-v2"}}));        // id, any case
  EXPECT_EQ(keys("reconciled"), (Keys{{"sales", "ledger"}}));   // description
  EXPECT_EQ(keys("credit notes "), (Keys{{"sales", "ledger"}}));  // punctuation
  EXPECT_EQ(keys("ecommerce"), (Keys{{"sales", "returns"}}));     // tag
  EXPECT_EQ(keys("cost center"), (Keys{{"sales", "stock"}}));     // label key
  EXPECT_EQ(keys("warehouse-7"), (Keys{{"sales", "stock"}}));     // label value
  EXPECT_EQ(keys("carriers"), (Keys{{"sales", "parcels"}}));      // port
  EXPECT_EQ(keys("shipments_daily"), (Keys{{"sales", "parcels"}}));  // location
  EXPECT_EQ(keys("feed"), (Keys{{"sales", "parcels"}}));             // port id
  EXPECT_EQ(keys("zeppelin"), (Keys{{"sales", "tracking"}}));  // input port
  // Every word must match (AND); the last also as a prefix while typed.
  EXPECT_EQ(keys("plain stoc"), (Keys{{"sales", "stock"}}));
  EXPECT_TRUE(keys("plain stoc ").empty());  // a finished word
  EXPECT_TRUE(keys("stoc plain ").empty());  // only the last is a prefix
  EXPECT_TRUE(keys("customer carriers").empty());
  EXPECT_TRUE(keys("'; DROP TABLE domains; --").empty());
  EXPECT_TRUE(keys("a:* | !b & (c)").empty());
  // Relevance: a word in the id or display name (3) before one in tags or
  // labels (2) before one elsewhere (1); then by name.
  EXPECT_EQ(keys("order"), (Keys{{"sales", "orders-v2"},
                                 {"sales", "returns"},
                                 {"sales", "ledger"}}));
  EXPECT_EQ(keys(""), (Keys{{"sales", "ledger"},
                            {"sales", "orders-v2"},
                            {"sales", "parcels"},
                            {"sales", "returns"},
                            {"sales", "stock"},
                            {"sales", "tracking"}}));
  // The port text follows the product's writes.
  model::DataProduct moved = by_port;
  moved.output_ports[0].location = "fleet.vans";
  moved.output_ports[0].description = "";
  moved.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& t) {
    return t.registry().UpdateDataProduct(moved, 1);
  }));
  EXPECT_TRUE(keys("carriers").empty());
  EXPECT_EQ(keys("vans"), (Keys{{"sales", "parcels"}}));
}

TYPED_TEST_P(StoreContractTest, SearchProductsFiltersAndSubdomains) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeTeam("t2")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "t1")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea", "t1", "sales")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea-de", "t1", "sales-emea")));
  ASSERT_OK(this->Insert(MakeDomain("salesforce", "t1")));
  using L = model::Lifecycle;
  using C = model::Classification;
  ASSERT_OK(this->Insert(MakeSearchedProduct("sales", "a", "t1", L::kPublished,
                                             1, C::kInternal, {"pii"})));
  ASSERT_OK(this->Insert(MakeSearchedProduct(
      "sales-emea", "b", "t2", L::kDraft, 2, C::kRestricted, {"pii", "gold"})));
  ASSERT_OK(this->Insert(MakeSearchedProduct(
      "sales-emea-de", "c", "t1", L::kPublished, 3, C::kPublic, {"gold"})));
  ASSERT_OK(this->Insert(MakeSearchedProduct(
      "salesforce", "d", "t2", L::kRetired, 0, C::kUnspecified, {})));
  using Keys = std::vector<model::ProductKey>;
  auto keys = [&](const store::ProductSearch& s) {
    auto r = this->template Read<store::SearchResult>([&](Transaction& t) {
      return t.registry().SearchDataProducts(s, {"", 50}, 0, 10);
    });
    EXPECT_THAT(r, IsOk());
    Keys out;
    if (r.ok()) {
      for (const auto& p : r->items) out.push_back(p.key());
      EXPECT_EQ(r->total, static_cast<int64_t>(out.size()));
    }
    return out;
  };
  store::ProductSearch s;
  s.domain_id = "sales";  // any depth, not the look-alike "salesforce"
  EXPECT_EQ(
      keys(s),
      (Keys{{"sales", "a"}, {"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  s.domain_id = "sales-emea";
  EXPECT_EQ(keys(s), (Keys{{"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  s.domain_id = "nowhere";
  EXPECT_TRUE(keys(s).empty());
  s = {};
  s.owner_team_id = "t2";
  EXPECT_EQ(keys(s), (Keys{{"sales-emea", "b"}, {"salesforce", "d"}}));
  s = {};
  s.lifecycle = L::kPublished;
  EXPECT_EQ(keys(s), (Keys{{"sales", "a"}, {"sales-emea-de", "c"}}));
  s = {};
  s.tier = 3;
  EXPECT_EQ(keys(s), (Keys{{"sales-emea-de", "c"}}));
  s = {};
  s.classification = C::kRestricted;
  EXPECT_EQ(keys(s), (Keys{{"sales-emea", "b"}}));
  s = {};
  s.tag = "gold";
  EXPECT_EQ(keys(s), (Keys{{"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  // All together, with words.
  s = SearchFor("product");
  s.domain_id = "sales";
  s.tag = "gold";
  s.lifecycle = L::kPublished;
  EXPECT_EQ(keys(s), (Keys{{"sales-emea-de", "c"}}));
  s.owner_team_id = "t2";
  EXPECT_TRUE(keys(s).empty());
}

TYPED_TEST_P(StoreContractTest, SearchProductsCountsFacets) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeTeam("t2")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "t1")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea", "t1", "sales")));
  ASSERT_OK(this->Insert(MakeDomain("finance", "t1")));
  using L = model::Lifecycle;
  using C = model::Classification;
  ASSERT_OK(this->Insert(MakeSearchedProduct(
      "sales", "a", "t1", L::kPublished, 1, C::kInternal, {"pii", "gold"})));
  ASSERT_OK(this->Insert(MakeSearchedProduct("sales-emea", "b", "t1", L::kDraft,
                                             1, C::kInternal, {"pii"})));
  ASSERT_OK(this->Insert(MakeSearchedProduct("sales-emea", "c", "t2",
                                             L::kPublished, 0, C::kUnspecified,
                                             {"gold", "silver"})));
  ASSERT_OK(this->Insert(MakeSearchedProduct(
      "finance", "d", "t2", L::kPublished, 2, C::kRestricted, {"pii"})));
  auto search = [&](const store::ProductSearch& s, int facet_limit) {
    auto r = this->template Read<store::SearchResult>([&](Transaction& t) {
      return t.registry().SearchDataProducts(s, {"", 50}, 0, facet_limit);
    });
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : store::SearchResult{};
  };
  store::SearchResult all = search({}, 10);
  EXPECT_EQ(all.total, 4);
  // Domains count their subdomains' products; by count, then value.
  EXPECT_EQ(Facet(all.facets.domain),
            (FacetList{{"sales", 3}, {"sales-emea", 2}, {"finance", 1}}));
  EXPECT_EQ(Facet(all.facets.owner_team), (FacetList{{"t1", 2}, {"t2", 2}}));
  EXPECT_EQ(Facet(all.facets.lifecycle),
            (FacetList{{"PUBLISHED", 3}, {"DRAFT", 1}}));
  EXPECT_EQ(Facet(all.facets.tier), (FacetList{{"1", 2}, {"2", 1}}));
  EXPECT_EQ(Facet(all.facets.classification),
            (FacetList{{"INTERNAL", 2}, {"RESTRICTED", 1}}));
  EXPECT_EQ(Facet(all.facets.tag),
            (FacetList{{"pii", 3}, {"gold", 2}, {"silver", 1}}));
  // Top N per facet.
  store::SearchResult top = search({}, 1);
  EXPECT_EQ(Facet(top.facets.domain), (FacetList{{"sales", 3}}));
  EXPECT_EQ(Facet(top.facets.tag), (FacetList{{"pii", 3}}));
  EXPECT_EQ(top.total, 4);
  // A facet ignores its own filter and obeys the others.
  store::ProductSearch s;
  s.lifecycle = L::kPublished;
  s.tag = "pii";
  store::SearchResult r = search(s, 10);
  EXPECT_EQ(r.total, 2);  // a, d
  EXPECT_EQ(Facet(r.facets.lifecycle),
            (FacetList{{"PUBLISHED", 2}, {"DRAFT", 1}}));  // a, d; b
  EXPECT_EQ(Facet(r.facets.tag),
            (FacetList{{"gold", 2}, {"pii", 2}, {"silver", 1}}));  // a, c, d
  EXPECT_EQ(Facet(r.facets.domain), (FacetList{{"finance", 1}, {"sales", 1}}));
  EXPECT_EQ(Facet(r.facets.owner_team), (FacetList{{"t1", 1}, {"t2", 1}}));
  // Words narrow every facet.
  store::SearchResult w = search(SearchFor("product c"), 10);
  EXPECT_EQ(w.total, 1);
  EXPECT_EQ(Facet(w.facets.domain),
            (FacetList{{"sales", 1}, {"sales-emea", 1}}));
  EXPECT_TRUE(w.facets.tier.empty());            // tier 0 is not counted
  EXPECT_TRUE(w.facets.classification.empty());  // nor UNSPECIFIED
}

TYPED_TEST_P(StoreContractTest, SearchProductsPagesAndSkips) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeDomain("a", "t1")));
  ASSERT_OK(this->Insert(MakeDomain("b", "t1")));
  std::vector<model::ProductKey> expected;
  for (int i = 0; i < 23; ++i) {
    model::DataProduct p =
        MakeProduct(i % 2 ? "a" : "b", absl::StrCat("p", 10 + i), "t1");
    // Every fourth has the word in its name: those rank first.
    p.display_name = i % 4 == 0 ? "Alpha" : "Other";
    p.description = "alpha beta";
    ASSERT_OK(this->Insert(p));
  }
  store::ProductSearch s = SearchFor("alpha");
  auto all = this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {"", 100}, 0, 10);
  });
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->items.size(), 23u);
  EXPECT_TRUE(all->next.empty());
  for (size_t i = 0; i < all->items.size(); ++i) {
    bool top = all->items[i].display_name == "Alpha";
    EXPECT_EQ(top, i < 6) << i;  // 6 of 23 have it in the name
    if (i > 0 && top == (all->items[i - 1].display_name == "Alpha")) {
      EXPECT_LT(all->items[i - 1].key(), all->items[i].key());
    }
  }
  // Pages of 5 by cursor: the same order, no gap, no duplicate.
  std::vector<model::ProductKey> paged;
  PageRequest page{"", 5};
  for (int guard = 0; guard < 20; ++guard) {
    auto r = this->template Read<store::SearchResult>([&](Transaction& t) {
      return t.registry().SearchDataProducts(s, page, 0, 10);
    });
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->total, 23);
    for (const auto& p : r->items) paged.push_back(p.key());
    if (r->next.empty()) break;
    page.after = r->next;
  }
  ASSERT_EQ(paged.size(), 23u);
  for (size_t i = 0; i < paged.size(); ++i) {
    EXPECT_EQ(paged[i], all->items[i].key()) << i;
  }
  // Skip jumps ahead, from the start or after a cursor.
  auto skipped = this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {"", 5}, 10, 10);
  });
  ASSERT_THAT(skipped, IsOk());
  ASSERT_EQ(skipped->items.size(), 5u);
  EXPECT_EQ(skipped->items[0].key(), all->items[10].key());
  auto after = this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {skipped->next, 5}, 5, 10);
  });
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(after->items.size(), 3u);  // 20, 21, 22
  EXPECT_EQ(after->items[0].key(), all->items[20].key());
  EXPECT_TRUE(after->next.empty());
  // Bad arguments.
  for (const char* bad : {"x", "9:a/p10", "1:nokey", "1:a/"}) {
    EXPECT_THAT(this->template Read<store::SearchResult>([&](Transaction& t) {
      return t.registry().SearchDataProducts(s, {bad, 5}, 0, 10);
    }),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  EXPECT_THAT(this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {"", 0}, 0, 10);
  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {"", 5}, -1, 10);
  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {"", 5}, 0, 0);
  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---------------------------------------------------------------- lineage

// Sorted (source product, consumer product, depth) triples of a result.
using EdgeTriple = std::tuple<std::string, std::string, std::string, int>;
inline std::vector<EdgeTriple> Triples(
    const std::vector<store::LineageEdge>& edges) {
  std::vector<EdgeTriple> out;
  for (const auto& e : edges) {
    out.emplace_back(
        e.source.domain_id + "/" + e.source.product_id + "/" + e.source.port_id,
        e.consumer.domain_id + "/" + e.consumer.product_id, e.input_port_id,
        e.depth);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TYPED_TEST_P(StoreContractTest, LineageUpAndDownWithDepth) {
  // raw -> clean -> (report, model) ; clean and raw -> model (a diamond).
  ASSERT_OK(this->Insert(MakeTeam("t")));
  ASSERT_OK(this->Insert(MakeDomain("d", "t")));
  auto reading = [](const std::string& id, std::vector<std::string> sources) {
    model::DataProduct p = MakeProduct("d", id, "t");
    for (const auto& s : sources) {
      p.input_ports.push_back(MakeInputPort("from-" + s, {"d", s, s + "-v1"}));
    }
    return p;
  };
  ASSERT_OK(this->Insert(reading("raw", {})));
  ASSERT_OK(this->Insert(reading("clean", {"raw"})));
  ASSERT_OK(this->Insert(reading("report", {"clean"})));
  ASSERT_OK(this->Insert(reading("model", {"clean", "raw"})));
  ASSERT_OK(this->Insert(reading("dashboard", {"report"})));
  ASSERT_OK(this->Insert(reading("island", {})));

  auto lineage = [&](const std::string& id, LineageDirection dir, int depth) {
    auto r = this->template Read<std::vector<store::LineageEdge>>(
        [&](Transaction& txn) {
          return txn.registry().Lineage(model::ProductKey{"d", id}, dir, depth);
        });
    EXPECT_THAT(r, IsOk());
    return r.ok() ? Triples(*r) : std::vector<EdgeTriple>{};
  };
  using V = std::vector<EdgeTriple>;
  EXPECT_EQ(lineage("raw", LineageDirection::kDownstream, 1),
            (V{{"d/raw/raw-v1", "d/clean", "from-raw", 1},
               {"d/raw/raw-v1", "d/model", "from-raw", 1}}));
  // Each edge once, at its shortest distance.
  EXPECT_EQ(lineage("raw", LineageDirection::kDownstream, 10),
            (V{{"d/clean/clean-v1", "d/model", "from-clean", 2},
               {"d/clean/clean-v1", "d/report", "from-clean", 2},
               {"d/raw/raw-v1", "d/clean", "from-raw", 1},
               {"d/raw/raw-v1", "d/model", "from-raw", 1},
               {"d/report/report-v1", "d/dashboard", "from-report", 3}}));
  EXPECT_EQ(lineage("raw", LineageDirection::kDownstream, 2).size(), 4u);
  EXPECT_EQ(lineage("dashboard", LineageDirection::kUpstream, 1),
            (V{{"d/report/report-v1", "d/dashboard", "from-report", 1}}));
  EXPECT_EQ(lineage("dashboard", LineageDirection::kUpstream, 5),
            (V{{"d/clean/clean-v1", "d/report", "from-clean", 2},
               {"d/raw/raw-v1", "d/clean", "from-raw", 3},
               {"d/report/report-v1", "d/dashboard", "from-report", 1}}));
  EXPECT_EQ(lineage("model", LineageDirection::kUpstream, 5),
            (V{{"d/clean/clean-v1", "d/model", "from-clean", 1},
               {"d/raw/raw-v1", "d/clean", "from-raw", 2},
               {"d/raw/raw-v1", "d/model", "from-raw", 1}}));
  EXPECT_TRUE(lineage("island", LineageDirection::kDownstream, 5).empty());
  EXPECT_TRUE(lineage("island", LineageDirection::kUpstream, 5).empty());
  EXPECT_TRUE(lineage("dashboard", LineageDirection::kDownstream, 5).empty());
}

TYPED_TEST_P(StoreContractTest, LineageTerminatesOnCycles) {
  ASSERT_OK(this->Insert(MakeTeam("t")));
  ASSERT_OK(this->Insert(MakeDomain("d", "t")));
  ASSERT_OK(this->Insert(MakeProduct("d", "a", "t")));
  model::DataProduct b = MakeProduct("d", "b", "t");
  b.input_ports = {MakeInputPort("in", {"d", "a", "a-v1"})};
  ASSERT_OK(this->Insert(b));
  model::DataProduct a = MakeProduct("d", "a", "t");
  a.input_ports = {MakeInputPort("in", {"d", "b", "b-v1"})};
  a.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(a, 1);
  }));
  auto r = this->template Read<std::vector<store::LineageEdge>>(
      [](Transaction& txn) {
        return txn.registry().Lineage(model::ProductKey{"d", "a"},
                                      LineageDirection::kDownstream, 50);
      });
  ASSERT_OK(r);
  EXPECT_EQ(Triples(*r),
            (std::vector<EdgeTriple>{{"d/a/a-v1", "d/b", "in", 1},
                                     {"d/b/b-v1", "d/a", "in", 2}}));
}

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_REGISTRY_SEARCH_TESTS_H_
