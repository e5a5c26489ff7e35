// proto <-> core for data contracts: contracts, versions, reports, names.
#ifndef MESHPLANE_SERVER_CONTRACT_CODEC_H_
#define MESHPLANE_SERVER_CONTRACT_CODEC_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "meshplane/core/contracts.h"
#include "meshplane/model/contract.h"
#include "meshplane/v1/contract.pb.h"

namespace meshplane::server {

// `contracts/{id}` (or a bare id) -> id; INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> ContractIdFromName(absl::string_view field,
                                               absl::string_view name);
// `contracts/{id}/versions/{version}` -> (id, version); the version may be
// `latest`.
absl::StatusOr<std::pair<std::string, std::string>> ContractVersionFromName(
    absl::string_view field, absl::string_view name);

// COMPATIBILITY_MODE_BACKWARD -> "BACKWARD"; UNSPECIFIED -> "".
std::string ModeName(v1::CompatibilityMode mode);

v1::Contract EncodeContract(const model::Contract& c);
// A stored report that no longer decodes is INTERNAL.
absl::StatusOr<v1::ContractVersion> EncodeContractVersion(
    const model::ContractVersion& v);
absl::StatusOr<v1::CompatibilityReport> EncodeReport(
    const core::CompatibilityReport& r);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_CONTRACT_CODEC_H_
