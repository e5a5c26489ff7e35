#include "meshplane/common/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include <nlohmann/json.hpp>

namespace meshplane {
namespace {
constexpr char kFieldsUrl[] = "type.meshplane.dev/meshplane.FieldViolations";
constexpr char kReasonUrl[] = "type.meshplane.dev/meshplane.Reason";
constexpr char kAuditedUrl[] = "type.meshplane.dev/meshplane.Audited";
constexpr char kPolicyUrl[] = "type.meshplane.dev/meshplane.PolicyViolations";
}  // namespace

absl::Status InvalidArgumentWithFields(const std::vector<FieldViolation>& v) {
  std::vector<std::string> parts;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : v) {
    parts.push_back(f.field.empty()
                        ? f.description
                        : absl::StrCat(f.field, ": ", f.description));
    list.push_back({{"field", f.field}, {"description", f.description}});
  }
  absl::Status status = absl::InvalidArgumentError(absl::StrJoin(parts, "; "));
  // replace: a description quoting bytes that are not UTF-8 must not throw
  // (the status would become an internal error).
  status.SetPayload(kFieldsUrl, absl::Cord(list.dump(
                                    -1, ' ', false,
                                    nlohmann::json::error_handler_t::replace)));
  return status;
}

std::vector<FieldViolation> GetFieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kFieldsUrl);
  if (!payload) return out;
  auto list = nlohmann::json::parse(std::string(*payload), nullptr, false);
  if (!list.is_array()) return out;
  for (const auto& item : list) {
    out.push_back({item.value("field", ""), item.value("description", "")});
  }
  return out;
}

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  status.SetPayload(kReasonUrl, absl::Cord(reason));
  return status;
}

std::string GetReason(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonUrl);
  return payload ? std::string(*payload) : std::string();
}

absl::Status WithPolicyViolations(absl::Status status,
                                  const std::vector<PolicyViolationDetail>& v) {
  if (status.ok()) return status;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : v) {
    list.push_back({{"policy", p.policy},
                    {"scope", p.scope},
                    {"effect", p.effect},
                    {"enforcement", p.enforcement},
                    {"message", p.message},
                    {"revision", p.revision},
                    {"evaluation_error", p.evaluation_error}});
  }
  status.SetPayload(kPolicyUrl, absl::Cord(list.dump(
                                    -1, ' ', false,
                                    nlohmann::json::error_handler_t::replace)));
  return status;
}

std::vector<PolicyViolationDetail> GetPolicyViolations(
    const absl::Status& status) {
  std::vector<PolicyViolationDetail> out;
  auto payload = status.GetPayload(kPolicyUrl);
  if (!payload) return out;
  auto list = nlohmann::json::parse(std::string(*payload), nullptr, false);
  if (!list.is_array()) return out;
  for (const auto& item : list) {
    PolicyViolationDetail d;
    d.policy = item.value("policy", "");
    d.scope = item.value("scope", "");
    d.effect = item.value("effect", "");
    d.enforcement = item.value("enforcement", "");
    d.message = item.value("message", "");
    d.revision = item.value("revision", int64_t{0});
    d.evaluation_error = item.value("evaluation_error", false);
    out.push_back(std::move(d));
  }
  return out;
}

absl::Status MarkAudited(absl::Status status) {
  if (!status.ok()) status.SetPayload(kAuditedUrl, absl::Cord("1"));
  return status;
}

bool IsAudited(const absl::Status& status) {
  return status.GetPayload(kAuditedUrl).has_value();
}

}  // namespace meshplane
