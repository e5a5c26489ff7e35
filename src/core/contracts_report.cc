// The JSON form of a compatibility report (the mapping of
// meshplane.v1.CompatibilityReport): what a publish stores with its version
// and what the error detail of a refused publish carries.
#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/filter.h"
#include "core/page_token.h"
#include "core/resource_traits.h"
#include "core/rpc_names.h"
#include "core/validation.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"
#include <nlohmann/json.hpp>

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/contract/compatibility.h"
#include "meshplane/contract/odcs.h"
#include "meshplane/contract/semver.h"
#include "meshplane/contract/validate.h"
#include "meshplane/core/contracts.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

nlohmann::json ViolationJson(const PolicyViolationDetail& v) {
  return {{"policy", v.policy},
          {"scope", v.scope},
          {"effect", v.effect},
          {"enforcement", v.enforcement},
          {"message", v.message},
          {"revision", std::to_string(v.revision)},
          {"evaluation_error", v.evaluation_error}};
}

std::string ModeEnum(const std::string& mode) {
  return mode.empty() ? "COMPATIBILITY_MODE_UNSPECIFIED"
                      : absl::StrCat("COMPATIBILITY_MODE_", mode);
}

std::string BumpEnum(const std::string& bump) {
  return bump.empty() ? "SEMVER_BUMP_UNSPECIFIED"
                      : absl::StrCat("SEMVER_BUMP_", bump);
}

}  // namespace

std::string ReportToJson(const CompatibilityReport& r) {
  nlohmann::json changes = nlohmann::json::array();
  for (const ContractChangeEntry& c : r.changes) {
    changes.push_back({{"kind", absl::StrCat("CHANGE_KIND_", c.severity)},
                       {"change", c.change},
                       {"path", c.path},
                       {"description", c.description},
                       {"against_version", c.against_version},
                       {"breaks", c.breaks},
                       {"line", c.line},
                       {"column", c.column},
                       {"required_bump", BumpEnum(c.required_bump)}});
  }
  nlohmann::json impacted = nlohmann::json::array();
  for (const ImpactedConsumer& i : r.impacted_consumers) {
    impacted.push_back({{"consumer", i.consumer},
                        {"via", i.via},
                        {"output_port", i.output_port},
                        {"grant", i.grant},
                        {"owner_team", i.owner_team}});
  }
  nlohmann::json violations = nlohmann::json::array();
  for (const auto& v : r.policy_violations)
    violations.push_back(ViolationJson(v));
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& w : r.warnings) {
    warnings.push_back({{"source", "contract"}, {"message", w}});
  }
  for (const auto& v : r.policy_violations) {
    if (v.effect == "WARN" || v.enforcement == "DRY_RUN") {
      warnings.push_back({{"source", v.policy}, {"message", v.message}});
    }
  }
  return nlohmann::json{{"contract", r.contract},
                        {"candidate_version", r.candidate_version},
                        {"compared_versions", r.compared_versions},
                        {"mode", ModeEnum(r.mode)},
                        {"compatible", r.compatible},
                        {"changes", changes},
                        {"required_bump", BumpEnum(r.required_bump)},
                        {"declared_bump", BumpEnum(r.declared_bump)},
                        {"impacted_consumers", impacted},
                        {"policy_violations", violations},
                        {"warnings", warnings},
                        {"version_satisfied", r.version_satisfied},
                        {"version_message", r.version_message},
                        {"previous_version", r.previous_version},
                        {"suggested_version", r.suggested_version},
                        {"accepted", r.accepted}}
      .dump();
}

absl::StatusOr<CompatibilityReport> ReportFromJson(absl::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(
        "a compatibility report must be a JSON object");
  }
  auto str = [](const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>()
                                            : std::string();
  };
  auto boolean = [](const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_boolean() && it->get<bool>();
  };
  auto integer = [](const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_number_integer() ? it->get<int>() : 0;
  };
  auto strip = [](std::string value, absl::string_view prefix) {
    if (absl::StartsWith(value, prefix)) value = value.substr(prefix.size());
    return value == "UNSPECIFIED" ? std::string() : value;
  };
  auto array = [](const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_array() ? *it : nlohmann::json::array();
  };
  CompatibilityReport r;
  r.contract = str(j, "contract");
  r.candidate_version = str(j, "candidate_version");
  for (const auto& v : array(j, "compared_versions")) {
    if (v.is_string()) r.compared_versions.push_back(v.get<std::string>());
  }
  r.mode = strip(str(j, "mode"), "COMPATIBILITY_MODE_");
  r.compatible = boolean(j, "compatible");
  for (const auto& c : array(j, "changes")) {
    if (!c.is_object()) continue;
    ContractChangeEntry e;
    e.severity = strip(str(c, "kind"), "CHANGE_KIND_");
    e.change = str(c, "change");
    e.path = str(c, "path");
    e.description = str(c, "description");
    e.against_version = str(c, "against_version");
    e.breaks = str(c, "breaks");
    e.line = integer(c, "line");
    e.column = integer(c, "column");
    e.required_bump = strip(str(c, "required_bump"), "SEMVER_BUMP_");
    r.changes.push_back(std::move(e));
  }
  r.required_bump = strip(str(j, "required_bump"), "SEMVER_BUMP_");
  r.declared_bump = strip(str(j, "declared_bump"), "SEMVER_BUMP_");
  for (const auto& i : array(j, "impacted_consumers")) {
    if (!i.is_object()) continue;
    r.impacted_consumers.push_back({str(i, "consumer"), str(i, "via"),
                                    str(i, "output_port"), str(i, "grant"),
                                    str(i, "owner_team")});
  }
  for (const auto& v : array(j, "policy_violations")) {
    if (!v.is_object()) continue;
    PolicyViolationDetail d;
    d.policy = str(v, "policy");
    d.scope = str(v, "scope");
    d.effect = str(v, "effect");
    d.enforcement = str(v, "enforcement");
    d.message = str(v, "message");
    int64_t revision = 0;
    if (absl::SimpleAtoi(str(v, "revision"), &revision)) d.revision = revision;
    d.evaluation_error = boolean(v, "evaluation_error");
    r.policy_violations.push_back(std::move(d));
  }
  for (const auto& w : array(j, "warnings")) {
    if (w.is_object() && str(w, "source") == "contract") {
      r.warnings.push_back(str(w, "message"));
    }
  }
  r.version_satisfied = boolean(j, "version_satisfied");
  r.version_message = str(j, "version_message");
  r.previous_version = str(j, "previous_version");
  r.suggested_version = str(j, "suggested_version");
  r.accepted = boolean(j, "accepted");
  return r;
}

}  // namespace meshplane::core
