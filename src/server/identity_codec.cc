#include "server/identity_codec.h"

#include "absl/strings/str_cat.h"

#include "meshplane/model/resource_name.h"

namespace meshplane::server {

using codec_internal::IsSet;
using codec_internal::ParseOptionalName;
using codec_internal::Path;

absl::StatusOr<std::string> TokenIdFromName(absl::string_view field,
                                            absl::string_view name) {
  return codec_internal::WithField(field, model::ParseTokenName(field, name));
}

v1::Token EncodeToken(const model::ApiToken& t) {
  v1::Token out;
  out.set_name(model::TokenName(t.id));
  out.set_principal(t.principal);
  out.set_description(t.description);
  out.set_platform_admin(t.platform_admin);
  if (IsSet(t.create_time)) {
    EncodeTime(t.create_time, out.mutable_create_time());
  }
  if (t.expire_time) {
    EncodeTime(*t.expire_time, out.mutable_expire_time());
  }
  if (t.revoke_time) {
    EncodeTime(*t.revoke_time, out.mutable_revoke_time());
  }
  out.set_created_by(t.created_by);
  return out;
}

absl::StatusOr<model::ApiToken> DecodeToken(const v1::Token& p,
                                            absl::string_view prefix) {
  Violations v;
  model::ApiToken t;
  ParseOptionalName(prefix, "name", p.name(), model::ParseTokenName, &t.id, v);
  t.principal = p.principal();
  t.description = p.description();
  t.platform_admin = p.platform_admin();
  if (p.has_create_time()) {
    t.create_time = DecodeTime(p.create_time(), Path(prefix, "create_time"), v);
  }
  if (p.has_expire_time()) {
    t.expire_time = DecodeTime(p.expire_time(), Path(prefix, "expire_time"), v);
  }
  if (p.has_revoke_time()) {
    t.revoke_time = DecodeTime(p.revoke_time(), Path(prefix, "revoke_time"), v);
  }
  t.created_by = p.created_by();
  if (!v.empty()) {
    return v.ToStatus();
  }
  return t;
}

v1::CallerIdentity EncodeCaller(const model::Principal& p) {
  v1::CallerIdentity out;
  out.set_principal(p.id);
  out.set_platform_admin(p.platform_admin);
  for (const auto& team : p.team_ids) {
    out.add_teams(model::TeamName(team));
  }
  return out;
}

}  // namespace meshplane::server
