// The descriptor writer: a resource as the server holds it, as the
// Meshplane-format descriptor that `get -o yaml|json` prints and `apply`
// reads back (the inverse of descriptor_meshplane.cc).
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/descriptor.h"
#include "cli/descriptor_reader.h"
#include "cli/output.h"
#include "cli/util.h"
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;
using descriptor_internal::kMeshplaneApiVersion;

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
