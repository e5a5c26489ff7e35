#include "server/common_codec.h"

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

namespace meshplane::server {
namespace {

using google::protobuf::FieldDescriptor;

// google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z (timestamp.proto).
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
// google.protobuf.Duration's valid range: +-10,000 years (duration.proto).
constexpr int64_t kMaxDurationSeconds = 315576000000;

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

// ------------------------------------------------------------ Masks

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
