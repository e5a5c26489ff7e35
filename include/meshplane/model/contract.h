// Data contracts as the registry stores them: a contract (named by the ODCS
// document's `id`) owned by one data product, and its published versions.
// The ODCS documents themselves are handled by contract/ (the pure library);
// core converts.
#ifndef MESHPLANE_MODEL_CONTRACT_H_
#define MESHPLANE_MODEL_CONTRACT_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/resource_name.h"

namespace meshplane::model {

struct Contract {
  // The ODCS id: letters, digits, '.', '_' and '-', 1 to 128 characters,
  // starting with a letter or digit. Immutable.
  std::string id;
  std::string uid;
  ProductKey product;        // the owning data product
  std::string display_name;  // ODCS `name` of the latest version
  std::string description;   // ODCS description.purpose
  // "NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
  // "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE" (the proto's
  // CompatibilityMode without its prefix).
  std::string compatibility_mode = "FULL";
  std::string state = "ACTIVE";  // "ACTIVE" or "DEPRECATED"
  std::string deprecation_message;
  std::string latest_version;  // highest published semver
  int64_t version_count = 0;
  std::map<std::string, std::string> labels;
  absl::Time create_time = absl::InfinitePast();
  absl::Time update_time = absl::InfinitePast();
  int64_t revision = 0;
};

// One published version of a contract. Immutable once stored.
struct ContractVersion {
  std::string contract_id;
  std::string version;  // the semver as published
  // The parts of `version` that order versions (semver.org section 11);
  // build metadata plays no part. `prerelease` is "" for a release, else
  // the dot-separated identifiers after '-' ("rc.1").
  int64_t major = 0;
  int64_t minor = 0;
  int64_t patch = 0;
  std::string prerelease;
  std::string status;         // ODCS status: "active", "draft", ...
  std::string original_yaml;  // the document as published
  std::string normalized_json;
  std::string content_hash;  // lowercase hex SHA-256
  std::string published_by;  // principal
  absl::Time create_time = absl::InfinitePast();
  // The compatibility report at publish time as JSON; "" for the first
  // version.
  std::string report_json;
};

// True for a valid contract id (see Contract::id).
bool IsValidContractId(absl::string_view id);

// `contracts/{id}`.
std::string ContractName(absl::string_view contract_id);
// `contracts/{id}/versions/{version}`.
std::string ContractVersionName(absl::string_view contract_id,
                                absl::string_view version);

// A key whose plain byte order (C collation) is the semver precedence of
// pre-release identifiers, with a release ("") above all of its
// pre-releases: semver.org 11.4 (numeric identifiers compare numerically and
// below alphanumeric ones, which compare in ASCII order; a shorter list of
// equal leading identifiers comes first). Versions sort newest first by
// (major, minor, patch, PrereleaseOrderKey(prerelease)) descending. Stores
// keep it in a column so that SQL orders exactly as this function does.
std::string PrereleaseOrderKey(absl::string_view prerelease);

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_CONTRACT_H_
