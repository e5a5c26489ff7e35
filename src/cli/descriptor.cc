#include "cli/descriptor.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/output.h"
#include "cli/util.h"
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <yaml-cpp/yaml.h>

#include "meshplane/contract/yaml.h"

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

std::string DescriptorError::ToString() const {
  if (path.empty()) {
    return absl::StrCat(location, ": ", message);
  }
  return absl::StrCat(location, ": ", path, ": ", message);
}

std::string Descriptor::Ref() const {
  switch (kind) {
    case DescriptorKind::kTeam:
      return absl::StrCat("team/", id);
    case DescriptorKind::kDomain:
      return absl::StrCat("domain/", id);
    case DescriptorKind::kDataProduct:
      return absl::StrCat("dataProduct/",
                          LastSegment(data_product.name().substr(
                              0, data_product.name().find("/dataProducts/"))),
                          "/", id);
    case DescriptorKind::kPolicy:
      return absl::StrCat("policy/", ShortPolicyName(policy.name()));
    case DescriptorKind::kWaiver:
      return absl::StrCat("waiver/", ShortPolicyName(parent), "/", id);
  }
  return id;
}

namespace {

constexpr absl::string_view kMeshplaneApiVersion = "meshplane.dev/v1";

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

std::string Index(const std::string& path, size_t i) {
  return absl::StrCat(path, "[", i, "]");
}

// Reads one document, collecting errors with their YAML positions.
class Reader {
 public:
  Reader(const std::string& file, std::vector<DescriptorError>* errors)
      : file_(file), errors_(errors) {}

  std::string Location(const YAML::Node& node) const {
    if (!node.IsDefined()) {
      return file_;
    }
    YAML::Mark mark = node.Mark();
    if (mark.is_null()) {
      return file_;
    }
    return absl::StrCat(file_, ":", mark.line + 1, ":", mark.column + 1);
  }

  void Error(const YAML::Node& node, const std::string& path,
             const std::string& message) {
    errors_->push_back({Location(node), path, message});
    ++count_;
  }

  int error_count() const { return count_; }

  static bool Present(const YAML::Node& node) {
    return node.IsDefined() && !node.IsNull();
  }

  // Reports each key of `node` that is not in `allowed` at its own position,
  // and carries on: every error of a document is reported. Returns false
  // only when `node` is not a mapping at all.
  bool CheckMap(const YAML::Node& node, const std::string& path,
                const std::vector<std::string>& allowed) {
    if (!node.IsMap()) {
      Error(node, path, "expected a mapping");
      return false;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Error(it->first, Join(path, key),
              absl::StrCat("unknown field (expected one of: ",
                           absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return true;
  }

  void Require(const YAML::Node& map, const std::string& path,
               const std::string& key) {
    if (!Present(map[key])) {
      Error(map, Join(path, key), "required field is missing");
    }
  }

  // A scalar as a string; false (with an error) for a sequence or map.
  bool String(const YAML::Node& map, const std::string& path,
              const std::string& key, std::string* out) {
    YAML::Node node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsScalar()) {
      Error(node, Join(path, key), "expected a string");
      return false;
    }
    *out = node.Scalar();
    return true;
  }

  bool RequiredString(const YAML::Node& map, const std::string& path,
                      const std::string& key, std::string* out) {
    if (!Present(map[key])) {
      Error(map, Join(path, key), "required field is missing");
      return false;
    }
    return String(map, path, key, out);
  }

  bool Id(const YAML::Node& map, const std::string& path,
          const std::string& key, std::string* out) {
    if (!RequiredString(map, path, key, out)) {
      return false;
    }
    if (!IsValidId(*out)) {
      Error(map[key], Join(path, key),
            absl::StrCat("\"", *out,
                         "\" is not a valid id (lowercase letters, digits and "
                         "hyphens, starting with a letter, 1-63 chars)"));
      return false;
    }
    return true;
  }

  bool StringList(const YAML::Node& map, const std::string& path,
                  const std::string& key, std::vector<std::string>* out) {
    YAML::Node node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsSequence()) {
      Error(node, Join(path, key), "expected a list of strings");
      return false;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        Error(node[i], Index(Join(path, key), i), "expected a string");
        continue;
      }
      out->push_back(node[i].Scalar());
    }
    return true;
  }

  bool StringMap(const YAML::Node& map, const std::string& path,
                 const std::string& key,
                 google::protobuf::Map<std::string, std::string>* out) {
    YAML::Node node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsMap()) {
      Error(node, Join(path, key), "expected a mapping of strings");
      return false;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string k = it->first.Scalar();
      if (!it->second.IsScalar()) {
        Error(it->second, Join(Join(path, key), k), "expected a string");
        continue;
      }
      (*out)[k] = it->second.Scalar();
    }
    return true;
  }

  bool Int(const YAML::Node& map, const std::string& path,
           const std::string& key, int* out) {
    YAML::Node node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), out)) {
      Error(node, Join(path, key), "expected an integer");
      return false;
    }
    return true;
  }

  bool Bool(const YAML::Node& map, const std::string& path,
            const std::string& key, bool* out) {
    YAML::Node node = map[key];
    if (!Present(node)) {
      return false;
    }
    std::string text = node.IsScalar() ? node.Scalar() : "";
    if (text == "true") {
      *out = true;
    } else if (text == "false") {
      *out = false;
    } else {
      Error(node, Join(path, key), "expected true or false");
      return false;
    }
    return true;
  }

  bool Double(const YAML::Node& map, const std::string& path,
              const std::string& key, double* out) {
    YAML::Node node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsScalar() || !absl::SimpleAtod(node.Scalar(), out)) {
      Error(node, Join(path, key), "expected a number");
      return false;
    }
    return true;
  }

  bool Duration(const YAML::Node& map, const std::string& path,
                const std::string& key, google::protobuf::Duration* out) {
    std::string text;
    if (!String(map, path, key, &text)) {
      return false;
    }
    auto d = ParseDuration(text);
    if (!d.ok()) {
      Error(map[key], Join(path, key), std::string(d.status().message()));
      return false;
    }
    *out = google::protobuf::util::TimeUtil::NanosecondsToDuration(
        absl::ToInt64Nanoseconds(*d));
    return true;
  }

 private:
  const std::string& file_;
  std::vector<DescriptorError>* errors_;
  int count_ = 0;
};

bool ParseClassification(const std::string& text, v1::Classification* out) {
  std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view value = absl::StripPrefix(upper, "CLASSIFICATION_");
  return v1::Classification_Parse(absl::StrCat("CLASSIFICATION_", value),
                                  out) &&
         *out != v1::CLASSIFICATION_UNSPECIFIED;
}

bool ParseLifecycle(const std::string& text, v1::Lifecycle* out) {
  std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view value = absl::StripPrefix(upper, "LIFECYCLE_");
  return v1::Lifecycle_Parse(absl::StrCat("LIFECYCLE_", value), out) &&
         *out != v1::LIFECYCLE_UNSPECIFIED;
}

// ---------------------------------------------------------------------------
// Meshplane's own format.

void ParseMeshplaneTeam(Reader& r, const YAML::Node& doc, Descriptor* d) {
  d->kind = DescriptorKind::kTeam;
  YAML::Node metadata = doc["metadata"];
  if (Reader::Present(metadata) &&
      r.CheckMap(metadata, "metadata", {"name", "labels"})) {
    r.Id(metadata, "metadata", "name", &d->id);
    if (Reader::Present(metadata["labels"])) {
      r.Error(metadata["labels"], "metadata.labels", "teams have no labels");
    }
  }
  d->team.set_name(TeamName(d->id));
  d->update_mask = {"display_name", "description"};
  YAML::Node spec = doc["spec"];
  if (!Reader::Present(spec)) {
    return;
  }
  if (!r.CheckMap(spec, "spec", {"displayName", "description", "members"})) {
    return;
  }
  std::string value;
  if (r.String(spec, "spec", "displayName", &value)) {
    d->team.set_display_name(value);
  }
  if (r.String(spec, "spec", "description", &value)) {
    d->team.set_description(value);
  }
  std::vector<std::string> members;
  if (r.StringList(spec, "spec", "members", &members)) {
    for (const std::string& m : members) {
      d->team.add_members(m);
    }
    d->update_mask.push_back("members");
  }
}

