#include "cli/odps_export.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/descriptor.h"
#include "cli/util.h"
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/util/field_mask_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "meshplane/contract/yaml.h"
#include "meshplane/contract/yaml_writer.h"

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

namespace {

using contract::YamlEntry;
using contract::YamlNode;
using contract::YamlValue;

constexpr char kOdpsApiVersion[] = "v1.1.0";

// The labels an ODPS document sets (see ParseOdpsProduct); the others have
// no place in ODPS.
bool IsOdpsLabel(const std::string& key) {
  return key == "odps-id" || key == "odps-version" || key == "odps-tenant";
}

v1::DataProduct Comparable(v1::DataProduct p,
                           const std::vector<std::string>& paths) {
  for (auto& port : *p.mutable_output_ports()) {
    port.clear_name();
    port.clear_service_level_status();
  }
  std::sort(p.mutable_tags()->begin(), p.mutable_tags()->end());
  google::protobuf::FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  google::protobuf::util::FieldMaskUtil::TrimMessage(mask, &p);
  return p;
}

const char* OdpsStatus(v1::Lifecycle l) {
  switch (l) {
    case v1::LIFECYCLE_PUBLISHED:
      return "active";
    case v1::LIFECYCLE_DEPRECATED:
      return "deprecated";
    case v1::LIFECYCLE_RETIRED:
      return "retired";
    default:
      return "draft";
  }
}

// Cuts the last section "<label>: ..." off `text`: the one after a blank
// line, or the whole text when it starts with the label. Returns the
// section's text; "" (and `text` unchanged) when there is none.
std::string CutSection(std::string* text, const std::string& label) {
  const std::string lead = label + ": ";
  size_t at = text->rfind("\n\n" + lead);
  if (at != std::string::npos) {
    std::string section = text->substr(at + 2 + lead.size());
    text->resize(at);
    return section;
  }
  if (absl::StartsWith(*text, lead)) {
    std::string section = text->substr(lead.size());
    text->clear();
    return section;
  }
  return "";
}

// ParseOdpsProduct joins purpose, limitations and usage into one
// description; this splits them again.
void PutDescription(YamlValue& doc, const std::string& description) {
  if (description.empty()) return;
  std::string purpose = description;
  std::string usage = CutSection(&purpose, "Usage");
  std::string limitations = CutSection(&purpose, "Limitations");
  YamlValue d = YamlValue::Mapping();
  if (!purpose.empty()) d.Set("purpose", YamlValue::String(purpose));
  if (!limitations.empty()) {
    d.Set("limitations", YamlValue::String(limitations));
  }
  if (!usage.empty()) d.Set("usage", YamlValue::String(usage));
  doc.Set("description", std::move(d));
}

// The ODPS name and version of an output port: ParseOdpsProduct made its
// display name "name version" and its id the slug of the name (plus
// -v<version> when two ports share a name); a port that did not come from
// ODPS has its id for a name.
void PortNameAndVersion(const v1::OutputPort& port, std::string* name,
                        std::string* version, bool* display_name_kept) {
  const std::string& display = port.display_name();
  *display_name_kept = true;
  size_t space = display.rfind(' ');
  if (space != std::string::npos) {
    std::string n = display.substr(0, space);
    std::string v = display.substr(space + 1);
    std::string slug = Slugify(n);
    std::string bare(absl::StripPrefix(absl::StripPrefix(v, "v"), "V"));
    std::string versioned =
        absl::StrCat(slug, "-v", Slugify(absl::StrCat("v", bare)).substr(1));
    if (!slug.empty() && (slug == port.id() || versioned == port.id())) {
      *name = n;
      *version = v;
      return;
    }
  }
  if (!display.empty() && Slugify(display) == port.id()) {
    *name = display;
    return;
  }
  *name = port.id();
  *display_name_kept = display.empty() || display == port.id();
}

// node[key]; an undefined node when `node` is not a mapping or lacks it.
YamlNode Field(YamlNode node, const char* key) { return node.Find(key); }

// The fields of `from` that `to` does not have yet (or has as null), except
// `skip`.
void CarryOver(YamlNode from, YamlValue& to,
               const std::set<std::string>& skip) {
  for (const YamlEntry& it : from.entries()) {
    if (!it.first.IsScalar()) continue;
    const std::string key(it.first.Scalar());
    const YamlValue* present = to.Find(key);
    if (skip.count(key) || (present != nullptr && !present->IsNull())) {
      continue;
    }
    to.Set(key, YamlValue::Of(it.second));
  }
}

// The stored document, read with the one YAML reader and its budgets (it
// comes from the server, where any writer of the product may have set it);
// no document when there is none or it does not read.
absl::StatusOr<contract::YamlStream> LoadOriginal(const std::string& text) {
  if (text.empty()) {
    return absl::NotFoundError("no ODPS document");
  }
  return contract::ReadYaml(text);
}

}  // namespace

