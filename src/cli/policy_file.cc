#include "cli/policy_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "meshplane/contract/yaml.h"

namespace meshplane::cli {

namespace {

std::string Where(const std::string& where, contract::YamlNode node) {
  const contract::SourcePosition at = node.position();
  if (at.line == 0) {
    return where;
  }
  return absl::StrCat(where, ":", at.line, ":", at.column);
}

// A plain scalar by the YAML 1.2 core schema (yaml.org/spec/1.2.2 10.3.2).
nlohmann::json PlainScalar(const std::string& text) {
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat(
      "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (text.empty() || text == "~" || text == "null" || text == "Null" ||
      text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (std::regex_match(text, kInt)) {
    int64_t i = 0;
    if (absl::SimpleAtoi(text, &i)) return i;
  }
  if (std::regex_match(text, kFloat)) {
    double d = 0;
    if (absl::SimpleAtod(text, &d)) return d;
  }
  return text;
}

}  // namespace

absl::StatusOr<nlohmann::json> YamlToJson(contract::YamlNode node,
                                          const std::string& where) {
  switch (node.kind()) {
    case contract::YamlKind::kUndefined:
    case contract::YamlKind::kNull:
      return nullptr;
    case contract::YamlKind::kScalar:
      // The reader tags plain scalars "?" and quoted or block scalars "!",
      // as yaml-cpp did.
      if (node.Tag() == "?") {
        return PlainScalar(std::string(node.Scalar()));
      }
      return std::string(node.Scalar());
    case contract::YamlKind::kSequence: {
      nlohmann::json array = nlohmann::json::array();
      for (contract::YamlNode item : node.items()) {
        absl::StatusOr<nlohmann::json> value = YamlToJson(item, where);
        if (!value.ok()) return value.status();
        array.push_back(*std::move(value));
      }
      return array;
    }
    case contract::YamlKind::kMapping: {
      nlohmann::json object = nlohmann::json::object();
      for (const contract::YamlEntry& it : node.entries()) {
        if (!it.first.IsScalar()) {
          return absl::InvalidArgumentError(absl::StrCat(
              Where(where, it.first), ": a mapping key must be a string"));
        }
        const std::string key(it.first.Scalar());
        if (object.contains(key)) {
          return absl::InvalidArgumentError(absl::StrCat(
              Where(where, it.first), ": key \"", key, "\" is repeated"));
        }
        absl::StatusOr<nlohmann::json> value = YamlToJson(it.second, where);
        if (!value.ok()) return value.status();
        object[key] = *std::move(value);
      }
      return object;
    }
  }
  return nullptr;
}

absl::StatusOr<nlohmann::json> ParseYamlDocument(const std::string& text,
                                                 const std::string& where) {
  // The one YAML reader, with its budgets: YamlToJson walks an aliased node
  // once per alias (docs/architecture.md, "YAML").
  absl::StatusOr<contract::YamlStream> docs = contract::ReadYaml(text);
  if (!docs.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ":", docs.status().message()));
  }
  if (docs->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": no document"));
  }
  if (docs->size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": expected one document, found ", docs->size()));
  }
  return YamlToJson((*docs)[0], where);
}

absl::StatusOr<std::string> ReadFileText(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<nlohmann::json> LoadYamlDocument(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileText(path);
  if (!text.ok()) return text.status();
  return ParseYamlDocument(*text, path == "-" ? "<stdin>" : path);
}

}  // namespace meshplane::cli