void ParseMeshplaneDomain(Reader& r, const YAML::Node& doc, Descriptor* d) {
  d->kind = DescriptorKind::kDomain;
  YAML::Node metadata = doc["metadata"];
  if (Reader::Present(metadata) &&
      r.CheckMap(metadata, "metadata", {"name", "labels"})) {
    r.Id(metadata, "metadata", "name", &d->id);
    r.StringMap(metadata, "metadata", "labels", d->domain.mutable_labels());
  }
  d->domain.set_name(DomainName(d->id));
  d->update_mask = {"display_name", "description", "parent", "owner_team",
                    "labels"};
  YAML::Node spec = doc["spec"];
  if (!Reader::Present(spec)) {
    return;  // reported by ParseDocument
  }
  if (!r.CheckMap(
          spec, "spec",
          {"displayName", "description", "parent", "ownerTeam", "labels"})) {
    return;
  }
  std::string value;
  if (r.String(spec, "spec", "displayName", &value)) {
    d->domain.set_display_name(value);
  }
  if (r.String(spec, "spec", "description", &value)) {
    d->domain.set_description(value);
  }
  if (r.String(spec, "spec", "parent", &value)) {
    d->domain.set_parent(DomainName(value));
  }
  if (r.RequiredString(spec, "spec", "ownerTeam", &value)) {
    d->domain.set_owner_team(TeamName(value));
  }
  r.StringMap(spec, "spec", "labels", d->domain.mutable_labels());
}

void ParseOutputPort(Reader& r, const YAML::Node& node, const std::string& path,
                     v1::OutputPort* port) {
  if (!r.CheckMap(node, path,
                  {"id", "displayName", "type", "server", "location",
                   "description", "contract", "deprecated", "objectives"})) {
    return;
  }
  std::string value;
  bool deprecated = false;
  if (r.Bool(node, path, "deprecated", &deprecated)) {
    port->set_deprecated(deprecated);
  }
  if (r.Id(node, path, "id", &value)) port->set_id(value);
  if (r.String(node, path, "displayName", &value)) {
    port->set_display_name(value);
  }
  if (r.String(node, path, "type", &value)) port->set_type(value);
  if (r.String(node, path, "server", &value)) port->set_server(value);
  if (r.String(node, path, "location", &value)) port->set_location(value);
  if (r.String(node, path, "description", &value)) {
    port->set_description(value);
  }
  if (r.String(node, path, "contract", &value)) port->set_contract(value);
  YAML::Node objectives = node["objectives"];
  if (!Reader::Present(objectives)) {
    return;
  }
  std::string opath = Join(path, "objectives");
  if (!r.CheckMap(objectives, opath,
                  {"availabilityPercent", "maxStaleness", "completenessPercent",
                   "latency"})) {
    return;
  }
  v1::ServiceLevelObjectives* slo = port->mutable_objectives();
  double number = 0;
  if (r.Double(objectives, opath, "availabilityPercent", &number)) {
    slo->set_availability_percent(number);
  }
  if (r.Double(objectives, opath, "completenessPercent", &number)) {
    slo->set_completeness_percent(number);
  }
  // Only present durations are set: an empty Duration message would mean
  // "declared as zero", which the server refuses.
  google::protobuf::Duration duration;
  if (r.Duration(objectives, opath, "maxStaleness", &duration)) {
    *slo->mutable_max_staleness() = duration;
  }
  if (r.Duration(objectives, opath, "latency", &duration)) {
    *slo->mutable_latency() = duration;
  }
}

void ParseMeshplaneProduct(Reader& r, const YAML::Node& doc,
                           const DescriptorDefaults& defaults, Descriptor* d) {
  d->kind = DescriptorKind::kDataProduct;
  v1::DataProduct& p = d->data_product;
  YAML::Node metadata = doc["metadata"];
  std::string domain = defaults.domain;
  if (Reader::Present(metadata) &&
      r.CheckMap(metadata, "metadata", {"name", "domain", "labels"})) {
    r.Id(metadata, "metadata", "name", &d->id);
    if (Reader::Present(metadata["domain"]) || domain.empty()) {
      r.Id(metadata, "metadata", "domain", &domain);
    }
    r.StringMap(metadata, "metadata", "labels", p.mutable_labels());
  }
  p.set_name(absl::StrCat(DomainName(domain), "/dataProducts/", d->id));
  d->update_mask = {"display_name", "description",    "owner_team",
                    "tier",         "classification", "tags",
                    "labels",       "output_ports",   "input_ports",
                    "archetype"};
  YAML::Node spec = doc["spec"];
  if (!Reader::Present(spec)) {
    return;  // reported by ParseDocument
  }
  if (!r.CheckMap(
          spec, "spec",
          {"displayName", "description", "ownerTeam", "tier", "classification",
           "archetype", "tags", "lifecycle", "outputPorts", "inputPorts"})) {
    return;
  }
  std::string value;
  if (r.String(spec, "spec", "displayName", &value)) {
    p.set_display_name(value);
  }
  if (r.String(spec, "spec", "archetype", &value)) {
    if (!IsValidId(value)) {
      r.Error(spec["archetype"], "spec.archetype",
              absl::StrCat("\"", value,
                           "\" is not an archetype (source-aligned, "
                           "aggregate, consumer-aligned, or an id of your "
                           "own)"));
    }
    p.set_archetype(value);
  }
  if (r.String(spec, "spec", "description", &value)) {
    p.set_description(value);
  }
  if (Reader::Present(spec["ownerTeam"]) || defaults.owner_team.empty()) {
    if (r.RequiredString(spec, "spec", "ownerTeam", &value)) {
      p.set_owner_team(TeamName(value));
    }
  } else {
    p.set_owner_team(TeamName(defaults.owner_team));
  }
  int tier = 0;
  if (r.Int(spec, "spec", "tier", &tier)) {
    if (tier < 0 || tier > 3) {
      r.Error(spec["tier"], "spec.tier",
              absl::StrCat(tier, " is not a tier (1, 2 or 3; 0 for none)"));
    }
    p.set_tier(tier);
  }
  if (r.String(spec, "spec", "classification", &value)) {
    v1::Classification c;
    if (ParseClassification(value, &c)) {
      p.set_classification(c);
    } else {
      r.Error(spec["classification"], "spec.classification",
              absl::StrCat("\"", value,
                           "\" is not a classification (public, internal, "
                           "confidential or restricted)"));
    }
  }
  if (r.String(spec, "spec", "lifecycle", &value)) {
    if (!ParseLifecycle(value, &d->lifecycle)) {
      r.Error(spec["lifecycle"], "spec.lifecycle",
              absl::StrCat("\"", value,
                           "\" is not a lifecycle (draft, published, "
                           "deprecated or retired)"));
    }
  }
  std::vector<std::string> tags;
  if (r.StringList(spec, "spec", "tags", &tags)) {
    for (const std::string& t : tags) {
      p.add_tags(t);
    }
  }
  YAML::Node outputs = spec["outputPorts"];
  if (Reader::Present(outputs)) {
    if (!outputs.IsSequence()) {
      r.Error(outputs, "spec.outputPorts", "expected a list");
    } else {
      for (size_t i = 0; i < outputs.size(); ++i) {
        ParseOutputPort(r, outputs[i], Index("spec.outputPorts", i),
                        p.add_output_ports());
      }
    }
  }
  YAML::Node inputs = spec["inputPorts"];
  if (Reader::Present(inputs)) {
    if (!inputs.IsSequence()) {
      r.Error(inputs, "spec.inputPorts", "expected a list");
    } else {
      for (size_t i = 0; i < inputs.size(); ++i) {
        std::string path = Index("spec.inputPorts", i);
        if (!r.CheckMap(inputs[i], path,
                        {"id", "source", "description", "deprecated"})) {
          continue;
        }
        v1::InputPort* port = p.add_input_ports();
        std::string v;
        bool deprecated = false;
        if (r.Bool(inputs[i], path, "deprecated", &deprecated)) {
          port->set_deprecated(deprecated);
        }
        if (r.Id(inputs[i], path, "id", &v)) port->set_id(v);
        if (r.RequiredString(inputs[i], path, "source", &v)) {
          if (!absl::StartsWith(v, "domains/") ||
              !absl::StrContains(v, "/dataProducts/") ||
              !absl::StrContains(v, "/outputPorts/")) {
            r.Error(inputs[i]["source"], Join(path, "source"),
                    absl::StrCat("\"", v,
                                 "\" is not an output port name "
                                 "(domains/D/dataProducts/P/outputPorts/O)"));
          }
          port->set_source(v);
        }
        if (r.String(inputs[i], path, "description", &v)) {
          port->set_description(v);
        }
      }
    }
  }
}

