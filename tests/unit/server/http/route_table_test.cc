// The transcoding table, generated from the descriptors of every service
// in proto/meshplane/v1: every RPC has a route, and every route binds and
// round-trips the fields it names (path variables, query parameters, the
// body), with RouteTable, PathTemplate and the binder that serve REST.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/http/binder.h"
#include "server/http/routes.h"
#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::server::http {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using ::meshplane::testing::IsOk;

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

const RouteTable& Table() {
  static const RouteTable* table = [] {
    auto t = RouteTable::Build(ServicesOf(ProtoFiles()));
    EXPECT_THAT(t, IsOk());
    return new RouteTable(t.ok() ? *std::move(t) : RouteTable());
  }();
  return *table;
}

// A value that fits `pattern`: each * an id of its own, ** two segments.
std::string SampleFor(const std::string& pattern, int n) {
  std::string out;
  int k = 0;
  for (absl::string_view seg : absl::StrSplit(pattern, '/')) {
    if (!out.empty()) out += "/";
    if (seg == "*") {
      absl::StrAppend(&out, "id", n, "-", k++);
    } else if (seg == "**") {
      absl::StrAppend(&out, "a", n, "/b", n);
    } else {
      absl::StrAppend(&out, seg);
    }
  }
  return out;
}

std::string GetByPath(const Message& m, const std::string& path) {
  auto fields = ResolveFieldPath(m.GetDescriptor(), path);
  if (!fields.ok()) return "<no field>";
  const Message* cur = &m;
  for (size_t i = 0; i + 1 < fields->size(); ++i) {
    cur = &cur->GetReflection()->GetMessage(*cur, (*fields)[i]);
  }
  return cur->GetReflection()->GetString(*cur, fields->back());
}

TEST(RouteTableTest, EveryRpcHasARoute) {
  std::vector<const google::protobuf::ServiceDescriptor*> services =
      ServicesOf(ProtoFiles());
  ASSERT_GE(services.size(), 9u);
  std::set<std::string> routed;
  for (const Route& r : Table().routes()) routed.insert(r.method->full_name());
  int methods = 0;
  for (const auto* s : services) {
    for (int i = 0; i < s->method_count(); ++i) {
      ++methods;
      EXPECT_TRUE(routed.count(s->method(i)->full_name()))
          << s->method(i)->full_name() << " has no google.api.http route";
    }
  }
  EXPECT_GE(Table().routes().size(), static_cast<size_t>(methods));
}

TEST(RouteTableTest, EveryRouteBindsItsPathAndFindsItself) {
  for (const Route& r : Table().routes()) {
    SCOPED_TRACE(absl::StrCat(r.http_method, " ", r.path.text()));
    std::vector<std::string> values;
    std::vector<std::string> patterns = r.path.VariablePatterns();
    for (size_t i = 0; i < patterns.size(); ++i) {
      values.push_back(SampleFor(patterns[i], static_cast<int>(i)));
    }
    std::optional<std::string> url = r.path.Expand(values);
    ASSERT_TRUE(url.has_value());
    // The router picks this very route for its own URL.
    std::optional<RouteTable::Match> m = Table().Find(r.http_method, *url);
    ASSERT_TRUE(m.has_value()) << *url;
    EXPECT_EQ(m->route->method, r.method)
        << *url << " routes to " << m->route->method->full_name();
    std::unique_ptr<Message> request(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(r.method->input_type())
            ->New());
    for (const auto& [field, value] : m->bindings) {
      ASSERT_THAT(SetFieldFromText(request.get(), field, value, field), IsOk());
    }
    std::vector<std::string> fields = r.path.FieldPaths();
    for (size_t i = 0; i < fields.size(); ++i) {
      EXPECT_EQ(GetByPath(*request, fields[i]), values[i]) << fields[i];
    }
  }
}

// Every scalar field that is neither in the path nor in the body is a query
// parameter by its JSON name, and the request round-trips through JSON.
TEST(RouteTableTest, QueryParametersAndBodiesRoundTrip) {
  for (const Route& r : Table().routes()) {
    SCOPED_TRACE(absl::StrCat(r.http_method, " ", r.path.text()));
    const google::protobuf::Descriptor* in = r.method->input_type();
    std::unique_ptr<Message> request(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(in)
            ->New());
    std::vector<std::string> path_fields = r.path.FieldPaths();
    QueryParams query;
    for (int i = 0; i < in->field_count() && r.body != "*"; ++i) {
      const FieldDescriptor* f = in->field(i);
      if (f->name() == r.body) continue;
      if (std::find(path_fields.begin(), path_fields.end(), f->name()) !=
          path_fields.end()) {
        continue;
      }
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          query.emplace_back(f->json_name(), "v");
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          query.emplace_back(f->json_name(), "true");
          break;
        case FieldDescriptor::CPPTYPE_INT32:
        case FieldDescriptor::CPPTYPE_INT64:
          query.emplace_back(f->json_name(), "7");
          break;
        case FieldDescriptor::CPPTYPE_ENUM:
          query.emplace_back(
              f->json_name(),
              f->enum_type()->value(f->enum_type()->value_count() - 1)->name());
          break;
        default:
          break;
      }
    }
    ASSERT_THAT(BindQuery(query, path_fields, r.body, request.get()), IsOk());
    for (const auto& [key, value] : query) {
      const FieldDescriptor* f = nullptr;
      for (int i = 0; i < in->field_count(); ++i) {
        if (in->field(i)->json_name() == key) f = in->field(i);
      }
      ASSERT_NE(f, nullptr);
      if (f->is_repeated()) {
        EXPECT_EQ(request->GetReflection()->FieldSize(*request, f), 1) << key;
      } else {
        EXPECT_TRUE(request->GetReflection()->HasField(*request, f)) << key;
      }
    }
    // The body: the request (or its body field) through JSON and back.
    std::unique_ptr<Message> back(request->New());
    if (r.body == "*") {
      ASSERT_THAT(BindBody(ToJson(*request), "*", back.get()), IsOk());
    } else {
      back->CopyFrom(*request);
    }
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(*request, *back));
  }
}

}  // namespace
}  // namespace meshplane::server::http
