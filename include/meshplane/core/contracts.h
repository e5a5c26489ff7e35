// Data contracts: ODCS v3 documents published in versions, each checked
// against the earlier ones under the contract's compatibility mode, against
// the `contract.publish` policies, and for the consumers a breaking change
// would hit.
//
//   core::Contracts contracts(store, authz, clock, &governance);
//   auto dry = contracts.Publish(ctx_validate_only, {.yaml = text});  // CI
//   if (dry.ok() && dry->report.accepted) { /* safe to publish */ }
//   auto published = contracts.Publish(ctx, {.yaml = text});
//
// A contract is named by its documents' `id` and owned by one data product
// (set by its first version). Members of that product's owner team (and of
// its domain chain's owner teams, and platform admins) publish versions.
// A version is immutable: publishing it again with the same content is a
// no-op, with other content ALREADY_EXISTS.
#ifndef MESHPLANE_CORE_CONTRACTS_H_
#define MESHPLANE_CORE_CONTRACTS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/context.h"
#include "meshplane/core/governance.h"
#include "meshplane/model/contract.h"
#include "meshplane/store/store.h"

namespace meshplane::core {

// One difference between a candidate and an earlier version (the core form
// of meshplane.v1.ContractChange).
struct ContractChangeEntry {
  std::string severity;  // "BREAKING", "COMPATIBLE", "COSMETIC"
  std::string change;    // "property_removed", ...
  std::string path;      // "schema[orders].properties[id].logicalType"
  std::string description;
  std::string against_version;  // the version it was found against
  std::string breaks;           // "BACKWARD", "FORWARD", "BACKWARD,FORWARD", ""
  int line = 0;                 // in the candidate; 0 when not there
  int column = 0;
  std::string required_bump;  // "MAJOR", "MINOR", "PATCH"
};

// A consumer that a breaking change hits.
struct ImpactedConsumer {
  std::string consumer;     // a product name, or a principal
  std::string via;          // "INPUT_PORT" or "GRANT"
  std::string output_port;  // the port it reads
  std::string grant;        // "grants/{id}" for via GRANT
  std::string owner_team;   // "teams/{id}" when known
};

// The outcome of comparing a candidate with the published versions (the
// core form of meshplane.v1.CompatibilityReport).
struct CompatibilityReport {
  std::string contract;  // "contracts/{id}"
  std::string candidate_version;
  std::vector<std::string> compared_versions;  // newest first
  std::string mode;                            // "BACKWARD", ...
  bool compatible = true;                      // no change breaks the mode
  std::vector<ContractChangeEntry> changes;
  std::string required_bump;  // "", "PATCH", "MINOR", "MAJOR"
  std::string declared_bump;  // same vocabulary
  std::vector<ImpactedConsumer> impacted_consumers;
  std::vector<PolicyViolationDetail> policy_violations;
  std::vector<std::string> warnings;
  bool version_satisfied = true;
  std::string version_message;
  std::string previous_version;
  std::string suggested_version;
  bool accepted = true;  // the publish goes (would go) through
};

// The report as the JSON mapping of meshplane.v1.CompatibilityReport (proto
// field names, enum value names), which the server decodes as it is: the
// form a stored version keeps and a refusal carries as its error detail.
std::string ReportToJson(const CompatibilityReport& report);

// The inverse of ReportToJson (a stored version's report). INVALID_ARGUMENT
// for text that is not such a report.
absl::StatusOr<CompatibilityReport> ReportFromJson(absl::string_view json);

// The payload type URL under which a refusal carries its report.
inline constexpr char kCompatibilityReportUrl[] =
    "type.googleapis.com/meshplane.v1.CompatibilityReport";

struct PublishRequest {
  // The owning product; on a first version it may be left empty when the
  // document's `domain` and `dataProduct` name it.
  std::optional<model::ProductKey> product;
  std::string yaml;  // the ODCS v3 document, at most kMaxContractBytes
  std::string mode;  // "" keeps the contract's (FULL for a new one)
  std::map<std::string, std::string> labels;  // replace when non-empty
};

struct PublishResult {
  model::Contract contract;
  model::ContractVersion version;
  CompatibilityReport report;
};

// The largest document accepted.
inline constexpr size_t kMaxContractBytes = 512 * 1024;

// Thread-safe; holds references to `store`, `authz` and `clock` (and
// `governance`), which must outlive it. Error codes follow
// core/registry.h; those particular to contracts are listed per method.
class Contracts {
 public:
  // With `governance`, publishing is decided by the `contract.publish`
  // policies (the decision goes to the audit record).
  Contracts(store::Store& store, const auth::Authorizer& authz,
            const Clock& clock, Governance* governance = nullptr);

  // Publishes a new version (creating the contract on its first). Errors:
  //   INVALID_ARGUMENT  the document is not valid ODCS v3 (a field violation
  //                     per issue, at "yaml.<path>"), is past the YAML
  //                     budgets (at "yaml", contract/yaml.h), its version is
  //                     not semver, the mode is unknown, the product
  //                     disagrees with the contract's;
  //   NOT_FOUND         the product does not exist;
  //   PERMISSION_DENIED the caller may not publish for that product; a
  //                     caller in no team, or one who may not write the
  //                     `product` the request names, before the document is
  //                     read;
  //   ALREADY_EXISTS    the version is published with other content;
  //   FAILED_PRECONDITION  the version does not make the bump the changes
  //                     call for (reason CONTRACT_VERSION_BUMP), or a policy
  //                     denies (reason POLICY_VIOLATION); both carry the
  //                     report (kCompatibilityReportUrl).
  // With ctx.validate_only nothing is written and a refusal for the bump or
  // a policy is not an error: the report says `accepted: false`.
  absl::StatusOr<PublishResult> Publish(const RequestContext& ctx,
                                        PublishRequest request);

  // Compares `yaml` with the published versions: under `mode` ("" = the
  // contract's) or against `against_version` alone. Writes nothing; any
  // authenticated caller. A document of an unknown contract reports no
  // changes. Errors: INVALID_ARGUMENT as Publish; NOT_FOUND for an unknown
  // `against_version`.
  absl::StatusOr<CompatibilityReport> CheckCompatibility(
      const RequestContext& ctx, const std::string& yaml,
      const std::string& mode, const std::string& against_version);

  absl::StatusOr<model::Contract> GetContract(const RequestContext& ctx,
                                              const std::string& id);
  // Filter fields: data_product, domain, state.
  absl::StatusOr<ListResult<model::Contract>> ListContracts(
      const RequestContext& ctx, const ListQuery& query);
  // Newest first. With `omit_documents` the texts are left out.
  absl::StatusOr<ListResult<model::ContractVersion>> ListVersions(
      const RequestContext& ctx, const std::string& contract_id,
      const ListQuery& query, bool omit_documents);
  // `version` may be "latest".
  absl::StatusOr<model::ContractVersion> GetVersion(
      const RequestContext& ctx, const std::string& contract_id,
      const std::string& version);
  // ACTIVE -> DEPRECATED with a message (idempotent on a deprecated
  // contract: the message is replaced). ABORTED for a stale etag.
  absl::StatusOr<model::Contract> Deprecate(const RequestContext& ctx,
                                            const std::string& id,
                                            const std::string& message,
                                            const std::string& etag);

 private:
  store::Store& store_;
  const auth::Authorizer& authz_;
  const Clock& clock_;
  Governance* governance_;
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_CONTRACTS_H_
