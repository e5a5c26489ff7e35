#include <string>

#include "absl/time/time.h"
#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/policy/cel/json.h"
#include "meshplane/policy/cel/value.h"
#include "meshplane/policy/engine.h"

namespace meshplane::policy {
namespace {

using ::meshplane::testing::StatusIs;

const cel::Value& Get(const cel::Value& map, const char* key) {
  const cel::Value* v = map.map().FindString(key);
  EXPECT_NE(v, nullptr) << key;
  static const cel::Value kNull;
  return v == nullptr ? kNull : *v;
}

TEST(DocumentFromJsonTest, ConvertsTimesAndDurationsAtAnyDepth) {
  ASSERT_OK_AND_ASSIGN(cel::Value doc, DocumentFromJson(R"({
        "create_time": "2024-05-01T10:00:00Z",
        "name": "orders",
        "note_time": "not a time",
        "sla": {"max_staleness": "3600s", "latency": "1h30m",
                "window_duration": "15m", "last_check_time": "2024-05-02T00:00:00.5Z",
                "duration": "720h"},
        "output_ports": [{"name": "a", "retire_time": "2025-01-01T00:00:00Z"}, 3],
        "max_staleness": 12
      })"));
  EXPECT_EQ(Get(doc, "create_time").kind(), cel::ValueKind::kTimestamp);
  EXPECT_EQ(Get(doc, "create_time").time_value(),
            absl::FromUnixSeconds(1714557600));
  EXPECT_EQ(Get(doc, "name").kind(), cel::ValueKind::kString);
  // A string that does not parse stays a string; so does a number.
  EXPECT_EQ(Get(doc, "note_time").kind(), cel::ValueKind::kString);
  EXPECT_EQ(Get(doc, "max_staleness").kind(), cel::ValueKind::kInt);
  const cel::Value& sla = Get(doc, "sla");
  EXPECT_EQ(Get(sla, "max_staleness").duration_value(), absl::Hours(1));
  EXPECT_EQ(Get(sla, "latency").duration_value(), absl::Minutes(90));
  EXPECT_EQ(Get(sla, "window_duration").duration_value(), absl::Minutes(15));
  // An access request's `duration` (how long the grant should last).
  EXPECT_EQ(Get(sla, "duration").duration_value(), absl::Hours(720));
  EXPECT_EQ(Get(sla, "last_check_time").nanos(), 500000000);
  const cel::Value& ports = Get(doc, "output_ports");
  ASSERT_EQ(ports.kind(), cel::ValueKind::kList);
  EXPECT_EQ(Get(ports.list()[0], "retire_time").kind(),
            cel::ValueKind::kTimestamp);
  EXPECT_EQ(ports.list()[1].int_value(), 3);
  // Keys keep their document order.
  EXPECT_EQ(doc.map().entries()[1].first.string_value(), "name");
}

TEST(DocumentFromJsonTest, UnchangedDocumentIsShared) {
  ASSERT_OK_AND_ASSIGN(cel::Value doc,
                       DocumentFromJson(R"({"a": {"b": [1, {"c": "d"}]}})"));
  EXPECT_EQ(cel::ValueToJson(doc), R"({"a":{"b":[1,{"c":"d"}]}})");
}

TEST(DocumentFromJsonTest, RefusesMalformedAndNonObjects) {
  EXPECT_THAT(DocumentFromJson("{"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DocumentFromJson("[1]"),
              StatusIs(absl::StatusCode::kInvalidArgument, "JSON object"));
  EXPECT_THAT(DocumentFromJson("null"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DocumentFromJsonTest, TimesComparableInPolicies) {
  Policy p;
  p.name = "policies/fresh";
  p.triggers = {"dataproduct.create"};
  p.condition =
      "now - resource.create_time < duration('1h') && "
      "resource.sla.max_staleness <= duration('2h')";
  auto set = PolicySet::Build({p}, {});
  EvalInput in;
  in.trigger = "dataproduct.create";
  ASSERT_OK_AND_ASSIGN(
      in.resource, DocumentFromJson(R"({"create_time": "2024-05-01T10:00:00Z",
                                            "sla": {"max_staleness": "3600s"}})"));
  in.now = absl::FromUnixSeconds(1714557600) + absl::Minutes(30);
  EXPECT_EQ(Evaluate(*set, in).outcome, Outcome::kAllow);
  in.now += absl::Hours(1);
  EXPECT_EQ(Evaluate(*set, in).outcome, Outcome::kDeny);
}

TEST(PrincipalValueTest, Fields) {
  cel::Value p =
      PrincipalValue("user:ana@example.com", {"teams/a", "teams/b"}, true);
  EXPECT_EQ(
      cel::ValueToJson(p),
      R"({"name":"user:ana@example.com","kind":"user","id":"ana@example.com",)"
      R"("teams":["teams/a","teams/b"],"admin":true})");
  cel::Value anon = PrincipalValue("ci", {}, false);
  EXPECT_EQ(cel::ValueToJson(anon),
            R"({"name":"ci","kind":"","id":"ci","teams":[],"admin":false})");
}

TEST(DecisionToJsonTest, Format) {
  Decision d;
  d.outcome = Outcome::kDeny;
  d.set_version = 42;
  Violation v;
  v.policy = "policies/a";
  v.scope = "global";
  v.effect = Effect::kDeny;
  v.enforcement = Enforcement::kEnforced;
  v.message = "needs \"owner\"\n\x01";
  v.revision = 2;
  d.violations.push_back(v);
  Evaluated a;
  a.policy = "policies/a";
  a.revision = 2;
  a.violated = true;
  a.error = "1:3: boom";
  Evaluated b;
  b.policy = "policies/b";
  b.revision = 1;
  b.waiver = "policies/b/waivers/w";
  d.evaluated = {a, b};
  EXPECT_EQ(
      DecisionToJson(d),
      R"({"outcome":"DENY","set_version":42,"violations":[{"policy":"policies/a",)"
      R"("scope":"global","effect":"DENY","enforcement":"ENFORCED",)"
      R"("message":"needs \"owner\"\n\u0001","revision":2,"evaluation_error":false}],)"
      R"("evaluated":[{"policy":"policies/a","revision":2,"violated":true,)"
      R"("error":"1:3: boom"},{"policy":"policies/b","revision":1,"violated":false,)"
      R"("waiver":"policies/b/waivers/w"}]})");
  // It is valid JSON.
  EXPECT_TRUE(cel::ValueFromJson(DecisionToJson(d)).ok());
}

TEST(DecisionToJsonTest, Empty) {
  EXPECT_EQ(
      DecisionToJson(Decision()),
      R"({"outcome":"ALLOW","set_version":0,"violations":[],"evaluated":[]})");
}

}  // namespace
}  // namespace meshplane::policy
