// The REST/JSON API (transcoded from the protos' google.api.http options)
// against a real server and PostgreSQL, through cpp-httplib's client: the
// standard and custom methods, paging, etags as headers, AIP-193 errors
// with the same details as gRPC, idempotent retries, and the call log line.
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/testing/server/http_client.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "meshplane/v1/data_product.pb.h"
#include "meshplane/v1/domain.pb.h"
#include "meshplane/v1/events.pb.h"
#include "meshplane/v1/team.pb.h"

namespace meshplane::testing {
namespace {

using ::testing::HasSubstr;

using Reply = HttpReply;

// The "error" object of an AIP-193 body.
struct ErrorBody {
  int code = 0;
  std::string status;
  std::string message;
  std::vector<google::protobuf::Struct> details;
};

ErrorBody ErrorOf(const Reply& r) {
  google::protobuf::Struct s;
  ErrorBody out;
  if (!google::protobuf::util::JsonStringToMessage(r.body, &s).ok() ||
      !s.fields().count("error")) {
    ADD_FAILURE() << "not an AIP-193 error: " << r.body;
    return out;
  }
  const auto& e = s.fields().at("error").struct_value().fields();
  out.code = static_cast<int>(e.at("code").number_value());
  out.status = e.at("status").string_value();
  out.message = e.at("message").string_value();
  for (const auto& d : e.at("details").list_value().values()) {
    out.details.push_back(d.struct_value());
  }
  return out;
}

// The detail of `type` ("google.rpc.BadRequest"), or an empty Struct.
google::protobuf::Struct DetailOf(const ErrorBody& e, const std::string& type) {
  for (const auto& d : e.details) {
    if (d.fields().at("@type").string_value() ==
        "type.googleapis.com/" + type) {
      return d;
    }
  }
  return {};
}

std::string FirstViolationField(const ErrorBody& e) {
  google::protobuf::Struct bad = DetailOf(e, "google.rpc.BadRequest");
  if (!bad.fields().count("fieldViolations")) return "";
  return bad.fields()
      .at("fieldViolations")
      .list_value()
      .values(0)
      .struct_value()
      .fields()
      .at("field")
      .string_value();
}

template <typename M>
M Parse(const Reply& r) {
  M m;
  auto s = google::protobuf::util::JsonStringToMessage(r.body, &m);
  EXPECT_TRUE(s.ok()) << s.ToString() << ": " << r.body;
  return m;
}

class RestTest : public SharedServerTest {
 protected:
  static Reply Call(const std::string& method, const std::string& path,
                    const std::string& token, const std::string& body = "",
                    const HttpHeaders& extra = {}) {
    return HttpCall(fx_->http_port(), method, path, token, body, extra);
  }
  static Reply Admin(const std::string& method, const std::string& path,
                     const std::string& body = "",
                     const HttpHeaders& extra = {}) {
    return Call(method, path, fx_->admin_token(), body, extra);
  }

  // A team, a domain owned by it, once per suite.
  static void SetUpTeamAndDomain(const std::string& team,
                                 const std::string& domain) {
    Reply t = Admin(
        "POST", "/v1/teams?teamId=" + team,
        R"({"displayName": "Team", "members": ["user:ana@example.com"]})");
    ASSERT_EQ(t.status, 200) << t.body;
    Reply d =
        Admin("POST", "/v1/domains?domainId=" + domain,
              absl::StrCat(R"({"displayName": "Sales", "ownerTeam": "teams/)",
                           team, R"("})"));
    ASSERT_EQ(d.status, 200) << d.body;
  }

  static std::string ProductJson(const std::string& team,
                                 const std::string& extra = "") {
    return absl::StrCat(R"({"displayName": "Orders", "ownerTeam": "teams/)",
                        team, R"(", "tier": 1, "tags": ["pii"],
        "outputPorts": [{"id": "v1", "type": "table"}])",
                        extra, "}");
  }
};

