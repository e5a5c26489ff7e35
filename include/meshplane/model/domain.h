// Domains: the unit of ownership in the mesh. Domains nest through `parent_id`.
#ifndef MESHPLANE_MODEL_DOMAIN_H_
#define MESHPLANE_MODEL_DOMAIN_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/time/time.h"

namespace meshplane::model {

struct Domain {
  std::string id;   // "sales": the name is domains/{id}
  std::string uid;  // server-assigned UUID, output only
  std::string display_name;
  std::string description;
  std::string parent_id;      // "" for a top-level domain
  std::string owner_team_id;  // required: the team that manages the domain
  std::map<std::string, std::string> labels;
  absl::Time create_time = absl::InfinitePast();
  absl::Time update_time = absl::InfinitePast();
  int64_t revision = 0;  // bumped by every update; the etag derives from it
};

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_DOMAIN_H_
