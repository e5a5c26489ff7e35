// Validation of ODCS v3 documents against the rules of the standard's JSON
// Schemas, written out by hand, for the document's apiVersion: v3.1.0's;
// v3.2.0's (and the RFCs approved or proposed for it: deprecated, vector,
// variables, relationship ids, SLA custom properties); v3.0.x as v3.1.0
// less what v3.1.0 closed or renamed (docs/contracts.md). Required
// fields, types, enumerations, patterns of ids and references, the
// conditional rules (server fields per server type, quality rule fields per
// rule type, logicalTypeOptions per logical type) and the schema's refusal of
// unknown fields.
//
//   MP_ASSIGN_OR_RETURN(ValidatedDocument v, ParseAndValidate(text));
//   if (!v.issues.empty()) { /* report every issue; v.document is usable */ }
//   // or: absl::Status s = ToStatus(v.issues);
#ifndef MESHPLANE_CONTRACT_VALIDATE_H_
#define MESHPLANE_CONTRACT_VALIDATE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "meshplane/contract/odcs.h"

namespace meshplane::contract {

// One rule the document breaks. `path` names the field the way a reader
// finds it, e.g. "schema[0].properties[3].logicalType" (the document root is
// ""); `message` says what was found and what was expected.
struct Issue {
  std::string path;
  SourcePosition position;
  std::string message;

  // "schema[0].properties[3].logicalType (line 14, column 22): ...".
  std::string ToString() const;
};

// The document and every issue found in it, in document order.
struct ValidatedDocument {
  Document document;
  std::vector<Issue> issues;
};

// The apiVersions Validate accepts (the v3.2.0 JSON Schema's enumeration).
const std::vector<std::string>& SupportedApiVersions();

// Parses and validates `yaml_text` in one pass over the YAML. Issues are data:
// a document with issues still yields OK. Returns INVALID_ARGUMENT (with
// line:column) only when the text is not YAML, its top level is not a
// mapping, or it is past the YAML budgets (yaml.h). Thread-safe.
absl::StatusOr<ValidatedDocument> ParseAndValidate(absl::string_view yaml_text);

// Only the issues of `yaml_text`; same errors as ParseAndValidate.
absl::StatusOr<std::vector<Issue>> Validate(absl::string_view yaml_text);

// OK for no issues, otherwise INVALID_ARGUMENT whose message lists every
// issue, one a line, for callers that want a single Status.
absl::Status ToStatus(const std::vector<Issue>& issues);

}  // namespace meshplane::contract

#endif  // MESHPLANE_CONTRACT_VALIDATE_H_
