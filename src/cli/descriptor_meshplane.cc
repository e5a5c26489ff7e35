// Meshplane's own descriptor format (apiVersion meshplane.dev/v1; kinds
// Team, Domain, DataProduct, Policy, Waiver), read into the API's messages.
// docs/descriptors.md describes it; descriptor_writer.cc is its inverse.
#include <string>
#include <vector>

#include "cli/descriptor_reader.h"

namespace meshplane::cli::descriptor_internal {

// ---------------------------------------------------------------------------
// Meshplane's own format.

void ParseMeshplaneTeam(Reader& r, const YamlNode& doc, Descriptor* d) {
  d->kind = DescriptorKind::kTeam;
  YamlNode metadata = doc["metadata"];
  if (Reader::Present(metadata) &&
      r.CheckMap(metadata, "metadata", {"name", "labels"})) {
    r.Id(metadata, "metadata", "name", &d->id);
    if (Reader::Present(metadata["labels"])) {
      r.Error(metadata["labels"], "metadata.labels", "teams have no labels");
    }
  }
  d->team.set_name(TeamName(d->id));
  d->update_mask = {"display_name", "description"};
  YamlNode spec = doc["spec"];
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

void ParseMeshplaneDomain(Reader& r, const YamlNode& doc, Descriptor* d) {
  d->kind = DescriptorKind::kDomain;
  YamlNode metadata = doc["metadata"];
  if (Reader::Present(metadata) &&
      r.CheckMap(metadata, "metadata", {"name", "labels"})) {
    r.Id(metadata, "metadata", "name", &d->id);
    r.StringMap(metadata, "metadata", "labels", d->domain.mutable_labels());
  }
  d->domain.set_name(DomainName(d->id));
  d->update_mask = {"display_name", "description", "parent", "owner_team",
                    "labels"};
  YamlNode spec = doc["spec"];
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

namespace {

void ParseOutputPort(Reader& r, const YamlNode& node, const std::string& path,
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
  YamlNode objectives = node["objectives"];
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

}  // namespace

void ParseMeshplaneProduct(Reader& r, const YamlNode& doc,
                           const DescriptorDefaults& defaults, Descriptor* d) {
  d->kind = DescriptorKind::kDataProduct;
  v1::DataProduct& p = d->data_product;
  YamlNode metadata = doc["metadata"];
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
  YamlNode spec = doc["spec"];
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
  v1::Classification classification;
  if (r.EnumName(spec, "spec", "classification", false, ParseClassification,
                 "a classification (public, internal, confidential or "
                 "restricted)",
                 &classification)) {
    p.set_classification(classification);
  }
  r.EnumName(spec, "spec", "lifecycle", false, ParseLifecycle,
             "a lifecycle (draft, published, deprecated or retired)",
             &d->lifecycle);
  std::vector<std::string> tags;
  if (r.StringList(spec, "spec", "tags", &tags)) {
    for (const std::string& t : tags) {
      p.add_tags(t);
    }
  }
  YamlNode outputs = spec["outputPorts"];
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
  YamlNode inputs = spec["inputPorts"];
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

namespace {

bool ParseEffect(const std::string& text, v1::PolicyEffect* out) {
  return ParseEnumName(text, "POLICY_EFFECT_", v1::PolicyEffect_Parse, out);
}

bool ParseEnforcement(const std::string& text, v1::PolicyEnforcement* out) {
  return ParseEnumName(text, "POLICY_ENFORCEMENT_", v1::PolicyEnforcement_Parse,
                       out);
}

}  // namespace

// kind: Policy. metadata.name is the policy id, metadata.domain (optional)
// its scope. Only the shape is checked here; triggers and CEL are checked
// by the server (and by `policy test`, with the embedded engine).
void ParseMeshplanePolicy(Reader& r, const YamlNode& doc, Descriptor* d) {
  d->kind = DescriptorKind::kPolicy;
  v1::Policy& p = d->policy;
  YamlNode metadata = doc["metadata"];
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
  YamlNode spec = doc["spec"];
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
  v1::PolicyEffect effect;
  if (r.EnumName(spec, "spec", "effect", true, ParseEffect,
                 "an effect (DENY, WARN or REQUIRE_APPROVAL)", &effect)) {
    p.set_effect(effect);
  }
  p.set_enforcement(v1::POLICY_ENFORCEMENT_ENFORCED);
  v1::PolicyEnforcement enforcement;
  if (r.EnumName(spec, "spec", "enforcement", false, ParseEnforcement,
                 "an enforcement (ENFORCED or DRY_RUN)", &enforcement)) {
    p.set_enforcement(enforcement);
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
void ParseMeshplaneWaiver(Reader& r, const YamlNode& doc, Descriptor* d) {
  d->kind = DescriptorKind::kWaiver;
  v1::Waiver& w = d->waiver;
  YamlNode metadata = doc["metadata"];
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
  YamlNode spec = doc["spec"];
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

}  // namespace meshplane::cli::descriptor_internal