TEST_F(RestTest, CreateGetListUpdatePublishDelete) {
  SetUpTeamAndDomain("checkout", "sales");
  Reply created =
      Admin("POST", "/v1/domains/sales/dataProducts?dataProductId=orders",
            ProductJson("checkout"));
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_THAT(created.content_type, HasSubstr("application/json"));
  v1::DataProduct p = Parse<v1::DataProduct>(created);
  EXPECT_EQ(p.name(), "domains/sales/dataProducts/orders");
  EXPECT_EQ(p.lifecycle(), v1::LIFECYCLE_DRAFT);
  // proto3 JSON: lowerCamelCase, enums by name, RFC 3339 timestamps.
  EXPECT_THAT(created.body, HasSubstr("\"ownerTeam\":\"teams/checkout\""));
  EXPECT_THAT(created.body, HasSubstr("\"lifecycle\":\"LIFECYCLE_DRAFT\""));
  EXPECT_THAT(created.body, HasSubstr("\"createTime\":\""));
  EXPECT_EQ(created.etag, "\"" + p.etag() + "\"");

  Reply got = Admin("GET", "/v1/domains/sales/dataProducts/orders");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Parse<v1::DataProduct>(got).uid(), p.uid());
  EXPECT_EQ(got.etag, created.etag);

  // List with a filter, one per page, following pageToken.
  for (const char* id : {"payments", "refunds"}) {
    ASSERT_EQ(
        Admin("POST",
              absl::StrCat("/v1/domains/sales/dataProducts?dataProductId=", id),
              ProductJson("checkout"))
            .status,
        200);
  }
  ASSERT_EQ(
      Admin("POST", "/v1/domains/sales/dataProducts?dataProductId=untagged",
            R"({"ownerTeam": "teams/checkout"})")
          .status,
      200);
  std::vector<std::string> seen;
  std::string token;
  for (int page = 0; page < 10; ++page) {
    Reply list = Admin(
        "GET",
        absl::StrCat("/v1/domains/sales/dataProducts?pageSize=1&filter=",
                     "tags%3Apii", token.empty() ? "" : "&pageToken=" + token));
    ASSERT_EQ(list.status, 200) << list.body;
    auto r = Parse<v1::ListDataProductsResponse>(list);
    for (const auto& d : r.data_products()) seen.push_back(d.name());
    token = r.next_page_token();
    if (token.empty()) break;
    token = httplib::detail::encode_query_param(token);
  }
  EXPECT_THAT(seen, ::testing::UnorderedElementsAre(
                        "domains/sales/dataProducts/orders",
                        "domains/sales/dataProducts/payments",
                        "domains/sales/dataProducts/refunds"));

  // PATCH with updateMask and If-Match; then the stale etag again.
  Reply patched = Admin(
      "PATCH", "/v1/domains/sales/dataProducts/orders?updateMask=displayName",
      R"({"displayName": "Orders v2", "tier": 3})",
      {{"If-Match", created.etag}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  v1::DataProduct updated = Parse<v1::DataProduct>(patched);
  EXPECT_EQ(updated.display_name(), "Orders v2");
  EXPECT_EQ(updated.tier(), 1);  // not in the mask
  EXPECT_NE(patched.etag, created.etag);
  Reply stale = Admin(
      "PATCH", "/v1/domains/sales/dataProducts/orders?updateMask=displayName",
      R"({"displayName": "Orders v3"})", {{"If-Match", created.etag}});
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(ErrorOf(stale).status, "ABORTED");

  // A custom method.
  Reply published =
      Admin("POST", "/v1/domains/sales/dataProducts/orders:publish", "{}");
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(Parse<v1::DataProduct>(published).lifecycle(),
            v1::LIFECYCLE_PUBLISHED);

  // A dry run writes nothing; a delete with a stale If-Match is refused;
  // an etag in the body that differs from If-Match is ambiguous.
  Reply dry = Admin("POST",
                    "/v1/domains/sales/dataProducts?dataProductId=dry&"
                    "validateOnly=true",
                    ProductJson("checkout"));
  EXPECT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(Admin("GET", "/v1/domains/sales/dataProducts/dry").status, 404);
  Reply stale_delete = Admin("DELETE", "/v1/domains/sales/dataProducts/refunds",
                             "", {{"If-Match", "\"not-the-etag\""}});
  EXPECT_EQ(stale_delete.status, 409) << stale_delete.body;
  Reply two_etags = Admin(
      "PATCH", "/v1/domains/sales/dataProducts/orders?updateMask=displayName",
      R"({"displayName": "x", "etag": "one"})", {{"If-Match", "\"two\""}});
  EXPECT_EQ(two_etags.status, 400) << two_etags.body;
  EXPECT_EQ(FirstViolationField(ErrorOf(two_etags)), "If-Match");

  Reply deleted = Admin("DELETE", "/v1/domains/sales/dataProducts/refunds");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.body, "{}");
  Reply gone = Admin("GET", "/v1/domains/sales/dataProducts/refunds");
  EXPECT_EQ(gone.status, 404);
  ErrorBody e = ErrorOf(gone);
  EXPECT_EQ(e.code, 404);
  EXPECT_EQ(e.status, "NOT_FOUND");
  google::protobuf::Struct info = DetailOf(e, "google.rpc.ErrorInfo");
  EXPECT_EQ(info.fields().at("domain").string_value(), "meshplane.dev");
}

