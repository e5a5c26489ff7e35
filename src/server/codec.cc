#include "server/codec.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/util/json_util.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::server {
namespace {

using google::protobuf::FieldDescriptor;

// google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z (timestamp.proto).
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
// google.protobuf.Duration's valid range: +-10,000 years (duration.proto).
constexpr int64_t kMaxDurationSeconds = 315576000000;

// The model's "unset" time is InfinitePast.
bool IsSet(absl::Time t) {
  return t != absl::InfinitePast() && t != absl::InfiniteFuture();
}

std::string Path(absl::string_view prefix, absl::string_view field) {
  return prefix.empty() ? std::string(field) : absl::StrCat(prefix, ".", field);
}

template <typename Map>
std::map<std::string, std::string> ToStdMap(const Map& m) {
  return std::map<std::string, std::string>(m.begin(), m.end());
}

}  // namespace

// ------------------------------------------------------------ Violations

void Violations::Add(std::string field, std::string description) {
  list_.push_back({std::move(field), std::move(description)});
}

void Violations::AddStatus(absl::string_view field,
                           const absl::Status& status) {
  if (status.ok()) {
    return;
  }
  std::vector<FieldViolation> attached = GetFieldViolations(status);
  if (!attached.empty()) {
    list_.insert(list_.end(), attached.begin(), attached.end());
    return;
  }
  absl::string_view message = status.message();
  std::string lead = absl::StrCat(field, ": ");
  if (absl::StartsWith(message, lead)) {
    message.remove_prefix(lead.size());
  }
  Add(std::string(field), std::string(message));
}

absl::Status Violations::ToStatus() const {
  if (list_.empty()) {
    return absl::OkStatus();
  }
  return InvalidArgumentWithFields(list_);
}

// ------------------------------------------------------------ Names

absl::Status AsFieldViolation(absl::string_view field, absl::Status status) {
  if (status.ok() || !GetFieldViolations(status).empty()) {
    return status;
  }
  Violations v;
  v.AddStatus(field, status);
  return v.ToStatus();
}

namespace {
template <typename T>
absl::StatusOr<T> WithField(absl::string_view field, absl::StatusOr<T> r) {
  if (r.ok()) {
    return r;
  }
  return AsFieldViolation(field, r.status());
}
}  // namespace

absl::StatusOr<std::string> DomainIdFromName(absl::string_view field,
                                             absl::string_view name) {
  return WithField(field, model::ParseDomainName(field, name));
}
absl::StatusOr<std::string> TeamIdFromName(absl::string_view field,
                                           absl::string_view name) {
  return WithField(field, model::ParseTeamName(field, name));
}
absl::StatusOr<model::ProductKey> ProductKeyFromName(absl::string_view field,
                                                     absl::string_view name) {
  return WithField(field, model::ParseProductName(field, name));
}
absl::StatusOr<std::string> TokenIdFromName(absl::string_view field,
                                            absl::string_view name) {
  return WithField(field, model::ParseTokenName(field, name));
}

// ------------------------------------------------------------ Scalars

void EncodeTime(absl::Time t, google::protobuf::Timestamp* out) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) {
    return;
  }
  const absl::Time epoch = absl::UnixEpoch();
  absl::Duration rem;
  int64_t seconds = absl::IDivDuration(t - epoch, absl::Seconds(1), &rem);
  int64_t nanos = absl::ToInt64Nanoseconds(rem);
  if (nanos < 0) {  // floor: Timestamp nanos are always non-negative
    seconds -= 1;
    nanos += 1000000000;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(nanos));
}

// Sets the output-only metadata every resource shares: create/update times
// when known, and the etag of its revision.
template <typename Proto>
void EncodeMetadata(absl::Time create_time, absl::Time update_time,
                    int64_t revision, Proto& out) {
  if (IsSet(create_time)) {
    EncodeTime(create_time, out.mutable_create_time());
  }
  if (IsSet(update_time)) {
    EncodeTime(update_time, out.mutable_update_time());
  }
  if (revision > 0) {
    out.set_etag(model::Etag(revision));
  }
}

