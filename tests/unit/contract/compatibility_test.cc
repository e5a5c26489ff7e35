#include "meshplane/contract/compatibility.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/text_edit.h"

#include "meshplane/contract/validate.h"

namespace meshplane::contract {
namespace {

using ::meshplane::testing::EditText;

constexpr absl::string_view kBase = R"(apiVersion: v3.1.0
kind: DataContract
id: orders
version: 1.0.0
status: active
schema:
  - name: orders
    description: Orders
    properties:
      - name: id
        logicalType: string
        physicalType: varchar(18)
        required: true
        unique: true
        primaryKey: true
        primaryKeyPosition: 1
      - name: amount
        logicalType: integer
        classification: internal
        logicalTypeOptions:
          maximum: 1000
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments:
              validValues: [open, paid]
            mustBe: 0
      - name: note
        logicalType: string
        description: free text
        quality:
          - metric: nullValues
            mustBeLessThan: 10
  - name: customers
    properties:
      - name: id
        logicalType: string
slaProperties:
  - property: latency
    value: 4
    unit: d
  - property: retention
    value: 3
    unit: y
)";

Document Load(absl::string_view text) {
  absl::StatusOr<ValidatedDocument> v = ParseAndValidate(text);
  EXPECT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(ToStatus(v->issues), absl::OkStatus()) << text;
  return v->document;
}

std::string Edit(absl::string_view from, absl::string_view to) {
  return EditText(kBase, {{std::string(from), std::string(to)}});
}

// One rule: an edit of kBase (or of `base`, itself an edit of kBase), the
// change it must produce, and its severity under BACKWARD, FORWARD, FULL
// (NONE never breaks). With `reverse` the edited document is the previous
// version and the base the candidate.
struct Rule {
  const char* name;
  std::string from;
  std::string to;
  ChangeKind kind;
  std::string path;
  Severity backward;
  Severity forward;
  Severity full;
  bool reverse = false;
  std::string base = std::string(kBase);
};

std::string EditOf(const std::string& base, absl::string_view from,
                   absl::string_view to) {
  return EditText(base, {{std::string(from), std::string(to)}});
}

// The servers block some rows start from.
constexpr absl::string_view kServers = R"(servers:
  - server: prod
    type: postgres
    host: db.example.com
    port: 5432
    database: sales
    schema: public
)";

// kBase as ODCS v3.2.0, with the elements v3.1.0 and v3.2.0 added:
// relationships, enum, vector, semanticType, map, timestamps with a zone,
// synonyms and the context block.
std::string Base32() {
  std::string out = absl::StrReplaceAll(
      kBase, {{"apiVersion: v3.1.0", "apiVersion: v3.2.0"},
              {"    description: Orders\n",
               "    description: Orders\n"
               "    relationships:\n"
               "      - id: fk_customer\n"
               "        from: orders.id\n"
               "        to: customers.id\n"},
              {"  - name: customers\n    properties:\n      - name: id\n"
               "        logicalType: string\n",
               "  - name: customers\n    properties:\n      - name: id\n"
               "        logicalType: string\n"
               "      - name: tier\n"
               "        logicalType: string\n"
               "        enum:\n"
               "          - value: gold\n"
               "          - value: silver\n"
               "      - name: embedding\n"
               "        logicalType: vector\n"
               "        logicalTypeOptions:\n"
               "          dimensions: 768\n"
               "      - name: revenue\n"
               "        logicalType: number\n"
               "        semanticType: measure\n"
               "      - name: attrs\n"
               "        logicalType: map\n"
               "        map:\n"
               "          key: {logicalType: string}\n"
               "          value: {logicalType: integer}\n"
               "      - name: created\n"
               "        logicalType: timestamp\n"
               "        logicalTypeOptions:\n"
               "          defaultTimezone: UTC\n"}});
  return "context: Amounts are in cents.\n" + out;
}

constexpr Severity B = Severity::kBreaking;
constexpr Severity C = Severity::kCompatible;
constexpr Severity X = Severity::kCosmetic;

