#include "server/data_product_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "meshplane/model/resource_name.h"

namespace meshplane::server {

using codec_internal::EncodeMetadata;
using codec_internal::ParseOptionalName;
using codec_internal::Path;
using codec_internal::ToStdMap;

absl::StatusOr<model::ProductKey> ProductKeyFromName(absl::string_view field,
                                                     absl::string_view name) {
  return codec_internal::WithField(field, model::ParseProductName(field, name));
}

v1::Lifecycle EncodeLifecycle(model::Lifecycle l) {
  switch (l) {
    case model::Lifecycle::kDraft:
      return v1::LIFECYCLE_DRAFT;
    case model::Lifecycle::kPublished:
      return v1::LIFECYCLE_PUBLISHED;
    case model::Lifecycle::kDeprecated:
      return v1::LIFECYCLE_DEPRECATED;
    case model::Lifecycle::kRetired:
      return v1::LIFECYCLE_RETIRED;
  }
  return v1::LIFECYCLE_UNSPECIFIED;
}

v1::Classification EncodeClassification(model::Classification c) {
  switch (c) {
    case model::Classification::kUnspecified:
      return v1::CLASSIFICATION_UNSPECIFIED;
    case model::Classification::kPublic:
      return v1::CLASSIFICATION_PUBLIC;
    case model::Classification::kInternal:
      return v1::CLASSIFICATION_INTERNAL;
    case model::Classification::kConfidential:
      return v1::CLASSIFICATION_CONFIDENTIAL;
    case model::Classification::kRestricted:
      return v1::CLASSIFICATION_RESTRICTED;
  }
  return v1::CLASSIFICATION_UNSPECIFIED;
}

namespace {

void EncodeOutputPort(const model::DataProduct& p,
                      const model::OutputPort& port, v1::OutputPort* out) {
  out->set_id(port.id);
  out->set_name(model::OutputPortName({p.domain_id, p.id, port.id}));
  out->set_display_name(port.display_name);
  out->set_type(port.type);
  out->set_server(port.server);
  out->set_location(port.location);
  out->set_description(port.description);
  out->set_contract(port.contract_id);
  out->set_deprecated(port.deprecated);
  const model::ServiceLevelObjectives& slo = port.objectives;
  if (!slo.empty()) {
    v1::ServiceLevelObjectives* o = out->mutable_objectives();
    if (slo.availability_percent) {
      o->set_availability_percent(*slo.availability_percent);
    }
    if (slo.max_staleness) {
      EncodeDuration(*slo.max_staleness, o->mutable_max_staleness());
    }
    if (slo.completeness_percent) {
      o->set_completeness_percent(*slo.completeness_percent);
    }
    if (slo.latency) {
      EncodeDuration(*slo.latency, o->mutable_latency());
    }
  }
}

model::OutputPort DecodeOutputPort(const v1::OutputPort& p,
                                   absl::string_view prefix, Violations& v) {
  model::OutputPort port;
  port.id = p.id();
  port.display_name = p.display_name();
  port.type = p.type();
  port.server = p.server();
  port.location = p.location();
  port.description = p.description();
  port.contract_id = p.contract();
  port.deprecated = p.deprecated();
  if (p.has_objectives()) {
    const v1::ServiceLevelObjectives& o = p.objectives();
    // The proto says 0 means "not declared" for the percentages.
    if (o.availability_percent() != 0) {
      port.objectives.availability_percent = o.availability_percent();
    }
    if (o.completeness_percent() != 0) {
      port.objectives.completeness_percent = o.completeness_percent();
    }
    if (o.has_max_staleness()) {
      port.objectives.max_staleness = DecodeDuration(
          o.max_staleness(), Path(prefix, "objectives.max_staleness"), v);
    }
    if (o.has_latency()) {
      port.objectives.latency =
          DecodeDuration(o.latency(), Path(prefix, "objectives.latency"), v);
    }
  }
  return port;
}

}  // namespace

v1::DataProduct EncodeDataProduct(const model::DataProduct& p) {
  v1::DataProduct out;
  out.set_name(model::ProductName(p.key()));
  out.set_uid(p.uid);
  out.set_display_name(p.display_name);
  out.set_description(p.description);
  if (!p.owner_team_id.empty()) {
    out.set_owner_team(model::TeamName(p.owner_team_id));
  }
  out.set_lifecycle(EncodeLifecycle(p.lifecycle));
  out.set_tier(p.tier);
  out.set_classification(EncodeClassification(p.classification));
  for (const auto& tag : p.tags) {
    out.add_tags(tag);
  }
  out.mutable_labels()->insert(p.labels.begin(), p.labels.end());
  for (const auto& port : p.output_ports) {
    EncodeOutputPort(p, port, out.add_output_ports());
  }
  for (const auto& port : p.input_ports) {
    v1::InputPort* in = out.add_input_ports();
    in->set_id(port.id);
    in->set_source(model::OutputPortName(port.source));
    in->set_description(port.description);
    in->set_deprecated(port.deprecated);
  }
  if (p.sunset_time) {
    EncodeTime(*p.sunset_time, out.mutable_sunset_time());
  }
  out.set_archetype(p.archetype);
  out.set_odps_document(p.odps_document);
  EncodeMetadata(p.create_time, p.update_time, p.revision, out);
  return out;
}

absl::StatusOr<model::DataProduct> DecodeDataProduct(const v1::DataProduct& p,
                                                     absl::string_view prefix) {
  Violations v;
  model::DataProduct d;
  if (!p.name().empty()) {
    std::string field = Path(prefix, "name");
    auto key = model::ParseProductName(field, p.name());
    if (key.ok()) {
      d.domain_id = key->domain_id;
      d.id = key->product_id;
    } else {
      v.AddStatus(field, key.status());
    }
  }
  d.uid = p.uid();
  d.display_name = p.display_name();
  d.description = p.description();
  ParseOptionalName(prefix, "owner_team", p.owner_team(), model::ParseTeamName,
                    &d.owner_team_id, v);
  switch (p.lifecycle()) {
    case v1::LIFECYCLE_UNSPECIFIED:
    case v1::LIFECYCLE_DRAFT:
      d.lifecycle = model::Lifecycle::kDraft;
      break;
    case v1::LIFECYCLE_PUBLISHED:
      d.lifecycle = model::Lifecycle::kPublished;
      break;
    case v1::LIFECYCLE_DEPRECATED:
      d.lifecycle = model::Lifecycle::kDeprecated;
      break;
    case v1::LIFECYCLE_RETIRED:
      d.lifecycle = model::Lifecycle::kRetired;
      break;
    default:
      v.Add(Path(prefix, "lifecycle"),
            absl::StrCat(static_cast<int>(p.lifecycle()),
                         " is not a Lifecycle value"));
  }
  d.tier = p.tier();
  switch (p.classification()) {
    case v1::CLASSIFICATION_UNSPECIFIED:
      d.classification = model::Classification::kUnspecified;
      break;
    case v1::CLASSIFICATION_PUBLIC:
      d.classification = model::Classification::kPublic;
      break;
    case v1::CLASSIFICATION_INTERNAL:
      d.classification = model::Classification::kInternal;
      break;
    case v1::CLASSIFICATION_CONFIDENTIAL:
      d.classification = model::Classification::kConfidential;
      break;
    case v1::CLASSIFICATION_RESTRICTED:
      d.classification = model::Classification::kRestricted;
      break;
    default:
      v.Add(Path(prefix, "classification"),
            absl::StrCat(static_cast<int>(p.classification()),
                         " is not a Classification value"));
  }
  d.tags.assign(p.tags().begin(), p.tags().end());
  d.labels = ToStdMap(p.labels());
  for (int i = 0; i < p.output_ports_size(); ++i) {
    d.output_ports.push_back(DecodeOutputPort(
        p.output_ports(i), Path(prefix, absl::StrCat("output_ports[", i, "]")),
        v));
  }
  for (int i = 0; i < p.input_ports_size(); ++i) {
    const v1::InputPort& in = p.input_ports(i);
    std::string base = Path(prefix, absl::StrCat("input_ports[", i, "]"));
    model::InputPort port;
    port.id = in.id();
    port.description = in.description();
    port.deprecated = in.deprecated();
    std::string field = absl::StrCat(base, ".source");
    if (in.source().empty()) {
      v.Add(field,
            "is required: the output port read, "
            "domains/{domain}/dataProducts/{data_product}/outputPorts/"
            "{output_port}");
    } else {
      auto ref = model::ParseOutputPortName(field, in.source());
      if (ref.ok()) {
        port.source = *ref;
      } else {
        v.AddStatus(field, ref.status());
      }
    }
    d.input_ports.push_back(std::move(port));
  }
  if (p.has_sunset_time()) {
    d.sunset_time = DecodeTime(p.sunset_time(), Path(prefix, "sunset_time"), v);
  }
  d.archetype = p.archetype();
  d.odps_document = p.odps_document();
  codec_internal::DecodeMetadata(p, prefix, &d, v);
  if (!v.empty()) {
    return v.ToStatus();
  }
  return d;
}

void EncodeLineage(const core::Lineage& lineage, v1::GetLineageResponse* out) {
  for (const auto& node : lineage.nodes) {
    *out->add_data_products() = EncodeDataProduct(node);
  }
  for (const auto& edge : lineage.edges) {
    v1::LineageEdge* e = out->add_edges();
    e->set_source(model::OutputPortName(edge.source));
    e->set_consumer(model::ProductName(edge.consumer));
    e->set_input_port(edge.input_port_id);
    e->set_depth(edge.depth);
  }
}

}  // namespace meshplane::server