TEST_F(RestTest, AuthenticationAndAuthorization) {
  SetUpTeamAndDomain("auth-team", "auth");
  Reply none = Call("GET", "/v1/domains/auth", "");
  EXPECT_EQ(none.status, 401) << none.body;
  EXPECT_EQ(ErrorOf(none).status, "UNAUTHENTICATED");
  // Says what to send in the words of both transports.
  EXPECT_THAT(ErrorOf(none).message, HasSubstr("Authorization: Bearer"));
  EXPECT_THAT(ErrorOf(none).message, HasSubstr("HTTP header"));
  Reply bad = Call("GET", "/v1/domains/auth", "not-a-token");
  EXPECT_EQ(bad.status, 401);
  // Two Authorization headers: refused, as two authorization metadata
  // values are over gRPC, rather than "the first wins".
  HttpHeaders both = {{"Authorization", "Bearer " + fx_->admin_token()},
                      {"Authorization", "Bearer not-a-token"}};
  Reply two = Call("GET", "/v1/domains/auth", "", "", both);
  EXPECT_EQ(two.status, 401) << two.body;
  EXPECT_EQ(ErrorOf(two).status, "UNAUTHENTICATED");

  const std::string eve = fx_->MintToken("user:eve@example.com");
  Reply outsider = Call("POST", "/v1/domains/auth/dataProducts?dataProductId=x",
                        eve, ProductJson("auth-team"));
  EXPECT_EQ(outsider.status, 403) << outsider.body;
  EXPECT_EQ(ErrorOf(outsider).status, "PERMISSION_DENIED");
  const std::string ana = fx_->MintToken("user:ana@example.com");
  Reply member = Call("POST", "/v1/domains/auth/dataProducts?dataProductId=x",
                      ana, ProductJson("auth-team"));
  EXPECT_EQ(member.status, 200) << member.body;
}

// `curl -d` sends a body as application/x-www-form-urlencoded unless told
// otherwise: the body is still the JSON of the request, and only the URL's
// query string holds query parameters (it was parsed as form fields).
TEST_F(RestTest, TheBodyIsJsonWhateverItsContentTypeSays) {
  HttpHeaders form{{"Content-Type", "application/x-www-form-urlencoded"}};
  Reply created = Admin(
      "POST", "/v1/teams?teamId=form-team",
      R"({"displayName": "Form+Team", "members": ["user:bo@example.com"]})",
      form);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_THAT(created.body, HasSubstr(R"("displayName":"Form+Team")"));
}