std::vector<Rule> Rules() {
  return {
      {"object removed",
       "  - name: customers\n    properties:\n      - name: id\n        "
       "logicalType: string\n",
       "", ChangeKind::kObjectRemoved, "schema[customers]", C, B, B},
      {"object added", "slaProperties:",
       "  - name: invoices\n    properties:\n      - name: id\nslaProperties:",
       ChangeKind::kObjectAdded, "schema[invoices]", C, C, C},
      {"optional property added", "  - name: customers\n    properties:\n",
       "  - name: customers\n    properties:\n      - name: email\n        "
       "logicalType: string\n",
       ChangeKind::kPropertyAdded, "schema[customers].properties[email]", C, C,
       C},
      {"required property added", "  - name: customers\n    properties:\n",
       "  - name: customers\n    properties:\n      - name: email\n        "
       "required: true\n",
       ChangeKind::kRequiredPropertyAdded,
       "schema[customers].properties[email]", B, C, B},
      {"property removed", "      - name: note\n", "      - name: remark\n",
       ChangeKind::kPropertyRemoved, "schema[orders].properties[note]", C, B,
       B},
      {"integer widened to number", "logicalType: integer",
       "logicalType: number", ChangeKind::kLogicalTypeWidened,
       "schema[orders].properties[amount].logicalType", C, B, B},
      {"logicalType changed",
       "      - name: status\n        logicalType: string",
       "      - name: status\n        logicalType: integer",
       ChangeKind::kLogicalTypeChanged,
       "schema[orders].properties[status].logicalType", B, B, B},
      {"varchar widened", "varchar(18)", "varchar(36)",
       ChangeKind::kPhysicalTypeWidened,
       "schema[orders].properties[id].physicalType", C, B, B},
      {"varchar narrowed", "varchar(18)", "varchar(8)",
       ChangeKind::kPhysicalTypeNarrowed,
       "schema[orders].properties[id].physicalType", B, C, B},
      {"physicalType changed", "varchar(18)", "char(18)",
       ChangeKind::kPhysicalTypeChanged,
       "schema[orders].properties[id].physicalType", B, B, B},
      {"required added", "        classification: internal",
       "        classification: internal\n        required: true",
       ChangeKind::kRequiredAdded, "schema[orders].properties[amount].required",
       B, C, B},
      {"required removed", "        required: true\n        unique: true",
       "        unique: true", ChangeKind::kRequiredRemoved,
       "schema[orders].properties[id].required", C, B, B},
      {"unique removed", "        unique: true\n", "",
       ChangeKind::kUniqueRemoved, "schema[orders].properties[id].unique", C, B,
       B},
      {"primary key changed", "primaryKeyPosition: 1", "primaryKeyPosition: 2",
       ChangeKind::kPrimaryKeyChanged,
       "schema[orders].properties[id].primaryKey", B, B, B},
      {"classification tightened", "classification: internal",
       "classification: restricted", ChangeKind::kClassificationTightened,
       "schema[orders].properties[amount].classification", B, B, B},
      {"classification loosened", "classification: internal",
       "classification: public", ChangeKind::kClassificationLoosened,
       "schema[orders].properties[amount].classification", C, C, C},
      {"maximum lowered", "maximum: 1000", "maximum: 100",
       ChangeKind::kConstraintTightened,
       "schema[orders].properties[amount].logicalTypeOptions.maximum", B, C, B},
      {"maximum raised", "maximum: 1000", "maximum: 5000",
       ChangeKind::kConstraintLoosened,
       "schema[orders].properties[amount].logicalTypeOptions.maximum", C, B, B},
      {"enum narrowed", "[open, paid]", "[open]", ChangeKind::kEnumNarrowed,
       "schema[orders].properties[status].validValues", B, C, B},
      {"enum widened", "[open, paid]", "[open, paid, refunded]",
       ChangeKind::kEnumWidened,
       "schema[orders].properties[status].validValues", C, B, B},
      {"quality rule strengthened", "mustBeLessThan: 10", "mustBeLessThan: 1",
       ChangeKind::kQualityRuleStrengthened,
       "schema[orders].properties[note].quality[nullValues]", B, C, B},
      {"quality rule weakened", "mustBeLessThan: 10", "mustBeLessThan: 50",
       ChangeKind::kQualityRuleWeakened,
       "schema[orders].properties[note].quality[nullValues]", C, B, B},
      {"quality rule removed",
       "        quality:\n          - metric: nullValues\n            "
       "mustBeLessThan: 10\n",
       "", ChangeKind::kQualityRuleRemoved,
       "schema[orders].properties[note].quality[nullValues]", C, B, B},
      {"quality rule added",
       "  - name: customers\n    properties:\n      - name: id\n        "
       "logicalType: string\n",
       "  - name: customers\n    properties:\n      - name: id\n        "
       "logicalType: string\n        quality:\n          - metric: "
       "duplicateValues\n            mustBe: 0\n",
       ChangeKind::kQualityRuleAdded,
       "schema[customers].properties[id].quality[duplicateValues]", B, C, B},
      {"latency weakened", "    value: 4\n    unit: d",
       "    value: 6\n    unit: d", ChangeKind::kSlaWeakened,
       "slaProperties[latency]", C, B, B},
      {"latency strengthened", "    value: 4\n    unit: d",
       "    value: 12\n    unit: h", ChangeKind::kSlaStrengthened,
       "slaProperties[latency]", B, C, B},
      {"retention weakened", "    value: 3\n    unit: y",
       "    value: 1\n    unit: y", ChangeKind::kSlaWeakened,
       "slaProperties[retention]", C, B, B},
      {"sla removed", "  - property: retention\n    value: 3\n    unit: y\n",
       "", ChangeKind::kSlaRemoved, "slaProperties[retention]", C, B, B},
      {"description only", "description: free text",
       "description: any free text", ChangeKind::kDocumentation,
       "schema[orders].properties[note]", X, X, X},
      // The reverse of a row above: the candidate is kBase.
      {"number narrowed to integer", "logicalType: integer",
       "logicalType: number", ChangeKind::kLogicalTypeNarrowed,
       "schema[orders].properties[amount].logicalType", B, C, B, true},
      {"unique added", "        unique: true\n", "", ChangeKind::kUniqueAdded,
       "schema[orders].properties[id].unique", B, C, B, true},
      {"sla added", "  - property: retention\n    value: 3\n    unit: y\n", "",
       ChangeKind::kSlaAdded, "slaProperties[retention]", B, C, B, true},
      {"classification changed to an unknown level", "classification: internal",
       "classification: team-blue", ChangeKind::kClassificationChanged,
       "schema[orders].properties[amount].classification", B, B, B},
      {"pattern replaced", "pattern: '^a'", "pattern: '^b'",
       ChangeKind::kConstraintChanged,
       "schema[orders].properties[note].logicalTypeOptions.pattern", B, B, B,
       false,
       EditOf(std::string(kBase), "        description: free text\n",
              "        description: free text\n        logicalTypeOptions:\n"
              "          pattern: '^a'\n")},
      {"enum changed", "[open, paid]", "[open, refunded]",
       ChangeKind::kEnumChanged,
       "schema[orders].properties[status].validValues", B, B, B},
      {"quality rule changed", "mustBeLessThan: 10", "mustBeGreaterThan: 10",
       ChangeKind::kQualityRuleChanged,
       "schema[orders].properties[note].quality[nullValues]", B, B, B},
      {"sla changed where it cannot be ordered", "    value: 1\n    unit: y",
       "    value: 2\n    unit: y", ChangeKind::kSlaChanged,
       "slaProperties[generalAvailability]", B, B, B, false,
       std::string(kBase) + "  - property: generalAvailability\n"
                            "    value: 1\n    unit: y\n"},
      {"server added", "slaProperties:",
       std::string(kServers) + "slaProperties:", ChangeKind::kServerAdded,
       "servers[prod]", C, C, C},
      {"server removed", "slaProperties:",
       std::string(kServers) + "slaProperties:", ChangeKind::kServerRemoved,
       "servers[prod]", C, B, B, true},
      // ODCS v3.1.0 and v3.2.0 elements (Base32).
      {"enum value removed", "          - value: silver\n", "",
       ChangeKind::kEnumNarrowed, "schema[customers].properties[tier].enum", B,
       C, B, false, Base32()},
      {"enum value added", "          - value: silver\n",
       "          - value: silver\n          - value: bronze\n",
       ChangeKind::kEnumWidened, "schema[customers].properties[tier].enum", C,
       B, B, false, Base32()},
      {"enum value replaced", "value: silver", "value: bronze",
       ChangeKind::kEnumChanged, "schema[customers].properties[tier].enum", B,
       B, B, false, Base32()},
      {"relationship removed",
       "    relationships:\n      - id: fk_customer\n"
       "        from: orders.id\n        to: customers.id\n",
       "", ChangeKind::kRelationshipRemoved,
       "schema[orders].relationships[fk_customer]", C, B, B, false, Base32()},
      {"relationship added",
       "    relationships:\n      - id: fk_customer\n"
       "        from: orders.id\n        to: customers.id\n",
       "", ChangeKind::kRelationshipAdded,
       "schema[orders].relationships[fk_customer]", B, C, B, true, Base32()},
      {"relationship changed", "to: customers.id", "to: customers.tier",
       ChangeKind::kRelationshipChanged,
       "schema[orders].relationships[fk_customer]", B, B, B, false, Base32()},
      {"property-level relationship removed",
       "        relationships:\n          - to: customers.id\n", "",
       ChangeKind::kRelationshipRemoved,
       "schema[orders].properties[note].relationships[to customers.id]", C, B,
       B, false,
       EditOf(Base32(), "        description: free text\n",
              "        description: free text\n"
              "        relationships:\n          - to: customers.id\n")},
      {"property deprecated", "        semanticType: measure\n",
       "        semanticType: measure\n        deprecated: true\n",
       ChangeKind::kDeprecated,
       "schema[customers].properties[revenue].deprecated", C, C, C, false,
       Base32()},
      {"object deprecated", "  - name: customers\n",
       "  - name: customers\n    deprecated: true\n", ChangeKind::kDeprecated,
       "schema[customers].deprecated", C, C, C, false, Base32()},
      {"deprecation withdrawn", "        semanticType: measure\n",
       "        semanticType: measure\n        deprecated: true\n",
       ChangeKind::kUndeprecated,
       "schema[customers].properties[revenue].deprecated", C, C, C, true,
       Base32()},
      {"semanticType changed", "semanticType: measure",
       "semanticType: dimension", ChangeKind::kSemanticTypeChanged,
       "schema[customers].properties[revenue].semanticType", B, B, B, false,
       Base32()},
      {"vector dimensions changed", "dimensions: 768", "dimensions: 1024",
       ChangeKind::kConstraintChanged,
       "schema[customers].properties[embedding].logicalTypeOptions.dimensions",
       B, B, B, false, Base32()},
      {"time zone changed", "defaultTimezone: UTC",
       "defaultTimezone: Europe/Paris", ChangeKind::kConstraintChanged,
       "schema[customers].properties[created].logicalTypeOptions."
       "defaultTimezone",
       B, B, B, false, Base32()},
      {"map value type changed", "value: {logicalType: integer}",
       "value: {logicalType: string}", ChangeKind::kLogicalTypeChanged,
       "schema[customers].properties[attrs].map.value.logicalType", B, B, B,
       false, Base32()},
      {"map value widened", "value: {logicalType: integer}",
       "value: {logicalType: number}", ChangeKind::kLogicalTypeWidened,
       "schema[customers].properties[attrs].map.value.logicalType", C, B, B,
       false, Base32()},
      {"synonym added", "        semanticType: measure\n",
       "        semanticType: measure\n        synonyms:\n"
       "          - synonym: turnover\n",
       ChangeKind::kDocumentation, "schema[customers].properties[revenue]", X,
       X, X, false, Base32()},
      {"context changed", "context: Amounts are in cents.",
       "context: Amounts are in euros.", ChangeKind::kDocumentation, "context",
       X, X, X, false, Base32()},
  };
}

