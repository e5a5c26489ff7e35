#include "cli/output.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "cli/util.h"
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <nlohmann/json.hpp>

#include "meshplane/contract/yaml_writer.h"

namespace meshplane::cli {

absl::StatusOr<Format> ParseFormat(const std::string& text) {
  if (text == "table") return Format::kTable;
  if (text == "json") return Format::kJson;
  if (text == "yaml") return Format::kYaml;
  return absl::InvalidArgumentError(absl::StrCat(
      "-o ", text, ": unknown output format (table, json or yaml)"));
}

std::string MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  // Scripts can rely on every scalar, list and map being present: an empty
  // list prints as [] rather than vanishing (`jq '.domains[]'` just works).
  options.always_print_primitive_fields = true;
  options.add_whitespace = true;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    // Only an Any of an unknown type fails here; keep the output JSON.
    nlohmann::json error = {{"error", std::string(status.message())}};
    return error.dump(2) + "\n";
  }
  if (json.empty() || json.back() != '\n') {
    json.push_back('\n');
  }
  return json;
}

namespace {

// Whether a plain scalar with this text would load as something other than
// the string itself (YAML 1.1 and 1.2 core schema readings both count).
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  std::string lower = absl::AsciiStrToLower(s);
  static const char* const kSpecial[] = {"true", "false", "yes",   "no",   "on",
                                         "off",  "y",     "n",     "null", "~",
                                         ".nan", ".inf",  "-.inf", "+.inf"};
  for (const char* word : kSpecial) {
    if (lower == word) return true;
  }
  // Anything that starts like a number (digits, sign, dot) is quoted: cheap
  // and never wrong.
  char c = s[0];
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
    return true;
  }
  return false;
}

// The JSON value as YAML: strings that would read back as another type
// double-quoted, numbers as nlohmann prints them (the shortest exact way),
// empty containers as [] and {}.
contract::YamlValue ToYaml(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      contract::YamlValue map =
          contract::YamlValue::Mapping(/*flow=*/value.empty());
      for (auto it = value.begin(); it != value.end(); ++it) {
        map.Add(NeedsQuotes(it.key()) ? contract::YamlValue::Quoted(it.key())
                                      : contract::YamlValue::String(it.key()),
                ToYaml(it.value()));
      }
      return map;
    }
    case nlohmann::json::value_t::array: {
      contract::YamlValue seq =
          contract::YamlValue::Sequence(/*flow=*/value.empty());
      for (const auto& item : value) {
        seq.Append(ToYaml(item));
      }
      return seq;
    }
    case nlohmann::json::value_t::string: {
      const std::string& s = value.get_ref<const std::string&>();
      return NeedsQuotes(s) ? contract::YamlValue::Quoted(s)
                            : contract::YamlValue::String(s);
    }
    case nlohmann::json::value_t::boolean:
      return contract::YamlValue::String(value.get<bool>() ? "true" : "false");
    case nlohmann::json::value_t::null:
      return contract::YamlValue();
    default:
      return contract::YamlValue::String(value.dump());
  }
}

}  // namespace

absl::StatusOr<std::string> JsonToYaml(const std::string& json) {
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded()) {
    return absl::InvalidArgumentError("output is not valid JSON");
  }
  std::string text = contract::WriteYaml(ToYaml(parsed));
  if (text.empty() || text.back() != '\n') {
    text.push_back('\n');
  }
  return text;
}

void PrintMessage(Format format, const google::protobuf::Message& message,
                  std::ostream& out) {
  std::string json = MessageToJson(message);
  if (format == Format::kYaml) {
    auto yaml = JsonToYaml(json);
    out << (yaml.ok() ? *yaml : json);
    return;
  }
  out << json;
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size(), 0);
  auto cell = [](const std::vector<std::string>& row, size_t i) {
    if (i >= row.size() || row[i].empty()) return std::string("-");
    return row[i];
  };
  for (size_t i = 0; i < headers_.size(); ++i) {
    widths[i] = headers_[i].size();
    for (const auto& row : rows_) {
      widths[i] = std::max(widths[i], cell(row, i).size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& row, bool header) {
    std::string line;
    for (size_t i = 0; i < headers_.size(); ++i) {
      std::string text = header ? headers_[i] : cell(row, i);
      line += text;
      if (i + 1 < headers_.size()) {
        line.append(widths[i] - text.size() + 2, ' ');
      }
    }
    out << line << "\n";
  };
  print_row(headers_, true);
  for (const auto& row : rows_) {
    print_row(row, false);
  }
}

void Details::Print(std::ostream& out) const {
  size_t width = 0;
  for (const auto& [key, value] : rows_) {
    width = std::max(width, key.size());
  }
  const std::string indent(width + 2, ' ');
  for (const auto& [key, value] : rows_) {
    out << key << ":" << std::string(width - key.size() + 1, ' ');
    if (value.empty()) {
      out << "-\n";
      continue;
    }
    // Continuation lines of a multi-line value line up under its first.
    for (char c : value) {
      out << c;
      if (c == '\n') out << indent;
    }
    out << "\n";
  }
}

std::string FormatTimestamp(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) {
    return "";
  }
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatProtoDuration(const google::protobuf::Duration& d) {
  if (d.seconds() == 0 && d.nanos() == 0) {
    return "";
  }
  return HumanDuration(absl::Seconds(d.seconds()) +
                       absl::Nanoseconds(d.nanos()));
}

std::string LifecycleName(meshplane::v1::Lifecycle lifecycle) {
  if (lifecycle == meshplane::v1::LIFECYCLE_UNSPECIFIED) return "";
  std::string name = meshplane::v1::Lifecycle_Name(lifecycle);
  return absl::AsciiStrToLower(absl::StripPrefix(name, "LIFECYCLE_"));
}

std::string ClassificationName(meshplane::v1::Classification c) {
  if (c == meshplane::v1::CLASSIFICATION_UNSPECIFIED) return "";
  std::string name = meshplane::v1::Classification_Name(c);
  return absl::AsciiStrToLower(absl::StripPrefix(name, "CLASSIFICATION_"));
}

}  // namespace meshplane::cli
