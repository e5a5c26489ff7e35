// Codecs between the meshplane.v1 protos and the model types.
//
// Decoding never trusts the wire: every bad field becomes a FieldViolation
// with its path in the request ("data_product.input_ports[2].source"), and
// all of them are reported at once (INVALID_ARGUMENT via
// InvalidArgumentWithFields). Resource names in references (`parent`,
// `owner_team`, input-port sources) are parsed with model::Parse*Name.
// Output-only fields (uid, times) are carried both ways so that
// Encode(Decode(p)) == p and Decode(Encode(m)) == m; the one exception is
// the revision, which travels only as the opaque etag and is handed to core
// as a string.
//
// All functions are pure and thread-safe.
#ifndef MESHPLANE_SERVER_CODEC_H_
#define MESHPLANE_SERVER_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"

#include "meshplane/common/errors.h"
#include "meshplane/core/context.h"
#include "meshplane/core/registry.h"
#include "meshplane/model/audit.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/domain.h"
#include "meshplane/model/principal.h"
#include "meshplane/model/team.h"
#include "meshplane/v1/data_product.pb.h"
#include "meshplane/v1/domain.pb.h"
#include "meshplane/v1/events.pb.h"
#include "meshplane/v1/identity.pb.h"
#include "meshplane/v1/team.pb.h"

namespace meshplane::server {

// Collects the field violations of one request, so that a decoder reports
// every bad field and not just the first. Not thread-safe.
class Violations {
 public:
  // Records a violation of `field`.
  void Add(std::string field, std::string description);
  // Records `status` if it is not OK: its field violations if it has some,
  // else one violation of `field` whose description is the status message
  // without a leading "<field>: ".
  void AddStatus(absl::string_view field, const absl::Status& status);
  bool empty() const { return list_.empty(); }
  // OK when empty, else INVALID_ARGUMENT listing every violation.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> list_;
};

// --- Resource names in requests ---
// model::Parse*Name, with the error turned into a FieldViolation of `field`
// (INVALID_ARGUMENT with BadRequest details).
absl::StatusOr<std::string> DomainIdFromName(absl::string_view field,
                                             absl::string_view name);
absl::StatusOr<std::string> TeamIdFromName(absl::string_view field,
                                           absl::string_view name);
absl::StatusOr<model::ProductKey> ProductKeyFromName(absl::string_view field,
                                                     absl::string_view name);
absl::StatusOr<std::string> TokenIdFromName(absl::string_view field,
                                            absl::string_view name);
// `status` (INVALID_ARGUMENT naming `field`) as a FieldViolation of `field`;
// OK and statuses that already carry violations pass unchanged.
absl::Status AsFieldViolation(absl::string_view field, absl::Status status);

// --- Scalars ---
// An unset Timestamp for absl::InfinitePast() (the model's "unset").
void EncodeTime(absl::Time t, google::protobuf::Timestamp* out);
// Records a violation for out-of-range seconds (years 1..9999) or nanos.
absl::Time DecodeTime(const google::protobuf::Timestamp& ts,
                      absl::string_view field, Violations& v);
void EncodeDuration(absl::Duration d, google::protobuf::Duration* out);
// Records a violation for out-of-range values or mixed signs (the proto
// spec's rules for Duration).
absl::Duration DecodeDuration(const google::protobuf::Duration& d,
                              absl::string_view field, Violations& v);

// Parses a JSON object into a Struct; an empty string gives an empty
// Struct. INVALID_ARGUMENT when `json` is not a JSON object.
absl::Status JsonToStruct(absl::string_view json,
                          google::protobuf::Struct* out);

// --- Domains ---
v1::Domain EncodeDomain(const model::Domain& d);
// Decodes the fields of `d` under `prefix` ("domain"). `name`, when set,
// gives the id (as in UpdateDomain); `parent` and `owner_team` are parsed
// resource names.
absl::StatusOr<model::Domain> DecodeDomain(const v1::Domain& d,
                                           absl::string_view prefix);

// --- Teams ---
v1::Team EncodeTeam(const model::Team& t);
absl::StatusOr<model::Team> DecodeTeam(const v1::Team& t,
                                       absl::string_view prefix);

// --- Data products ---
v1::DataProduct EncodeDataProduct(const model::DataProduct& p);
// `name`, when set, gives domain_id and id. LIFECYCLE_UNSPECIFIED decodes
// as DRAFT; unknown enum numbers are violations.
absl::StatusOr<model::DataProduct> DecodeDataProduct(const v1::DataProduct& p,
                                                     absl::string_view prefix);
v1::Lifecycle EncodeLifecycle(model::Lifecycle l);
v1::Classification EncodeClassification(model::Classification c);
void EncodeLineage(const core::Lineage& lineage, v1::GetLineageResponse* out);

// --- Identity ---
v1::Token EncodeToken(const model::ApiToken& t);
absl::StatusOr<model::ApiToken> DecodeToken(const v1::Token& t,
                                            absl::string_view prefix);
v1::CallerIdentity EncodeCaller(const model::Principal& p);

// --- Audit ---
// The JSON images become Structs; a malformed image (a bug upstream) is
// INTERNAL.
absl::StatusOr<v1::AuditRecord> EncodeAuditRecord(const model::AuditRecord& r);
// An event of the feed; INTERNAL if its stored payload is not JSON.
absl::StatusOr<v1::Event> EncodeEvent(const model::Event& e);

// --- Update masks (AIP-134) ---
// The mask for an Update request: the paths of `mask` if it has any (each
// must be one of `updatable`, or "*" for all of them), else the updatable
// fields that are set in `resource` (non-default scalars, non-empty
// repeated fields and maps, present messages). INVALID_ARGUMENT naming
// `update_mask.paths[i]` for an unknown path.
absl::StatusOr<core::FieldMask> ResolveUpdateMask(
    const google::protobuf::FieldMask& mask,
    const google::protobuf::Message& resource,
    const std::vector<std::string>& updatable);

// The updatable fields of each resource (the lists in the protos' Update
// request comments).
const std::vector<std::string>& DomainUpdatableFields();
const std::vector<std::string>& TeamUpdatableFields();
const std::vector<std::string>& DataProductUpdatableFields();

// The list query of a List request. INVALID_ARGUMENT naming `page_size`
// when it is negative (AIP-158); larger than the maximum is coerced by core.
absl::StatusOr<core::ListQuery> MakeListQuery(int32_t page_size,
                                              const std::string& page_token,
                                              const std::string& filter);

// Records a violation for every string field (at any depth, map keys and
// values included) of `message` that contains a NUL character, which
// PostgreSQL text cannot hold. Field paths start at the request.
void CheckNoNulCharacters(const google::protobuf::Message& message,
                          Violations& v);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_CODEC_H_