// The documents a rule compares: previous, candidate.
std::pair<Document, Document> Versions(const Rule& r) {
  Document base = Load(r.base);
  Document edited = Load(EditOf(r.base, r.from, r.to));
  if (r.reverse) return {edited, base};
  return {base, edited};
}

constexpr CompatibilityMode kAllModes[] = {
    CompatibilityMode::kNone,
    CompatibilityMode::kBackward,
    CompatibilityMode::kForward,
    CompatibilityMode::kFull,
    CompatibilityMode::kBackwardTransitive,
    CompatibilityMode::kForwardTransitive,
    CompatibilityMode::kFullTransitive,
};

// The severity a rule's row gives under `mode`.
Severity Expected(const Rule& r, CompatibilityMode mode) {
  switch (mode) {
    case CompatibilityMode::kNone:
      return r.full == X ? X : C;
    case CompatibilityMode::kBackward:
    case CompatibilityMode::kBackwardTransitive:
      return r.backward;
    case CompatibilityMode::kForward:
    case CompatibilityMode::kForwardTransitive:
      return r.forward;
    case CompatibilityMode::kFull:
    case CompatibilityMode::kFullTransitive:
      return r.full;
  }
  return r.full;
}

TEST(CompatibilityTest, EachRuleInEachMode) {
  for (const Rule& r : Rules()) {
    SCOPED_TRACE(r.name);
    const auto [before, after] = Versions(r);
    const std::vector<Change> changes = Diff(before, after);
    ASSERT_EQ(changes.size(), r.kind == ChangeKind::kPropertyRemoved ? 2u : 1u)
        << (changes.empty() ? "" : changes[0].what);
    const Change& c = changes[0].kind == r.kind ? changes[0] : changes.back();
    EXPECT_EQ(ChangeKindName(c.kind), ChangeKindName(r.kind));
    EXPECT_EQ(c.path, r.path);
    EXPECT_FALSE(c.what.empty());
    EXPECT_EQ(c.SeverityIn(CompatibilityMode::kBackward), r.backward);
    EXPECT_EQ(c.SeverityIn(CompatibilityMode::kForward), r.forward);
    EXPECT_EQ(c.SeverityIn(CompatibilityMode::kFull), r.full);
    EXPECT_EQ(c.SeverityIn(CompatibilityMode::kBackwardTransitive), r.backward);
    EXPECT_EQ(c.SeverityIn(CompatibilityMode::kForwardTransitive), r.forward);
    EXPECT_EQ(c.SeverityIn(CompatibilityMode::kFullTransitive), r.full);
    EXPECT_NE(c.SeverityIn(CompatibilityMode::kNone), Severity::kBreaking);
    EXPECT_EQ(c.RequiredBump(CompatibilityMode::kNone),
              r.full == B   ? Bump::kMajor
              : r.full == C ? Bump::kMinor
                            : Bump::kPatch);
  }
}

