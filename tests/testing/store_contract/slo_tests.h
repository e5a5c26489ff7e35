// The store contract: the service-level repository (observations and
// breaches).
// Part of the repository contract suite (store_contract_tests.h, which
// registers every test: include that one).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_SLO_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_SLO_TESTS_H_

#include "tests/testing/store_contract/fixture.h"

namespace meshplane::store_contract {

TYPED_TEST_P(StoreContractTest, ObservationsSummarizedPerWindow) {
  this->SetUpPorts();
  const model::OutputPortRef v1{"sales", "orders", "v1"};
  const model::OutputPortRef v2{"sales", "orders", "v2"};
  const absl::Time now = T0();
  auto obs = [](const model::OutputPortRef& port, model::Objective o,
                absl::Time t, double value) {
    return model::Observation{port, o, t, value};
  };
  const auto kFresh = model::Objective::kFreshness;
  const auto kUp = model::Objective::kAvailability;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.slo().InsertObservations({
        obs(v1, kFresh, now - absl::Minutes(10), 60e6),  // good (<= 300 s)
        obs(v1, kFresh, now - absl::Hours(1), 900e6),    // on the 1 h edge
        obs(v1, kFresh, now - absl::Hours(2), 300e6),    // good, exactly
        obs(v1, kFresh, now - absl::Hours(48), 900e6),
        obs(v1, kFresh, now - absl::Hours(24 * 40), 1),  // older than 30 d
        obs(v1, kUp, now - absl::Minutes(1), 0),         // other objective
        obs(v2, kFresh, now + absl::Minutes(1), 1),      // other port
    });
  }));
  // An empty batch writes nothing; a missing port refuses the batch.
  EXPECT_OK(this->Write(
      [&](Transaction& txn) { return txn.slo().InsertObservations({}); }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().InsertObservations(
        {obs(v1, kFresh, now, 1),
         obs({"sales", "orders", "ghost"}, kFresh, now, 1)});
  }),
              StatusIs(absl::StatusCode::kNotFound));

  const std::vector<absl::Time> since = {
      now - absl::Hours(1), now - absl::Hours(24), now - absl::Hours(24 * 30)};
  auto summarize = [&](const model::OutputPortRef& port, model::Objective o,
                       store::ObservationTarget target) {
    return this->template Read<store::ObservationSummary>([&](Transaction& t) {
      return t.slo().SummarizeObservations(port, o, target, since);
    });
  };
  ASSERT_OK_AND_ASSIGN(auto fresh, summarize(v1, kFresh, {300e6, true}));
  ASSERT_EQ(fresh.windows.size(), 3u);
  // The window is open at its start: the observation exactly 1 h old is
  // outside the 1 h window, inside the 24 h one.
  EXPECT_EQ(fresh.windows[0].observations, 1);
  EXPECT_EQ(fresh.windows[0].good, 1);
  EXPECT_EQ(fresh.windows[1].observations, 3);
  EXPECT_EQ(fresh.windows[1].good, 2);
  EXPECT_EQ(fresh.windows[2].observations, 4);
  EXPECT_EQ(fresh.windows[2].good, 2);
  ASSERT_TRUE(fresh.last_observe_time.has_value());
  EXPECT_EQ(*fresh.last_observe_time, now - absl::Minutes(10));

  // At least, not at most: availability counts the up probes.
  ASSERT_OK_AND_ASSIGN(auto up, summarize(v1, kUp, {1, false}));
  EXPECT_EQ(up.windows[0].observations, 1);
  EXPECT_EQ(up.windows[0].good, 0);
  // A future observation counts in every window.
  ASSERT_OK_AND_ASSIGN(auto other, summarize(v2, kFresh, {300e6, true}));
  EXPECT_EQ(other.windows[0].observations, 1);
  EXPECT_EQ(*other.last_observe_time, now + absl::Minutes(1));
  // Nothing observed: zeros and no newest time.
  ASSERT_OK_AND_ASSIGN(auto none,
                       summarize(v2, model::Objective::kLatency, {1, true}));
  ASSERT_EQ(none.windows.size(), 3u);
  EXPECT_EQ(none.windows[2].observations, 0);
  EXPECT_FALSE(none.last_observe_time.has_value());

  // Pruning takes only the older observations of that series.
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.slo().PruneObservations(v1, kFresh, now - absl::Hours(24 * 31));
  }));
  ASSERT_OK_AND_ASSIGN(
      auto all,
      this->template Read<store::ObservationSummary>([&](Transaction& t) {
        return t.slo().SummarizeObservations(
            v1, kFresh, {300e6, true},
            {absl::InfinitePast(), now - absl::Hours(24 * 30)});
      }));
  EXPECT_EQ(all.windows[0].observations, 4);
  EXPECT_EQ(all.windows[1].observations, 4);
  ASSERT_OK_AND_ASSIGN(auto up_kept, summarize(v1, kUp, {1, false}));
  EXPECT_EQ(up_kept.windows[0].observations, 1);

  // Observations go with their port.
  ASSERT_OK_AND_ASSIGN(model::DataProduct orders,
                       this->GetProduct("sales", "orders"));
  orders.output_ports.pop_back();
  orders.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(orders, 1);
  }));
  ASSERT_OK_AND_ASSIGN(auto gone, summarize(v2, kFresh, {300e6, true}));
  EXPECT_EQ(gone.windows[2].observations, 0);
  ASSERT_OK_AND_ASSIGN(auto kept, summarize(v1, kFresh, {300e6, true}));
  EXPECT_EQ(kept.windows[2].observations, 4);
}

