// Conversion of an ODCS document between versions of the standard, with a
// report of every field the target version cannot carry: nothing is dropped
// without a word.
//
//   MP_ASSIGN_OR_RETURN(Conversion c, Convert(text, "v3.1.0"));
//   for (const Loss& l : c.losses) { /* path, line, what is lost */ }
//   if (c.issues.empty()) { /* c.yaml is valid ODCS v3.1.0 */ }
#ifndef MESHPLANE_CONTRACT_CONVERT_H_
#define MESHPLANE_CONTRACT_CONVERT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "meshplane/contract/odcs.h"
#include "meshplane/contract/validate.h"

namespace meshplane::contract {

// A field of the source the target version has no place for. `path` names
// it as validation does ("schema[0].properties[2].synonyms"), `position` is
// where it is in the source, `message` what is lost and, where part of it is
// carried another way, how.
struct Loss {
  std::string path;
  SourcePosition position;
  std::string message;
  // "schema[0].synonyms (line 12, column 5): ...".
  std::string ToString() const;
};

// The converted document and what did not make it.
struct Conversion {
  std::string from_version;  // the source's apiVersion
  std::string to_version;
  // The document in the target version, as block YAML (comments and layout
  // of the source are not kept; values are, variables such as
  // ${DB_HOST:-localhost} included, as written).
  std::string yaml;
  // Every field of the source dropped or carried only in part, in document
  // order. Empty when the conversion is exact.
  std::vector<Loss> losses;
  // The converted document's validation issues under the target version's
  // rules (e.g. v3.1.0 requires `status`, which a v3.2.0 document may lack).
  std::vector<Issue> issues;
};

// The versions Convert writes: "v3.1.0" and "v3.2.0".
const std::vector<std::string>& ConvertTargets();

// Converts `yaml_text` (ODCS v3.0.x, v3.1.0 or v3.2.0) to `to_version`.
// v3.2.0 to v3.1.0 drops context, synonyms, semanticType, deprecated,
// relationship ids, SLA custom properties and the Athena workgroup (each a
// Loss), carries an `enum` as an invalidValues rule, a `map` as an object
// and a `vector` as an array of numbers with its dimensions as min/maxItems.
// Upgrades change apiVersion only. Returns INVALID_ARGUMENT for text that is
// not YAML (as Parse), a source or target version Convert does not handle,
// or a target older than the source's v3.0.x. Thread-safe.
absl::StatusOr<Conversion> Convert(absl::string_view yaml_text,
                                   absl::string_view to_version);

}  // namespace meshplane::contract

#endif  // MESHPLANE_CONTRACT_CONVERT_H_
