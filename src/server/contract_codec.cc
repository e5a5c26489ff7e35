#include "server/contract_codec.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "server/common_codec.h"

#include "meshplane/common/errors.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::server {
namespace {

absl::Status BadName(absl::string_view field, absl::string_view name,
                     absl::string_view form) {
  return InvalidArgumentWithFields(
      {{std::string(field),
        absl::StrCat("\"", name, "\" is not a valid ", form,
                     " (contract ids: letters, digits, '.', '_' and '-', 1 to "
                     "128 characters, starting with a letter or digit)")}});
}

absl::StatusOr<v1::CompatibilityReport> ReportFromJson(
    const std::string& json) {
  v1::CompatibilityReport out;
  auto status = google::protobuf::util::JsonStringToMessage(json, &out);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat(
        "a compatibility report does not decode: ", status.ToString()));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> ContractIdFromName(absl::string_view field,
                                               absl::string_view name) {
  absl::string_view id = name;
  if (absl::StartsWith(id, "contracts/")) id.remove_prefix(10);
  if (!model::IsValidContractId(id)) {
    return BadName(field, name, "contract name (contracts/{contract})");
  }
  return std::string(id);
}

absl::StatusOr<std::pair<std::string, std::string>> ContractVersionFromName(
    absl::string_view field, absl::string_view name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "contracts" || parts[2] != "versions" ||
      !model::IsValidContractId(parts[1]) || parts[3].empty()) {
    return BadName(field, name,
                   "contract version name "
                   "(contracts/{contract}/versions/{version})");
  }
  return std::make_pair(parts[1], parts[3]);
}

std::string ModeName(v1::CompatibilityMode mode) {
  if (mode == v1::COMPATIBILITY_MODE_UNSPECIFIED) return "";
  std::string name = v1::CompatibilityMode_Name(mode);
  constexpr absl::string_view kPrefix = "COMPATIBILITY_MODE_";
  if (absl::StartsWith(name, kPrefix)) name = name.substr(kPrefix.size());
  return name;
}

v1::Contract EncodeContract(const model::Contract& c) {
  v1::Contract out;
  out.set_name(model::ContractName(c.id));
  out.set_uid(c.uid);
  out.set_data_product(model::ProductName(c.product));
  out.set_display_name(c.display_name);
  out.set_description(c.description);
  v1::CompatibilityMode mode = v1::COMPATIBILITY_MODE_UNSPECIFIED;
  v1::CompatibilityMode_Parse(
      absl::StrCat("COMPATIBILITY_MODE_", c.compatibility_mode), &mode);
  out.set_compatibility_mode(mode);
  out.set_state(c.state == "DEPRECATED" ? v1::CONTRACT_STATE_DEPRECATED
                                        : v1::CONTRACT_STATE_ACTIVE);
  out.set_deprecation_message(c.deprecation_message);
  out.set_latest_version(c.latest_version);
  out.set_version_count(static_cast<int32_t>(c.version_count));
  for (const auto& [k, v] : c.labels) (*out.mutable_labels())[k] = v;
  EncodeTime(c.create_time, out.mutable_create_time());
  EncodeTime(c.update_time, out.mutable_update_time());
  out.set_etag(model::Etag(c.revision));
  return out;
}

absl::StatusOr<v1::ContractVersion> EncodeContractVersion(
    const model::ContractVersion& v) {
  v1::ContractVersion out;
  out.set_name(model::ContractVersionName(v.contract_id, v.version));
  out.set_version(v.version);
  out.set_status(v.status);
  out.set_original_yaml(v.original_yaml);
  out.set_normalized_json(v.normalized_json);
  out.set_content_hash(v.content_hash);
  out.set_published_by(v.published_by);
  EncodeTime(v.create_time, out.mutable_create_time());
  if (!v.report_json.empty()) {
    auto report = ReportFromJson(v.report_json);
    if (!report.ok()) return report.status();
    *out.mutable_report() = *std::move(report);
  }
  return out;
}

absl::StatusOr<v1::CompatibilityReport> EncodeReport(
    const core::CompatibilityReport& r) {
  return ReportFromJson(core::ReportToJson(r));
}

}  // namespace meshplane::server