bool ParseEffect(const std::string& text, v1::PolicyEffect* out) {
  std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view value = absl::StripPrefix(upper, "POLICY_EFFECT_");
  return v1::PolicyEffect_Parse(absl::StrCat("POLICY_EFFECT_", value), out) &&
         *out != v1::POLICY_EFFECT_UNSPECIFIED;
}

bool ParseEnforcement(const std::string& text, v1::PolicyEnforcement* out) {
  std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view value = absl::StripPrefix(upper, "POLICY_ENFORCEMENT_");
  return v1::PolicyEnforcement_Parse(absl::StrCat("POLICY_ENFORCEMENT_", value),
                                     out) &&
         *out != v1::POLICY_ENFORCEMENT_UNSPECIFIED;
}

// kind: Policy. metadata.name is the policy id, metadata.domain (optional)
// its scope. Only the shape is checked here; triggers and CEL are checked
// by the server (and by `policy test`, with the embedded engine).
void ParseMeshplanePolicy(Reader& r, const YAML::Node& doc, Descriptor* d) {
  d->kind = DescriptorKind::kPolicy;
  v1::Policy& p = d->policy;
  YAML::Node metadata = doc["metadata"];
  std::string domain;
  if (Reader::Present(metadata) &&
      r.CheckMap(metadata, "metadata", {"name", "domain", "labels"})) {
    r.Id(metadata, "metadata", "name", &d->id);
    if (Reader::Present(metadata["domain"])) {
      r.Id(metadata, "metadata", "domain", &domain);
    }
    r.StringMap(metadata, "metadata", "labels", p.mutable_labels());
  }
  d->parent = domain.empty() ? "" : DomainName(domain);
  p.set_name(domain.empty()
                 ? absl::StrCat("policies/", d->id)
                 : absl::StrCat(DomainName(domain), "/policies/", d->id));
  // Declarative: every field is set, absent ones to their defaults, so that
  // removing a line from the file removes it from the policy.
  d->update_mask = {
      "display_name", "description", "triggers", "condition",
      "effect",       "enforcement", "message",  "message_expression",
      "labels",       "waivable"};
  YAML::Node spec = doc["spec"];
  if (!Reader::Present(spec)) {
    return;  // reported by ParseDocument
  }
  if (!r.CheckMap(spec, "spec",
                  {"displayName", "description", "triggers", "condition",
                   "effect", "enforcement", "message", "messageExpression",
                   "owner", "waivable"})) {
    return;
  }
  std::string value;
  if (r.String(spec, "spec", "displayName", &value)) {
    p.set_display_name(value);
  }
  if (r.String(spec, "spec", "description", &value)) {
    p.set_description(value);
  }
  std::vector<std::string> triggers;
  if (!Reader::Present(spec["triggers"])) {
    r.Error(spec, "spec.triggers", "required field is missing");
  } else if (r.StringList(spec, "spec", "triggers", &triggers)) {
    if (triggers.empty()) {
      r.Error(spec["triggers"], "spec.triggers", "needs at least one trigger");
    }
    for (const std::string& t : triggers) p.add_triggers(t);
  }
  if (r.RequiredString(spec, "spec", "condition", &value)) {
    if (absl::StripAsciiWhitespace(value).empty()) {
      r.Error(spec["condition"], "spec.condition", "must not be empty");
    }
    p.set_condition(value);
  }
  if (r.RequiredString(spec, "spec", "effect", &value)) {
    v1::PolicyEffect effect;
    if (ParseEffect(value, &effect)) {
      p.set_effect(effect);
    } else {
      r.Error(spec["effect"], "spec.effect",
              absl::StrCat("\"", value,
                           "\" is not an effect (DENY, WARN or "
                           "REQUIRE_APPROVAL)"));
    }
  }
  p.set_enforcement(v1::POLICY_ENFORCEMENT_ENFORCED);
  if (r.String(spec, "spec", "enforcement", &value)) {
    v1::PolicyEnforcement enforcement;
    if (ParseEnforcement(value, &enforcement)) {
      p.set_enforcement(enforcement);
    } else {
      r.Error(spec["enforcement"], "spec.enforcement",
              absl::StrCat("\"", value,
                           "\" is not an enforcement (ENFORCED or DRY_RUN)"));
    }
  }
  if (r.String(spec, "spec", "message", &value)) p.set_message(value);
  if (r.String(spec, "spec", "messageExpression", &value)) {
    p.set_message_expression(value);
  }
  // A domain policy without an owner is owned by the domain's owner team
  // (server default), so the owner is only part of the update when given.
  if (r.String(spec, "spec", "owner", &value)) {
    p.set_owner(TeamName(value));
    d->update_mask.push_back("owner");
  } else if (domain.empty()) {
    r.Error(spec, "spec.owner",
            "required field is missing (global policies need an owner team)");
  }
  bool waivable = true;
  r.Bool(spec, "spec", "waivable", &waivable);
  p.set_waivable(waivable);
}

// kind: Waiver. metadata.name is the waiver id, metadata.policy the waived
// policy (an id, with metadata.domain for a domain policy, or a full name).
void ParseMeshplaneWaiver(Reader& r, const YAML::Node& doc, Descriptor* d) {
  d->kind = DescriptorKind::kWaiver;
  v1::Waiver& w = d->waiver;
  YAML::Node metadata = doc["metadata"];
  if (Reader::Present(metadata) &&
      r.CheckMap(metadata, "metadata", {"name", "policy", "domain"})) {
    r.Id(metadata, "metadata", "name", &d->id);
    std::string policy;
    std::string domain;
    r.String(metadata, "metadata", "domain", &domain);
    if (r.RequiredString(metadata, "metadata", "policy", &policy)) {
      auto name = PolicyName(policy, domain);
      if (!name.ok()) {
        r.Error(metadata["policy"], "metadata.policy",
                std::string(name.status().message()));
      } else {
        d->parent = *name;
      }
    }
  }
  w.set_name(absl::StrCat(d->parent, "/waivers/", d->id));
  YAML::Node spec = doc["spec"];
  if (!Reader::Present(spec)) {
    return;  // reported by ParseDocument
  }
  if (!r.CheckMap(spec, "spec", {"resource", "reason", "expireTime"})) {
    return;
  }
  std::string value;
  if (r.RequiredString(spec, "spec", "resource", &value)) {
    if (!absl::StartsWith(value, "domains/")) {
      r.Error(spec["resource"], "spec.resource",
              absl::StrCat("\"", value,
                           "\" is not a resource name (domains/D or "
                           "domains/D/dataProducts/P)"));
    }
    w.set_resource(value);
  }
  if (r.RequiredString(spec, "spec", "reason", &value)) {
    w.set_reason(value);
  }
  if (r.RequiredString(spec, "spec", "expireTime", &value)) {
    auto t = ParseTime(value);
    if (!t.ok()) {
      r.Error(spec["expireTime"], "spec.expireTime",
              std::string(t.status().message()));
    } else {
      *w.mutable_expire_time() =
          google::protobuf::util::TimeUtil::SecondsToTimestamp(
              absl::ToUnixSeconds(*t));
    }
  }
}