// Parses the optional resource-name field `prefix.field` (left alone when
// empty) into `*out` with `parse`; a malformed value is a violation there.
template <typename T, typename Parser>
void ParseOptionalName(absl::string_view prefix, absl::string_view field,
                       const std::string& value, Parser parse, T* out,
                       Violations& v) {
  if (value.empty()) {
    return;
  }
  const std::string path = Path(prefix, field);
  auto parsed = parse(path, value);
  if (parsed.ok()) {
    *out = *std::move(parsed);
  } else {
    v.AddStatus(path, parsed.status());
  }
}

absl::Time DecodeTime(const google::protobuf::Timestamp& ts,
                      absl::string_view field, Violations& v) {
  if (ts.seconds() < kMinTimestampSeconds ||
      ts.seconds() > kMaxTimestampSeconds || ts.nanos() < 0 ||
      ts.nanos() > 999999999) {
    v.Add(std::string(field),
          absl::StrCat("timestamp {seconds: ", ts.seconds(),
                       ", nanos: ", ts.nanos(),
                       "} is out of range (years 1-9999, nanos 0-999999999)"));
    return absl::InfinitePast();
  }
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

void EncodeDuration(absl::Duration d, google::protobuf::Duration* out) {
  absl::Duration rem;
  int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &rem);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(rem)));
}

absl::Duration DecodeDuration(const google::protobuf::Duration& d,
                              absl::string_view field, Violations& v) {
  bool sign_ok = (d.seconds() >= 0 && d.nanos() >= 0) ||
                 (d.seconds() <= 0 && d.nanos() <= 0);
  if (d.seconds() < -kMaxDurationSeconds || d.seconds() > kMaxDurationSeconds ||
      d.nanos() < -999999999 || d.nanos() > 999999999 || !sign_ok) {
    v.Add(std::string(field),
          absl::StrCat("duration {seconds: ", d.seconds(),
                       ", nanos: ", d.nanos(), "} is out of range"));
    return absl::ZeroDuration();
  }
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

absl::Status JsonToStruct(absl::string_view json,
                          google::protobuf::Struct* out) {
  out->Clear();
  if (json.empty()) {
    return absl::OkStatus();
  }
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), out);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", status.ToString()));
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------ Domains

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
  if (p.has_create_time()) {
    d.create_time = DecodeTime(p.create_time(), Path(prefix, "create_time"), v);
  }
  if (p.has_update_time()) {
    d.update_time = DecodeTime(p.update_time(), Path(prefix, "update_time"), v);
  }
  if (!v.empty()) {
    return v.ToStatus();
  }
  return d;
}

// ------------------------------------------------------------ Teams

v1::Team EncodeTeam(const model::Team& t) {
  v1::Team out;
  out.set_name(model::TeamName(t.id));
  out.set_uid(t.uid);
  out.set_display_name(t.display_name);
  out.set_description(t.description);
  for (const auto& m : t.members) {
    out.add_members(m);
  }
  EncodeMetadata(t.create_time, t.update_time, t.revision, out);
  return out;
}

absl::StatusOr<model::Team> DecodeTeam(const v1::Team& p,
                                       absl::string_view prefix) {
  Violations v;
  model::Team t;
  ParseOptionalName(prefix, "name", p.name(), model::ParseTeamName, &t.id, v);
  t.uid = p.uid();
  t.display_name = p.display_name();
  t.description = p.description();
  t.members.assign(p.members().begin(), p.members().end());
  if (p.has_create_time()) {
    t.create_time = DecodeTime(p.create_time(), Path(prefix, "create_time"), v);
  }
  if (p.has_update_time()) {
    t.update_time = DecodeTime(p.update_time(), Path(prefix, "update_time"), v);
  }
  if (!v.empty()) {
    return v.ToStatus();
  }
  return t;
}

// ------------------------------------------------------------ Data products

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
  if (p.has_create_time()) {
    d.create_time = DecodeTime(p.create_time(), Path(prefix, "create_time"), v);
  }
  if (p.has_update_time()) {
    d.update_time = DecodeTime(p.update_time(), Path(prefix, "update_time"), v);
  }
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

// ------------------------------------------------------------ Identity

