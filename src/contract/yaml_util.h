// yaml-cpp helpers shared by the ODCS loader and validator: loading without
// exceptions, positions, and the YAML 1.2 core-schema type of a scalar (what
// a JSON Schema validator sees once the YAML is read as JSON).
#ifndef MESHPLANE_CONTRACT_YAML_UTIL_H_
#define MESHPLANE_CONTRACT_YAML_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "meshplane/contract/odcs.h"
#include "yaml-cpp/yaml.h"

namespace meshplane::contract::internal {

// Parses one YAML document. INVALID_ARGUMENT "line:column: reason" for a
// syntax error or an empty text, or when the top level is not a mapping.
absl::StatusOr<YAML::Node> LoadYaml(absl::string_view text);

// map[key], or an undefined (but valid) node when `map` is not a mapping or
// lacks `key`: yaml-cpp's own lookup returns a "zombie" node that throws on
// most calls.
YAML::Node Get(const YAML::Node& map, absl::string_view key);

// 1-based position of `node` ({0, 0} if yaml-cpp has none).
SourcePosition PositionOf(const YAML::Node& node);

enum class JsonType { kNull, kBoolean, kInteger, kNumber, kString, kArray,
                      kObject };

// The JSON type of `node`. Quoted scalars are strings; plain scalars follow
// the YAML 1.2 core schema (null/~, true/false, integers, floats); kNumber
// means a non-integral number.
JsonType TypeOf(const YAML::Node& node);

// "a string", "an integer", ... for messages.
absl::string_view JsonTypeName(JsonType type);

// A short rendering of a value for messages: "\"binary\"", "42", "a list",
// "a mapping".
std::string Describe(const YAML::Node& node);

// Scalars as written; collections as compact flow YAML ("[a, b]").
std::string ToText(const YAML::Node& node);

// `node` as compact JSON: mappings become objects with sorted keys (later
// duplicates win), sequences arrays, scalars typed as TypeOf says (integers
// in decimal; floats in their shortest round-trip form; .inf and .nan,
// which JSON cannot hold, as strings).
std::string ToJson(const YAML::Node& node);

// Builds the normalised model from a loaded document (odcs.cc); Parse and
// ParseAndValidate share it so that the YAML is read once.
Document Normalise(const YAML::Node& root);

}  // namespace meshplane::contract::internal

#endif  // MESHPLANE_CONTRACT_YAML_UTIL_H_
