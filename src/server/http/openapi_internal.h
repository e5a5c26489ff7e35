// The generator of the OpenAPI document (server/http/openapi.h) and the
// helpers its files share. openapi.cc holds the document's frame (info,
// tags, paths, components) and the public functions; openapi_schemas.cc the
// schemas of messages and enums in the proto3 JSON mapping and the AIP-193
// error shape; openapi_operations.cc one operation per route (parameters,
// request body, responses). Internal to server/http.
#ifndef MESHPLANE_SERVER_HTTP_OPENAPI_INTERNAL_H_
#define MESHPLANE_SERVER_HTTP_OPENAPI_INTERNAL_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "server/http/openapi.h"
#include "server/http/routes.h"
#include <nlohmann/json.hpp>

namespace meshplane::server::http::openapi_internal {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;
using Json = nlohmann::ordered_json;

inline constexpr char kSchemas[] = "#/components/schemas/";
inline constexpr char kResponses[] = "#/components/responses/";
inline constexpr char kApiPackagePrefix[] = "meshplane.v1.";

// Text of a proto comment: one leading space off each line, blank lines at
// the ends dropped.
std::string CleanComment(absl::string_view raw);

template <typename D>
std::string CommentOf(const D* d) {
  google::protobuf::SourceLocation loc;
  if (d == nullptr || !d->GetSourceLocation(&loc)) return "";
  return CleanComment(loc.leading_comments.empty() ? loc.trailing_comments
                                                   : loc.leading_comments);
}

// The first sentence of the first paragraph, on one line.
std::string FirstSentence(absl::string_view text);

inline bool IsWellKnown(const Descriptor* d) {
  return d->file()->package() == "google.protobuf";
}

// Paragraphs of a description.
inline std::string Join(const std::vector<std::string>& parts) {
  return absl::StrJoin(parts, "\n\n");
}

// One document: Run() renders `routes`, collecting the schemas the
// operations refer to as it goes. Not thread-safe; one per document.
class Generator {
 public:
  Generator(const RouteTable& routes, const OpenApiOptions& options)
      : routes_(routes), options_(options) {}

  absl::StatusOr<std::string> Run();

 private:
  Json Info() const;

  // --- Schemas (openapi_schemas.cc).
  // A schema name per type: the API's own without their package, the
  // rest by their full name ("google.rpc.ErrorInfo").
  static std::string NameOf(absl::string_view full_name);
  // True the first time `name` is asked for. Two types under one name
  // (meshplane.v1.X and a package-less X) are remembered as an error.
  bool Want(const std::string& name, const std::string& full_name);
  Json RefTo(const Descriptor* d);
  Json RefTo(const EnumDescriptor* e);
  // A well-known type in its proto3 JSON form (a string, a JSON value,
  // ...), or null for one that is an ordinary object.
  static Json WellKnown(const Descriptor* d, bool nullable);
  // The schema of one value of `f` (an element of a repeated field).
  // `in_query`: a query parameter's text form (wrappers are never null).
  Json ValueSchema(const FieldDescriptor* f, bool in_query = false);
  // A field's schema with its description: maps as objects, repeated
  // fields as arrays.
  Json FieldSchema(const FieldDescriptor* f);
  Json MessageSchema(const Descriptor* d);
  Json EnumSchema(const EnumDescriptor* e);
  absl::Status FlushSchemas();
  // AIP-193: {"error": {"code", "status", "message", "details"}}, each
  // detail a google.protobuf.Any in JSON: its fields and "@type".
  void AddErrorSchemas();

  // --- Operations (openapi_operations.cc).
  Json ErrorResponses() const;
  // The leaf fields of `d` that are query parameters: every field that
  // neither the path nor the body carries, nested messages by dotted
  // names; not maps, repeated messages, nor well-known types without a
  // text form (binder.h).
  void QueryParams(const Descriptor* d, const std::string& json_prefix,
                   const std::string& proto_prefix,
                   const std::set<std::string>& path_fields,
                   const std::string& body,
                   std::vector<const Descriptor*>* stack, Json* out);
  Json Operation(const Route& r, const OpenApiPath& p, const std::string& id);
  Json DocumentOperation() const;

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

}  // namespace meshplane::server::http::openapi_internal

#endif  // MESHPLANE_SERVER_HTTP_OPENAPI_INTERNAL_H_
