// The Open Data Product Standard (bitol-io/open-data-product-standard,
// ODPS v0.9.0 / v1.0.0 / v1.1.0, kind DataProduct), checked against the
// fields of its JSON Schema and read into a DataProduct. docs/descriptors.md
// says how its fields map onto Meshplane's.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "cli/descriptor_reader.h"

namespace meshplane::cli {

namespace {

using descriptor_internal::Reader;
namespace v1 = ::meshplane::v1;

// ---------------------------------------------------------------------------
// ODPS (bitol-io/open-data-product-standard), checked against the fields of
// its JSON Schema (every object there has additionalProperties: false).

enum class FieldType {
  kString,
  kBool,
  kAny,
  kStringList,
  kObject,
  kObjectList
};

struct FieldSchema {
  const char* name;
  FieldType type;
  const char* object = nullptr;  // for kObject / kObjectList
};

struct ObjectSchema {
  std::vector<FieldSchema> fields;
  std::vector<std::string> required;
};

// `fields`, then the three that most ODPS objects end with: tags,
// customProperties and authoritativeDefinitions.
std::vector<FieldSchema> WithExtensions(std::vector<FieldSchema> fields) {
  fields.push_back({"tags", FieldType::kStringList});
  fields.push_back(
      {"customProperties", FieldType::kObjectList, "CustomProperty"});
  fields.push_back({"authoritativeDefinitions", FieldType::kObjectList,
                    "AuthoritativeDefinition"});
  return fields;
}

// The objects of ODPS v1.0.0 (v0.9.0 documents are read with them too: the
// official v1.0.0 examples still say `apiVersion: v0.9.0`).
std::map<std::string, ObjectSchema> OdpsSchemaV10() {
  using F = FieldType;
  return std::map<std::string, ObjectSchema>{
      {"DataProduct",
       {{{"apiVersion", F::kString},
         {"kind", F::kString},
         {"id", F::kString},
         {"name", F::kString},
         {"version", F::kString},
         {"status", F::kString},
         {"domain", F::kString},
         {"tenant", F::kString},
         {"authoritativeDefinitions", F::kObjectList,
          "AuthoritativeDefinition"},
         {"description", F::kObject, "Description"},
         {"customProperties", F::kObjectList, "CustomProperty"},
         {"tags", F::kStringList},
         {"inputPorts", F::kObjectList, "InputPort"},
         {"outputPorts", F::kObjectList, "OutputPort"},
         {"managementPorts", F::kObjectList, "ManagementPort"},
         {"support", F::kObjectList, "Support"},
         {"team", F::kObject, "Team"},
         {"productCreatedTs", F::kString}},
        {"apiVersion", "kind", "id", "status"}}},
      {"Description",
       {{{"purpose", F::kString},
         {"limitations", F::kString},
         {"usage", F::kString},
         {"authoritativeDefinitions", F::kObjectList,
          "AuthoritativeDefinition"},
         {"customProperties", F::kObjectList, "CustomProperty"}},
        {}}},
      {"CustomProperty",
       {{{"property", F::kString},
         {"value", F::kAny},
         {"description", F::kString}},
        {"property", "value"}}},
      {"AuthoritativeDefinition",
       {{{"type", F::kString},
         {"url", F::kString},
         {"description", F::kString}},
        {"type", "url"}}},
      {"InputPort",
       {WithExtensions({
            {"name", F::kString},
            {"version", F::kString},
            {"contractId", F::kString},
        }),
        {"name", "version", "contractId"}}},
      {"OutputPort",
       {WithExtensions({
            {"name", F::kString},
            {"description", F::kString},
            {"type", F::kString},
            {"version", F::kString},
            {"contractId", F::kString},
            {"sbom", F::kObjectList, "SBOM"},
            {"inputContracts", F::kObjectList, "InputContract"},
        }),
        {"name", "version"}}},
      {"SBOM", {{{"type", F::kString}, {"url", F::kString}}, {"url"}}},
      {"InputContract",
       {{{"id", F::kString}, {"version", F::kString}}, {"id", "version"}}},
      {"ManagementPort",
       {WithExtensions({
            {"name", F::kString},
            {"content", F::kString},
            {"type", F::kString},
            {"url", F::kString},
            {"channel", F::kString},
            {"description", F::kString},
        }),
        {"name", "content"}}},
      {"Support",
       {WithExtensions({
            {"channel", F::kString},
            {"url", F::kString},
            {"description", F::kString},
            {"tool", F::kString},
            {"scope", F::kString},
            {"invitationUrl", F::kString},
        }),
        {"channel", "url"}}},
      {"Team",
       {WithExtensions({
            {"name", F::kString},
            {"description", F::kString},
            {"members", F::kObjectList, "TeamMember"},
        }),
        {}}},
      {"TeamMember",
       {WithExtensions({
            {"username", F::kString},
            {"name", F::kString},
            {"description", F::kString},
            {"role", F::kString},
            {"dateIn", F::kString},
            {"dateOut", F::kString},
            {"replacedByUsername", F::kString},
        }),
        {"username"}}},
  };
}

// ODPS v1.1.0 on top of v1.0.0: `deprecated`, `type`, `synonyms` and
// `context` (RFC-0028, RFC-0038, RFC-0041), an `id` on every element meant
// to be referenced, and fewer required fields (`status`, a port's `version`
// and `contractId`, an SBOM's `url`).
std::map<std::string, ObjectSchema> OdpsSchemaV11() {
  using F = FieldType;
  std::map<std::string, ObjectSchema> s = OdpsSchemaV10();
  auto add = [&](const char* object, std::vector<FieldSchema> fields) {
    for (FieldSchema& f : fields) s[object].fields.push_back(f);
  };
  const FieldSchema id = {"id", F::kString};
  const FieldSchema deprecated = {"deprecated", F::kBool};
  add("DataProduct", {deprecated,
                      {"synonyms", F::kObjectList, "Synonym"},
                      {"type", F::kString},
                      {"context", F::kObject, "Context"}});
  s["DataProduct"].required = {"apiVersion", "kind", "id"};
  for (const char* object : {"CustomProperty", "AuthoritativeDefinition",
                             "SBOM", "Support", "TeamMember"}) {
    add(object, {id});
  }
  add("InputPort", {deprecated, id});
  s["InputPort"].required = {"name"};
  add("OutputPort", {deprecated,
                     id,
                     {"synonyms", F::kObjectList, "Synonym"},
                     {"context", F::kObject, "Context"}});
  s["OutputPort"].required = {"name"};
  s["SBOM"].required = {};
  add("ManagementPort", {deprecated, id});
  s["Synonym"] = {{id,
                   {"synonym", F::kString},
                   {"description", F::kString},
                   {"locale", F::kString},
                   {"source", F::kString},
                   {"status", F::kString},
                   {"customProperties", F::kObjectList, "CustomProperty"}},
                  {"synonym"}};
  s["Context"] = {{{"instructions", F::kString},
                   {"verifiedStatements", F::kObjectList, "VerifiedStatement"},
                   {"constraints", F::kObjectList, "ContextConstraint"}},
                  {}};
  s["VerifiedStatement"] = {
      {id,
       {"question", F::kString},
       {"answer", F::kString},
       {"authoritativeDefinitions", F::kObjectList, "AuthoritativeDefinition"},
       {"tags", F::kStringList},
       {"customProperties", F::kObjectList, "CustomProperty"}},
      {"question"}};
  s["ContextConstraint"] = {
      {id,
       {"constraint", F::kString},
       {"authoritativeDefinitions", F::kObjectList, "AuthoritativeDefinition"},
       {"tags", F::kStringList},
       {"customProperties", F::kObjectList, "CustomProperty"}},
      {"constraint"}};
  return s;
}

const std::map<std::string, ObjectSchema>& OdpsSchema(OdpsVersion version) {
  static const auto* const v10 =
      new std::map<std::string, ObjectSchema>(OdpsSchemaV10());
  static const auto* const v11 =
      new std::map<std::string, ObjectSchema>(OdpsSchemaV11());
  return version == OdpsVersion::kV1_1 ? *v11 : *v10;
}

}  // namespace

std::map<std::string, OdpsObjectSchema> OdpsReaderSchema(OdpsVersion version) {
  std::map<std::string, OdpsObjectSchema> out;
  for (const auto& [name, object] : OdpsSchema(version)) {
    OdpsObjectSchema& o = out[name];
    o.required = object.required;
    for (const FieldSchema& f : object.fields) {
      switch (f.type) {
        case FieldType::kString:
          o.fields[f.name] = "string";
          break;
        case FieldType::kBool:
          o.fields[f.name] = "boolean";
          break;
        case FieldType::kAny:
          o.fields[f.name] = "any";
          break;
        case FieldType::kStringList:
          o.fields[f.name] = "array:string";
          break;
        case FieldType::kObject:
          o.fields[f.name] = absl::StrCat("object:", f.object);
          break;
        case FieldType::kObjectList:
          o.fields[f.name] = absl::StrCat("array:", f.object);
          break;
      }
    }
  }
  return out;
}

std::string ArchetypeFromOdps(absl::string_view type) {
  std::string out;
  bool pending_hyphen = false;
  for (size_t i = 0; i < type.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(type[i]);
    if (!std::isalnum(c)) {
      pending_hyphen = true;
      continue;
    }
    bool word_start = std::isupper(c) && i > 0 &&
                      (std::islower(static_cast<unsigned char>(type[i - 1])) ||
                       std::isdigit(static_cast<unsigned char>(type[i - 1])));
    if ((pending_hyphen || word_start) && !out.empty()) out.push_back('-');
    pending_hyphen = false;
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

std::string OdpsTypeFromArchetype(absl::string_view archetype) {
  std::string out;
  bool upper = false;
  for (char c : archetype) {
    if (c == '-') {
      upper = true;
      continue;
    }
    out.push_back(
        upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
              : c);
    upper = false;
  }
  return out;
}

}  // namespace meshplane::cli

namespace meshplane::cli::descriptor_internal {

namespace {

void CheckOdpsObject(Reader& r, const YamlNode& node, const std::string& path,
                     const std::string& type, OdpsVersion version) {
  const ObjectSchema& schema = OdpsSchema(version).at(type);
  std::vector<std::string> allowed;
  for (const FieldSchema& f : schema.fields) {
    allowed.push_back(f.name);
  }
  if (!r.CheckMap(node, path, allowed)) {
    return;
  }
  for (const std::string& key : schema.required) {
    r.Require(node, path, key);
  }
  for (const FieldSchema& f : schema.fields) {
    YamlNode value = node[f.name];
    if (!Reader::Present(value)) {
      continue;
    }
    std::string fpath = Join(path, f.name);
    switch (f.type) {
      case FieldType::kAny:
        break;
      case FieldType::kBool:
        if (!value.IsScalar() ||
            (value.Scalar() != "true" && value.Scalar() != "false")) {
          r.Error(value, fpath, "expected true or false");
        }
        break;
      case FieldType::kString:
        if (!value.IsScalar()) {
          r.Error(value, fpath, "expected a string");
        }
        break;
      case FieldType::kStringList:
        if (!value.IsSequence()) {
          r.Error(value, fpath, "expected a list of strings");
          break;
        }
        for (size_t i = 0; i < value.size(); ++i) {
          if (!value[i].IsScalar()) {
            r.Error(value[i], Index(fpath, i), "expected a string");
          }
        }
        break;
      case FieldType::kObject:
        CheckOdpsObject(r, value, fpath, f.object, version);
        break;
      case FieldType::kObjectList:
        if (!value.IsSequence()) {
          r.Error(value, fpath, "expected a list");
          break;
        }
        for (size_t i = 0; i < value.size(); ++i) {
          CheckOdpsObject(r, value[i], Index(fpath, i), f.object, version);
        }
        break;
    }
  }
}

std::string ScalarOr(const YamlNode& map, const char* key) {
  YamlNode node = map[key];
  if (Reader::Present(node) && node.IsScalar()) {
    return std::string(node.Scalar());
  }
  return "";
}

// Port ids from ODPS names: the name alone while it is unique among the
// product's ports of that kind, else name-v<version> (ODPS keys ports by
// name and version).
std::vector<std::string> OdpsPortIds(const YamlNode& ports) {
  std::map<std::string, int> count;
  for (size_t i = 0; i < ports.size(); ++i) {
    ++count[Slugify(ScalarOr(ports[i], "name"))];
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < ports.size(); ++i) {
    std::string id = Slugify(ScalarOr(ports[i], "name"));
    if (count[id] > 1) {
      std::string version(absl::StripPrefix(
          absl::StripPrefix(ScalarOr(ports[i], "version"), "v"), "V"));
      id =
          absl::StrCat(id, "-v", Slugify(absl::StrCat("v", version)).substr(1));
    }
    ids.push_back(id);
  }
  return ids;
}

bool OdpsTrue(const YamlNode& map, const char* key) {
  return ScalarOr(map, key) == "true";
}

}  // namespace

void ParseOdpsProduct(Reader& r, const YamlNode& doc,
                      const DescriptorDefaults& defaults, OdpsVersion version,
                      Descriptor* d) {
  d->kind = DescriptorKind::kDataProduct;
  d->format = DescriptorFormat::kOdps;
  int before = r.error_count();
  CheckOdpsObject(r, doc, "", "DataProduct", version);
  if (r.error_count() > before) {
    return;
  }
  v1::DataProduct& p = d->data_product;

  // The product id: ODPS `id` is typically a UUID, which is not a Meshplane
  // id; the name, slugified, is. The ODPS id is kept as a label.
  std::string odps_id = ScalarOr(doc, "id");
  std::string name = ScalarOr(doc, "name");
  if (!name.empty()) {
    d->id = Slugify(name);
  } else if (IsValidId(odps_id)) {
    d->id = odps_id;
  }
  if (!IsValidId(d->id)) {
    r.Error(doc[name.empty() ? "id" : "name"], name.empty() ? "id" : "name",
            "cannot derive a Meshplane id (give the product a name with "
            "letters)");
    return;
  }
  std::string domain = Slugify(ScalarOr(doc, "domain"));
  if (domain.empty()) {
    domain = defaults.domain;
  }
  if (domain.empty()) {
    r.Error(doc, "domain",
            "required field is missing (ODPS leaves it optional; Meshplane "
            "needs it, or pass --domain)");
    return;
  }
  p.set_name(absl::StrCat(DomainName(domain), "/dataProducts/", d->id));
  p.set_display_name(name);

  YamlNode description = doc["description"];
  if (Reader::Present(description)) {
    std::vector<std::string> parts;
    std::string purpose = ScalarOr(description, "purpose");
    if (!purpose.empty()) parts.push_back(purpose);
    std::string limitations = ScalarOr(description, "limitations");
    if (!limitations.empty()) {
      parts.push_back(absl::StrCat("Limitations: ", limitations));
    }
    std::string usage = ScalarOr(description, "usage");
    if (!usage.empty()) parts.push_back(absl::StrCat("Usage: ", usage));
    p.set_description(absl::StrJoin(parts, "\n\n"));
  }

  YamlNode team = doc["team"];
  std::string team_name =
      Reader::Present(team) ? Slugify(ScalarOr(team, "name")) : "";
  if (!team_name.empty()) {
    p.set_owner_team(TeamName(team_name));
  } else if (!defaults.owner_team.empty()) {
    p.set_owner_team(TeamName(defaults.owner_team));
  } else {
    r.Error(Reader::Present(team) ? team : doc, "team.name",
            "required field is missing (Meshplane needs an owning team, or "
            "pass --owner-team)");
    return;
  }

  std::string status = ScalarOr(doc, "status");
  std::string lower = absl::AsciiStrToLower(status);
  if (lower.empty()) {
    // v1.1.0 made `status` optional (v1.0.0 requires it, checked above):
    // absent, the product's lifecycle is left as it is.
  } else if (lower == "proposed" || lower == "draft") {
    d->lifecycle = v1::LIFECYCLE_DRAFT;
  } else if (lower == "active") {
    d->lifecycle = v1::LIFECYCLE_PUBLISHED;
  } else if (lower == "deprecated") {
    d->lifecycle = v1::LIFECYCLE_DEPRECATED;
  } else if (lower == "retired") {
    d->lifecycle = v1::LIFECYCLE_RETIRED;
  } else {
    r.Error(doc["status"], "status",
            absl::StrCat("\"", status,
                         "\" is not a status Meshplane knows (proposed, "
                         "draft, active, deprecated, retired)"));
    return;
  }
  // v1.1.0 `deprecated: true` says what `status: deprecated` says; a product
  // already retired stays retired.
  if (OdpsTrue(doc, "deprecated") && d->lifecycle != v1::LIFECYCLE_RETIRED) {
    d->lifecycle = v1::LIFECYCLE_DEPRECATED;
  }

  std::string type = ScalarOr(doc, "type");
  if (!type.empty()) {
    std::string archetype = ArchetypeFromOdps(type);
    if (!IsValidId(archetype)) {
      r.Error(doc["type"], "type",
              absl::StrCat("\"", type,
                           "\" is not a product type Meshplane can keep "
                           "(sourceAligned, aggregate, consumerAligned, or a "
                           "name of letters and digits)"));
      return;
    }
    p.set_archetype(archetype);
  }

  std::set<std::string> tags;
  YamlNode tag_list = doc["tags"];
  if (Reader::Present(tag_list)) {
    for (size_t i = 0; i < tag_list.size(); ++i) {
      std::string tag = Slugify(tag_list[i].Scalar());
      if (!tag.empty()) tags.insert(tag);
    }
  }
  for (const std::string& t : tags) {
    p.add_tags(t);
  }

  (*p.mutable_labels())["odps-id"] = odps_id;
  std::string product_version = ScalarOr(doc, "version");
  if (!product_version.empty()) {
    (*p.mutable_labels())["odps-version"] = product_version;
  }
  std::string tenant = ScalarOr(doc, "tenant");
  if (!tenant.empty()) (*p.mutable_labels())["odps-tenant"] = tenant;

  YamlNode outputs = doc["outputPorts"];
  if (Reader::Present(outputs)) {
    std::vector<std::string> ids = OdpsPortIds(outputs);
    for (size_t i = 0; i < outputs.size(); ++i) {
      const YamlNode& o = outputs[i];
      if (!IsValidId(ids[i])) {
        r.Error(o["name"], Join(Index("outputPorts", i), "name"),
                "cannot derive a port id from this name");
        continue;
      }
      v1::OutputPort* port = p.add_output_ports();
      port->set_id(ids[i]);
      std::string port_version = ScalarOr(o, "version");
      port->set_display_name(
          port_version.empty()
              ? ScalarOr(o, "name")
              : absl::StrCat(ScalarOr(o, "name"), " ", port_version));
      port->set_type(ScalarOr(o, "type"));
      port->set_description(ScalarOr(o, "description"));
      port->set_contract(ScalarOr(o, "contractId"));
      port->set_deprecated(OdpsTrue(o, "deprecated"));
    }
  }
  YamlNode inputs = doc["inputPorts"];
  if (Reader::Present(inputs)) {
    std::vector<std::string> ids = OdpsPortIds(inputs);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!IsValidId(ids[i])) {
        r.Error(inputs[i]["name"], Join(Index("inputPorts", i), "name"),
                "cannot derive a port id from this name");
        continue;
      }
      d->contract_inputs.push_back({ids[i], ScalarOr(inputs[i], "contractId"),
                                    r.Location(inputs[i]),
                                    OdpsTrue(inputs[i], "deprecated")});
    }
  }
  p.set_odps_document(d->source);
  d->update_mask = {"display_name", "description", "owner_team",
                    "tags",         "labels",      "output_ports",
                    "input_ports",  "archetype",   "odps_document"};
}

}  // namespace meshplane::cli::descriptor_internal
