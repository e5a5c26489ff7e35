// The operations of the OpenAPI document: per route, its summary and
// description, path, query and header parameters, request body and
// responses (the shared error responses included).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.pb.h"
#include "server/http/binder.h"
#include "server/http/openapi_internal.h"

namespace meshplane::server::http::openapi_internal {
namespace {

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

// The field `etag` (a singular string) of `d`, or null.
const FieldDescriptor* EtagField(const Descriptor* d) {
  const FieldDescriptor* f = d->FindFieldByName("etag");
  if (f == nullptr || f->is_repeated() ||
      f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    return nullptr;
  }
  return f;
}

}  // namespace

Json Generator::ErrorResponses() const {
  Json out = Json::object();
  const auto response = [](const std::string& description) {
    return Json{{"description", description},
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

void Generator::QueryParams(const Descriptor* d, const std::string& json_prefix,
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

Json Generator::Operation(const Route& r, const OpenApiPath& p,
                          const std::string& id) {
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
                  : absl::StrCat(in->FindFieldByName(r.body)->json_name(), ".",
                                 etag_target->json_name()),
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
    ok["content"] = {{"application/json", {{"schema", std::move(ok_schema)}}}};
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

Json Generator::DocumentOperation() const {
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

}  // namespace meshplane::server::http::openapi_internal
