// The store contract: the event repository's webhooks and their
// delivery log.
// Part of the repository contract suite (store_contract_tests.h, which
// registers every test: include that one).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_WEBHOOKS_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_WEBHOOKS_TESTS_H_

#include "tests/testing/store_contract/fixture.h"

namespace meshplane::store_contract {

// A webhook with every field set, its times off the microsecond grid (the
// stores keep microseconds) and a secret that breaks naive SQL.
inline model::Webhook MakeWebhook(const std::string& id) {
  model::Webhook w;
  w.id = id;
  w.url = "https://hooks.example.com/in/" + id + "?tenant=a&x='1'";
  w.resource_types = {"dataproduct", "domain"};
  w.domain_id = "sales";
  w.include_subdomains = true;
  w.secret = "s3cr3t-'quoted'-\"dq\"-$1-Grüße-" + id;
  w.creator = "user:admin@example.com";
  w.create_time = T0() + absl::Nanoseconds(789);
  w.delivered_sequence = 0;
  w.failing_attempts = 0;
  w.last_error = "";
  w.next_attempt_time = T0() + absl::Nanoseconds(999);
  return w;
}

// `t` truncated to the microsecond, as the stores keep it.
inline absl::Time TruncatedToMicros(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

inline void ExpectSameWebhook(const model::Webhook& got,
                              const model::Webhook& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.url, want.url);
  EXPECT_EQ(got.resource_types, want.resource_types);
  EXPECT_EQ(got.domain_id, want.domain_id);
  EXPECT_EQ(got.include_subdomains, want.include_subdomains);
  EXPECT_EQ(got.secret, want.secret);
  EXPECT_EQ(got.creator, want.creator);
  EXPECT_EQ(got.create_time, TruncatedToMicros(want.create_time));
  EXPECT_EQ(got.delivered_sequence, want.delivered_sequence);
  EXPECT_EQ(got.failing_attempts, want.failing_attempts);
  EXPECT_EQ(got.last_error, want.last_error);
  EXPECT_EQ(got.next_attempt_time, TruncatedToMicros(want.next_attempt_time));
}

inline model::WebhookDelivery MakeDelivery(const std::string& webhook_id,
                                           int64_t event_sequence,
                                           int32_t attempt, bool success) {
  model::WebhookDelivery d;
  d.webhook_id = webhook_id;
  d.event_sequence = event_sequence;
  d.event_type = "domain.created";
  d.attempt = attempt;
  d.time = T0() + absl::Seconds(event_sequence * 10 + attempt) +
           absl::Nanoseconds(321);
  d.http_status = success ? 204 : 0;
  d.success = success;
  d.error = success ? "" : "POST https://x/: Connection refused 'it's' \"q\"";
  d.duration = absl::Microseconds(1234) + absl::Nanoseconds(567);
  return d;
}

// "webhook/event/attempt" of each delivery, in order.
inline std::vector<std::string> DeliveryKeys(
    const std::vector<model::WebhookDelivery>& deliveries) {
  std::vector<std::string> out;
  for (const auto& d : deliveries) {
    out.push_back(
        absl::StrCat(d.webhook_id, "/", d.event_sequence, "/", d.attempt));
  }
  return out;
}

TYPED_TEST_P(StoreContractTest, WebhookRoundTripErrorsAndPages) {
  model::Webhook w = MakeWebhook("orders-feed");
  w.delivered_sequence = 42;
  w.failing_attempts = 3;
  w.last_error = "HTTP 503: busy 'try' \"later\"";
  w.next_attempt_time = T0() + absl::Minutes(1) + absl::Nanoseconds(500);
  ASSERT_OK(
      this->Write([&](Transaction& t) { return t.events().InsertWebhook(w); }));
  auto get = [&](const std::string& id) {
    return this->template Read<model::Webhook>(
        [&](Transaction& t) { return t.events().GetWebhook(id); });
  };
  ASSERT_OK_AND_ASSIGN(model::Webhook got, get("orders-feed"));
  ExpectSameWebhook(got, w);
  EXPECT_EQ(got.create_time, T0());  // truncated to the microsecond
  EXPECT_EQ(got.next_attempt_time, T0() + absl::Minutes(1));

  // No filters at all: an empty type list, all domains.
  model::Webhook all = MakeWebhook("all-events");
  all.resource_types.clear();
  all.domain_id = "";
  all.include_subdomains = false;
  ASSERT_OK(this->Write(
      [&](Transaction& t) { return t.events().InsertWebhook(all); }));
  ASSERT_OK_AND_ASSIGN(got, get("all-events"));
  ExpectSameWebhook(got, all);

  // The id is taken: refused, the first one stays, the transaction stays
  // usable.
  model::Webhook dup = MakeWebhook("orders-feed");
  dup.url = "http://elsewhere/";
  EXPECT_THAT(this->Write([&](Transaction& t) {
    return t.events().InsertWebhook(dup);
  }),
              StatusIs(absl::StatusCode::kAlreadyExists, "orders-feed"));
  ASSERT_OK_AND_ASSIGN(got, get("orders-feed"));
  EXPECT_EQ(got.url, w.url);

  // Absent: NOT_FOUND everywhere, nothing created.
  EXPECT_THAT(get("ghost"), StatusIs(absl::StatusCode::kNotFound, "ghost"));
  EXPECT_THAT(this->Write([](Transaction& t) {
    return t.events().DeleteWebhook("ghost");
  }),
              StatusIs(absl::StatusCode::kNotFound, "ghost"));
  model::Webhook ghost = MakeWebhook("ghost");
  EXPECT_THAT(this->Write([&](Transaction& t) {
    return t.events().UpdateWebhookState(ghost);
  }),
              StatusIs(absl::StatusCode::kNotFound, "ghost"));
  EXPECT_THAT(get("ghost"), StatusIs(absl::StatusCode::kNotFound));

  // Ordered by id, in pages, secrets included.
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    for (const char* id : {"w-c", "w-a", "w-e", "w-b", "w-d"}) {
      MP_RETURN_IF_ERROR(t.events().InsertWebhook(MakeWebhook(id)));
    }
    return absl::OkStatus();
  }));
  auto list_all = [&](int limit) {
    return this->template AllPages<model::Webhook, std::string>(
        [&](Transaction& t, const PageRequest& page) {
          return t.events().ListWebhooks(page);
        },
        limit,
        [](const model::Webhook& item) {
          EXPECT_EQ(item.secret, MakeWebhook(item.id).secret) << item.id;
          return item.id;
        });
  };
  const std::vector<std::string> sorted = {
      "all-events", "orders-feed", "w-a", "w-b", "w-c", "w-d", "w-e"};
  EXPECT_EQ(list_all(2), sorted);
  EXPECT_EQ(list_all(1), sorted);
  EXPECT_EQ(list_all(100), sorted);

  // Deleted: gone from Get and List.
  ASSERT_OK(this->Write(
      [](Transaction& t) { return t.events().DeleteWebhook("w-b"); }));
  EXPECT_THAT(get("w-b"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(list_all(3),
            (std::vector<std::string>{"all-events", "orders-feed", "w-a", "w-c",
                                      "w-d", "w-e"}));
  // A rolled-back delete changes nothing.
  EXPECT_THAT(this->Write([](Transaction& t) -> absl::Status {
    MP_RETURN_IF_ERROR(t.events().DeleteWebhook("w-c"));
    return absl::AbortedError("changed its mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_OK(get("w-c"));
}

// ClaimDueWebhook: only webhooks that are due (next_attempt_time <= now)
// and behind the feed, the longest due first by (next_attempt_time, id).
TYPED_TEST_P(StoreContractTest,
             ClaimDueWebhookTakesTheLongestDueBehindTheFeed) {
  // Claims in a transaction of its own (committed): the id, or "".
  auto claim = [&](absl::Time now) -> std::string {
    std::string id = "<error>";
    EXPECT_OK(this->Write([&](Transaction& t) -> absl::Status {
      MP_ASSIGN_OR_RETURN(std::optional<model::Webhook> w,
                          t.events().ClaimDueWebhook(now));
      id = w ? w->id : "";
      return absl::OkStatus();
    }));
    return id;
  };
  auto hook = [](const std::string& id, absl::Time next, int64_t delivered) {
    model::Webhook w = MakeWebhook(id);
    w.next_attempt_time = next;
    w.delivered_sequence = delivered;
    return w;
  };
  const absl::Time now = T0();
  ASSERT_OK(this->Write([&](Transaction& t) {
    return t.events().InsertWebhook(hook("lonely", now - absl::Hours(1), 0));
  }));
  // No events at all: nothing is behind.
  EXPECT_EQ(claim(now), "");

  std::vector<int64_t> seqs;
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
      MP_ASSIGN_OR_RETURN(int64_t seq, t.events().AppendEvent(model::Event{
                                           0, T0(), "domain.created",
                                           absl::StrCat("domains/d", i),
                                           absl::StrCat("d", i), "{}"}));
      seqs.push_back(seq);
      return absl::OkStatus();
    }));
  }
  const int64_t head = seqs.back();
  ASSERT_OK(this->Write(
      [](Transaction& t) { return t.events().DeleteWebhook("lonely"); }));
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    // Caught up with the newest event: never claimed, however long due.
    MP_RETURN_IF_ERROR(t.events().InsertWebhook(
        hook("caught-up", now - absl::Hours(2), head)));
    // Two due at the same instant: by id. "alpha" is one event behind.
    MP_RETURN_IF_ERROR(
        t.events().InsertWebhook(hook("zeta", now - absl::Minutes(2), 0)));
    MP_RETURN_IF_ERROR(t.events().InsertWebhook(
        hook("alpha", now - absl::Minutes(2), seqs[0])));
    MP_RETURN_IF_ERROR(
        t.events().InsertWebhook(hook("early", now - absl::Minutes(1), 0)));
    // Due exactly now.
    MP_RETURN_IF_ERROR(t.events().InsertWebhook(hook("exact", now, 0)));
    // Due a microsecond from now.
    return t.events().InsertWebhook(
        hook("future", now + absl::Microseconds(1), 0));
  }));

  // Nothing due yet before the first of them.
  EXPECT_EQ(claim(now - absl::Minutes(3)), "");
  // A committed claim that wrote nothing changes nothing: the same one.
  EXPECT_EQ(claim(now), "alpha");
  EXPECT_EQ(claim(now), "alpha");
  ASSERT_OK_AND_ASSIGN(model::Webhook alpha,
                       this->template Read<model::Webhook>([](Transaction& t) {
                         return t.events().GetWebhook("alpha");
                       }));
  // Each delivered in turn (caught up), the next one comes.
  std::vector<std::string> order;
  for (int guard = 0; guard < 10; ++guard) {
    std::string id;
    ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
      MP_ASSIGN_OR_RETURN(std::optional<model::Webhook> w,
                          t.events().ClaimDueWebhook(now));
      if (!w) return absl::OkStatus();
      id = w->id;
      w->delivered_sequence = head;
      return t.events().UpdateWebhookState(*w);
    }));
    if (id.empty()) break;
    order.push_back(id);
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"alpha", "zeta", "early", "exact"}));
  // A microsecond later "future" is due too.
  EXPECT_EQ(claim(now + absl::Microseconds(1)), "future");

  // A new event puts everyone behind again: the longest due first.
  ASSERT_OK(this->Write([&](Transaction& t) {
    return t.events()
        .AppendEvent(model::Event{0, T0(), "team.updated", "teams/t", "", "{}"})
        .status();
  }));
  EXPECT_EQ(claim(now), "caught-up");

  // A backoff moves a webhook behind the others.
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    MP_ASSIGN_OR_RETURN(model::Webhook w, t.events().GetWebhook("caught-up"));
    w.failing_attempts = 1;
    w.next_attempt_time = now + absl::Minutes(5);
    return t.events().UpdateWebhookState(w);
  }));
  EXPECT_EQ(claim(now), "alpha");
  EXPECT_EQ(claim(now + absl::Minutes(5)), "alpha");
  EXPECT_EQ(alpha.delivered_sequence, seqs[0]);
}

