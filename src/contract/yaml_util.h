// The YAML front end of the contract library: a small read-only node tree
// built from libyaml's event parser, and the helpers the ODCS loader and
// validator share (positions, the YAML 1.2 core-schema type of a scalar, flow
// and JSON renderings).
//
// Why not yaml-cpp: its loader alone took several times the 5 ms budget of
// parse + validate + diff on a contract of 500 properties
// (docs/contracts.md, "Performance"). libyaml's parser reads the same text in
// about a tenth of the time, and this tree keeps every node of a document in
// one arena, so a node is a pointer and an index rather than a shared_ptr.
//
//   MP_ASSIGN_OR_RETURN(YamlDocument doc, LoadYaml(text));
//   YamlNode id = Get(doc.root(), "id");
//   if (id.IsScalar()) { ... id.Scalar() ... }
#ifndef MESHPLANE_CONTRACT_YAML_UTIL_H_
#define MESHPLANE_CONTRACT_YAML_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "meshplane/contract/odcs.h"
#include "meshplane/contract/yaml.h"

namespace meshplane::contract::internal {

// The node tree and its budgets are public (meshplane/contract/yaml.h): the
// CLI reads its YAML with them too.
using ::meshplane::contract::YamlBudget;
using ::meshplane::contract::YamlDocument;
using ::meshplane::contract::YamlEntry;
using ::meshplane::contract::YamlKind;
using ::meshplane::contract::YamlNode;
using ::meshplane::contract::YamlTree;

// Parses the first document of `text` (later documents are not read).
// Anchors and aliases are resolved: an alias is the anchored node itself.
// Merge keys (<<) are ordinary keys, as in yaml-cpp. The result does not
// refer to `text`. INVALID_ARGUMENT "line:column: invalid YAML: reason" for a
// syntax error or bad encoding (libyaml's reason, at its problem position),
// an alias without an anchor, an alias inside the node it names, or nesting
// 500 deep; INVALID_ARGUMENT "line:column: ..." at the node or alias that
// takes the document past `budget` (nodes, scalar bytes or depth, aliases
// counted as what they expand to: yaml.h); INVALID_ARGUMENT "1:1: a data
// contract must be a YAML mapping ..." when the top level is not a mapping
// (an empty text included), and "1:1: ... too large" beyond 256 MiB.
// RESOURCE_EXHAUSTED if libyaml cannot allocate. Thread-safe (no shared
// state).
absl::StatusOr<YamlDocument> LoadYaml(absl::string_view text,
                                      const YamlBudget& budget = {});

// CheckYamlBudgets (yaml.h) with `budget`: every document of the stream,
// any top level, one budget for the whole stream.
absl::Status CheckYamlStream(absl::string_view text, const YamlBudget& budget);

// map.Find(key): the value, or an undefined node when `map` is not a
// mapping or lacks `key`.
inline YamlNode Get(YamlNode map, absl::string_view key) {
  return map.Find(key);
}

// 1-based position of `node` ({0, 0} if it has none).
inline SourcePosition PositionOf(YamlNode node) { return node.position(); }

enum class JsonType {
  kNull,
  kBoolean,
  kInteger,
  kNumber,
  kString,
  kArray,
  kObject
};

// The JSON type of `node`. Quoted scalars are strings; plain scalars follow
// the YAML 1.2 core schema (null/~, true/false, integers, floats); kNumber
// means a non-integral number.
JsonType TypeOf(YamlNode node);

// "a string", "an integer", ... for messages.
absl::string_view JsonTypeName(JsonType type);

// A short rendering of a value for messages: "\"binary\"", "42", "a list",
// "a mapping".
std::string Describe(YamlNode node);

// Scalars as written; null and undefined as ""; collections as compact flow
// YAML ("[a, b]", "{k: v}") whatever their style in the source, scalars in
// them quoted where a plain scalar would not read back (as yaml-cpp's
// emitter decides), null as "~", explicit tags verbatim ("!<tag:...> x").
std::string ToText(YamlNode node);

// Whether `s` reads back as the same string when written as a plain scalar,
// inside a flow collection (`flow`) or in block context, by yaml-cpp 0.7's
// emitter's rules (IsValidPlainScalar), which the YAML the CLI writes keeps.
bool IsPlainScalar(absl::string_view s, bool flow);

// Appends `s` double-quoted, escaped as yaml-cpp 0.7's emitter escapes it.
void AppendDoubleQuoted(absl::string_view s, std::string* out);

// `node` as compact JSON: mappings become objects with sorted keys (later
// duplicates win), sequences arrays, scalars typed as TypeOf says (integers
// in decimal; floats in their shortest round-trip form; .inf and .nan,
// which JSON cannot hold, as strings).
std::string ToJson(YamlNode node);

// Builds the normalised model from a loaded document (odcs.cc); Parse and
// ParseAndValidate share it so that the YAML is read once.
Document Normalise(YamlNode root);

}  // namespace meshplane::contract::internal

#endif  // MESHPLANE_CONTRACT_YAML_UTIL_H_
