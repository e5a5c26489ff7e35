// Binds the parts of an HTTP request to a request message, as AIP-127 and
// google/api/http.proto describe: path variables and query parameters set
// fields by their path ("pageSize", "page_size", "dataProduct.name"), the
// body is the proto3 JSON of the request ("*") or of one field of it.
//
// A value in a path or query is the text form of the field: an enum by its
// name (or number), a bool as true/false, 64-bit integers in decimal, bytes
// in base64, and the well-known types as their JSON strings (FieldMask
// "displayName,tags", Timestamp "2026-01-02T03:04:05Z", Duration "3.5s").
// A repeated field takes one value per occurrence (`tags=a&tags=b`).
//
// Errors are INVALID_ARGUMENT with a BadRequest field violation naming the
// parameter or field at fault. Thread-safe (no state).
#ifndef MESHPLANE_SERVER_HTTP_BINDER_H_
#define MESHPLANE_SERVER_HTTP_BINDER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace meshplane::server::http {

// Query parameters in their order, decoded; a key may repeat.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The fields along `path` (dotted; each part the field's name or JSON
// name) from `type`: every part but the last a singular message.
// INVALID_ARGUMENT naming `path` when a part is unknown.
absl::StatusOr<std::vector<const google::protobuf::FieldDescriptor*>>
ResolveFieldPath(const google::protobuf::Descriptor* type,
                 absl::string_view path);

// Sets the field at `path` in `message` from `value`; a repeated field gets
// `value` appended. `param` names it in errors.
absl::Status SetFieldFromText(google::protobuf::Message* message,
                              absl::string_view path, absl::string_view value,
                              absl::string_view param);

// Binds the query parameters: each must name a scalar (or repeated scalar,
// or well-known type) field that the path does not bind (`path_fields`) and
// that the body does not carry (`body` is "" for no body, "*" for the whole
// request, or the name of the field the body fills). A parameter that names
// no field is refused by name.
absl::Status BindQuery(const QueryParams& params,
                       const std::vector<std::string>& path_fields,
                       const std::string& body,
                       google::protobuf::Message* message);

// Parses the proto3 JSON `json` into `message` ("*") or into its field
// `body`. Malformed JSON, unknown fields and values of the wrong type are
// INVALID_ARGUMENT with the parser's words (bounded). An empty body leaves
// the message unchanged.
absl::Status BindBody(absl::string_view json, const std::string& body,
                      google::protobuf::Message* message);

// The proto3 JSON of `message` (lowerCamelCase names, enums as names,
// int64 as strings, well-known types in their JSON forms).
std::string ToJson(const google::protobuf::Message& message);

}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_BINDER_H_