// Two delivery workers: the second skips the webhook the first holds, and
// gets it once the first ends (rollback or commit).
TYPED_TEST_P(StoreContractTest, ClaimDueWebhookSkipsWhatAnotherHolds) {
  int64_t head = 0;
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    MP_ASSIGN_OR_RETURN(
        head, t.events().AppendEvent(model::Event{0, T0(), "domain.created",
                                                  "domains/d", "d", "{}"}));
    return absl::OkStatus();
  }));
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    model::Webhook first = MakeWebhook("first");
    first.next_attempt_time = T0() - absl::Minutes(2);
    model::Webhook second = MakeWebhook("second");
    second.next_attempt_time = T0() - absl::Minutes(1);
    MP_RETURN_IF_ERROR(t.events().InsertWebhook(first));
    return t.events().InsertWebhook(second);
  }));
  auto id_of = [](const absl::StatusOr<std::optional<model::Webhook>>& w) {
    EXPECT_THAT(w, IsOk());
    if (!w.ok()) return std::string("<error>");
    return w->has_value() ? (*w)->id : std::string();
  };

  // Read-write transactions only.
  {
    ASSERT_OK_AND_ASSIGN(auto ro, this->store_->Begin(TxnMode::kReadOnly));
    EXPECT_FALSE(ro->events().ClaimDueWebhook(T0()).ok());
  }

  ASSERT_OK_AND_ASSIGN(auto a, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_EQ(id_of(a->events().ClaimDueWebhook(T0())), "first");
  ASSERT_OK_AND_ASSIGN(auto b, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_EQ(id_of(b->events().ClaimDueWebhook(T0())), "second");
  ASSERT_OK_AND_ASSIGN(auto c, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_EQ(id_of(c->events().ClaimDueWebhook(T0())), "");

  // `a` rolls back: `c` gets "first".
  a.reset();
  EXPECT_EQ(id_of(c->events().ClaimDueWebhook(T0())), "first");
  // `b` commits without a change: a new worker gets "second" (`c` still
  // holds "first").
  ASSERT_OK(b->Commit());
  b.reset();
  ASSERT_OK_AND_ASSIGN(auto d, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_EQ(id_of(d->events().ClaimDueWebhook(T0())), "second");
  // `c` delivers "first" and commits: no longer behind, so a new worker
  // finds nothing (`d` holds "second") ...
  {
    ASSERT_OK_AND_ASSIGN(model::Webhook first, c->events().GetWebhook("first"));
    first.delivered_sequence = head;
    first.next_attempt_time = T0();
    ASSERT_OK(c->events().UpdateWebhookState(first));
    ASSERT_OK(c->events().AppendWebhookDeliveries(
        {MakeDelivery("first", head, 1, true)}, 10));
    ASSERT_OK(c->Commit());
    c.reset();
  }
  ASSERT_OK_AND_ASSIGN(auto e, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_EQ(id_of(e->events().ClaimDueWebhook(T0())), "");
  // ... until `d` lets go.
  d.reset();
  EXPECT_EQ(id_of(e->events().ClaimDueWebhook(T0())), "second");
  e.reset();
  ASSERT_OK_AND_ASSIGN(model::Webhook first,
                       this->template Read<model::Webhook>([](Transaction& t) {
                         return t.events().GetWebhook("first");
                       }));
  EXPECT_EQ(first.delivered_sequence, head);
}

// UpdateWebhookState writes the four delivery-state fields and nothing else.
TYPED_TEST_P(StoreContractTest, UpdateWebhookStateWritesOnlyTheState) {
  const model::Webhook original = MakeWebhook("hook");
  ASSERT_OK(this->Write(
      [&](Transaction& t) { return t.events().InsertWebhook(original); }));
  model::Webhook changed = MakeWebhook("hook");
  changed.url = "http://changed.example.com/";
  changed.resource_types = {"team"};
  changed.domain_id = "finance";
  changed.include_subdomains = false;
  changed.secret = "another-secret-of-some-length";
  changed.creator = "user:mallory@example.com";
  changed.create_time = T0() + absl::Hours(9);
  changed.delivered_sequence = 7;
  changed.failing_attempts = 2;
  changed.last_error = "timeout after 10s; 'q' \"dq\" \\ Grüße";
  changed.next_attempt_time = T0() + absl::Minutes(5) + absl::Nanoseconds(123);
  ASSERT_OK(this->Write(
      [&](Transaction& t) { return t.events().UpdateWebhookState(changed); }));
  model::Webhook want = original;
  want.delivered_sequence = 7;
  want.failing_attempts = 2;
  want.last_error = changed.last_error;
  want.next_attempt_time = changed.next_attempt_time;
  auto get = [&] {
    return this->template Read<model::Webhook>(
        [](Transaction& t) { return t.events().GetWebhook("hook"); });
  };
  ASSERT_OK_AND_ASSIGN(model::Webhook got, get());
  ExpectSameWebhook(got, want);
  EXPECT_EQ(got.next_attempt_time, T0() + absl::Minutes(5));

  // Back to healthy.
  model::Webhook healthy = got;
  healthy.delivered_sequence = 9;
  healthy.failing_attempts = 0;
  healthy.last_error = "";
  healthy.next_attempt_time = T0() + absl::Minutes(6);
  ASSERT_OK(this->Write(
      [&](Transaction& t) { return t.events().UpdateWebhookState(healthy); }));
  ASSERT_OK_AND_ASSIGN(got, get());
  ExpectSameWebhook(got, healthy);

  // Not committed: unchanged.
  EXPECT_THAT(this->Write([&](Transaction& t) -> absl::Status {
    MP_RETURN_IF_ERROR(t.events().UpdateWebhookState(changed));
    return absl::AbortedError("changed its mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK_AND_ASSIGN(got, get());
  ExpectSameWebhook(got, healthy);
}

// The delivery log: newest first, in pages, the newest `keep` per webhook,
// and it goes with its webhook.
TYPED_TEST_P(StoreContractTest, WebhookDeliveriesNewestFirstPrunedAndDeleted) {
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    MP_RETURN_IF_ERROR(t.events().InsertWebhook(MakeWebhook("h1")));
    return t.events().InsertWebhook(MakeWebhook("h2"));
  }));
  auto append = [&](const std::vector<model::WebhookDelivery>& batch,
                    int keep) {
    return this->Write([&](Transaction& t) {
      return t.events().AppendWebhookDeliveries(batch, keep);
    });
  };
  auto page = [&](const std::string& id, const PageRequest& request) {
    return this->template Read<store::Page<model::WebhookDelivery>>(
        [&](Transaction& t) {
          return t.events().ListWebhookDeliveries(id, request);
        });
  };
  // Every page of `id`'s log with `limit`: its keys in order.
  auto all = [&](const std::string& id, int limit) {
    return DeliveryKeys(
        this->template AllPages<model::WebhookDelivery, model::WebhookDelivery>(
            [&](Transaction& t, const PageRequest& request) {
              return t.events().ListWebhookDeliveries(id, request);
            },
            limit, [](const model::WebhookDelivery& d) { return d; }));
  };

  EXPECT_OK(append({}, 10));  // an empty batch writes nothing
  EXPECT_TRUE(all("h1", 10).empty());
  ASSERT_OK(
      append({MakeDelivery("h1", 1, 1, true), MakeDelivery("h2", 1, 1, true),
              MakeDelivery("h1", 2, 1, false), MakeDelivery("h1", 2, 2, true)},
             100));
  // Newest first, in append order within a batch.
  const std::vector<std::string> h1 = {"h1/2/2", "h1/2/1", "h1/1/1"};
  EXPECT_EQ(all("h1", 10), h1);
  EXPECT_EQ(all("h1", 1), h1);
  EXPECT_EQ(all("h1", 2), h1);
  EXPECT_EQ(all("h2", 10), (std::vector<std::string>{"h2/1/1"}));
  // Every field, the time and duration to the microsecond.
  ASSERT_OK_AND_ASSIGN(auto first, page("h1", PageRequest{"", 2}));
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_FALSE(first.next.empty());
  const model::WebhookDelivery& failed = first.items[1];
  const model::WebhookDelivery want = MakeDelivery("h1", 2, 1, false);
  EXPECT_EQ(failed.webhook_id, "h1");
  EXPECT_EQ(failed.event_sequence, 2);
  EXPECT_EQ(failed.event_type, want.event_type);
  EXPECT_EQ(failed.attempt, 1);
  EXPECT_EQ(failed.time, TruncatedToMicros(want.time));
  EXPECT_EQ(failed.http_status, 0);
  EXPECT_FALSE(failed.success);
  EXPECT_EQ(failed.error, want.error);
  EXPECT_EQ(failed.duration, absl::Microseconds(1234));
  EXPECT_TRUE(first.items[0].success);
  EXPECT_EQ(first.items[0].http_status, 204);
  EXPECT_EQ(first.items[0].error, "");
  // Bad page requests; an unknown webhook has an empty log.
  EXPECT_THAT(page("h1", PageRequest{"garbage", 10}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(page("h1", PageRequest{"", 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto ghost, page("ghost", PageRequest{"", 10}));
  EXPECT_TRUE(ghost.items.empty());
  EXPECT_TRUE(ghost.next.empty());

  // An unknown webhook anywhere in the batch: NOT_FOUND, nothing appended.
  EXPECT_THAT(append({MakeDelivery("h1", 3, 1, true),
                      MakeDelivery("ghost", 3, 1, true)},
                     100),
              StatusIs(absl::StatusCode::kNotFound, "ghost"));
  EXPECT_EQ(all("h1", 10), h1);

  // `keep`: the newest of each webhook in the batch; the others untouched.
  ASSERT_OK(
      append({MakeDelivery("h1", 3, 1, true), MakeDelivery("h1", 4, 1, false),
              MakeDelivery("h1", 4, 2, false), MakeDelivery("h1", 4, 3, true)},
             3));
  EXPECT_EQ(all("h1", 2),
            (std::vector<std::string>{"h1/4/3", "h1/4/2", "h1/4/1"}));
  EXPECT_EQ(all("h2", 10), (std::vector<std::string>{"h2/1/1"}));
  ASSERT_OK(append(
      {MakeDelivery("h2", 5, 1, true), MakeDelivery("h1", 5, 1, true)}, 2));
  EXPECT_EQ(all("h1", 10), (std::vector<std::string>{"h1/5/1", "h1/4/3"}));
  EXPECT_EQ(all("h2", 10), (std::vector<std::string>{"h2/5/1", "h2/1/1"}));
  ASSERT_OK(append({MakeDelivery("h2", 6, 1, true)}, 1));
  EXPECT_EQ(all("h2", 10), (std::vector<std::string>{"h2/6/1"}));
  EXPECT_EQ(all("h1", 10), (std::vector<std::string>{"h1/5/1", "h1/4/3"}));
  // A rolled-back append leaves the log as it was.
  EXPECT_THAT(this->Write([&](Transaction& t) -> absl::Status {
    MP_RETURN_IF_ERROR(t.events().AppendWebhookDeliveries(
        {MakeDelivery("h1", 7, 1, true)}, 1));
    return absl::AbortedError("changed its mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(all("h1", 10), (std::vector<std::string>{"h1/5/1", "h1/4/3"}));

  // Deleting a webhook deletes its log; a new one of that id starts empty.
  ASSERT_OK(this->Write(
      [](Transaction& t) { return t.events().DeleteWebhook("h1"); }));
  EXPECT_TRUE(all("h1", 10).empty());
  EXPECT_EQ(all("h2", 10), (std::vector<std::string>{"h2/6/1"}));
  ASSERT_OK(this->Write([](Transaction& t) {
    return t.events().InsertWebhook(MakeWebhook("h1"));
  }));
  EXPECT_TRUE(all("h1", 10).empty());
  EXPECT_THAT(append({MakeDelivery("gone", 1, 1, true)}, 10),
              StatusIs(absl::StatusCode::kNotFound));
}

// Two delivery workers (threads or replicas) each hold a different webhook,
// POST its events and commit the new cursor with the log. Both commits must
// succeed: a failed one repeats POSTs that were already made.
// Under kReadWrite the second commit was ABORTED (a serialization failure:
// each claim read the table the other wrote), repeating POSTs already made.
TYPED_TEST_P(StoreContractTest, WorkersOnDifferentWebhooksBothCommit) {
  int64_t head = 0;
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    for (const char* id : {"h0", "h1"}) {
      MP_RETURN_IF_ERROR(t.events().InsertWebhook(MakeWebhook(id)));
    }
    MP_ASSIGN_OR_RETURN(
        head, t.events().AppendEvent(model::Event{0, T0(), "domain.created",
                                                  "domains/d", "d", "{}"}));
    return absl::OkStatus();
  }));
  // As the delivery workers run: READ COMMITTED, the row lock isolating.
  ASSERT_OK_AND_ASSIGN(auto a, this->store_->Begin(TxnMode::kReadCommitted));
  ASSERT_OK_AND_ASSIGN(auto b, this->store_->Begin(TxnMode::kReadCommitted));
  ASSERT_OK_AND_ASSIGN(std::optional<model::Webhook> wa,
                       a->events().ClaimDueWebhook(T0() + absl::Seconds(1)));
  ASSERT_OK_AND_ASSIGN(std::optional<model::Webhook> wb,
                       b->events().ClaimDueWebhook(T0() + absl::Seconds(1)));
  ASSERT_TRUE(wa.has_value() && wb.has_value());
  ASSERT_NE(wa->id, wb->id);
  for (auto [txn, w] :
       {std::make_pair(a.get(), *wa), std::make_pair(b.get(), *wb)}) {
    ASSERT_OK(txn->events().ListEvents(w.delivered_sequence, 100).status());
    w.delivered_sequence = head;
    ASSERT_OK(txn->events().UpdateWebhookState(w));
    ASSERT_OK(txn->events().AppendWebhookDeliveries(
        {MakeDelivery(w.id, head, 1, true)}, 500));
  }
  EXPECT_OK(a->Commit());
  EXPECT_OK(b->Commit());
  // And both are stored.
  ASSERT_OK_AND_ASSIGN(auto r, this->store_->Begin(TxnMode::kReadOnly));
  for (const char* id : {"h0", "h1"}) {
    ASSERT_OK_AND_ASSIGN(model::Webhook w, r->events().GetWebhook(id));
    EXPECT_EQ(w.delivered_sequence, head) << id;
    ASSERT_OK_AND_ASSIGN(auto log,
                         r->events().ListWebhookDeliveries(id, {"", 10}));
    EXPECT_EQ(log.items.size(), 1u) << id;
  }
}

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_WEBHOOKS_TESTS_H_
