#include "server/domain_codec.h"

#include "absl/strings/str_cat.h"

#include "meshplane/model/resource_name.h"

namespace meshplane::server {

using codec_internal::EncodeMetadata;
using codec_internal::ParseOptionalName;
using codec_internal::ToStdMap;

absl::StatusOr<std::string> DomainIdFromName(absl::string_view field,
                                             absl::string_view name) {
  return codec_internal::WithField(field, model::ParseDomainName(field, name));
}

v1::Domain EncodeDomain(const model::Domain& d) {
  v1::Domain out;
  out.set_name(model::DomainName(d.id));
  out.set_uid(d.uid);
  out.set_display_name(d.display_name);
  out.set_description(d.description);
  if (!d.parent_id.empty()) {
    out.set_parent(model::DomainName(d.parent_id));
  }
  if (!d.owner_team_id.empty()) {
    out.set_owner_team(model::TeamName(d.owner_team_id));
  }
  out.mutable_labels()->insert(d.labels.begin(), d.labels.end());
  EncodeMetadata(d.create_time, d.update_time, d.revision, out);
  return out;
}

absl::StatusOr<model::Domain> DecodeDomain(const v1::Domain& p,
                                           absl::string_view prefix) {
  Violations v;
  model::Domain d;
  ParseOptionalName(prefix, "name", p.name(), model::ParseDomainName, &d.id, v);
  d.uid = p.uid();
  d.display_name = p.display_name();
  d.description = p.description();
  ParseOptionalName(prefix, "parent", p.parent(), model::ParseDomainName,
                    &d.parent_id, v);
  ParseOptionalName(prefix, "owner_team", p.owner_team(), model::ParseTeamName,
                    &d.owner_team_id, v);
  d.labels = ToStdMap(p.labels());
  codec_internal::DecodeMetadata(p, prefix, &d, v);
  if (!v.empty()) {
    return v.ToStatus();
  }
  return d;
}

}  // namespace meshplane::server
