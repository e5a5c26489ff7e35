// The store contract: the event repository's audit records, event feed,
// idempotency records and request locks (webhooks: webhooks_tests.h).
// Part of the repository contract suite (store_contract_tests.h, which
// registers every test: include that one).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_EVENTS_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_EVENTS_TESTS_H_

#include "tests/testing/store_contract/fixture.h"

namespace meshplane::store_contract {

TYPED_TEST_P(StoreContractTest, AuditAppendAndListNewestFirst) {
  std::vector<int64_t> seqs;
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (int i = 0; i < 30; ++i) {
      model::AuditRecord r;
      r.time = T0() + absl::Seconds(i);
      r.principal = i % 2 ? "user:a@x.io" : "user:b@x.io";
      r.method = "meshplane.v1.DomainService/CreateDomain";
      r.resource = absl::StrCat("domains/d", i % 3);
      r.request_id = absl::StrCat("req-", i);
      r.before_json = i == 0 ? "" : "{\"before\":\"it's\"}";
      r.after_json = "{\"x\":\"'; DROP TABLE audit_log; --\"}";
      r.outcome_code = i % 4;
      r.outcome_message = "ok or not";
      r.validate_only = i == 5;
      r.decision_json = "";
      auto seq = txn.events().AppendAudit(r);
      if (!seq.ok()) return seq.status();
      seqs.push_back(*seq);
    }
    return absl::OkStatus();
  }));
  ASSERT_EQ(seqs.size(), 30u);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  EXPECT_EQ(std::set<int64_t>(seqs.begin(), seqs.end()).size(), 30u);

  auto list = [&](store::AuditFilter f, int limit) {
    return this->template AllPages<model::AuditRecord, model::AuditRecord>(
        [&](Transaction& txn, const PageRequest& page) {
          return txn.events().ListAudit(f, page);
        },
        limit, [](const model::AuditRecord& a) { return a; });
  };
  std::vector<model::AuditRecord> all = list({}, 7);
  ASSERT_EQ(all.size(), 30u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GT(all[i - 1].sequence, all[i].sequence);
  }
  const model::AuditRecord& newest = all.front();
  EXPECT_EQ(newest.sequence, seqs.back());
  EXPECT_EQ(newest.time, T0() + absl::Seconds(29));
  EXPECT_EQ(newest.principal, "user:a@x.io");
  EXPECT_EQ(newest.method, "meshplane.v1.DomainService/CreateDomain");
  EXPECT_EQ(newest.resource, "domains/d2");
  EXPECT_EQ(newest.request_id, "req-29");
  EXPECT_EQ(newest.before_json, "{\"before\":\"it's\"}");
  EXPECT_EQ(newest.after_json, "{\"x\":\"'; DROP TABLE audit_log; --\"}");
  EXPECT_EQ(newest.outcome_code, 1);
  EXPECT_EQ(newest.outcome_message, "ok or not");
  EXPECT_FALSE(newest.validate_only);
  EXPECT_TRUE(all[24].validate_only);  // i == 5
  EXPECT_EQ(all.back().before_json, "");

  store::AuditFilter by_resource;
  by_resource.resource = "domains/d1";
  EXPECT_EQ(list(by_resource, 3).size(), 10u);
  by_resource.principal = "user:a@x.io";
  std::vector<model::AuditRecord> both = list(by_resource, 3);
  EXPECT_EQ(both.size(), 5u);  // i % 3 == 1 and i odd: 1, 7, 13, 19, 25
  for (const auto& r : both) {
    EXPECT_EQ(r.resource, "domains/d1");
    EXPECT_EQ(r.principal, "user:a@x.io");
  }
}

