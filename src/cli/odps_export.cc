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
#include <yaml-cpp/yaml.h>

#include "meshplane/contract/yaml.h"

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

namespace {

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

// ParseOdpsProduct joins purpose, limitations and usage into one
// description; this splits them again.
void PutDescription(YAML::Node& doc, const std::string& description) {
  if (description.empty()) return;
  std::string purpose = description;
  std::string limitations;
  std::string usage;
  size_t u = purpose.rfind("\n\nUsage: ");
  if (u != std::string::npos) {
    usage = purpose.substr(u + 9);
    purpose.resize(u);
  } else if (absl::StartsWith(purpose, "Usage: ")) {
    usage = purpose.substr(7);
    purpose.clear();
  }
  size_t l = purpose.rfind("\n\nLimitations: ");
  if (l != std::string::npos) {
    limitations = purpose.substr(l + 15);
    purpose.resize(l);
  } else if (absl::StartsWith(purpose, "Limitations: ")) {
    limitations = purpose.substr(13);
    purpose.clear();
  }
  YAML::Node d(YAML::NodeType::Map);
  if (!purpose.empty()) d["purpose"] = purpose;
  if (!limitations.empty()) d["limitations"] = limitations;
  if (!usage.empty()) d["usage"] = usage;
  doc["description"] = d;
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

// node[key], or a null node: yaml-cpp throws on asking a missing key's
// node anything but IsDefined.
YAML::Node Field(const YAML::Node& node, const char* key) {
  if (!node.IsMap()) return YAML::Node();
  YAML::Node value = node[key];
  return value.IsDefined() ? value : YAML::Node();
}

// The fields of `from` that `to` does not have yet, except `skip`.
void CarryOver(const YAML::Node& from, YAML::Node& to,
               const std::set<std::string>& skip) {
  if (!from.IsMap()) return;
  for (auto it = from.begin(); it != from.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string key = it->first.Scalar();
    if (skip.count(key) || !Field(to, key.c_str()).IsNull()) continue;
    to[key] = YAML::Clone(it->second);
  }
}

// The stored document as a YAML mapping; a null node when there is none or
// it does not parse as one.
YAML::Node LoadOriginal(const std::string& text) {
  // The document comes from the server, where any writer of the product
  // may have set it: the one reader's budgets go first, as for a file.
  if (text.empty() || !contract::CheckYamlBudgets(text).ok()) {
    return YAML::Node();
  }
  try {
    YAML::Node node = YAML::Load(text);
    if (node.IsMap()) return node;
  } catch (const YAML::Exception&) {
    // Unreadable: nothing to carry over.
  }
  return YAML::Node();
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
  const YAML::Node original = LoadOriginal(product.odps_document());

  YAML::Node doc(YAML::NodeType::Map);
  doc["apiVersion"] = kOdpsApiVersion;
  doc["kind"] = "DataProduct";
  // ODPS ids are usually UUIDs: the one the document came with, else the
  // product's own uid.
  std::string odps_id = label("odps-id");
  doc["id"] = odps_id.empty() ? product.uid() : odps_id;
  // The reader takes the product id from the slug of the name, or from an
  // `id` that is a Meshplane id when there is no name.
  if (!product.display_name().empty() &&
      Slugify(product.display_name()) == product_id) {
    doc["name"] = product.display_name();
  } else if (product.display_name().empty() && odps_id == product_id) {
    // No name: the id says it.
  } else {
    doc["name"] = product_id;
    if (!product.display_name().empty() &&
        product.display_name() != product_id) {
      out.dropped.push_back("spec.displayName");
    }
  }
  if (!label("odps-version").empty()) doc["version"] = label("odps-version");
  doc["status"] = OdpsStatus(product.lifecycle());
  doc["domain"] = domain;
  if (!label("odps-tenant").empty()) doc["tenant"] = label("odps-tenant");
  if (!product.archetype().empty()) {
    doc["type"] = OdpsTypeFromArchetype(product.archetype());
  }
  PutDescription(doc, product.description());
  if (Field(original, "description").IsMap()) {
    // Its links and custom properties.
    YAML::Node extra(YAML::NodeType::Map);
    CarryOver(Field(original, "description"), extra,
              {"purpose", "limitations", "usage"});
    if (extra.size() > 0) {
      if (!Field(doc, "description").IsMap()) {
        doc["description"] = YAML::Node(YAML::NodeType::Map);
      }
      YAML::Node description = doc["description"];
      for (auto it = extra.begin(); it != extra.end(); ++it) {
        description[it->first.Scalar()] = it->second;
      }
    }
  }
  if (!product.tags().empty()) {
    YAML::Node tags(YAML::NodeType::Sequence);
    for (const std::string& t : product.tags()) tags.push_back(t);
    doc["tags"] = tags;
  }

  if (!product.input_ports().empty()) {
    YAML::Node inputs(YAML::NodeType::Sequence);
    for (int i = 0; i < product.input_ports_size(); ++i) {
      const v1::InputPort& in = product.input_ports(i);
      auto it = source_contracts.find(in.source());
      if (it == source_contracts.end() || it->second.empty()) {
        out.dropped.push_back(
            absl::StrCat("spec.inputPorts[", i, "] (", in.id(),
                         "): its source promises no contract"));
        continue;
      }
      YAML::Node port(YAML::NodeType::Map);
      port["name"] = in.id();
      port["contractId"] = it->second;
      if (in.deprecated()) port["deprecated"] = true;
      inputs.push_back(port);
    }
    if (inputs.size() > 0) doc["inputPorts"] = inputs;
  }

  // The original's ports by the id the reader gave them, to carry over what
  // Meshplane does not model.
  std::map<std::string, YAML::Node> original_ports;
  if (Field(original, "outputPorts").IsSequence()) {
    // Same ids as the reader: the slug of the name, made unique by version.
    YAML::Node ports = Field(original, "outputPorts");
    std::map<std::string, int> count;
    for (size_t i = 0; i < ports.size(); ++i) {
      if (Field(ports[i], "name").IsScalar()) {
        ++count[Slugify(Field(ports[i], "name").Scalar())];
      }
    }
    for (size_t i = 0; i < ports.size(); ++i) {
      if (!Field(ports[i], "name").IsScalar()) continue;
      std::string id = Slugify(Field(ports[i], "name").Scalar());
      if (count[id] > 1 && Field(ports[i], "version").IsScalar()) {
        std::string bare(absl::StripPrefix(
            absl::StripPrefix(Field(ports[i], "version").Scalar(), "v"), "V"));
        id = absl::StrCat(id, "-v", Slugify(absl::StrCat("v", bare)).substr(1));
      }
      original_ports.emplace(id, ports[i]);
    }
  }
  if (!product.output_ports().empty()) {
    YAML::Node outputs(YAML::NodeType::Sequence);
    for (int i = 0; i < product.output_ports_size(); ++i) {
      const v1::OutputPort& o = product.output_ports(i);
      std::string path = absl::StrCat("spec.outputPorts[", i, "]");
      YAML::Node port(YAML::NodeType::Map);
      std::string port_name;
      std::string version;
      bool display_name_kept = true;
      PortNameAndVersion(o, &port_name, &version, &display_name_kept);
      if (!display_name_kept) out.dropped.push_back(path + ".displayName");
      port["name"] = port_name;
      if (!o.description().empty()) port["description"] = o.description();
      if (!o.type().empty()) port["type"] = o.type();
      if (!version.empty()) port["version"] = version;
      if (!o.contract().empty()) port["contractId"] = o.contract();
      if (o.deprecated()) port["deprecated"] = true;
      if (!o.server().empty()) out.dropped.push_back(path + ".server");
      if (!o.location().empty()) out.dropped.push_back(path + ".location");
      if (o.has_objectives()) out.dropped.push_back(path + ".objectives");
      auto it = original_ports.find(o.id());
      if (it != original_ports.end()) {
        CarryOver(it->second, port,
                  {"name", "description", "type", "version", "contractId",
                   "deprecated"});
      }
      outputs.push_back(port);
    }
    doc["outputPorts"] = outputs;
  }

  YAML::Node team(YAML::NodeType::Map);
  team["name"] = LastSegment(product.owner_team());
  if (Field(original, "team").IsMap()) {
    CarryOver(Field(original, "team"), team, {"name"});
  }
  doc["team"] = team;
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

  YAML::Emitter emitter;
  emitter << doc;
  out.text = absl::StrCat(emitter.c_str(), "\n");
  return out;
}

}  // namespace meshplane::cli
