// JSON forms of the model types: used for audit before/after images, event
// payloads, idempotent replays, and later as policy input documents.
#ifndef MESHPLANE_MODEL_JSON_H_
#define MESHPLANE_MODEL_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "meshplane/model/access.h"
#include "meshplane/model/contract.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/domain.h"
#include "meshplane/model/policy.h"
#include "meshplane/model/principal.h"
#include "meshplane/model/team.h"
#include "meshplane/model/webhook.h"

namespace meshplane::model {

// Serialises to compact JSON with stable key order. Times are RFC 3339 UTC,
// durations are seconds with an "s" suffix ("3600s"), enums are their names,
// references are resource names ("teams/checkout"). Deterministic: the same
// value always gives the same bytes.
std::string ToJson(const Domain& d);
std::string ToJson(const Team& t);
std::string ToJson(const DataProduct& p);
std::string ToJson(const ApiToken& t);  // never includes secret_hash
// The owner is `owner` (teams/{id}); the scope is part of `name`.
std::string ToJson(const Policy& p);
// The policy is both in `name` ({policy}/waivers/{id}) and in `policy`.
std::string ToJson(const Waiver& w);
// The owner is `data_product` (domains/{domain}/dataProducts/{product}).
std::string ToJson(const Contract& c);
// The contract is both in `name` ({contract}/versions/{version}) and in
// `contract`; `report_json` is kept as a string, byte for byte.
std::string ToJson(const ContractVersion& v);
// `output_port` is the port's name, `grant` grants/{id}; `decision` is kept
// as a string, byte for byte. `state` is as stored.
std::string ToJson(const AccessRequest& r);
// `output_port` is the port's name, `access_request` accessRequests/{id}.
std::string ToJson(const Grant& g);
// Never includes the secret, nor the delivery state but
// `delivered_sequence`.
std::string ToJson(const Webhook& w);

// Inverses of ToJson. INVALID_ARGUMENT on malformed input.
absl::StatusOr<Domain> DomainFromJson(absl::string_view json);
absl::StatusOr<Team> TeamFromJson(absl::string_view json);
absl::StatusOr<DataProduct> DataProductFromJson(absl::string_view json);
absl::StatusOr<ApiToken> ApiTokenFromJson(absl::string_view json);
// `waivable` defaults to true when absent, as in model::Policy.
absl::StatusOr<Policy> PolicyFromJson(absl::string_view json);
// INVALID_ARGUMENT also when `policy` and the policy in `name` differ.
absl::StatusOr<Waiver> WaiverFromJson(absl::string_view json);
absl::StatusOr<Contract> ContractFromJson(absl::string_view json);
// INVALID_ARGUMENT also when `contract` and the contract in `name` differ.
absl::StatusOr<ContractVersion> ContractVersionFromJson(absl::string_view json);
absl::StatusOr<AccessRequest> AccessRequestFromJson(absl::string_view json);
absl::StatusOr<Grant> GrantFromJson(absl::string_view json);
absl::StatusOr<Webhook> WebhookFromJson(absl::string_view json);

// The etag of a revision (AIP-154). Opaque to clients.
std::string Etag(int64_t revision);

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_JSON_H_
