// google.protobuf.Struct / Value / ListValue <-> CEL values (target
// meshplane_policy_cel_proto, which links libprotobuf; the core CEL library
// does not).
//
//   google::protobuf::Struct doc = ...;   // e.g. from a gRPC request
//   act.Bind("resource", ValueFromStruct(doc));
#ifndef MESHPLANE_POLICY_CEL_PROTO_STRUCT_H_
#define MESHPLANE_POLICY_CEL_PROTO_STRUCT_H_

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"

#include "meshplane/policy/cel/value.h"

namespace meshplane::policy::cel {

// Converts a protobuf Value as the CEL spec maps google.protobuf.Value:
// null_value -> null, number_value -> double, string_value -> string,
// bool_value -> bool, struct_value -> map(string, dyn), list_value -> list.
// An unset Value (no kind) converts to null. Returns INVALID_ARGUMENT only
// for nesting deeper than 256 levels. Thread-safe.
absl::StatusOr<Value> ValueFromProto(const google::protobuf::Value& value);

// As ValueFromProto, for a Struct (a map with string keys).
absl::StatusOr<Value> ValueFromStruct(const google::protobuf::Struct& value);

// Converts a CEL value back: ints and uints become number_value (as double),
// bytes base64 strings, timestamps and durations their RFC 3339 / "1.5s"
// strings, type values their names, map keys strings. Returns
// INVALID_ARGUMENT for an error value, or for a double NaN or infinity
// (which google.protobuf.Value cannot carry). Thread-safe.
absl::StatusOr<google::protobuf::Value> ValueToProto(const Value& value);

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_PROTO_STRUCT_H_
