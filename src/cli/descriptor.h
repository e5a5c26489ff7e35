// Descriptor files of `meshplane apply`: Meshplane's own format
// (apiVersion meshplane.dev/v1; kinds Team, Domain, DataProduct, Policy,
// Waiver) and the Open
// Data Product Standard (ODPS v0.9.0 / v1.0.0 / v1.1.0, kind DataProduct),
// several
// documents per file separated by `---`. docs/descriptors.md describes both.
//
//   ParseResult r = ParseDescriptors(text, "mesh.yaml", {});
//   if (!r.errors.empty()) { for (auto& e : r.errors) err << e.ToString(); }
//   for (const Descriptor& d : OrderForApply(r.descriptors)) { ... }
#ifndef MESHPLANE_CLI_DESCRIPTOR_H_
#define MESHPLANE_CLI_DESCRIPTOR_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include <nlohmann/json.hpp>

#include "meshplane/v1/data_product.pb.h"
#include "meshplane/v1/domain.pb.h"
#include "meshplane/v1/policy.pb.h"
#include "meshplane/v1/team.pb.h"

namespace meshplane::cli {

// A problem in a descriptor file, at a place in it.
struct DescriptorError {
  std::string location;  // "mesh.yaml:12:7" (1-based line and column)
  std::string path;      // "spec.outputPorts[0].id"; empty for YAML syntax
  std::string message;   // "required field is missing"
  // "mesh.yaml:12:7: spec.outputPorts[0].id: required field is missing".
  std::string ToString() const;
};

enum class DescriptorKind { kTeam, kDomain, kDataProduct, kPolicy, kWaiver };
enum class DescriptorFormat { kMeshplane, kOdps };

// The ODPS schema a document is checked against: v1.0 (apiVersion v0.9.0 or
// v1.0.0) or v1.1 (apiVersion v1.1.0).
enum class OdpsVersion { kV1_0, kV1_1 };

// An ODPS input port: it names the contract it reads, not an output port, so
// apply looks for the output port that promises that contract.
struct ContractInput {
  std::string port_id;      // the Meshplane input port id it becomes
  std::string contract_id;  // ODPS contractId
  std::string location;     // where it was declared, for messages
  bool deprecated = false;  // ODPS 1.1 `deprecated`
};

// One document, decoded into the API's messages.
struct Descriptor {
  DescriptorKind kind = DescriptorKind::kDataProduct;
  DescriptorFormat format = DescriptorFormat::kMeshplane;
  std::string location;  // "file:line" of the document
  // The document's own text as written (for a file of one document, the
  // whole file); an ODPS product stores it as its odps_document.
  std::string source;
  std::string id;                           // the resource id (metadata.name)
  meshplane::v1::Team team;                 // kind Team; name set
  meshplane::v1::Domain domain;             // kind Domain; name set
  meshplane::v1::DataProduct data_product;  // kind DataProduct; name set
  meshplane::v1::Policy policy;             // kind Policy; name set
  meshplane::v1::Waiver waiver;             // kind Waiver; name set
  // Kind Policy: the scope, "" (global) or `domains/{d}` (the `parent` of
  // CreatePolicyRequest). Kind Waiver: the waived policy's name.
  std::string parent;
  // The fields an update sets (UpdateXRequest.update_mask paths).
  std::vector<std::string> update_mask;
  // The lifecycle the product should reach; UNSPECIFIED leaves it alone.
  meshplane::v1::Lifecycle lifecycle = meshplane::v1::LIFECYCLE_UNSPECIFIED;
  // ODPS input ports, resolved by contract id at apply time.
  std::vector<ContractInput> contract_inputs;

  // "team/checkout", "domain/sales", "dataProduct/sales/orders",
  // "policy/owners" (global), "policy/sales/tier-one-slo" (domain),
  // "waiver/owners/legacy-orders".
  std::string Ref() const;
};

// Values for what a descriptor may leave out (ODPS has no required domain or
// team): the --domain and --owner-team flags of apply.
struct DescriptorDefaults {
  std::string domain;      // an id
  std::string owner_team;  // an id or teams/{id}
};

struct ParseResult {
  std::vector<Descriptor> descriptors;
  std::vector<DescriptorError> errors;  // every error found, in file order
};

// Parses every document of `text`. `filename` is only used in locations.
// Empty documents are skipped. Unknown fields, missing required fields,
// values of the wrong type and invalid ids are errors that name the path and
// the line:column at fault; a document with errors yields no descriptor.
// A text past the YAML budgets (meshplane/contract/yaml.h: aliases counted
// as what they expand to) yields one error at the alias that crossed them,
// and nothing is read.
ParseResult ParseDescriptors(absl::string_view text,
                             const std::string& filename,
                             const DescriptorDefaults& defaults);

// Orders descriptors for apply: teams, then domains (parents before their
// subdomains), then policies and waivers (so that the products of the same
// run are governed by its policies, and a waiver can exempt a product the run
// creates), then data products (a product before the products that read it,
// by input port source or ODPS contract id); otherwise file order.
std::vector<Descriptor> OrderForApply(std::vector<Descriptor> descriptors);

// The descriptor of a resource as the server holds it: what `get -o
// yaml|json` prints and `apply` reads back. apiVersion, kind, metadata and
// spec carry exactly the fields apply sets, in the form ParseDescriptors
// reads (short ids, lowercase enum names, durations like 1h30m); the fields
// the server owns (uid, etag, times, policy revision, port names and
// service-level status) go under `status`, which apply skips. So
// ParseDescriptors(WriteX(r)) gives back r's desired state, and applying it
// unchanged is a no-op. Empty fields are left out, as the reader defaults
// them.
nlohmann::json TeamDescriptor(const meshplane::v1::Team& team);
nlohmann::json DomainDescriptor(const meshplane::v1::Domain& domain);
nlohmann::json ProductDescriptor(const meshplane::v1::DataProduct& product);
nlohmann::json PolicyDescriptor(const meshplane::v1::Policy& policy);

// ODPS product `type` <-> DataProduct.archetype: `sourceAligned` <->
// `source-aligned` (camelCase words become hyphenated lowercase). The result
// of ArchetypeFromOdps may not be a valid id (IsValidId decides).
std::string ArchetypeFromOdps(absl::string_view type);
std::string OdpsTypeFromArchetype(absl::string_view archetype);

// What the ODPS reader checks, for the conformance test against the
// standard's JSON Schemas: object name -> field -> type ("string",
// "boolean", "any", "array:string", "object:<Object>", "array:<Object>"),
// and the required fields of each object.
struct OdpsObjectSchema {
  std::map<std::string, std::string> fields;
  std::vector<std::string> required;
};
std::map<std::string, OdpsObjectSchema> OdpsReaderSchema(OdpsVersion version);

// Descriptors as one text that ParseDescriptors reads: with `yaml`, one YAML
// document per descriptor separated by `---`; otherwise one descriptor as
// pretty JSON, or (`list`) a `kind: List` whose `items` are the descriptors.
// Ends in a newline.
std::string FormatDescriptors(const std::vector<nlohmann::json>& descriptors,
                              bool yaml, bool list);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_DESCRIPTOR_H_