// Issue: the explanation said "consumers of the old contract read it" while
// the verdict said compatible. Every row of the change table, under every
// mode: the severity is the table's, and the explanation states that
// severity (it starts with it), never the opposite one, and when the mode
// lets through a change that hurts someone it says whom the mode leaves
// unprotected.
TEST(CompatibilityTest, ChangeTableUnderEveryModeSeverityAndExplanationAgree) {
  std::set<ChangeKind> covered;
  for (const Rule& r : Rules()) {
    const auto [before, after] = Versions(r);
    for (const Change& c : Diff(before, after)) {
      if (c.kind != r.kind) continue;
      covered.insert(c.kind);
      EXPECT_FALSE(absl::StrContains(c.what, "compatible") ||
                   absl::StrContains(c.why, "compatible") ||
                   absl::StrContains(c.what, "break") ||
                   absl::StrContains(c.why, "break"))
          << r.name << ": the mode-free texts carry no verdict: " << c.what
          << ": " << c.why;
      for (CompatibilityMode mode : kAllModes) {
        SCOPED_TRACE(absl::StrCat(r.name, " under ", ModeName(mode)));
        const Severity severity = c.SeverityIn(mode);
        EXPECT_EQ(severity, Expected(r, mode));
        const std::string e = c.Explain(mode);
        EXPECT_TRUE(absl::StartsWith(e, SeverityName(severity))) << e;
        EXPECT_TRUE(absl::StrContains(e, c.what)) << e;
        if (severity == Severity::kBreaking) {
          EXPECT_TRUE(absl::StartsWith(
              e, absl::StrCat("breaking under ", ModeName(mode), ": ")))
              << e;
          for (const char* word :
               {"compatible", "safe", "does not protect", "refuses nothing",
                "no existing reader", "cosmetic"}) {
            EXPECT_FALSE(absl::StrContains(e, word)) << word << " in " << e;
          }
        } else {
          EXPECT_FALSE(absl::StrContains(e, "break")) << e;
          const bool hurts = c.breaks_backward || c.breaks_forward;
          EXPECT_EQ(hurts, absl::StrContains(e, "does not protect") ||
                               absl::StrContains(e, "refuses nothing"))
              << e;
          if (c.breaks_forward && mode != CompatibilityMode::kNone) {
            EXPECT_TRUE(absl::StrContains(e, "existing consumers")) << e;
          }
        }
      }
    }
  }
  // Every kind of change has a row.
  for (int k = 0; k <= static_cast<int>(ChangeKind::kDocumentation); ++k) {
    EXPECT_EQ(covered.count(static_cast<ChangeKind>(k)), 1u)
        << ChangeKindName(static_cast<ChangeKind>(k)) << " has no row";
  }
}

