// The ODPS reader against the standard itself: its JSON Schemas (the
// reader's field table must be exactly theirs) and its examples (each
// behaves as its folder says), plus the round trip of every valid fixture
// through what `product get -o odps` does.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/descriptor.h"
#include "cli/odps_export.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include <google/protobuf/util/message_differencer.h>
#include <nlohmann/json.hpp>

namespace meshplane::cli {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::meshplane::v1;
using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Dir() {
  const char* dir = std::getenv("MESHPLANE_ODPS_CONFORMANCE");
  return dir == nullptr ? "." : dir;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> Fixtures(const std::string& folder) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(Dir() + "/" + folder)) {
    if (absl::EndsWith(entry.path().string(), ".odps.yaml")) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Errors(const ParseResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.ToString());
  return out;
}

// ---------------------------------------------------------------- schemas

// Objects inlined in the schema (array items) and the names the reader
// gives them.
const std::map<std::string, std::string>& InlineNames() {
  static const auto* names = new std::map<std::string, std::string>{
      {"verifiedStatements", "VerifiedStatement"},
      {"constraints", "ContextConstraint"}};
  return *names;
}

std::string RefName(const Json& ref) {
  return std::string(absl::StripPrefix(ref.get<std::string>(), "#/$defs/"));
}

void AddObject(const std::string& name, const Json& object,
               std::map<std::string, OdpsObjectSchema>* out);

std::string TypeOf(const std::string& field, const Json& p,
                   std::map<std::string, OdpsObjectSchema>* out) {
  if (p.contains("$ref")) {
    std::string ref = RefName(p["$ref"]);
    if (ref == "Tags") return "array:string";
    if (ref == "Synonyms") return "array:Synonym";
    return "object:" + ref;
  }
  std::string type = p.value("type", "");
  if (type == "array") {
    const Json& items = p["items"];
    if (items.contains("$ref")) return "array:" + RefName(items["$ref"]);
    if (items.value("type", "") == "string") return "array:string";
    std::string name = InlineNames().count(field)
                           ? InlineNames().at(field)
                           : absl::StrCat("<inline ", field, ">");
    AddObject(name, items, out);
    return "array:" + name;
  }
  if (type.empty()) return "any";
  return type;
}

void AddObject(const std::string& name, const Json& object,
               std::map<std::string, OdpsObjectSchema>* out) {
  OdpsObjectSchema& o = (*out)[name];
  for (const auto& [field, p] : object["properties"].items()) {
    o.fields[field] = TypeOf(field, p, out);
  }
  if (object.contains("required")) {
    o.required = object["required"].get<std::vector<std::string>>();
  }
}

std::map<std::string, OdpsObjectSchema> FromJsonSchema(const Json& schema) {
  std::map<std::string, OdpsObjectSchema> out;
  AddObject("DataProduct", schema, &out);
  for (const auto& [name, def] : schema["$defs"].items()) {
    if (def.value("type", "") == "object") AddObject(name, def, &out);
  }
  return out;
}

void ExpectSameSchema(const std::string& file, OdpsVersion version) {
  Json schema = Json::parse(ReadFile(Dir() + "/" + file));
  std::map<std::string, OdpsObjectSchema> want = FromJsonSchema(schema);
  std::map<std::string, OdpsObjectSchema> got = OdpsReaderSchema(version);
  std::set<std::string> names;
  for (const auto& [n, o] : want) names.insert(n);
  for (const auto& [n, o] : got) names.insert(n);
  for (const std::string& n : names) {
    SCOPED_TRACE(absl::StrCat(file, ": ", n));
    ASSERT_TRUE(want.count(n)) << "the reader has an object the schema lacks";
    ASSERT_TRUE(got.count(n)) << "the reader lacks an object of the schema";
    EXPECT_EQ(got[n].fields, want[n].fields);
    std::set<std::string> got_required(got[n].required.begin(),
                                       got[n].required.end());
    std::set<std::string> want_required(want[n].required.begin(),
                                        want[n].required.end());
    EXPECT_EQ(got_required, want_required);
  }
}

TEST(OdpsSchemaTest, ReaderKnowsExactlyTheV100Schema) {
  ExpectSameSchema("v1.0.0/odps-json-schema-v1.0.0.json", OdpsVersion::kV1_0);
}

TEST(OdpsSchemaTest, ReaderKnowsExactlyTheV110Schema) {
  ExpectSameSchema("v1.1.0/odps-json-schema-v1.1.0.json", OdpsVersion::kV1_1);
}

// ---------------------------------------------------------------- examples

DescriptorDefaults Defaults() {
  DescriptorDefaults d;
  d.domain = "lab";
  d.owner_team = "data-team";
  return d;
}

// What the server holds after apply: the document's product, at its
// lifecycle target, its input ports resolved (here: all of them, to a
// source of its own choosing).
v1::DataProduct Stored(const Descriptor& d) {
  v1::DataProduct p = d.data_product;
  p.set_lifecycle(d.lifecycle == v1::LIFECYCLE_UNSPECIFIED ? v1::LIFECYCLE_DRAFT
                                                           : d.lifecycle);
  p.set_uid("2b7e1516-28ae-4d2a-abf7-158809cf4f3c");
  for (const ContractInput& in : d.contract_inputs) {
    v1::InputPort* port = p.add_input_ports();
    port->set_id(in.port_id);
    port->set_source(
        absl::StrCat("domains/src/dataProducts/src/outputPorts/", in.port_id));
    port->set_deprecated(in.deprecated);
  }
  return p;
}

std::map<std::string, std::string> SourceContracts(const Descriptor& d) {
  std::map<std::string, std::string> out;
  for (const ContractInput& in : d.contract_inputs) {
    out[absl::StrCat("domains/src/dataProducts/src/outputPorts/", in.port_id)] =
        in.contract_id;
  }
  return out;
}

void ExpectValidAndKeptAsWritten(const std::string& folder) {
  std::vector<fs::path> files = Fixtures(folder);
  ASSERT_FALSE(files.empty()) << folder;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    std::string text = ReadFile(file);
    ParseResult r = ParseDescriptors(text, file.filename(), Defaults());
    ASSERT_THAT(Errors(r), IsEmpty());
    ASSERT_EQ(r.descriptors.size(), 1u);
    const Descriptor& d = r.descriptors[0];
    EXPECT_EQ(d.format, DescriptorFormat::kOdps);
    // Stored as written: the document, byte for byte.
    EXPECT_EQ(d.data_product.odps_document(), text);
    v1::DataProduct stored = Stored(d);
    EXPECT_TRUE(OdpsDocumentCurrent(stored));

    // Changed behind the document's back, the product is written anew; the
    // written document reads back to the same product.
    stored.set_description(stored.description() + " Changed.");
    EXPECT_FALSE(OdpsDocumentCurrent(stored));
    OdpsExport odps = ExportOdps(stored, SourceContracts(d));
    ParseResult back = ParseDescriptors(odps.text, "generated", Defaults());
    ASSERT_THAT(Errors(back), IsEmpty()) << odps.text;
    ASSERT_EQ(back.descriptors.size(), 1u);
    const Descriptor& b = back.descriptors[0];
    v1::DataProduct again = b.data_product;
    again.clear_odps_document();
    v1::DataProduct want = stored;
    want.clear_odps_document();
    want.clear_uid();
    want.clear_lifecycle();
    want.clear_input_ports();
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equivalent(again, want))
        << "generated:\n"
        << odps.text << "\nreads as:\n"
        << again.DebugString() << "\nwanted:\n"
        << want.DebugString();
    EXPECT_EQ(b.lifecycle, stored.lifecycle());
    ASSERT_EQ(b.contract_inputs.size(), d.contract_inputs.size());
    for (size_t i = 0; i < d.contract_inputs.size(); ++i) {
      EXPECT_EQ(b.contract_inputs[i].port_id, d.contract_inputs[i].port_id);
      EXPECT_EQ(b.contract_inputs[i].contract_id,
                d.contract_inputs[i].contract_id);
      EXPECT_EQ(b.contract_inputs[i].deprecated,
                d.contract_inputs[i].deprecated);
    }
    EXPECT_THAT(odps.dropped, IsEmpty());
  }
}