TYPED_TEST_P(StoreContractTest, EventsInOrder) {
  std::vector<int64_t> seqs;
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
      model::Event e;
      e.time = T0() + absl::Milliseconds(i);
      e.type = i % 2 ? "domain.updated" : "domain.created";
      e.resource = absl::StrCat("domains/e", i);
      e.domain_id = i == 3 ? "" : absl::StrCat("e", i);
      e.payload_json = i == 4 ? "" : absl::StrCat("{\"i\":", i, "}");
      auto seq = txn.events().AppendEvent(e);
      if (!seq.ok()) return seq.status();
      seqs.push_back(*seq);
      return absl::OkStatus();
    }));
  }
  using Events = std::vector<model::Event>;
  ASSERT_OK_AND_ASSIGN(Events all,
                       this->template Read<Events>([](Transaction& txn) {
                         return txn.events().ListEvents(0, 100);
                       }));
  ASSERT_EQ(all.size(), 12u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].sequence, seqs[i]);
    EXPECT_EQ(all[i].resource, absl::StrCat("domains/e", i));
    EXPECT_EQ(all[i].time, T0() + absl::Milliseconds(i));
  }
  EXPECT_EQ(all[1].type, "domain.updated");
  EXPECT_EQ(all[3].domain_id, "");
  EXPECT_EQ(all[4].payload_json, "");
  EXPECT_EQ(all[5].payload_json, "{\"i\":5}");
  ASSERT_OK_AND_ASSIGN(Events tail,
                       this->template Read<Events>([&](Transaction& txn) {
                         return txn.events().ListEvents(seqs[7], 3);
                       }));
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(tail[0].sequence, seqs[8]);
  EXPECT_EQ(tail[2].sequence, seqs[10]);
  ASSERT_OK_AND_ASSIGN(Events none,
                       this->template Read<Events>([&](Transaction& txn) {
                         return txn.events().ListEvents(seqs.back(), 10);
                       }));
  EXPECT_TRUE(none.empty());
}

TYPED_TEST_P(StoreContractTest, AppendEventNotifiesOnCommitWithItsSequence) {
  NotificationRecorder rec;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Listener> listener,
                       this->store_->NewListener());
  ASSERT_OK(listener->Start({store::kEventChannel}, rec.Handler()));
  ASSERT_TRUE(rec.WaitUntil([&] { return rec.resyncs() == 1; }));
  ASSERT_OK_AND_ASSIGN(int64_t before,
                       this->template Read<int64_t>([](Transaction& txn) {
                         return txn.events().LastEventSequence();
                       }));
  model::Event e;
  e.time = T0();
  e.type = "domain.created";
  e.resource = "domains/notified";
  e.domain_id = "notified";
  // A rolled-back append is neither visible nor announced.
  EXPECT_THAT(this->Write([&](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(txn.events().AppendEvent(e).status());
    return absl::AbortedError("changed its mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  int64_t seq = 0;
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    MP_ASSIGN_OR_RETURN(seq, txn.events().AppendEvent(e));
    return absl::OkStatus();
  }));
  EXPECT_GT(seq, before);
  ASSERT_TRUE(rec.WaitForPayload(store::kEventChannel, absl::StrCat(seq)));
  EXPECT_EQ(rec.Payloads(store::kEventChannel),
            (std::vector<std::string>{absl::StrCat(seq)}));
  ASSERT_OK_AND_ASSIGN(int64_t after,
                       this->template Read<int64_t>([](Transaction& txn) {
                         return txn.events().LastEventSequence();
                       }));
  EXPECT_EQ(after, seq);
}

