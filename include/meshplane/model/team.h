// Teams own domains and data products; their members are principals.
#ifndef MESHPLANE_MODEL_TEAM_H_
#define MESHPLANE_MODEL_TEAM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace meshplane::model {

struct Team {
  std::string id;  // teams/{id}
  std::string uid;
  std::string display_name;
  std::string description;
  std::vector<std::string> members;  // principals, sorted, unique
  absl::Time create_time = absl::InfinitePast();
  absl::Time update_time = absl::InfinitePast();
  int64_t revision = 0;
};

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_TEAM_H_
