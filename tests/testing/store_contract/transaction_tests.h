// The store contract: what every transaction does, whatever the area:
// its modes, rollback, errors that leave it usable, verbatim strings, and
// Notify.
// Part of the repository contract suite (store_contract_tests.h, which
// registers every test: include that one).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_TRANSACTION_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_TRANSACTION_TESTS_H_

#include "tests/testing/store_contract/fixture.h"

namespace meshplane::store_contract {

// kSingleRead reads what is committed (PostgresStore: each statement sees the
// latest committed data; InMemoryStore: a snapshot, as kReadOnly).
TYPED_TEST_P(StoreContractTest, SingleReadSeesCommitted) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kSingleRead));
  ASSERT_OK_AND_ASSIGN(model::Domain got, txn->registry().GetDomain("sales"));
  EXPECT_EQ(got.id, "sales");
  EXPECT_THAT(txn->registry().GetDomain("finance"),
              StatusIs(absl::StatusCode::kNotFound));
  txn.reset();
  ASSERT_OK(this->Insert(MakeDomain("finance", "platform")));
  ASSERT_OK_AND_ASSIGN(txn, this->store_->Begin(TxnMode::kSingleRead));
  ASSERT_OK_AND_ASSIGN(model::Domain later,
                       txn->registry().GetDomain("finance"));
  EXPECT_EQ(later.id, "finance");
  ASSERT_OK_AND_ASSIGN(model::Team team, txn->registry().GetTeam("platform"));
  EXPECT_EQ(team.id, "platform");
}

TYPED_TEST_P(StoreContractTest, FailedInsertLeavesTransactionUsable) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    EXPECT_THAT(txn.registry().InsertDomain(MakeDomain("sales", "platform")),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(
        txn.registry().InsertDomain(MakeDomain("x", "platform", "nope")),
        StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(txn.registry().UpdateDomain(MakeDomain("sales", "platform"), 7),
                StatusIs(absl::StatusCode::kAborted));
    return txn.registry().InsertDomain(MakeDomain("marketing", "platform"));
  }));
  EXPECT_OK(this->GetDomain("marketing"));
}

