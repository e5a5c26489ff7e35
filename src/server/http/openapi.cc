// The OpenAPI document's frame (info, servers, tags, paths, components,
// security) and the public functions of openapi.h: paths of templates, the
// document of a descriptor set, the handler that serves it.
#include "server/http/openapi.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.pb.h"
#include "server/http/openapi_internal.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/v1/api_descriptor_set.h"

#ifndef MESHPLANE_VERSION
#define MESHPLANE_VERSION "0.0.0"
#endif

namespace meshplane::server::http {
namespace openapi_internal {

std::string CleanComment(absl::string_view raw) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(raw, '\n')) {
    absl::ConsumePrefix(&line, " ");
    lines.emplace_back(absl::StripTrailingAsciiWhitespace(line));
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  while (!lines.empty() && lines.front().empty()) lines.erase(lines.begin());
  return absl::StrJoin(lines, "\n");
}

std::string FirstSentence(absl::string_view text) {
  absl::string_view para = text.substr(0, text.find("\n\n"));
  std::string flat = absl::StrReplaceAll(para, {{"\n", " "}});
  for (size_t at = flat.find(". "); at != std::string::npos;
       at = flat.find(". ", at + 1)) {
    absl::string_view before = absl::string_view(flat).substr(0, at);
    if (absl::EndsWith(before, "e.g") || absl::EndsWith(before, "i.e")) {
      continue;
    }
    return flat.substr(0, at + 1);
  }
  return flat;
}

absl::StatusOr<std::string> Generator::Run() {
  Json doc;
  doc["openapi"] = "3.1.0";
  doc["info"] = Info();
  doc["servers"] =
      Json::array({{{"url", "/"},
                    {"description",
                     "The server that serves this document: meshplaned's HTTP "
                     "listener (--http-listen, 127.0.0.1:9464 by default)."}}});
  doc["security"] = Json::array({{{"bearerAuth", Json::array()}}});
  Json tags = Json::array();
  Json paths = Json::object();
  std::map<std::string, int> bindings;
  for (const Route& r : routes_.routes()) {
    const MethodDescriptor* m = r.method;
    const std::string service = m->service()->name();
    if (!tagged_.count(service)) {
      tagged_.insert(service);
      Json tag = {{"name", service}};
      std::string c = CommentOf(m->service());
      tag["description"] =
          c.empty() ? absl::StrCat("The RPCs of ", m->service()->full_name())
                    : c;
      tags.push_back(std::move(tag));
    }
    std::string id = absl::StrCat(service, "_", m->name());
    if (int n = ++bindings[id]; n > 1) absl::StrAppend(&id, "_", n);
    OpenApiPath p = OpenApiPathOf(r.path);
    std::string verb = absl::AsciiStrToLower(r.http_method);
    static const std::set<std::string> kVerbs = {
        "get", "put", "post", "delete", "patch", "head", "options", "trace"};
    if (!kVerbs.count(verb)) {
      return absl::InvalidArgumentError(
          absl::StrCat(m->full_name(), ": OpenAPI has no method ",
                       r.http_method, " (", r.path.text(), ")"));
    }
    Json& item = paths[p.path];
    if (item.contains(verb)) {
      return absl::InvalidArgumentError(
          absl::StrCat(m->full_name(), ": ", r.http_method, " ", p.path,
                       " is already the path of another route"));
    }
    item[verb] = Operation(r, p, id);
  }
  paths[kOpenApiPath]["get"] = DocumentOperation();
  tags.push_back({{"name", "OpenAPI"},
                  {"description", "This document, served without a token."}});
  doc["tags"] = std::move(tags);
  doc["paths"] = std::move(paths);
  MP_RETURN_IF_ERROR(FlushSchemas());
  Json components;
  components["schemas"] = Json::object();
  for (auto& [name, schema] : schemas_) {
    components["schemas"][name] = std::move(schema);
  }
  components["responses"] = ErrorResponses();
  components["securitySchemes"] = {
      {"bearerAuth",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"description",
         "`Authorization: Bearer <token>`: a Meshplane API token "
         "(IdentityService.CreateToken, or MESHPLANE_BOOTSTRAP_TOKEN for "
         "the first admin), or, when the server runs with --oidc-issuer, "
         "a JWT of the organisation's identity provider."}}}};
  doc["components"] = std::move(components);
  return doc.dump(2) + "\n";
}

Json Generator::Info() const {
  return {{"title", options_.title},
          {"version", options_.version},
          {"summary", "The REST/JSON mapping of Meshplane's gRPC API."},
          {"description",
           Join({"Meshplane is the control plane of a data mesh. This is its "
                 "gRPC API `meshplane.v1` served as REST/JSON, generated from "
                 "the protos' `google.api.http` options and comments: each "
                 "REST call runs exactly the code of the gRPC call.",
                 "JSON is the proto3 JSON mapping: lowerCamelCase names, enums "
                 "by name, 64-bit integers as strings, Timestamps as RFC 3339, "
                 "Durations as `\"3.5s\"`, FieldMasks as "
                 "`\"displayName,tags\"`. Fields at their default value are "
                 "left out of answers. Errors are AIP-193 JSON "
                 "(`ErrorResponse`).",
                 "Resource names are path parameters one segment at a time: "
                 "the resource `domains/sales/dataProducts/orders` is "
                 "`/v1/domains/{domain}/dataProducts/{dataProduct}` with "
                 "`domain=sales` and `dataProduct=orders`. The list wildcard "
                 "`-` is a segment like any other (`domain=-`).",
                 "Every operation needs a bearer token except this document's "
                 "own."})}};
}

}  // namespace openapi_internal

