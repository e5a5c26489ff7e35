// What every codec between the meshplane.v1 protos and the model types
// shares (each area has its own <area>_codec.h): field violations, times
// and durations, update masks (AIP-134), list queries, the NUL check of
// every request, and the helpers the resource codecs are written with.
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
#ifndef MESHPLANE_SERVER_COMMON_CODEC_H_
#define MESHPLANE_SERVER_COMMON_CODEC_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"

#include "meshplane/common/errors.h"
#include "meshplane/core/context.h"
#include "meshplane/core/registry.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

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

// The pieces the resource codecs (<area>_codec.cc) are written with; not
// for handlers.
namespace codec_internal {

// The model's "unset" time is InfinitePast.
inline bool IsSet(absl::Time t) {
  return t != absl::InfinitePast() && t != absl::InfiniteFuture();
}

// `prefix.field`, or `field` at the top level.
inline std::string Path(absl::string_view prefix, absl::string_view field) {
  return prefix.empty() ? std::string(field) : absl::StrCat(prefix, ".", field);
}

template <typename Map>
std::map<std::string, std::string> ToStdMap(const Map& m) {
  return std::map<std::string, std::string>(m.begin(), m.end());
}

// A parse result whose error becomes a FieldViolation of `field`
// (AsFieldViolation).
template <typename T>
absl::StatusOr<T> WithField(absl::string_view field, absl::StatusOr<T> r) {
  if (r.ok()) {
    return r;
  }
  return AsFieldViolation(field, r.status());
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

// The counterpart of EncodeMetadata: the create/update times of `p` into
// `*out` when they are set; a bad one is a violation of
// `prefix.create_time` / `prefix.update_time`.
template <typename Proto, typename Model>
void DecodeMetadata(const Proto& p, absl::string_view prefix, Model* out,
                    Violations& v) {
  if (p.has_create_time()) {
    out->create_time =
        DecodeTime(p.create_time(), Path(prefix, "create_time"), v);
  }
  if (p.has_update_time()) {
    out->update_time =
        DecodeTime(p.update_time(), Path(prefix, "update_time"), v);
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

}  // namespace codec_internal

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_COMMON_CODEC_H_
