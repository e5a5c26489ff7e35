// The OpenAPI document: one operation per route with its parameters, the
// proto3 JSON mapping of the schemas, the error shape and the security
// scheme, over the real protos (the descriptor set embedded at build time)
// and over a small descriptor made here for the types the API does not use
// yet. And the committed docs/openapi.json must be what the build makes.
#include "server/http/openapi.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/wrappers.pb.h"
#include "server/http/routes.h"
#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "meshplane/v1/api_descriptor_set.h"

namespace meshplane::server::http {
namespace {

using ::meshplane::testing::IsOk;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Json = nlohmann::json;

const Json& Doc() {
  static const Json* doc = [] {
    absl::StatusOr<std::string> text = MeshplaneOpenApi();
    EXPECT_THAT(text, IsOk());
    return new Json(Json::parse(text.ok() ? *text : "{}"));
  }();
  return *doc;
}

// The route table that meshplaned serves: every service of the protos.
const RouteTable& Table() {
  static const RouteTable* table = [] {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(
             std::string(MESHPLANE_SOURCE_DIR) + "/proto/meshplane/v1")) {
      if (e.path().extension() == ".proto") {
        files.push_back("meshplane/v1/" + e.path().filename().string());
      }
    }
    auto t = RouteTable::Build(ServicesOf(files));
    EXPECT_THAT(t, IsOk());
    return new RouteTable(t.ok() ? *std::move(t) : RouteTable());
  }();
  return *table;
}

const Json& Op(const std::string& path, const std::string& method) {
  static const Json kNone = Json::object();
  const Json& paths = Doc()["paths"];
  if (!paths.contains(path) || !paths[path].contains(method)) {
    ADD_FAILURE() << "no " << method << " " << path;
    return kNone;
  }
  return paths[path][method];
}

// The parameter `name` in `in` of `op`, or null.
Json Param(const Json& op, const std::string& in, const std::string& name) {
  for (const Json& p : op.value("parameters", Json::array())) {
    if (p["in"] == in && p["name"] == name) return p;
  }
  return nullptr;
}

std::vector<std::string> ParamNames(const Json& op, const std::string& in) {
  std::vector<std::string> out;
  for (const Json& p : op.value("parameters", Json::array())) {
    if (p["in"] == in) out.push_back(p["name"]);
  }
  return out;
}

const Json& Schema(const std::string& name) {
  return Doc()["components"]["schemas"][name];
}

TEST(OpenApiPathTest, ExpandsEachStarIntoAParameterNamedForItsCollection) {
  auto t = PathTemplate::Parse("/v1/{name=domains/*/dataProducts/*}:publish");
  ASSERT_THAT(t, IsOk());
  OpenApiPath p = OpenApiPathOf(*t);
  EXPECT_EQ(p.path, "/v1/domains/{domain}/dataProducts/{dataProduct}:publish");
  ASSERT_EQ(p.params.size(), 2u);
  EXPECT_EQ(p.params[0].name, "domain");
  EXPECT_EQ(p.params[1].name, "dataProduct");
  EXPECT_EQ(p.params[1].field_path, "name");
  EXPECT_EQ(p.params[1].pattern, "domains/*/dataProducts/*");
}

TEST(OpenApiPathTest, NamesSingularsAndBareVariablesAndRepeats) {
  const auto path = [](const std::string& text) {
    auto t = PathTemplate::Parse(text);
    EXPECT_THAT(t, IsOk()) << text;
    return t.ok() ? OpenApiPathOf(*t).path : "";
  };
  EXPECT_EQ(path("/v1/{parent=policies/*}/waivers"),
            "/v1/policies/{policy}/waivers");
  EXPECT_EQ(path("/v1/{name=webhooks/*}/deliveries"),
            "/v1/webhooks/{webhook}/deliveries");
  EXPECT_EQ(path("/v1/{name=boxes/*}"), "/v1/boxes/{box}");
  EXPECT_EQ(path("/v1/{name=statuses/*}"), "/v1/statuses/{status}");
  EXPECT_EQ(path("/v1/{name=shelves/*}"), "/v1/shelves/{shelf}");
  EXPECT_EQ(path("/v1/{data_product.name=domains/*/dataProducts/*}"),
            "/v1/domains/{domain}/dataProducts/{dataProduct}");
  EXPECT_EQ(path("/v1/shelves/{shelf_id}"), "/v1/shelves/{shelfId}");
  EXPECT_EQ(path("/v1/{name=items/*/items/*}"),
            "/v1/items/{item}/items/{item2}");
  EXPECT_EQ(path("/v1/domains/-/dataProducts/-/outputPorts:batchCheckAccess"),
            "/v1/domains/-/dataProducts/-/outputPorts:batchCheckAccess");
  auto t = PathTemplate::Parse("/v1/{name=files/**}");
  ASSERT_THAT(t, IsOk());
  OpenApiPath p = OpenApiPathOf(*t);
  EXPECT_EQ(p.path, "/v1/files/{name}");
  ASSERT_EQ(p.params.size(), 1u);
  EXPECT_TRUE(p.params[0].multi_segment);
}

TEST(MeshplaneOpenApiTest, IsOpenApi31WithInfoAndServer) {
  EXPECT_EQ(Doc()["openapi"], "3.1.0");
  EXPECT_EQ(Doc()["info"]["title"], "Meshplane API");
  EXPECT_FALSE(Doc()["info"]["version"].get<std::string>().empty());
  EXPECT_EQ(Doc()["servers"][0]["url"], "/");
}

TEST(MeshplaneOpenApiTest, HasAnOperationPerRoute) {
  ASSERT_GT(Table().routes().size(), 60u);
  std::set<std::string> ids;
  size_t operations = 0;
  for (const auto& [path, item] : Doc()["paths"].items()) {
    operations += item.size();
    for (const auto& [method, op] : item.items()) {
      EXPECT_TRUE(ids.insert(op["operationId"].get<std::string>()).second)
          << op["operationId"];
      EXPECT_FALSE(op["summary"].get<std::string>().empty()) << path;
    }
  }
  EXPECT_EQ(operations, Table().routes().size() + 1);  // + this document's
  for (const Route& r : Table().routes()) {
    const std::string path = OpenApiPathOf(r.path).path;
    const std::string method = absl::AsciiStrToLower(r.http_method);
    ASSERT_TRUE(Doc()["paths"].contains(path)) << r.path.text();
    ASSERT_TRUE(Doc()["paths"][path].contains(method)) << r.path.text();
    const Json& op = Doc()["paths"][path][method];
    EXPECT_THAT(op["operationId"].get<std::string>(),
                StartsWith(absl::StrCat(r.method->service()->name(), "_",
                                        r.method->name())));
    EXPECT_EQ(op["tags"][0], r.method->service()->name());
    EXPECT_THAT(op["description"].get<std::string>(), HasSubstr(r.grpc_method));
    // Every path parameter is declared, required.
    for (const OpenApiPath::Param& p : OpenApiPathOf(r.path).params) {
      Json param = Param(op, "path", p.name);
      ASSERT_FALSE(param.is_null()) << path << " " << p.name;
      EXPECT_EQ(param["required"], true);
    }
  }
}

TEST(MeshplaneOpenApiTest, CarriesTheProtoComments) {
  const Json& op = Op("/v1/domains", "post");
  EXPECT_EQ(op["operationId"], "DomainService_CreateDomain");
  EXPECT_EQ(op["summary"], "Creates a domain.");
  EXPECT_THAT(op["description"].get<std::string>(),
              HasSubstr("Top-level domains need a platform admin"));
  EXPECT_THAT(Schema("Domain")["properties"]["ownerTeam"]["description"]
                  .get<std::string>(),
              HasSubstr("The owning team"));
}

TEST(MeshplaneOpenApiTest, QueryParametersAreTheFieldsOutsidePathAndBody) {
  const Json& update =
      Op("/v1/domains/{domain}/dataProducts/{dataProduct}", "patch");
  EXPECT_THAT(ParamNames(update, "path"), ElementsAre("domain", "dataProduct"));
  EXPECT_THAT(
      ParamNames(update, "query"),
      ElementsAre("updateMask", "allowMissing", "validateOnly", "requestId"));
  EXPECT_EQ(Param(update, "query", "updateMask")["schema"]["type"], "string");
  EXPECT_EQ(Param(update, "query", "validateOnly")["schema"]["type"],
            "boolean");
  EXPECT_THAT(
      Param(update, "path", "dataProduct")["description"].get<std::string>(),
      HasSubstr("domains/{domain}/dataProducts/{dataProduct}"));
  EXPECT_EQ(
      update["requestBody"]["content"]["application/json"]["schema"]["$ref"],
      "#/components/schemas/DataProduct");

  const Json& list = Op("/v1/domains/{domain}/dataProducts", "get");
  EXPECT_EQ(Param(list, "query", "pageSize")["schema"]["type"], "integer");
  EXPECT_EQ(Param(list, "query", "pageToken")["schema"]["type"], "string");
  EXPECT_FALSE(list.contains("requestBody"));

  const Json& watch = Op("/v1/events:watch", "get");
  Json types = Param(watch, "query", "resourceTypes");
  EXPECT_EQ(types["schema"]["type"], "array");
  EXPECT_EQ(types["explode"], true);
  EXPECT_EQ(Param(watch, "query", "sinceSequence")["schema"]["type"], "string");

  // A custom method with body "*": the body is the request without the
  // fields the path carries.
  const Json& publish =
      Op("/v1/domains/{domain}/dataProducts/{dataProduct}:publish", "post");
  const Json& body =
      publish["requestBody"]["content"]["application/json"]["schema"];
  EXPECT_FALSE(body["properties"].contains("name"));
  EXPECT_TRUE(body["properties"].contains("validateOnly"));
}

TEST(MeshplaneOpenApiTest, EtagsAsHeadersWhereTheTranscoderUsesThem) {
  const Json& get = Op("/v1/domains/{domain}", "get");
  EXPECT_TRUE(get["responses"]["200"]["headers"].contains("ETag"));
  EXPECT_FALSE(Param(Op("/v1/domains/{domain}", "patch"), "header", "If-Match")
                   .is_null());
  EXPECT_FALSE(Param(Op("/v1/domains/{domain}", "delete"), "header", "If-Match")
                   .is_null());
  // A create's resource has no etag yet.
  EXPECT_TRUE(Param(Op("/v1/domains", "post"), "header", "If-Match").is_null());
}

TEST(MeshplaneOpenApiTest, SchemasFollowTheProto3JsonMapping) {
  const Json& lifecycle = Schema("Lifecycle");
  EXPECT_EQ(lifecycle["type"], "string");
  EXPECT_THAT(lifecycle["enum"], Contains("LIFECYCLE_DRAFT"));
  EXPECT_EQ(Schema("DataProduct")["properties"]["lifecycle"]["$ref"],
            "#/components/schemas/Lifecycle");
  const Json& revision = Schema("PolicyViolation")["properties"]["revision"];
  EXPECT_EQ(revision["type"], "string");
  EXPECT_EQ(revision["format"], "int64");
  const Json& domain = Schema("Domain")["properties"];
  EXPECT_EQ(domain["createTime"]["type"], "string");
  EXPECT_EQ(domain["createTime"]["format"], "date-time");
  EXPECT_EQ(domain["createTime"]["readOnly"], true);
  EXPECT_FALSE(domain["etag"].contains("readOnly"));  // sent back on update
  EXPECT_FALSE(domain["displayName"].contains("readOnly"));
  EXPECT_EQ(domain["labels"]["type"], "object");
  EXPECT_EQ(domain["labels"]["additionalProperties"]["type"], "string");
  EXPECT_EQ(domain["warnings"]["type"], "array");
  EXPECT_TRUE(domain.contains("displayName"));  // lowerCamelCase
  EXPECT_FALSE(domain.contains("display_name"));
  // A oneof says so; a Struct is any JSON object.
  EXPECT_THAT(
      Schema("SimulatePolicyResponse")["properties"]["result"]["description"]
          .get<std::string>(),
      HasSubstr("at most one of `result`, `summary`"));
  EXPECT_EQ(Schema("Event")["properties"]["payload"]["type"], "object");
}

TEST(MeshplaneOpenApiTest, BearerTokenRequiredEverywhereButHere) {
  EXPECT_EQ(Doc()["security"], Json::parse(R"([{"bearerAuth": []}])"));
  const Json& scheme = Doc()["components"]["securitySchemes"]["bearerAuth"];
  EXPECT_EQ(scheme["type"], "http");
  EXPECT_EQ(scheme["scheme"], "bearer");
  EXPECT_EQ(Op(kOpenApiPath, "get")["security"], Json::array());
  size_t unsecured = 0;
  for (const auto& [path, item] : Doc()["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (op.contains("security")) ++unsecured;
    }
  }
  EXPECT_EQ(unsecured, 1u);
}

TEST(MeshplaneOpenApiTest, ErrorsAreAip193WithTheirDetails) {
  for (const auto& [path, item] : Doc()["paths"].items()) {
    if (path == kOpenApiPath) continue;
    for (const auto& [method, op] : item.items()) {
      for (const char* status :
           {"400", "401", "403", "404", "429", "500", "503", "default"}) {
        EXPECT_TRUE(op["responses"].contains(status))
            << method << " " << path << " " << status;
      }
      EXPECT_EQ(op["responses"].contains("409"), method != "get") << path;
      EXPECT_EQ(op["responses"].contains("413"), op.contains("requestBody"))
          << path;
    }
  }
  const Json& unauthenticated =
      Doc()["components"]["responses"]["Unauthenticated"];
  EXPECT_EQ(unauthenticated["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorResponse");
  EXPECT_EQ(Schema("ErrorResponse")["required"], Json::array({"error"}));
  const Json& status = Schema("ErrorStatus")["properties"];
  EXPECT_EQ(status["code"]["type"], "integer");
  EXPECT_EQ(status["status"]["$ref"], "#/components/schemas/google.rpc.Code");
  EXPECT_THAT(Schema("google.rpc.Code")["enum"],
              Contains("FAILED_PRECONDITION"));
  std::vector<std::string> types;
  for (const Json& v : Schema("ErrorDetail")["oneOf"]) {
    types.push_back(v["properties"]["@type"]["const"]);
  }
  EXPECT_THAT(
      types,
      ElementsAre("type.googleapis.com/google.rpc.ErrorInfo",
                  "type.googleapis.com/google.rpc.BadRequest",
                  "type.googleapis.com/google.rpc.RetryInfo",
                  "type.googleapis.com/meshplane.v1.PolicyViolations",
                  "type.googleapis.com/meshplane.v1.CompatibilityReport"));
  EXPECT_TRUE(Schema("google.rpc.BadRequest")["properties"].contains(
      "fieldViolations"));
}

TEST(MeshplaneOpenApiTest, StreamsAreNewlineDelimitedJson) {
  const Json& ok = Op("/v1/events:watch", "get")["responses"]["200"];
  ASSERT_TRUE(ok["content"].contains("application/x-ndjson"));
  EXPECT_EQ(ok["content"]["application/x-ndjson"]["schema"]["oneOf"][0]["$ref"],
            "#/components/schemas/WatchResponse");
  EXPECT_TRUE(Op("/v1/policies:simulate", "post")["responses"]["200"]["content"]
                  .contains("application/x-ndjson"));
}

// The well-known types and scalars that meshplane.v1 does not use (yet),
// through a descriptor made here.
TEST(OpenApiFromDescriptorSetTest, MapsEveryKindOfField) {
  google::protobuf::FileDescriptorSet set;
  const std::string_view embedded = meshplane::v1::ApiDescriptorSet();
  ASSERT_TRUE(
      set.ParseFromArray(embedded.data(), static_cast<int>(embedded.size())));
  bool has_wrappers = false;
  for (const auto& f : set.file()) {
    has_wrappers |= f.name() == "google/protobuf/wrappers.proto";
  }
  if (!has_wrappers) {
    google::protobuf::Int64Value::descriptor()->file()->CopyTo(set.add_file());
  }
  google::protobuf::FileDescriptorProto* sample = set.add_file();
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "sample/v1/sample.proto"
        package: "sample.v1"
        syntax: "proto3"
        dependency: "google/api/annotations.proto"
        dependency: "google/protobuf/wrappers.proto"
        dependency: "google/protobuf/struct.proto"
        dependency: "google/protobuf/timestamp.proto"
        message_type {
          name: "Thing"
          field { name: "name" number: 1 type: TYPE_STRING json_name: "name" }
          field {
            name: "big_count"
            number: 2
            type: TYPE_UINT64
            json_name: "bigCount"
          }
          field { name: "blob" number: 3 type: TYPE_BYTES json_name: "blob" }
          field {
            name: "maybe"
            number: 4
            type: TYPE_MESSAGE
            type_name: ".google.protobuf.Int64Value"
            json_name: "maybe"
          }
          field {
            name: "attrs"
            number: 5
            type: TYPE_MESSAGE
            type_name: ".google.protobuf.Value"
            json_name: "attrs"
          }
          field {
            name: "counts"
            number: 6
            label: LABEL_REPEATED
            type: TYPE_MESSAGE
            type_name: ".sample.v1.Thing.CountsEntry"
            json_name: "counts"
          }
          field {
            name: "a"
            number: 7
            type: TYPE_STRING
            oneof_index: 0
            json_name: "a"
          }
          field {
            name: "b"
            number: 8
            type: TYPE_INT32
            oneof_index: 0
            json_name: "b"
          }
          field { name: "ratio" number: 9 type: TYPE_FLOAT json_name: "ratio" }
          nested_type {
            name: "CountsEntry"
            field { name: "key" number: 1 type: TYPE_STRING json_name: "key" }
            field {
              name: "value"
              number: 2
              type: TYPE_INT64
              json_name: "value"
            }
            options { map_entry: true }
          }
          oneof_decl { name: "choice" }
        }
        message_type {
          name: "GetThingRequest"
          field { name: "name" number: 1 type: TYPE_STRING json_name: "name" }
          field {
            name: "window"
            number: 2
            type: TYPE_MESSAGE
            type_name: ".sample.v1.Window"
            json_name: "window"
          }
          field {
            name: "min_count"
            number: 3
            type: TYPE_MESSAGE
            type_name: ".google.protobuf.Int32Value"
            json_name: "minCount"
          }
        }
        message_type {
          name: "Window"
          field {
            name: "start_time"
            number: 1
            type: TYPE_MESSAGE
            type_name: ".google.protobuf.Timestamp"
            json_name: "startTime"
          }
        }
        service {
          name: "ThingService"
          method {
            name: "GetThing"
            input_type: ".sample.v1.GetThingRequest"
            output_type: ".sample.v1.Thing"
            options {
              [google.api.http] { get: "/v1/{name=shelves/*/things/*}" }
            }
          }
        }
      )pb",
      sample));
  std::string bytes;
  ASSERT_TRUE(set.SerializeToString(&bytes));
  OpenApiOptions options;
  options.version = "9.9.9";
  absl::StatusOr<std::string> text =
      OpenApiFromDescriptorSet(bytes, "sample.v1", options);
  ASSERT_THAT(text, IsOk());
  const Json doc = Json::parse(*text);
  EXPECT_EQ(doc["info"]["version"], "9.9.9");
  ASSERT_TRUE(doc["paths"].contains("/v1/shelves/{shelf}/things/{thing}"))
      << doc["paths"].dump(2);
  const Json& op = doc["paths"]["/v1/shelves/{shelf}/things/{thing}"]["get"];
  EXPECT_EQ(op["operationId"], "ThingService_GetThing");
  EXPECT_THAT(ParamNames(op, "query"),
              ElementsAre("window.startTime", "minCount"));
  EXPECT_EQ(Param(op, "query", "window.startTime")["schema"]["format"],
            "date-time");
  EXPECT_EQ(Param(op, "query", "minCount")["schema"]["type"], "integer");

  const Json& thing = doc["components"]["schemas"]["sample.v1.Thing"];
  const Json& p = thing["properties"];
  EXPECT_EQ(p["bigCount"]["type"], "string");
  EXPECT_EQ(p["bigCount"]["format"], "uint64");
  EXPECT_EQ(p["blob"]["contentEncoding"], "base64");
  EXPECT_EQ(p["maybe"]["type"], Json::parse(R"(["string", "null"])"));
  EXPECT_EQ(p["attrs"], Json::object());  // any JSON value
  EXPECT_EQ(p["counts"]["type"], "object");
  EXPECT_EQ(p["counts"]["additionalProperties"]["type"], "string");
  EXPECT_EQ(p["counts"]["additionalProperties"]["format"], "int64");
  EXPECT_EQ(p["ratio"]["format"], "float");
  EXPECT_THAT(p["b"]["description"].get<std::string>(),
              HasSubstr("One of `choice`: at most one of `a`, `b` is set."));
  // A map's entry type is no schema of its own.
  EXPECT_FALSE(
      doc["components"]["schemas"].contains("sample.v1.Thing.CountsEntry"));
}

