#include "meshplane/model/principal.h"

#include <algorithm>

namespace meshplane::model {

bool Principal::IsMemberOf(const std::string& team_id) const {
  return std::find(team_ids.begin(), team_ids.end(), team_id) != team_ids.end();
}

}  // namespace meshplane::model
