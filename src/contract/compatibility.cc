// Diff and compatibility of contract versions. Every change is reduced to two
// facts (docs/contracts.md, "The change table"): does it tighten what the
// contract demands of the data (then data produced under the old version may
// not satisfy the new one: breaks BACKWARD), and does it withdraw something
// the contract promised (then consumers of the old version lose it: breaks
// FORWARD). Modes only choose which of the two they protect.
#include "meshplane/contract/compatibility.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meshplane::contract {
namespace {

struct ModeInfo {
  CompatibilityMode mode;
  const char* name;
};

constexpr ModeInfo kModes[] = {
    {CompatibilityMode::kNone, "NONE"},
    {CompatibilityMode::kBackward, "BACKWARD"},
    {CompatibilityMode::kForward, "FORWARD"},
    {CompatibilityMode::kFull, "FULL"},
    {CompatibilityMode::kBackwardTransitive, "BACKWARD_TRANSITIVE"},
    {CompatibilityMode::kForwardTransitive, "FORWARD_TRANSITIVE"},
    {CompatibilityMode::kFullTransitive, "FULL_TRANSITIVE"},
};

bool ProtectsBackward(CompatibilityMode m) {
  return m == CompatibilityMode::kBackward || m == CompatibilityMode::kFull ||
         m == CompatibilityMode::kBackwardTransitive ||
         m == CompatibilityMode::kFullTransitive;
}

bool ProtectsForward(CompatibilityMode m) {
  return m == CompatibilityMode::kForward || m == CompatibilityMode::kFull ||
         m == CompatibilityMode::kForwardTransitive ||
         m == CompatibilityMode::kFullTransitive;
}

bool Transitive(CompatibilityMode m) {
  return m == CompatibilityMode::kBackwardTransitive ||
         m == CompatibilityMode::kForwardTransitive ||
         m == CompatibilityMode::kFullTransitive;
}

// Which ways a change breaks.
enum Breaks { kNeither = 0, kBackward = 1, kForward = 2, kBoth = 3 };

class Differ {
 public:
  std::vector<Change> Run(const Document& a, const Document& b) {
    Objects(a, b);
    Slas(a, b);
    Servers(a, b);
    if (a.description.purpose != b.description.purpose ||
        a.description.limitations != b.description.limitations ||
        a.description.usage != b.description.usage) {
      Add(ChangeKind::kDocumentation, "description", {}, kNeither,
          "the contract's description changed", "the data did not change");
    }
    if (a.context != b.context) {
      Add(ChangeKind::kDocumentation, "context", {}, kNeither,
          "the contract's context for AI agents changed",
          "the data did not change");
    }
    return std::move(changes_);
  }

 private:
  // `what` happened; `why` says whom it affects, never a verdict (the mode
  // decides that, and Change::Explain states it).
  void Add(ChangeKind kind, std::string path, SourcePosition pos, int breaks,
           std::string what, std::string why) {
    Change c;
    c.kind = kind;
    c.path = std::move(path);
    c.position = pos;
    c.breaks_backward = (breaks & kBackward) != 0;
    c.breaks_forward = (breaks & kForward) != 0;
    c.what = std::move(what);
    c.why = std::move(why);
    changes_.push_back(std::move(c));
  }

  // Matches elements by name; calls both(a, b) for pairs, then reports
  // removals (in old order) and additions (in new order).
  template <typename T, typename Both, typename Gone, typename New>
  void Match(const std::vector<T>& olds, const std::vector<T>& news, Both both,
             Gone gone, New added) {
    std::map<std::string, const T*> by_name;
    for (const T& o : olds) {
      by_name.emplace(o.name, &o);
    }
    std::set<std::string> seen;
    for (const T& n : news) {
      auto it = by_name.find(n.name);
      if (it == by_name.end()) {
        added(n);
      } else {
        seen.insert(n.name);
        both(*it->second, n);
      }
    }
    for (const T& o : olds) {
      if (seen.count(o.name) == 0) {
        gone(o);
      }
    }
  }

  void Objects(const Document& a, const Document& b) {
    Match(
        a.schema, b.schema,
        [&](const SchemaObject& o, const SchemaObject& n) {
          const std::string path = absl::StrCat("schema[", n.name, "]");
          Docs(path, n.position,
               o.description != n.description ||
                   o.business_name != n.business_name || o.tags != n.tags ||
                   SynonymsDiffer(o.synonyms, n.synonyms) ||
                   o.context != n.context);
          Deprecation(path, n.position, "object", n.name, o.deprecated,
                      n.deprecated);
          Properties(path, o.properties, n.properties);
          Quality(path, n.position, o.quality, n.quality);
          Relationships(path, n.position, o.relationships, n.relationships);
        },
        [&](const SchemaObject& o) {
          Add(ChangeKind::kObjectRemoved, absl::StrCat("schema[", o.name, "]"),
              o.position, kForward,
              absl::StrCat("object ", o.name, " was removed"),
              "consumers of the old contract read it (a rename is a removal "
              "plus an addition)");
        },
        [&](const SchemaObject& n) {
          Add(ChangeKind::kObjectAdded, absl::StrCat("schema[", n.name, "]"),
              n.position, kNeither,
              absl::StrCat("object ", n.name, " was added"),
              "no existing reader depends on it");
        });
  }