v1::Token EncodeToken(const model::ApiToken& t) {
  v1::Token out;
  out.set_name(model::TokenName(t.id));
  out.set_principal(t.principal);
  out.set_description(t.description);
  out.set_platform_admin(t.platform_admin);
  if (IsSet(t.create_time)) {
    EncodeTime(t.create_time, out.mutable_create_time());
  }
  if (t.expire_time) {
    EncodeTime(*t.expire_time, out.mutable_expire_time());
  }
  if (t.revoke_time) {
    EncodeTime(*t.revoke_time, out.mutable_revoke_time());
  }
  out.set_created_by(t.created_by);
  return out;
}

absl::StatusOr<model::ApiToken> DecodeToken(const v1::Token& p,
                                            absl::string_view prefix) {
  Violations v;
  model::ApiToken t;
  ParseOptionalName(prefix, "name", p.name(), model::ParseTokenName, &t.id, v);
  t.principal = p.principal();
  t.description = p.description();
  t.platform_admin = p.platform_admin();
  if (p.has_create_time()) {
    t.create_time = DecodeTime(p.create_time(), Path(prefix, "create_time"), v);
  }
  if (p.has_expire_time()) {
    t.expire_time = DecodeTime(p.expire_time(), Path(prefix, "expire_time"), v);
  }
  if (p.has_revoke_time()) {
    t.revoke_time = DecodeTime(p.revoke_time(), Path(prefix, "revoke_time"), v);
  }
  t.created_by = p.created_by();
  if (!v.empty()) {
    return v.ToStatus();
  }
  return t;
}

v1::CallerIdentity EncodeCaller(const model::Principal& p) {
  v1::CallerIdentity out;
  out.set_principal(p.id);
  out.set_platform_admin(p.platform_admin);
  for (const auto& team : p.team_ids) {
    out.add_teams(model::TeamName(team));
  }
  return out;
}

// ------------------------------------------------------------ Audit

absl::StatusOr<v1::Event> EncodeEvent(const model::Event& e) {
  v1::Event out;
  out.set_sequence(e.sequence);
  if (IsSet(e.time)) EncodeTime(e.time, out.mutable_time());
  out.set_type(e.type);
  out.set_resource(e.resource);
  if (!e.domain_id.empty()) out.set_domain(model::DomainName(e.domain_id));
  if (!e.payload_json.empty()) {
    absl::Status s = JsonToStruct(e.payload_json, out.mutable_payload());
    if (!s.ok()) {
      return absl::InternalError(
          absl::StrCat("event ", e.sequence, " payload: ", s.message()));
    }
  }
  return out;
}

absl::StatusOr<v1::AuditRecord> EncodeAuditRecord(const model::AuditRecord& r) {
  v1::AuditRecord out;
  out.set_sequence(r.sequence);
  if (IsSet(r.time)) {
    EncodeTime(r.time, out.mutable_time());
  }
  out.set_principal(r.principal);
  out.set_method(r.method);
  out.set_resource(r.resource);
  out.set_request_id(r.request_id);
  struct Image {
    const std::string& json;
    google::protobuf::Struct* out;
    const char* what;
  };
  for (const Image& image :
       {Image{r.before_json, out.mutable_before(), "before"},
        Image{r.after_json, out.mutable_after(), "after"},
        Image{r.decision_json, out.mutable_decision(), "decision"}}) {
    absl::Status s = JsonToStruct(image.json, image.out);
    if (!s.ok()) {
      return absl::InternalError(absl::StrCat("audit record ", r.sequence, " ",
                                              image.what, ": ", s.message()));
    }
  }
  if (r.before_json.empty()) {
    out.clear_before();
  }
  if (r.after_json.empty()) {
    out.clear_after();
  }
  if (r.decision_json.empty()) {
    out.clear_decision();
  }
  out.set_outcome_code(r.outcome_code);
  out.set_outcome_message(r.outcome_message);
  out.set_validate_only(r.validate_only);
  out.set_transport(r.transport);
  return out;
}

// ------------------------------------------------------------ Masks

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

