// ParseDescriptors and OrderForApply: a descriptor file read with the one
// YAML reader, each document handed to its format's parser
// (descriptor_meshplane.cc, descriptor_odps.cc), then ordered for apply.
// The writer of `get -o yaml|json` is descriptor_writer.cc.
#include "cli/descriptor.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/descriptor_reader.h"
#include "cli/output.h"
#include "cli/util.h"
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "meshplane/contract/yaml.h"

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

std::string DescriptorError::ToString() const {
  if (path.empty()) {
    return absl::StrCat(location, ": ", message);
  }
  return absl::StrCat(location, ": ", path, ": ", message);
}

std::string Descriptor::Ref() const {
  switch (kind) {
    case DescriptorKind::kTeam:
      return absl::StrCat("team/", id);
    case DescriptorKind::kDomain:
      return absl::StrCat("domain/", id);
    case DescriptorKind::kDataProduct:
      return absl::StrCat("dataProduct/",
                          LastSegment(data_product.name().substr(
                              0, data_product.name().find("/dataProducts/"))),
                          "/", id);
    case DescriptorKind::kPolicy:
      return absl::StrCat("policy/", ShortPolicyName(policy.name()));
    case DescriptorKind::kWaiver:
      return absl::StrCat("waiver/", ShortPolicyName(parent), "/", id);
  }
  return id;
}

namespace {

using descriptor_internal::kMeshplaneApiVersion;
using descriptor_internal::ParseMeshplaneDomain;
using descriptor_internal::ParseMeshplanePolicy;
using descriptor_internal::ParseMeshplaneProduct;
using descriptor_internal::ParseMeshplaneTeam;
using descriptor_internal::ParseMeshplaneWaiver;
using descriptor_internal::ParseOdpsProduct;
using descriptor_internal::Reader;
using descriptor_internal::YamlNode;

void ParseDocument(Reader& r, const YamlNode& doc,
                   const DescriptorDefaults& defaults, Descriptor* d) {
  if (!doc.IsMap()) {
    r.Error(doc, "", "a descriptor must be a mapping with apiVersion and kind");
    return;
  }
  std::string api_version;
  std::string kind;
  r.RequiredString(doc, "", "kind", &kind);
  r.String(doc, "", "apiVersion", &api_version);
  if (api_version == kMeshplaneApiVersion) {
    // `status` is what `get` prints of the server's own fields (uid, etag,
    // times): accepted so that get -> edit -> apply works, and skipped.
    if (!r.CheckMap(doc, "",
                    {"apiVersion", "kind", "metadata", "spec", "status"})) {
      return;
    }
    r.Require(doc, "", "metadata");
    if (kind == "Team") {
      ParseMeshplaneTeam(r, doc, d);
    } else if (kind == "Domain") {
      r.Require(doc, "", "spec");
      ParseMeshplaneDomain(r, doc, d);
    } else if (kind == "DataProduct") {
      r.Require(doc, "", "spec");
      ParseMeshplaneProduct(r, doc, defaults, d);
    } else if (kind == "Policy") {
      r.Require(doc, "", "spec");
      ParseMeshplanePolicy(r, doc, d);
    } else if (kind == "Waiver") {
      r.Require(doc, "", "spec");
      ParseMeshplaneWaiver(r, doc, d);
    } else if (!kind.empty()) {
      r.Error(doc["kind"], "kind",
              absl::StrCat("unknown kind \"", kind,
                           "\" (Team, Domain, DataProduct, Policy or "
                           "Waiver)"));
    }
    return;
  }
  if (kind == "DataProduct" &&
      (api_version == "v0.9.0" || api_version == "v1.0.0" ||
       api_version.empty())) {
    ParseOdpsProduct(r, doc, defaults, OdpsVersion::kV1_0, d);
    return;
  }
  if (kind == "DataProduct" && api_version == "v1.1.0") {
    ParseOdpsProduct(r, doc, defaults, OdpsVersion::kV1_1, d);
    return;
  }
  if (api_version.empty()) {
    r.Error(doc, "apiVersion", "required field is missing");
    return;
  }
  r.Error(doc["apiVersion"], "apiVersion",
          absl::StrCat("unsupported apiVersion \"", api_version, "\" (",
                       kMeshplaneApiVersion,
                       ", or v0.9.0 / v1.0.0 / v1.1.0 for ODPS data "
                       "products)"));
}

// The text of the document that starts on (0-based) line `line` of `text`:
// from the line after the `---` marker before it to the next marker. The
// first document also keeps what precedes it (comments, its own marker), so
// that a file of one document is kept whole, byte for byte. The reader
// keeps no end positions, so documents are cut at their markers
// (YAML 1.2 9.1.3: a `---` in column 0 starts a new document).
std::string DocumentText(absl::string_view text, int line, bool first) {
  std::vector<size_t> starts = {0};
  std::vector<int> markers;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == starts.back()) {
      absl::string_view rest = text.substr(i);
      if (absl::StartsWith(rest, "---") &&
          (rest.size() == 3 || rest[3] == '\n' || rest[3] == '\r' ||
           rest[3] == ' ' || rest[3] == '\t')) {
        markers.push_back(static_cast<int>(starts.size()) - 1);
      }
    }
    if (i < text.size() && text[i] == '\n') starts.push_back(i + 1);
  }
  size_t begin = 0;
  if (!first) {
    for (int m : markers) {
      if (m > line) break;
      // A document on its marker's own line ("--- {...}") keeps the marker.
      begin = m == line
                  ? starts[m]
                  : (static_cast<size_t>(m) + 1 < starts.size() ? starts[m + 1]
                                                                : text.size());
    }
  }
  size_t end = text.size();
  for (int m : markers) {
    if (m > line) {
      end = starts[m];
      break;
    }
  }
  return std::string(text.substr(begin, end - begin));
}

}  // namespace

