// proto <-> model for teams (server/common_codec.h has the rules every
// codec follows). Pure and thread-safe.
#ifndef MESHPLANE_SERVER_TEAM_CODEC_H_
#define MESHPLANE_SERVER_TEAM_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/common_codec.h"

#include "meshplane/model/team.h"
#include "meshplane/model/update_fields.h"
#include "meshplane/v1/team.pb.h"

namespace meshplane::server {

// `teams/{team}` -> the team id; a malformed name is a FieldViolation of
// `field` (INVALID_ARGUMENT with BadRequest details).
absl::StatusOr<std::string> TeamIdFromName(absl::string_view field,
                                           absl::string_view name);

v1::Team EncodeTeam(const model::Team& t);
absl::StatusOr<model::Team> DecodeTeam(const v1::Team& t,
                                       absl::string_view prefix);

// The updatable fields (model/update_fields.h, shared with core).
using model::TeamUpdatableFields;

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_TEAM_CODEC_H_
