// Compatibility of data contract versions: a classified diff of two ODCS
// documents, and the verdict for a candidate under a compatibility mode with
// the vocabulary of Confluent Schema Registry.
//
//   std::vector<Change> changes = Diff(previous, candidate);
//   MP_ASSIGN_OR_RETURN(Verdict v,
//                       Check(candidate, {v1, v2}, kDefaultMode));
//   if (!v.ok()) { /* v.changes says why; v.required_bump what to bump */ }
//
// Meaning (docs/contracts.md has the full table and the reasons):
//   BACKWARD  consumers using the new contract can read data produced under
//             the old one (the new contract accepts everything the old did);
//   FORWARD   consumers of the old contract can read data produced under the
//             new one (the new contract promises at least what the old did);
//   FULL      both. The _TRANSITIVE forms hold against every earlier version,
//             the plain forms against the latest only. NONE checks nothing.
//
// A data product's consumers read what its producer publishes now, so the
// side that must be protected is FORWARD's; FULL (the default) protects it
// and also refuses changes old data may not satisfy.
#ifndef MESHPLANE_CONTRACT_COMPATIBILITY_H_
#define MESHPLANE_CONTRACT_COMPATIBILITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

#include "meshplane/contract/odcs.h"
#include "meshplane/contract/semver.h"

namespace meshplane::contract {

enum class CompatibilityMode {
  kNone,
  kBackward,
  kForward,
  kFull,
  kBackwardTransitive,
  kForwardTransitive,
  kFullTransitive,
};

// The mode of a contract created without one: FULL, under which no change
// that can break an existing consumer passes as compatible (removing or
// renaming a property or object whatever its `required`, narrowing or
// changing a type, tightening or loosening a constraint, weakening an SLA or
// quality promise, removing an enum value). Contracts created before FULL was
// the default keep the mode stored with them (BACKWARD).
inline constexpr CompatibilityMode kDefaultMode = CompatibilityMode::kFull;

// "BACKWARD", "FULL_TRANSITIVE", ...
absl::string_view ModeName(CompatibilityMode mode);

// Accepts the names ModeName gives, in any case. INVALID_ARGUMENT otherwise,
// listing the valid names.
absl::StatusOr<CompatibilityMode> ParseMode(absl::string_view name);

// What changed between two versions. The names say what happened to the
// contract; `Change` says which consumers it hurts.
enum class ChangeKind {
  kObjectAdded,
  kObjectRemoved,
  kPropertyAdded,          // optional: old data simply lacks it (null)
  kRequiredPropertyAdded,  // old data has no value for it
  kPropertyRemoved,
  kLogicalTypeWidened,   // integer -> number
  kLogicalTypeNarrowed,  // number -> integer
  kLogicalTypeChanged,   // any other change of logicalType
  kPhysicalTypeWidened,  // varchar(10) -> varchar(20)
  kPhysicalTypeNarrowed,
  kPhysicalTypeChanged,
  kRequiredAdded,  // required: false -> true
  kRequiredRemoved,
  kUniqueAdded,
  kUniqueRemoved,
  kPrimaryKeyChanged,  // primaryKey or primaryKeyPosition
  kClassificationTightened,
  kClassificationLoosened,
  kClassificationChanged,  // between levels we cannot order
  kConstraintTightened,    // logicalTypeOptions: maxLength lowered, ...
  kConstraintLoosened,
  kConstraintChanged,  // pattern or format replaced
  kEnumNarrowed,       // allowed values (enum, invalidValues.validValues)
  kEnumWidened,
  kEnumChanged,  // some added and some removed
  kQualityRuleAdded,
  kQualityRuleRemoved,
  kQualityRuleStrengthened,
  kQualityRuleWeakened,
  kQualityRuleChanged,  // another operator or query
  kSlaAdded,
  kSlaRemoved,
  kSlaStrengthened,
  kSlaWeakened,
  kSlaChanged,  // values we cannot order
  kServerAdded,
  kServerRemoved,
  kRelationshipAdded,    // a foreign key old data may violate
  kRelationshipRemoved,  // consumers join on it
  kRelationshipChanged,  // same id, other columns
  kDeprecated,           // deprecated: true (v3.2.0): tells consumers
  kUndeprecated,
  kSemanticTypeChanged,  // column / measure / dimension (v3.2.0)
  kDocumentation,        // description, businessName, tags, ...: cosmetic
};

// "property_removed", ... (stable, for machines).
absl::string_view ChangeKindName(ChangeKind kind);

enum class Severity { kCosmetic, kCompatible, kBreaking };

// "cosmetic", "compatible", "breaking".
absl::string_view SeverityName(Severity severity);

// One classified change. `path` names the element by name, e.g.
// "schema[orders].properties[amount].logicalType"; `position` is where it is
// in the candidate (in the previous version for removals).
struct Change {
  ChangeKind kind = ChangeKind::kDocumentation;
  std::string path;
  // What happened, whatever the mode: "property note was removed".
  std::string what;
  // Whom it affects and how, whatever the mode: "consumers of the old
  // contract read it". Empty when it affects no one. Never a verdict: the
  // verdict depends on the mode, and only Explain states it.
  std::string why;
  SourcePosition position;
  // Consumers of the new contract can no longer read data produced under the
  // old one (the change tightens what the contract demands of the data).
  bool breaks_backward = false;
  // Consumers of the old contract can no longer read data produced under the
  // new one (the change withdraws something the contract promised).
  bool breaks_forward = false;
  // Set by Check on changes found against a version other than the latest
  // (transitive modes): that version's `version` string.
  std::string against_version;

