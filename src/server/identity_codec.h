// proto <-> model for identity: API tokens and the caller
// (server/common_codec.h has the rules every codec follows). Pure and
// thread-safe.
#ifndef MESHPLANE_SERVER_IDENTITY_CODEC_H_
#define MESHPLANE_SERVER_IDENTITY_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/common_codec.h"

#include "meshplane/model/principal.h"
#include "meshplane/v1/identity.pb.h"

namespace meshplane::server {

// `tokens/{token}` -> the token id; a malformed name is a FieldViolation of
// `field` (INVALID_ARGUMENT with BadRequest details).
absl::StatusOr<std::string> TokenIdFromName(absl::string_view field,
                                            absl::string_view name);

v1::Token EncodeToken(const model::ApiToken& t);
absl::StatusOr<model::ApiToken> DecodeToken(const v1::Token& t,
                                            absl::string_view prefix);
v1::CallerIdentity EncodeCaller(const model::Principal& p);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_IDENTITY_CODEC_H_
