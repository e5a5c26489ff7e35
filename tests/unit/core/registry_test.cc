// Registry over InMemoryStore: every bad input on purpose, authorization,
// etags, idempotent retries, validate_only, lifecycle, lineage, lists.
#include "meshplane/core/registry.h"

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include "tests/unit/core/core_test_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/errors.h"
#include "meshplane/model/json.h"

namespace meshplane::core {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using model::DataProduct;
using model::Domain;
using model::Lifecycle;
using model::ProductKey;
using model::Team;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using Code = absl::StatusCode;

const std::vector<std::string>& Nasty() {
  static const auto* v =
      new std::vector<std::string>{"it's",
                                   "say \"hi\"",
                                   "back\\slash",
                                   "'; DROP TABLE domains; --",
                                   "percent % and _",
                                   "Grüße, 東京 🚀",
                                   "tab\tnew\nline",
                                   "$1 $$ {\"json\":1}"};
  return *v;
}

std::vector<std::string> FieldsOf(const absl::Status& s) {
  std::vector<std::string> out;
  for (const auto& v : GetFieldViolations(s)) out.push_back(v.field);
  return out;
}

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest() : registry_(store_, authz_, clock_) {
    admin_.principal = {"user:admin", true, {}};
    // Default contexts get their teams from the store like Identity would.
  }

  void SetUp() override {
    ASSERT_OK(registry_.CreateTeam(admin_, MakeTeam("sales-team", {"user:sam"}))
                  .status());
    ASSERT_OK(
        registry_.CreateTeam(admin_, MakeTeam("orders-team", {"user:olga"}))
            .status());
    ASSERT_OK(
        registry_.CreateTeam(admin_, MakeTeam("other-team", {"user:otto"}))
            .status());
    ASSERT_OK(registry_.CreateDomain(admin_, MakeDomain("sales", "sales-team"))
                  .status());
    sam_ = As("user:sam", {"sales-team"});
    olga_ = As("user:olga", {"orders-team"});
    otto_ = As("user:otto", {"other-team"});
  }

  static RequestContext As(const std::string& id,
                           std::vector<std::string> teams) {
    RequestContext ctx;
    ctx.principal.id = id;
    ctx.principal.team_ids = std::move(teams);
    return ctx;
  }

  static Team MakeTeam(const std::string& id,
                       std::vector<std::string> members) {
    Team t;
    t.id = id;
    t.display_name = "Team " + id;
    t.members = std::move(members);
    return t;
  }

  static Domain MakeDomain(const std::string& id, const std::string& owner,
                           const std::string& parent = "") {
    Domain d;
    d.id = id;
    d.display_name = "Domain " + id;
    d.owner_team_id = owner;
    d.parent_id = parent;
    return d;
  }

  static DataProduct MakeProduct(const std::string& domain,
                                 const std::string& id,
                                 const std::string& owner = "orders-team") {
    DataProduct p;
    p.domain_id = domain;
    p.id = id;
    p.display_name = "Product " + id;
    p.owner_team_id = owner;
    model::OutputPort o;
    o.id = id + "-v1";
    o.type = "table";
    p.output_ports.push_back(o);
    return p;
  }

  static model::InputPort Reads(const std::string& domain,
                                const std::string& product) {
    model::InputPort in;
    in.id = "from-" + product;
    in.source = {domain, product, product + "-v1"};
    return in;
  }

  // sales/a, sales/b reading a, and sales/c reading b, created by sam.
  void CreateReadingChain() {
    ASSERT_OK(
        registry_.CreateDataProduct(sam_, MakeProduct("sales", "a")).status());
    DataProduct b = MakeProduct("sales", "b");
    b.input_ports = {Reads("sales", "a")};
    ASSERT_OK(registry_.CreateDataProduct(sam_, b).status());
    DataProduct c = MakeProduct("sales", "c");
    c.input_ports = {Reads("sales", "b")};
    ASSERT_OK(registry_.CreateDataProduct(sam_, c).status());
  }

  std::vector<model::AuditRecord> Audit() {
    return test_util::ReadAudit(store_);  // newest first
  }
  std::vector<model::Event> Events() { return test_util::ReadEvents(store_); }

  // The newest audit record; refusals are audited after the transaction.
  model::AuditRecord LastAudit() {
    auto a = Audit();
    EXPECT_FALSE(a.empty());
    return a.empty() ? model::AuditRecord{} : a.front();
  }

  testing::InMemoryStore store_;
  auth::Authorizer authz_;
  SimulatedClock clock_;
  Registry registry_;
  RequestContext admin_;
  RequestContext sam_, olga_, otto_;
};

// ------------------------------------------------------------------ domains

TEST_F(RegistryTest, CreateDomainStoresAuditsAndAnnounces) {
  clock_.Advance(
      absl::Nanoseconds(1234567));  // sub-microsecond part is dropped
  size_t audits = Audit().size();
  size_t events = Events().size();
  ASSERT_OK_AND_ASSIGN(
      Domain d, registry_.CreateDomain(
                    sam_, MakeDomain("sales-emea", "sales-team", "sales")));
  EXPECT_EQ(d.revision, 1);
  EXPECT_FALSE(d.uid.empty());
  EXPECT_EQ(d.create_time,
            absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now())));
  EXPECT_EQ(d.update_time, d.create_time);
  ASSERT_OK_AND_ASSIGN(Domain got, registry_.GetDomain(otto_, "sales-emea"));
  EXPECT_EQ(model::ToJson(got), model::ToJson(d));

  auto audit = Audit();
  ASSERT_EQ(audit.size(), audits + 1);
  EXPECT_EQ(audit[0].method, "meshplane.v1.DomainService/CreateDomain");
  EXPECT_EQ(audit[0].principal, "user:sam");
  EXPECT_EQ(audit[0].resource, "domains/sales-emea");
  EXPECT_EQ(audit[0].outcome_code, 0);
  EXPECT_EQ(audit[0].before_json, "");
  EXPECT_EQ(audit[0].after_json, model::ToJson(d));
  auto ev = Events();
  ASSERT_EQ(ev.size(), events + 1);
  EXPECT_EQ(ev.back().type, "domain.created");
  EXPECT_EQ(ev.back().resource, "domains/sales-emea");
  EXPECT_EQ(ev.back().domain_id, "sales-emea");
  EXPECT_EQ(ev.back().payload_json, model::ToJson(d));
}