  // Breaking if the change breaks a direction `mode` protects; otherwise
  // cosmetic for kDocumentation and compatible for everything else. Under
  // kNone nothing is breaking.
  Severity SeverityIn(CompatibilityMode mode) const;
  // The smallest bump this change requires under `mode`: major if breaking,
  // minor if compatible, patch if cosmetic. Under kNone, as under kFull
  // (NONE turns off refusals, not semantic versioning).
  Bump RequiredBump(CompatibilityMode mode) const;
  // The explanation under `mode`, derived from SeverityIn(mode) so the two
  // cannot disagree. It starts with the severity's name and the mode:
  //   "breaking under FULL: property note was removed: consumers of the old
  //    contract read it ..."
  //   "compatible under BACKWARD, which does not protect existing consumers
  //    from this: property note was removed: ..."
  //   "compatible: optional property x was added: ..." (harms no one)
  //   "cosmetic: ..."
  // A compatible explanation of a change that harms a side says which side
  // the mode leaves unprotected; a breaking one never says compatible.
  std::string Explain(CompatibilityMode mode) const;
};

// Every change from `previous` to `candidate`, in candidate order (removals
// where the element was). Objects are matched by name, properties by name
// within their parent: a rename is a removal plus an addition. Pure; does not
// look at the version numbers.
std::vector<Change> Diff(const Document& previous, const Document& candidate);

// The outcome of Check.
struct Verdict {
  CompatibilityMode mode = CompatibilityMode::kNone;
  // No change is breaking under `mode` (against the versions it covers).
  bool compatible = true;
  // Changes against the latest version, then, in transitive modes, the
  // breaking changes against older versions (with against_version set).
  std::vector<Change> changes;
  // The smallest bump over the latest version the changes require.
  Bump required_bump = Bump::kNone;
  // The candidate's version is valid semver, newer than the latest, and
  // makes at least `required_bump`; `version_message` says why not.
  bool version_satisfied = true;
  std::string version_message;
  // The latest previous version's string ("" when there is none) and the
  // lowest version that would satisfy the bump.
  std::string previous_version;
  std::string suggested_version;

  bool ok() const { return compatible && version_satisfied; }
};

// Checks `candidate` against `previous_versions` (oldest first, so the
// latest is last) under `mode`. With no previous versions the candidate is
// compatible and needs only a valid version. Returns INVALID_ARGUMENT when a
// previous version has another contract id than the candidate, or a version
// that is not semver. Pure and thread-safe.
absl::StatusOr<Verdict> Check(const Document& candidate,
                              absl::Span<const Document> previous_versions,
                              CompatibilityMode mode);

}  // namespace meshplane::contract

#endif  // MESHPLANE_CONTRACT_COMPATIBILITY_H_