TEST(OdpsExamplesTest, OfficialV100ExamplesAreValidAndKeptAsWritten) {
  ExpectValidAndKeptAsWritten("v1.0.0");
}

TEST(OdpsExamplesTest, OfficialV110ExamplesAreValidAndKeptAsWritten) {
  ExpectValidAndKeptAsWritten("v1.1.0");
}

TEST(OdpsExamplesTest, OwnV110FixturesAreValidAndKeptAsWritten) {
  ExpectValidAndKeptAsWritten("meshplane");
}

// Each invalid fixture says on its first line what must be reported:
// `# expect: LINE:COLUMN: PATH: MESSAGE`.
TEST(OdpsExamplesTest, InvalidFixturesAreRefusedWithPathAndLine) {
  std::vector<fs::path> files = Fixtures("invalid");
  ASSERT_FALSE(files.empty());
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    std::string text = ReadFile(file);
    ASSERT_TRUE(absl::StartsWith(text, "# expect: "));
    std::string expect = text.substr(10, text.find('\n') - 10);
    ParseResult r = ParseDescriptors(text, file.filename(), Defaults());
    EXPECT_THAT(r.descriptors, IsEmpty());
    EXPECT_THAT(Errors(r), testing::Contains(HasSubstr(absl::StrCat(
                               file.filename().string(), ":", expect))));
  }
}

}  // namespace
}  // namespace meshplane::cli