TEST_F(RegistryTest, EveryCallNeedsAnAuthenticatedPrincipal) {
  RequestContext anon;
  EXPECT_THAT(registry_.GetDomain(anon, "sales"),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(registry_.ListDomains(anon, {}),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(registry_.ListTeams(anon, {}), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(registry_.ListDataProducts(anon, {}, {}),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(registry_.GetDataProduct(anon, {"sales", "x"}),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(
      registry_.GetLineage(anon, {"sales", "x"}, LineageScope::kBoth, 1),
      StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(registry_.CreateDomain(anon, MakeDomain("x", "sales-team")),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(registry_.CreateDataProduct(anon, MakeProduct("sales", "x")),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(registry_.DeleteDomain(anon, "sales", ""),
              StatusIs(Code::kUnauthenticated));
}

TEST_F(RegistryTest, InvalidDomainReportsEveryViolationAndIsAudited) {
  Domain d = MakeDomain("Sales EU", "", "Bad_Parent");
  d.display_name = std::string(201, 'x');
  d.description = std::string(4097, 'y');
  d.labels = {{"Bad Key", "v"}, {"ok", std::string(257, 'v')}};
  absl::Status s = registry_.CreateDomain(admin_, d).status();
  EXPECT_THAT(
      s,
      StatusIs(Code::kInvalidArgument,
               "domain_id: \"Sales EU\" is not a valid id (lowercase letters"));
  EXPECT_THAT(FieldsOf(s),
              UnorderedElementsAre(
                  "domain_id", "domain.display_name", "domain.description",
                  "domain.parent", "domain.owner_team",
                  "domain.labels[\"Bad Key\"]", "domain.labels[\"ok\"]"));
  model::AuditRecord a = LastAudit();
  EXPECT_EQ(a.outcome_code, static_cast<int>(Code::kInvalidArgument));
  EXPECT_EQ(a.method, "meshplane.v1.DomainService/CreateDomain");
  EXPECT_EQ(a.after_json, "");
  EXPECT_THAT(a.outcome_message, ::testing::HasSubstr("domain_id"));
}

TEST_F(RegistryTest, DisplayNameLimitCountsCharactersNotBytes) {
  Domain d = MakeDomain("unicode", "sales-team");
  std::string s;
  for (int i = 0; i < 200; ++i) s += "é";  // 400 bytes, 200 characters
  d.display_name = s;
  EXPECT_OK(registry_.CreateDomain(admin_, d).status());
}

TEST_F(RegistryTest, CollectionLimitsAreEnforced) {
  DataProduct p = MakeProduct("sales", "big");
  for (int i = 0; i < 65; ++i) {
    p.labels["k" + std::to_string(i)] = "v";
    p.tags.push_back("t" + std::to_string(i));
  }
  p.output_ports.clear();
  for (int i = 0; i < 101; ++i) {
    model::OutputPort o;
    o.id = "o" + std::to_string(i);
    p.output_ports.push_back(o);
  }
  absl::Status s = registry_.CreateDataProduct(sam_, p).status();
  EXPECT_THAT(FieldsOf(s),
              UnorderedElementsAre("data_product.labels", "data_product.tags",
                                   "data_product.output_ports"));
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument, "at most 64"));

  Team t = MakeTeam("crowd", {});
  for (int i = 0; i < 1001; ++i)
    t.members.push_back("user:u" + std::to_string(i));
  EXPECT_THAT(
      registry_.CreateTeam(admin_, t),
      StatusIs(Code::kInvalidArgument, "team.members: has 1001 entries"));
  t.members.pop_back();
  ASSERT_OK(registry_.CreateTeam(admin_, t).status());
  RequestContext member = As("user:u0", {"crowd"});
  EXPECT_THAT(registry_.AddTeamMember(member, "crowd", "user:one-too-many"),
              StatusIs(Code::kInvalidArgument, "1000 members"));
}

TEST_F(RegistryTest, UnknownOwnerOrParentIsNotFoundNamingTheField) {
  EXPECT_THAT(registry_.CreateDomain(admin_, MakeDomain("x", "ghost-team")),
              StatusIs(Code::kNotFound,
                       "domain.owner_team: teams/ghost-team not found"));
  EXPECT_EQ(LastAudit().outcome_code, static_cast<int>(Code::kNotFound));
  EXPECT_THAT(
      registry_.CreateDomain(admin_, MakeDomain("x", "sales-team", "ghost")),
      StatusIs(Code::kNotFound, "domain.parent: domains/ghost not found"));
  EXPECT_THAT(registry_.GetDomain(admin_, "x"), StatusIs(Code::kNotFound));
}

TEST_F(RegistryTest, DuplicateDomainIsAlreadyExistsAndChangesNothing) {
  ASSERT_OK_AND_ASSIGN(Domain before, registry_.GetDomain(admin_, "sales"));
  Domain again = MakeDomain("sales", "orders-team");
  again.display_name = "changed";
  EXPECT_THAT(registry_.CreateDomain(admin_, again),
              StatusIs(Code::kAlreadyExists, "domains/sales already exists"));
  EXPECT_EQ(LastAudit().outcome_code, static_cast<int>(Code::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(Domain after, registry_.GetDomain(admin_, "sales"));
  EXPECT_EQ(model::ToJson(after), model::ToJson(before));
}

TEST_F(RegistryTest, TopLevelDomainsAndTeamsNeedAnAdmin) {
  EXPECT_THAT(registry_.CreateDomain(sam_, MakeDomain("finance", "sales-team")),
              StatusIs(Code::kPermissionDenied,
                       "user:sam may not create top-level domains"));
  model::AuditRecord a = LastAudit();
  EXPECT_EQ(a.outcome_code, static_cast<int>(Code::kPermissionDenied));
  EXPECT_EQ(a.principal, "user:sam");
  EXPECT_EQ(a.resource, "domains/finance");
  EXPECT_THAT(registry_.CreateTeam(sam_, MakeTeam("t", {})),
              StatusIs(Code::kPermissionDenied, "create teams"));
}

TEST_F(RegistryTest, SubdomainsNeedAnOwnerOfTheParentChain) {
  ASSERT_OK(
      registry_
          .CreateDomain(sam_, MakeDomain("sales-emea", "orders-team", "sales"))
          .status());
  // Owners of sales (an ancestor) and of sales-emea may both nest further.
  EXPECT_OK(registry_
                .CreateDomain(
                    sam_, MakeDomain("sales-de", "sales-team", "sales-emea"))
                .status());
  EXPECT_OK(registry_
                .CreateDomain(
                    olga_, MakeDomain("sales-fr", "sales-team", "sales-emea"))
                .status());
  EXPECT_THAT(registry_.CreateDomain(
                  otto_, MakeDomain("sales-it", "other-team", "sales-emea")),
              StatusIs(Code::kPermissionDenied, "teams/orders-team"));
  EXPECT_THAT(registry_.GetDomain(admin_, "sales-it"),
              StatusIs(Code::kNotFound));
}

TEST_F(RegistryTest, StringsAreStoredAndReturnedVerbatim) {
  int i = 0;
  for (const std::string& s : Nasty()) {
    std::string id = "nasty-" + std::to_string(i++);
    Domain d = MakeDomain(id, "sales-team");
    d.display_name = s;
    d.description = s + s;
    d.labels = {{"k", s}};
    ASSERT_OK(registry_.CreateDomain(admin_, d).status()) << s;
    ASSERT_OK_AND_ASSIGN(Domain got, registry_.GetDomain(admin_, id));
    EXPECT_EQ(got.display_name, s);
    EXPECT_EQ(got.description, s + s);
    EXPECT_EQ(got.labels.at("k"), s);

    DataProduct p = MakeProduct("sales", id);
    p.display_name = s;
    p.description = s;
    p.labels = {{"k", s}};
    p.output_ports[0].display_name = s;
    p.output_ports[0].server = s;
    p.output_ports[0].location = s;
    p.output_ports[0].description = s;
    p.output_ports[0].contract_id = s;
    ASSERT_OK(registry_.CreateDataProduct(sam_, p).status()) << s;
    ASSERT_OK_AND_ASSIGN(DataProduct gp,
                         registry_.GetDataProduct(admin_, {"sales", id}));
    EXPECT_EQ(gp.display_name, s);
    EXPECT_EQ(gp.description, s);
    EXPECT_EQ(gp.labels.at("k"), s);
    EXPECT_EQ(gp.output_ports[0].display_name, s);
    EXPECT_EQ(gp.output_ports[0].server, s);
    EXPECT_EQ(gp.output_ports[0].location, s);
    EXPECT_EQ(gp.output_ports[0].description, s);
    EXPECT_EQ(gp.output_ports[0].contract_id, s);
  }
  // A filter with SQL metacharacters is data, not code.
  ListQuery q;
  q.filter = R"(text = "'; DROP TABLE domains; --")";
  ASSERT_OK_AND_ASSIGN(auto page,
                       registry_.ListDataProducts(admin_, {"sales", false}, q));
  EXPECT_EQ(page.items.size(), 1u);
}

TEST_F(RegistryTest, TeamAndPortStringsAreStoredVerbatimToo) {
  int i = 0;
  for (const std::string& s : Nasty()) {
    std::string id = "team-" + std::to_string(i++);
    Team t = MakeTeam(id, {"user:o'brien+\"x\"@example.com"});
    t.display_name = s;
    t.description = s;
    ASSERT_OK(registry_.CreateTeam(admin_, t).status()) << s;
    ASSERT_OK_AND_ASSIGN(Team got, registry_.GetTeam(otto_, id));
    EXPECT_EQ(got.display_name, s);
    EXPECT_EQ(got.description, s);
    EXPECT_THAT(got.members, ElementsAre("user:o'brien+\"x\"@example.com"));

    ASSERT_OK(
        registry_.CreateDataProduct(sam_, MakeProduct("sales", "src" + id))
            .status());
    DataProduct reader = MakeProduct("sales", "reader" + id);
    reader.input_ports = {Reads("sales", "src" + id)};
    reader.input_ports[0].description = s;
    ASSERT_OK(registry_.CreateDataProduct(sam_, reader).status());
    ASSERT_OK_AND_ASSIGN(DataProduct gr, registry_.GetDataProduct(
                                             otto_, {"sales", "reader" + id}));
    EXPECT_EQ(gr.input_ports[0].description, s);
  }
}

TEST_F(RegistryTest, UpdateDomainAppliesTheMaskAndChecksTheEtag) {
  ASSERT_OK_AND_ASSIGN(Domain d, registry_.GetDomain(admin_, "sales"));
  Domain patch = d;
  patch.display_name = "Sales & Revenue";
  patch.description = "not in the mask";
  clock_.Advance(absl::Seconds(5));
  ASSERT_OK_AND_ASSIGN(Domain u,
                       registry_.UpdateDomain(sam_, patch, {{"display_name"}},
                                              model::Etag(d.revision)));
  EXPECT_EQ(u.display_name, "Sales & Revenue");
  EXPECT_EQ(u.description, d.description);
  EXPECT_EQ(u.revision, 2);
  EXPECT_EQ(u.create_time, d.create_time);
  EXPECT_GT(u.update_time, d.update_time);
  model::AuditRecord a = LastAudit();
  EXPECT_EQ(a.before_json, model::ToJson(d));
  EXPECT_EQ(a.after_json, model::ToJson(u));
  EXPECT_EQ(Events().back().type, "domain.updated");

  // The old etag is stale now: ABORTED, nothing changes, and it is audited.
  patch.display_name = "stale write";
  absl::Status s = registry_
                       .UpdateDomain(sam_, patch, {{"display_name"}},
                                     model::Etag(d.revision))
                       .status();
  EXPECT_THAT(s, StatusIs(Code::kAborted, "stale"));
  EXPECT_EQ(GetReason(s), "ETAG_MISMATCH");
  EXPECT_EQ(LastAudit().outcome_code, static_cast<int>(Code::kAborted));
  ASSERT_OK_AND_ASSIGN(Domain now, registry_.GetDomain(admin_, "sales"));
  EXPECT_EQ(model::ToJson(now), model::ToJson(u));

  EXPECT_THAT(registry_.UpdateDomain(sam_, patch, {{"colour"}}, ""),
              StatusIs(Code::kInvalidArgument, "update_mask"));
  EXPECT_THAT(registry_.UpdateDomain(sam_, patch, {{"name"}}, ""),
              StatusIs(Code::kInvalidArgument, "cannot be updated"));
  EXPECT_THAT(registry_.UpdateDomain(otto_, patch, {{"display_name"}}, ""),
              StatusIs(Code::kPermissionDenied));
  Domain bad = u;
  bad.owner_team_id = "ghost";
  EXPECT_THAT(registry_.UpdateDomain(sam_, bad, {{"owner_team"}}, ""),
              StatusIs(Code::kNotFound, "domain.owner_team"));
  bad.owner_team_id = "Not Valid";
  EXPECT_THAT(registry_.UpdateDomain(sam_, bad, {{"owner_team"}}, ""),
              StatusIs(Code::kInvalidArgument, "domain.owner_team"));
  Domain missing = MakeDomain("ghost", "sales-team");
  EXPECT_THAT(registry_.UpdateDomain(admin_, missing, {}, ""),
              StatusIs(Code::kNotFound));
}

TEST_F(RegistryTest, MovingADomainUnderItsOwnDescendantIsRefused) {
  ASSERT_OK(
      registry_
          .CreateDomain(sam_, MakeDomain("sales-emea", "sales-team", "sales"))
          .status());
  ASSERT_OK(registry_
                .CreateDomain(
                    sam_, MakeDomain("sales-de", "sales-team", "sales-emea"))
                .status());
  ASSERT_OK(registry_.CreateDomain(admin_, MakeDomain("finance", "other-team"))
                .status());
  Domain patch = MakeDomain("sales", "sales-team", "sales-de");
  absl::Status s =
      registry_.UpdateDomain(admin_, patch, {{"parent"}}, "").status();
  EXPECT_THAT(s, StatusIs(Code::kFailedPrecondition, "cycle"));
  patch.parent_id = "sales";
  EXPECT_THAT(registry_.UpdateDomain(admin_, patch, {{"parent"}}, ""),
              StatusIs(Code::kFailedPrecondition, "its own parent"));
  // Moving needs rights on the destination too.
  Domain move = MakeDomain("sales-de", "sales-team", "finance");
  EXPECT_THAT(registry_.UpdateDomain(sam_, move, {{"parent"}}, ""),
              StatusIs(Code::kPermissionDenied, "move domains"));
  ASSERT_OK_AND_ASSIGN(Domain moved,
                       registry_.UpdateDomain(admin_, move, {{"parent"}}, ""));
  EXPECT_EQ(moved.parent_id, "finance");
}

TEST_F(RegistryTest, DeleteDomainRefusesChildrenThenSucceeds) {
  ASSERT_OK(
      registry_
          .CreateDomain(sam_, MakeDomain("sales-emea", "sales-team", "sales"))
          .status());
  ASSERT_OK(
      registry_.CreateDataProduct(sam_, MakeProduct("sales-emea", "orders"))
          .status());
  absl::Status s = registry_.DeleteDomain(sam_, "sales-emea", "");
  EXPECT_THAT(s, StatusIs(Code::kFailedPrecondition, "1 data product"));
  EXPECT_EQ(GetReason(s), "HAS_CHILDREN");
  s = registry_.DeleteDomain(admin_, "sales", "");
  EXPECT_THAT(s, StatusIs(Code::kFailedPrecondition, "1 subdomain"));
  EXPECT_EQ(LastAudit().outcome_code,
            static_cast<int>(Code::kFailedPrecondition));
  ASSERT_OK(registry_.DeleteDataProduct(sam_, {"sales-emea", "orders"}, ""));
  EXPECT_THAT(registry_.DeleteDomain(sam_, "sales-emea", "999"),
              StatusIs(Code::kAborted));
  EXPECT_THAT(registry_.DeleteDomain(otto_, "sales-emea", ""),
              StatusIs(Code::kPermissionDenied));
  ASSERT_OK(registry_.DeleteDomain(sam_, "sales-emea", model::Etag(1)));
  EXPECT_THAT(registry_.GetDomain(admin_, "sales-emea"),
              StatusIs(Code::kNotFound));
  model::AuditRecord a = LastAudit();
  EXPECT_EQ(a.method, "meshplane.v1.DomainService/DeleteDomain");
  EXPECT_EQ(a.after_json, "");
  EXPECT_NE(a.before_json, "");
  EXPECT_EQ(Events().back().type, "domain.deleted");
  EXPECT_EQ(Events().back().payload_json, "");
  // Top-level domains are deleted by admins only.
  EXPECT_THAT(registry_.DeleteDomain(sam_, "sales", ""),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(registry_.DeleteDomain(admin_, "ghost", ""),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(registry_.DeleteDomain(admin_, "Bad Id", ""),
              StatusIs(Code::kInvalidArgument, "name"));
}

// ------------------------------------------------------------- idempotency

TEST_F(RegistryTest, RetryWithTheSameRequestIdReturnsTheFirstResultOnce) {
  RequestContext ctx = sam_;
  ctx.request_id = "5b8c6a1e-0000-4000-8000-000000000001";
  Domain d = MakeDomain("sales-emea", "sales-team", "sales");
  size_t audits = Audit().size();
  size_t events = Events().size();
  ASSERT_OK_AND_ASSIGN(Domain first, registry_.CreateDomain(ctx, d));
  int64_t commits = store_.write_commits();
  clock_.Advance(absl::Minutes(5));
  ASSERT_OK_AND_ASSIGN(Domain second, registry_.CreateDomain(ctx, d));
  EXPECT_EQ(model::ToJson(second), model::ToJson(first));
  EXPECT_EQ(second.uid, first.uid);
  EXPECT_EQ(store_.write_commits(), commits) << "a replay must write nothing";
  EXPECT_EQ(Audit().size(), audits + 1);
  EXPECT_EQ(Events().size(), events + 1);

  // Same id, different payload.
  Domain other = d;
  other.display_name = "something else";
  absl::Status s = registry_.CreateDomain(ctx, other).status();
  EXPECT_THAT(
      s, StatusIs(Code::kInvalidArgument, "was used with a different request"));
  EXPECT_THAT(FieldsOf(s), ElementsAre("request_id"));

  // The request hash from the server wins over the payload fingerprint.
  RequestContext hashed = ctx;
  hashed.request_id = "5b8c6a1e-0000-4000-8000-000000000002";
  hashed.request_hash = "h1";
  ASSERT_OK(registry_.DeleteDomain(hashed, "sales-emea", ""));
  EXPECT_OK(
      registry_.DeleteDomain(hashed, "sales-emea", ""));  // replayed: "{}"
  hashed.request_hash = "h2";
  EXPECT_THAT(registry_.DeleteDomain(hashed, "sales-emea", ""),
              StatusIs(Code::kInvalidArgument));

  // After the window the id may be reused for a new request.
  clock_.Advance(absl::Hours(25));
  ASSERT_OK_AND_ASSIGN(Domain reused, registry_.CreateDomain(ctx, other));
  EXPECT_EQ(reused.display_name, "something else");
}

TEST_F(RegistryTest, ADuplicateStillInFlightIsAbortedNotRunTwice) {
  RequestContext ctx = sam_;
  ctx.request_id = "in-flight";
  // Another transaction (the first attempt, on some replica) holds the key.
  auto holder = store_.Begin(store::TxnMode::kReadWrite);
  ASSERT_OK(holder.status());
  ASSERT_OK_AND_ASSIGN(
      bool locked,
      (*holder)->events().TryLockRequest(
          "user:sam", "meshplane.v1.DomainService/CreateDomain", "in-flight"));
  ASSERT_TRUE(locked);
  absl::Status s =
      registry_
          .CreateDomain(ctx, MakeDomain("sales-emea", "sales-team", "sales"))
          .status();
  EXPECT_THAT(s, StatusIs(Code::kAborted, "still being processed"));
  EXPECT_EQ(GetReason(s), "REQUEST_IN_FLIGHT");
  EXPECT_THAT(registry_.GetDomain(admin_, "sales-emea"),
              StatusIs(Code::kNotFound));
  // Another method or principal with the same request id is unaffected.
  RequestContext other = otto_;
  other.request_id = "in-flight";
  EXPECT_THAT(registry_.CreateDomain(other, MakeDomain("x", "other-team")),
              StatusIs(Code::kPermissionDenied));
  holder->reset();  // rolls back, releasing the key
  EXPECT_OK(
      registry_
          .CreateDomain(ctx, MakeDomain("sales-emea", "sales-team", "sales"))
          .status());
}

TEST_F(RegistryTest, ConcurrentDuplicatesCreateOnce) {
  RequestContext ctx = sam_;
  ctx.request_id = "dup";
  DataProduct p = MakeProduct("sales", "dup");
  std::vector<absl::StatusOr<DataProduct>> results(6, absl::UnknownError(""));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back(
        [&, i] { results[i] = registry_.CreateDataProduct(ctx, p); });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> uids;
  for (const auto& r : results) {
    if (r.ok()) {
      uids.insert(r->uid);
    } else {
      EXPECT_THAT(r, StatusIs(Code::kAborted)) << r.status();
    }
  }
  EXPECT_EQ(uids.size(), 1u) << "one product, however many duplicates";
  int created = 0;
  for (const auto& e : Events()) created += e.type == "dataproduct.created";
  EXPECT_EQ(created, 1);
}

TEST_F(RegistryTest, IdempotentReplayOfAProductIsIdentical) {
  RequestContext ctx = sam_;
  ctx.request_id = "req-product";
  DataProduct p = MakeProduct("sales", "orders");
  p.output_ports[0].objectives.availability_percent = 99.9;
  p.output_ports[0].objectives.max_staleness = absl::Minutes(90);
  ASSERT_OK_AND_ASSIGN(DataProduct a, registry_.CreateDataProduct(ctx, p));
  ASSERT_OK_AND_ASSIGN(DataProduct b, registry_.CreateDataProduct(ctx, p));
  EXPECT_EQ(model::ToJson(a), model::ToJson(b));
  EXPECT_EQ(b.output_ports[0].objectives.max_staleness, absl::Minutes(90));
}

TEST_F(RegistryTest, ValidateOnlyChecksEverythingAndWritesNothing) {
  RequestContext dry = sam_;
  dry.validate_only = true;
  size_t events = Events().size();
  int64_t commits = store_.write_commits();
  ASSERT_OK_AND_ASSIGN(
      Domain would, registry_.CreateDomain(
                        dry, MakeDomain("sales-emea", "sales-team", "sales")));
  EXPECT_EQ(would.id, "sales-emea");
  EXPECT_EQ(would.revision, 1);
  EXPECT_THAT(registry_.GetDomain(admin_, "sales-emea"),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(Events().size(), events);
  // Only the audit record of the dry run was committed.
  EXPECT_EQ(store_.write_commits(), commits + 1);
  model::AuditRecord a = LastAudit();
  EXPECT_TRUE(a.validate_only);
  EXPECT_EQ(a.outcome_code, 0);
  EXPECT_EQ(a.after_json, model::ToJson(would));

  // A dry run still reports every problem.
  RequestContext dry_admin = admin_;
  dry_admin.validate_only = true;
  EXPECT_THAT(
      registry_.CreateDomain(dry_admin, MakeDomain("sales", "sales-team")),
      StatusIs(Code::kAlreadyExists));
  EXPECT_TRUE(LastAudit().validate_only);
  EXPECT_THAT(registry_.CreateDataProduct(dry, MakeProduct("sales", "Bad")),
              StatusIs(Code::kInvalidArgument, "data_product_id"));
  ASSERT_OK_AND_ASSIGN(DataProduct p, registry_.CreateDataProduct(
                                          dry, MakeProduct("sales", "x")));
  EXPECT_EQ(p.lifecycle, Lifecycle::kDraft);
  EXPECT_THAT(registry_.GetDataProduct(admin_, {"sales", "x"}),
              StatusIs(Code::kNotFound));
  ASSERT_OK(
      registry_.CreateDataProduct(sam_, MakeProduct("sales", "x")).status());
  ASSERT_OK(registry_.DeleteDataProduct(dry, {"sales", "x"}, ""));
  EXPECT_OK(registry_.GetDataProduct(admin_, {"sales", "x"}).status());
}

TEST_F(RegistryTest, StoreOutageIsUnavailable) {
  store_.SetUnavailable(true);
  EXPECT_THAT(registry_.CreateDomain(admin_, MakeDomain("x", "sales-team")),
              StatusIs(Code::kUnavailable));
  EXPECT_THAT(registry_.GetDomain(admin_, "sales"),
              StatusIs(Code::kUnavailable));
  store_.SetUnavailable(false);
  EXPECT_OK(registry_.GetDomain(admin_, "sales").status());
}

// A store whose Begin fails from the `fail_from`-th call on, as when the
// database goes away between a refused write and the audit of its refusal.
class FailingBeginStore : public store::Store {
 public:
  explicit FailingBeginStore(store::Store& inner) : inner_(inner) {}
  absl::StatusOr<std::unique_ptr<store::Transaction>> Begin(
      store::TxnMode mode) override {
    if (++calls_ >= fail_from_) {
      return absl::UnavailableError("database went away");
    }
    return inner_.Begin(mode);
  }
  absl::Status Ping() override { return inner_.Ping(); }
  absl::StatusOr<std::unique_ptr<store::Listener>> NewListener() override {
    return inner_.NewListener();
  }
  void FailFrom(int n) {
    calls_ = 0;
    fail_from_ = n;
  }

 private:
  store::Store& inner_;
  int calls_ = 0;
  int fail_from_ = 1 << 30;
};

TEST_F(RegistryTest, ARefusalIsReturnedEvenWhenItsAuditCannotBeWritten) {
  FailingBeginStore flaky(store_);
  Registry registry(flaky, authz_, clock_);
  flaky.FailFrom(2);  // the write's own transaction works, the audit's not
  EXPECT_THAT(registry.CreateDomain(admin_, MakeDomain("Bad Id", "sales-team")),
              StatusIs(Code::kInvalidArgument, "domain_id"));
  flaky.FailFrom(2);
  EXPECT_THAT(registry.CreateDomain(otto_, MakeDomain("x", "other-team")),
              StatusIs(Code::kPermissionDenied));
  flaky.FailFrom(1);
  EXPECT_THAT(registry.CreateDomain(admin_, MakeDomain("x", "sales-team")),
              StatusIs(Code::kUnavailable));
  flaky.FailFrom(1 << 30);
  EXPECT_THAT(registry.GetDomain(admin_, "x"), StatusIs(Code::kNotFound));
}

// ------------------------------------------------------------------- teams

TEST_F(RegistryTest, TeamsValidateMembersAndManageMembership) {
  Team t =
      MakeTeam("data-eng", {"user:b@x.com", "user:a@x.com", "user:a@x.com"});
  ASSERT_OK_AND_ASSIGN(Team created, registry_.CreateTeam(admin_, t));
  EXPECT_THAT(created.members, ElementsAre("user:a@x.com", "user:b@x.com"));
  EXPECT_EQ(Events().back().type, "team.created");

  Team bad = MakeTeam("Bad Team", {"user:ok", "robot:x", "user:with space"});
  absl::Status s = registry_.CreateTeam(admin_, bad).status();
  EXPECT_THAT(FieldsOf(s), UnorderedElementsAre("team_id", "team.members[1]",
                                                "team.members[2]"));
  EXPECT_THAT(registry_.CreateTeam(admin_, t), StatusIs(Code::kAlreadyExists));

  RequestContext a = As("user:a@x.com", {"data-eng"});
  ASSERT_OK_AND_ASSIGN(Team added,
                       registry_.AddTeamMember(a, "data-eng", "service:ci"));
  EXPECT_THAT(added.members,
              ElementsAre("service:ci", "user:a@x.com", "user:b@x.com"));
  EXPECT_EQ(added.revision, 2);
  EXPECT_EQ(Events().back().type, "team.updated");
  size_t events = Events().size();
  ASSERT_OK_AND_ASSIGN(Team again,
                       registry_.AddTeamMember(a, "data-eng", "service:ci"));
  EXPECT_EQ(again.revision, 2);
  EXPECT_EQ(Events().size(), events);
  ASSERT_OK_AND_ASSIGN(
      Team removed, registry_.RemoveTeamMember(a, "data-eng", "user:b@x.com"));
  EXPECT_THAT(removed.members, ElementsAre("service:ci", "user:a@x.com"));
  EXPECT_OK(registry_.RemoveTeamMember(a, "data-eng", "user:b@x.com").status());
  EXPECT_THAT(registry_.AddTeamMember(otto_, "data-eng", "user:otto"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_EQ(LastAudit().outcome_code,
            static_cast<int>(Code::kPermissionDenied));
  EXPECT_THAT(registry_.AddTeamMember(a, "data-eng", "nobody"),
              StatusIs(Code::kInvalidArgument, "principal"));
  EXPECT_THAT(registry_.AddTeamMember(a, "ghost", "user:x"),
              StatusIs(Code::kNotFound));

  Team patch = removed;
  patch.display_name = "Data Engineering";
  patch.members = {"user:a@x.com"};
  ASSERT_OK_AND_ASSIGN(Team u,
                       registry_.UpdateTeam(a, patch, {{"display_name"}},
                                            model::Etag(removed.revision)));
  EXPECT_EQ(u.display_name, "Data Engineering");
  EXPECT_EQ(u.members.size(), 2u);
  EXPECT_THAT(registry_.UpdateTeam(a, patch, {}, model::Etag(removed.revision)),
              StatusIs(Code::kAborted));
  EXPECT_THAT(registry_.UpdateTeam(otto_, patch, {}, ""),
              StatusIs(Code::kPermissionDenied));
}

TEST_F(RegistryTest, TeamsInUseCannotBeDeleted) {
  absl::Status s = registry_.DeleteTeam(admin_, "sales-team", "");
  EXPECT_THAT(s, StatusIs(Code::kFailedPrecondition, "domains/sales"));
  EXPECT_THAT(registry_.DeleteTeam(otto_, "other-team", ""),
              StatusIs(Code::kPermissionDenied));
  ASSERT_OK(registry_.DeleteTeam(admin_, "other-team", model::Etag(1)));
  EXPECT_THAT(registry_.GetTeam(admin_, "other-team"),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(Events().back().type, "team.deleted");
}

TEST_F(RegistryTest, ListTeamsByMember) {
  ListQuery q;
  q.filter = "member = \"user:olga\"";
  ASSERT_OK_AND_ASSIGN(auto page, registry_.ListTeams(admin_, q));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "orders-team");
  q.filter = "colour = red";
  EXPECT_THAT(registry_.ListTeams(admin_, q),
              StatusIs(Code::kInvalidArgument, "unknown field \"colour\""));
}

// ----------------------------------------------------------- data products

TEST_F(RegistryTest, ProductValidationReportsFullPaths) {
  DataProduct p = MakeProduct("sales", "orders");
  p.owner_team_id = "";
  p.tier = 7;
  p.tags = {"ok", "Not OK"};
  model::OutputPort second;
  second.id = "Orders V1";
  p.output_ports.push_back(second);
  model::OutputPort dup;
  dup.id = "orders-v1";
  dup.objectives.availability_percent = 120;
  dup.objectives.latency = absl::Seconds(-1);
  p.output_ports.push_back(dup);
  model::InputPort in;
  in.id = "in";
  in.source = {"crm", "Customers", "v1"};
  p.input_ports.push_back(in);
  p.lifecycle = Lifecycle::kRetired;
  absl::Status s = registry_.CreateDataProduct(sam_, p).status();
  EXPECT_THAT(
      s,
      StatusIs(
          Code::kInvalidArgument,
          "data_product.output_ports[1].id: \"Orders V1\" is not a valid id"));
  EXPECT_THAT(
      FieldsOf(s),
      UnorderedElementsAre(
          "data_product.lifecycle", "data_product.owner_team",
          "data_product.tier", "data_product.tags[1]",
          "data_product.output_ports[1].id", "data_product.output_ports[2].id",
          "data_product.output_ports[2].objectives.availability_percent",
          "data_product.output_ports[2].objectives.latency",
          "data_product.input_ports[0].source"));
  EXPECT_EQ(LastAudit().outcome_code, static_cast<int>(Code::kInvalidArgument));

  DataProduct bad_key = MakeProduct("Sales", "Orders");
  EXPECT_THAT(FieldsOf(registry_.CreateDataProduct(sam_, bad_key).status()),
              UnorderedElementsAre("parent", "data_product_id",
                                   "data_product.output_ports[0].id"));
  EXPECT_THAT(registry_.CreateDataProduct(sam_, MakeProduct("ghost", "orders")),
              StatusIs(Code::kNotFound, "parent: domains/ghost not found"));
  EXPECT_THAT(
      registry_.CreateDataProduct(sam_,
                                  MakeProduct("sales", "orders", "ghost-team")),
      StatusIs(Code::kNotFound, "data_product.owner_team: teams/ghost-team"));
}

TEST_F(RegistryTest, ProductCreateAndWritePermissions) {
  // Creating needs ownership of the domain chain, not just of the product.
  EXPECT_THAT(
      registry_.CreateDataProduct(olga_, MakeProduct("sales", "orders")),
      StatusIs(Code::kPermissionDenied, "create data products"));
  ASSERT_OK_AND_ASSIGN(
      DataProduct p,
      registry_.CreateDataProduct(sam_, MakeProduct("sales", "orders")));
  EXPECT_EQ(p.lifecycle, Lifecycle::kDraft);
  EXPECT_EQ(Events().back().type, "dataproduct.created");
  EXPECT_EQ(Events().back().domain_id, "sales");
  EXPECT_THAT(registry_.CreateDataProduct(sam_, MakeProduct("sales", "orders")),
              StatusIs(Code::kAlreadyExists));
  // The product's owner team may change it; outsiders may not.
  DataProduct patch = p;
  patch.description = "by the owners";
  ASSERT_OK_AND_ASSIGN(
      DataProduct u,
      registry_.UpdateDataProduct(olga_, patch, {{"description"}}, "", false));
  EXPECT_EQ(u.description, "by the owners");
  EXPECT_EQ(u.revision, 2);
  patch.description = "by an outsider";
  EXPECT_THAT(
      registry_.UpdateDataProduct(otto_, patch, {{"description"}}, "", false),
      StatusIs(Code::kPermissionDenied, "user:otto may not update"));
  EXPECT_EQ(LastAudit().outcome_code,
            static_cast<int>(Code::kPermissionDenied));
  EXPECT_THAT(registry_.DeleteDataProduct(otto_, {"sales", "orders"}, ""),
              StatusIs(Code::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(DataProduct got,
                       registry_.GetDataProduct(otto_, {"sales", "orders"}));
  EXPECT_EQ(got.description, "by the owners");
}

TEST_F(RegistryTest, ProductUpdatesHonourMaskAndEtag) {
  ASSERT_OK_AND_ASSIGN(
      DataProduct p,
      registry_.CreateDataProduct(sam_, MakeProduct("sales", "orders")));
  DataProduct patch = p;
  patch.tags = {"pii", "gold", "pii"};
  patch.tier = 1;
  patch.classification = model::Classification::kConfidential;
  ASSERT_OK_AND_ASSIGN(DataProduct u, registry_.UpdateDataProduct(
                                          sam_, patch, {{"tags", "tier"}},
                                          model::Etag(1), false));
  EXPECT_THAT(u.tags, ElementsAre("gold", "pii"));
  EXPECT_EQ(u.tier, 1);
  EXPECT_EQ(u.classification, model::Classification::kUnspecified);
  EXPECT_EQ(Events().back().type, "dataproduct.updated");
  absl::Status s =
      registry_
          .UpdateDataProduct(sam_, patch, {{"tier"}}, model::Etag(1), false)
          .status();
  EXPECT_THAT(s, StatusIs(Code::kAborted));
  EXPECT_EQ(GetReason(s), "ETAG_MISMATCH");
  EXPECT_THAT(
      registry_.UpdateDataProduct(sam_, patch, {{"lifecycle"}}, "", false),
      StatusIs(Code::kInvalidArgument, "update_mask"));
  EXPECT_THAT(registry_.UpdateDataProduct(sam_, MakeProduct("sales", "ghost"),
                                          {}, "", false),
              StatusIs(Code::kNotFound));
  patch.owner_team_id = "ghost-team";
  EXPECT_THAT(
      registry_.UpdateDataProduct(sam_, patch, {{"owner_team"}}, "", false),
      StatusIs(Code::kNotFound, "data_product.owner_team"));
  ASSERT_OK_AND_ASSIGN(DataProduct now,
                       registry_.GetDataProduct(admin_, {"sales", "orders"}));
  EXPECT_EQ(model::ToJson(now), model::ToJson(u));
}

TEST_F(RegistryTest, AllowMissingCreatesTheProduct) {
  DataProduct p = MakeProduct("sales", "applied");
  ASSERT_OK_AND_ASSIGN(DataProduct created,
                       registry_.UpdateDataProduct(sam_, p, {}, "", true));
  EXPECT_EQ(created.revision, 1);
  EXPECT_EQ(LastAudit().method,
            "meshplane.v1.DataProductService/UpdateDataProduct");
  EXPECT_EQ(Events().back().type, "dataproduct.created");
  p.description = "second apply";
  ASSERT_OK_AND_ASSIGN(DataProduct updated,
                       registry_.UpdateDataProduct(sam_, p, {}, "", true));
  EXPECT_EQ(updated.revision, 2);
  EXPECT_EQ(updated.uid, created.uid);
}

struct TransitionCase {
  std::vector<Lifecycle> path;  // transitions applied before the last one
  Lifecycle target;
  bool ok;
};

class RegistryLifecycleTest
    : public RegistryTest,
      public ::testing::WithParamInterface<TransitionCase> {};

TEST_P(RegistryLifecycleTest, TransitionsFollowTheLifecycle) {
  ASSERT_OK(
      registry_.CreateDataProduct(sam_, MakeProduct("sales", "p")).status());
  for (Lifecycle l : GetParam().path) {
    ASSERT_OK(
        registry_
            .TransitionDataProduct(sam_, {"sales", "p"}, l, "", std::nullopt)
            .status());
  }
  auto r = registry_.TransitionDataProduct(sam_, {"sales", "p"},
                                           GetParam().target, "", std::nullopt);
  if (GetParam().ok) {
    ASSERT_OK(r.status());
    EXPECT_EQ(r->lifecycle, GetParam().target);
  } else {
    EXPECT_THAT(r, StatusIs(Code::kFailedPrecondition, "cannot go from"));
    EXPECT_EQ(GetReason(r.status()), "LIFECYCLE_TRANSITION");
  }
}

using L = Lifecycle;
INSTANTIATE_TEST_SUITE_P(
    Table, RegistryLifecycleTest,
    ::testing::Values(
        TransitionCase{{}, L::kPublished, true},
        TransitionCase{{}, L::kDeprecated, false},
        TransitionCase{{}, L::kRetired, true},
        TransitionCase{{L::kPublished}, L::kPublished, false},
        TransitionCase{{L::kPublished}, L::kDeprecated, true},
        TransitionCase{{L::kPublished}, L::kRetired, false},
        TransitionCase{{L::kPublished, L::kDeprecated}, L::kPublished, true},
        TransitionCase{{L::kPublished, L::kDeprecated}, L::kRetired, true},
        TransitionCase{{L::kRetired}, L::kPublished, false},
        TransitionCase{{L::kRetired}, L::kRetired, false}));

TEST_F(RegistryTest, DeprecationSunsetAndRetirement) {
  ASSERT_OK(
      registry_.CreateDataProduct(sam_, MakeProduct("sales", "p")).status());
  ASSERT_OK_AND_ASSIGN(DataProduct pub, registry_.TransitionDataProduct(
                                            sam_, {"sales", "p"}, L::kPublished,
                                            "", std::nullopt));
  EXPECT_EQ(Events().back().type, "dataproduct.published");
  EXPECT_EQ(LastAudit().method,
            "meshplane.v1.DataProductService/PublishDataProduct");
  EXPECT_THAT(
      registry_.TransitionDataProduct(sam_, {"sales", "p"}, L::kDeprecated, "",
                                      clock_.Now() - absl::Hours(1)),
      StatusIs(Code::kInvalidArgument, "sunset_time: must be in the future"));
  EXPECT_THAT(registry_.TransitionDataProduct(otto_, {"sales", "p"},
                                              L::kDeprecated, "", std::nullopt),
              StatusIs(Code::kPermissionDenied));
  absl::Time sunset = absl::FromUnixMicros(
      absl::ToUnixMicros(clock_.Now() + absl::Hours(24 * 90)));
  ASSERT_OK_AND_ASSIGN(
      DataProduct dep,
      registry_.TransitionDataProduct(sam_, {"sales", "p"}, L::kDeprecated,
                                      model::Etag(pub.revision), sunset));
  EXPECT_EQ(dep.sunset_time, sunset);
  EXPECT_EQ(Events().back().type, "dataproduct.deprecated");
  ASSERT_OK_AND_ASSIGN(DataProduct ret, registry_.TransitionDataProduct(
                                            sam_, {"sales", "p"}, L::kRetired,
                                            "", std::nullopt));
  EXPECT_EQ(Events().back().type, "dataproduct.retired");
  DataProduct patch = ret;
  patch.description = "too late";
  absl::Status s =
      registry_.UpdateDataProduct(sam_, patch, {{"description"}}, "", false)
          .status();
  EXPECT_THAT(s, StatusIs(Code::kFailedPrecondition, "RETIRED"));
  EXPECT_EQ(LastAudit().outcome_code,
            static_cast<int>(Code::kFailedPrecondition));
  // A sunset time only on deprecation, and not on a draft.
  ASSERT_OK(
      registry_.CreateDataProduct(sam_, MakeProduct("sales", "q")).status());
  EXPECT_THAT(registry_.TransitionDataProduct(sam_, {"sales", "q"},
                                              L::kPublished, "", sunset),
              StatusIs(Code::kInvalidArgument, "only a deprecated product"));
  EXPECT_THAT(registry_.TransitionDataProduct(sam_, {"sales", "q"}, L::kDraft,
                                              "", std::nullopt),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(RegistryTest, InputPortsMustExistAndCannotCloseACycle) {
  ASSERT_NO_FATAL_FAILURE(CreateReadingChain());

  DataProduct ghost = MakeProduct("sales", "d");
  ghost.input_ports = {Reads("sales", "a"), Reads("sales", "nope")};
  EXPECT_THAT(registry_.CreateDataProduct(sam_, ghost),
              StatusIs(Code::kNotFound,
                       "data_product.input_ports[1].source: "
                       "domains/sales/dataProducts/nope/outputPorts/nope-v1 "
                       "not found"));
  ghost.input_ports = {Reads("sales", "a")};
  ghost.input_ports[0].source.port_id = "missing";
  EXPECT_THAT(registry_.CreateDataProduct(sam_, ghost),
              StatusIs(Code::kNotFound, "input_ports[0].source"));

  // a reading c would close a -> b -> c -> a.
  ASSERT_OK_AND_ASSIGN(DataProduct a,
                       registry_.GetDataProduct(admin_, {"sales", "a"}));
  a.input_ports = {Reads("sales", "c")};
  absl::Status s =
      registry_.UpdateDataProduct(sam_, a, {{"input_ports"}}, "", false)
          .status();
  EXPECT_THAT(s, StatusIs(Code::kFailedPrecondition, "lineage cycle"));
  EXPECT_EQ(GetReason(s), "LINEAGE_CYCLE");
  EXPECT_EQ(LastAudit().outcome_code,
            static_cast<int>(Code::kFailedPrecondition));
  a.input_ports = {Reads("sales", "a")};
  EXPECT_THAT(
      registry_.UpdateDataProduct(sam_, a, {{"input_ports"}}, "", false),
      StatusIs(Code::kFailedPrecondition, "its own output port"));
  ASSERT_OK_AND_ASSIGN(DataProduct still,
                       registry_.GetDataProduct(admin_, {"sales", "a"}));
  EXPECT_TRUE(still.input_ports.empty());

  // A product that others read cannot go, nor can the port they read.
  EXPECT_THAT(registry_.DeleteDataProduct(sam_, {"sales", "a"}, ""),
              StatusIs(Code::kFailedPrecondition));
  still.output_ports[0].id = "renamed";
  EXPECT_THAT(
      registry_.UpdateDataProduct(sam_, still, {{"output_ports"}}, "", false),
      StatusIs(Code::kFailedPrecondition, "is read by"));
}

TEST_F(RegistryTest, LineageHasTheStartFirstThenReachedProducts) {
  ASSERT_NO_FATAL_FAILURE(CreateReadingChain());

  ASSERT_OK_AND_ASSIGN(
      Lineage both,
      registry_.GetLineage(otto_, {"sales", "b"}, LineageScope::kBoth, 0));
  std::vector<std::string> nodes;
  for (const auto& n : both.nodes) nodes.push_back(n.id);
  EXPECT_THAT(nodes, ElementsAre("b", "a", "c"));
  ASSERT_EQ(both.edges.size(), 2u);
  EXPECT_EQ(both.edges[0].consumer, (ProductKey{"sales", "b"}));
  EXPECT_EQ(both.edges[1].consumer, (ProductKey{"sales", "c"}));

  ASSERT_OK_AND_ASSIGN(
      Lineage up,
      registry_.GetLineage(otto_, {"sales", "c"}, LineageScope::kUpstream, 1));
  EXPECT_EQ(up.nodes.size(), 2u);
  ASSERT_OK_AND_ASSIGN(up, registry_.GetLineage(otto_, {"sales", "c"},
                                                LineageScope::kUpstream, 10));
  EXPECT_EQ(up.nodes.size(), 3u);
  EXPECT_EQ(up.edges.back().depth, 2);
  ASSERT_OK_AND_ASSIGN(Lineage down,
                       registry_.GetLineage(otto_, {"sales", "c"},
                                            LineageScope::kDownstream, 3));
  EXPECT_EQ(down.nodes.size(), 1u);
  EXPECT_THAT(
      registry_.GetLineage(otto_, {"sales", "c"}, LineageScope::kBoth, 11),
      StatusIs(Code::kInvalidArgument, "depth"));
  EXPECT_THAT(
      registry_.GetLineage(otto_, {"sales", "zz"}, LineageScope::kBoth, 1),
      StatusIs(Code::kNotFound));
}

// ------------------------------------------------------------------- lists

TEST_F(RegistryTest, ListDataProductsPagesWithoutGapsAndBindsTokens) {
  for (int i = 0; i < 7; ++i) {
    DataProduct p = MakeProduct("sales", "p" + std::to_string(i));
    p.tags = {i % 2 ? "odd" : "even"};
    ASSERT_OK(registry_.CreateDataProduct(sam_, p).status());
  }
  std::vector<std::string> seen;
  ListQuery q;
  q.page_size = 3;
  int pages = 0;
  do {
    ASSERT_OK_AND_ASSIGN(
        auto page, registry_.ListDataProducts(otto_, {"sales", false}, q));
    for (const auto& p : page.items) seen.push_back(p.id);
    q.page_token = page.next_page_token;
    ++pages;
  } while (!q.page_token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre("p0", "p1", "p2", "p3", "p4", "p5", "p6"));

  q = ListQuery{};
  q.page_size = 2;
  q.filter = "tags = odd";
  ASSERT_OK_AND_ASSIGN(auto first,
                       registry_.ListDataProducts(otto_, {"sales", false}, q));
  EXPECT_EQ(first.items.size(), 2u);
  ASSERT_FALSE(first.next_page_token.empty());
  ListQuery other = q;
  other.page_token = first.next_page_token;
  other.filter = "tags = even";
  EXPECT_THAT(registry_.ListDataProducts(otto_, {"sales", false}, other),
              StatusIs(Code::kInvalidArgument, "page_token"));
  ListQuery rescoped = q;  // same filter, other parent
  rescoped.page_token = first.next_page_token;
  EXPECT_THAT(registry_.ListDataProducts(otto_, {"", false}, rescoped),
              StatusIs(Code::kInvalidArgument, "page_token"));
  q.page_size = -1;
  EXPECT_THAT(registry_.ListDataProducts(otto_, {"sales", false}, q),
              StatusIs(Code::kInvalidArgument, "page_size"));
}

TEST_F(RegistryTest, ListDataProductsFilters) {
  ASSERT_OK(
      registry_
          .CreateDomain(sam_, MakeDomain("sales-emea", "sales-team", "sales"))
          .status());
  DataProduct a = MakeProduct("sales", "monthly-revenue", "sales-team");
  a.tags = {"gold"};
  a.description = "Revenue by month";
  ASSERT_OK(registry_.CreateDataProduct(sam_, a).status());
  DataProduct b = MakeProduct("sales-emea", "orders");
  b.tags = {"pii"};
  ASSERT_OK(registry_.CreateDataProduct(sam_, b).status());
  ASSERT_OK(registry_
                .TransitionDataProduct(sam_, {"sales-emea", "orders"},
                                       L::kPublished, "", std::nullopt)
                .status());

  auto ids = [&](ProductScope scope, const std::string& filter) {
    ListQuery q;
    q.filter = filter;
    std::vector<std::string> out;
    auto page = registry_.ListDataProducts(otto_, scope, q);
    EXPECT_THAT(page, IsOk()) << filter;
    if (page.ok()) {
      for (const auto& p : page->items) out.push_back(p.id);
    }
    return out;
  };
  EXPECT_THAT(ids({"", false}, ""), ElementsAre("monthly-revenue", "orders"));
  EXPECT_THAT(ids({"-", false}, ""), ElementsAre("monthly-revenue", "orders"));
  EXPECT_THAT(ids({"sales", false}, ""), ElementsAre("monthly-revenue"));
  EXPECT_THAT(ids({"sales", true}, ""),
              ElementsAre("monthly-revenue", "orders"));
  EXPECT_THAT(ids({"", false}, "owner_team = \"teams/orders-team\""),
              ElementsAre("orders"));
  EXPECT_THAT(ids({"", false}, "owner = sales-team"),
              ElementsAre("monthly-revenue"));
  EXPECT_THAT(ids({"", false}, "lifecycle = PUBLISHED"), ElementsAre("orders"));
  EXPECT_THAT(ids({"", false}, "tags:gold"), ElementsAre("monthly-revenue"));
  EXPECT_THAT(ids({"", false}, "revenue"), ElementsAre("monthly-revenue"));
  EXPECT_THAT(ids({"", false}, "text = \"by month\" AND tags = gold"),
              ElementsAre("monthly-revenue"));
  EXPECT_THAT(ids({"", false}, "domain = domains/sales-emea"),
              ElementsAre("orders"));

  ListQuery q;
  q.filter = "colour = red";
  absl::Status s = registry_.ListDataProducts(otto_, {}, q).status();
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument, "unknown field \"colour\""));
  EXPECT_THAT(FieldsOf(s), ElementsAre("filter"));
  q.filter = "lifecycle = GONE";
  EXPECT_THAT(registry_.ListDataProducts(otto_, {}, q),
              StatusIs(Code::kInvalidArgument, "lifecycle"));
  q.filter = "tags = a AND tags = b";
  EXPECT_THAT(registry_.ListDataProducts(otto_, {}, q),
              StatusIs(Code::kInvalidArgument, "only once"));
  q.filter = "domain = finance";
  EXPECT_THAT(registry_.ListDataProducts(otto_, {"sales", false}, q),
              StatusIs(Code::kInvalidArgument, "contradicts"));
  EXPECT_THAT(registry_.ListDataProducts(otto_, {"ghost", false}, {}),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(registry_.ListDataProducts(otto_, {"Bad", false}, {}),
              StatusIs(Code::kInvalidArgument, "parent"));
}

TEST_F(RegistryTest, DomainAndTeamPagesAreBoundToTheirFilter) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(registry_
                  .CreateDomain(sam_, MakeDomain("sub" + std::to_string(i),
                                                 "sales-team", "sales"))
                  .status());
  }
  ListQuery q;
  q.page_size = 2;
  q.filter = "parent = domains/sales";
  std::vector<std::string> ids;
  for (int guard = 0; guard < 10; ++guard) {
    ASSERT_OK_AND_ASSIGN(auto page, registry_.ListDomains(otto_, q));
    for (const auto& d : page.items) ids.push_back(d.id);
    if (page.next_page_token.empty()) break;
    q.page_token = page.next_page_token;
  }
  EXPECT_THAT(ids, ElementsAre("sub0", "sub1", "sub2", "sub3", "sub4"));
  ListQuery first;
  first.page_size = 1;
  ASSERT_OK_AND_ASSIGN(auto teams, registry_.ListTeams(otto_, first));
  ASSERT_EQ(teams.items.size(), 1u);
  ListQuery other;
  other.page_token = teams.next_page_token;
  other.filter = "member = user:otto";
  EXPECT_THAT(registry_.ListTeams(otto_, other),
              StatusIs(Code::kInvalidArgument, "page_token"));
  // A team token is no domain token either.
  ListQuery cross;
  cross.page_token = teams.next_page_token;
  EXPECT_THAT(registry_.ListDomains(otto_, cross),
              StatusIs(Code::kInvalidArgument, "page_token"));
}

TEST_F(RegistryTest, ListDomainsFilters) {
  ASSERT_OK(
      registry_
          .CreateDomain(sam_, MakeDomain("sales-emea", "orders-team", "sales"))
          .status());
  ASSERT_OK(registry_.CreateDomain(admin_, MakeDomain("finance", "other-team"))
                .status());
  auto ids = [&](const std::string& filter) {
    ListQuery q;
    q.filter = filter;
    std::vector<std::string> out;
    auto page = registry_.ListDomains(otto_, q);
    EXPECT_THAT(page, IsOk()) << filter;
    if (page.ok()) {
      for (const auto& d : page->items) out.push_back(d.id);
    }
    return out;
  };
  EXPECT_THAT(ids(""), ElementsAre("finance", "sales", "sales-emea"));
  EXPECT_THAT(ids("parent = \"domains/sales\""), ElementsAre("sales-emea"));
  EXPECT_THAT(ids("parent = \"\""), ElementsAre("finance", "sales"));
  EXPECT_THAT(ids("owner_team = teams/other-team"), ElementsAre("finance"));
  ListQuery q;
  q.filter = "owner_teem = x";
  EXPECT_THAT(registry_.ListDomains(otto_, q),
              StatusIs(Code::kInvalidArgument, "owner_teem"));
  q.filter = "sales";
  EXPECT_THAT(registry_.ListDomains(otto_, q),
              StatusIs(Code::kInvalidArgument, "free text"));
}

// ------------------------------------------------------------ concurrency

TEST_F(RegistryTest, ConcurrentUpdatesWithOneEtagHaveOneWinner) {
  ASSERT_OK_AND_ASSIGN(DataProduct p, registry_.CreateDataProduct(
                                          sam_, MakeProduct("sales", "hot")));
  const std::string etag = model::Etag(p.revision);
  constexpr int kThreads = 8;
  std::atomic<int> ok{0}, aborted{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      DataProduct patch = p;
      patch.description = "writer " + std::to_string(i);
      auto r = registry_.UpdateDataProduct(sam_, patch, {{"description"}}, etag,
                                           false);
      if (r.ok()) {
        ++ok;
      } else if (r.status().code() == Code::kAborted) {
        ++aborted;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(aborted.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  ASSERT_OK_AND_ASSIGN(DataProduct now,
                       registry_.GetDataProduct(admin_, {"sales", "hot"}));
  EXPECT_EQ(now.revision, 2);
}

TEST_F(RegistryTest, ConcurrentHalvesOfACycleNeverBothCommit) {
  for (int round = 0; round < 20; ++round) {
    std::string a = "ca" + std::to_string(round),
                b = "cb" + std::to_string(round);
    ASSERT_OK(
        registry_.CreateDataProduct(sam_, MakeProduct("sales", a)).status());
    ASSERT_OK(
        registry_.CreateDataProduct(sam_, MakeProduct("sales", b)).status());
    absl::Status sa, sb;
    std::thread ta([&] {
      DataProduct p = MakeProduct("sales", a);
      p.input_ports = {Reads("sales", b)};
      sa = registry_.UpdateDataProduct(sam_, p, {{"input_ports"}}, "", false)
               .status();
    });
    std::thread tb([&] {
      DataProduct p = MakeProduct("sales", b);
      p.input_ports = {Reads("sales", a)};
      sb = registry_.UpdateDataProduct(sam_, p, {{"input_ports"}}, "", false)
               .status();
    });
    ta.join();
    tb.join();
    EXPECT_FALSE(sa.ok() && sb.ok())
        << "round " << round << ": both halves of a cycle committed";
    EXPECT_TRUE(sa.ok() || sb.ok()) << sa << " / " << sb;
  }
}

TEST_F(RegistryTest, TeamMembersMustNameExistingTeams) {
  // A member naming no team granted nothing now, and whatever team would
  // later be created under that name.
  absl::Status s =
      registry_.AddTeamMember(admin_, "sales-team", "team:ghosts").status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          "teams/ghosts does not exist"));
  ASSERT_EQ(GetFieldViolations(s).size(), 1u);
  EXPECT_EQ(GetFieldViolations(s)[0].field, "member");
  EXPECT_OK(registry_.AddTeamMember(admin_, "sales-team", "team:orders-team")
                .status());

  s = registry_
          .CreateTeam(admin_,
                      MakeTeam("new-team", {"user:nina", "team:ghosts"}))
          .status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_EQ(GetFieldViolations(s).size(), 1u);
  EXPECT_EQ(GetFieldViolations(s)[0].field, "team.members[1]");

  s = registry_
          .UpdateTeam(admin_, MakeTeam("other-team", {"team:ghosts"}),
                      {{"members"}}, "")
          .status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          "team.members[0]: teams/ghosts does not exist"));
}

}  // namespace
}  // namespace meshplane::core
