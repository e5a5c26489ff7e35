#include "core/validation.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "meshplane/common/limits.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core::internal {
namespace {

std::string Quote(absl::string_view s) {
  if (s.size() > 80) return absl::StrCat("\"", Utf8Prefix(s, 77), "...\"");
  return absl::StrCat("\"", s, "\"");
}

bool IsLabelKey(absl::string_view k) {
  if (k.empty() || k.size() > kMaxLabelKey) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!alnum(k.front()) || !alnum(k.back())) return false;
  for (char c : k) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.' && c != '/') return false;
  }
  return true;
}

}  // namespace

size_t Utf8Length(absl::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void Violations::Add(std::string field, std::string description) {
  list_.push_back({std::move(field), std::move(description)});
}

void Violations::AddStatus(const std::string& field,
                           const absl::Status& status) {
  if (status.ok()) return;
  absl::string_view msg = status.message();
  std::string prefix = absl::StrCat(field, ": ");
  if (absl::StartsWith(msg, prefix)) msg.remove_prefix(prefix.size());
  Add(field, std::string(msg));
}

void Violations::CheckId(const std::string& field, absl::string_view id) {
  if (id.empty()) {
    Add(field, "is required");
    return;
  }
  AddStatus(field, model::ValidateId(field, id));
}

void Violations::CheckText(const std::string& field, absl::string_view text,
                           size_t max) {
  size_t n = Utf8Length(text);
  if (n > max) {
    Add(field, absl::StrCat("is ", n, " characters long; at most ", max,
                            " are allowed"));
  }
}

void Violations::CheckLabels(const std::string& field,
                             const std::map<std::string, std::string>& labels) {
  if (labels.size() > kMaxLabels) {
    Add(field, absl::StrCat("has ", labels.size(), " entries; at most ",
                            kMaxLabels, " are allowed"));
  }
  for (const auto& [k, val] : labels) {
    if (!IsLabelKey(k)) {
      Add(absl::StrCat(field, "[", Quote(k), "]"),
          absl::StrCat(Quote(k),
                       " is not a valid label key (lowercase letters, "
                       "digits, '-', '_', '.', '/'; 1-63 chars, starting "
                       "and ending with a letter or digit)"));
    }
    if (Utf8Length(val) > kMaxLabelValue) {
      Add(absl::StrCat(field, "[", Quote(k), "]"),
          absl::StrCat("the value is longer than ", kMaxLabelValue,
                       " characters"));
    }
  }
}

absl::Status Violations::ToStatus() const {
  if (list_.empty()) return absl::OkStatus();
  return InvalidArgumentWithFields(list_);
}

void ValidateDomainFields(const model::Domain& d, Violations& v) {
  v.CheckText("domain.display_name", d.display_name, kMaxDisplayName);
  v.CheckText("domain.description", d.description, kMaxDescription);
  if (!d.parent_id.empty()) v.CheckId("domain.parent", d.parent_id);
  v.CheckId("domain.owner_team", d.owner_team_id);
  v.CheckLabels("domain.labels", d.labels);
}

void ValidateTeamFields(const model::Team& t, Violations& v) {
  v.CheckText("team.display_name", t.display_name, kMaxDisplayName);
  v.CheckText("team.description", t.description, kMaxDescription);
  if (t.members.size() > kMaxMembers) {
    v.Add("team.members",
          absl::StrCat("has ", t.members.size(), " entries; at most ",
                       kMaxMembers, " are allowed"));
  }
  for (size_t i = 0; i < t.members.size(); ++i) {
    std::string field = absl::StrCat("team.members[", i, "]");
    v.AddStatus(field, model::ValidatePrincipal(field, t.members[i]));
  }
}

void ValidateProductFields(const model::DataProduct& p, Violations& v) {
  v.CheckText("data_product.display_name", p.display_name, kMaxDisplayName);
  v.CheckText("data_product.description", p.description, kMaxDescription);
  v.CheckId("data_product.owner_team", p.owner_team_id);
  if (p.tier < 0 || p.tier > 3) {
    v.Add("data_product.tier",
          absl::StrCat(p.tier, " is not a tier (1-3, or 0 for unset)"));
  }
  if (p.tags.size() > kMaxTags) {
    v.Add("data_product.tags",
          absl::StrCat("has ", p.tags.size(), " entries; at most ", kMaxTags,
                       " are allowed"));
  }
  for (size_t i = 0; i < p.tags.size(); ++i) {
    v.CheckId(absl::StrCat("data_product.tags[", i, "]"), p.tags[i]);
  }
  v.CheckLabels("data_product.labels", p.labels);
  if (!p.archetype.empty()) {
    v.CheckId("data_product.archetype", p.archetype);
  }
  if (p.odps_document.size() > kMaxOdpsDocument) {
    v.Add("data_product.odps_document",
          absl::StrCat("is ", p.odps_document.size(), " bytes long; at most ",
                       kMaxOdpsDocument, " are allowed"));
  }

  if (p.output_ports.size() > kMaxPorts) {
    v.Add("data_product.output_ports",
          absl::StrCat("has ", p.output_ports.size(), " entries; at most ",
                       kMaxPorts, " are allowed"));
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < p.output_ports.size(); ++i) {
    const model::OutputPort& o = p.output_ports[i];
    std::string f = absl::StrCat("data_product.output_ports[", i, "]");
    v.CheckId(f + ".id", o.id);
    if (!o.id.empty() && !seen.insert(o.id).second) {
      v.Add(f + ".id",
            absl::StrCat(Quote(o.id), " is used by another output port"));
    }
    v.CheckText(f + ".display_name", o.display_name, kMaxDisplayName);
    v.CheckText(f + ".description", o.description, kMaxDescription);
    v.CheckText(f + ".type", o.type, kMaxShortText);
    v.CheckText(f + ".server", o.server, kMaxShortText);
    v.CheckText(f + ".location", o.location, kMaxShortText);
    v.CheckText(f + ".contract", o.contract_id, kMaxShortText);
    const model::ServiceLevelObjectives& s = o.objectives;
    auto percent = [&](const char* name, const std::optional<double>& x) {
      if (x && !(*x >= 0.0 && *x <= 100.0)) {
        v.Add(absl::StrCat(f, ".objectives.", name),
              absl::StrCat(*x, " is not a percentage (0-100)"));
      }
    };
    percent("availability_percent", s.availability_percent);
    percent("completeness_percent", s.completeness_percent);
    auto positive = [&](const char* name,
                        const std::optional<absl::Duration>& d) {
      if (d && *d <= absl::ZeroDuration()) {
        v.Add(absl::StrCat(f, ".objectives.", name), "must be positive");
      }
    };
    positive("max_staleness", s.max_staleness);
    positive("latency", s.latency);
  }

  if (p.input_ports.size() > kMaxPorts) {
    v.Add("data_product.input_ports",
          absl::StrCat("has ", p.input_ports.size(), " entries; at most ",
                       kMaxPorts, " are allowed"));
  }
  seen.clear();
  for (size_t i = 0; i < p.input_ports.size(); ++i) {
    const model::InputPort& in = p.input_ports[i];
    std::string f = absl::StrCat("data_product.input_ports[", i, "]");
    v.CheckId(f + ".id", in.id);
    if (!in.id.empty() && !seen.insert(in.id).second) {
      v.Add(f + ".id",
            absl::StrCat(Quote(in.id), " is used by another input port"));
    }
    const model::OutputPortRef& s = in.source;
    if (!model::IsValidId(s.domain_id) || !model::IsValidId(s.product_id) ||
        !model::IsValidId(s.port_id)) {
      v.Add(f + ".source",
            absl::StrCat(
                Quote(model::OutputPortName(s)),
                " is not a valid output port name (domains/{domain}/"
                "dataProducts/{data_product}/outputPorts/{output_port})"));
    }
    v.CheckText(f + ".description", in.description, kMaxDescription);
  }
}

}  // namespace meshplane::core::internal
