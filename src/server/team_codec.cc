#include "server/team_codec.h"

#include "absl/strings/str_cat.h"

#include "meshplane/model/resource_name.h"

namespace meshplane::server {

using codec_internal::EncodeMetadata;
using codec_internal::ParseOptionalName;

absl::StatusOr<std::string> TeamIdFromName(absl::string_view field,
                                           absl::string_view name) {
  return codec_internal::WithField(field, model::ParseTeamName(field, name));
}

v1::Team EncodeTeam(const model::Team& t) {
  v1::Team out;
  out.set_name(model::TeamName(t.id));
  out.set_uid(t.uid);
  out.set_display_name(t.display_name);
  out.set_description(t.description);
  for (const auto& m : t.members) {
    out.add_members(m);
  }
  EncodeMetadata(t.create_time, t.update_time, t.revision, out);
  return out;
}

absl::StatusOr<model::Team> DecodeTeam(const v1::Team& p,
                                       absl::string_view prefix) {
  Violations v;
  model::Team t;
  ParseOptionalName(prefix, "name", p.name(), model::ParseTeamName, &t.id, v);
  t.uid = p.uid();
  t.display_name = p.display_name();
  t.description = p.description();
  t.members.assign(p.members().begin(), p.members().end());
  codec_internal::DecodeMetadata(p, prefix, &t, v);
  if (!v.empty()) {
    return v.ToStatus();
  }
  return t;
}

}  // namespace meshplane::server