namespace {

using openapi_internal::Generator;

// "domains" -> "domain", "policies" -> "policy", "dataProducts" ->
// "dataProduct": the parameter of one member of a collection.
std::string Singular(absl::string_view collection) {
  if (absl::EndsWith(collection, "ies")) {
    return absl::StrCat(collection.substr(0, collection.size() - 3), "y");
  }
  if (absl::EndsWith(collection, "lves")) {
    return absl::StrCat(collection.substr(0, collection.size() - 3), "f");
  }
  for (absl::string_view es : {"sses", "uses", "ches", "shes", "xes"}) {
    if (absl::EndsWith(collection, es)) {
      return std::string(collection.substr(0, collection.size() - 2));
    }
  }
  if (absl::EndsWith(collection, "s") && collection.size() > 1) {
    return std::string(collection.substr(0, collection.size() - 1));
  }
  return absl::StrCat(collection, "Id");
}

// "data_product.name" -> "name" in lowerCamelCase, as proto3 JSON names it.
std::string JsonLeafName(absl::string_view field_path) {
  absl::string_view leaf = field_path.substr(field_path.rfind('.') + 1);
  std::string out;
  bool upper = false;
  for (char c : leaf) {
    if (c == '_') {
      upper = true;
    } else {
      out.push_back(upper ? absl::ascii_toupper(c) : c);
      upper = false;
    }
  }
  return out;
}

}  // namespace

OpenApiPath OpenApiPathOf(const PathTemplate& t) {
  OpenApiPath out;
  absl::string_view text = t.text();
  if (!t.verb().empty()) {
    text.remove_suffix(t.verb().size() + 1);
  }
  std::set<std::string> used;
  const auto unique = [&](std::string name) {
    std::string n = name;
    for (int k = 2; used.count(n); ++k) n = absl::StrCat(name, k);
    used.insert(n);
    return n;
  };
  std::string path;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '{') {
      path.push_back(text[i++]);
      continue;
    }
    size_t end = text.find('}', i);
    absl::string_view inner = text.substr(i + 1, end - i - 1);
    i = end + 1;
    std::pair<absl::string_view, absl::string_view> var =
        absl::StrSplit(inner, absl::MaxSplits('=', 1));
    std::string field(var.first);
    std::string pattern = var.second.empty() ? "*" : std::string(var.second);
    std::string prev;
    bool first = true;
    for (absl::string_view seg : absl::StrSplit(pattern, '/')) {
      if (!first) path.push_back('/');
      first = false;
      if (seg == "*" || seg == "**") {
        std::string name = unique(
            seg == "*" && !prev.empty() ? Singular(prev) : JsonLeafName(field));
        absl::StrAppend(&path, "{", name, "}");
        out.params.push_back({name, field, pattern, seg == "**"});
      } else {
        absl::StrAppend(&path, seg);
        prev = std::string(seg);
      }
    }
  }
  if (!t.verb().empty()) absl::StrAppend(&path, ":", t.verb());
  out.path = std::move(path);
  return out;
}

absl::StatusOr<std::string> GenerateOpenApi(const RouteTable& routes,
                                            const OpenApiOptions& options) {
  return Generator(routes, options).Run();
}

absl::StatusOr<std::string> OpenApiFromDescriptorSet(
    absl::string_view descriptor_set, absl::string_view package,
    const OpenApiOptions& options) {
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromArray(descriptor_set.data(),
                          static_cast<int>(descriptor_set.size()))) {
    return absl::InvalidArgumentError(
        "the descriptor set is not a serialized FileDescriptorSet");
  }
  google::protobuf::DescriptorPool pool;
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const google::protobuf::FileDescriptorProto& file : set.file()) {
    const google::protobuf::FileDescriptor* f = pool.BuildFile(file);
    if (f == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("the descriptor set does not build at ", file.name(),
                       " (its imports must come before it)"));
    }
    if (f->package() != package) continue;
    for (int i = 0; i < f->service_count(); ++i) {
      services.push_back(f->service(i));
    }
  }
  MP_ASSIGN_OR_RETURN(RouteTable routes, RouteTable::Build(services));
  return GenerateOpenApi(routes, options);
}

absl::StatusOr<std::string> MeshplaneOpenApi() {
  OpenApiOptions options;
  options.version = MESHPLANE_VERSION;
  const std::string_view set = meshplane::v1::ApiDescriptorSet();
  return OpenApiFromDescriptorSet(absl::string_view(set.data(), set.size()),
                                  "meshplane.v1", options);
}

HttpHandler OpenApiHandler(std::string document) {
  auto body = std::make_shared<const std::string>(std::move(document));
  return [body](const HttpRequest&) {
    HttpResponse out;
    out.body = *body;
    return out;
  };
}

}  // namespace meshplane::server::http
