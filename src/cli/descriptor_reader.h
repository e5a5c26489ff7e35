// The reader that the descriptor formats share (descriptor_meshplane.cc,
// descriptor_odps.cc, descriptor.cc): one document's fields read with
// every error collected at its YAML position, and the per-format parsers.
// Private to src/cli.
#ifndef MESHPLANE_CLI_DESCRIPTOR_READER_H_
#define MESHPLANE_CLI_DESCRIPTOR_READER_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "cli/descriptor.h"
#include "cli/util.h"
#include <google/protobuf/util/time_util.h>

#include "meshplane/contract/yaml.h"

namespace meshplane::cli::descriptor_internal {

namespace v1 = ::meshplane::v1;
using ::meshplane::contract::YamlEntry;
using ::meshplane::contract::YamlNode;

inline constexpr absl::string_view kMeshplaneApiVersion = "meshplane.dev/v1";

inline std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

inline std::string Index(const std::string& path, size_t i) {
  return absl::StrCat(path, "[", i, "]");
}

// Reads one document, collecting errors with their YAML positions.
class Reader {
 public:
  Reader(const std::string& file, std::vector<DescriptorError>* errors)
      : file_(file), errors_(errors) {}

  std::string Location(const YamlNode& node) const {
    if (!node.IsDefined()) {
      return file_;
    }
    const contract::SourcePosition at = node.position();
    if (at.line == 0) {
      return file_;
    }
    return absl::StrCat(file_, ":", at.line, ":", at.column);
  }

  void Error(const YamlNode& node, const std::string& path,
             const std::string& message) {
    errors_->push_back({Location(node), path, message});
    ++count_;
  }

  int error_count() const { return count_; }

  static bool Present(const YamlNode& node) {
    return node.IsDefined() && !node.IsNull();
  }

  // Reports each key of `node` that is not in `allowed` at its own position,
  // and carries on: every error of a document is reported. Returns false
  // only when `node` is not a mapping at all.
  bool CheckMap(const YamlNode& node, const std::string& path,
                const std::vector<std::string>& allowed) {
    if (!node.IsMap()) {
      Error(node, path, "expected a mapping");
      return false;
    }
    for (const YamlEntry& it : node.entries()) {
      std::string key =
          it.first.IsScalar() ? std::string(it.first.Scalar()) : "?";
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Error(it.first, Join(path, key),
              absl::StrCat("unknown field (expected one of: ",
                           absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return true;
  }

  void Require(const YamlNode& map, const std::string& path,
               const std::string& key) {
    if (!Present(map[key])) {
      Error(map, Join(path, key), "required field is missing");
    }
  }

  // A scalar as a string; false (with an error) for a sequence or map.
  bool String(const YamlNode& map, const std::string& path,
              const std::string& key, std::string* out) {
    YamlNode node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsScalar()) {
      Error(node, Join(path, key), "expected a string");
      return false;
    }
    *out = std::string(node.Scalar());
    return true;
  }

  bool RequiredString(const YamlNode& map, const std::string& path,
                      const std::string& key, std::string* out) {
    if (!Present(map[key])) {
      Error(map, Join(path, key), "required field is missing");
      return false;
    }
    return String(map, path, key, out);
  }

  bool Id(const YamlNode& map, const std::string& path, const std::string& key,
          std::string* out) {
    if (!RequiredString(map, path, key, out)) {
      return false;
    }
    if (!IsValidId(*out)) {
      Error(map[key], Join(path, key),
            absl::StrCat("\"", *out,
                         "\" is not a valid id (lowercase letters, digits and "
                         "hyphens, starting with a letter, 1-63 chars)"));
      return false;
    }
    return true;
  }

  bool StringList(const YamlNode& map, const std::string& path,
                  const std::string& key, std::vector<std::string>* out) {
    YamlNode node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsSequence()) {
      Error(node, Join(path, key), "expected a list of strings");
      return false;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        Error(node[i], Index(Join(path, key), i), "expected a string");
        continue;
      }
      out->push_back(std::string(node[i].Scalar()));
    }
    return true;
  }

