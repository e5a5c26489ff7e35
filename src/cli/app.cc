#include "cli/app.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/commands/cel_eval.h"
#include "cli/commands/commands.h"
#include "cli/errors.h"
#include "cli/util.h"

namespace meshplane::cli {

namespace {

constexpr char kVersion[] = "0.1.0";

std::vector<FlagSpec> GlobalFlags() {
  return {
      {"addr", 0, true, false, "HOST:PORT",
       "server address (env MESHPLANE_ADDR, default 127.0.0.1:50051)"},
      {"token", 0, true, false, "SECRET", "API token (env MESHPLANE_TOKEN)"},
      {"output", 'o', true, false, "FORMAT", "table (default), json or yaml"},
      {"dry-run", 0, false, false, "",
       "validate writes on the server (validate_only) and change nothing"},
      {"timeout", 0, true, false, "DURATION",
       "deadline of each call, e.g. 10s (default 30s)"},
      {"request-id", 0, true, false, "UUID",
       "request id of the first write, for idempotent retries by a caller "
       "(default: a new UUID v4)"},
      {"tls", 0, false, false, "",
       "connect with TLS, trusting the system roots (env MESHPLANE_TLS=1)"},
      {"ca-file", 0, true, false, "PEM",
       "connect with TLS, trusting this CA bundle (env MESHPLANE_CA_FILE)"},
      {"cert-file", 0, true, false, "PEM",
       "present this client certificate (mutual TLS; implies TLS; env "
       "MESHPLANE_CERT_FILE)"},
      {"key-file", 0, true, false, "PEM",
       "the client certificate's private key (env MESHPLANE_KEY_FILE)"},
      {"tls-server-name", 0, true, false, "NAME",
       "the name the server certificate must carry, when not the host of "
       "--addr"},
      {"help", 'h', false, false, "", "show help"},
  };
}

// Flags of GlobalFlags() that take a value, by every spelling: the word
// after them is not a command word.
bool IsGlobalValueFlag(const std::string& arg) {
  return arg == "--addr" || arg == "--token" || arg == "-o" ||
         arg == "--output" || arg == "--timeout" || arg == "--request-id" ||
         arg == "--ca-file" || arg == "--cert-file" || arg == "--key-file" ||
         arg == "--tls-server-name";
}

void PrintFlags(const std::vector<FlagSpec>& flags, std::ostream& out) {
  std::vector<std::pair<std::string, std::string>> rows;
  size_t width = 0;
  for (const FlagSpec& f : flags) {
    std::string left = "  ";
    if (f.short_name != 0) {
      absl::StrAppend(&left, "-", std::string(1, f.short_name), ", ");
    }
    absl::StrAppend(&left, "--", f.name);
    if (f.takes_value) {
      absl::StrAppend(&left, " ",
                      f.value_name.empty() ? "VALUE" : f.value_name);
    }
    width = std::max(width, left.size());
    rows.emplace_back(left, f.help + (f.repeated ? " (repeatable)" : ""));
  }
  for (const auto& [left, help] : rows) {
    out << left << std::string(width - left.size() + 3, ' ') << help << "\n";
  }
}

void PrintCommandHelp(const Command& c, std::ostream& out) {
  out << "Usage: meshplane " << absl::StrJoin(c.path, " ");
  if (!c.args_usage.empty()) {
    out << " " << c.args_usage;
  }
  out << " [flags]\n\n" << c.summary << "\n";
  if (!c.description.empty()) {
    out << "\n" << c.description << "\n";
  }
  if (!c.flags.empty()) {
    out << "\nFlags:\n";
    PrintFlags(c.flags, out);
  }
  out << "\nGlobal flags:\n";
  PrintFlags(GlobalFlags(), out);
  if (!c.examples.empty()) {
    out << "\nExamples:\n";
    for (const std::string& e : c.examples) {
      out << "  " << e << "\n";
    }
  }
}

void PrintUsage(const std::string& group, std::ostream& out) {
  if (group.empty()) {
    out << "meshplane: the command-line client of the Meshplane data mesh "
           "control plane.\n\nUsage: meshplane COMMAND [args] [flags]\n\n"
           "Commands:\n";
  } else {
    out << "Usage: meshplane " << group << " COMMAND [args] [flags]\n\n"
        << "Commands:\n";
  }
  std::vector<std::pair<std::string, std::string>> rows;
  size_t width = 0;
  for (const Command& c : AllCommands()) {
    if (!group.empty() && c.path[0] != group) {
      continue;
    }
    std::string left = absl::StrCat("  ", absl::StrJoin(c.path, " "));
    if (!c.args_usage.empty()) absl::StrAppend(&left, " ", c.args_usage);
    width = std::max(width, left.size());
    rows.emplace_back(left, c.summary);
  }
  if (group.empty() || group == "cel") {
    rows.emplace_back("  cel eval ...", "evaluate a CEL expression locally");
    width = std::max(width, rows.back().first.size());
  }
  for (const auto& [left, summary] : rows) {
    out << left << std::string(width - left.size() + 3, ' ') << summary << "\n";
  }
  out << "\nGlobal flags:\n";
  PrintFlags(GlobalFlags(), out);
  out << "\nExit codes: 0 ok; 1 refused (not found, exists, permission, "
         "precondition, conflict, authentication); 2 usage or invalid "
         "input; 3 server unreachable or internal error.\n"
         "Run 'meshplane COMMAND --help' for a command's flags and "
         "examples.\n";
}

}  // namespace

int RunCli(const std::vector<std::string>& args, const Environment& env,
           std::ostream& out, std::ostream& err) {
  // The command words: the first non-flag words, skipping the values of
  // global flags (`-o json domain list`).
  std::vector<size_t> word_positions;
  for (size_t i = 0; i < args.size() && word_positions.size() < 2; ++i) {
    if (IsGlobalValueFlag(args[i])) {
      ++i;
      continue;
    }
    if (args[i] == "--") {
      break;
    }
    if (!args[i].empty() && args[i][0] == '-') {
      continue;
    }
    word_positions.push_back(i);
  }
  std::vector<std::string> words;
  for (size_t pos : word_positions) {
    words.push_back(args[pos]);
  }
  bool wants_help =
      std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end();

  if (words.empty()) {
    if (std::find(args.begin(), args.end(), "--version") != args.end()) {
      out << "meshplane " << kVersion << "\n";
      return kExitOk;
    }
    if (wants_help) {
      PrintUsage("", out);
      return kExitOk;
    }
    PrintUsage("", err);
    return kExitUsage;
  }
  if (words[0] == "help") {
    PrintUsage(words.size() > 1 ? words[1] : "", out);
    return kExitOk;
  }
  if (words[0] == "version") {
    out << "meshplane " << kVersion << "\n";
    return kExitOk;
  }

  if (words.size() == 2 && words[0] == "cel" && words[1] == "eval") {
    // cel eval has flags of its own: hand it everything after "eval".
    std::vector<std::string> rest(args.begin() + word_positions[1] + 1,
                                  args.end());
    return RunCelEval(rest, out, err);
  }

  const Command* command = nullptr;
  size_t used_words = 0;
  for (const Command& c : AllCommands()) {
    if (c.path.size() <= words.size() &&
        std::equal(c.path.begin(), c.path.end(), words.begin())) {
      if (c.path.size() > used_words) {
        command = &c;
        used_words = c.path.size();
      }
    }
  }
  if (command == nullptr) {
    std::set<std::string> groups;
    for (const Command& c : AllCommands()) {
      if (c.path.size() > 1) groups.insert(c.path[0]);
    }
    groups.insert("cel");
    if (groups.count(words[0]) > 0) {
      if (words.size() == 1 && wants_help) {
        PrintUsage(words[0], out);
        return kExitOk;
      }
      if (words.size() == 1) {
        err << "error: missing subcommand of '" << words[0] << "'\n\n";
      } else {
        err << "error: unknown command '" << words[0] << " " << words[1]
            << "'\n\n";
      }
      PrintUsage(words[0], err);
      return kExitUsage;
    }
    err << "error: unknown command '" << words[0]
        << "' (run 'meshplane --help')\n";
    return kExitUsage;
  }

  if (wants_help) {
    PrintCommandHelp(*command, out);
    return kExitOk;
  }

  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_word = false;
    for (size_t w = 0; w < used_words; ++w) {
      if (word_positions[w] == i) is_word = true;
    }
    if (!is_word) rest.push_back(args[i]);
  }
  std::vector<FlagSpec> specs = GlobalFlags();
  specs.insert(specs.end(), command->flags.begin(), command->flags.end());
  std::string usage_hint = absl::StrCat(
      " (see 'meshplane ", absl::StrJoin(command->path, " "), " --help')");
  auto parsed = ParseArgs(specs, rest);
  if (!parsed.ok()) {
    err << "error: " << parsed.status().message() << usage_hint << "\n";
    return kExitUsage;
  }
  size_t n = parsed->positional().size();
  if (n < command->min_args || n > command->max_args) {
    err << "error: " << absl::StrJoin(command->path, " ") << " takes ";
    if (command->min_args == command->max_args) {
      err << command->min_args;
    } else {
      err << command->min_args << " to " << command->max_args;
    }
    err << " argument" << (command->max_args == 1 ? "" : "s") << " ("
        << command->args_usage << "), got " << n << usage_hint << "\n";
    return kExitUsage;
  }