// ---------------------------------------------------------------------------
// ODPS (bitol-io/open-data-product-standard), checked against the fields of
// its JSON Schema (every object there has additionalProperties: false).

enum class FieldType {
  kString,
  kBool,
  kAny,
  kStringList,
  kObject,
  kObjectList
};

struct FieldSchema {
  const char* name;
  FieldType type;
  const char* object = nullptr;  // for kObject / kObjectList
};

struct ObjectSchema {
  std::vector<FieldSchema> fields;
  std::vector<std::string> required;
};

// The objects of ODPS v1.0.0 (v0.9.0 documents are read with them too: the
// official v1.0.0 examples still say `apiVersion: v0.9.0`).
std::map<std::string, ObjectSchema> OdpsSchemaV10() {
  using F = FieldType;
  return std::map<std::string, ObjectSchema>{
      {"DataProduct",
       {{{"apiVersion", F::kString},
         {"kind", F::kString},
         {"id", F::kString},
         {"name", F::kString},
         {"version", F::kString},
         {"status", F::kString},
         {"domain", F::kString},
         {"tenant", F::kString},
         {"authoritativeDefinitions", F::kObjectList,
          "AuthoritativeDefinition"},
         {"description", F::kObject, "Description"},
         {"customProperties", F::kObjectList, "CustomProperty"},
         {"tags", F::kStringList},
         {"inputPorts", F::kObjectList, "InputPort"},
         {"outputPorts", F::kObjectList, "OutputPort"},
         {"managementPorts", F::kObjectList, "ManagementPort"},
         {"support", F::kObjectList, "Support"},
         {"team", F::kObject, "Team"},
         {"productCreatedTs", F::kString}},
        {"apiVersion", "kind", "id", "status"}}},
      {"Description",
       {{{"purpose", F::kString},
         {"limitations", F::kString},
         {"usage", F::kString},
         {"authoritativeDefinitions", F::kObjectList,
          "AuthoritativeDefinition"},
         {"customProperties", F::kObjectList, "CustomProperty"}},
        {}}},
      {"CustomProperty",
       {{{"property", F::kString},
         {"value", F::kAny},
         {"description", F::kString}},
        {"property", "value"}}},
      {"AuthoritativeDefinition",
       {{{"type", F::kString},
         {"url", F::kString},
         {"description", F::kString}},
        {"type", "url"}}},
      {"InputPort",
       {{{"name", F::kString},
         {"version", F::kString},
         {"contractId", F::kString},
         {"tags", F::kStringList},
         {"customProperties", F::kObjectList, "CustomProperty"},
         {"authoritativeDefinitions", F::kObjectList,
          "AuthoritativeDefinition"}},
        {"name", "version", "contractId"}}},
      {"OutputPort",
       {{{"name", F::kString},
         {"description", F::kString},
         {"type", F::kString},
         {"version", F::kString},
         {"contractId", F::kString},
         {"sbom", F::kObjectList, "SBOM"},
         {"inputContracts", F::kObjectList, "InputContract"},
         {"tags", F::kStringList},
         {"customProperties", F::kObjectList, "CustomProperty"},
         {"authoritativeDefinitions", F::kObjectList,
          "AuthoritativeDefinition"}},
        {"name", "version"}}},
      {"SBOM", {{{"type", F::kString}, {"url", F::kString}}, {"url"}}},
      {"InputContract",
       {{{"id", F::kString}, {"version", F::kString}}, {"id", "version"}}},
      {"ManagementPort",
       {{{"name", F::kString},
         {"content", F::kString},
         {"type", F::kString},
         {"url", F::kString},
         {"channel", F::kString},
         {"description", F::kString},
         {"tags", F::kStringList},
         {"customProperties", F::kObjectList, "CustomProperty"},
         {"authoritativeDefinitions", F::kObjectList,
          "AuthoritativeDefinition"}},
        {"name", "content"}}},
      {"Support",
       {{{"channel", F::kString},
         {"url", F::kString},
         {"description", F::kString},
         {"tool", F::kString},
         {"scope", F::kString},
         {"invitationUrl", F::kString},
         {"tags", F::kStringList},
         {"customProperties", F::kObjectList, "CustomProperty"},
         {"authoritativeDefinitions", F::kObjectList,
          "AuthoritativeDefinition"}},
        {"channel", "url"}}},
      {"Team",
       {{{"name", F::kString},
         {"description", F::kString},
         {"members", F::kObjectList, "TeamMember"},
         {"tags", F::kStringList},
         {"customProperties", F::kObjectList, "CustomProperty"},
         {"authoritativeDefinitions", F::kObjectList,
          "AuthoritativeDefinition"}},
        {}}},
      {"TeamMember",
       {{{"username", F::kString},
         {"name", F::kString},
         {"description", F::kString},
         {"role", F::kString},
         {"dateIn", F::kString},
         {"dateOut", F::kString},
         {"replacedByUsername", F::kString},
         {"tags", F::kStringList},
         {"customProperties", F::kObjectList, "CustomProperty"},
         {"authoritativeDefinitions", F::kObjectList,
          "AuthoritativeDefinition"}},
        {"username"}}},
  };
}

// ODPS v1.1.0 on top of v1.0.0: `deprecated`, `type`, `synonyms` and
// `context` (RFC-0028, RFC-0038, RFC-0041), an `id` on every element meant
// to be referenced, and fewer required fields (`status`, a port's `version`
// and `contractId`, an SBOM's `url`).
std::map<std::string, ObjectSchema> OdpsSchemaV11() {
  using F = FieldType;
  std::map<std::string, ObjectSchema> s = OdpsSchemaV10();
  auto add = [&](const char* object, std::vector<FieldSchema> fields) {
    for (FieldSchema& f : fields) s[object].fields.push_back(f);
  };
  const FieldSchema id = {"id", F::kString};
  const FieldSchema deprecated = {"deprecated", F::kBool};
  add("DataProduct", {deprecated,
                      {"synonyms", F::kObjectList, "Synonym"},
                      {"type", F::kString},
                      {"context", F::kObject, "Context"}});
  s["DataProduct"].required = {"apiVersion", "kind", "id"};
  for (const char* object : {"CustomProperty", "AuthoritativeDefinition",
                             "SBOM", "Support", "TeamMember"}) {
    add(object, {id});
  }
  add("InputPort", {deprecated, id});
  s["InputPort"].required = {"name"};
  add("OutputPort", {deprecated,
                     id,
                     {"synonyms", F::kObjectList, "Synonym"},
                     {"context", F::kObject, "Context"}});
  s["OutputPort"].required = {"name"};
  s["SBOM"].required = {};
  add("ManagementPort", {deprecated, id});
  s["Synonym"] = {{id,
                   {"synonym", F::kString},
                   {"description", F::kString},
                   {"locale", F::kString},
                   {"source", F::kString},
                   {"status", F::kString},
                   {"customProperties", F::kObjectList, "CustomProperty"}},
                  {"synonym"}};
  s["Context"] = {{{"instructions", F::kString},
                   {"verifiedStatements", F::kObjectList, "VerifiedStatement"},
                   {"constraints", F::kObjectList, "ContextConstraint"}},
                  {}};
  s["VerifiedStatement"] = {
      {id,
       {"question", F::kString},
       {"answer", F::kString},
       {"authoritativeDefinitions", F::kObjectList, "AuthoritativeDefinition"},
       {"tags", F::kStringList},
       {"customProperties", F::kObjectList, "CustomProperty"}},
      {"question"}};
  s["ContextConstraint"] = {
      {id,
       {"constraint", F::kString},
       {"authoritativeDefinitions", F::kObjectList, "AuthoritativeDefinition"},
       {"tags", F::kStringList},
       {"customProperties", F::kObjectList, "CustomProperty"}},
      {"constraint"}};
  return s;
}

