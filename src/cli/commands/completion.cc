// meshplane completion bash: a bash completion script generated from the
// command table, so it never lags behind the commands.
#include <map>
#include <set>

#include "absl/strings/str_join.h"
#include "cli/commands/commands.h"

#include "meshplane/policy/policy.h"

namespace meshplane::cli {

namespace {

int Bash(Env& env, const ParsedArgs& args) {
  std::set<std::string> top;
  std::map<std::string, std::set<std::string>> verbs;
  std::map<std::string, std::set<std::string>> flags;  // "group verb" -> flags
  for (const Command& c : AllCommands()) {
    top.insert(c.path[0]);
    if (c.path.size() > 1) verbs[c.path[0]].insert(c.path[1]);
    std::string key = absl::StrJoin(c.path, " ");
    for (const FlagSpec& f : c.flags) {
      flags[key].insert("--" + f.name);
    }
  }
  top.insert("cel");
  verbs["cel"].insert("eval");
  const char* globals =
      "--addr --token --output -o --dry-run --timeout --request-id --tls "
      "--ca-file --cert-file --key-file --tls-server-name --help";
  std::ostream& out = env.out();
  out << "# bash completion for meshplane; load it with\n"
         "#   source <(meshplane completion bash)\n"
         "_meshplane() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" "
         "prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
         "  local words=() w\n"
         "  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
         "    [[ $w != -* ]] && words+=(\"$w\")\n"
         "  done\n"
         "  case \"$prev\" in\n"
         "    -o|--output) COMPREPLY=($(compgen -W \"table json yaml\" -- "
         "\"$cur\")); return;;\n"
         "    -f|--filename|--ca-file|--cert-file|--key-file) "
         "COMPREPLY=($(compgen -f -- \"$cur\")); "
         "return;;\n"
         "    --lifecycle) COMPREPLY=($(compgen -W \"draft published "
         "deprecated retired\" -- \"$cur\")); return;;\n"
         "    --direction) COMPREPLY=($(compgen -W \"upstream downstream "
         "both\" -- \"$cur\")); return;;\n"
         "    --effect) COMPREPLY=($(compgen -W \"DENY WARN "
         "REQUIRE_APPROVAL\" -- \"$cur\")); return;;\n"
         "    --mode) COMPREPLY=($(compgen -W \"BACKWARD FORWARD FULL "
         "BACKWARD_TRANSITIVE FORWARD_TRANSITIVE FULL_TRANSITIVE NONE\" -- "
         "\"$cur\")); return;;\n"
         "    --format) COMPREPLY=($(compgen -W \"text github\" -- "
         "\"$cur\")); return;;\n"
         "    --trigger) COMPREPLY=($(compgen -W \""
      << absl::StrJoin(policy::KnownTriggers(), " ")
      << "\" -- \"$cur\")); return;;\n"
         "  esac\n"
         "  if [[ ${#words[@]} -eq 0 ]]; then\n"
         "    COMPREPLY=($(compgen -W \""
      << absl::StrJoin(top, " ") << " help version\" -- \"$cur\")); return\n"
      << "  fi\n"
         "  if [[ ${#words[@]} -eq 1 ]]; then\n"
         "    case \"${words[0]}\" in\n";
  for (const auto& [group, vs] : verbs) {
    out << "      " << group << ") COMPREPLY=($(compgen -W \""
        << absl::StrJoin(vs, " ") << "\" -- \"$cur\")); return;;\n";
  }
  out << "    esac\n"
         "  fi\n"
         "  local key=\"${words[0]}\"\n"
         "  [[ ${#words[@]} -ge 2 ]] && key=\"${words[0]} ${words[1]}\"\n"
         "  local flags=\""
      << globals << "\"\n"
      << "  case \"$key\" in\n";
  for (const auto& [key, fs] : flags) {
    out << "    \"" << key << "\") flags+=\" " << absl::StrJoin(fs, " ")
        << "\";;\n";
  }
  out << "  esac\n"
         "  COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
         "}\n"
         "complete -F _meshplane meshplane\n";
  return kExitOk;
}

}  // namespace

void RegisterCompletionCommands(std::vector<Command>* commands) {
  commands->push_back({{"completion", "bash"},
                       "",
                       "print a bash completion script",
                       "",
                       {},
                       0,
                       0,
                       {"source <(meshplane completion bash)"},
                       Bash});
}

}  // namespace meshplane::cli
