// The authorization matrix (docs/reliability.md, AZ1/AZ2): every RPC of every
// service, enumerated from the proto descriptors through the REST routes,
// called over HTTP against a real server and PostgreSQL
//
//   - without a token and with a token that does not exist: 401, always;
//   - as an outsider (an authenticated user in no team, not an admin) on a
//     real domain, product, port and team of others: the answer the table
//     below says.
//
// A new RPC without a row in kOutsider fails the test, so that whoever adds
// one decides, and writes down, what a stranger may do with it.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/http/routes.h"
#include "tests/testing/server/http_client.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::testing {
namespace {

using server::http::Route;
using server::http::RouteTable;

std::vector<std::string> ProtoFiles() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(
           std::string(MESHPLANE_PROTO_DIR) + "/meshplane/v1")) {
    if (e.path().extension() == ".proto") {
      out.push_back("meshplane/v1/" + e.path().filename().string());
    }
  }
  return out;
}

using Reply = HttpReply;

// What an outsider gets from one RPC: the HTTP status, and the body to send
// (a request that the resource's owner or an admin could make, so that a
// 403 is the authorization's answer and not the request's fault).
struct Row {
  int status;
  std::string body = "{}";
  std::string query = "";  // appended to the URL after "?"
};

// Keyed by the RPC's full name. 403: refused by authorization. 200: any
// authenticated principal may (discovery, its own tokens and requests, the
// checks CI runs). 404: the resource is named but does not exist (the ids
// the table uses for kinds the fixture does not create).
const std::map<std::string, Row>& Outsider() {
  static const auto* rows = new std::map<std::string, Row>{
#include "authz_matrix_rows.inc"
  };
  return *rows;
}

// A value for each `*` of a variable's pattern: the id of the fixture's
// resource of the kind the preceding literal names.
std::string SampleFor(const std::string& pattern) {
  static const auto* ids = new std::map<std::string, std::string>{
      {"domains", "sales"},
      {"dataProducts", "orders"},
      {"outputPorts", "v1"},
      {"teams", "owners"},
      {"ports", "v1"},
      {"accessRequests", "00000000-0000-4000-8000-000000000001"},
      {"grants", "00000000-0000-4000-8000-000000000002"},
  };
  std::string out;
  std::string prev;
  for (absl::string_view seg : absl::StrSplit(pattern, '/')) {
    if (!out.empty()) out += "/";
    if (seg == "*" || seg == "**") {
      auto it = ids->find(prev);
      out += it != ids->end() ? it->second : "zz-none";
    } else {
      out += std::string(seg);
    }
    prev = std::string(seg);
  }
  return out;
}

class AuthzMatrixTest : public SharedServerTest {
 protected:
  static Reply Call(const std::string& method, const std::string& path,
                    const std::string& token, const std::string& body) {
    return HttpCall(fx_->http_port(), method, path, token, body);
  }
  static Reply Admin(const std::string& method, const std::string& path,
                     const std::string& body = "") {
    return Call(method, path, fx_->admin_token(), body);
  }
};

TEST_F(AuthzMatrixTest, EveryRpcIsAuthenticatedAndDeniesAnOutsider) {
  auto table = RouteTable::Build(server::http::ServicesOf(ProtoFiles()));
  ASSERT_TRUE(table.ok()) << table.status();

  // Others' resources: a team, its domain, a published product with a port.
  ASSERT_EQ(Admin("POST", "/v1/teams?teamId=owners",
                  R"({"members": ["user:owner@example.com"]})")
                .status,
            200);
  ASSERT_EQ(Admin("POST", "/v1/domains?domainId=sales",
                  R"({"ownerTeam": "teams/owners"})")
                .status,
            200);
  Reply p = Admin("POST", "/v1/domains/sales/dataProducts?dataProductId=orders",
                  R"({"ownerTeam": "teams/owners",
                      "outputPorts": [{"id": "v1", "type": "table"}]})");
  ASSERT_EQ(p.status, 200) << p.body;
  ASSERT_EQ(Admin("POST", "/v1/domains/sales/dataProducts/orders:publish", "{}")
                .status,
            200);
  Reply t = Admin("POST", "/v1/tokens",
                  R"({"principal": "user:outsider@example.com"})");
  ASSERT_EQ(t.status, 200) << t.body;
  google::protobuf::Struct created;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(t.body, &created).ok());
  const std::string outsider = created.fields().at("secret").string_value();

  std::set<std::string> seen;
  for (const Route& r : table->routes()) {
    const std::string rpc = r.method->full_name();
    std::vector<std::string> values;
    for (const std::string& pattern : r.path.VariablePatterns()) {
      values.push_back(SampleFor(pattern));
    }
    std::optional<std::string> url = r.path.Expand(values);
    ASSERT_TRUE(url.has_value()) << rpc;
    auto row = Outsider().find(rpc);
    if (row != Outsider().end() && !row->second.query.empty()) {
      *url += "?" + row->second.query;
    }
    // "$NOW" in a row's body: the time of the call (observations must be
    // recent).
    const std::string body = absl::StrReplaceAll(
        r.body.empty() ? ""
                       : (row != Outsider().end() ? row->second.body : "{}"),
        {{"$NOW", absl::FormatTime(absl::RFC3339_sec, absl::Now(),
                                   absl::UTCTimeZone())}});
    SCOPED_TRACE(absl::StrCat(rpc, ": ", r.http_method, " ", *url));

    EXPECT_EQ(Call(r.http_method, *url, "", body).status, 401);
    EXPECT_EQ(
        Call(r.http_method, *url, "no-such-token-0123456789", body).status,
        401);
    if (!seen.insert(rpc).second) continue;  // additional bindings: once
    Reply got = Call(r.http_method, *url, outsider, body);
    if (row == Outsider().end()) {
      ADD_FAILURE() << rpc << " has no row in authz_matrix_rows.inc; an "
                    << "outsider gets " << got.status << ": " << got.body;
      continue;
    }
    EXPECT_EQ(got.status, row->second.status) << got.body;
  }
  EXPECT_EQ(seen.size(), Outsider().size())
      << "a row of authz_matrix_rows.inc names no RPC";
}

}  // namespace
}  // namespace meshplane::testing
