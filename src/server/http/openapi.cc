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
#include "server/http/binder.h"
#include <nlohmann/json.hpp>

#include "meshplane/common/status_macros.h"
#include "meshplane/v1/api_descriptor_set.h"

#ifndef MESHPLANE_VERSION
#define MESHPLANE_VERSION "0.0.0"
#endif

namespace meshplane::server::http {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;
using Json = nlohmann::ordered_json;

constexpr char kSchemas[] = "#/components/schemas/";
constexpr char kResponses[] = "#/components/responses/";
constexpr char kApiPackagePrefix[] = "meshplane.v1.";

// The error details that the server attaches (server/status.cc;
// docs/api-errors.md), in the order it attaches them.
constexpr const char* kErrorDetailTypes[] = {
    "google.rpc.ErrorInfo", "google.rpc.BadRequest", "google.rpc.RetryInfo",
    "meshplane.v1.PolicyViolations", "meshplane.v1.CompatibilityReport"};

// google.rpc.Code's names, as the "status" of an AIP-193 error spells them.
constexpr const char* kCodeNames[] = {"OK",
                                      "CANCELLED",
                                      "UNKNOWN",
                                      "INVALID_ARGUMENT",
                                      "DEADLINE_EXCEEDED",
                                      "NOT_FOUND",
                                      "ALREADY_EXISTS",
                                      "PERMISSION_DENIED",
                                      "RESOURCE_EXHAUSTED",
                                      "FAILED_PRECONDITION",
                                      "ABORTED",
                                      "OUT_OF_RANGE",
                                      "UNIMPLEMENTED",
                                      "INTERNAL",
                                      "UNAVAILABLE",
                                      "DATA_LOSS",
                                      "UNAUTHENTICATED"};

struct ErrorResponseSpec {
  const char* status;
  const char* name;
  const char* description;
};

// What the server answers besides 200 (error_json.cc's mapping of the codes
// that docs/api.md "Errors" lists). 412 is not among them: a stale etag is
// 409 ABORTED, over REST as over gRPC (AIP-154).
constexpr ErrorResponseSpec kErrorResponses[] = {
    {"400", "InvalidArgument",
     "INVALID_ARGUMENT: malformed input; the `google.rpc.BadRequest` detail "
     "lists every field at fault. FAILED_PRECONDITION: refused by policy "
     "(reason `POLICY_VIOLATION`, with `meshplane.v1.PolicyViolations`), an "
     "illegal lifecycle transition, a delete with children or readers, an "
     "incompatible contract. OUT_OF_RANGE: a Watch from pruned events."},
    {"401", "Unauthenticated",
     "UNAUTHENTICATED: no bearer token, or one that is unknown, expired, "
     "revoked or (OIDC) refused; or two Authorization headers."},
    {"403", "PermissionDenied",
     "PERMISSION_DENIED: the caller is known but not allowed; the message "
     "says what would allow it."},
    {"404", "NotFound",
     "NOT_FOUND: the resource, or one it refers to (parent, owner team, "
     "port), does not exist; or no route serves the URL."},
    {"409", "Conflict",
     "ALREADY_EXISTS: the id is taken. ABORTED: a stale etag (the `etag` "
     "field or If-Match), a request id still in flight, or writes that kept "
     "conflicting."},
    {"413", "PayloadTooLarge",
     "RESOURCE_EXHAUSTED: the body is larger than the server's maximum "
     "message size (1 MiB by default)."},
    {"429", "ResourceExhausted",
     "RESOURCE_EXHAUSTED: the server is over a limit (its database pool's "
     "wait queue, a document's parsing budget); retry later."},
    {"500", "Internal",
     "INTERNAL: a bug; the message is `internal error (logged by the "
     "server)`."},
    {"503", "Unavailable",
     "UNAVAILABLE: PostgreSQL is unreachable, or the replica cannot vouch "
     "for its access index; retry with backoff (`google.rpc.RetryInfo`) and "
     "the same `requestId`."},
};

// Text of a proto comment: one leading space off each line, blank lines at
// the ends dropped.
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

template <typename D>
std::string CommentOf(const D* d) {
  google::protobuf::SourceLocation loc;
  if (d == nullptr || !d->GetSourceLocation(&loc)) return "";
  return CleanComment(loc.leading_comments.empty() ? loc.trailing_comments
                                                   : loc.leading_comments);
}

// The first sentence of the first paragraph, on one line.
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

bool IsWellKnown(const Descriptor* d) {
  return d->file()->package() == "google.protobuf";
}

std::string Join(const std::vector<std::string>& parts) {
  return absl::StrJoin(parts, "\n\n");
}

// The field `etag` (a singular string) of `d`, or null.
const FieldDescriptor* EtagField(const Descriptor* d) {
  const FieldDescriptor* f = d->FindFieldByName("etag");
  if (f == nullptr || f->is_repeated() ||
      f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    return nullptr;
  }
  return f;
}

class Generator {
 public:
  Generator(const RouteTable& routes, const OpenApiOptions& options)
      : routes_(routes), options_(options) {}