const std::map<std::string, ObjectSchema>& OdpsSchema(OdpsVersion version) {
  static const auto* const v10 =
      new std::map<std::string, ObjectSchema>(OdpsSchemaV10());
  static const auto* const v11 =
      new std::map<std::string, ObjectSchema>(OdpsSchemaV11());
  return version == OdpsVersion::kV1_1 ? *v11 : *v10;
}

}  // namespace

std::map<std::string, OdpsObjectSchema> OdpsReaderSchema(OdpsVersion version) {
  std::map<std::string, OdpsObjectSchema> out;
  for (const auto& [name, object] : OdpsSchema(version)) {
    OdpsObjectSchema& o = out[name];
    o.required = object.required;
    for (const FieldSchema& f : object.fields) {
      switch (f.type) {
        case FieldType::kString:
          o.fields[f.name] = "string";
          break;
        case FieldType::kBool:
          o.fields[f.name] = "boolean";
          break;
        case FieldType::kAny:
          o.fields[f.name] = "any";
          break;
        case FieldType::kStringList:
          o.fields[f.name] = "array:string";
          break;
        case FieldType::kObject:
          o.fields[f.name] = absl::StrCat("object:", f.object);
          break;
        case FieldType::kObjectList:
          o.fields[f.name] = absl::StrCat("array:", f.object);
          break;
      }
    }
  }
  return out;
}

