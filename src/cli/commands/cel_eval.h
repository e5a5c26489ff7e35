// `meshplane cel eval 'EXPR' [--var name=JSON ...]`: evaluates a CEL
// expression locally, without a server, the way a policy would run.
#ifndef MESHPLANE_CLI_COMMANDS_CEL_EVAL_H_
#define MESHPLANE_CLI_COMMANDS_CEL_EVAL_H_

#include <ostream>
#include <string>
#include <vector>

namespace meshplane::cli {

// Runs `cel eval` with `args` (what follows "cel eval" on the command line):
// one expression and any number of `--var name=JSON` (or `--var=name=JSON`)
// bindings; each variable is declared as dyn. Prints the result in CEL
// literal syntax on `out`, e.g. `true`, `"abc"`, `[1, 2u]`.
//
// Exit codes: 0 when evaluation produced a value; 1 when it produced a CEL
// error (printed on `err` with line:column and a caret under the failing
// operation); 2 for usage errors, malformed JSON, and syntax or type errors
// (every issue printed on `err` with line:column and a caret excerpt).
int RunCelEval(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_COMMANDS_CEL_EVAL_H_
