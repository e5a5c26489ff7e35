#include "cli/render.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/output.h"
#include "cli/util.h"

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

namespace {

std::string JoinLabels(
    const google::protobuf::Map<std::string, std::string>& m) {
  std::map<std::string, std::string> sorted(m.begin(), m.end());
  return absl::StrJoin(sorted, ",", absl::PairFormatter("="));
}

std::string StripTeam(const std::string& team) {
  return std::string(absl::StripPrefix(team, "teams/"));
}

std::string StripDomain(const std::string& domain) {
  return std::string(absl::StripPrefix(domain, "domains/"));
}

}  // namespace

std::string ShortProductName(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() >= 4 && parts[0] == "domains" &&
      parts[2] == "dataProducts") {
    std::string out = absl::StrCat(parts[1], "/", parts[3]);
    if (parts.size() >= 6) {
      absl::StrAppend(&out, ":", parts[5]);
    }
    return out;
  }
  return name;
}

void RenderDomains(const Repeated<v1::Domain>& domains, std::ostream& out) {
  Table table({"ID", "PARENT", "OWNER", "DISPLAY NAME", "LABELS"});
  for (const v1::Domain& d : domains) {
    table.AddRow({LastSegment(d.name()), StripDomain(d.parent()),
                  StripTeam(d.owner_team()), d.display_name(),
                  JoinLabels(d.labels())});
  }
  table.Print(out);
}

void RenderDomain(const v1::Domain& d, std::ostream& out) {
  Details details;
  details.Add("Name", d.name());
  details.Add("Display name", d.display_name());
  details.Add("Description", d.description());
  details.Add("Parent", d.parent());
  details.Add("Owner team", d.owner_team());
  details.Add("Labels", JoinLabels(d.labels()));
  AddServerFields(d, &details);
  details.Print(out);
}

void RenderTeams(const Repeated<v1::Team>& teams, std::ostream& out) {
  Table table({"ID", "MEMBERS", "DISPLAY NAME"});
  for (const v1::Team& t : teams) {
    table.AddRow({LastSegment(t.name()), absl::StrCat(t.members_size()),
                  t.display_name()});
  }
  table.Print(out);
}

void RenderTeam(const v1::Team& t, std::ostream& out) {
  Details details;
  details.Add("Name", t.name());
  details.Add("Display name", t.display_name());
  details.Add("Description", t.description());
  details.Add("Members", absl::StrJoin(t.members(), ", "));
  AddServerFields(t, &details);
  details.Print(out);
}

void RenderProducts(const Repeated<v1::DataProduct>& products,
                    std::ostream& out) {
  Table table({"DOMAIN", "ID", "LIFECYCLE", "TIER", "CLASSIFICATION", "OWNER",
               "PORTS", "TAGS"});
  for (const v1::DataProduct& p : products) {
    std::vector<std::string> parts = absl::StrSplit(p.name(), '/');
    std::string domain = parts.size() >= 2 ? parts[1] : "";
    table.AddRow({domain, LastSegment(p.name()), LifecycleName(p.lifecycle()),
                  p.tier() == 0 ? "" : absl::StrCat(p.tier()),
                  ClassificationName(p.classification()),
                  StripTeam(p.owner_team()),
                  absl::StrCat(p.output_ports_size(), " out/",
                               p.input_ports_size(), " in"),
                  absl::StrJoin(p.tags(), ",")});
  }
  table.Print(out);
}