std::string ArchetypeFromOdps(absl::string_view type) {
  std::string out;
  bool pending_hyphen = false;
  for (size_t i = 0; i < type.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(type[i]);
    if (!std::isalnum(c)) {
      pending_hyphen = true;
      continue;
    }
    bool word_start = std::isupper(c) && i > 0 &&
                      (std::islower(static_cast<unsigned char>(type[i - 1])) ||
                       std::isdigit(static_cast<unsigned char>(type[i - 1])));
    if ((pending_hyphen || word_start) && !out.empty()) out.push_back('-');
    pending_hyphen = false;
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

std::string OdpsTypeFromArchetype(absl::string_view archetype) {
  std::string out;
  bool upper = false;
  for (char c : archetype) {
    if (c == '-') {
      upper = true;
      continue;
    }
    out.push_back(
        upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
              : c);
    upper = false;
  }
  return out;
}

namespace {

void CheckOdpsObject(Reader& r, const YAML::Node& node, const std::string& path,
                     const std::string& type, OdpsVersion version) {
  const ObjectSchema& schema = OdpsSchema(version).at(type);
  std::vector<std::string> allowed;
  for (const FieldSchema& f : schema.fields) {
    allowed.push_back(f.name);
  }
  if (!r.CheckMap(node, path, allowed)) {
    return;
  }
  for (const std::string& key : schema.required) {
    r.Require(node, path, key);
  }
  for (const FieldSchema& f : schema.fields) {
    YAML::Node value = node[f.name];
    if (!Reader::Present(value)) {
      continue;
    }
    std::string fpath = Join(path, f.name);
    switch (f.type) {
      case FieldType::kAny:
        break;
      case FieldType::kBool:
        if (!value.IsScalar() ||
            (value.Scalar() != "true" && value.Scalar() != "false")) {
          r.Error(value, fpath, "expected true or false");
        }
        break;
      case FieldType::kString:
        if (!value.IsScalar()) {
          r.Error(value, fpath, "expected a string");
        }
        break;
      case FieldType::kStringList:
        if (!value.IsSequence()) {
          r.Error(value, fpath, "expected a list of strings");
          break;
        }
        for (size_t i = 0; i < value.size(); ++i) {
          if (!value[i].IsScalar()) {
            r.Error(value[i], Index(fpath, i), "expected a string");
          }
        }
        break;
      case FieldType::kObject:
        CheckOdpsObject(r, value, fpath, f.object, version);
        break;
      case FieldType::kObjectList:
        if (!value.IsSequence()) {
          r.Error(value, fpath, "expected a list");
          break;
        }
        for (size_t i = 0; i < value.size(); ++i) {
          CheckOdpsObject(r, value[i], Index(fpath, i), f.object, version);
        }
        break;
    }
  }
}

std::string ScalarOr(const YAML::Node& map, const char* key) {
  YAML::Node node = map[key];
  if (Reader::Present(node) && node.IsScalar()) {
    return node.Scalar();
  }
  return "";
}

// Port ids from ODPS names: the name alone while it is unique among the
// product's ports of that kind, else name-v<version> (ODPS keys ports by
// name and version).
std::vector<std::string> OdpsPortIds(const YAML::Node& ports) {
  std::map<std::string, int> count;
  for (size_t i = 0; i < ports.size(); ++i) {
    ++count[Slugify(ScalarOr(ports[i], "name"))];
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < ports.size(); ++i) {
    std::string id = Slugify(ScalarOr(ports[i], "name"));
    if (count[id] > 1) {
      std::string version(absl::StripPrefix(
          absl::StripPrefix(ScalarOr(ports[i], "version"), "v"), "V"));
      id =
          absl::StrCat(id, "-v", Slugify(absl::StrCat("v", version)).substr(1));
    }
    ids.push_back(id);
  }
  return ids;
}

bool OdpsTrue(const YAML::Node& map, const char* key) {
  return ScalarOr(map, key) == "true";
}

void ParseOdpsProduct(Reader& r, const YAML::Node& doc,
                      const DescriptorDefaults& defaults, OdpsVersion version,
                      Descriptor* d) {
  d->kind = DescriptorKind::kDataProduct;
  d->format = DescriptorFormat::kOdps;
  int before = r.error_count();
  CheckOdpsObject(r, doc, "", "DataProduct", version);
  if (r.error_count() > before) {
    return;
  }
  v1::DataProduct& p = d->data_product;

  // The product id: ODPS `id` is typically a UUID, which is not a Meshplane
  // id; the name, slugified, is. The ODPS id is kept as a label.
  std::string odps_id = ScalarOr(doc, "id");
  std::string name = ScalarOr(doc, "name");
  if (!name.empty()) {
    d->id = Slugify(name);
  } else if (IsValidId(odps_id)) {
    d->id = odps_id;
  }
  if (!IsValidId(d->id)) {
    r.Error(doc[name.empty() ? "id" : "name"], name.empty() ? "id" : "name",
            "cannot derive a Meshplane id (give the product a name with "
            "letters)");
    return;
  }
  std::string domain = Slugify(ScalarOr(doc, "domain"));
  if (domain.empty()) {
    domain = defaults.domain;
  }
  if (domain.empty()) {
    r.Error(doc, "domain",
            "required field is missing (ODPS leaves it optional; Meshplane "
            "needs it, or pass --domain)");
    return;
  }
  p.set_name(absl::StrCat(DomainName(domain), "/dataProducts/", d->id));
  p.set_display_name(name);

  YAML::Node description = doc["description"];
  if (Reader::Present(description)) {
    std::vector<std::string> parts;
    std::string purpose = ScalarOr(description, "purpose");
    if (!purpose.empty()) parts.push_back(purpose);
    std::string limitations = ScalarOr(description, "limitations");
    if (!limitations.empty()) {
      parts.push_back(absl::StrCat("Limitations: ", limitations));
    }
    std::string usage = ScalarOr(description, "usage");
    if (!usage.empty()) parts.push_back(absl::StrCat("Usage: ", usage));
    p.set_description(absl::StrJoin(parts, "\n\n"));
  }

  YAML::Node team = doc["team"];
  std::string team_name =
      Reader::Present(team) ? Slugify(ScalarOr(team, "name")) : "";
  if (!team_name.empty()) {
    p.set_owner_team(TeamName(team_name));
  } else if (!defaults.owner_team.empty()) {
    p.set_owner_team(TeamName(defaults.owner_team));
  } else {
    r.Error(Reader::Present(team) ? team : doc, "team.name",
            "required field is missing (Meshplane needs an owning team, or "
            "pass --owner-team)");
    return;
  }

  std::string status = ScalarOr(doc, "status");
  std::string lower = absl::AsciiStrToLower(status);
  if (lower.empty()) {
    // v1.1.0 made `status` optional (v1.0.0 requires it, checked above):
    // absent, the product's lifecycle is left as it is.
  } else if (lower == "proposed" || lower == "draft") {
    d->lifecycle = v1::LIFECYCLE_DRAFT;
  } else if (lower == "active") {
    d->lifecycle = v1::LIFECYCLE_PUBLISHED;
  } else if (lower == "deprecated") {
    d->lifecycle = v1::LIFECYCLE_DEPRECATED;
  } else if (lower == "retired") {
    d->lifecycle = v1::LIFECYCLE_RETIRED;
  } else {
    r.Error(doc["status"], "status",
            absl::StrCat("\"", status,
                         "\" is not a status Meshplane knows (proposed, "
                         "draft, active, deprecated, retired)"));
    return;
  }
  // v1.1.0 `deprecated: true` says what `status: deprecated` says; a product
  // already retired stays retired.
  if (OdpsTrue(doc, "deprecated") && d->lifecycle != v1::LIFECYCLE_RETIRED) {
    d->lifecycle = v1::LIFECYCLE_DEPRECATED;
  }

  std::string type = ScalarOr(doc, "type");
  if (!type.empty()) {
    std::string archetype = ArchetypeFromOdps(type);
    if (!IsValidId(archetype)) {
      r.Error(doc["type"], "type",
              absl::StrCat("\"", type,
                           "\" is not a product type Meshplane can keep "
                           "(sourceAligned, aggregate, consumerAligned, or a "
                           "name of letters and digits)"));
      return;
    }
    p.set_archetype(archetype);
  }

  std::set<std::string> tags;
  YAML::Node tag_list = doc["tags"];
  if (Reader::Present(tag_list)) {
    for (size_t i = 0; i < tag_list.size(); ++i) {
      std::string tag = Slugify(tag_list[i].Scalar());
      if (!tag.empty()) tags.insert(tag);
    }
  }
  for (const std::string& t : tags) {
    p.add_tags(t);
  }

  (*p.mutable_labels())["odps-id"] = odps_id;
  std::string product_version = ScalarOr(doc, "version");
  if (!product_version.empty()) {
    (*p.mutable_labels())["odps-version"] = product_version;
  }
  std::string tenant = ScalarOr(doc, "tenant");
  if (!tenant.empty()) (*p.mutable_labels())["odps-tenant"] = tenant;

  YAML::Node outputs = doc["outputPorts"];
  if (Reader::Present(outputs)) {
    std::vector<std::string> ids = OdpsPortIds(outputs);
    for (size_t i = 0; i < outputs.size(); ++i) {
      const YAML::Node& o = outputs[i];
      if (!IsValidId(ids[i])) {
        r.Error(o["name"], Join(Index("outputPorts", i), "name"),
                "cannot derive a port id from this name");
        continue;
      }
      v1::OutputPort* port = p.add_output_ports();
      port->set_id(ids[i]);
      std::string port_version = ScalarOr(o, "version");
      port->set_display_name(
          port_version.empty()
              ? ScalarOr(o, "name")
              : absl::StrCat(ScalarOr(o, "name"), " ", port_version));
      port->set_type(ScalarOr(o, "type"));
      port->set_description(ScalarOr(o, "description"));
      port->set_contract(ScalarOr(o, "contractId"));
      port->set_deprecated(OdpsTrue(o, "deprecated"));
    }
  }
  YAML::Node inputs = doc["inputPorts"];
  if (Reader::Present(inputs)) {
    std::vector<std::string> ids = OdpsPortIds(inputs);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!IsValidId(ids[i])) {
        r.Error(inputs[i]["name"], Join(Index("inputPorts", i), "name"),
                "cannot derive a port id from this name");
        continue;
      }
      d->contract_inputs.push_back({ids[i], ScalarOr(inputs[i], "contractId"),
                                    r.Location(inputs[i]),
                                    OdpsTrue(inputs[i], "deprecated")});
    }
  }
  p.set_odps_document(d->source);
  d->update_mask = {"display_name", "description", "owner_team",
                    "tags",         "labels",      "output_ports",
                    "input_ports",  "archetype",   "odps_document"};
}

void ParseDocument(Reader& r, const YAML::Node& doc,
                   const DescriptorDefaults& defaults, Descriptor* d) {
  if (!doc.IsMap()) {
    r.Error(doc, "", "a descriptor must be a mapping with apiVersion and kind");
    return;
  }
  std::string api_version;
  std::string kind;
  r.RequiredString(doc, "", "kind", &kind);
  r.String(doc, "", "apiVersion", &api_version);
  if (api_version == kMeshplaneApiVersion) {
    // `status` is what `get` prints of the server's own fields (uid, etag,
    // times): accepted so that get -> edit -> apply works, and skipped.
    if (!r.CheckMap(doc, "",
                    {"apiVersion", "kind", "metadata", "spec", "status"})) {
      return;
    }
    r.Require(doc, "", "metadata");
    if (kind == "Team") {
      ParseMeshplaneTeam(r, doc, d);
    } else if (kind == "Domain") {
      r.Require(doc, "", "spec");
      ParseMeshplaneDomain(r, doc, d);
    } else if (kind == "DataProduct") {
      r.Require(doc, "", "spec");
      ParseMeshplaneProduct(r, doc, defaults, d);
    } else if (kind == "Policy") {
      r.Require(doc, "", "spec");
      ParseMeshplanePolicy(r, doc, d);
    } else if (kind == "Waiver") {
      r.Require(doc, "", "spec");
      ParseMeshplaneWaiver(r, doc, d);
    } else if (!kind.empty()) {
      r.Error(doc["kind"], "kind",
              absl::StrCat("unknown kind \"", kind,
                           "\" (Team, Domain, DataProduct, Policy or "
                           "Waiver)"));
    }
    return;
  }
  if (kind == "DataProduct" &&
      (api_version == "v0.9.0" || api_version == "v1.0.0" ||
       api_version.empty())) {
    ParseOdpsProduct(r, doc, defaults, OdpsVersion::kV1_0, d);
    return;
  }
  if (kind == "DataProduct" && api_version == "v1.1.0") {
    ParseOdpsProduct(r, doc, defaults, OdpsVersion::kV1_1, d);
    return;
  }
  if (api_version.empty()) {
    r.Error(doc, "apiVersion", "required field is missing");
    return;
  }
  r.Error(doc["apiVersion"], "apiVersion",
          absl::StrCat("unsupported apiVersion \"", api_version, "\" (",
                       kMeshplaneApiVersion,
                       ", or v0.9.0 / v1.0.0 / v1.1.0 for ODPS data "
                       "products)"));
}

// The text of the document that starts on (0-based) line `line` of `text`:
// from the line after the `---` marker before it to the next marker. The
// first document also keeps what precedes it (comments, its own marker), so
// that a file of one document is kept whole, byte for byte. yaml-cpp gives
// no end positions, so documents are cut at their markers (YAML 1.2 9.1.3:
// a `---` in column 0 starts a new document).
std::string DocumentText(absl::string_view text, int line, bool first) {
  std::vector<size_t> starts = {0};
  std::vector<int> markers;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == starts.back()) {
      absl::string_view rest = text.substr(i);
      if (absl::StartsWith(rest, "---") &&
          (rest.size() == 3 || rest[3] == '\n' || rest[3] == '\r' ||
           rest[3] == ' ' || rest[3] == '\t')) {
        markers.push_back(static_cast<int>(starts.size()) - 1);
      }
    }
    if (i < text.size() && text[i] == '\n') starts.push_back(i + 1);
  }
  size_t begin = 0;
  if (!first) {
    for (int m : markers) {
      if (m > line) break;
      // A document on its marker's own line ("--- {...}") keeps the marker.
      begin = m == line
                  ? starts[m]
                  : (static_cast<size_t>(m) + 1 < starts.size() ? starts[m + 1]
                                                                : text.size());
    }
  }
  size_t end = text.size();
  for (int m : markers) {
    if (m > line) {
      end = starts[m];
      break;
    }
  }
  return std::string(text.substr(begin, end - begin));
}

}  // namespace

