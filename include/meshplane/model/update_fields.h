// The fields an update may name in its update_mask, per resource: one
// table that the API's decoding (src/server: which request fields a mask
// selects, and what an empty mask means) and the core's update rules
// (src/core: which stored fields a write replaces) share, so that the two
// cannot disagree. Aliases and immutable fields are the core's to resolve.
#ifndef MESHPLANE_MODEL_UPDATE_FIELDS_H_
#define MESHPLANE_MODEL_UPDATE_FIELDS_H_

#include <string>
#include <vector>

namespace meshplane::model {

// Each list is in the order of the update request's documentation; the
// references are valid for the life of the program.
const std::vector<std::string>& DomainUpdatableFields();
const std::vector<std::string>& TeamUpdatableFields();
const std::vector<std::string>& DataProductUpdatableFields();
const std::vector<std::string>& PolicyUpdatableFields();

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_UPDATE_FIELDS_H_