ParseResult ParseDescriptors(absl::string_view text,
                             const std::string& filename,
                             const DescriptorDefaults& defaults) {
  ParseResult result;
  // The one YAML reader, with its budgets: the readers below walk an
  // aliased node once per alias (docs/architecture.md, "YAML").
  absl::StatusOr<contract::YamlStream> docs = contract::ReadYaml(text);
  if (!docs.ok()) {
    std::vector<absl::string_view> at =
        absl::StrSplit(docs.status().message(), absl::MaxSplits(": ", 1));
    result.errors.push_back(
        at.size() == 2 ? DescriptorError{absl::StrCat(filename, ":", at[0]), "",
                                         std::string(at[1])}
                       : DescriptorError{filename, "",
                                         std::string(docs.status().message())});
    return result;
  }
  // A `kind: List` (what `get -o json` prints for several resources) stands
  // for its items.
  std::vector<YamlNode> expanded;
  for (size_t i = 0; i < docs->size(); ++i) {
    const YamlNode doc = (*docs)[i];
    if (!doc.IsMap() || !doc["kind"].IsScalar() ||
        doc["kind"].Scalar() != "List" || !doc["apiVersion"].IsScalar() ||
        doc["apiVersion"].Scalar() != kMeshplaneApiVersion) {
      expanded.push_back(doc);
      continue;
    }
    Reader reader(filename, &result.errors);
    if (!reader.CheckMap(doc, "", {"apiVersion", "kind", "items"})) continue;
    YamlNode items = doc["items"];
    if (!Reader::Present(items)) continue;
    if (!items.IsSequence()) {
      reader.Error(items, "items", "expected a list of descriptors");
      continue;
    }
    for (YamlNode item : items.items()) expanded.push_back(item);
  }
  bool first_document = true;
  for (const YamlNode& doc : expanded) {
    if (!doc.IsDefined() || doc.IsNull()) {
      continue;
    }
    Reader reader(filename, &result.errors);
    Descriptor d;
    const int line = doc.position().line;
    d.location = absl::StrCat(filename, ":", line);
    d.source = DocumentText(text, line - 1, first_document);
    first_document = false;
    ParseDocument(reader, doc, defaults, &d);
    if (reader.error_count() == 0) {
      result.descriptors.push_back(std::move(d));
    }
  }
  return result;
}

namespace {

// Stable topological order: repeatedly takes the first item (in file order)
// whose dependencies inside the list are all taken. Cycles keep file order.
std::vector<Descriptor> StableTopo(
    std::vector<Descriptor> items,
    const std::vector<std::vector<size_t>>& deps) {
  std::vector<Descriptor> out;
  std::vector<bool> taken(items.size(), false);
  for (size_t round = 0; round < items.size(); ++round) {
    size_t pick = items.size();
    for (size_t i = 0; i < items.size() && pick == items.size(); ++i) {
      if (taken[i]) continue;
      bool ready = true;
      for (size_t dep : deps[i]) {
        if (!taken[dep] && dep != i) ready = false;
      }
      if (ready) pick = i;
    }
    if (pick == items.size()) {
      for (size_t i = 0; i < items.size(); ++i) {
        if (!taken[i]) {
          pick = i;
          break;
        }
      }
    }
    taken[pick] = true;
    out.push_back(std::move(items[pick]));
  }
  return out;
}

}  // namespace

std::vector<Descriptor> OrderForApply(std::vector<Descriptor> descriptors) {
  std::vector<Descriptor> teams, domains, products, policies, waivers;
  for (Descriptor& d : descriptors) {
    switch (d.kind) {
      case DescriptorKind::kTeam:
        teams.push_back(std::move(d));
        break;
      case DescriptorKind::kDomain:
        domains.push_back(std::move(d));
        break;
      case DescriptorKind::kDataProduct:
        products.push_back(std::move(d));
        break;
      case DescriptorKind::kPolicy:
        policies.push_back(std::move(d));
        break;
      case DescriptorKind::kWaiver:
        waivers.push_back(std::move(d));
        break;
    }
  }
  std::vector<std::vector<size_t>> domain_deps(domains.size());
  for (size_t i = 0; i < domains.size(); ++i) {
    for (size_t j = 0; j < domains.size(); ++j) {
      if (!domains[i].domain.parent().empty() &&
          domains[i].domain.parent() == domains[j].domain.name()) {
        domain_deps[i].push_back(j);
      }
    }
  }
  std::vector<std::vector<size_t>> product_deps(products.size());
  for (size_t i = 0; i < products.size(); ++i) {
    for (size_t j = 0; j < products.size(); ++j) {
      const v1::DataProduct& source = products[j].data_product;
      bool depends = false;
      for (const v1::InputPort& in : products[i].data_product.input_ports()) {
        if (absl::StartsWith(in.source(), source.name() + "/outputPorts/")) {
          depends = true;
        }
      }
      for (const ContractInput& in : products[i].contract_inputs) {
        for (const v1::OutputPort& out : source.output_ports()) {
          if (!in.contract_id.empty() && out.contract() == in.contract_id) {
            depends = true;
          }
        }
      }
      if (depends && i != j) {
        product_deps[i].push_back(j);
      }
    }
  }
  std::vector<Descriptor> ordered = std::move(teams);
  for (Descriptor& d : StableTopo(std::move(domains), domain_deps)) {
    ordered.push_back(std::move(d));
  }
  for (Descriptor& d : policies) ordered.push_back(std::move(d));
  for (Descriptor& d : waivers) ordered.push_back(std::move(d));
  for (Descriptor& d : StableTopo(std::move(products), product_deps)) {
    ordered.push_back(std::move(d));
  }
  return ordered;
}

}  // namespace meshplane::cli