TEST(OpenApiFromDescriptorSetTest, RefusesTwoTypesUnderOneSchemaName) {
  google::protobuf::FileDescriptorSet set;
  const std::string_view embedded = meshplane::v1::ApiDescriptorSet();
  ASSERT_TRUE(
      set.ParseFromArray(embedded.data(), static_cast<int>(embedded.size())));
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "thing.proto"
        syntax: "proto3"
        message_type {
          name: "Thing"
          field { name: "id" number: 1 type: TYPE_STRING json_name: "id" }
        }
      )pb",
      set.add_file()));
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "meshplane/v1/thing.proto"
        package: "meshplane.v1"
        syntax: "proto3"
        dependency: "google/api/annotations.proto"
        dependency: "thing.proto"
        message_type {
          name: "Thing"
          field { name: "name" number: 1 type: TYPE_STRING json_name: "name" }
          field {
            name: "other"
            number: 2
            type: TYPE_MESSAGE
            type_name: ".Thing"
            json_name: "other"
          }
        }
        service {
          name: "ThingService"
          method {
            name: "GetThing"
            input_type: ".meshplane.v1.Thing"
            output_type: ".meshplane.v1.Thing"
            options {
              [google.api.http] { get: "/v1/{name=things/*}" }
            }
          }
        }
      )pb",
      set.add_file()));
  std::string bytes;
  ASSERT_TRUE(set.SerializeToString(&bytes));
  absl::StatusOr<std::string> doc =
      OpenApiFromDescriptorSet(bytes, "meshplane.v1", OpenApiOptions());
  EXPECT_THAT(
      doc, ::meshplane::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                          "would share the schema name Thing"));
}