// With no mode named, removing a property consumers read is breaking, even
// an optional one, and needs a major version.
TEST(CompatibilityTest, DefaultModeRefusesRemovingAnOptionalProperty) {
  EXPECT_EQ(kDefaultMode, CompatibilityMode::kFull);
  const Document v1 = Load(kBase);
  const Document v2 = Load(EditOf(
      Edit("version: 1.0.0", "version: 1.1.0"),
      "      - name: note\n        logicalType: string\n        description: "
      "free text\n        quality:\n          - metric: nullValues\n"
      "            mustBeLessThan: 10\n",
      ""));
  absl::StatusOr<Verdict> v = Check(v2, {v1}, kDefaultMode);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->compatible);
  EXPECT_FALSE(v->version_satisfied);
  EXPECT_EQ(v->required_bump, Bump::kMajor);
  ASSERT_EQ(v->changes.size(), 1u);
  EXPECT_EQ(v->changes[0].kind, ChangeKind::kPropertyRemoved);
  EXPECT_EQ(v->changes[0].Explain(kDefaultMode),
            "breaking under FULL: property note was removed: consumers of the "
            "old contract select it (a rename is a removal plus an addition)");
  // Under the old default it passes, and now says why.
  EXPECT_EQ(v->changes[0].Explain(CompatibilityMode::kBackward),
            "compatible under BACKWARD, which does not protect existing "
            "consumers from this: property note was removed: consumers of the "
            "old contract select it (a rename is a removal plus an addition)");
}

