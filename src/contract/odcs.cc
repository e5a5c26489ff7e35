#include "meshplane/contract/odcs.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "contract/quality_operators.h"
#include "contract/yaml_util.h"

#include "meshplane/common/status_macros.h"

namespace meshplane::contract {
namespace internal {
namespace {

// The normaliser is lenient: Validate reports wrong types, so here a field of
// the wrong shape reads as absent.
std::string Str(YamlNode map, const char* key) {
  const YamlNode n = Get(map, key);
  return std::string(n.Scalar());  // empty unless a scalar
}

bool Bool(YamlNode map, const char* key) {
  const YamlNode n = Get(map, key);
  return n.IsScalar() && TypeOf(n) == JsonType::kBoolean &&
         (n.Scalar()[0] == 't' || n.Scalar()[0] == 'T');
}

int Int(YamlNode map, const char* key, int fallback) {
  const YamlNode n = Get(map, key);
  int value = fallback;
  if (n.IsScalar() && TypeOf(n) == JsonType::kInteger &&
      absl::SimpleAtoi(n.Scalar(), &value)) {
    return value;
  }
  return fallback;
}

std::vector<std::string> Strings(YamlNode map, const char* key) {
  std::vector<std::string> out;
  const YamlNode n = Get(map, key);
  if (n.IsSequence()) {
    for (YamlNode item : n.items()) {
      if (item.IsScalar()) {
        out.emplace_back(item.Scalar());
      }
    }
  }
  return out;
}

// Calls `fn` on each mapping of the sequence `Get(map, key)`.
template <typename Fn>
void EachMap(YamlNode map, const char* key, Fn fn) {
  const YamlNode n = Get(map, key);
  if (!n.IsSequence()) {
    return;
  }
  for (YamlNode item : n.items()) {
    if (item.IsMap()) {
      fn(item);
    }
  }
}

std::vector<CustomProperty> CustomProperties(YamlNode map) {
  std::vector<CustomProperty> out;
  EachMap(map, "customProperties", [&](YamlNode n) {
    out.push_back({Str(n, "property"), ToText(Get(n, "value")), PositionOf(n)});
  });
  return out;
}

void ReadOperator(YamlNode n, QualityRule& rule) {
  for (const std::string& op : internal::kQualityOperators) {
    const YamlNode v = Get(n, op);
    if (!v.IsDefined()) {
      continue;
    }
    rule.op = op;
    rule.operand_text = ToText(v);
    std::vector<YamlNode> values;
    if (v.IsSequence()) {
      for (YamlNode x : v.items()) {
        values.push_back(x);
      }
    } else {
      values.push_back(v);
    }
    for (YamlNode x : values) {
      double d = 0;
      if (x.IsScalar() && absl::SimpleAtod(x.Scalar(), &d)) {
        rule.operands.push_back(d);
      }
    }
    return;  // Validate refuses more than one operator.
  }
}

QualityRule ReadQuality(YamlNode n) {
  QualityRule rule;
  rule.id = Str(n, "id");
  rule.name = Str(n, "name");
  rule.type = Str(n, "type");
  if (rule.type.empty()) {
    rule.type = "library";  // the standard's default
  }
  rule.dimension = Str(n, "dimension");
  rule.metric = Str(n, "metric");
  if (rule.metric.empty()) {
    rule.metric = Str(n, "rule");  // v3.0's name for it
  }
  rule.query = Str(n, "query");
  rule.engine = Str(n, "engine");
  rule.implementation = ToText(Get(n, "implementation"));
  rule.description = Str(n, "description");
  rule.severity = Str(n, "severity");
  rule.unit = Str(n, "unit");
  ReadOperator(n, rule);
  const YamlNode args = Get(n, "arguments");
  if (args.IsMap()) {
    rule.valid_values = Strings(args, "validValues");
    rule.pattern = Str(args, "pattern");
  }
  rule.position = PositionOf(n);
  return rule;
}

std::vector<QualityRule> Quality(YamlNode map) {
  std::vector<QualityRule> out;
  EachMap(map, "quality", [&](YamlNode n) { out.push_back(ReadQuality(n)); });
  return out;
}

std::vector<std::string> OneOrMany(YamlNode map, const char* key) {
  const YamlNode n = Get(map, key);
  if (n.IsSequence()) {
    return Strings(map, key);
  }
  if (n.IsScalar()) {
    return {std::string(n.Scalar())};
  }
  return {};
}

std::vector<Relationship> Relationships(YamlNode map) {
  std::vector<Relationship> out;
  EachMap(map, "relationships", [&](YamlNode n) {
    Relationship r;
    r.id = Str(n, "id");
    r.type = Str(n, "type");
    if (r.type.empty()) {
      r.type = "foreignKey";  // the standard's default
    }
    r.from = OneOrMany(n, "from");
    r.to = OneOrMany(n, "to");
    r.position = PositionOf(n);
    out.push_back(std::move(r));
  });
  return out;
}

std::vector<Synonym> Synonyms(YamlNode map) {
  std::vector<Synonym> out;
  EachMap(map, "synonyms", [&](YamlNode n) {
    out.push_back({Str(n, "synonym"), Str(n, "locale"), PositionOf(n)});
  });
  return out;
}

std::string Context(YamlNode map) {
  const YamlNode n = Get(map, "context");
  return n.IsDefined() ? ToText(n) : std::string();
}

Property ReadProperty(YamlNode n) {
  Property p;
  p.id = Str(n, "id");
  p.name = Str(n, "name");
  p.business_name = Str(n, "businessName");
  p.description = Str(n, "description");
  p.logical_type = Str(n, "logicalType");
  p.physical_type = Str(n, "physicalType");
  p.physical_name = Str(n, "physicalName");
  p.classification = Str(n, "classification");
  p.required = Bool(n, "required");
  p.unique = Bool(n, "unique");
  p.primary_key = Bool(n, "primaryKey");
  p.primary_key_position = Int(n, "primaryKeyPosition", -1);
  p.partitioned = Bool(n, "partitioned");
  p.partition_key_position = Int(n, "partitionKeyPosition", -1);
  p.critical_data_element = Bool(n, "criticalDataElement");
  p.tags = Strings(n, "tags");
  const YamlNode options = Get(n, "logicalTypeOptions");
  if (options.IsMap()) {
    for (const YamlEntry& kv : options.entries()) {
      if (kv.first.IsScalar()) {
        p.logical_type_options[std::string(kv.first.Scalar())] =
            ToText(kv.second);
      }
    }
  }
  EachMap(n, "properties",
          [&](YamlNode child) { p.properties.push_back(ReadProperty(child)); });
  const YamlNode items = Get(n, "items");
  if (items.IsMap()) {
    p.items.push_back(ReadProperty(items));
  }
  const YamlNode map = Get(n, "map");
  if (map.IsMap()) {
    if (Get(map, "key").IsMap()) {
      p.map_key.push_back(ReadProperty(Get(map, "key")));
    }
    if (Get(map, "value").IsMap()) {
      p.map_value.push_back(ReadProperty(Get(map, "value")));
    }
  }
  p.quality = Quality(n);
  p.custom_properties = CustomProperties(n);
  p.relationships = Relationships(n);
  EachMap(n, "enum", [&](YamlNode e) {
    p.enum_values.push_back({ToText(Get(e, "value")), Str(e, "label"),
                             Str(e, "description"), PositionOf(e)});
  });
  p.synonyms = Synonyms(n);
  p.semantic_type = Str(n, "semanticType");
  p.deprecated = Bool(n, "deprecated");
  p.position = PositionOf(n);
  return p;
}

SchemaObject ReadObject(YamlNode n) {
  SchemaObject o;
  o.id = Str(n, "id");
  o.name = Str(n, "name");
  o.business_name = Str(n, "businessName");
  o.description = Str(n, "description");
  o.logical_type = Str(n, "logicalType");
  o.physical_type = Str(n, "physicalType");
  o.physical_name = Str(n, "physicalName");
  o.data_granularity_description = Str(n, "dataGranularityDescription");
  o.tags = Strings(n, "tags");
  EachMap(n, "properties",
          [&](YamlNode child) { o.properties.push_back(ReadProperty(child)); });
  o.quality = Quality(n);
  o.custom_properties = CustomProperties(n);
  o.relationships = Relationships(n);
  o.context = Context(n);
  o.synonyms = Synonyms(n);
  o.deprecated = Bool(n, "deprecated");
  o.position = PositionOf(n);
  return o;
}

TeamMember ReadMember(YamlNode n) {
  return {Str(n, "username"), Str(n, "name"),    Str(n, "role"),
          Str(n, "dateIn"),   Str(n, "dateOut"), PositionOf(n)};
}

Team ReadTeam(YamlNode root) {
  Team team;
  const YamlNode n = Get(root, "team");
  if (n.IsMap()) {
    team.name = Str(n, "name");
    team.description = Str(n, "description");
    EachMap(n, "members",
            [&](YamlNode m) { team.members.push_back(ReadMember(m)); });
  } else if (n.IsSequence()) {  // ODCS v3.0: team is the list of members
    EachMap(root, "team",
            [&](YamlNode m) { team.members.push_back(ReadMember(m)); });
  }
  return team;
}

Server ReadServer(YamlNode n) {
  Server s;
  for (const YamlEntry& kv : n.entries()) {
    if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
      continue;
    }
    const absl::string_view key = kv.first.Scalar();
    if (key == "server") {
      s.server = std::string(kv.second.Scalar());
    } else if (key == "type") {
      s.type = std::string(kv.second.Scalar());
    } else if (key == "environment") {
      s.environment = std::string(kv.second.Scalar());
    } else if (key == "description") {
      s.description = std::string(kv.second.Scalar());
    } else if (key != "id") {
      s.attributes[std::string(key)] = std::string(kv.second.Scalar());
    }
  }
  s.position = PositionOf(n);
  return s;
}

}  // namespace

Document Normalise(YamlNode root) {
  Document d;
  d.api_version = Str(root, "apiVersion");
  d.kind = Str(root, "kind");
  d.id = Str(root, "id");
  d.name = Str(root, "name");
  d.version = Str(root, "version");
  d.status = Str(root, "status");
  d.tenant = Str(root, "tenant");
  d.domain = Str(root, "domain");
  d.data_product = Str(root, "dataProduct");
  const YamlNode description = Get(root, "description");
  if (description.IsMap()) {
    d.description = {Str(description, "purpose"),
                     Str(description, "limitations"),
                     Str(description, "usage")};
  }
  d.tags = Strings(root, "tags");
  EachMap(root, "schema",
          [&](YamlNode n) { d.schema.push_back(ReadObject(n)); });
  EachMap(root, "slaProperties", [&](YamlNode n) {
    d.sla_properties.push_back({Str(n, "property"), ToText(Get(n, "value")),
                                ToText(Get(n, "valueExt")), Str(n, "unit"),
                                Str(n, "element"), Str(n, "driver"),
                                Str(n, "description"), CustomProperties(n),
                                PositionOf(n)});
  });
  d.team = ReadTeam(root);
  EachMap(root, "roles", [&](YamlNode n) {
    d.roles.push_back({Str(n, "role"), Str(n, "access"), Str(n, "description"),
                       Str(n, "firstLevelApprovers"),
                       Str(n, "secondLevelApprovers"), PositionOf(n)});
  });
  EachMap(root, "support", [&](YamlNode n) {
    d.support.push_back({Str(n, "channel"), Str(n, "url"), Str(n, "tool"),
                         Str(n, "scope"), Str(n, "description"),
                         PositionOf(n)});
  });
  EachMap(root, "servers",
          [&](YamlNode n) { d.servers.push_back(ReadServer(n)); });
  d.custom_properties = CustomProperties(root);
  d.context = Context(root);
  return d;
}

}  // namespace internal

absl::StatusOr<Document> Parse(absl::string_view yaml_text) {
  MP_ASSIGN_OR_RETURN(internal::YamlDocument doc,
                      internal::LoadYaml(yaml_text));
  return internal::Normalise(doc.root());
}

absl::StatusOr<std::string> ToJson(absl::string_view yaml_text) {
  MP_ASSIGN_OR_RETURN(internal::YamlDocument doc,
                      internal::LoadYaml(yaml_text));
  return internal::ToJson(doc.root());
}

}  // namespace meshplane::contract