void RenderProduct(const v1::DataProduct& p, std::ostream& out) {
  Details details;
  details.Add("Name", p.name());
  details.Add("Display name", p.display_name());
  details.Add("Description", p.description());
  details.Add("Owner team", p.owner_team());
  details.Add("Lifecycle", LifecycleName(p.lifecycle()));
  details.Add("Tier", p.tier() == 0 ? "" : absl::StrCat(p.tier()));
  details.Add("Classification", ClassificationName(p.classification()));
  details.Add("Tags", absl::StrJoin(p.tags(), ", "));
  details.Add("Labels", JoinLabels(p.labels()));
  details.Add("Sunset", FormatTimestamp(p.sunset_time()));
  AddServerFields(p, &details);
  details.Print(out);
  if (p.output_ports_size() > 0) {
    out << "\nOutput ports:\n";
    Table table({"ID", "TYPE", "SERVER", "LOCATION", "CONTRACT", "AVAILABILITY",
                 "MAX STALENESS"});
    for (const v1::OutputPort& port : p.output_ports()) {
      const v1::ServiceLevelObjectives& slo = port.objectives();
      table.AddRow({port.id(), port.type(), port.server(), port.location(),
                    port.contract(),
                    slo.availability_percent() == 0
                        ? ""
                        : absl::StrCat(slo.availability_percent(), "%"),
                    FormatProtoDuration(slo.max_staleness())});
    }
    table.Print(out);
  }
  if (p.input_ports_size() > 0) {
    out << "\nInput ports:\n";
    Table table({"ID", "SOURCE", "DESCRIPTION"});
    for (const v1::InputPort& port : p.input_ports()) {
      table.AddRow({port.id(), port.source(), port.description()});
    }
    table.Print(out);
  }
  for (const v1::Warning& w : p.warnings()) {
    out << "warning: " << (w.source().empty() ? "" : w.source() + ": ")
        << w.message() << "\n";
  }
}

void RenderTokens(const Repeated<v1::Token>& tokens, std::ostream& out) {
  Table table({"NAME", "PRINCIPAL", "ADMIN", "CREATED", "EXPIRES", "REVOKED",
               "DESCRIPTION"});
  for (const v1::Token& t : tokens) {
    table.AddRow({t.name(), t.principal(), t.platform_admin() ? "yes" : "no",
                  FormatTimestamp(t.create_time()),
                  FormatTimestamp(t.expire_time()),
                  FormatTimestamp(t.revoke_time()), t.description()});
  }
  table.Print(out);
}

void RenderLineage(const v1::GetLineageResponse& lineage, std::ostream& out) {
  out << "Products:\n";
  RenderProducts(lineage.data_products(), out);
  out << "\nEdges:\n";
  Table table({"SOURCE", "CONSUMER", "INPUT PORT", "DEPTH"});
  for (const v1::LineageEdge& e : lineage.edges()) {
    table.AddRow({ShortProductName(e.source()), ShortProductName(e.consumer()),
                  e.input_port(), absl::StrCat(e.depth())});
  }
  table.Print(out);
}

}  // namespace meshplane::cli

namespace meshplane::cli {

void PrintWarnings(const Repeated<v1::Warning>& warnings,
                   const std::string& what, std::ostream& err) {
  for (const v1::Warning& w : warnings) {
    err << "warning: " << (what.empty() ? "" : what + ": ")
        << (w.source().empty() ? "" : w.source() + ": ") << w.message() << "\n";
  }
}

std::string DescribeViolation(const v1::PolicyViolation& v) {
  std::string out = absl::StrCat(
      "policy ", v.policy(), " (", v.scope().empty() ? "?" : v.scope(), ", ",
      v.effect().empty() ? "?" : v.effect(), ", ",
      v.enforcement().empty() ? "ENFORCED" : v.enforcement());
  if (v.evaluation_error()) absl::StrAppend(&out, ", evaluation error");
  if (v.revision() > 0) absl::StrAppend(&out, ", revision ", v.revision());
  absl::StrAppend(&out, "): ", v.message());
  return out;
}

namespace {

std::string EffectName(v1::PolicyEffect e) {
  if (e == v1::POLICY_EFFECT_UNSPECIFIED) return "";
  return std::string(
      absl::StripPrefix(v1::PolicyEffect_Name(e), "POLICY_EFFECT_"));
}

std::string EnforcementName(v1::PolicyEnforcement e) {
  // Unset means ENFORCED (policy.proto).
  if (e == v1::POLICY_ENFORCEMENT_UNSPECIFIED) return "ENFORCED";
  return std::string(
      absl::StripPrefix(v1::PolicyEnforcement_Name(e), "POLICY_ENFORCEMENT_"));
}

std::string FirstLine(const std::string& text, size_t max) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() < text.size() || line.size() > max) {
    line = line.substr(0, max);
    absl::StrAppend(&line, "...");
  }
  return line;
}

