#include "cli/render.h"

#include <map>

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
  details.Add("UID", d.uid());
  details.Add("Created", FormatTimestamp(d.create_time()));
  details.Add("Updated", FormatTimestamp(d.update_time()));
  details.Add("Etag", d.etag());
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
  details.Add("UID", t.uid());
  details.Add("Created", FormatTimestamp(t.create_time()));
  details.Add("Updated", FormatTimestamp(t.update_time()));
  details.Add("Etag", t.etag());
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
  details.Add("UID", p.uid());
  details.Add("Created", FormatTimestamp(p.create_time()));
  details.Add("Updated", FormatTimestamp(p.update_time()));
  details.Add("Etag", p.etag());
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
