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

std::string Where(const std::string& where, const YAML::Mark& mark) {
  if (mark.is_null()) {
    return where;
  }
  return absl::StrCat(where, ":", mark.line + 1, ":", mark.column + 1);
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

absl::StatusOr<nlohmann::json> YamlToJson(const YAML::Node& node,
                                          const std::string& where) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags plain scalars "?" and quoted or block scalars "!".
      if (node.Tag() == "?") {
        return PlainScalar(node.Scalar());
      }
      return node.Scalar();
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const YAML::Node& item : node) {
        absl::StatusOr<nlohmann::json> value = YamlToJson(item, where);
        if (!value.ok()) return value.status();
        array.push_back(*std::move(value));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) {
          return absl::InvalidArgumentError(
              absl::StrCat(Where(where, it->first.Mark()),
                           ": a mapping key must be a string"));
        }
        const std::string& key = it->first.Scalar();
        if (object.contains(key)) {
          return absl::InvalidArgumentError(
              absl::StrCat(Where(where, it->first.Mark()), ": key \"", key,
                           "\" is repeated"));
        }
        absl::StatusOr<nlohmann::json> value = YamlToJson(it->second, where);
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
  // YamlToJson walks an aliased node once per alias: the one YAML reader's
  // budgets go first (docs/architecture.md).
  if (absl::Status budget = contract::CheckYamlBudgets(text); !budget.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ":", budget.message()));
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(where, e.mark), ": invalid YAML: ", e.msg));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": invalid YAML: ", e.msg));
  }
  if (docs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": no document"));
  }
  if (docs.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": expected one document, found ", docs.size()));
  }
  return YamlToJson(docs[0], where);
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