  void Docs(const std::string& path, SourcePosition pos, bool changed) {
    if (changed) {
      Add(ChangeKind::kDocumentation, path, pos, kNeither,
          "description, business name or tags changed",
          "the data did not change");
    }
  }

  void Properties(const std::string& parent, const std::vector<Property>& olds,
                  const std::vector<Property>& news) {
    Match(
        olds, news,
        [&](const Property& o, const Property& n) {
          PropertyPair(absl::StrCat(parent, ".properties[", n.name, "]"), o, n);
        },
        [&](const Property& o) {
          Add(ChangeKind::kPropertyRemoved,
              absl::StrCat(parent, ".properties[", o.name, "]"), o.position,
              kForward, absl::StrCat("property ", o.name, " was removed"),
              "consumers of the old contract select it (a rename is a removal "
              "plus an addition)");
        },
        [&](const Property& n) {
          const std::string path =
              absl::StrCat(parent, ".properties[", n.name, "]");
          if (n.required) {
            Add(ChangeKind::kRequiredPropertyAdded, path, n.position, kBackward,
                absl::StrCat("required property ", n.name, " was added"),
                "data produced under the old contract has no value for it");
          } else {
            Add(ChangeKind::kPropertyAdded, path, n.position, kNeither,
                absl::StrCat("optional property ", n.name, " was added"),
                "old data reads as null, old readers ignore it");
          }
        });
  }

  void PropertyPair(const std::string& path, const Property& o,
                    const Property& n) {
    const SourcePosition pos = n.position;
    LogicalType(path, pos, o.logical_type, n.logical_type);
    PhysicalType(path, pos, o.physical_type, n.physical_type);
    Flag(path + ".required", pos, o.required, n.required,
         ChangeKind::kRequiredAdded, ChangeKind::kRequiredRemoved,
         "the property became required", "old data may hold nulls",
         "the property is no longer required", "readers relied on a value");
    Flag(path + ".unique", pos, o.unique, n.unique, ChangeKind::kUniqueAdded,
         ChangeKind::kUniqueRemoved, "values must now be unique",
         "old data may repeat them", "values are no longer unique",
         "readers relied on uniqueness");
    if (o.primary_key != n.primary_key ||
        (n.primary_key && o.primary_key_position != n.primary_key_position)) {
      Add(ChangeKind::kPrimaryKeyChanged, path + ".primaryKey", pos, kBoth,
          "the primary key changed",
          "rows are identified differently: joins and upserts on either side "
          "go wrong");
    }
    Classification(path + ".classification", pos, o.classification,
                   n.classification);
    Options(path + ".logicalTypeOptions", pos, o.logical_type_options,
            n.logical_type_options);
    Docs(path, pos,
         o.description != n.description || o.business_name != n.business_name ||
             o.tags != n.tags || SynonymsDiffer(o.synonyms, n.synonyms));
    Deprecation(path, pos, "property", n.name, o.deprecated, n.deprecated);
    if (o.semantic_type != n.semantic_type) {
      // Absent means column (RFC 0034's default).
      const std::string a =
          o.semantic_type.empty() ? "column" : o.semantic_type;
      const std::string b =
          n.semantic_type.empty() ? "column" : n.semantic_type;
      if (a != b) {
        Add(ChangeKind::kSemanticTypeChanged, path + ".semanticType", pos,
            kBoth, absl::StrCat("semanticType ", a, " -> ", b),
            "readers aggregate or group by the property differently");
      }
    }
    EnumValues(path, pos, o, n);
    Quality(path, pos, o.quality, n.quality);
    Relationships(path, pos, o.relationships, n.relationships);
    Properties(path, o.properties, n.properties);
    if (!o.items.empty() && !n.items.empty()) {
      PropertyPair(path + ".items", o.items[0], n.items[0]);
    }
    if (!o.map_key.empty() && !n.map_key.empty()) {
      PropertyPair(path + ".map.key", o.map_key[0], n.map_key[0]);
    }
    if (!o.map_value.empty() && !n.map_value.empty()) {
      PropertyPair(path + ".map.value", o.map_value[0], n.map_value[0]);
    }
  }

