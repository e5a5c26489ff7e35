#include "server/event_codec.h"

#include "tests/unit/server/codec_test_util.h"

#include "meshplane/model/json.h"

namespace meshplane::server {
namespace {

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
