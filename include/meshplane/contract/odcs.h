// A normalised model of an Open Data Contract Standard (ODCS) v3 document,
// and the YAML loader that builds it.
//
// ODCS (bitol-io/open-data-contract-standard) is the YAML format that
// datacontract-cli and Data Mesh Manager use. The model keeps the parts that
// governance and compatibility reason about, typed, with the source position
// of every element so that messages can point into the file.
//
//   MP_ASSIGN_OR_RETURN(Document doc, Parse(yaml_text));
//   for (const SchemaObject& o : doc.schema) { ... }
//   // Parse does not validate: see validate.h (ParseAndValidate).
#ifndef MESHPLANE_CONTRACT_ODCS_H_
#define MESHPLANE_CONTRACT_ODCS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshplane::contract {

// A place in the YAML text, 1-based. {0, 0} means "unknown" (an element built
// in code rather than parsed).
struct SourcePosition {
  int line = 0;
  int column = 0;
};

// A custom property or an SLA value. Scalars keep their YAML text; sequences
// and mappings are rendered as compact flow YAML ("[a, b]").
struct CustomProperty {
  std::string property;
  std::string value;
  SourcePosition position;
};

// One quality rule (ODCS "DataQuality"). `type` is "library" when the
// document leaves it out, as the standard's default says.
struct QualityRule {
  std::string id;
  std::string name;
  std::string type;       // text | library | sql | custom
  std::string dimension;  // accuracy, completeness, ...
  std::string metric;     // library rules: nullValues, rowCount, ...
  std::string query;      // sql rules
  std::string engine;     // custom rules
  std::string implementation;
  std::string description;
  std::string severity;
  std::string unit;
  // The comparison, e.g. operator "mustBeLessThan" with operands {10}. For
  // mustBe/mustNotBe, `operand_text` holds the value as written, which need
  // not be a number.
  std::string op;
  std::vector<double> operands;
  std::string operand_text;
  // arguments.validValues of an invalidValues rule: the allowed values of a
  // property, ODCS v3.1's way to state an enumeration.
  std::vector<std::string> valid_values;
  // arguments.pattern of an invalidValues rule: a regular expression every
  // non-null value must match (PostgreSQL's `~` when tested against data).
  std::string pattern;
  SourcePosition position;
};

// A foreign key (ODCS v3.1 "Relationship"). On a property `from` is empty:
// the property itself is the source. References are as written
// ("customers.id" or a fully qualified path); a composite key lists several.
struct Relationship {
  std::string id;    // v3.2.0 (RFC 0047); empty when not given
  std::string type;  // "foreignKey" when the document leaves it out
  std::vector<std::string> from;
  std::vector<std::string> to;
  SourcePosition position;
};

// One allowed value of a property's `enum` (ODCS v3.2.0, RFC 0033). `value`
// is the scalar as written.
struct EnumValue {
  std::string value;
  std::string label;
  std::string description;
  SourcePosition position;
};

// An alternative name of an object or property (ODCS v3.2.0, RFC 0041).
struct Synonym {
  std::string synonym;
  std::string locale;
  SourcePosition position;
};

// A column or field (ODCS "SchemaProperty"), possibly nested: an object has
// `properties`, an array has one `items` element (kept in a vector of 0 or 1
// so that the struct stays copyable).
struct Property {
  std::string id;
  std::string name;
  std::string business_name;
  std::string description;
  std::string logical_type;  // string, date, timestamp, time, number, ...
  std::string physical_type;
  std::string physical_name;
  std::string classification;
  bool required = false;
  bool unique = false;
  bool primary_key = false;
  int primary_key_position = -1;
  bool partitioned = false;
  int partition_key_position = -1;
  bool critical_data_element = false;
  std::vector<std::string> tags;
  // logicalTypeOptions, scalars as written (minLength -> "10").
  std::map<std::string, std::string> logical_type_options;
  std::vector<Property> properties;
  std::vector<Property> items;
  // logicalType map (v3.2.0): the definitions of its key and value, 0 or 1
  // each, as `items`.
  std::vector<Property> map_key;
  std::vector<Property> map_value;
  std::vector<QualityRule> quality;
  std::vector<CustomProperty> custom_properties;
  std::vector<Relationship> relationships;
  // v3.2.0: allowed values, alternative names, semantic role (column,
  // measure, dimension; empty when not given) and the deprecation mark.
  std::vector<EnumValue> enum_values;
  std::vector<Synonym> synonyms;
  std::string semantic_type;
  bool deprecated = false;
  SourcePosition position;
};