TEST_F(RestTest, BadInputIsNamed) {
  SetUpTeamAndDomain("input-team", "input");
  const std::string create = "/v1/domains/input/dataProducts?dataProductId=";

  // A field the server validates: the same BadRequest as over gRPC.
  Reply bad_id =
      Admin("POST", create + "Not%20An%20Id", ProductJson("input-team"));
  EXPECT_EQ(bad_id.status, 400) << bad_id.body;
  ErrorBody e = ErrorOf(bad_id);
  EXPECT_EQ(e.status, "INVALID_ARGUMENT");
  EXPECT_EQ(FirstViolationField(e), "data_product_id");

  Reply unknown_param =
      Admin("GET", "/v1/domains/input/dataProducts?pageSise=3");
  EXPECT_EQ(unknown_param.status, 400);
  EXPECT_THAT(ErrorOf(unknown_param).message, HasSubstr("pageSise"));
  EXPECT_EQ(FirstViolationField(ErrorOf(unknown_param)), "pageSise");

  Reply wrong_param = Admin("GET", "/v1/domains/input/dataProducts?pageSize=x");
  EXPECT_EQ(wrong_param.status, 400);
  EXPECT_EQ(FirstViolationField(ErrorOf(wrong_param)), "pageSize");

  Reply malformed = Admin("POST", create + "a", R"({"displayName": )");
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  EXPECT_THAT(ErrorOf(malformed).message, HasSubstr("JSON"));

  Reply unknown_field =
      Admin("POST", create + "b",
            R"({"ownerTeam": "teams/input-team", "colour": 1})");
  EXPECT_EQ(unknown_field.status, 400);
  EXPECT_THAT(ErrorOf(unknown_field).message, HasSubstr("colour"));

  Reply wrong_type =
      Admin("POST", create + "c",
            R"({"ownerTeam": "teams/input-team", "tier": "high"})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_THAT(ErrorOf(wrong_type).message, HasSubstr("tier"));

  // Over gRPC's maximum message size (1 MiB).
  std::string big =
      absl::StrCat(R"({"ownerTeam": "teams/input-team", "description": ")",
                   std::string(1100 * 1024, 'x'), "\"}");
  Reply too_big = Admin("POST", create + "d", big);
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(ErrorOf(too_big).code, 413);
  EXPECT_EQ(ErrorOf(too_big).status, "RESOURCE_EXHAUSTED");

  Reply no_route = Admin("GET", "/v1/nothing/here");
  EXPECT_EQ(no_route.status, 404);
  EXPECT_EQ(ErrorOf(no_route).status, "NOT_FOUND");
  Reply wrong_method = Admin("PUT", "/v1/domains/input");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_THAT(ErrorOf(wrong_method).message, HasSubstr("GET"));
}

TEST_F(RestTest, PolicyRefusalCarriesItsViolations) {
  SetUpTeamAndDomain("governance", "gov");
  Reply policy = Admin("POST", "/v1/policies?policyId=needs-description",
                       R"json({"triggers": ["dataproduct.create"],
          "condition": "has(resource.description)",
          "effect": "POLICY_EFFECT_DENY",
          "enforcement": "POLICY_ENFORCEMENT_ENFORCED",
          "message": "a product needs a description",
          "owner": "teams/governance"})json");
  ASSERT_EQ(policy.status, 200) << policy.body;
  Reply refused = Admin("POST", "/v1/domains/gov/dataProducts?dataProductId=x",
                        ProductJson("governance"));
  EXPECT_EQ(refused.status, 400) << refused.body;
  ErrorBody e = ErrorOf(refused);
  EXPECT_EQ(e.status, "FAILED_PRECONDITION");
  google::protobuf::Struct v = DetailOf(e, "meshplane.v1.PolicyViolations");
  ASSERT_TRUE(v.fields().count("violations")) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("policies/needs-description"));
  EXPECT_THAT(refused.body, HasSubstr("a product needs a description"));
  // Remove it again: the other tests create products without descriptions.
  Reply removed = Admin("DELETE", "/v1/policies/needs-description");
  EXPECT_EQ(removed.status, 200) << removed.body;
}

TEST_F(RestTest, RetryWithTheSameRequestIdReturnsTheFirstAnswer) {
  SetUpTeamAndDomain("retry-team", "retry");
  const std::string path =
      "/v1/domains/retry/dataProducts?dataProductId=once&requestId="
      "0b6c2f8e-1111-4222-8333-444455556666";
  Reply first = Admin("POST", path, ProductJson("retry-team"));
  ASSERT_EQ(first.status, 200) << first.body;
  Reply again = Admin("POST", path, ProductJson("retry-team"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Parse<v1::DataProduct>(again).uid(),
            Parse<v1::DataProduct>(first).uid());
  // The same id with another request is refused, as over gRPC.
  Reply other =
      Admin("POST", path, ProductJson("retry-team", R"(, "tier": 2)"));
  EXPECT_NE(other.status, 200);
}

TEST_F(RestTest, TheCallLogLineSaysTransportHttp) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  Reply r = Admin("GET", "/v1/teams");
  spdlog::set_default_logger(previous);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(log.str(),
              HasSubstr("method=meshplane.v1.TeamService/ListTeams"));
  EXPECT_THAT(log.str(), HasSubstr("transport=http"));
  // The HTTP client's address, not the in-process channel's "unknown".
  EXPECT_THAT(log.str(), HasSubstr("peer=ipv4:127.0.0.1:"));
  EXPECT_THAT(log.str(), ::testing::Not(HasSubstr(fx_->admin_token())));
}

