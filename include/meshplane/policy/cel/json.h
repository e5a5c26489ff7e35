// JSON <-> CEL values, for binding documents and printing results.
//
//   MP_ASSIGN_OR_RETURN(Value doc, ValueFromJson(R"({"owner": "team-a"})"));
//   act.Bind("resource", doc);
#ifndef MESHPLANE_POLICY_CEL_JSON_H_
#define MESHPLANE_POLICY_CEL_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "meshplane/policy/cel/value.h"

namespace meshplane::policy::cel {

// Parses RFC 8259 JSON into a Value: objects become maps with string keys
// (in document order), arrays lists, strings strings, true/false bools,
// null null. Numbers without a fraction or exponent that fit in int64
// become ints, all others doubles (CEL compares them across types, so
// `doc.tier == 1` and `doc.tier == 1.0` both hold). Returns
// INVALID_ARGUMENT with the byte offset for malformed input, nesting deeper
// than 256 levels, or a repeated object key. Thread-safe.
absl::StatusOr<Value> ValueFromJson(absl::string_view json);

// Prints a Value as JSON: bytes as base64 strings, timestamps and durations
// in their string forms, type values as their names, uint as numbers, NaN
// and infinities as the strings "NaN", "Infinity", "-Infinity", map keys as
// strings, and an error as {"error": "<message>"}. Thread-safe.
std::string ValueToJson(const Value& value);

}  // namespace meshplane::policy::cel

#endif  // MESHPLANE_POLICY_CEL_JSON_H_