TYPED_TEST_P(StoreContractTest, UncommittedTransactionRollsBack) {
  ASSERT_OK(this->Insert(MakeTeam("t")));
  {
    ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kReadWrite));
    ASSERT_OK(txn->registry().InsertDomain(MakeDomain("gone", "t")));
    ASSERT_OK(txn->events()
                  .AppendEvent(model::Event{0, T0(), "domain.created",
                                            "domains/gone", "gone", "{}"})
                  .status());
    // Visible inside the transaction itself.
    EXPECT_OK(txn->registry().GetDomain("gone"));
  }
  EXPECT_THAT(this->GetDomain("gone"), StatusIs(absl::StatusCode::kNotFound));
  using Events = std::vector<model::Event>;
  ASSERT_OK_AND_ASSIGN(Events events,
                       this->template Read<Events>([](Transaction& txn) {
                         return txn.events().ListEvents(0, 10);
                       }));
  EXPECT_TRUE(events.empty());

  // RunInTransaction rolls back when fn fails.
  absl::Status s = this->Write([](Transaction& txn) -> absl::Status {
    auto ins = txn.registry().InsertDomain(MakeDomain("also-gone", "t"));
    if (!ins.ok()) return ins;
    return absl::FailedPreconditionError("refused by the caller");
  });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition, "refused"));
  EXPECT_THAT(this->GetDomain("also-gone"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(this->store_->Ping());
}

TYPED_TEST_P(StoreContractTest, StringsAreStoredVerbatim) {
  const std::vector<std::string> nasty = NastyStrings();
  model::Team team = MakeTeam("t");
  for (const auto& s : nasty) team.members.push_back("user:" + s);
  std::sort(team.members.begin(), team.members.end());
  team.description = nasty[3];
  ASSERT_OK(this->Insert(team));
  model::Domain d = MakeDomain("d", "t");
  d.labels.clear();
  for (size_t i = 0; i < nasty.size(); ++i) {
    d.labels[nasty[i]] = nasty[nasty.size() - 1 - i];
  }
  d.display_name = nasty[0] + nasty[1] + nasty[2];
  d.description = absl::StrCat(nasty[3], "\n", nasty[5]);
  ASSERT_OK(this->Insert(d));
  model::DataProduct p = MakeProduct("d", "p", "t");
  p.tags = nasty;
  std::sort(p.tags.begin(), p.tags.end());
  p.description = nasty[4];
  p.output_ports[0].location = nasty[3];
  p.output_ports[0].server = nasty[8];
  p.labels = d.labels;
  ASSERT_OK(this->Insert(p));

  ASSERT_OK_AND_ASSIGN(model::Team got_team, this->GetTeam("t"));
  ExpectSameTeam(got_team, team);
  ASSERT_OK_AND_ASSIGN(model::Domain got_domain, this->GetDomain("d"));
  ExpectSameDomain(got_domain, d);
  ASSERT_OK_AND_ASSIGN(model::DataProduct got_product,
                       this->GetProduct("d", "p"));
  ExpectSameProduct(got_product, p);

  // Filters take the same strings as plain values.
  store::DataProductFilter f;
  f.tag = nasty[3];
  EXPECT_EQ(this->AllProductKeys(f, 5),
            (std::vector<model::ProductKey>{{"d", "p"}}));
  f.tag = "%";
  EXPECT_TRUE(this->AllProductKeys(f, 5).empty());
  using Ids = std::vector<std::string>;
  ASSERT_OK_AND_ASSIGN(
      Ids teams, this->template Read<Ids>([&](Transaction& txn) {
        return txn.registry().TeamsOfPrincipal("user:" + nasty[3]);
      }));
  EXPECT_EQ(teams, (Ids{"t"}));
  EXPECT_THAT(this->GetDomain(nasty[3]), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(this->GetDomain("d"));
}

TYPED_TEST_P(StoreContractTest, NotifyIsDeliveredOnCommitOnly) {
  NotificationRecorder rec;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Listener> listener,
                       this->store_->NewListener());
  ASSERT_OK(listener->Start({"mp_a", "mp_b"}, rec.Handler()));
  EXPECT_THAT(listener->Start({"mp_a"}, rec.Handler()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // The first delivery is the resync, once LISTEN is in place.
  ASSERT_TRUE(rec.WaitUntil([&] { return !rec.got().empty(); }));
  EXPECT_TRUE(rec.got()[0].resync);
  EXPECT_TRUE(listener->connected());

  // An open transaction's notification waits for its commit...
  ASSERT_OK_AND_ASSIGN(auto pending, this->store_->Begin(TxnMode::kReadWrite));
  ASSERT_OK(pending->Notify("mp_a", "pending"));
  ASSERT_OK(this->Write([](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(txn.Notify("mp_a", "first"));
    MP_RETURN_IF_ERROR(txn.Notify("mp_b", NastyStrings()[5]));
    return txn.Notify("mp_unheard", "nobody listens");
  }));
  ASSERT_TRUE(rec.WaitForPayload("mp_b", NastyStrings()[5]));
  EXPECT_EQ(rec.Payloads("mp_a"), (std::vector<std::string>{"first"}));
  ASSERT_OK(pending->Commit());
  ASSERT_TRUE(rec.WaitForPayload("mp_a", "pending"));

  // ...and a rolled-back one is never sent: what commits after it arrives
  // alone.
  {
    ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kReadWrite));
    ASSERT_OK(txn->Notify("mp_a", "rolled-back"));
  }
  EXPECT_THAT(this->Write([](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(txn.Notify("mp_a", "refused"));
    return absl::FailedPreconditionError("the caller changed its mind");
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(
      this->Write([](Transaction& txn) { return txn.Notify("mp_a", "last"); }));
  ASSERT_TRUE(rec.WaitForPayload("mp_a", "last"));
  EXPECT_EQ(rec.Payloads("mp_a"),
            (std::vector<std::string>{"first", "pending", "last"}));
  for (const auto& n : rec.got()) EXPECT_NE(n.channel, "mp_unheard");
  EXPECT_EQ(rec.resyncs(), 1);
}

TYPED_TEST_P(StoreContractTest, NotifyChecksModeChannelAndPayload) {
  for (TxnMode mode : {TxnMode::kReadOnly, TxnMode::kSingleRead}) {
    ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(mode));
    EXPECT_THAT(txn->Notify("mp_a", "x"),
                StatusIs(absl::StatusCode::kFailedPrecondition, "read-write"));
  }
  ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_THAT(txn->Notify("mp_a", std::string(8000, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, "8000"));
  EXPECT_THAT(txn->Notify("", "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, "channel"));
  EXPECT_THAT(txn->Notify(std::string(64, 'c'), "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, "channel"));
  // The largest payload PostgreSQL takes; the transaction is still usable.
  EXPECT_OK(txn->Notify("mp_a", std::string(7999, 'x')));
  EXPECT_OK(txn->Commit());

  ASSERT_OK_AND_ASSIGN(auto listener, this->store_->NewListener());
  EXPECT_THAT(listener->Start({""}, [](const auto&) {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "channel"));
  EXPECT_THAT(listener->Start({"mp_a"}, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_TRANSACTION_TESTS_H_