  static bool SynonymsDiffer(const std::vector<Synonym>& a,
                             const std::vector<Synonym>& b) {
    if (a.size() != b.size()) {
      return true;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].synonym != b[i].synonym || a[i].locale != b[i].locale) {
        return true;
      }
    }
    return false;
  }

  // RFC 0051: deprecation changes nothing in the data; it tells consumers to
  // move off the element before a later major version removes it.
  void Deprecation(const std::string& path, SourcePosition pos,
                   const char* what, const std::string& name, bool was,
                   bool is) {
    if (!was && is) {
      Add(ChangeKind::kDeprecated, path + ".deprecated", pos, kNeither,
          absl::StrCat(what, " ", name, " was marked deprecated"),
          "consumers should move off it: a later major version may remove "
          "it");
    } else if (was && !is) {
      Add(ChangeKind::kUndeprecated, path + ".deprecated", pos, kNeither,
          absl::StrCat(what, " ", name, " is no longer deprecated"),
          "consumers may keep using it");
    }
  }

  // The allowed values of a property: its `enum` (v3.2.0) when it has one,
  // else the validValues of an invalidValues rule (compared in Quality).
  void EnumValues(const std::string& path, SourcePosition pos,
                  const Property& o, const Property& n) {
    if (o.enum_values.empty() && n.enum_values.empty()) {
      return;
    }
    auto values = [](const Property& p) {
      std::vector<std::string> out;
      for (const EnumValue& e : p.enum_values) {
        out.push_back(e.value);
      }
      return out;
    };
    const std::string p = path + ".enum";
    if (o.enum_values.empty()) {
      Add(ChangeKind::kEnumNarrowed, p, pos, kBackward,
          "an enum of allowed values was introduced",
          "old data may hold others");
      return;
    }
    if (n.enum_values.empty()) {
      Add(ChangeKind::kEnumWidened, p, pos, kForward,
          "the enum of allowed values was dropped",
          "old readers may meet any value");
      return;
    }
    AllowedValues(p, pos, values(o), values(n));
  }

  static std::string Joined(const std::vector<std::string>& refs) {
    return absl::StrJoin(refs, ", ");
  }

  // A relationship's identity: its id (v3.2.0), else both of its ends.
  static std::string RelationshipKey(const Relationship& r) {
    return r.id.empty() ? absl::StrCat(Joined(r.from), " -> ", Joined(r.to))
                        : "id:" + r.id;
  }

  static std::string RelationshipName(const Relationship& r) {
    return r.id.empty() ? absl::StrCat("to ", Joined(r.to)) : r.id;
  }

  void Relationships(const std::string& path, SourcePosition pos,
                     const std::vector<Relationship>& olds,
                     const std::vector<Relationship>& news) {
    std::map<std::string, const Relationship*> by_key;
    for (const Relationship& r : olds) {
      by_key.emplace(RelationshipKey(r), &r);
    }
    std::set<std::string> seen;
    for (const Relationship& r : news) {
      const std::string key = RelationshipKey(r);
      const std::string p =
          absl::StrCat(path, ".relationships[", RelationshipName(r), "]");
      auto it = by_key.find(key);
      if (it == by_key.end()) {
        Add(ChangeKind::kRelationshipAdded, p, r.position, kBackward,
            absl::StrCat("relationship ", RelationshipName(r), " was added"),
            "old data may hold values the referenced key does not have");
        continue;
      }
      seen.insert(key);
      const Relationship& o = *it->second;
      if (o.from != r.from || o.to != r.to || o.type != r.type) {
        Add(ChangeKind::kRelationshipChanged, p, r.position, kBoth,
            absl::StrCat("relationship ", r.id, " now links ", Joined(r.from),
                         r.from.empty() ? "" : " ", "to ", Joined(r.to),
                         " (was ", Joined(o.from), o.from.empty() ? "" : " ",
                         "to ", Joined(o.to), ")"),
            "joins written against either version go wrong under the other");
      }
    }
    for (const Relationship& r : olds) {
      if (seen.count(RelationshipKey(r)) == 0) {
        Add(ChangeKind::kRelationshipRemoved,
            absl::StrCat(path, ".relationships[", RelationshipName(r), "]"),
            r.position, kForward,
            absl::StrCat("relationship ", RelationshipName(r), " was removed"),
            "consumers join on it; the data no longer promises the key "
            "exists");
      }
    }
    (void)pos;
  }

  void Flag(const std::string& path, SourcePosition pos, bool was, bool is,
            ChangeKind on, ChangeKind off, const char* on_what,
            const char* on_why, const char* off_what, const char* off_why) {
    if (!was && is) {
      Add(on, path, pos, kBackward, on_what, on_why);
    } else if (was && !is) {
      Add(off, path, pos, kForward, off_what, off_why);
    }
  }

  void LogicalType(const std::string& path, SourcePosition pos,
                   const std::string& o, const std::string& n) {
    if (o == n) {
      return;
    }
    const std::string p = path + ".logicalType";
    const std::string what =
        absl::StrCat("logicalType ", o.empty() ? "(none)" : o, " -> ",
                     n.empty() ? "(none)" : n);
    // Every integer is a number: readers of the new contract read old data,
    // readers of the old one may meet fractions.
    if (o == "integer" && n == "number") {
      Add(ChangeKind::kLogicalTypeWidened, p, pos, kForward, what + " widens",
          "every old value is still valid, but old readers may meet "
          "fractions");
    } else if (o == "number" && n == "integer") {
      Add(ChangeKind::kLogicalTypeNarrowed, p, pos, kBackward,
          what + " narrows", "old data may hold fractions");
    } else {
      Add(ChangeKind::kLogicalTypeChanged, p, pos, kBoth, what,
          "values change type for every reader");
    }
  }

  // "varchar(18)" -> {"varchar", 18}.
  static bool SplitLength(const std::string& t, std::string* base, long* len) {
    const size_t open = t.find('(');
    if (open == std::string::npos || t.back() != ')') {
      return false;
    }
    *base = absl::AsciiStrToLower(t.substr(0, open));
    return absl::SimpleAtoi(t.substr(open + 1, t.size() - open - 2), len);
  }

  void PhysicalType(const std::string& path, SourcePosition pos,
                    const std::string& o, const std::string& n) {
    if (o == n || absl::AsciiStrToLower(o) == absl::AsciiStrToLower(n)) {
      return;
    }
    const std::string p = path + ".physicalType";
    const std::string what = absl::StrCat("physicalType ", o, " -> ", n);
    std::string ob, nb;
    long ol = 0, nl = 0;
    if (SplitLength(o, &ob, &ol) && SplitLength(n, &nb, &nl) && ob == nb) {
      if (nl > ol) {
        Add(ChangeKind::kPhysicalTypeWidened, p, pos, kForward,
            what + " widens",
            "old values fit, old readers may meet longer "
            "ones");
      } else {
        Add(ChangeKind::kPhysicalTypeNarrowed, p, pos, kBackward,
            what + " narrows", "old values may not fit");
      }
      return;
    }
    Add(ChangeKind::kPhysicalTypeChanged, p, pos, kBoth, what,
        "the stored representation changes for every reader");
  }

  // public < internal < confidential/sensitive < restricted < secret: a
  // higher level admits fewer readers.
  static int Level(const std::string& c) {
    static const std::map<std::string, int> levels = {
        {"", 0},          {"public", 0},
        {"internal", 1},  {"confidential", 2},
        {"sensitive", 2}, {"restricted", 3},
        {"secret", 4},    {"highly-confidential", 4}};
    auto it = levels.find(absl::AsciiStrToLower(c));
    return it == levels.end() ? -1 : it->second;
  }

  void Classification(const std::string& path, SourcePosition pos,
                      const std::string& o, const std::string& n) {
    if (o == n) {
      return;
    }
    const int lo = Level(o);
    const int ln = Level(n);
    const std::string what =
        absl::StrCat("classification ", o.empty() ? "(none)" : o, " -> ",
                     n.empty() ? "(none)" : n);
    if (lo < 0 || ln < 0) {
      Add(ChangeKind::kClassificationChanged, path, pos, kBoth, what,
          "levels we cannot order; consumers' clearance must be "
          "reviewed");
    } else if (ln > lo) {
      Add(ChangeKind::kClassificationTightened, path, pos, kBoth,
          what + " tightens",
          "consumers cleared for the old level may lose access to the data");
    } else if (ln < lo) {
      Add(ChangeKind::kClassificationLoosened, path, pos, kNeither,
          what + " loosens", "every current reader keeps access");
    }
  }

  // logicalTypeOptions bounds: a lower bound raised or added tightens; an
  // upper bound lowered or added tightens; the reverse loosens. Other options
  // (pattern, format, ...) tighten when added, loosen when removed, and change
  // both ways when replaced.
  static int BoundDirection(const std::string& key) {
    if (key == "minLength" || key == "minimum" || key == "exclusiveMinimum" ||
        key == "minItems" || key == "minProperties") {
      return -1;
    }
    if (key == "maxLength" || key == "maximum" || key == "exclusiveMaximum" ||
        key == "maxItems" || key == "maxProperties") {
      return 1;
    }
    return 0;
  }

  static int CompareValues(const std::string& a, const std::string& b) {
    double x = 0, y = 0;
    if (absl::SimpleAtod(a, &x) && absl::SimpleAtod(b, &y)) {
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    return a < b ? -1 : (a > b ? 1 : 0);  // ISO dates order as text
  }

  void Option(const std::string& path, SourcePosition pos,
              const std::string& key, const std::string* o,
              const std::string* n) {
    const std::string p = absl::StrCat(path, ".", key);
    const std::string what =
        absl::StrCat(key, " ", o ? *o : "(none)", " -> ", n ? *n : "(none)");
    const int dir = BoundDirection(key);
    // A vector's shape, element type, metric and model (RFC 0042), and a
    // time's zone: any change makes old and new values incomparable.
    static const std::set<std::string> kIdentity = {
        "dimensions", "elementType",    "distanceMetric",
        "normalized", "embeddingModel", "embeddingModelVersion",
        "timezone",   "defaultTimezone"};
    if (kIdentity.count(key) > 0) {
      Add(ChangeKind::kConstraintChanged, p, pos, kBoth, what,
          key == "timezone" || key == "defaultTimezone"
              ? "readers interpret the same values in another time zone"
              : "vectors of the two versions cannot be compared with each "
                "other");
      return;
    }
    bool tightens = false;
    if (!o) {
      tightens = true;
    } else if (!n) {
      tightens = false;
    } else if (dir == 0) {
      Add(ChangeKind::kConstraintChanged, p, pos, kBoth, what,
          "values valid under one may be invalid under the other");
      return;
    } else {
      tightens = CompareValues(*n, *o) * dir < 0;
    }
    if (tightens) {
      Add(ChangeKind::kConstraintTightened, p, pos, kBackward,
          what + " tightens", "old data may violate it");
    } else {
      Add(ChangeKind::kConstraintLoosened, p, pos, kForward, what + " loosens",
          "old readers may meet values they did not "
          "expect");
    }
  }

  void Options(const std::string& path, SourcePosition pos,
               const std::map<std::string, std::string>& o,
               const std::map<std::string, std::string>& n) {
    for (const auto& [key, value] : n) {
      auto it = o.find(key);
      if (it == o.end()) {
        Option(path, pos, key, nullptr, &value);
      } else if (it->second != value) {
        Option(path, pos, key, &it->second, &value);
      }
    }
    for (const auto& [key, value] : o) {
      if (n.count(key) == 0) {
        Option(path, pos, key, &value, nullptr);
      }
    }
  }

  // A rule's identity across versions: its id, else its name, else what it
  // checks.
  static std::string RuleKey(const QualityRule& r) {
    if (!r.id.empty()) {
      return "id:" + r.id;
    }
    if (!r.name.empty()) {
      return "name:" + r.name;
    }
    return absl::StrCat(r.type, ":", r.metric, r.query, r.engine,
                        r.implementation);
  }

  static bool IsEnumRule(const QualityRule& r) {
    return r.metric == "invalidValues" && !r.valid_values.empty();
  }

  static std::string RuleName(const QualityRule& r) {
    return r.name.empty() ? (r.metric.empty() ? r.type : r.metric) : r.name;
  }

  void Quality(const std::string& path, SourcePosition pos,
               const std::vector<QualityRule>& olds,
               const std::vector<QualityRule>& news) {
    std::map<std::string, const QualityRule*> by_key;
    for (const QualityRule& r : olds) {
      by_key.emplace(RuleKey(r), &r);
    }
    std::set<std::string> seen;
    for (const QualityRule& r : news) {
      const std::string key = RuleKey(r);
      const std::string p = absl::StrCat(path, ".quality[", RuleName(r), "]");
      auto it = by_key.find(key);
      if (it == by_key.end()) {
        if (IsEnumRule(r)) {
          Add(ChangeKind::kEnumNarrowed, path, r.position, kBackward,
              "allowed values were introduced", "old data may hold others");
        } else {
          Add(ChangeKind::kQualityRuleAdded, p, r.position, kBackward,
              "a quality rule was added", "old data was never held to it");
        }
        continue;
      }
      seen.insert(key);
      RulePair(path, p, *it->second, r);
    }
    for (const QualityRule& r : olds) {
      if (seen.count(RuleKey(r)) == 0) {
        const std::string p = absl::StrCat(path, ".quality[", RuleName(r), "]");
        if (IsEnumRule(r)) {
          Add(ChangeKind::kEnumWidened, path, r.position, kForward,
              "the list of allowed values was dropped",
              "old readers may meet any value");
        } else {
          Add(ChangeKind::kQualityRuleRemoved, p, r.position, kForward,
              "a quality rule was removed",
              "consumers relied on its guarantee");
        }
      }
    }
  }

  void Enum(const std::string& path, SourcePosition pos, const QualityRule& o,
            const QualityRule& n) {
    AllowedValues(path + ".validValues", pos, o.valid_values, n.valid_values);
  }

  void AllowedValues(const std::string& p, SourcePosition pos,
                     const std::vector<std::string>& olds,
                     const std::vector<std::string>& news) {
    const std::set<std::string> a(olds.begin(), olds.end());
    const std::set<std::string> b(news.begin(), news.end());
    std::vector<std::string> added, removed;
    std::set_difference(b.begin(), b.end(), a.begin(), a.end(),
                        std::back_inserter(added));
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                        std::back_inserter(removed));
    if (added.empty() && removed.empty()) {
      return;
    }
    const std::string what =
        absl::StrCat("allowed values: added [", absl::StrJoin(added, ", "),
                     "], removed [", absl::StrJoin(removed, ", "), "]");
    if (!added.empty() && !removed.empty()) {
      Add(ChangeKind::kEnumChanged, p, pos, kBoth, what,
          "old data may hold removed values, old readers may meet new "
          "ones");
    } else if (!removed.empty()) {
      Add(ChangeKind::kEnumNarrowed, p, pos, kBackward, what,
          "old data may hold the removed values");
    } else {
      Add(ChangeKind::kEnumWidened, p, pos, kForward, what,
          "old readers may meet values they do not know");
    }
  }

  // +1 if `n` demands more than `o`, -1 if less, 0 if the same, 2 if they
  // cannot be ordered.
  static int Strictness(const QualityRule& o, const QualityRule& n) {
    if (o.op != n.op || o.operands.size() != n.operands.size() ||
        o.query != n.query || o.metric != n.metric) {
      return 2;
    }
    if (o.operand_text == n.operand_text) {
      return 0;
    }
    if (o.operands.empty()) {
      return 2;
    }
    const double a = o.operands[0];
    const double b = n.operands[0];
    if (o.op == "mustBeLessThan" || o.op == "mustBeLessOrEqualTo") {
      return b < a ? 1 : -1;  // a lower ceiling demands more
    }
    if (o.op == "mustBeGreaterThan" || o.op == "mustBeGreaterOrEqualTo") {
      return b > a ? 1 : -1;
    }
    if ((o.op == "mustBeBetween" || o.op == "mustNotBeBetween") &&
        o.operands.size() == 2) {
      const bool inside =
          n.operands[0] >= o.operands[0] && n.operands[1] <= o.operands[1];
      const bool outside =
          n.operands[0] <= o.operands[0] && n.operands[1] >= o.operands[1];
      // A narrower allowed range demands more; for mustNotBeBetween, a wider
      // forbidden one does.
      const bool between = o.op == "mustBeBetween";
      if (inside) {
        return between ? 1 : -1;
      }
      if (outside) {
        return between ? -1 : 1;
      }
    }
    return 2;
  }

  void RulePair(const std::string& owner, const std::string& p,
                const QualityRule& o, const QualityRule& n) {
    if (IsEnumRule(o) || IsEnumRule(n)) {
      Enum(owner, n.position, o, n);
      return;
    }
    switch (Strictness(o, n)) {
      case 0:
        if (o.description != n.description || o.severity != n.severity ||
            o.dimension != n.dimension) {
          Add(ChangeKind::kDocumentation, p, n.position, kNeither,
              "the rule's description, severity or dimension changed",
              "what it checks did not");
        }
        return;
      case 1:
        Add(ChangeKind::kQualityRuleStrengthened, p, n.position, kBackward,
            absl::StrCat(o.op, " ", o.operand_text, " -> ", n.operand_text,
                         " demands more"),
            "old data may fail it");
        return;
      case -1:
        Add(ChangeKind::kQualityRuleWeakened, p, n.position, kForward,
            absl::StrCat(o.op, " ", o.operand_text, " -> ", n.operand_text,
                         " demands less"),
            "consumers relied on the old threshold");
        return;
      default:
        Add(ChangeKind::kQualityRuleChanged, p, n.position, kBoth,
            absl::StrCat("the rule now checks something else (",
                         o.op.empty() ? o.type : o.op, " ", o.operand_text,
                         " -> ", n.op.empty() ? n.type : n.op, " ",
                         n.operand_text, ")"),
            "data valid under one may fail the other");
    }
  }

  // Seconds per unit, for SLA values with units (d, h, y, ...).
  static double UnitSeconds(const std::string& unit) {
    const std::string u = absl::AsciiStrToLower(unit);
    if (u == "s" || u == "sec" || u == "second" || u == "seconds") return 1;
    if (u == "m" || u == "min" || u == "minute" || u == "minutes") return 60;
    if (u == "h" || u == "hr" || u == "hour" || u == "hours") return 3600;
    if (u == "d" || u == "day" || u == "days") return 86400;
    if (u == "w" || u == "week" || u == "weeks") return 7 * 86400;
    if (u == "mo" || u == "month" || u == "months") return 30 * 86400;
    if (u == "y" || u == "yr" || u == "year" || u == "years")
      return 365 * 86400;
    return u.empty() ? 1 : -1;
  }

  // +1: a larger value is a stronger promise (retention, availability);
  // -1: a smaller one is (latency, frequency); 0: unknown.
  static int SlaDirection(const std::string& property) {
    const std::string p = absl::AsciiStrToLower(property);
    if (p == "latency" || p == "frequency" || p == "ttr" || p == "mttr" ||
        p == "timeofavailability" || p == "rpo" || p == "rto") {
      return -1;
    }
    if (p == "retention" || p == "availability" || p == "uptime" ||
        p == "completeness" || p == "endofsupport" || p == "endoflife") {
      return 1;
    }
    return 0;
  }

  static std::string SlaKey(const SlaProperty& s) {
    return absl::StrCat(s.property, "@", s.element);
  }

  void Slas(const Document& a, const Document& b) {
    std::map<std::string, const SlaProperty*> olds;
    for (const SlaProperty& s : a.sla_properties) {
      olds.emplace(SlaKey(s), &s);
    }
    std::set<std::string> seen;
    for (const SlaProperty& n : b.sla_properties) {
      const std::string path = absl::StrCat("slaProperties[", n.property, "]");
      auto it = olds.find(SlaKey(n));
      if (it == olds.end()) {
        Add(ChangeKind::kSlaAdded, path, n.position, kBackward,
            "a service level was added",
            "data produced under the old contract was never held to it");
        continue;
      }
      if (!seen.insert(SlaKey(n)).second) {
        continue;
      }
      SlaPair(path, *it->second, n);
    }
    for (const SlaProperty& o : a.sla_properties) {
      if (seen.count(SlaKey(o)) == 0 &&
          std::none_of(
              b.sla_properties.begin(), b.sla_properties.end(),
              [&](const SlaProperty& n) { return SlaKey(n) == SlaKey(o); })) {
        Add(ChangeKind::kSlaRemoved,
            absl::StrCat("slaProperties[", o.property, "]"), o.position,
            kForward, "a service level was removed", "consumers relied on it");
      }
    }
  }

  void SlaPair(const std::string& path, const SlaProperty& o,
               const SlaProperty& n) {
    if (o.value == n.value && o.unit == n.unit) {
      return;
    }
    const std::string what =
        absl::StrCat(o.property, " ", o.value, o.unit, " -> ", n.value, n.unit);
    double x = 0, y = 0;
    const double ux = UnitSeconds(o.unit);
    const double uy = UnitSeconds(n.unit);
    const int dir = SlaDirection(o.property);
    int order = 2;
    if (absl::SimpleAtod(o.value, &x) && absl::SimpleAtod(n.value, &y) &&
        ux > 0 && uy > 0) {
      order = CompareValues(absl::StrCat(y * uy), absl::StrCat(x * ux));
    } else if (dir != 0 && !o.value.empty() && !n.value.empty()) {
      order = CompareValues(n.value, o.value);  // dates, as ISO text
    }
    if (order == 0) {
      return;  // 1d == 24h
    }
    if (dir == 0 || order == 2) {
      Add(ChangeKind::kSlaChanged, path, n.position, kBoth, what,
          "a service level we cannot order changed");
    } else if (order * dir > 0) {
      Add(ChangeKind::kSlaStrengthened, path, n.position, kBackward,
          what + " promises more",
          "data produced under the old contract was not held to it");
    } else {
      Add(ChangeKind::kSlaWeakened, path, n.position, kForward,
          what + " promises less", "consumers relied on the old level");
    }
  }

  void Servers(const Document& a, const Document& b) {
    std::set<std::string> olds, news;
    for (const Server& s : a.servers) {
      olds.insert(s.server);
    }
    for (const Server& s : b.servers) {
      news.insert(s.server);
      if (olds.count(s.server) == 0) {
        Add(ChangeKind::kServerAdded, absl::StrCat("servers[", s.server, "]"),
            s.position, kNeither, "a server was added",
            "no existing reader depends on it");
      }
    }
    for (const Server& s : a.servers) {
      if (news.count(s.server) == 0) {
        Add(ChangeKind::kServerRemoved, absl::StrCat("servers[", s.server, "]"),
            s.position, kForward, "a server was removed",
            "consumers reading from it lose the data");
      }
    }
  }

  std::vector<Change> changes_;
};

}  // namespace