// CEL as written, indented, without the trailing newline YAML's block
// scalars leave.
void PrintExpression(const std::string& title, absl::string_view cel,
                     std::ostream& out) {
  out << "\n" << title << ":\n";
  cel = absl::StripTrailingAsciiWhitespace(cel);
  for (absl::string_view line : absl::StrSplit(cel, '\n')) {
    out << "  " << line << "\n";
  }
}

}  // namespace

void RenderPolicies(const Repeated<v1::Policy>& policies, std::ostream& out) {
  Table table(
      {"NAME", "SCOPE", "EFFECT", "ENFORCEMENT", "TRIGGERS", "REV", "OWNER"});
  for (const v1::Policy& p : policies) {
    table.AddRow({p.name(), p.scope(), EffectName(p.effect()),
                  EnforcementName(p.enforcement()),
                  absl::StrJoin(p.triggers(), ","), absl::StrCat(p.revision()),
                  StripTeam(p.owner())});
  }
  table.Print(out);
}

void RenderPolicy(const v1::Policy& p, std::ostream& out) {
  Details details;
  details.Add("Name", p.name());
  details.Add("Scope", p.scope());
  details.Add("Display name", p.display_name());
  details.Add("Description",
              std::string(absl::StripTrailingAsciiWhitespace(p.description())));
  details.Add("Triggers", absl::StrJoin(p.triggers(), ", "));
  details.Add("Effect", EffectName(p.effect()));
  details.Add("Enforcement", EnforcementName(p.enforcement()));
  details.Add("Message", p.message());
  details.Add("Owner", p.owner());
  details.Add("Waivable", !p.has_waivable() || p.waivable() ? "yes" : "no");
  details.Add("Labels", JoinLabels(p.labels()));
  details.Add("Revision", absl::StrCat(p.revision()));
  AddServerFields(p, &details);
  details.Print(out);
  PrintExpression("Condition", p.condition(), out);
  if (!p.message_expression().empty()) {
    PrintExpression("Message expression", p.message_expression(), out);
  }
}

void RenderPolicyRevisions(const Repeated<v1::PolicyRevision>& revisions,
                           std::ostream& out) {
  Table table(
      {"REVISION", "AUTHOR", "TIME", "EFFECT", "ENFORCEMENT", "CONDITION"});
  for (const v1::PolicyRevision& r : revisions) {
    table.AddRow({absl::StrCat(r.policy().revision()), r.author(),
                  FormatTimestamp(r.create_time()),
                  EffectName(r.policy().effect()),
                  EnforcementName(r.policy().enforcement()),
                  FirstLine(r.policy().condition(), 60)});
  }
  table.Print(out);
}

void RenderWaivers(const Repeated<v1::Waiver>& waivers, std::ostream& out) {
  Table table({"NAME", "RESOURCE", "EXPIRES", "CREATED BY", "REASON"});
  for (const v1::Waiver& w : waivers) {
    table.AddRow({w.name(), w.resource(), FormatTimestamp(w.expire_time()),
                  w.created_by(), FirstLine(w.reason(), 60)});
  }
  table.Print(out);
}

void RenderDecision(const v1::Decision& d, std::ostream& out) {
  std::string outcome(absl::StripPrefix(v1::DecisionOutcome_Name(d.outcome()),
                                        "DECISION_OUTCOME_"));
  out << "outcome: " << outcome;
  if (!d.decision_id().empty()) out << " (decision " << d.decision_id() << ")";
  out << "\n";
  for (const v1::PolicyViolation& v : d.violations()) {
    out << "  " << DescribeViolation(v) << "\n";
  }
  if (d.evaluated_size() > 0) {
    out << "\nEvaluated:\n";
    Table table({"POLICY", "REV", "RESULT", "WAIVER", "ERROR"});
    for (const v1::EvaluatedPolicy& e : d.evaluated()) {
      std::string result = e.violated()          ? "violated"
                           : !e.waiver().empty() ? "waived"
                                                 : "held";
      table.AddRow({e.policy(), absl::StrCat(e.revision()), result, e.waiver(),
                    e.error()});
    }
    table.Print(out);
  }
}

}  // namespace meshplane::cli