TEST(CompatibilityTest, IdenticalVersionsHaveNoChanges) {
  EXPECT_TRUE(Diff(Load(kBase), Load(kBase)).empty());
}

TEST(CompatibilityTest, RenameIsRemovalPlusAddition) {
  const std::vector<Change> changes =
      Diff(Load(kBase), Load(Edit("- name: note", "- name: remark")));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kPropertyAdded);
  EXPECT_EQ(changes[1].kind, ChangeKind::kPropertyRemoved);
}

TEST(CompatibilityTest, CheckRefusesBreakingMinorBumpAndAcceptsMajor) {
  const Document v1 = Load(kBase);
  Document minor = Load(Edit("      - name: note\n", "      - name: remark\n"));
  minor.version = "1.1.0";
  absl::StatusOr<Verdict> v = Check(minor, {v1}, CompatibilityMode::kFull);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->compatible);
  EXPECT_EQ(v->required_bump, Bump::kMajor);
  EXPECT_FALSE(v->version_satisfied);
  EXPECT_EQ(v->suggested_version, "2.0.0");
  EXPECT_THAT(v->version_message, ::testing::HasSubstr("2.0.0"));

  Document major = minor;
  major.version = "2.0.0";
  v = Check(major, {v1}, CompatibilityMode::kNone);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok());
}

