// The rules of the ODCS JSON Schemas, by hand. Each function below mirrors
// one $defs entry of odcs-json-schema-v3.1.0.json and says which; the
// schema's `unevaluatedProperties: false` becomes an explicit list of the
// fields each object may have (including those its if/then branches admit),
// so an unknown field is named instead of silently ignored.
//
// The document's apiVersion picks the rules (Rules below): v3.1.0's are the
// base; v3.2.0 adds what its schema (the standard's development branch) adds
// and the approved RFCs it lists; v3.0.x relaxes what v3.1.0 closed or
// renamed, so that every example the standard published for v3.0.x passes.
#include "meshplane/contract/validate.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "contract/quality_operators.h"
#include "contract/yaml_util.h"

#include "meshplane/common/status_macros.h"

namespace meshplane::contract {
namespace {

using internal::Describe;
using internal::Get;
using internal::JsonType;
using internal::JsonTypeName;
using internal::PositionOf;
using internal::TypeOf;
using internal::YamlEntry;
using internal::YamlNode;

using Keys = std::initializer_list<const char*>;

// The fields every element of a schema has ($defs/SchemaElement).
constexpr Keys kElementKeys = {"id",           "name",
                               "physicalType", "description",
                               "businessName", "authoritativeDefinitions",
                               "tags",         "customProperties"};

const std::vector<std::string> kApiVersions = {"v3.2.0", "v3.1.0", "v3.0.2",
                                               "v3.0.1", "v3.0.0", "v2.2.2",
                                               "v2.2.1", "v2.2.0"};

const std::vector<std::string> kLogicalTypes = {"string", "date",   "timestamp",
                                                "time",   "number", "integer",
                                                "object", "array",  "boolean"};

// v3.2.0 adds map (RFC 0030, in its schema) and vector (RFC 0042).
const std::vector<std::string> kLogicalTypesV32 = {
    "string", "date",  "timestamp", "time", "number", "integer",
    "object", "array", "boolean",   "map",  "vector"};

// Which rules apply: the document's apiVersion decides.
enum class Rules { kV30, kV31, kV32 };

Rules RulesFor(YamlNode root) {
  const YamlNode v = Get(root, "apiVersion");
  const absl::string_view s = v.IsScalar() ? v.Scalar() : "";
  if (s == "v3.2.0") {
    return Rules::kV32;
  }
  if (s == "v3.0.0" || s == "v3.0.1" || s == "v3.0.2") {
    return Rules::kV30;
  }
  return Rules::kV31;
}

const char* RulesName(Rules r) {
  switch (r) {
    case Rules::kV30:
      return "ODCS v3.0.x";
    case Rules::kV31:
      return "ODCS v3.1.0";
    case Rules::kV32:
      return "ODCS v3.2.0";
  }
  return "ODCS";
}

const std::vector<std::string> kServerTypes = {
    "api",        "athena",   "azure",     "bigquery",  "clickhouse",
    "databricks", "denodo",   "dremio",    "duckdb",    "glue",
    "cloudsql",   "db2",      "hive",      "impala",    "informix",
    "kafka",      "kinesis",  "local",     "mysql",     "oracle",
    "postgresql", "postgres", "presto",    "pubsub",    "redshift",
    "s3",         "sftp",     "snowflake", "sqlserver", "synapse",
    "trino",      "vertica",  "zen",       "custom"};

const std::vector<std::string> kDimensions = {
    "accuracy", "completeness", "conformity", "consistency",
    "coverage", "timeliness",   "uniqueness"};

const std::vector<std::string> kQualityTypes = {"text", "library", "sql",
                                                "custom"};

const std::vector<std::string> kMetrics = {"nullValues", "missingValues",
                                           "invalidValues", "duplicateValues",
                                           "rowCount"};

// A field of a type-specific shape (server fields, logicalTypeOptions).
struct FieldSpec {
  const char* name;
  JsonType type;  // kNumber admits integers too
};

// $defs/ServerSource: the fields each server type adds, and which of them
// are required. (`format: uri` is an annotation in draft 2019-09, so it is
// not checked.)
struct ServerSpec {
  const char* type;
  std::vector<FieldSpec> fields;
  std::vector<const char*> required;
};

constexpr JsonType S = JsonType::kString;
constexpr JsonType I = JsonType::kInteger;

const std::vector<ServerSpec>& ServerSpecs() {
  static const auto* specs = new std::vector<ServerSpec>{
      {"api", {{"location", S}}, {"location"}},
      {"athena",
       {{"stagingDir", S}, {"schema", S}, {"catalog", S}, {"regionName", S}},
       {"stagingDir", "schema"}},
      // v3.2.0: workgroup added, stagingDir optional (Server() swaps this in).
      {"athena-v3.2",
       {{"stagingDir", S},
        {"schema", S},
        {"catalog", S},
        {"regionName", S},
        {"workgroup", S}},
       {"schema"}},
      {"azure",
       {{"location", S}, {"format", S}, {"delimiter", S}},
       {"location", "format"}},
      {"bigquery", {{"project", S}, {"dataset", S}}, {"project", "dataset"}},
      {"clickhouse",
       {{"host", S}, {"port", I}, {"database", S}},
       {"host", "port", "database"}},
      {"databricks",
       {{"host", S}, {"catalog", S}, {"schema", S}},
       {"catalog", "schema"}},
      {"denodo", {{"host", S}, {"port", I}, {"database", S}}, {"host", "port"}},
      {"dremio", {{"host", S}, {"port", I}, {"schema", S}}, {"host", "port"}},
      {"duckdb", {{"database", S}, {"schema", S}}, {"database"}},
      {"glue",
       {{"account", S}, {"database", S}, {"location", S}, {"format", S}},
       {"account", "database"}},
      {"cloudsql",
       {{"host", S}, {"port", I}, {"database", S}, {"schema", S}},
       {"host", "port", "database", "schema"}},
      {"db2",
       {{"host", S}, {"port", I}, {"database", S}, {"schema", S}},
       {"host", "port", "database"}},
      {"hive",
       {{"host", S}, {"port", I}, {"database", S}},
       {"host", "database"}},
      {"impala",
       {{"host", S}, {"port", I}, {"database", S}},
       {"host", "database"}},
      {"informix",
       {{"host", S}, {"port", I}, {"database", S}},
       {"host", "database"}},
      {"zen",
       {{"host", S}, {"port", I}, {"database", S}},
       {"host", "database"}},
      {"custom",
       {{"account", S},
        {"catalog", S},
        {"database", S},
        {"dataset", S},
        {"delimiter", S},
        {"endpointUrl", S},
        {"format", S},
        {"host", S},
        {"location", S},
        {"path", S},
        {"port", I},
        {"project", S},
        {"region", S},
        {"regionName", S},
        {"schema", S},
        {"serviceName", S},
        {"stagingDir", S},
        {"warehouse", S},
        {"stream", S}},
       {}},
      {"kafka", {{"host", S}, {"format", S}}, {"host"}},
      {"kinesis", {{"region", S}, {"format", S}}, {}},
      {"local", {{"path", S}, {"format", S}}, {"path", "format"}},
      {"mysql",
       {{"host", S}, {"port", I}, {"database", S}},
       {"host", "port", "database"}},
      {"oracle",
       {{"host", S}, {"port", I}, {"serviceName", S}},
       {"host", "port", "serviceName"}},
      {"postgresql",
       {{"host", S}, {"port", I}, {"database", S}, {"schema", S}},
       {"host", "port", "database", "schema"}},
      {"postgres",
       {{"host", S}, {"port", I}, {"database", S}, {"schema", S}},
       {"host", "port", "database", "schema"}},
      {"presto", {{"host", S}, {"catalog", S}, {"schema", S}}, {"host"}},
      {"pubsub", {{"project", S}}, {"project"}},
      {"redshift",
       {{"host", S},
        {"database", S},
        {"schema", S},
        {"region", S},
        {"account", S}},
       {"database", "schema"}},
      {"s3",
       {{"location", S}, {"endpointUrl", S}, {"format", S}, {"delimiter", S}},
       {"location"}},
      {"sftp",
       {{"location", S}, {"format", S}, {"delimiter", S}},
       {"location"}},
      {"snowflake",
       {{"host", S},
        {"port", I},
        {"account", S},
        {"database", S},
        {"schema", S},
        {"warehouse", S}},
       {"account", "database", "schema"}},
      {"sqlserver",
       {{"host", S}, {"port", I}, {"database", S}, {"schema", S}},
       {"host", "database", "schema"}},
      {"synapse",
       {{"host", S}, {"port", I}, {"database", S}},
       {"host", "port", "database"}},
      {"trino",
       {{"host", S}, {"port", I}, {"catalog", S}, {"schema", S}},
       {"host", "port", "catalog", "schema"}},
      {"vertica",
       {{"host", S}, {"port", I}, {"database", S}, {"schema", S}},
       {"host", "port", "database", "schema"}},
  };
  return *specs;
}

// The field names an object may have, for OnlyKeys: some 30 literals per
// object, built once per object checked, so a flat inline list rather than a
// std::set<std::string> (which cost a third of validation in allocations).
// Holds views: the names must outlive it (literals and static tables do).
class KeySet {
 public:
  KeySet() = default;
  KeySet(std::initializer_list<absl::string_view> keys)
      : keys_(keys.begin(), keys.end()) {}
  KeySet(std::initializer_list<const char*> keys)
      : keys_(keys.begin(), keys.end()) {}