TYPED_TEST_P(StoreContractTest, BreachesOpenCloseListAndGoWithTheirPort) {
  this->SetUpPorts();
  const model::OutputPortRef v1{"sales", "orders", "v1"};
  const model::OutputPortRef v2{"sales", "orders", "v2"};
  const model::OutputPortRef ledger{"finance", "ledger", "ledger-v1"};
  auto breach = [](const std::string& id, const model::OutputPortRef& port,
                   model::Objective o, absl::Time start, absl::Time end) {
    model::Breach b;
    b.id = id;
    b.port = port;
    b.objective = o;
    b.start_time = start;
    b.end_time = end;
    b.detail = "staleness 15m > 5m; 'quoted' \"detail\"";
    return b;
  };
  const auto kFresh = model::Objective::kFreshness;
  const auto kUp = model::Objective::kAvailability;
  const absl::Time never = absl::InfinitePast();
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(txn.slo().InsertBreach(
        breach("b-1", v1, kFresh, T0(), T0() + absl::Minutes(5))));
    MP_RETURN_IF_ERROR(txn.slo().InsertBreach(
        breach("b-2", v1, kFresh, T0() + absl::Hours(1), never)));
    MP_RETURN_IF_ERROR(txn.slo().InsertBreach(
        breach("b-3", v2, kUp, T0() + absl::Hours(2), never)));
    return txn.slo().InsertBreach(breach("b-4", ledger, kUp, T0(), never));
  }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().InsertBreach(breach("b-1", v2, kFresh, T0(), never));
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // One open breach per port and objective.
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().InsertBreach(breach("b-5", v1, kFresh, T0(), never));
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().InsertBreach(
        breach("b-6", {"sales", "orders", "ghost"}, kFresh, T0(), never));
  }),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK_AND_ASSIGN(
      auto open,
      this->template Read<std::optional<model::Breach>>(
          [&](Transaction& t) { return t.slo().GetOpenBreach(v1, kFresh); }));
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->id, "b-2");
  EXPECT_EQ(open->start_time, T0() + absl::Hours(1));
  EXPECT_TRUE(open->open());
  EXPECT_EQ(open->detail, "staleness 15m > 5m; 'quoted' \"detail\"");
  ASSERT_OK_AND_ASSIGN(
      auto none,
      this->template Read<std::optional<model::Breach>>(
          [&](Transaction& t) { return t.slo().GetOpenBreach(v1, kUp); }));
  EXPECT_FALSE(none.has_value());

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.slo().CloseBreach("b-2", T0() + absl::Hours(3));
  }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().CloseBreach("b-2", T0() + absl::Hours(4));
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().CloseBreach("b-9", T0());
  }),
              StatusIs(absl::StatusCode::kNotFound));

  auto list = [&](store::BreachFilter filter, int limit) {
    return this->template AllPages<model::Breach, std::string>(
        [&](Transaction& t, const PageRequest& page) {
          return t.slo().ListBreaches(filter, page);
        },
        limit, [](const model::Breach& b) { return b.id; });
  };
  const model::ProductKey orders_key{"sales", "orders"};
  EXPECT_EQ(list({orders_key, "", false}, 1),
            (std::vector<std::string>{"b-3", "b-2", "b-1"}));
  EXPECT_EQ(list({orders_key, "v1", false}, 10),
            (std::vector<std::string>{"b-2", "b-1"}));
  EXPECT_EQ(list({orders_key, "", true}, 10),
            (std::vector<std::string>{"b-3"}));
  ASSERT_OK_AND_ASSIGN(auto page, this->template Read<store::Page<
                                      model::Breach>>([&](Transaction& t) {
    return t.slo().ListBreaches({orders_key, "v1", false}, PageRequest{"", 10});
  }));
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].end_time, T0() + absl::Hours(3));
  EXPECT_EQ(page.items[1].end_time, T0() + absl::Minutes(5));
  EXPECT_EQ(page.items[1].objective, kFresh);
  EXPECT_TRUE(page.items[1].port == v1);
  EXPECT_THAT(
      this->template Read<store::Page<model::Breach>>([&](Transaction& t) {
        return t.slo().ListBreaches({orders_key, "", false},
                                    PageRequest{"garbage", 10});
      }),
      StatusIs(absl::StatusCode::kInvalidArgument));

  // Breaches go with their port (and product).
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().DeleteDataProduct(orders_key);
  }));
  EXPECT_TRUE(list({orders_key, "", false}, 10).empty());
  EXPECT_EQ(list({{"finance", "ledger"}, "", false}, 10),
            (std::vector<std::string>{"b-4"}));
}

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_SLO_TESTS_H_