bool OdpsDocumentCurrent(const v1::DataProduct& product) {
  if (product.odps_document().empty()) return false;
  const std::string& name = product.name();
  DescriptorDefaults defaults;
  defaults.domain = LastSegment(name.substr(0, name.find("/dataProducts/")));
  defaults.owner_team = LastSegment(product.owner_team());
  ParseResult parsed =
      ParseDescriptors(product.odps_document(), "odps_document", defaults);
  if (!parsed.errors.empty() || parsed.descriptors.size() != 1) return false;
  const Descriptor& d = parsed.descriptors[0];
  if (d.format != DescriptorFormat::kOdps ||
      d.data_product.name() != product.name()) {
    return false;
  }
  std::vector<std::string> paths;
  for (const std::string& p : d.update_mask) {
    if (p != "input_ports") paths.push_back(p);
  }
  if (!google::protobuf::util::MessageDifferencer::Equivalent(
          Comparable(product, paths), Comparable(d.data_product, paths))) {
    return false;
  }
  if (d.lifecycle != v1::LIFECYCLE_UNSPECIFIED &&
      d.lifecycle != product.lifecycle()) {
    return false;
  }
  // Apply leaves out an input port whose contract no output port promises,
  // so the product may have fewer than the document.
  for (const v1::InputPort& in : product.input_ports()) {
    bool found = false;
    for (const ContractInput& c : d.contract_inputs) {
      if (c.port_id == in.id() && c.deprecated == in.deprecated()) {
        found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

OdpsExport ExportOdps(
    const v1::DataProduct& product,
    const std::map<std::string, std::string>& source_contracts) {
  OdpsExport out;
  const std::string& name = product.name();
  const std::string product_id = LastSegment(name);
  const std::string domain =
      LastSegment(name.substr(0, name.find("/dataProducts/")));
  auto label = [&](const char* key) -> std::string {
    auto it = product.labels().find(key);
    return it == product.labels().end() ? "" : it->second;
  };
  // Unreadable or not a mapping: nothing to carry over.
  const absl::StatusOr<contract::YamlStream> stored =
      LoadOriginal(product.odps_document());
  YamlNode original;
  if (stored.ok() && (*stored)[0].IsMap()) original = (*stored)[0];

  YamlValue doc = YamlValue::Mapping();
  doc.Set("apiVersion", YamlValue::String(kOdpsApiVersion));
  doc.Set("kind", YamlValue::String("DataProduct"));
  // ODPS ids are usually UUIDs: the one the document came with, else the
  // product's own uid.
  std::string odps_id = label("odps-id");
  doc.Set("id", YamlValue::String(odps_id.empty() ? product.uid() : odps_id));
  // The reader takes the product id from the slug of the name, or from an
  // `id` that is a Meshplane id when there is no name.
  if (!product.display_name().empty() &&
      Slugify(product.display_name()) == product_id) {
    doc.Set("name", YamlValue::String(product.display_name()));
  } else if (product.display_name().empty() && odps_id == product_id) {
    // No name: the id says it.
  } else {
    doc.Set("name", YamlValue::String(product_id));
    if (!product.display_name().empty() &&
        product.display_name() != product_id) {
      out.dropped.push_back("spec.displayName");
    }
  }
  if (!label("odps-version").empty()) {
    doc.Set("version", YamlValue::String(label("odps-version")));
  }
  doc.Set("status", YamlValue::String(OdpsStatus(product.lifecycle())));
  doc.Set("domain", YamlValue::String(domain));
  if (!label("odps-tenant").empty()) {
    doc.Set("tenant", YamlValue::String(label("odps-tenant")));
  }
  if (!product.archetype().empty()) {
    doc.Set("type",
            YamlValue::String(OdpsTypeFromArchetype(product.archetype())));
  }
  PutDescription(doc, product.description());
  if (Field(original, "description").IsMap()) {
    // Its links and custom properties.
    const std::set<std::string> told = {"purpose", "limitations", "usage"};
    YamlValue extra = YamlValue::Mapping();
    CarryOver(Field(original, "description"), extra, told);
    if (extra.size() > 0) {
      YamlValue* description = doc.Find("description");
      if (description == nullptr || !description->IsMap()) {
        doc.Set("description", YamlValue::Mapping());
        description = doc.Find("description");
      }
      // The description holds only the fields skipped here, so this adds
      // exactly `extra`, in its order.
      CarryOver(Field(original, "description"), *description, told);
    }
  }
  if (!product.tags().empty()) {
    YamlValue tags = YamlValue::Sequence();
    for (const std::string& t : product.tags()) {
      tags.Append(YamlValue::String(t));
    }
    doc.Set("tags", std::move(tags));
  }

  if (!product.input_ports().empty()) {
    YamlValue inputs = YamlValue::Sequence();
    for (int i = 0; i < product.input_ports_size(); ++i) {
      const v1::InputPort& in = product.input_ports(i);
      auto it = source_contracts.find(in.source());
      if (it == source_contracts.end() || it->second.empty()) {
        out.dropped.push_back(
            absl::StrCat("spec.inputPorts[", i, "] (", in.id(),
                         "): its source promises no contract"));
        continue;
      }
      YamlValue port = YamlValue::Mapping();
      port.Set("name", YamlValue::String(in.id()));
      port.Set("contractId", YamlValue::String(it->second));
      if (in.deprecated()) port.Set("deprecated", YamlValue::String("true"));
      inputs.Append(std::move(port));
    }
    if (inputs.size() > 0) doc.Set("inputPorts", std::move(inputs));
  }

  // The original's ports by the id the reader gave them, to carry over what
  // Meshplane does not model.
  std::map<std::string, YamlNode> original_ports;
  if (Field(original, "outputPorts").IsSequence()) {
    // Same ids as the reader: the slug of the name, made unique by version.
    YamlNode ports = Field(original, "outputPorts");
    std::map<std::string, int> count;
    for (size_t i = 0; i < ports.size(); ++i) {
      if (Field(ports[i], "name").IsScalar()) {
        ++count[Slugify(std::string(Field(ports[i], "name").Scalar()))];
      }
    }
    for (size_t i = 0; i < ports.size(); ++i) {
      if (!Field(ports[i], "name").IsScalar()) continue;
      std::string id = Slugify(std::string(Field(ports[i], "name").Scalar()));
      if (count[id] > 1 && Field(ports[i], "version").IsScalar()) {
        std::string bare(absl::StripPrefix(
            absl::StripPrefix(Field(ports[i], "version").Scalar(), "v"), "V"));
        id = absl::StrCat(id, "-v", Slugify(absl::StrCat("v", bare)).substr(1));
      }
      original_ports.emplace(id, ports[i]);
    }
  }
  if (!product.output_ports().empty()) {
    YamlValue outputs = YamlValue::Sequence();
    for (int i = 0; i < product.output_ports_size(); ++i) {
      const v1::OutputPort& o = product.output_ports(i);
      std::string path = absl::StrCat("spec.outputPorts[", i, "]");
      YamlValue port = YamlValue::Mapping();
      std::string port_name;
      std::string version;
      bool display_name_kept = true;
      PortNameAndVersion(o, &port_name, &version, &display_name_kept);
      if (!display_name_kept) out.dropped.push_back(path + ".displayName");
      port.Set("name", YamlValue::String(port_name));
      if (!o.description().empty()) {
        port.Set("description", YamlValue::String(o.description()));
      }
      if (!o.type().empty()) port.Set("type", YamlValue::String(o.type()));
      if (!version.empty()) port.Set("version", YamlValue::String(version));
      if (!o.contract().empty()) {
        port.Set("contractId", YamlValue::String(o.contract()));
      }
      if (o.deprecated()) port.Set("deprecated", YamlValue::String("true"));
      if (!o.server().empty()) out.dropped.push_back(path + ".server");
      if (!o.location().empty()) out.dropped.push_back(path + ".location");
      if (o.has_objectives()) out.dropped.push_back(path + ".objectives");
      auto it = original_ports.find(o.id());
      if (it != original_ports.end()) {
        CarryOver(it->second, port,
                  {"name", "description", "type", "version", "contractId",
                   "deprecated"});
      }
      outputs.Append(std::move(port));
    }
    doc.Set("outputPorts", std::move(outputs));
  }

  YamlValue team = YamlValue::Mapping();
  team.Set("name", YamlValue::String(LastSegment(product.owner_team())));
  if (Field(original, "team").IsMap()) {
    CarryOver(Field(original, "team"), team, {"name"});
  }
  doc.Set("team", std::move(team));
  if (original.IsMap()) {
    // What ODPS has and Meshplane does not model, from the stored document.
    CarryOver(original, doc,
              {"apiVersion", "kind", "id", "name", "version", "status",
               "domain", "tenant", "type", "deprecated", "description", "tags",
               "inputPorts", "outputPorts", "team"});
  }

  if (product.tier() != 0) out.dropped.push_back("spec.tier");
  if (product.classification() != v1::CLASSIFICATION_UNSPECIFIED) {
    out.dropped.push_back("spec.classification");
  }
  for (const auto& [key, value] : product.labels()) {
    if (!IsOdpsLabel(key)) {
      out.dropped.push_back(absl::StrCat("metadata.labels.", key));
    }
  }
  if (product.has_sunset_time()) out.dropped.push_back("status.sunsetTime");

  out.text = absl::StrCat(contract::WriteYaml(doc), "\n");
  return out;
}

}  // namespace meshplane::cli