absl::StatusOr<core::FieldMask> ResolveUpdateMask(
    const google::protobuf::FieldMask& mask,
    const google::protobuf::Message& resource,
    const std::vector<std::string>& updatable) {
  core::FieldMask out;
  if (mask.paths_size() > 0) {
    Violations v;
    std::set<std::string> seen;
    for (int i = 0; i < mask.paths_size(); ++i) {
      const std::string& path = mask.paths(i);
      if (path == "*") {  // AIP-134: full replacement
        seen.insert(updatable.begin(), updatable.end());
        continue;
      }
      if (std::find(updatable.begin(), updatable.end(), path) ==
          updatable.end()) {
        v.Add(absl::StrCat("update_mask.paths[", i, "]"),
              absl::StrCat("\"", path, "\" is not an updatable field of ",
                           resource.GetDescriptor()->name(), " (",
                           absl::StrJoin(updatable, ", "), ", or *)"));
        continue;
      }
      seen.insert(path);
    }
    MP_RETURN_IF_ERROR(v.ToStatus());
    // Keep the resource's field order, which is stable for logs and tests.
    for (const auto& f : updatable) {
      if (seen.count(f) > 0) {
        out.paths.push_back(f);
      }
    }
    return out;
  }
  // AIP-134: an absent mask means every field that is set in the request.
  const google::protobuf::Descriptor* desc = resource.GetDescriptor();
  const google::protobuf::Reflection* refl = resource.GetReflection();
  for (const auto& name : updatable) {
    const FieldDescriptor* f = desc->FindFieldByName(name);
    if (f == nullptr) {
      continue;
    }
    bool set = f->is_repeated() ? refl->FieldSize(resource, f) > 0
                                : refl->HasField(resource, f);
    if (set) {
      out.paths.push_back(name);
    }
  }
  return out;
}

absl::StatusOr<core::ListQuery> MakeListQuery(int32_t page_size,
                                              const std::string& page_token,
                                              const std::string& filter) {
  if (page_size < 0) {
    return InvalidArgumentWithFields(
        {{"page_size", absl::StrCat(page_size,
                                    " is negative (0 means the "
                                    "default, 50)")}});
  }
  core::ListQuery q;
  q.page_size = page_size;
  q.page_token = page_token;
  q.filter = filter;
  return q;
}

namespace {

void CheckNul(const google::protobuf::Message& m, const std::string& prefix,
              Violations& v) {
  const google::protobuf::Reflection* refl = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    std::string base =
        prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    if (f->is_map()) {
      // Map entries are messages with `key` and `value`.
      for (int i = 0; i < refl->FieldSize(m, f); ++i) {
        const google::protobuf::Message& entry =
            refl->GetRepeatedMessage(m, f, i);
        const google::protobuf::Descriptor* ed = entry.GetDescriptor();
        const FieldDescriptor* kf = ed->FindFieldByName("key");
        const FieldDescriptor* vf = ed->FindFieldByName("value");
        std::string key = kf->type() == FieldDescriptor::TYPE_STRING
                              ? entry.GetReflection()->GetString(entry, kf)
                              : std::string();
        std::string where =
            absl::StrCat(base, "[\"", absl::CEscape(key), "\"]");
        if (key.find('\0') != std::string::npos) {
          v.Add(where, "the key contains a NUL character");
        }
        if (vf->type() == FieldDescriptor::TYPE_STRING &&
            entry.GetReflection()->GetString(entry, vf).find('\0') !=
                std::string::npos) {
          v.Add(where, "contains a NUL character");
        } else if (vf->type() == FieldDescriptor::TYPE_MESSAGE) {
          CheckNul(entry.GetReflection()->GetMessage(entry, vf), where, v);
        }
      }
      continue;
    }
    if (f->type() == FieldDescriptor::TYPE_STRING) {
      if (f->is_repeated()) {
        for (int i = 0; i < refl->FieldSize(m, f); ++i) {
          if (refl->GetRepeatedString(m, f, i).find('\0') !=
              std::string::npos) {
            v.Add(absl::StrCat(base, "[", i, "]"), "contains a NUL character");
          }
        }
      } else if (refl->GetString(m, f).find('\0') != std::string::npos) {
        v.Add(base, "contains a NUL character");
      }
    } else if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < refl->FieldSize(m, f); ++i) {
          CheckNul(refl->GetRepeatedMessage(m, f, i),
                   absl::StrCat(base, "[", i, "]"), v);
        }
      } else {
        CheckNul(refl->GetMessage(m, f), base, v);
      }
    }
  }
}

}  // namespace

void CheckNoNulCharacters(const google::protobuf::Message& message,
                          Violations& v) {
  CheckNul(message, "", v);
}

}  // namespace meshplane::server
