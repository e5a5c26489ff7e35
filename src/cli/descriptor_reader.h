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
    return Parsed(
        map, path, key, out,
        [](absl::string_view text, std::string* value) {
          *value = std::string(text);
          return true;
        },
        "expected a string");
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
    return Parsed(
        map, path, key, out,
        [](absl::string_view text, int* value) {
          return absl::SimpleAtoi(text, value);
        },
        "expected an integer");
  }

  bool Bool(const YamlNode& map, const std::string& path,
            const std::string& key, bool* out) {
    return Parsed(
        map, path, key, out,
        [](absl::string_view text, bool* value) {
          if (text != "true" && text != "false") {
            return false;
          }
          *value = text == "true";
          return true;
        },
        "expected true or false");
  }

  bool Double(const YamlNode& map, const std::string& path,
              const std::string& key, double* out) {
    return Parsed(
        map, path, key, out,
        [](absl::string_view text, double* value) {
          return absl::SimpleAtod(text, value);
        },
        "expected a number");
  }

  // A field holding the name of an enum value, read by `parse`
  // (ParseClassification, ...): false when absent (an error too when
  // `required`), and false with "\"<text>\" is not <what>" when `parse`
  // refuses the name.
  template <typename Enum>
  bool EnumName(const YamlNode& map, const std::string& path,
                const std::string& key, bool required,
                bool (*parse)(const std::string&, Enum*),
                const std::string& what, Enum* out) {
    std::string text;
    if (!(required ? RequiredString(map, path, key, &text)
                   : String(map, path, key, &text))) {
      return false;
    }
    if (!parse(text, out)) {
      Error(map[key], Join(path, key),
            absl::StrCat("\"", text, "\" is not ", what));
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
  // The scalar at `key` of `map` read by `parse(text, out)`: false when it is
  // absent, and false with "<path>: <expected>" when it is not a scalar or
  // `parse` refuses it.
  template <typename T, typename Parse>
  bool Parsed(const YamlNode& map, const std::string& path,
              const std::string& key, T* out, Parse parse,
              const char* expected) {
    YamlNode node = map[key];
    if (!Present(node)) {
      return false;
    }
    if (!node.IsScalar() || !parse(node.Scalar(), out)) {
      Error(node, Join(path, key), expected);
      return false;
    }
    return true;
  }

  const std::string& file_;
  std::vector<DescriptorError>* errors_;
  int count_ = 0;
};

// The value of a proto enum named with or without its prefix, in any case
// ("public", "CLASSIFICATION_PUBLIC"); false for other text and for the
// UNSPECIFIED value. `parse` is the enum's generated X_Parse.
template <typename Enum, typename Parse>
bool ParseEnumName(const std::string& text, absl::string_view prefix,
                   Parse parse, Enum* out) {
  std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view value = absl::StripPrefix(upper, prefix);
  return parse(absl::StrCat(prefix, value), out) &&
         *out != static_cast<Enum>(0);
}

inline bool ParseClassification(const std::string& text,
                                v1::Classification* out) {
  return ParseEnumName(text, "CLASSIFICATION_", v1::Classification_Parse, out);
}

inline bool ParseLifecycle(const std::string& text, v1::Lifecycle* out) {
  return ParseEnumName(text, "LIFECYCLE_", v1::Lifecycle_Parse, out);
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