// Event retention: PruneEvents takes a prefix of the feed and keeps an
// exact watermark, whatever the gaps in the sequence; ListEvents refuses a
// resume that would miss pruned events and accepts any other.
TYPED_TEST_P(StoreContractTest, PruneEventsKeepsAnExactWatermark) {
  using Events = std::vector<model::Event>;
  constexpr int64_t kAll = std::numeric_limits<int64_t>::max();
  auto append = [&](int i, absl::Time time, bool commit) -> int64_t {
    int64_t seq = 0;
    absl::Status s = this->Write([&](Transaction& txn) -> absl::Status {
      model::Event e;
      e.time = time;
      e.type = "team.updated";
      e.resource = absl::StrCat("teams/t", i);
      MP_ASSIGN_OR_RETURN(seq, txn.events().AppendEvent(e));
      return commit ? absl::OkStatus() : absl::AbortedError("rolled back");
    });
    EXPECT_EQ(s.ok(), commit) << s;
    return seq;
  };
  auto list = [&](int64_t after) {
    return this->template Read<Events>(
        [&](Transaction& txn) { return txn.events().ListEvents(after, 100); });
  };
  auto sequences = [](const Events& events) {
    std::vector<int64_t> out;
    for (const auto& e : events) out.push_back(e.sequence);
    return out;
  };
  auto watermark = [&] {
    return this->template Read<int64_t>(
        [](Transaction& txn) { return txn.events().EventsPrunedThrough(); });
  };
  auto last_sequence = [&] {
    return this->template Read<int64_t>(
        [](Transaction& txn) { return txn.events().LastEventSequence(); });
  };
  auto prune = [&](absl::Time before, int64_t max_sequence, int limit) {
    int64_t n = -1;
    EXPECT_OK(this->Write([&](Transaction& txn) -> absl::Status {
      MP_ASSIGN_OR_RETURN(
          n, txn.events().PruneEvents(before, max_sequence, limit));
      return absl::OkStatus();
    }));
    return n;
  };

  EXPECT_THAT(watermark(), OkAndHolds(int64_t{0}));
  EXPECT_EQ(prune(absl::InfiniteFuture(), kAll, 10), 0);  // nothing yet
  // Ten events a minute apart, with a gap (a rolled-back append) after the
  // 4th and the 7th; the 11th is older than all (a writer's clock behind).
  std::vector<int64_t> seqs;
  for (int i = 0; i < 10; ++i) {
    seqs.push_back(append(i, T0() + absl::Minutes(i), true));
    if (i == 3 || i == 6) append(100 + i, T0(), false);
  }
  seqs.push_back(append(10, T0() - absl::Hours(1), true));
  ASSERT_GT(seqs[4], seqs[3] + 1);

  // Before the 5th event's time: the first four.
  EXPECT_EQ(prune(T0() + absl::Minutes(4), kAll, 100), 4);
  EXPECT_THAT(watermark(), OkAndHolds(seqs[3]));
  ASSERT_OK_AND_ASSIGN(Events oldest, list(0));
  EXPECT_EQ(sequences(oldest),
            std::vector<int64_t>(seqs.begin() + 4, seqs.end()));
  // Resuming at the watermark, or in the gap after it, misses nothing.
  ASSERT_OK_AND_ASSIGN(Events at, list(seqs[3]));
  EXPECT_EQ(sequences(at), sequences(oldest));
  ASSERT_OK_AND_ASSIGN(Events in_gap, list(seqs[3] + 1));
  EXPECT_EQ(sequences(in_gap), sequences(oldest));
  // Before it would miss pruned events.
  EXPECT_THAT(list(seqs[3] - 1),
              StatusIs(absl::StatusCode::kOutOfRange,
                       absl::StrCat("events after sequence ", seqs[3] - 1,
                                    " have been pruned")));
  EXPECT_THAT(list(seqs[0]),
              StatusIs(absl::StatusCode::kOutOfRange, absl::StrCat(seqs[3])));
  EXPECT_THAT(last_sequence(), OkAndHolds(seqs[10]));

  // At most `limit`, then at most `max_sequence`.
  EXPECT_EQ(prune(absl::InfiniteFuture(), kAll, 2), 2);
  EXPECT_THAT(watermark(), OkAndHolds(seqs[5]));
  EXPECT_EQ(prune(absl::InfiniteFuture(), seqs[7], 100), 2);
  EXPECT_THAT(watermark(), OkAndHolds(seqs[7]));
  // The 10th is not old enough: pruning stops there, and the older 11th
  // after it stays too.
  EXPECT_EQ(prune(T0() + absl::Minutes(9), kAll, 100), 1);
  EXPECT_THAT(watermark(), OkAndHolds(seqs[8]));
  EXPECT_EQ(prune(T0() + absl::Minutes(9), kAll, 100), 0);
  ASSERT_OK_AND_ASSIGN(Events rest, list(0));
  EXPECT_EQ(sequences(rest), (std::vector<int64_t>{seqs[9], seqs[10]}));

  // A rolled-back prune changes nothing.
  EXPECT_THAT(this->Write([&](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(
        txn.events().PruneEvents(absl::InfiniteFuture(), kAll, 100).status());
    return absl::AbortedError("changed its mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(watermark(), OkAndHolds(seqs[8]));

  // Everything: the watermark and the last sequence stay.
  EXPECT_EQ(prune(absl::InfiniteFuture(), kAll, 100), 2);
  EXPECT_THAT(watermark(), OkAndHolds(seqs[10]));
  ASSERT_OK_AND_ASSIGN(Events none, list(0));
  EXPECT_TRUE(none.empty());
  ASSERT_OK_AND_ASSIGN(none, list(seqs[10]));
  EXPECT_TRUE(none.empty());
  EXPECT_THAT(list(seqs[9]), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(last_sequence(), OkAndHolds(seqs[10]));
  // The feed goes on after it.
  const int64_t next = append(11, T0(), true);
  EXPECT_GT(next, seqs[10]);
  ASSERT_OK_AND_ASSIGN(Events after_all, list(seqs[10]));
  EXPECT_EQ(sequences(after_all), std::vector<int64_t>{next});
  ASSERT_OK_AND_ASSIGN(Events from_oldest, list(0));
  EXPECT_EQ(sequences(from_oldest), std::vector<int64_t>{next});
  EXPECT_THAT(watermark(), OkAndHolds(seqs[10]));
  EXPECT_THAT(this->Write([](Transaction& txn) {
    return txn.events().PruneEvents(absl::InfiniteFuture(), kAll, 0).status();
  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Two pruners at once (replicas): one prunes; the other returns 0 or fails
// to commit with a retryable conflict. Either way the feed stays whole.
TYPED_TEST_P(StoreContractTest, ConcurrentPrunesAreHarmless) {
  std::vector<int64_t> seqs;
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
      model::Event e;
      e.time = T0() + absl::Minutes(i);
      e.type = "team.updated";
      e.resource = absl::StrCat("teams/t", i);
      MP_ASSIGN_OR_RETURN(int64_t seq, txn.events().AppendEvent(e));
      seqs.push_back(seq);
      return absl::OkStatus();
    }));
  }
  constexpr int64_t kAll = std::numeric_limits<int64_t>::max();
  ASSERT_OK_AND_ASSIGN(auto first, this->store_->Begin(TxnMode::kReadWrite));
  ASSERT_OK_AND_ASSIGN(auto second, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_THAT(first->events().PruneEvents(T0() + absl::Minutes(3), kAll, 100),
              OkAndHolds(int64_t{3}));
  ASSERT_OK_AND_ASSIGN(int64_t n, second->events().PruneEvents(
                                      T0() + absl::Minutes(2), kAll, 100));
  ASSERT_OK(first->Commit());
  absl::Status late = second->Commit();
  if (n > 0) {
    EXPECT_TRUE(store::IsRetryableConflict(late)) << late;
  } else {
    EXPECT_OK(late);
  }
  EXPECT_THAT(this->template Read<int64_t>([](Transaction& txn) {
    return txn.events().EventsPrunedThrough();
  }),
              OkAndHolds(seqs[2]));
  ASSERT_OK_AND_ASSIGN(
      std::vector<model::Event> rest,
      this->template Read<std::vector<model::Event>>([&](Transaction& txn) {
        return txn.events().ListEvents(seqs[2], 100);
      }));
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].sequence, seqs[3]);
}

TYPED_TEST_P(StoreContractTest, IdempotencyWindow) {
  model::IdempotencyRecord rec;
  rec.principal = "user:a@x.io";
  rec.method = "meshplane.v1.DomainService/CreateDomain";
  rec.request_id = "8d3e0f7a-0000-4000-8000-000000000001";
  rec.request_hash = std::string(64, 'f');
  rec.response = "{\"name\":\"domains/it's\"}";
  rec.create_time = T0();
  ASSERT_OK(this->Write(
      [&](Transaction& txn) { return txn.events().PutIdempotency(rec); }));
  using Opt = std::optional<model::IdempotencyRecord>;
  auto get = [&](const std::string& principal, const std::string& method,
                 const std::string& id, absl::Time not_before) {
    return this->template Read<Opt>([&](Transaction& txn) {
      return txn.events().GetIdempotency(principal, method, id, not_before);
    });
  };
  ASSERT_OK_AND_ASSIGN(Opt got, get(rec.principal, rec.method, rec.request_id,
                                    T0() - absl::Hours(24)));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->principal, rec.principal);
  EXPECT_EQ(got->method, rec.method);
  EXPECT_EQ(got->request_id, rec.request_id);
  EXPECT_EQ(got->request_hash, rec.request_hash);
  EXPECT_EQ(got->response, rec.response);
  EXPECT_EQ(got->create_time, rec.create_time);
  // Exactly at the bound still counts.
  ASSERT_OK_AND_ASSIGN(got,
                       get(rec.principal, rec.method, rec.request_id, T0()));
  EXPECT_TRUE(got.has_value());
  // Older than the window: as if absent.
  ASSERT_OK_AND_ASSIGN(got, get(rec.principal, rec.method, rec.request_id,
                                T0() + absl::Microseconds(1)));
  EXPECT_FALSE(got.has_value());
  // Every part of the key matters.
  ASSERT_OK_AND_ASSIGN(got, get("user:b@x.io", rec.method, rec.request_id,
                                T0() - absl::Hours(1)));
  EXPECT_FALSE(got.has_value());
  ASSERT_OK_AND_ASSIGN(got, get(rec.principal, "other/Method", rec.request_id,
                                T0() - absl::Hours(1)));
  EXPECT_FALSE(got.has_value());
  ASSERT_OK_AND_ASSIGN(
      got, get(rec.principal, rec.method, "other-id", T0() - absl::Hours(1)));
  EXPECT_FALSE(got.has_value());
}

TYPED_TEST_P(StoreContractTest, TryLockRequestExcludesConcurrentDuplicates) {
  ASSERT_OK_AND_ASSIGN(auto first, this->store_->Begin(TxnMode::kReadWrite));
  ASSERT_OK_AND_ASSIGN(auto second, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_THAT(first->events().TryLockRequest("user:a", "M", "r1"),
              OkAndHolds(true));
  // Re-entrant within the holder.
  EXPECT_THAT(first->events().TryLockRequest("user:a", "M", "r1"),
              OkAndHolds(true));
  EXPECT_THAT(second->events().TryLockRequest("user:a", "M", "r1"),
              OkAndHolds(false));
  // A different key is independent.
  EXPECT_THAT(second->events().TryLockRequest("user:a", "M", "r2"),
              OkAndHolds(true));
  EXPECT_THAT(second->events().TryLockRequest("user:b", "M", "r1"),
              OkAndHolds(true));
  // The lock ends with the transaction (commit or rollback).
  ASSERT_OK(first->Commit());
  first.reset();
  EXPECT_THAT(second->events().TryLockRequest("user:a", "M", "r1"),
              OkAndHolds(true));
  second.reset();  // rolls back
  ASSERT_OK_AND_ASSIGN(auto third, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_THAT(third->events().TryLockRequest("user:a", "M", "r2"),
              OkAndHolds(true));
}

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_EVENTS_TESTS_H_