  GlobalOptions options;
  if (!env.addr.empty()) options.addr = env.addr;
  if (!env.token.empty()) options.token = env.token;
  if (parsed->Has("addr")) options.addr = parsed->Get("addr");
  if (parsed->Has("token")) options.token = parsed->Get("token");
  if (parsed->Has("output") &&
      std::find(command->own_formats.begin(), command->own_formats.end(),
                parsed->Get("output")) == command->own_formats.end()) {
    auto format = ParseFormat(parsed->Get("output"));
    if (!format.ok()) {
      err << "error: " << format.status().message() << "\n";
      return kExitUsage;
    }
    options.format = *format;
  }
  options.dry_run = parsed->Has("dry-run");
  if (parsed->Has("timeout")) {
    auto timeout = ParseDuration(parsed->Get("timeout"));
    if (!timeout.ok() || *timeout <= absl::ZeroDuration()) {
      err << "error: --timeout: "
          << (timeout.ok() ? "must be positive"
                           : std::string(timeout.status().message()))
          << "\n";
      return kExitUsage;
    }
    options.timeout = *timeout;
  }
  options.request_id = parsed->Get("request-id");
  options.tls = parsed->Has("tls") || env.tls == "1" || env.tls == "true";
  // The PEM files of --ca-file, --cert-file and --key-file (or their
  // variables); any of them implies TLS.
  auto read_pem = [&](const char* flag, const std::string& fallback,
                      std::string* pem_out) {
    std::string path = parsed->Get(flag, fallback);
    if (path.empty()) return true;
    std::ifstream in(path, std::ios::binary);
    std::stringstream pem;
    pem << in.rdbuf();
    if (!in || pem.str().empty()) {
      err << "error: --" << flag << " " << path << ": cannot read it\n";
      return false;
    }
    options.tls = true;
    *pem_out = pem.str();
    return true;
  };
  if (!read_pem("ca-file", env.ca_file, &options.ca_pem) ||
      !read_pem("cert-file", env.cert_file, &options.cert_pem) ||
      !read_pem("key-file", env.key_file, &options.key_pem)) {
    return kExitUsage;
  }
  if (options.cert_pem.empty() != options.key_pem.empty()) {
    err << "error: --cert-file and --key-file go together (env "
           "MESHPLANE_CERT_FILE, MESHPLANE_KEY_FILE)\n";
    return kExitUsage;
  }
  options.tls_server_name = parsed->Get("tls-server-name");
  Env cli_env(options, out, err);
  return command->run(cli_env, *parsed);
}

}  // namespace meshplane::cli