TEST(CompatibilityTest, CompatibleAdditionNeedsMinorCosmeticNeedsPatch) {
  const Document v1 = Load(kBase);
  Document added =
      Load(Edit("slaProperties:", "  - name: invoices\nslaProperties:"));
  added.version = "1.0.1";
  absl::StatusOr<Verdict> v = Check(added, {v1}, CompatibilityMode::kBackward);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->compatible);
  EXPECT_EQ(v->required_bump, Bump::kMinor);
  EXPECT_FALSE(v->version_satisfied);
  Document cosmetic = Load(Edit("description: free text", "description: text"));
  cosmetic.version = "1.0.1";
  v = Check(cosmetic, {v1}, CompatibilityMode::kFull);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->required_bump, Bump::kPatch);
  EXPECT_TRUE(v->ok());
}

TEST(CompatibilityTest, TransitiveModesCheckEveryEarlierVersion) {
  // v2 tightened amount's maximum (a major release); v3 only drops SLAs,
  // which BACKWARD allows. Against v2 alone v3 is compatible; against v1 it
  // still carries the tightened maximum.
  const Document v1 = Load(kBase);
  Document v2 = Load(Edit("maximum: 1000", "maximum: 100"));
  v2.version = "2.0.0";
  Document v3 = Load(Edit("maximum: 1000", "maximum: 100"));
  v3.version = "2.1.0";
  v3.sla_properties.clear();  // weakens against both v1 and v2
  absl::StatusOr<Verdict> plain =
      Check(v3, {v1, v2}, CompatibilityMode::kBackward);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->compatible);
  // v1 -> v3 tightens maximum (1000 -> 100): BACKWARD_TRANSITIVE sees it.
  absl::StatusOr<Verdict> transitive =
      Check(v3, {v1, v2}, CompatibilityMode::kBackwardTransitive);
  ASSERT_TRUE(transitive.ok());
  EXPECT_FALSE(transitive->compatible);
  bool against_v1 = false;
  for (const Change& c : transitive->changes) {
    against_v1 = against_v1 || (c.against_version == "1.0.0" &&
                                c.kind == ChangeKind::kConstraintTightened);
  }
  EXPECT_TRUE(against_v1);
}

TEST(CompatibilityTest, CheckRefusesAnotherContractsHistory) {
  Document other = Load(kBase);
  other.id = "payments";
  Document candidate = Load(kBase);
  candidate.version = "1.0.1";
  EXPECT_EQ(Check(candidate, {other}, CompatibilityMode::kFull).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CompatibilityTest, FirstVersionNeedsOnlyAValidVersion) {
  Document d = Load(kBase);
  absl::StatusOr<Verdict> v = Check(d, {}, CompatibilityMode::kFull);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok());
  d.version = "one";
  v = Check(d, {}, CompatibilityMode::kFull);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->version_satisfied);
}

TEST(CompatibilityTest, ModeNamesRoundTrip) {
  for (CompatibilityMode m :
       {CompatibilityMode::kNone, CompatibilityMode::kBackward,
        CompatibilityMode::kForward, CompatibilityMode::kFull,
        CompatibilityMode::kBackwardTransitive,
        CompatibilityMode::kForwardTransitive,
        CompatibilityMode::kFullTransitive}) {
    EXPECT_EQ(*ParseMode(ModeName(m)), m);
  }
  EXPECT_EQ(*ParseMode("full_transitive"), CompatibilityMode::kFullTransitive);
  EXPECT_EQ(ParseMode("sideways").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace meshplane::contract