  absl::StatusOr<std::string> Run() {
    Json doc;
    doc["openapi"] = "3.1.0";
    doc["info"] = Info();
    doc["servers"] = Json::array(
        {{{"url", "/"},
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

 private:
  Json Info() const {
    return {
        {"title", options_.title},
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

  // A schema name per type: the API's own without their package, the
  // rest by their full name ("google.rpc.ErrorInfo").
  static std::string NameOf(absl::string_view full_name) {
    absl::string_view n = full_name;
    absl::ConsumePrefix(&n, kApiPackagePrefix);
    return std::string(n);
  }

  // True the first time `name` is asked for. Two types under one name
  // (meshplane.v1.X and a package-less X) are remembered as an error.
  bool Want(const std::string& name, const std::string& full_name) {
    auto [it, added] = wanted_.emplace(name, full_name);
    if (!added && it->second != full_name && clash_.empty()) {
      clash_ = absl::StrCat(full_name, " and ", it->second,
                            " would share the schema name ", name);
    }
    return added;
  }

  Json RefTo(const Descriptor* d) {
    std::string name = NameOf(d->full_name());
    if (Want(name, d->full_name())) pending_messages_.push_back(d);
    return {{"$ref", absl::StrCat(kSchemas, name)}};
  }

  Json RefTo(const EnumDescriptor* e) {
    std::string name = NameOf(e->full_name());
    if (Want(name, e->full_name())) pending_enums_.push_back(e);
    return {{"$ref", absl::StrCat(kSchemas, name)}};
  }

  // A well-known type in its proto3 JSON form (a string, a JSON value,
  // ...), or null for one that is an ordinary object.
  static Json WellKnown(const Descriptor* d, bool nullable) {
    const std::string& n = d->full_name();
    const auto maybe_null = [&](Json type) {
      return nullable ? Json::array({std::move(type), "null"}) : type;
    };
    if (n == "google.protobuf.Timestamp") {
      return {{"type", "string"}, {"format", "date-time"}};
    }
    if (n == "google.protobuf.Duration") {
      return {{"type", "string"},
              {"pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$"},
              {"examples", Json::array({"3.5s"})}};
    }
    if (n == "google.protobuf.FieldMask") {
      return {{"type", "string"},
              {"examples", Json::array({"displayName,tags"})}};
    }
    if (n == "google.protobuf.Struct") {
      return {{"type", "object"}, {"additionalProperties", true}};
    }
    if (n == "google.protobuf.Value") return Json::object();
    if (n == "google.protobuf.ListValue") {
      return {{"type", "array"}, {"items", Json::object()}};
    }
    if (n == "google.protobuf.Any") {
      return {{"type", "object"},
              {"properties", {{"@type", {{"type", "string"}}}}},
              {"required", Json::array({"@type"})},
              {"additionalProperties", true}};
    }
    if (n == "google.protobuf.Empty") {
      return {{"type", "object"}, {"additionalProperties", false}};
    }
    if (n == "google.protobuf.DoubleValue" ||
        n == "google.protobuf.FloatValue") {
      return {{"type", maybe_null("number")}};
    }
    if (n == "google.protobuf.Int64Value") {
      return {{"type", maybe_null("string")}, {"format", "int64"}};
    }
    if (n == "google.protobuf.UInt64Value") {
      return {{"type", maybe_null("string")}, {"format", "uint64"}};
    }
    if (n == "google.protobuf.Int32Value") {
      return {{"type", maybe_null("integer")}, {"format", "int32"}};
    }
    if (n == "google.protobuf.UInt32Value") {
      return {{"type", maybe_null("integer")}, {"minimum", 0}};
    }
    if (n == "google.protobuf.BoolValue") {
      return {{"type", maybe_null("boolean")}};
    }
    if (n == "google.protobuf.StringValue") {
      return {{"type", maybe_null("string")}};
    }
    if (n == "google.protobuf.BytesValue") {
      return {{"type", maybe_null("string")}, {"contentEncoding", "base64"}};
    }
    return nullptr;
  }

  // The schema of one value of `f` (an element of a repeated field).
  // `in_query`: a query parameter's text form (wrappers are never null).
  Json ValueSchema(const FieldDescriptor* f, bool in_query = false) {
    switch (f->type()) {
      case FieldDescriptor::TYPE_DOUBLE:
        return {{"type", "number"}, {"format", "double"}};
      case FieldDescriptor::TYPE_FLOAT:
        return {{"type", "number"}, {"format", "float"}};
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        return {{"type", "string"}, {"format", "int64"}};
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return {{"type", "string"}, {"format", "uint64"}};
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return {{"type", "integer"}, {"format", "int32"}};
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return {{"type", "integer"}, {"minimum", 0}, {"maximum", 4294967295LL}};
      case FieldDescriptor::TYPE_BOOL:
        return {{"type", "boolean"}};
      case FieldDescriptor::TYPE_STRING:
        return {{"type", "string"}};
      case FieldDescriptor::TYPE_BYTES:
        return {{"type", "string"}, {"contentEncoding", "base64"}};
      case FieldDescriptor::TYPE_ENUM:
        if (f->enum_type()->full_name() == "google.protobuf.NullValue") {
          return {{"type", "null"}};
        }
        return RefTo(f->enum_type());
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        if (IsWellKnown(f->message_type())) {
          Json wk = WellKnown(f->message_type(), !in_query);
          if (!wk.is_null()) return wk;
        }
        return RefTo(f->message_type());
    }
    return Json::object();
  }

  // A field's schema with its description: maps as objects, repeated
  // fields as arrays.
  Json FieldSchema(const FieldDescriptor* f) {
    Json s;
    if (f->is_map()) {
      s = {{"type", "object"},
           {"additionalProperties",
            ValueSchema(f->message_type()->map_value())}};
    } else if (f->is_repeated()) {
      s = {{"type", "array"}, {"items", ValueSchema(f)}};
    } else {
      s = ValueSchema(f);
    }
    std::vector<std::string> text;
    std::string comment = CommentOf(f);
    if (!comment.empty()) text.push_back(comment);
    if (const auto* oneof = f->real_containing_oneof()) {
      std::vector<std::string> members;
      for (int i = 0; i < oneof->field_count(); ++i) {
        members.push_back(absl::StrCat("`", oneof->field(i)->json_name(), "`"));
      }
      std::string about = CommentOf(oneof);
      text.push_back(absl::StrCat(
          "One of `", oneof->name(), "`: at most one of ",
          absl::StrJoin(members, ", "), " is set.",
          about.empty() ? "" : absl::StrCat(" ", FirstSentence(about))));
    }
    if (!text.empty()) s["description"] = Join(text);
    // AIP-203 field behaviour is stated in the comments (STYLE.md). Not
    // for an etag, which an update sends back (AIP-154), nor for a field
    // that is output only "after create".
    if (absl::StrContains(comment, "Output only") &&
        !absl::StrContains(comment, "Output only after") &&
        f->name() != "etag") {
      s["readOnly"] = true;
    }
    if (f->options().deprecated()) s["deprecated"] = true;
    return s;
  }

  Json MessageSchema(const Descriptor* d) {
    Json s = {{"type", "object"}};
    std::string comment = CommentOf(d);
    if (!comment.empty()) s["description"] = comment;
    Json props = Json::object();
    for (int i = 0; i < d->field_count(); ++i) {
      props[d->field(i)->json_name()] = FieldSchema(d->field(i));
    }
    if (!props.empty()) s["properties"] = std::move(props);
    return s;
  }

  Json EnumSchema(const EnumDescriptor* e) {
    Json names = Json::array();
    std::vector<std::string> values;
    for (int i = 0; i < e->value_count(); ++i) {
      names.push_back(e->value(i)->name());
      std::string c = CommentOf(e->value(i));
      values.push_back(absl::StrCat(
          "- `", e->value(i)->name(), "`",
          c.empty()
              ? ""
              : absl::StrCat(": ", absl::StrReplaceAll(c, {{"\n", " "}}))));
    }
    std::string comment = CommentOf(e);
    Json s = {{"type", "string"}};
    s["description"] =
        Join({comment.empty() ? absl::StrCat("The values of ", e->full_name())
                              : comment,
              absl::StrJoin(values, "\n")});
    s["enum"] = std::move(names);
    return s;
  }

  absl::Status FlushSchemas() {
    AddErrorSchemas();
    while (!pending_messages_.empty() || !pending_enums_.empty()) {
      while (!pending_messages_.empty()) {
        const Descriptor* d = pending_messages_.back();
        pending_messages_.pop_back();
        schemas_[NameOf(d->full_name())] = MessageSchema(d);
      }
      while (!pending_enums_.empty()) {
        const EnumDescriptor* e = pending_enums_.back();
        pending_enums_.pop_back();
        schemas_[NameOf(e->full_name())] = EnumSchema(e);
      }
    }
    if (!clash_.empty()) return absl::InvalidArgumentError(clash_);
    for (const auto& [name, full] : wanted_) {
      if (schemas_.count(name) == 0) {
        return absl::InternalError(absl::StrCat("no schema for ", full));
      }
    }
    for (const char* reserved :
         {"ErrorResponse", "ErrorStatus", "ErrorDetail", "google.rpc.Code"}) {
      if (wanted_.count(reserved)) {
        return absl::InvalidArgumentError(
            absl::StrCat(wanted_.at(reserved), " takes the schema name ",
                         reserved, ", which the error shape uses"));
      }
    }
    return absl::OkStatus();
  }

  // AIP-193: {"error": {"code", "status", "message", "details"}}, each
  // detail a google.protobuf.Any in JSON: its fields and "@type".
  void AddErrorSchemas() {
    const google::protobuf::DescriptorPool* pool =
        routes_.routes().empty()
            ? google::protobuf::DescriptorPool::generated_pool()
            : routes_.routes().front().method->file()->pool();
    Json variants = Json::array();
    for (const char* type : kErrorDetailTypes) {
      const Descriptor* d = pool->FindMessageTypeByName(type);
      if (d == nullptr) continue;
      Json ref = RefTo(d);
      variants.push_back(
          {{"allOf", Json::array({ref})},
           {"type", "object"},
           {"properties",
            {{"@type",
              {{"const", absl::StrCat("type.googleapis.com/", type)}}}}},
           {"required", Json::array({"@type"})}});
    }
    schemas_["ErrorResponse"] = {
        {"type", "object"},
        {"description",
         "An AIP-193 error: the gRPC status of the call, with the HTTP "
         "status as its code."},
        {"properties",
         {{"error", {{"$ref", absl::StrCat(kSchemas, "ErrorStatus")}}}}},
        {"required", Json::array({"error"})}};
    schemas_["ErrorStatus"] = {
        {"type", "object"},
        {"description",
         "The google.rpc.Status of the call in AIP-193's JSON form."},
        {"properties",
         {{"code",
           {{"type", "integer"},
            {"format", "int32"},
            {"description", "The HTTP status of the answer."}}},
          {"status",
           {{"$ref", absl::StrCat(kSchemas, "google.rpc.Code")},
            {"description", "The gRPC code's name."}}},
          {"message",
           {{"type", "string"},
            {"description",
             "For people, in English; at most 1,024 bytes. Match on "
             "ErrorInfo's `reason` rather than on this."}}},
          {"details",
           {{"type", "array"},
            {"description",
             "Typed details, in this order: `google.rpc.ErrorInfo` "
             "(always: a stable `reason` and the domain `meshplane.dev`), "
             "`google.rpc.BadRequest` (INVALID_ARGUMENT: every field at "
             "fault), `google.rpc.RetryInfo` (UNAVAILABLE), "
             "`meshplane.v1.PolicyViolations` (reason `POLICY_VIOLATION`), "
             "`meshplane.v1.CompatibilityReport` (a contract version "
             "refused). At most 4 KiB in all."},
            {"items", {{"$ref", absl::StrCat(kSchemas, "ErrorDetail")}}}}}}},
        {"required", Json::array({"code", "status", "message", "details"})}};
    schemas_["ErrorDetail"] = {
        {"description",
         "One detail: a google.protobuf.Any in JSON, the fields of the "
         "message named by `@type` beside it."},
        {"oneOf", std::move(variants)}};
    Json codes = Json::array();
    for (const char* c : kCodeNames) codes.push_back(c);
    schemas_["google.rpc.Code"] = {
        {"type", "string"},
        {"description",
         "A canonical gRPC status code (google/rpc/code.proto), by name."},
        {"enum", std::move(codes)}};
  }

  Json ErrorResponses() const {
    Json out = Json::object();
    const auto response = [](const std::string& description) {
      return Json{
          {"description", description},
          {"content",
           {{"application/json",
             {{"schema",
               {{"$ref", absl::StrCat(kSchemas, "ErrorResponse")}}}}}}}};
    };
    for (const ErrorResponseSpec& e : kErrorResponses) {
      out[e.name] = response(e.description);
    }
    out["Error"] = response(
        "Any other AIP-193 error: 405 (the path is served with other "
        "methods; the message names them), 499 CANCELLED, 501 "
        "UNIMPLEMENTED, 504 DEADLINE_EXCEEDED.");
    return out;
  }

  // The leaf fields of `d` that are query parameters: every field that
  // neither the path nor the body carries, nested messages by dotted
  // names; not maps, repeated messages, nor well-known types without a
  // text form (binder.h).
  void QueryParams(const Descriptor* d, const std::string& json_prefix,
                   const std::string& proto_prefix,
                   const std::set<std::string>& path_fields,
                   const std::string& body,
                   std::vector<const Descriptor*>* stack, Json* out) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      const std::string proto_path = absl::StrCat(proto_prefix, f->name());
      const std::string json_path = absl::StrCat(json_prefix, f->json_name());
      if (proto_prefix.empty() && (body == "*" || f->name() == body)) continue;
      if (path_fields.count(proto_path) || f->is_map()) continue;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const Descriptor* m = f->message_type();
        if (IsWellKnown(m)) {
          static const std::set<std::string> kNoText = {
              "google.protobuf.Struct", "google.protobuf.Value",
              "google.protobuf.ListValue", "google.protobuf.Any",
              "google.protobuf.Empty"};
          if (kNoText.count(m->full_name())) continue;
        } else {
          if (f->is_repeated() || stack->size() >= 4 ||
              std::find(stack->begin(), stack->end(), m) != stack->end()) {
            continue;
          }
          stack->push_back(m);
          QueryParams(m, json_path + ".", proto_path + ".", path_fields, body,
                      stack, out);
          stack->pop_back();
          continue;
        }
      }
      Json p = {{"name", json_path}, {"in", "query"}};
      std::string comment = CommentOf(f);
      if (!comment.empty()) p["description"] = comment;
      if (f->is_repeated()) {
        p["style"] = "form";
        p["explode"] = true;
        p["schema"] = {{"type", "array"}, {"items", ValueSchema(f, true)}};
      } else {
        p["schema"] = ValueSchema(f, true);
      }
      if (f->options().deprecated()) p["deprecated"] = true;
      out->push_back(std::move(p));
    }
  }

  Json Operation(const Route& r, const OpenApiPath& p, const std::string& id) {
    const MethodDescriptor* m = r.method;
    const Descriptor* in = m->input_type();
    Json op;
    op["tags"] = Json::array({m->service()->name()});
    std::string comment = CommentOf(m);
    op["summary"] = comment.empty() ? m->name() : FirstSentence(comment);
    op["description"] = Join({comment.empty() ? m->name() : comment,
                              absl::StrCat("gRPC: `", r.grpc_method, "`.")});
    op["operationId"] = id;

    Json params = Json::array();
    std::set<std::string> path_fields;
    std::set<std::string> path_top_fields;
    for (const OpenApiPath::Param& param : p.params) {
      path_fields.insert(param.field_path);
      path_top_fields.insert(
          param.field_path.substr(0, param.field_path.find('.')));
      // The resource name with this path's parameter names.
      std::string shape;
      size_t k = 0;
      std::vector<const OpenApiPath::Param*> same;
      for (const OpenApiPath::Param& q : p.params) {
        if (q.field_path == param.field_path) same.push_back(&q);
      }
      for (absl::string_view seg : absl::StrSplit(param.pattern, '/')) {
        if (!shape.empty()) shape += "/";
        if ((seg == "*" || seg == "**") && k < same.size()) {
          absl::StrAppend(&shape, "{", same[k++]->name, "}");
        } else {
          absl::StrAppend(&shape, seg);
        }
      }
      std::vector<std::string> text = {
          absl::StrCat("`{", param.name, "}` of the field `", param.field_path,
                       "`: `", shape, "`.")};
      if (param.multi_segment) {
        text.push_back("May span several segments: send its \"/\" unencoded.");
      }
      auto leaf = ResolveFieldPath(in, param.field_path);
      if (leaf.ok()) {
        std::string c = CommentOf(leaf->back());
        if (!c.empty()) text.push_back(c);
      }
      params.push_back({{"name", param.name},
                        {"in", "path"},
                        {"required", true},
                        {"description", Join(text)},
                        {"schema", {{"type", "string"}}}});
    }
    std::vector<const Descriptor*> stack = {in};
    QueryParams(in, "", "", path_fields, r.body, &stack, &params);
    // transcoder.cc's ApplyIfMatch: the request's own etag, or that of the
    // resource in the body.
    // Only where it means something: a create's resource has no etag yet.
    const FieldDescriptor* etag_target = EtagField(in);
    if (etag_target == nullptr && !r.body.empty() && r.body != "*" &&
        (r.http_method == "PATCH" || r.http_method == "PUT")) {
      const FieldDescriptor* b = in->FindFieldByName(r.body);
      if (b != nullptr && !b->is_repeated() &&
          b->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        etag_target = EtagField(b->message_type());
      }
    }
    if (etag_target != nullptr) {
      params.push_back(
          {{"name", "If-Match"},
           {"in", "header"},
           {"description",
            absl::StrCat(
                "The etag the change is conditional on, as the ETag header "
                "gave it (quoted; `W/` and bare values are accepted; `*` is "
                "the same as none). It fills `",
                etag_target->containing_type() == in
                    ? etag_target->json_name()
                    : absl::StrCat(in->FindFieldByName(r.body)->json_name(),
                                   ".", etag_target->json_name()),
                "`; a stale one answers 409 ABORTED.")},
           {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = std::move(params);

    if (!r.body.empty()) {
      Json schema;
      if (r.body == "*") {
        bool partial = false;
        for (int i = 0; i < in->field_count(); ++i) {
          if (path_fields.count(in->field(i)->name())) partial = true;
        }
        if (!partial) {
          schema = RefTo(in);
        } else {
          // The request without the fields the path carries.
          schema = {{"type", "object"}};
          std::string c = CommentOf(in);
          if (!c.empty()) schema["description"] = c;
          Json props = Json::object();
          for (int i = 0; i < in->field_count(); ++i) {
            const FieldDescriptor* f = in->field(i);
            if (path_fields.count(f->name())) continue;
            props[f->json_name()] = FieldSchema(f);
          }
          if (!props.empty()) schema["properties"] = std::move(props);
        }
      } else {
        schema = FieldSchema(in->FindFieldByName(r.body));
      }
      op["requestBody"] = {
          {"required", true},
          {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
    }

    const Descriptor* out = m->output_type();
    Json ok_schema;
    const Descriptor* out_message = out;
    if (!r.response_body.empty()) {
      const FieldDescriptor* f = out->FindFieldByName(r.response_body);
      ok_schema = FieldSchema(f);
      out_message =
          f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()
              ? f->message_type()
              : nullptr;
    } else if (IsWellKnown(out) && !WellKnown(out, false).is_null()) {
      ok_schema = WellKnown(out, false);
    } else {
      ok_schema = RefTo(out);
    }
    Json ok;
    if (m->server_streaming()) {
      ok["description"] = absl::StrCat(
          "A stream of ", out->name(),
          " messages as newline-delimited JSON, each line flushed as the "
          "server sends it. The status is known once the first message "
          "(or the error) is; an error after the first message comes as a "
          "last line {\"error\": ...}.");
      ok["content"] = {
          {"application/x-ndjson",
           {{"schema",
             {{"oneOf",
               Json::array(
                   {std::move(ok_schema),
                    {{"$ref", absl::StrCat(kSchemas, "ErrorResponse")}}})}}}}}};
    } else {
      std::string c = CommentOf(out);
      ok["description"] =
          out->full_name() == "google.protobuf.Empty"
              ? std::string("Done: an empty JSON object.")
              : (c.empty() ? absl::StrCat("The ", out->name(), ".")
                           : FirstSentence(c));
      if (out_message != nullptr && EtagField(out_message) != nullptr) {
        ok["headers"] = {
            {"ETag",
             {{"description",
               "The resource's etag, quoted: send it back as If-Match."},
              {"schema", {{"type", "string"}}}}}};
      }
      ok["content"] = {
          {"application/json", {{"schema", std::move(ok_schema)}}}};
    }
    Json responses;
    responses["200"] = std::move(ok);
    const bool read = r.http_method == "GET";
    for (const ErrorResponseSpec& e : kErrorResponses) {
      const std::string status = e.status;
      if (status == "409" && read) continue;
      if (status == "413" && r.body.empty()) continue;
      responses[status] = {{"$ref", absl::StrCat(kResponses, e.name)}};
    }
    responses["default"] = {{"$ref", absl::StrCat(kResponses, "Error")}};
    op["responses"] = std::move(responses);
    return op;
  }

  Json DocumentOperation() const {
    return {{"tags", Json::array({"OpenAPI"})},
            {"summary", "Gets this document."},
            {"description",
             "The OpenAPI document of this server's REST API. It describes the "
             "API and holds no data (as server reflection does over gRPC), so "
             "it needs no token."},
            {"operationId", "OpenApi_GetDocument"},
            {"security", Json::array()},
            {"responses",
             {{"200",
               {{"description", "The OpenAPI 3.1 document."},
                {"content",
                 {{"application/json",
                   {{"schema",
                     {{"type", "object"},
                      {"properties", {{"openapi", {{"type", "string"}}}}},
                      {"required", Json::array({"openapi"})},
                      {"additionalProperties", true}}}}}}}}},
              {"404", {{"$ref", absl::StrCat(kResponses, "NotFound")}}}}}};
  }

  const RouteTable& routes_;
  const OpenApiOptions& options_;
  std::set<std::string> tagged_;
  // Schema name -> the type it was asked for under.
  std::map<std::string, std::string> wanted_;
  std::string clash_;
  std::vector<const Descriptor*> pending_messages_;
  std::vector<const EnumDescriptor*> pending_enums_;
  std::map<std::string, Json> schemas_;
};

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
