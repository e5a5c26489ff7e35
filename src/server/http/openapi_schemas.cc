// The schemas of the OpenAPI document: a schema per message and enum that
// an operation refers to, in the proto3 JSON mapping (well-known types in
// their JSON forms), and the AIP-193 error shape.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.pb.h"
#include "server/http/openapi_internal.h"

namespace meshplane::server::http::openapi_internal {
namespace {

// The error details that the server attaches (server/status.cc;
// docs/api-errors.md), in the order it attaches them.
constexpr const char* kErrorDetailTypes[] = {
    "google.rpc.ErrorInfo", "google.rpc.BadRequest", "google.rpc.RetryInfo",
    "meshplane.v1.PolicyViolations", "meshplane.v1.CompatibilityReport"};

}  // namespace

std::string Generator::NameOf(absl::string_view full_name) {
  absl::string_view n = full_name;
  absl::ConsumePrefix(&n, kApiPackagePrefix);
  return std::string(n);
}

bool Generator::Want(const std::string& name, const std::string& full_name) {
  auto [it, added] = wanted_.emplace(name, full_name);
  if (!added && it->second != full_name && clash_.empty()) {
    clash_ = absl::StrCat(full_name, " and ", it->second,
                          " would share the schema name ", name);
  }
  return added;
}

Json Generator::RefTo(const Descriptor* d) {
  std::string name = NameOf(d->full_name());
  if (Want(name, d->full_name())) pending_messages_.push_back(d);
  return {{"$ref", absl::StrCat(kSchemas, name)}};
}

Json Generator::RefTo(const EnumDescriptor* e) {
  std::string name = NameOf(e->full_name());
  if (Want(name, e->full_name())) pending_enums_.push_back(e);
  return {{"$ref", absl::StrCat(kSchemas, name)}};
}

Json Generator::WellKnown(const Descriptor* d, bool nullable) {
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
  if (n == "google.protobuf.DoubleValue" || n == "google.protobuf.FloatValue") {
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

Json Generator::ValueSchema(const FieldDescriptor* f, bool in_query) {
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

Json Generator::FieldSchema(const FieldDescriptor* f) {
  Json s;
  if (f->is_map()) {
    s = {{"type", "object"},
         {"additionalProperties", ValueSchema(f->message_type()->map_value())}};
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
      !absl::StrContains(comment, "Output only after") && f->name() != "etag") {
    s["readOnly"] = true;
  }
  if (f->options().deprecated()) s["deprecated"] = true;
  return s;
}

Json Generator::MessageSchema(const Descriptor* d) {
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

Json Generator::EnumSchema(const EnumDescriptor* e) {
  Json names = Json::array();
  std::vector<std::string> values;
  for (int i = 0; i < e->value_count(); ++i) {
    names.push_back(e->value(i)->name());
    std::string c = CommentOf(e->value(i));
    values.push_back(absl::StrCat(
        "- `", e->value(i)->name(), "`",
        c.empty() ? ""
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

absl::Status Generator::FlushSchemas() {
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

void Generator::AddErrorSchemas() {
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
          {{"@type", {{"const", absl::StrCat("type.googleapis.com/", type)}}}}},
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
  // google.rpc.Code's names are absl's, number for number (0 to 16).
  for (int c = 0; c <= static_cast<int>(absl::StatusCode::kUnauthenticated);
       ++c) {
    codes.push_back(absl::StatusCodeToString(static_cast<absl::StatusCode>(c)));
  }
  schemas_["google.rpc.Code"] = {
      {"type", "string"},
      {"description",
       "A canonical gRPC status code (google/rpc/code.proto), by name."},
      {"enum", std::move(codes)}};
}

}  // namespace meshplane::server::http::openapi_internal