// A table, topic or other dataset (ODCS "SchemaObject").
struct SchemaObject {
  std::string id;
  std::string name;
  std::string business_name;
  std::string description;
  std::string logical_type;
  std::string physical_type;
  std::string physical_name;
  std::string data_granularity_description;
  std::vector<std::string> tags;
  std::vector<Property> properties;
  std::vector<QualityRule> quality;
  std::vector<CustomProperty> custom_properties;
  std::vector<Relationship> relationships;
  // v3.2.0: the context block as compact flow YAML (a string stays as
  // written), alternative names, and the deprecation mark.
  std::string context;
  std::vector<Synonym> synonyms;
  bool deprecated = false;
  SourcePosition position;
};

// An SLA property such as latency (value 4, unit d) or retention.
struct SlaProperty {
  std::string property;
  std::string value;  // as written
  std::string value_ext;
  std::string unit;
  std::string element;
  std::string driver;
  std::string description;
  std::vector<CustomProperty> custom_properties;  // v3.2.0 (RFC 0046)
  SourcePosition position;
};

struct TeamMember {
  std::string username;
  std::string name;
  std::string role;
  std::string date_in;
  std::string date_out;
  SourcePosition position;
};

// The owning team. ODCS v3.0 wrote `team` as a list of members; both forms
// normalise to this.
struct Team {
  std::string name;
  std::string description;
  std::vector<TeamMember> members;
};

struct Role {
  std::string role;
  std::string access;
  std::string description;
  std::string first_level_approvers;
  std::string second_level_approvers;
  SourcePosition position;
};

struct SupportChannel {
  std::string channel;
  std::string url;
  std::string tool;
  std::string scope;
  std::string description;
  SourcePosition position;
};

// A server; `attributes` holds the type-specific fields (host, port,
// database, location, ...) as written.
struct Server {
  std::string server;
  std::string type;
  std::string environment;
  std::string description;
  std::map<std::string, std::string> attributes;
  SourcePosition position;
};

struct Description {
  std::string purpose;
  std::string limitations;
  std::string usage;
};

// A whole contract. Strings the document leaves out are empty.
struct Document {
  std::string api_version;
  std::string kind;
  std::string id;
  std::string name;
  std::string version;
  std::string status;
  std::string tenant;
  std::string domain;
  std::string data_product;
  Description description;
  std::vector<std::string> tags;
  std::vector<SchemaObject> schema;
  std::vector<SlaProperty> sla_properties;
  Team team;
  std::vector<Role> roles;
  std::vector<SupportChannel> support;
  std::vector<Server> servers;
  std::vector<CustomProperty> custom_properties;
  // v3.2.0's context block for AI agents, as compact flow YAML.
  std::string context;
};

// Parses `yaml_text` into a Document. It is lenient about content: a field of
// the wrong type is left at its default, an unknown field is ignored; run
// Validate (validate.h) to learn about those.
//
// Returns INVALID_ARGUMENT, with "line:column: " and libyaml's reason, for
// text that is not YAML, when the top level is not a mapping, and at the
// alias or node that takes the document past the YAML budgets (yaml.h).
// Never throws. Thread-safe (no shared state).
absl::StatusOr<Document> Parse(absl::string_view yaml_text);

// The document as written, as compact JSON: mappings become objects with
// their keys sorted, sequences arrays, and scalars are typed by the YAML 1.2
// core schema as Validate reads them (quoted scalars are strings; integers
// are written in decimal, floats in their shortest round-trip form; .inf and
// .nan, which JSON cannot hold, as strings). Comments, anchors and layout
// are dropped, so two documents that differ only in those give the same
// text. This is what `contract.publish` policies see as `resource`, and the
// normalised form a published version keeps. Errors as Parse. Thread-safe.
absl::StatusOr<std::string> ToJson(absl::string_view yaml_text);

}  // namespace meshplane::contract

#endif  // MESHPLANE_CONTRACT_ODCS_H_
