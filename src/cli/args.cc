#include "cli/args.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace meshplane::cli {

std::string ParsedArgs::Get(const std::string& name,
                            const std::string& fallback) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) {
    return fallback;
  }
  return it->second.back();
}

std::vector<std::string> ParsedArgs::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    return {};
  }
  return it->second;
}

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<FlagSpec>& specs,
                                     const std::vector<std::string>& args) {
  ParsedArgs parsed;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      parsed.AddPositional(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    const FlagSpec* spec = nullptr;
    std::string shown;
    std::string inline_value;
    bool has_inline_value = false;
    if (arg[1] == '-') {
      std::string name = arg.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        has_inline_value = true;
        name = name.substr(0, eq);
      }
      for (const FlagSpec& s : specs) {
        if (s.name == name) {
          spec = &s;
        }
      }
      shown = "--" + name;
    } else {
      if (arg.size() > 2) {
        // -ojson: a one-letter flag with its value attached.
        inline_value = arg.substr(2);
        has_inline_value = true;
      }
      for (const FlagSpec& s : specs) {
        if (s.short_name != 0 && s.short_name == arg[1]) {
          spec = &s;
        }
      }
      shown = arg.substr(0, 2);
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", shown));
    }
    if (!spec->repeated && parsed.Has(spec->name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", spec->name, " given more than once"));
    }
    if (!spec->takes_value) {
      if (has_inline_value) {
        if (inline_value == "true") {
          parsed.Add(spec->name, "true");
          continue;
        }
        if (inline_value == "false") {
          continue;
        }
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", spec->name, " takes no value"));
      }
      parsed.Add(spec->name, "true");
      continue;
    }
    if (has_inline_value) {
      parsed.Add(spec->name, inline_value);
      continue;
    }
    if (i + 1 >= args.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "flag --", spec->name, " needs a value (",
          spec->value_name.empty() ? "VALUE" : spec->value_name, ")"));
    }
    parsed.Add(spec->name, args[++i]);
  }
  return parsed;
}

}  // namespace meshplane::cli