  bool StringMap(const YamlNode& map, const std::string& path,
                 const std::string& key,
                 google::protobuf::Map<std::string, std::string>* out) {
    YamlNode node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsMap()) {
      Error(node, Join(path, key), "expected a mapping of strings");
      return false;
    }
    for (const YamlEntry& it : node.entries()) {
      std::string k(it.first.Scalar());
      if (!it.second.IsScalar()) {
        Error(it.second, Join(Join(path, key), k), "expected a string");
        continue;
      }
      (*out)[k] = std::string(it.second.Scalar());
    }
    return true;
  }

  bool Int(const YamlNode& map, const std::string& path, const std::string& key,
           int* out) {
    YamlNode node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), out)) {
      Error(node, Join(path, key), "expected an integer");
      return false;
    }
    return true;
  }

  bool Bool(const YamlNode& map, const std::string& path,
            const std::string& key, bool* out) {
    YamlNode node = map[key];
    if (!Present(node)) {
      return false;
    }
    std::string text = node.IsScalar() ? std::string(node.Scalar()) : "";
    if (text == "true") {
      *out = true;
    } else if (text == "false") {
      *out = false;
    } else {
      Error(node, Join(path, key), "expected true or false");
      return false;
    }
    return true;
  }

  bool Double(const YamlNode& map, const std::string& path,
              const std::string& key, double* out) {
    YamlNode node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsScalar() || !absl::SimpleAtod(node.Scalar(), out)) {
      Error(node, Join(path, key), "expected a number");
      return false;
    }
    return true;
  }

  bool Duration(const YamlNode& map, const std::string& path,
                const std::string& key, google::protobuf::Duration* out) {
    std::string text;
    if (!String(map, path, key, &text)) {
      return false;
    }
    auto d = ParseDuration(text);
    if (!d.ok()) {
      Error(map[key], Join(path, key), std::string(d.status().message()));
      return false;
    }
    *out = google::protobuf::util::TimeUtil::NanosecondsToDuration(
        absl::ToInt64Nanoseconds(*d));
    return true;
  }

 private:
  const std::string& file_;
  std::vector<DescriptorError>* errors_;
  int count_ = 0;
};

inline bool ParseClassification(const std::string& text,
                                v1::Classification* out) {
  std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view value = absl::StripPrefix(upper, "CLASSIFICATION_");
  return v1::Classification_Parse(absl::StrCat("CLASSIFICATION_", value),
                                  out) &&
         *out != v1::CLASSIFICATION_UNSPECIFIED;
}

inline bool ParseLifecycle(const std::string& text, v1::Lifecycle* out) {
  std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view value = absl::StripPrefix(upper, "LIFECYCLE_");
  return v1::Lifecycle_Parse(absl::StrCat("LIFECYCLE_", value), out) &&
         *out != v1::LIFECYCLE_UNSPECIFIED;
}

// Meshplane's own format (descriptor_meshplane.cc).
void ParseMeshplaneTeam(Reader& r, const YamlNode& doc, Descriptor* d);
void ParseMeshplaneDomain(Reader& r, const YamlNode& doc, Descriptor* d);
void ParseMeshplaneProduct(Reader& r, const YamlNode& doc,
                           const DescriptorDefaults& defaults, Descriptor* d);
void ParseMeshplanePolicy(Reader& r, const YamlNode& doc, Descriptor* d);
void ParseMeshplaneWaiver(Reader& r, const YamlNode& doc, Descriptor* d);

// An ODPS data product (descriptor_odps.cc), checked against the fields of
// `version`'s JSON Schema.
void ParseOdpsProduct(Reader& r, const YamlNode& doc,
                      const DescriptorDefaults& defaults, OdpsVersion version,
                      Descriptor* d);

}  // namespace meshplane::cli::descriptor_internal

#endif  // MESHPLANE_CLI_DESCRIPTOR_READER_H_