absl::string_view ModeName(CompatibilityMode mode) {
  for (const ModeInfo& m : kModes) {
    if (m.mode == mode) {
      return m.name;
    }
  }
  return "NONE";
}

absl::StatusOr<CompatibilityMode> ParseMode(absl::string_view name) {
  const std::string upper = absl::AsciiStrToUpper(name);
  std::vector<std::string> names;
  for (const ModeInfo& m : kModes) {
    if (upper == m.name) {
      return m.mode;
    }
    names.push_back(m.name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", name,
                   "\" is not a compatibility mode; expected one "
                   "of ",
                   absl::StrJoin(names, ", ")));
}

absl::string_view ChangeKindName(ChangeKind kind) {
  static const char* const kNames[] = {"object_added",
                                       "object_removed",
                                       "property_added",
                                       "required_property_added",
                                       "property_removed",
                                       "logical_type_widened",
                                       "logical_type_narrowed",
                                       "logical_type_changed",
                                       "physical_type_widened",
                                       "physical_type_narrowed",
                                       "physical_type_changed",
                                       "required_added",
                                       "required_removed",
                                       "unique_added",
                                       "unique_removed",
                                       "primary_key_changed",
                                       "classification_tightened",
                                       "classification_loosened",
                                       "classification_changed",
                                       "constraint_tightened",
                                       "constraint_loosened",
                                       "constraint_changed",
                                       "enum_narrowed",
                                       "enum_widened",
                                       "enum_changed",
                                       "quality_rule_added",
                                       "quality_rule_removed",
                                       "quality_rule_strengthened",
                                       "quality_rule_weakened",
                                       "quality_rule_changed",
                                       "sla_added",
                                       "sla_removed",
                                       "sla_strengthened",
                                       "sla_weakened",
                                       "sla_changed",
                                       "server_added",
                                       "server_removed",
                                       "relationship_added",
                                       "relationship_removed",
                                       "relationship_changed",
                                       "deprecated",
                                       "undeprecated",
                                       "semantic_type_changed",
                                       "documentation"};
  return kNames[static_cast<int>(kind)];
}

