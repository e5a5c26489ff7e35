// proto <-> model for domains (server/common_codec.h has the rules every
// codec follows). Pure and thread-safe.
#ifndef MESHPLANE_SERVER_DOMAIN_CODEC_H_
#define MESHPLANE_SERVER_DOMAIN_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/common_codec.h"

#include "meshplane/model/domain.h"
#include "meshplane/model/update_fields.h"
#include "meshplane/v1/domain.pb.h"

namespace meshplane::server {

// `domains/{domain}` -> the domain id; a malformed name is a FieldViolation
// of `field` (INVALID_ARGUMENT with BadRequest details).
absl::StatusOr<std::string> DomainIdFromName(absl::string_view field,
                                             absl::string_view name);

v1::Domain EncodeDomain(const model::Domain& d);
// Decodes the fields of `d` under `prefix` ("domain"). `name`, when set,
// gives the id (as in UpdateDomain); `parent` and `owner_team` are parsed
// resource names.
absl::StatusOr<model::Domain> DecodeDomain(const v1::Domain& d,
                                           absl::string_view prefix);

// The updatable fields (model/update_fields.h, shared with core).
using model::DomainUpdatableFields;

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_DOMAIN_CODEC_H_
