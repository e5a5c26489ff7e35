// Table renderings of Meshplane resources (the default -o table output).
#ifndef MESHPLANE_CLI_RENDER_H_
#define MESHPLANE_CLI_RENDER_H_

#include <ostream>

#include "google/protobuf/repeated_field.h"

#include "meshplane/v1/data_product.pb.h"
#include "meshplane/v1/domain.pb.h"
#include "meshplane/v1/identity.pb.h"
#include "meshplane/v1/policy.pb.h"
#include "meshplane/v1/team.pb.h"

namespace meshplane::cli {

template <typename T>
using Repeated = google::protobuf::RepeatedPtrField<T>;

// One row per domain: ID, PARENT, OWNER, DISPLAY NAME, LABELS.
void RenderDomains(const Repeated<meshplane::v1::Domain>& domains,
                   std::ostream& out);
// Every field, one per line.
void RenderDomain(const meshplane::v1::Domain& domain, std::ostream& out);

// One row per team: ID, MEMBERS (count), DISPLAY NAME.
void RenderTeams(const Repeated<meshplane::v1::Team>& teams, std::ostream& out);
void RenderTeam(const meshplane::v1::Team& team, std::ostream& out);

// One row per product: DOMAIN, ID, LIFECYCLE, TIER, CLASSIFICATION, OWNER,
// PORTS (outputs/inputs), TAGS.
void RenderProducts(const Repeated<meshplane::v1::DataProduct>& products,
                    std::ostream& out);
// The product's fields, then a table of output ports and of input ports.
void RenderProduct(const meshplane::v1::DataProduct& product,
                   std::ostream& out);

// NAME, PRINCIPAL, ADMIN, CREATED, EXPIRES, REVOKED, DESCRIPTION.
void RenderTokens(const Repeated<meshplane::v1::Token>& tokens,
                  std::ostream& out);

// The products reached, then the edges.
void RenderLineage(const meshplane::v1::GetLineageResponse& lineage,
                   std::ostream& out);

// One line per warning of a successful write, on `err`:
// "warning: <source>: <message>", or "warning: <what>: <source>: <message>"
// when `what` (e.g. "dataProduct/sales/orders") is not empty.
void PrintWarnings(const Repeated<meshplane::v1::Warning>& warnings,
                   const std::string& what, std::ostream& err);

// One line per policy violation, indented by two spaces:
// "policy NAME (SCOPE, EFFECT, ENFORCEMENT, revision N): MESSAGE", with
// ", evaluation error" after the enforcement when it failed to evaluate.
std::string DescribeViolation(const meshplane::v1::PolicyViolation& v);

// NAME, SCOPE, EFFECT, ENFORCEMENT, TRIGGERS, REV, OWNER.
void RenderPolicies(const Repeated<meshplane::v1::Policy>& policies,
                    std::ostream& out);
// Every field, one per line; the condition last, as written.
void RenderPolicy(const meshplane::v1::Policy& policy, std::ostream& out);
// REVISION, AUTHOR, TIME, EFFECT, ENFORCEMENT, CONDITION (first line).
void RenderPolicyRevisions(
    const Repeated<meshplane::v1::PolicyRevision>& revisions,
    std::ostream& out);
// NAME, RESOURCE, EXPIRES, CREATED BY, REASON.
void RenderWaivers(const Repeated<meshplane::v1::Waiver>& waivers,
                   std::ostream& out);
// "outcome: DENY" (with the decision id), then one line per violation
// (DescribeViolation), then the evaluated policies.
void RenderDecision(const meshplane::v1::Decision& decision, std::ostream& out);

// "domains/sales/dataProducts/orders" -> "sales/orders".
std::string ShortProductName(const std::string& name);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_RENDER_H_