ParseResult ParseDescriptors(absl::string_view text,
                             const std::string& filename,
                             const DescriptorDefaults& defaults) {
  ParseResult result;
  // yaml-cpp shares an aliased node, but the readers below walk it once per
  // alias: the one YAML reader's budgets go first (docs/architecture.md).
  if (absl::Status budget = contract::CheckYamlBudgets(text); !budget.ok()) {
    std::vector<absl::string_view> at =
        absl::StrSplit(budget.message(), absl::MaxSplits(": ", 1));
    result.errors.push_back(
        at.size() == 2
            ? DescriptorError{absl::StrCat(filename, ":", at[0]), "",
                              std::string(at[1])}
            : DescriptorError{filename, "", std::string(budget.message())});
    return result;
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& e) {
    result.errors.push_back(
        {absl::StrCat(filename, ":", e.mark.line + 1, ":", e.mark.column + 1),
         "", absl::StrCat("invalid YAML: ", e.msg)});
    return result;
  } catch (const YAML::Exception& e) {
    result.errors.push_back(
        {filename, "", absl::StrCat("invalid YAML: ", e.msg)});
    return result;
  }
  // A `kind: List` (what `get -o json` prints for several resources) stands
  // for its items.
  std::vector<YAML::Node> expanded;
  for (const YAML::Node& doc : docs) {
    if (!doc.IsMap() || !doc["kind"].IsScalar() ||
        doc["kind"].Scalar() != "List" || !doc["apiVersion"].IsScalar() ||
        doc["apiVersion"].Scalar() != kMeshplaneApiVersion) {
      expanded.push_back(doc);
      continue;
    }
    Reader reader(filename, &result.errors);
    if (!reader.CheckMap(doc, "", {"apiVersion", "kind", "items"})) continue;
    YAML::Node items = doc["items"];
    if (!Reader::Present(items)) continue;
    if (!items.IsSequence()) {
      reader.Error(items, "items", "expected a list of descriptors");
      continue;
    }
    for (const YAML::Node& item : items) expanded.push_back(item);
  }
  bool first_document = true;
  for (const YAML::Node& doc : expanded) {
    if (!doc.IsDefined() || doc.IsNull()) {
      continue;
    }
    Reader reader(filename, &result.errors);
    Descriptor d;
    YAML::Mark mark = doc.Mark();
    d.location = absl::StrCat(filename, ":", mark.line + 1);
    d.source = DocumentText(text, mark.line, first_document);
    first_document = false;
    try {
      ParseDocument(reader, doc, defaults, &d);
    } catch (const YAML::Exception& e) {
      reader.Error(doc, "", absl::StrCat("invalid document: ", e.msg));
    }
    if (reader.error_count() == 0) {
      result.descriptors.push_back(std::move(d));
    }
  }
  return result;
}

namespace {

// Stable topological order: repeatedly takes the first item (in file order)
// whose dependencies inside the list are all taken. Cycles keep file order.
std::vector<Descriptor> StableTopo(
    std::vector<Descriptor> items,
    const std::vector<std::vector<size_t>>& deps) {
  std::vector<Descriptor> out;
  std::vector<bool> taken(items.size(), false);
  for (size_t round = 0; round < items.size(); ++round) {
    size_t pick = items.size();
    for (size_t i = 0; i < items.size() && pick == items.size(); ++i) {
      if (taken[i]) continue;
      bool ready = true;
      for (size_t dep : deps[i]) {
        if (!taken[dep] && dep != i) ready = false;
      }
      if (ready) pick = i;
    }
    if (pick == items.size()) {
      for (size_t i = 0; i < items.size(); ++i) {
        if (!taken[i]) {
          pick = i;
          break;
        }
      }
    }
    taken[pick] = true;
    out.push_back(std::move(items[pick]));
  }
  return out;
}

}  // namespace

std::vector<Descriptor> OrderForApply(std::vector<Descriptor> descriptors) {
  std::vector<Descriptor> teams, domains, products, policies, waivers;
  for (Descriptor& d : descriptors) {
    switch (d.kind) {
      case DescriptorKind::kTeam:
        teams.push_back(std::move(d));
        break;
      case DescriptorKind::kDomain:
        domains.push_back(std::move(d));
        break;
      case DescriptorKind::kDataProduct:
        products.push_back(std::move(d));
        break;
      case DescriptorKind::kPolicy:
        policies.push_back(std::move(d));
        break;
      case DescriptorKind::kWaiver:
        waivers.push_back(std::move(d));
        break;
    }
  }
  std::vector<std::vector<size_t>> domain_deps(domains.size());
  for (size_t i = 0; i < domains.size(); ++i) {
    for (size_t j = 0; j < domains.size(); ++j) {
      if (!domains[i].domain.parent().empty() &&
          domains[i].domain.parent() == domains[j].domain.name()) {
        domain_deps[i].push_back(j);
      }
    }
  }
  std::vector<std::vector<size_t>> product_deps(products.size());
  for (size_t i = 0; i < products.size(); ++i) {
    for (size_t j = 0; j < products.size(); ++j) {
      const v1::DataProduct& source = products[j].data_product;
      bool depends = false;
      for (const v1::InputPort& in : products[i].data_product.input_ports()) {
        if (absl::StartsWith(in.source(), source.name() + "/outputPorts/")) {
          depends = true;
        }
      }
      for (const ContractInput& in : products[i].contract_inputs) {
        for (const v1::OutputPort& out : source.output_ports()) {
          if (!in.contract_id.empty() && out.contract() == in.contract_id) {
            depends = true;
          }
        }
      }
      if (depends && i != j) {
        product_deps[i].push_back(j);
      }
    }
  }
  std::vector<Descriptor> ordered = std::move(teams);
  for (Descriptor& d : StableTopo(std::move(domains), domain_deps)) {
    ordered.push_back(std::move(d));
  }
  for (Descriptor& d : policies) ordered.push_back(std::move(d));
  for (Descriptor& d : waivers) ordered.push_back(std::move(d));
  for (Descriptor& d : StableTopo(std::move(products), product_deps)) {
    ordered.push_back(std::move(d));
  }
  return ordered;
}

// ---------------------------------------------------------------------------
// The writer: the inverse of the Meshplane-format reader above.