absl::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kCosmetic:
      return "cosmetic";
    case Severity::kCompatible:
      return "compatible";
    case Severity::kBreaking:
      return "breaking";
  }
  return "compatible";
}

Severity Change::SeverityIn(CompatibilityMode mode) const {
  if ((breaks_backward && ProtectsBackward(mode)) ||
      (breaks_forward && ProtectsForward(mode))) {
    return Severity::kBreaking;
  }
  return kind == ChangeKind::kDocumentation ? Severity::kCosmetic
                                            : Severity::kCompatible;
}

std::string Change::Explain(CompatibilityMode mode) const {
  // One source: the verdict word comes from SeverityIn, and the texts Diff
  // records (what, why) never carry one.
  const Severity severity = SeverityIn(mode);
  std::string body = what;
  if (!why.empty()) {
    absl::StrAppend(&body, ": ", why);
  }
  if (severity == Severity::kBreaking) {
    return absl::StrCat("breaking under ", ModeName(mode), ": ", body);
  }
  if (!breaks_backward && !breaks_forward) {
    return absl::StrCat(SeverityName(severity), ": ", body);
  }
  // It hurts a side the mode leaves unprotected: say which, so that the
  // reason does not read as a contradiction of the verdict.
  if (mode == CompatibilityMode::kNone) {
    return absl::StrCat("compatible under NONE, which refuses nothing: ", body);
  }
  const char* unprotected =
      breaks_forward && !ProtectsForward(mode)
          ? "existing consumers"
          : "readers of the new contract over data produced under the old one";
  return absl::StrCat("compatible under ", ModeName(mode),
                      ", which does not protect ", unprotected,
                      " from this: ", body);
}

