#include "meshplane/model/update_fields.h"

namespace meshplane::model {

const std::vector<std::string>& DomainUpdatableFields() {
  static const auto* fields = new std::vector<std::string>{
      "display_name", "description", "parent", "owner_team", "labels"};
  return *fields;
}

const std::vector<std::string>& TeamUpdatableFields() {
  static const auto* fields =
      new std::vector<std::string>{"display_name", "description", "members"};
  return *fields;
}

const std::vector<std::string>& DataProductUpdatableFields() {
  static const auto* fields = new std::vector<std::string>{
      "display_name",   "description", "owner_team", "tier",
      "classification", "tags",        "labels",     "output_ports",
      "input_ports",    "sunset_time", "archetype",  "odps_document"};
  return *fields;
}

const std::vector<std::string>& PolicyUpdatableFields() {
  static const auto* fields = new std::vector<std::string>{
      "display_name", "description", "triggers", "condition",
      "effect",       "enforcement", "message",  "message_expression",
      "labels",       "owner",       "waivable"};
  return *fields;
}

}  // namespace meshplane::model
