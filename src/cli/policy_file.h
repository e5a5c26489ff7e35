// YAML documents as JSON for the policy commands: the resource, previous and
// request documents of `policy eval` (sent as google.protobuf.Struct) and of
// `policy test` (handed to the embedded engine through DocumentFromJson, so
// that `*_time` keys become timestamps exactly as on the server).
#ifndef MESHPLANE_CLI_POLICY_FILE_H_
#define MESHPLANE_CLI_POLICY_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include <nlohmann/json.hpp>

#include "meshplane/contract/yaml.h"

namespace meshplane::cli {

// Converts a YAML node to JSON: mappings become objects (keys as strings),
// sequences arrays, and scalars follow the YAML 1.2 core schema when plain
// (`null`/`~`/empty -> null, `true`/`false` -> bool, integers -> int64,
// decimals -> double) and stay strings when quoted or written as a block.
// So `tier: 1` is a number and `tier: "1"` a string, as in JSON. `where` is
// the file name used in errors. INVALID_ARGUMENT (naming `where`, the line
// and the column) for a mapping key that is not a scalar or a duplicate key.
absl::StatusOr<nlohmann::json> YamlToJson(contract::YamlNode node,
                                          const std::string& where);

// Parses `text` holding exactly one YAML (or JSON) document. `where` names
// it in errors. INVALID_ARGUMENT for a syntax error (with line:column), no
// document, several documents, or a text past the YAML budgets (depth,
// aliases counted as what they expand to, size: meshplane/contract/yaml.h),
// all naming `where`, the line and the column.
absl::StatusOr<nlohmann::json> ParseYamlDocument(const std::string& text,
                                                 const std::string& where);

// Reads `path` ("-" for stdin) and parses it with ParseYamlDocument.
// INVALID_ARGUMENT when the file cannot be read, naming it.
absl::StatusOr<nlohmann::json> LoadYamlDocument(const std::string& path);

// Reads a whole file ("-" for stdin). INVALID_ARGUMENT naming the file and
// the system error when it cannot.
absl::StatusOr<std::string> ReadFileText(const std::string& path);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_POLICY_FILE_H_
