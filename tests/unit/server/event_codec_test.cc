#include "server/event_codec.h"

#include "tests/unit/server/codec_test_util.h"

#include "meshplane/model/json.h"

namespace meshplane::server {
namespace {

// Like every other resource name, a malformed webhook name is refused with
// a field violation of the field it came from, so that API clients (and
// the REST error body) can point at it.
TEST(CodecTest, WebhookNamesCarryFieldViolations) {
  auto id = WebhookIdFromName("parent", "webhooks/Not Valid");
  ASSERT_THAT(id, StatusIs(absl::StatusCode::kInvalidArgument, "parent"));
  EXPECT_THAT(GetFieldViolations(id.status()),
              ElementsAre(ViolationOf("parent")));
  EXPECT_THAT(WebhookIdFromName("name", "teams/x"),
              StatusIs(absl::StatusCode::kInvalidArgument, "name"));
  ASSERT_OK_AND_ASSIGN(std::string ok,
                       WebhookIdFromName("name", "webhooks/orders-hook"));
  EXPECT_EQ(ok, "orders-hook");
}

TEST(CodecTest, AuditRecordImagesBecomeStructs) {
  model::AuditRecord r;
  r.sequence = 12;
  r.time = T(1767225600);
  r.principal = "user:admin";
  r.method = "meshplane.v1.DomainService/UpdateDomain";
  r.resource = "domains/sales";
  r.request_id = "7d1f";
  r.before_json = R"({"name":"domains/sales","labels":{"a":"b"}})";
  r.after_json = R"({"name":"domains/sales","labels":{}})";
  r.outcome_code = 0;
  r.validate_only = true;
  ASSERT_OK_AND_ASSIGN(v1::AuditRecord out, EncodeAuditRecord(r));
  EXPECT_EQ(out.sequence(), 12);
  EXPECT_EQ(out.before().fields().at("name").string_value(), "domains/sales");
  EXPECT_TRUE(out.has_after());
  EXPECT_FALSE(out.has_decision());
  EXPECT_TRUE(out.validate_only());

  r.after_json = "not json";
  EXPECT_THAT(EncodeAuditRecord(r), StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace meshplane::server
