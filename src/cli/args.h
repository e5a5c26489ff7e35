// Command-line flag parsing for the meshplane CLI: GNU-style long flags
// (`--name value`, `--name=value`), one-letter aliases (`-o json`), boolean
// switches and repeatable flags, with the positional words left in order.
#ifndef MESHPLANE_CLI_ARGS_H_
#define MESHPLANE_CLI_ARGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace meshplane::cli {

// One flag a command accepts.
struct FlagSpec {
  std::string name;         // long name without dashes, e.g. "owner-team"
  char short_name = 0;      // one-letter alias, e.g. 'o'; 0 for none
  bool takes_value = true;  // false: a boolean switch
  bool repeated = false;    // may be given more than once
  std::string value_name;   // shown in help, e.g. "TEAM"
  std::string help;
};

// The result of parsing: flag values by long name, and positional words.
class ParsedArgs {
 public:
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The last value of `name`, or `fallback` when absent.
  std::string Get(const std::string& name,
                  const std::string& fallback = "") const;
  // Every value of a repeated flag, in order.
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  void Add(const std::string& name, const std::string& value) {
    values_[name].push_back(value);
  }
  void AddPositional(const std::string& word) { positional_.push_back(word); }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Parses `args` against `specs`. Returns INVALID_ARGUMENT naming the flag for
// an unknown flag, a missing value, a value given to a switch, or a
// non-repeatable flag given twice. A lone `--` ends the flags.
absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<FlagSpec>& specs,
                                     const std::vector<std::string>& args);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_ARGS_H_