Bump Change::RequiredBump(CompatibilityMode mode) const {
  const CompatibilityMode m =
      mode == CompatibilityMode::kNone ? CompatibilityMode::kFull : mode;
  switch (SeverityIn(m)) {
    case Severity::kBreaking:
      return Bump::kMajor;
    case Severity::kCompatible:
      return Bump::kMinor;
    case Severity::kCosmetic:
      return Bump::kPatch;
  }
  return Bump::kPatch;
}

std::vector<Change> Diff(const Document& previous, const Document& candidate) {
  return Differ().Run(previous, candidate);
}

absl::StatusOr<Verdict> Check(const Document& candidate,
                              absl::Span<const Document> previous_versions,
                              CompatibilityMode mode) {
  Verdict v;
  v.mode = mode;
  absl::StatusOr<SemVer> version = SemVer::Parse(candidate.version);
  for (const Document& p : previous_versions) {
    if (p.id != candidate.id) {
      return absl::InvalidArgumentError(absl::StrCat(
          "previous version ", p.version, " belongs to contract \"", p.id,
          "\", not to \"", candidate.id, "\""));
    }
  }
  if (previous_versions.empty()) {
    v.version_satisfied = version.ok();
    if (!version.ok()) {
      v.version_message = std::string(version.status().message());
    }
    return v;
  }
  const Document& latest = previous_versions.back();
  v.previous_version = latest.version;
  absl::StatusOr<SemVer> latest_version = SemVer::Parse(latest.version);
  if (!latest_version.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("previous version: ", latest_version.status().message()));
  }
  v.changes = Diff(latest, candidate);
  for (const Change& c : v.changes) {
    v.compatible = v.compatible && c.SeverityIn(mode) != Severity::kBreaking;
    v.required_bump = std::max(v.required_bump, c.RequiredBump(mode));
  }
  if (Transitive(mode)) {
    for (size_t i = 0; i + 1 < previous_versions.size(); ++i) {
      for (Change& c : Diff(previous_versions[i], candidate)) {
        if (c.SeverityIn(mode) == Severity::kBreaking) {
          c.against_version = previous_versions[i].version;
          v.compatible = false;
          v.changes.push_back(std::move(c));
        }
      }
    }
  }
  // Any new version is at least a patch: identical text republished under a
  // new number is still a release.
  v.required_bump = std::max(v.required_bump, Bump::kPatch);
  SemVer suggested = latest_version->Bumped(v.required_bump);
  if (v.required_bump == Bump::kMajor && latest_version->major() == 0) {
    suggested = latest_version->Bumped(Bump::kMinor);  // semver.org item 4
  }
  v.suggested_version = suggested.ToString();
  if (!version.ok()) {
    v.version_satisfied = false;
    v.version_message = std::string(version.status().message());
  } else if (!Satisfies(*latest_version, *version, v.required_bump)) {
    v.version_satisfied = false;
    v.version_message = absl::StrCat(
        "version ", candidate.version, " after ", latest.version,
        " does not make the ", BumpName(v.required_bump),
        " bump these changes require; use ", v.suggested_version, " or later");
  }
  return v;
}

}  // namespace meshplane::contract