namespace {

using Json = nlohmann::json;

void PutString(Json& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

void PutLabels(Json& object,
               const google::protobuf::Map<std::string, std::string>& labels) {
  if (labels.empty()) return;
  Json out = Json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  object["labels"] = out;
}

void PutTime(Json& object, const char* key,
             const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return;
  object[key] = google::protobuf::util::TimeUtil::ToString(ts);
}

Json Envelope(const char* kind, Json metadata, Json spec, Json status) {
  Json doc = {{"apiVersion", std::string(kMeshplaneApiVersion)},
              {"kind", kind},
              {"metadata", std::move(metadata)},
              {"spec", std::move(spec)}};
  if (!status.empty()) doc["status"] = std::move(status);
  return doc;
}

// The server's own fields, common to every kind.
Json CommonStatus(const std::string& uid, const std::string& etag,
                  const google::protobuf::Timestamp& create_time,
                  const google::protobuf::Timestamp& update_time) {
  Json status = Json::object();
  PutString(status, "uid", uid);
  PutTime(status, "createTime", create_time);
  PutTime(status, "updateTime", update_time);
  PutString(status, "etag", etag);
  return status;
}

std::string EnumSuffix(const std::string& name, absl::string_view prefix) {
  return std::string(absl::StripPrefix(name, prefix));
}

}  // namespace

Json TeamDescriptor(const v1::Team& team) {
  Json metadata = {{"name", LastSegment(team.name())}};
  Json spec = Json::object();
  PutString(spec, "displayName", team.display_name());
  PutString(spec, "description", team.description());
  // Always written, an empty list too: the reader treats an absent list as
  // "leave the members alone", and the descriptor states them all.
  Json members = Json::array();
  for (const std::string& m : team.members()) members.push_back(m);
  spec["members"] = members;
  return Envelope("Team", std::move(metadata), std::move(spec),
                  CommonStatus(team.uid(), team.etag(), team.create_time(),
                               team.update_time()));
}

Json DomainDescriptor(const v1::Domain& domain) {
  Json metadata = {{"name", LastSegment(domain.name())}};
  PutLabels(metadata, domain.labels());
  Json spec = Json::object();
  if (!domain.parent().empty()) spec["parent"] = LastSegment(domain.parent());
  PutString(spec, "ownerTeam", LastSegment(domain.owner_team()));
  PutString(spec, "displayName", domain.display_name());
  PutString(spec, "description", domain.description());
  return Envelope("Domain", std::move(metadata), std::move(spec),
                  CommonStatus(domain.uid(), domain.etag(),
                               domain.create_time(), domain.update_time()));
}

Json ProductDescriptor(const v1::DataProduct& product) {
  const std::string& name = product.name();
  std::string domain = name.substr(0, name.find("/dataProducts/"));
  Json metadata = {{"name", LastSegment(name)},
                   {"domain", LastSegment(domain)}};
  PutLabels(metadata, product.labels());
  Json spec = Json::object();
  PutString(spec, "displayName", product.display_name());
  PutString(spec, "description", product.description());
  PutString(spec, "ownerTeam", LastSegment(product.owner_team()));
  if (product.tier() != 0) spec["tier"] = product.tier();
  PutString(spec, "classification",
            ClassificationName(product.classification()));
  PutString(spec, "archetype", product.archetype());
  // Apply moves the lifecycle forward to this target; the current state is
  // a target already reached, so writing it back is a no-op.
  PutString(spec, "lifecycle", LifecycleName(product.lifecycle()));
  if (!product.tags().empty()) {
    Json tags = Json::array();
    for (const std::string& t : product.tags()) tags.push_back(t);
    spec["tags"] = tags;
  }
  Json port_status = Json::array();
  if (!product.output_ports().empty()) {
    Json ports = Json::array();
    for (const v1::OutputPort& port : product.output_ports()) {
      Json p = {{"id", port.id()}};
      PutString(p, "displayName", port.display_name());
      PutString(p, "type", port.type());
      PutString(p, "server", port.server());
      PutString(p, "location", port.location());
      PutString(p, "description", port.description());
      PutString(p, "contract", port.contract());
      if (port.deprecated()) p["deprecated"] = true;
      if (port.has_objectives()) {
        const v1::ServiceLevelObjectives& o = port.objectives();
        Json slo = Json::object();
        if (o.availability_percent() != 0) {
          slo["availabilityPercent"] = o.availability_percent();
        }
        PutString(slo, "maxStaleness", FormatProtoDuration(o.max_staleness()));
        if (o.completeness_percent() != 0) {
          slo["completenessPercent"] = o.completeness_percent();
        }
        PutString(slo, "latency", FormatProtoDuration(o.latency()));
        p["objectives"] = slo;
      }
      ports.push_back(p);
      Json s = {{"id", port.id()}};
      PutString(s, "name", port.name());
      if (port.has_service_level_status()) {
        google::protobuf::util::JsonPrintOptions options;
        std::string json;
        if (google::protobuf::util::MessageToJsonString(
                port.service_level_status(), &json, options)
                .ok()) {
          s["serviceLevelStatus"] = Json::parse(json, nullptr, false);
        }
      }
      port_status.push_back(s);
    }
    spec["outputPorts"] = ports;
  }
  if (!product.input_ports().empty()) {
    Json ports = Json::array();
    for (const v1::InputPort& port : product.input_ports()) {
      Json p = {{"id", port.id()}, {"source", port.source()}};
      PutString(p, "description", port.description());
      if (port.deprecated()) p["deprecated"] = true;
      ports.push_back(p);
    }
    spec["inputPorts"] = ports;
  }
  Json status = CommonStatus(product.uid(), product.etag(),
                             product.create_time(), product.update_time());
  PutTime(status, "sunsetTime", product.sunset_time());
  if (!port_status.empty()) status["outputPorts"] = port_status;
  return Envelope("DataProduct", std::move(metadata), std::move(spec),
                  std::move(status));
}

Json PolicyDescriptor(const v1::Policy& policy) {
  const std::string& name = policy.name();
  Json metadata = {{"name", LastSegment(name)}};
  if (absl::StartsWith(name, "domains/")) {
    metadata["domain"] = LastSegment(name.substr(0, name.find("/policies/")));
  }
  PutLabels(metadata, policy.labels());
  Json spec = Json::object();
  PutString(spec, "displayName", policy.display_name());
  PutString(spec, "description", policy.description());
  Json triggers = Json::array();
  for (const std::string& t : policy.triggers()) triggers.push_back(t);
  spec["triggers"] = triggers;
  spec["condition"] = policy.condition();
  if (policy.effect() != v1::POLICY_EFFECT_UNSPECIFIED) {
    spec["effect"] =
        EnumSuffix(v1::PolicyEffect_Name(policy.effect()), "POLICY_EFFECT_");
  }
  // The server's defaults are written out: the descriptor states the policy.
  v1::PolicyEnforcement enforcement =
      policy.enforcement() == v1::POLICY_ENFORCEMENT_UNSPECIFIED
          ? v1::POLICY_ENFORCEMENT_ENFORCED
          : policy.enforcement();
  spec["enforcement"] = EnumSuffix(v1::PolicyEnforcement_Name(enforcement),
                                   "POLICY_ENFORCEMENT_");
  PutString(spec, "message", policy.message());
  PutString(spec, "messageExpression", policy.message_expression());
  PutString(spec, "owner", LastSegment(policy.owner()));
  spec["waivable"] = policy.has_waivable() ? policy.waivable() : true;
  Json status = CommonStatus(policy.uid(), policy.etag(), policy.create_time(),
                             policy.update_time());
  if (policy.revision() != 0) status["revision"] = policy.revision();
  return Envelope("Policy", std::move(metadata), std::move(spec),
                  std::move(status));
}

std::string FormatDescriptors(const std::vector<Json>& descriptors, bool yaml,
                              bool list) {
  if (!yaml) {
    Json doc = !list && descriptors.size() == 1
                   ? descriptors[0]
                   : Json{{"apiVersion", std::string(kMeshplaneApiVersion)},
                          {"kind", "List"},
                          {"items", Json(descriptors)}};
    return doc.dump(2) + "\n";
  }
  std::string out;
  for (const Json& d : descriptors) {
    auto text = JsonToYaml(d.dump());
    absl::StrAppend(&out, "---\n", text.ok() ? *text : d.dump(2) + "\n");
  }
  return out;
}

}  // namespace meshplane::cli