TEST(OpenApiFromDescriptorSetTest, RefusesBytesThatAreNoDescriptorSet) {
  EXPECT_FALSE(
      OpenApiFromDescriptorSet("\xff\xff garbage", "x.v1", OpenApiOptions())
          .ok());
}

TEST(OpenApiHandlerTest, ServesTheDocument) {
  HttpHandler handler = OpenApiHandler("{\"openapi\": \"3.1.0\"}");
  HttpResponse r = handler(HttpRequest());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{\"openapi\": \"3.1.0\"}");
}

// docs/openapi.json is committed so that it can be read without a build;
// it must be what this build generates.
TEST(MeshplaneOpenApiTest, CommittedCopyIsCurrent) {
  const std::string path =
      std::string(MESHPLANE_SOURCE_DIR) + "/docs/openapi.json";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << path << " is missing; regenerate it with "
                         << "`cmake --build build --target openapi_docs`";
  std::stringstream committed;
  committed << in.rdbuf();
  absl::StatusOr<std::string> now = MeshplaneOpenApi();
  ASSERT_THAT(now, IsOk());
  EXPECT_TRUE(committed.str() == *now)
      << "docs/openapi.json differs from what the protos generate now: "
         "regenerate it with `cmake --build build --target openapi_docs` "
         "(or build everything) and commit it";
}

}  // namespace
}  // namespace meshplane::server::http