// Reads `path` as newline-delimited JSON until `done` says so (or the
// server ends the stream); returns the lines.
std::vector<v1::WatchResponse> ReadWatch(
    int port, const std::string& path, const std::string& token,
    const std::function<bool(const v1::WatchResponse&)>& done, int* status,
    std::string* content_type) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(60, 0);
  std::vector<v1::WatchResponse> out;
  std::string buffer;
  bool finished = false;
  auto res = client.Get(
      path, {{"Authorization", "Bearer " + token}},
      [&](const httplib::Response& r) {
        *status = r.status;
        *content_type = r.get_header_value("Content-Type");
        return true;
      },
      [&](const char* data, size_t n) {
        buffer.append(data, n);
        size_t nl;
        while ((nl = buffer.find('\n')) != std::string::npos) {
          v1::WatchResponse w;
          auto s = google::protobuf::util::JsonStringToMessage(
              buffer.substr(0, nl), &w);
          EXPECT_TRUE(s.ok()) << buffer.substr(0, nl);
          buffer.erase(0, nl + 1);
          out.push_back(w);
          if (done(w)) {
            finished = true;
            return false;  // the client leaves
          }
        }
        return true;
      });
  EXPECT_TRUE(finished) << "the stream ended first: " << buffer;
  return out;
}

bool HasEventFor(const v1::WatchResponse& w, const std::string& resource) {
  for (const auto& e : w.events()) {
    if (e.resource() == resource) return true;
  }
  return false;
}

TEST_F(RestTest, WatchStreamsJsonLinesAndResumesFromASequence) {
  ASSERT_EQ(Admin("POST", "/v1/teams?teamId=watch-one", "{}").status, 200);
  int status = 0;
  std::string type;
  std::vector<v1::WatchResponse> first = ReadWatch(
      fx_->http_port(), "/v1/events:watch?sinceSequence=0&resourceTypes=team",
      fx_->admin_token(),
      [](const v1::WatchResponse& w) {
        return HasEventFor(w, "teams/watch-one");
      },
      &status, &type);
  EXPECT_EQ(status, 200);
  EXPECT_THAT(type, HasSubstr("application/x-ndjson"));
  int64_t resume_after = 0;
  for (const auto& w : first) {
    for (const auto& e : w.events()) {
      EXPECT_EQ(e.resource().rfind("teams/", 0), 0u) << e.resource();
      if (e.resource() == "teams/watch-one") resume_after = e.sequence();
    }
  }
  ASSERT_GT(resume_after, 0);

  // Written while nobody watches; the resumed stream starts right after.
  ASSERT_EQ(Admin("POST", "/v1/teams?teamId=watch-two", "{}").status, 200);
  ASSERT_EQ(Admin("POST", "/v1/teams?teamId=watch-three", "{}").status, 200);
  std::vector<v1::WatchResponse> resumed = ReadWatch(
      fx_->http_port(),
      absl::StrCat("/v1/events:watch?resourceTypes=team&sinceSequence=",
                   resume_after),
      fx_->admin_token(),
      [](const v1::WatchResponse& w) {
        return HasEventFor(w, "teams/watch-three");
      },
      &status, &type);
  std::vector<std::string> resources;
  for (const auto& w : resumed) {
    for (const auto& e : w.events()) {
      EXPECT_GT(e.sequence(), resume_after);
      resources.push_back(e.resource());
    }
  }
  EXPECT_THAT(resources,
              ::testing::ElementsAre("teams/watch-two", "teams/watch-three"));

  // A refused stream answers with its status, not an empty 200.
  Reply unauthenticated = Call("GET", "/v1/events:watch?sinceSequence=0", "");
  EXPECT_EQ(unauthenticated.status, 401) << unauthenticated.body;
}

}  // namespace
}  // namespace meshplane::testing
