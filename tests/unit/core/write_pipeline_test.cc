// What the typed write helper makes of a rule's result: the audit's
// before/after JSON, the event type and domain, the replayed response.
// (The transaction, the request-id records and the audit of refusals are
// exercised through every service's own tests.)
#include "core/write_pipeline.h"

#include "core/resource_traits.h"
#include <gtest/gtest.h>

#include "meshplane/model/json.h"

namespace meshplane::core::internal {
namespace {

model::Domain Sales(int64_t revision) {
  model::Domain d;
  d.id = "sales";
  d.display_name = "Sales";
  d.owner_team_id = "core";
  d.revision = revision;
  return d;
}

TEST(ResourceWriteTest, CreateFillsAfterEventAndResponse) {
  WriteOutcome out;
  ResourceWrite<DomainTraits> w(out);
  w.Finish(WriteKind::kCreate, Sales(1));
  EXPECT_EQ(out.resource, "domains/sales");
  EXPECT_EQ(out.before_json, "");
  EXPECT_EQ(out.after_json, model::ToJson(Sales(1)));
  EXPECT_EQ(out.response_json, out.after_json);
  EXPECT_EQ(out.event_type, "domain.created");
  EXPECT_EQ(out.domain_id, "sales");
}

TEST(ResourceWriteTest, UpdateKeepsTheJsonSerialisedOnce) {
  WriteOutcome out;
  ResourceWrite<DomainTraits> w(out);
  const std::string& before = w.Before(Sales(1));
  const std::string& after = w.After(Sales(2));
  EXPECT_EQ(before, model::ToJson(Sales(1)));
  EXPECT_EQ(after, model::ToJson(Sales(2)));
  w.Finish(WriteKind::kUpdate, Sales(2));
  EXPECT_EQ(out.before_json, model::ToJson(Sales(1)));
  EXPECT_EQ(out.after_json, model::ToJson(Sales(2)));
  EXPECT_EQ(out.response_json, out.after_json);
  EXPECT_EQ(out.event_type, "domain.updated");
}

TEST(ResourceWriteTest, UnchangedIsAuditedWithoutEvent) {
  WriteOutcome out;
  ResourceWrite<TeamTraits> w(out);
  model::Team t;
  t.id = "core";
  w.Before(t);
  w.Unchanged();
  w.Finish(WriteKind::kUpdate, t);
  EXPECT_EQ(out.after_json, out.before_json);
  EXPECT_EQ(out.response_json, out.before_json);
  EXPECT_EQ(out.event_type, "");
}

TEST(ResourceWriteTest, NamedEventAndNoEvent) {
  WriteOutcome out;
  ResourceWrite<DataProductTraits> w(out);
  model::DataProduct p;
  p.domain_id = "sales";
  p.id = "orders";
  w.SetEvent("published");
  w.Finish(WriteKind::kUpdate, p);
  EXPECT_EQ(out.event_type, "dataproduct.published");
  EXPECT_EQ(out.domain_id, "sales");
  EXPECT_EQ(out.resource, "domains/sales/dataProducts/orders");

  WriteOutcome quiet;
  ResourceWrite<DataProductTraits> q(quiet);
  q.SetEvent("");
  q.Finish(WriteKind::kUpdate, p);
  EXPECT_EQ(quiet.event_type, "");
  EXPECT_EQ(quiet.response_json, model::ToJson(p));
}

TEST(ResourceWriteTest, DeleteRecordsBeforeAndAnswersEmpty) {
  WriteOutcome out;
  ResourceWrite<DomainTraits> w(out);
  w.Finish(WriteKind::kDelete, Sales(3));
  EXPECT_EQ(out.before_json, model::ToJson(Sales(3)));
  EXPECT_EQ(out.after_json, "");
  EXPECT_EQ(out.response_json, "{}");
  EXPECT_EQ(out.event_type, "domain.deleted");
  EXPECT_EQ(out.domain_id, "sales");
}

TEST(RpcNameTest, FullNameAndTransportOverride) {
  EXPECT_EQ(rpc::kCreateDomain.Full(),
            "meshplane.v1.DomainService/CreateDomain");
  EXPECT_EQ(rpc::kReportObservations.Full(),
            "meshplane.v1.ServiceLevelService/ReportObservations");
  RequestContext ctx;
  EXPECT_EQ(MethodOf(ctx, rpc::kRevokeGrant),
            "meshplane.v1.AccessService/RevokeGrant");
  ctx.method = "meshplane.v1.AccessService/Custom";
  EXPECT_EQ(MethodOf(ctx, rpc::kRevokeGrant), ctx.method);
}

}  // namespace
}  // namespace meshplane::core::internal