  void insert(absl::string_view key) { keys_.push_back(key); }
  void insert(std::initializer_list<absl::string_view> keys) {
    keys_.insert(keys_.end(), keys.begin(), keys.end());
  }
  bool contains(absl::string_view key) const {
    return std::find(keys_.begin(), keys_.end(), key) != keys_.end();
  }

 private:
  absl::InlinedVector<absl::string_view, 40> keys_;
};

std::string Field(const std::string& path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

std::string Index(const std::string& path, size_t i) {
  return absl::StrCat(path, "[", i, "]");
}

std::string Quoted(const std::vector<std::string>& values) {
  return absl::StrJoin(values, ", ");
}

bool Contains(const std::vector<std::string>& values, absl::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

bool IsStableId(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// A whole value that is one variable reference, `${NAME}` or
// `${NAME:-default}` (RFC 0050): v3.2.0 lets one stand for any scalar, to be
// resolved by the tool that uses the value and kept as written by any other.
bool IsVariable(absl::string_view s) {
  static const auto* var = new std::regex("^\\$\\{[^${}:]+(:-[^{}]*)?\\}$");
  return s.size() > 3 && std::regex_match(s.begin(), s.end(), *var);
}

// $defs/ShorthandReference or $defs/FullyQualifiedReference. v3.2.0's
// shorthand admits nested properties (`accounts.address.street`).
bool IsReference(absl::string_view s, bool nested_shorthand) {
  static const auto* nested =
      new std::regex("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+$");
  if (nested_shorthand && std::regex_match(s.begin(), s.end(), *nested)) {
    return true;
  }
  static const auto* shorthand =
      new std::regex("^[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*$");
  static const auto* qualified = new std::regex(
      "^(?:(?:https?://)?[A-Za-z0-9._\\-/]+\\.yaml#)?/?[A-Za-z_][A-Za-z0-9_]*"
      "/[A-Za-z0-9_-]+(?:/[A-Za-z_][A-Za-z0-9_]*/[A-Za-z0-9_-]+)*$");
  return std::regex_match(s.begin(), s.end(), *shorthand) ||
         std::regex_match(s.begin(), s.end(), *qualified);
}

// The logicalTypeOptions of each logicalType (built by construction rather
// than assignment, which GCC 12 at -O2 misreads as a null memmove).
std::vector<FieldSpec> OptionSpecs(const std::string& logical_type) {
  constexpr JsonType N = JsonType::kNumber;
  constexpr JsonType B = JsonType::kBoolean;
  if (logical_type == "string") {
    return {{"minLength", I}, {"maxLength", I}, {"pattern", S}, {"format", S}};
  }
  if (logical_type == "date") {
    return {{"format", S},
            {"exclusiveMaximum", S},
            {"maximum", S},
            {"exclusiveMinimum", S},
            {"minimum", S}};
  }
  if (logical_type == "timestamp" || logical_type == "time") {
    return {{"format", S},           {"exclusiveMaximum", S}, {"maximum", S},
            {"exclusiveMinimum", S}, {"minimum", S},          {"timezone", B},
            {"defaultTimezone", S}};
  }
  if (logical_type == "integer" || logical_type == "number") {
    return {{"multipleOf", N}, {"maximum", N},          {"exclusiveMaximum", N},
            {"minimum", N},    {"exclusiveMinimum", N}, {"format", S}};
  }
  if (logical_type == "object") {
    return {{"maxProperties", I},
            {"minProperties", I},
            {"required", JsonType::kArray}};
  }
  if (logical_type == "array") {
    return {{"maxItems", I}, {"minItems", I}, {"uniqueItems", B}};
  }
  if (logical_type == "vector") {  // RFC 0042
    return {{"dimensions", I},     {"elementType", S},
            {"distanceMetric", S}, {"normalized", B},
            {"embeddingModel", S}, {"embeddingModelVersion", S}};
  }
  return {};
}

class Validator {
 public:
  std::vector<Issue> Run(YamlNode root) {
    rules_ = RulesFor(root);
    Root(root);
    // Document order, so a reader can walk the file top to bottom.
    std::stable_sort(
        issues_.begin(), issues_.end(), [](const Issue& a, const Issue& b) {
          return std::make_pair(a.position.line, a.position.column) <
                 std::make_pair(b.position.line, b.position.column);
        });
    return std::move(issues_);
  }

 private:
  void Add(const std::string& path, YamlNode at, std::string msg) {
    issues_.push_back({path, PositionOf(at), std::move(msg)});
  }

  // Type checks. kNumber admits integers, as in JSON Schema; under v3.2.0 a
  // variable reference stands for any scalar.
  bool HasType(YamlNode n, JsonType want) {
    const JsonType got = TypeOf(n);
    if (got == want ||
        (want == JsonType::kNumber && got == JsonType::kInteger)) {
      return true;
    }
    return rules_ == Rules::kV32 && got == JsonType::kString &&
           (want == JsonType::kInteger || want == JsonType::kNumber ||
            want == JsonType::kBoolean) &&
           IsVariable(n.Scalar());
  }

  bool Expect(YamlNode n, const std::string& path, JsonType want) {
    if (HasType(n, want)) {
      return true;
    }
    Add(path, n,
        absl::StrCat("expected ", JsonTypeName(want), ", found ", Describe(n)));
    return false;
  }

  // The field `key` of `map`, if present, has type `want`. (The field's
  // path is built only for an issue: this runs some 30 times per property.)
  bool Typed(YamlNode map, const std::string& path, const char* key,
             JsonType want) {
    const YamlNode n = Get(map, key);
    if (!n.IsDefined()) {
      return false;
    }
    return HasType(n, want) || Expect(n, Field(path, key), want);
  }

  void Strings(YamlNode map, const std::string& path, Keys keys) {
    for (const char* key : keys) {
      Typed(map, path, key, JsonType::kString);
    }
  }

  void Booleans(YamlNode map, const std::string& path, Keys keys) {
    for (const char* key : keys) {
      Typed(map, path, key, JsonType::kBoolean);
    }
  }

  void Enum(YamlNode map, const std::string& path, const char* key,
            const std::vector<std::string>& allowed, absl::string_view what) {
    if (!Typed(map, path, key, JsonType::kString)) {
      return;
    }
    const YamlNode n = Get(map, key);
    if (!Contains(allowed, n.Scalar()) &&
        !(rules_ == Rules::kV32 && IsVariable(n.Scalar()))) {
      Add(Field(path, key), n,
          absl::StrCat(Describe(n), " is not a valid ", what,
                       "; expected one of ", Quoted(allowed)));
    }
  }

  void StableId(YamlNode map, const std::string& path) {
    if (Typed(map, path, "id", JsonType::kString) &&
        !IsStableId(Get(map, "id").Scalar())) {
      Add(Field(path, "id"), Get(map, "id"),
          absl::StrCat(Describe(Get(map, "id")),
                       " is not a valid id; expected letters, digits, '_' "
                       "and '-' only"));
    }
  }

  void Required(YamlNode map, const std::string& path,
                std::initializer_list<const char*> keys,
                absl::string_view what) {
    for (const char* key : keys) {
      if (!Get(map, key).IsDefined()) {
        Add(Field(path, key), map,
            absl::StrCat("missing required field \"", key, "\" of ", what));
      }
    }
  }

  // unevaluatedProperties / additionalProperties: false. ODCS v3.0.x closed
  // only the document root; v3.1.0 closed the sections below it.
  void OnlyKeys(YamlNode map, const std::string& path, const KeySet& allowed,
                absl::string_view what) {
    if (rules_ == Rules::kV30 && !path.empty()) {
      return;
    }
    for (const YamlEntry& kv : map.entries()) {
      const absl::string_view key =
          kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (!allowed.contains(key)) {
        Add(Field(path, key), kv.first,
            absl::StrCat("unknown field \"", key, "\": ", what,
                         " has no such field in ", RulesName(rules_)));
      }
    }
  }

  // A list whose items `fn(item, item_path)` checks.
  template <typename Fn>
  void List(YamlNode map, const std::string& path, const char* key, Fn fn) {
    const YamlNode n = Get(map, key);
    if (!n.IsDefined() || !Expect(n, Field(path, key), JsonType::kArray)) {
      return;
    }
    const std::string list_path = Field(path, key);
    for (size_t i = 0; i < n.size(); ++i) {
      fn(n[i], Index(list_path, i));
    }
  }

  bool Object(YamlNode n, const std::string& path) {
    return Expect(n, path, JsonType::kObject);
  }

  void StringList(YamlNode map, const std::string& path, const char* key) {
    List(map, path, key, [&](YamlNode item, const std::string& p) {
      Expect(item, p, JsonType::kString);
    });
  }

  // $defs/Tags, $defs/AuthoritativeDefinitions, $defs/CustomProperties.
  void Common(YamlNode map, const std::string& path) {
    StringList(map, path, "tags");
    List(map, path, "authoritativeDefinitions",
         [&](YamlNode n, const std::string& p) {
           AuthoritativeDefinition(n, p);
         });
    List(map, path, "customProperties",
         [&](YamlNode n, const std::string& p) { CustomProperty(n, p); });
  }

  void AuthoritativeDefinition(YamlNode n, const std::string& path) {
    if (!Object(n, path)) {
      return;
    }
    OnlyKeys(n, path, {"id", "url", "type", "description"},
             "an authoritative definition");
    Required(n, path, {"url", "type"}, "an authoritative definition");
    StableId(n, path);
    Strings(n, path, {"url", "type", "description"});
  }

  // $defs/CustomProperty: value may be anything, null included, but present.
  void CustomProperty(YamlNode n, const std::string& path) {
    if (!Object(n, path)) {
      return;
    }
    OnlyKeys(n, path, {"id", "property", "value", "description"},
             "a custom property");
    Required(n, path, {"property", "value"}, "a custom property");
    StableId(n, path);
    Strings(n, path, {"property", "description"});
  }

  // The document root.
  void Root(YamlNode root) {
    const std::string path;
    KeySet allowed = {"version",
                      "kind",
                      "apiVersion",
                      "id",
                      "name",
                      "tenant",
                      "tags",
                      "status",
                      "servers",
                      "dataProduct",
                      "description",
                      "domain",
                      "schema",
                      "support",
                      "price",
                      "team",
                      "roles",
                      "slaDefaultElement",
                      "slaProperties",
                      "authoritativeDefinitions",
                      "customProperties",
                      "contractCreatedTs"};
    if (rules_ == Rules::kV32) {
      allowed.insert("context");
      Context(root, path);
      // v3.2.0 no longer requires status.
      Required(root, path, {"version", "apiVersion", "kind", "id"},
               "a data contract");
    } else {
      Required(root, path, {"version", "apiVersion", "kind", "id", "status"},
               "a data contract");
    }
    OnlyKeys(root, path, allowed, "a data contract");
    Strings(root, path,
            {"version", "id", "name", "tenant", "status", "dataProduct",
             "domain", "slaDefaultElement", "contractCreatedTs"});
    Enum(root, path, "kind", {"DataContract"}, "kind");
    Enum(root, path, "apiVersion", kApiVersions, "ODCS apiVersion");
    Common(root, path);
    Description(root);
    List(root, path, "servers",
         [&](YamlNode n, const std::string& p) { Server(n, p); });
    List(root, path, "schema",
         [&](YamlNode n, const std::string& p) { SchemaObject(n, p); });
    List(root, path, "support",
         [&](YamlNode n, const std::string& p) { SupportItem(n, p); });
    Pricing(root);
    Team(root);
    List(root, path, "roles",
         [&](YamlNode n, const std::string& p) { Role(n, p); });
    List(root, path, "slaProperties",
         [&](YamlNode n, const std::string& p) { Sla(n, p); });
  }

  // The root's `description`: an object with no closed field list.
  void Description(YamlNode root) {
    const YamlNode n = Get(root, "description");
    if (!n.IsDefined() || !Object(n, "description")) {
      return;
    }
    Strings(n, "description", {"usage", "purpose", "limitations"});
    Common(n, "description");
  }

  // $defs/Server and its if/then branches per type ($defs/ServerSource).
  void Server(YamlNode n, const std::string& path) {
    if (!Object(n, path)) {
      return;
    }
    KeySet allowed = {
        "id",    "server",          "type", "description", "environment",
        "roles", "customProperties"};
    Required(n, path, {"server", "type"}, "a server");
    StableId(n, path);
    Strings(n, path, {"server", "description", "environment"});
    Enum(n, path, "type", kServerTypes, "server type");
    List(n, path, "roles",
         [&](YamlNode r, const std::string& p) { Role(r, p); });
    List(n, path, "customProperties",
         [&](YamlNode c, const std::string& p) { CustomProperty(c, p); });
    const YamlNode type = Get(n, "type");
    std::string what = "a server";
    if (TypeOf(type) == JsonType::kString) {
      std::string spec_type(type.Scalar());
      if (spec_type == "athena" && rules_ == Rules::kV32) {
        spec_type = "athena-v3.2";
      }
      for (const ServerSpec& spec : ServerSpecs()) {
        if (spec_type != spec.type) {
          continue;
        }
        what = absl::StrCat("a server of type ", type.Scalar());
        for (const FieldSpec& f : spec.fields) {
          allowed.insert(f.name);
          Typed(n, path, f.name, f.type);
        }
        for (const char* key : spec.required) {
          if (!Get(n, key).IsDefined()) {
            Add(Field(path, key), n,
                absl::StrCat("missing required field \"", key, "\" of ", what));
          }
        }
      }
    }
    OnlyKeys(n, path, allowed, what);
  }

  // $defs/SchemaObject.
  void SchemaObject(YamlNode n, const std::string& path) {
    if (!Object(n, path)) {
      return;
    }
    KeySet allowed(kElementKeys);
    allowed.insert({"logicalType", "physicalName", "dataGranularityDescription",
                    "properties", "relationships", "quality"});
    if (rules_ == Rules::kV32) {
      allowed.insert({"context", "synonyms", "deprecated"});
      Context(n, path);
      Synonyms(n, path);
      Booleans(n, path, {"deprecated"});
    }
    OnlyKeys(n, path, allowed, "a schema object");
    Required(n, path, {"name"}, "a schema object");
    StableId(n, path);
    Strings(n, path,
            {"name", "physicalType", "description", "businessName",
             "physicalName", "dataGranularityDescription"});
    Enum(n, path, "logicalType", {"object"}, "logicalType for a schema object");
    Common(n, path);
    List(n, path, "properties", [&](YamlNode p, const std::string& pp) {
      Property(p, pp, /*name_required=*/true);
    });
    List(n, path, "relationships", [&](YamlNode r, const std::string& p) {
      Relationship(r, p, /*schema_level=*/true);
    });
    Quality(n, path);
  }

  // $defs/SchemaProperty (name required) and $defs/SchemaItemProperty (the
  // `items` of an array; name optional, `properties` always admitted).
  void Property(YamlNode n, const std::string& path, bool name_required) {
    if (!Object(n, path)) {
      return;
    }
    KeySet allowed(kElementKeys);
    allowed.insert({"primaryKey", "primaryKeyPosition", "logicalType",
                    "logicalTypeOptions", "physicalType", "physicalName",
                    "required", "unique", "partitioned", "partitionKeyPosition",
                    "classification", "encryptedName", "transformSourceObjects",
                    "transformLogic", "transformDescription", "examples",
                    "criticalDataElement", "relationships", "quality"});
    if (rules_ == Rules::kV32) {
      allowed.insert({"synonyms", "semanticType", "enum", "deprecated"});
      Synonyms(n, path);
      Enum(n, path, "semanticType", {"column", "measure", "dimension"},
           "semanticType");
      EnumValues(n, path);
      Booleans(n, path, {"deprecated"});
    }
    if (name_required) {
      Required(n, path, {"name"}, "a schema property");
    }
    StableId(n, path);
    Strings(n, path,
            {"name", "physicalType", "description", "businessName",
             "physicalName", "classification", "encryptedName",
             "transformLogic", "transformDescription"});
    Booleans(n, path,
             {"primaryKey", "required", "unique", "partitioned",
              "criticalDataElement"});
    Typed(n, path, "primaryKeyPosition", JsonType::kInteger);
    Typed(n, path, "partitionKeyPosition", JsonType::kInteger);
    StringList(n, path, "transformSourceObjects");
    Typed(n, path, "examples", JsonType::kArray);
    Common(n, path);
    Enum(n, path, "logicalType",
         rules_ == Rules::kV32 ? kLogicalTypesV32 : kLogicalTypes,
         "logicalType");
    // The if/then branches of $defs/SchemaBaseProperty: with no logicalType
    // every branch applies (an absent field passes each `if`).
    const YamlNode lt = Get(n, "logicalType");
    const std::string logical_type =
        TypeOf(lt) == JsonType::kString
            ? std::string(lt.Scalar())
            : std::string(lt.IsDefined() ? "?" : "");
    if (logical_type.empty() || logical_type == "object" || !name_required) {
      allowed.insert("properties");
      List(n, path, "properties", [&](YamlNode p, const std::string& pp) {
        Property(p, pp, /*name_required=*/true);
      });
    } else if (Get(n, "properties").IsDefined()) {
      Add(Field(path, "properties"), Get(n, "properties"),
          absl::StrCat("nested properties need logicalType object, found "
                       "logicalType ",
                       Describe(lt)));
    }
    if (logical_type.empty() || logical_type == "array") {
      allowed.insert("items");
      const YamlNode items = Get(n, "items");
      if (items.IsDefined()) {
        Property(items, Field(path, "items"), /*name_required=*/false);
      }
    } else if (Get(n, "items").IsDefined()) {
      Add(Field(path, "items"), Get(n, "items"),
          absl::StrCat("items need logicalType array, found logicalType ",
                       Describe(lt)));
    }
    if (rules_ == Rules::kV32) {
      MapOf(n, path, logical_type);
      allowed.insert("map");  // reported by MapOf if misplaced
    }
    allowed.insert({"properties", "items"});  // reported above if misplaced
    OnlyKeys(n, path, allowed, "a schema property");
    LogicalTypeOptions(n, path, logical_type);
    List(n, path, "relationships", [&](YamlNode r, const std::string& p) {
      Relationship(r, p, /*schema_level=*/false);
    });
    Quality(n, path);
  }

  // The logicalTypeOptions each logicalType admits (additionalProperties:
  // false in each branch of $defs/SchemaBaseProperty).
  void LogicalTypeOptions(YamlNode n, const std::string& path,
                          const std::string& logical_type) {
    const YamlNode options = Get(n, "logicalTypeOptions");
    const std::string opath = Field(path, "logicalTypeOptions");
    if (!options.IsDefined() || !Object(options, opath)) {
      return;
    }
    if (logical_type.empty()) {
      if (options.size() > 0) {
        Add(opath, options,
            "logicalTypeOptions need a logicalType to say which options "
            "apply");
      }
      return;
    }
    if (!Contains(kLogicalTypesV32, logical_type) ||
        logical_type == "boolean" || logical_type == "map" ||
        (logical_type == "vector" && rules_ != Rules::kV32)) {
      return;  // no option rules; a bad logicalType is reported
    }
    const std::vector<FieldSpec> specs = OptionSpecs(logical_type);
    KeySet allowed;
    for (const FieldSpec& f : specs) {
      allowed.insert(f.name);
      const absl::string_view name = f.name;
      // v3.0.x had JSON Schema draft 4's boolean exclusiveMaximum/-Minimum.
      if (rules_ == Rules::kV30 &&
          (name == "exclusiveMaximum" || name == "exclusiveMinimum") &&
          TypeOf(Get(options, f.name)) == JsonType::kBoolean) {
        continue;
      }
      if (!Typed(options, opath, f.name, f.type)) {
        continue;
      }
      const YamlNode v = Get(options, f.name);
      const std::string fpath = Field(opath, f.name);
      if (f.type == I && v.Scalar()[0] == '-') {
        Add(fpath, v,
            absl::StrCat("expected a non-negative integer, found ",
                         Describe(v)));
      }
      double d = 0;
      if (std::string(f.name) == "multipleOf" &&
          absl::SimpleAtod(v.Scalar(), &d) && d <= 0) {
        Add(fpath, v,
            absl::StrCat("expected a number greater than 0, found ",
                         Describe(v)));
      }
    }
    if (logical_type == "integer") {
      Enum(options, opath, "format",
           {"i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64",
            "u128"},
           "integer format");
    } else if (logical_type == "number") {
      Enum(options, opath, "format", {"f32", "f64"}, "number format");
    } else if (logical_type == "object") {
      RequiredList(options, opath);
    } else if (logical_type == "vector") {
      VectorOptions(options, opath);
    }
    OnlyKeys(options, opath, allowed,
             absl::StrCat("logicalTypeOptions of a ", logical_type));
  }

  // logicalTypeOptions.required of an object: distinct strings, at least one.
  void RequiredList(YamlNode options, const std::string& opath) {
    const YamlNode req = Get(options, "required");
    if (!req.IsSequence()) {
      return;
    }
    const std::string rpath = Field(opath, "required");
    if (req.size() == 0) {
      Add(rpath, req, "expected at least one property name");
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < req.size(); ++i) {
      if (Expect(req[i], Index(rpath, i), JsonType::kString) &&
          !seen.insert(std::string(req[i].Scalar())).second) {
        Add(Index(rpath, i), req[i],
            absl::StrCat(Describe(req[i]), " is listed twice"));
      }
    }
  }

  // $defs/RelationshipSchemaLevel and $defs/RelationshipPropertyLevel.
  void Relationship(YamlNode n, const std::string& path, bool schema_level) {
    if (!Object(n, path)) {
      return;
    }
    KeySet allowed = {"type", "to", "customProperties"};
    if (rules_ == Rules::kV32) {  // RFC 0047
      allowed.insert("id");
      StableId(n, path);
    }
    Enum(n, path, "type", {"foreignKey"}, "relationship type");
    List(n, path, "customProperties",
         [&](YamlNode c, const std::string& p) { CustomProperty(c, p); });
    if (schema_level) {
      allowed.insert("from");
      Required(n, path, {"from", "to"}, "a schema-level relationship");
      const JsonType from = TypeOf(Get(n, "from"));
      const JsonType to = TypeOf(Get(n, "to"));
      if (Get(n, "from").IsDefined() && Get(n, "to").IsDefined() &&
          from != to) {
        Add(Field(path, "to"), Get(n, "to"),
            absl::StrCat("from and to must both be references or both be "
                         "lists of references; found from as ",
                         JsonTypeName(from), " and to as ", JsonTypeName(to)));
      }
      References(n, path, "from");
    } else {
      Required(n, path, {"to"}, "a property-level relationship");
      allowed.insert("from");  // refused below with the reason
      if (Get(n, "from").IsDefined()) {
        Add(Field(path, "from"), Get(n, "from"),
            "a relationship declared on a property must not have \"from\": "
            "the property itself is the source; declare it on the schema "
            "object to give both ends");
      }
    }
    References(n, path, "to");
    OnlyKeys(n, path, allowed, "a relationship");
  }

  void Reference(YamlNode n, const std::string& path) {
    if (Expect(n, path, JsonType::kString) &&
        !IsReference(n.Scalar(), rules_ == Rules::kV32)) {
      Add(path, n,
          absl::StrCat(Describe(n),
                       " is not a reference; expected table.column or a "
                       "fully qualified path such as schema/orders/"
                       "properties/id"));
    }
  }

  void References(YamlNode n, const std::string& path, const char* key) {
    const YamlNode v = Get(n, key);
    const std::string p = Field(path, key);
    if (!v.IsDefined()) {
      return;
    }
    if (v.IsSequence()) {
      if (v.size() == 0) {
        Add(p, v, "expected at least one reference");
      }
      for (size_t i = 0; i < v.size(); ++i) {
        Reference(v[i], Index(p, i));
      }
      return;
    }
    Reference(v, p);
  }

  // $defs/Context (v3.2.0): a string, or instructions, verifiedStatements
  // and constraints.
  void Context(YamlNode map, const std::string& path) {
    const YamlNode n = Get(map, "context");
    const std::string cpath = Field(path, "context");
    if (!n.IsDefined() || TypeOf(n) == JsonType::kString) {
      return;
    }
    if (!n.IsMap()) {
      Add(cpath, n,
          absl::StrCat("expected a string or a mapping (instructions, "
                       "verifiedStatements, constraints), found ",
                       Describe(n)));
      return;
    }
    OnlyKeys(n, cpath, {"instructions", "verifiedStatements", "constraints"},
             "a context block");
    Strings(n, cpath, {"instructions"});
    List(n, cpath, "verifiedStatements", [&](YamlNode v, const std::string& p) {
      if (!Object(v, p)) {
        return;
      }
      OnlyKeys(v, p,
               {"id", "question", "answer", "authoritativeDefinitions", "tags",
                "customProperties"},
               "a verified statement");
      Required(v, p, {"question"}, "a verified statement");
      Strings(v, p, {"id", "question", "answer"});
      Common(v, p);
    });
    List(n, cpath, "constraints", [&](YamlNode v, const std::string& p) {
      if (!Object(v, p)) {
        return;
      }
      OnlyKeys(v, p,
               {"id", "constraint", "authoritativeDefinitions", "tags",
                "customProperties"},
               "a context constraint");
      Required(v, p, {"constraint"}, "a context constraint");
      Strings(v, p, {"id", "constraint"});
      Common(v, p);
    });
  }

  // $defs/Synonyms (v3.2.0, RFC 0041).
  void Synonyms(YamlNode map, const std::string& path) {
    List(map, path, "synonyms", [&](YamlNode v, const std::string& p) {
      if (!Object(v, p)) {
        return;
      }
      OnlyKeys(v, p,
               {"id", "synonym", "description", "locale", "source", "status",
                "customProperties"},
               "a synonym");
      Required(v, p, {"synonym"}, "a synonym");
      StableId(v, p);
      Strings(v, p, {"synonym", "description", "locale", "source", "status"});
      Common(v, p);
    });
  }

  // A property's `enum` (v3.2.0, RFC 0033): at least one $defs/EnumValue,
  // no two alike (uniqueItems compares whole entries).
  void EnumValues(YamlNode map, const std::string& path) {
    const YamlNode n = Get(map, "enum");
    const std::string epath = Field(path, "enum");
    if (!n.IsDefined() || !Expect(n, epath, JsonType::kArray)) {
      return;
    }
    if (n.size() == 0) {
      Add(epath, n, "expected at least one enum value");
    }
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < n.size(); ++i) {
      const YamlNode v = n[i];
      const std::string p = Index(epath, i);
      if (!Object(v, p)) {
        continue;
      }
      OnlyKeys(v, p,
               {"value", "label", "id", "description", "customProperties",
                "authoritativeDefinitions", "tags"},
               "an enum value");
      Required(v, p, {"value"}, "an enum value");
      StableId(v, p);
      Strings(v, p, {"label", "description"});
      Common(v, p);
      const YamlNode value = Get(v, "value");
      if (value.IsDefined() && !value.IsScalar()) {
        Add(Field(p, "value"), value,
            absl::StrCat("expected a string, number, boolean or null, found ",
                         Describe(value)));
      }
      auto [it, fresh] = seen.emplace(internal::ToJson(v), i);
      if (!fresh) {
        Add(p, v,
            absl::StrCat("duplicates enum value ", it->second,
                         "; enum entries must be unique"));
      }
    }
  }

  // `map` of a property (v3.2.0, RFC 0030): required, with `key` and
  // `value`, when logicalType is map; refused otherwise.
  void MapOf(YamlNode n, const std::string& path,
             const std::string& logical_type) {
    const YamlNode m = Get(n, "map");
    const std::string mpath = Field(path, "map");
    if (logical_type != "map") {
      if (m.IsDefined()) {
        Add(mpath, m,
            absl::StrCat(
                "map needs logicalType map, found logicalType ",
                logical_type.empty() ? std::string("(none)") : logical_type));
      }
      return;
    }
    if (!m.IsDefined()) {
      Add(mpath, n,
          "missing required field \"map\" of a property of logicalType map "
          "(its key and value)");
      return;
    }
    if (!Object(m, mpath)) {
      return;
    }
    OnlyKeys(m, mpath, {"key", "value"}, "a map");
    Required(m, mpath, {"key", "value"}, "a map");
    for (const char* part : {"key", "value"}) {
      const YamlNode def = Get(m, part);
      if (def.IsDefined()) {
        Property(def, Field(mpath, part), /*name_required=*/false);
      }
    }
  }

  // logicalTypeOptions of a vector (RFC 0042): dimensions is required and
  // positive; elementType and distanceMetric are closed lists.
  void VectorOptions(YamlNode options, const std::string& opath) {
    if (!Get(options, "dimensions").IsDefined()) {
      Add(Field(opath, "dimensions"), options,
          "missing required field \"dimensions\" of the logicalTypeOptions "
          "of a vector");
    } else if (TypeOf(Get(options, "dimensions")) == JsonType::kInteger &&
               Get(options, "dimensions").Scalar() == "0") {
      Add(Field(opath, "dimensions"), Get(options, "dimensions"),
          "expected a positive integer, found 0");
    }
    Enum(options, opath, "elementType",
         {"bfloat16", "binary", "float16", "float32", "float64", "int8",
          "uint8"},
         "vector elementType");
    Enum(options, opath, "distanceMetric",
         {"cosine", "dotProduct", "euclidean", "hamming", "manhattan"},
         "vector distanceMetric");
  }

  void Quality(YamlNode n, const std::string& path) {
    List(n, path, "quality",
         [&](YamlNode q, const std::string& p) { DataQuality(q, p); });
  }

  // $defs/DataQuality with $defs/DataQualityLibrary, DataQualitySql and
  // DataQualityCustom as its if/then branches.
  void DataQuality(YamlNode n, const std::string& path) {
    if (!Object(n, path)) {
      return;
    }
    KeySet allowed = {"id",
                      "authoritativeDefinitions",
                      "businessImpact",
                      "customProperties",
                      "description",
                      "dimension",
                      "method",
                      "name",
                      "schedule",
                      "scheduler",
                      "severity",
                      "tags",
                      "type",
                      "unit"};
    StableId(n, path);
    Strings(n, path,
            {"businessImpact", "description", "method", "name", "schedule",
             "scheduler", "severity", "unit"});
    Enum(n, path, "dimension", kDimensions, "quality dimension");
    Enum(n, path, "type", kQualityTypes, "quality rule type");
    Common(n, path);
    const YamlNode type = Get(n, "type");
    const std::string t = TypeOf(type) == JsonType::kString
                              ? std::string(type.Scalar())
                              : std::string();
    const bool library =
        t == "library" || TypeOf(Get(n, "metric")) == JsonType::kString;
    if (library) {
      allowed.insert({"metric", "rule", "arguments"});
      // v3.0.x named the check `rule` (nullCheck, countCheck, ...).
      if (!(rules_ == Rules::kV30 && Get(n, "rule").IsDefined())) {
        Required(n, path, {"metric"}, "a library quality rule");
      }
      Enum(n, path, "metric", kMetrics, "quality metric");
      Strings(n, path, {"rule"});
      if (Typed(n, path, "arguments", JsonType::kObject)) {
        Arguments(Get(n, "arguments"), Field(path, "arguments"));
      }
    }
    if (t == "sql") {
      allowed.insert("query");
      Required(n, path, {"query"}, "a sql quality rule");
      Strings(n, path, {"query"});
    }
    if (t == "custom") {
      allowed.insert({"engine", "implementation"});
      Required(n, path, {"engine", "implementation"}, "a custom quality rule");
      Strings(n, path, {"engine"});
      const JsonType impl = TypeOf(Get(n, "implementation"));
      if (Get(n, "implementation").IsDefined() && impl != JsonType::kString &&
          impl != JsonType::kObject) {
        Add(Field(path, "implementation"), Get(n, "implementation"),
            absl::StrCat("expected a string or a mapping, found ",
                         Describe(Get(n, "implementation"))));
      }
    }
    // A v3.0.x library rule named by `rule` (nullCheck, ...) carried its
    // threshold in the rule itself and needs no operator.
    const bool v30_rule = rules_ == Rules::kV30 && library &&
                          !Get(n, "metric").IsDefined() &&
                          Get(n, "rule").IsDefined();
    if ((library || t == "sql") && !v30_rule) {
      for (const std::string& op : internal::kQualityOperators) {
        allowed.insert(op);
      }
      Operators(n, path, library ? "library" : "sql");
    }
    OnlyKeys(n, path, allowed,
             t.empty() && !library ? std::string("a quality rule")
                                   : absl::StrCat("a ", library ? "library" : t,
                                                  " quality rule"));
  }

  // The arguments `contract test` reads; others are left to their engines.
  void Arguments(YamlNode args, const std::string& path) {
    if (Typed(args, path, "validValues", JsonType::kArray)) {
      const YamlNode values = Get(args, "validValues");
      const std::string vpath = Field(path, "validValues");
      for (size_t i = 0; i < values.size(); ++i) {
        // null is admitted: the standard's own examples list it among the
        // valid values (contract test counts non-null values only).
        if (values[i].IsSequence() || values[i].IsMap()) {
          Add(Index(vpath, i), values[i],
              absl::StrCat("expected a string, number, boolean or null, found ",
                           Describe(values[i])));
        }
      }
    }
    Strings(args, path, {"pattern"});
  }

  // $defs/DataQualityOperators: a oneOf, so exactly one operator.
  void Operators(YamlNode n, const std::string& path, absl::string_view kind) {
    std::vector<std::string> found;
    for (const std::string& op : internal::kQualityOperators) {
      if (Get(n, op).IsDefined()) {
        found.push_back(op);
      }
    }
    if (found.size() != 1) {
      Add(path, n,
          absl::StrCat("a ", kind, " quality rule needs exactly one operator (",
                       Quoted(internal::kQualityOperators), "); found ",
                       found.empty() ? "none" : Quoted(found)));
    }
    for (const std::string& op : found) {
      const YamlNode v = Get(n, op);
      const std::string p = Field(path, op);
      if (op == "mustBe" || op == "mustNotBe") {
        continue;  // any value
      }
      if (op == "mustBeBetween" || op == "mustNotBeBetween") {
        Range(v, p);
        continue;
      }
      Expect(v, p, JsonType::kNumber);
    }
  }

  void Range(YamlNode v, const std::string& p) {
    if (!Expect(v, p, JsonType::kArray)) {
      return;
    }
    if (v.size() != 2) {
      Add(p, v,
          absl::StrCat("expected two numbers [low, high], found ", v.size(),
                       " values"));
      return;
    }
    if (Expect(v[0], Index(p, 0), JsonType::kNumber) &&
        Expect(v[1], Index(p, 1), JsonType::kNumber) &&
        v[0].Scalar() == v[1].Scalar()) {
      Add(p, v, "expected two different numbers");
    }
  }

  void SupportItem(YamlNode n, const std::string& path) {
    if (!Object(n, path)) {
      return;
    }
    OnlyKeys(n, path,
             {"id", "channel", "url", "description", "tool", "scope",
              "invitationUrl", "customProperties"},
             "a support channel");
    Required(n, path, {"channel"}, "a support channel");
    StableId(n, path);
    Strings(
        n, path,
        {"channel", "url", "description", "tool", "scope", "invitationUrl"});
    Common(n, path);
  }

  void Pricing(YamlNode root) {
    const YamlNode n = Get(root, "price");
    if (!n.IsDefined() || !Object(n, "price")) {
      return;
    }
    OnlyKeys(n, "price", {"id", "priceAmount", "priceCurrency", "priceUnit"},
             "a price");
    StableId(n, "price");
    Typed(n, "price", "priceAmount", JsonType::kNumber);
    Strings(n, "price", {"priceCurrency", "priceUnit"});
  }

  // `team`: $defs/Team, or (deprecated, v3.0) a list of $defs/TeamMember.
  void Team(YamlNode root) {
    const YamlNode n = Get(root, "team");
    if (!n.IsDefined()) {
      return;
    }
    auto member = [&](YamlNode m, const std::string& p) { TeamMember(m, p); };
    if (n.IsSequence()) {
      List(root, "", "team", member);
      return;
    }
    if (!n.IsMap()) {
      Add("team", n,
          absl::StrCat("expected a mapping (name, members, ...) or a list of "
                       "members, found ",
                       Describe(n)));
      return;
    }
    OnlyKeys(n, "team",
             {"id", "name", "description", "members", "tags",
              "customProperties", "authoritativeDefinitions"},
             "a team");
    StableId(n, "team");
    Strings(n, "team", {"name", "description"});
    Common(n, "team");
    List(n, "team", "members", member);
  }

  void TeamMember(YamlNode n, const std::string& path) {
    if (!Object(n, path)) {
      return;
    }
    OnlyKeys(n, path,
             {"id", "username", "name", "description", "role", "dateIn",
              "dateOut", "replacedByUsername", "tags", "customProperties",
              "authoritativeDefinitions"},
             "a team member");
    Required(n, path, {"username"}, "a team member");
    StableId(n, path);
    Strings(n, path,
            {"username", "name", "description", "role", "dateIn", "dateOut",
             "replacedByUsername"});
    Common(n, path);
  }

  void Role(YamlNode n, const std::string& path) {
    if (!Object(n, path)) {
      return;
    }
    OnlyKeys(n, path,
             {"id", "role", "description", "access", "firstLevelApprovers",
              "secondLevelApprovers", "customProperties"},
             "a role");
    Required(n, path, {"role"}, "a role");
    StableId(n, path);
    Strings(n, path,
            {"role", "description", "access", "firstLevelApprovers",
             "secondLevelApprovers"});
    Common(n, path);
  }

  // $defs/ServiceLevelAgreementProperty: value is a scalar or null.
  void Sla(YamlNode n, const std::string& path) {
    if (!Object(n, path)) {
      return;
    }
    KeySet allowed = {"id",        "property", "value",  "valueExt",
                      "unit",      "element",  "driver", "description",
                      "scheduler", "schedule"};
    if (rules_ == Rules::kV32) {  // RFC 0046
      allowed.insert({"customProperties", "authoritativeDefinitions"});
      Common(n, path);
    }
    OnlyKeys(n, path, allowed, "an SLA property");
    Required(n, path, {"property", "value"}, "an SLA property");
    StableId(n, path);
    Strings(n, path,
            {"property", "unit", "element", "driver", "description",
             "scheduler", "schedule"});
    for (const char* key : {"value", "valueExt"}) {
      const YamlNode v = Get(n, key);
      if (v.IsDefined() && (v.IsSequence() || v.IsMap())) {
        Add(Field(path, key), v,
            absl::StrCat("expected a single value (string, number, boolean "
                         "or null), found ",
                         Describe(v)));
      }
    }
  }

  Rules rules_ = Rules::kV31;
  std::vector<Issue> issues_;
};

}  // namespace

std::string Issue::ToString() const {
  std::string where = path.empty() ? std::string("(document)") : path;
  if (position.line > 0) {
    absl::StrAppend(&where, " (line ", position.line, ", column ",
                    position.column, ")");
  }
  return absl::StrCat(where, ": ", message);
}

const std::vector<std::string>& SupportedApiVersions() { return kApiVersions; }

absl::StatusOr<ValidatedDocument> ParseAndValidate(
    absl::string_view yaml_text) {
  MP_ASSIGN_OR_RETURN(internal::YamlDocument doc,
                      internal::LoadYaml(yaml_text));
  ValidatedDocument out;
  out.issues = Validator().Run(doc.root());
  out.document = internal::Normalise(doc.root());
  return out;
}

absl::StatusOr<std::vector<Issue>> Validate(absl::string_view yaml_text) {
  MP_ASSIGN_OR_RETURN(ValidatedDocument v, ParseAndValidate(yaml_text));
  return std::move(v.issues);
}

absl::Status ToStatus(const std::vector<Issue>& issues) {
  if (issues.empty()) {
    return absl::OkStatus();
  }
  std::vector<std::string> lines;
  lines.reserve(issues.size());
  for (const Issue& issue : issues) {
    lines.push_back(issue.ToString());
  }
  return absl::InvalidArgumentError(
      absl::StrCat("the data contract is not valid ODCS (", issues.size(),
                   issues.size() == 1 ? " issue" : " issues", "):\n",
                   absl::StrJoin(lines, "\n")));
}

}  // namespace meshplane::contract
