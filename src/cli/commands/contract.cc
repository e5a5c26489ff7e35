// meshplane contract lint|diff: ODCS v3 data contracts checked offline with
// the contract library built into the CLI, so that a producing team's CI can
// refuse an invalid or breaking contract before anything reaches a server.
// meshplane contract check|publish|get|list|history|deprecate: the same
// contracts through the server's ContractService; `check` is the CI dry run
// of a publish (lint locally, then PublishContract with validate_only).
//
// Reports come in three shapes: text for people (compiler-style
// FILE:LINE:COLUMN prefixes, which editors and terminals make clickable),
// JSON or YAML for scripts (-o), and GitHub Actions workflow commands
// (--format github) so that each issue lands on its line in a pull request.
//
// This file is the command table of `meshplane contract`; the commands are
// in contract_offline.cc (no server) and contract_remote.cc (through
// ContractService), their reports in contract_report.cc and
// contract_check_report.cc.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands/commands.h"
#include "cli/commands/contract_cmd.h"

namespace meshplane::cli {

namespace {

using contract_cmd::Check;
using contract_cmd::ConvertCommand;
using contract_cmd::Deprecate;
using contract_cmd::Diff;
using contract_cmd::Get;
using contract_cmd::History;
using contract_cmd::Lint;
using contract_cmd::List;
using contract_cmd::Publish;

FlagSpec FormatFlag() {
  return {"format",
          0,
          true,
          false,
          "STYLE",
          "text (default) or github: GitHub Actions annotations "
          "(::error file=...,line=...::message)"};
}

FlagSpec ProductFlag(const std::string& help) {
  return {"product", 0, true, false, "DOMAIN/PRODUCT", help};
}

FlagSpec ModeFlag(const std::string& help) {
  return {"mode", 0, true, false, "MODE", help};
}

constexpr char kContractHelp[] =
    "NAME is the contract id (the ODCS document's `id`, e.g. orders-v1) or "
    "contracts/ID.";

}  // namespace

void RegisterContractCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"contract", "lint"},
       "-f FILE [-f FILE...]",
       "validate ODCS v3 data contracts offline",
       "Parses each file and checks it against the rules of the Open Data "
       "Contract Standard v3 (docs/contracts.md), printing every issue with "
       "its file, line:column and path. Needs no server. Exit 0 when every "
       "file is valid, 2 when one is invalid, unreadable or not YAML.",
       {{"filename", 'f', true, true, "FILE", "contract file (repeatable)"},
        FormatFlag()},
       0,
       0,
       {"meshplane contract lint -f contracts/orders.odcs.yaml",
        "meshplane contract lint -f orders.odcs.yaml --format github"},
       Lint});
  commands->push_back(
      {{"contract", "diff"},
       "OLD NEW",
       "classify the changes between two versions of a contract offline",
       "Compares two versions of one contract under a compatibility mode "
       "(FULL, BACKWARD, FORWARD, their _TRANSITIVE forms, which with two "
       "files mean the same as the plain ones, or NONE; default FULL, under "
       "which no change that can break an existing consumer passes: removing "
       "a property, optional or not, is breaking) "
       "and prints each change as breaking, compatible or cosmetic with an "
       "explanation that starts with that verdict, the "
       "verdict, and the semver bump the changes require against the bump "
       "from OLD's version to NEW's. Needs no server. Exit 0 when nothing "
       "breaks and NEW's version makes the required bump, 1 when a change "
       "breaks or the bump is too small, 2 when a file is invalid.",
       {{"mode", 0, true, false, "MODE",
         "FULL (default), BACKWARD, FORWARD, BACKWARD_TRANSITIVE, "
         "FORWARD_TRANSITIVE, FULL_TRANSITIVE or NONE"},
        FormatFlag()},
       2,
       2,
       {"meshplane contract diff published.odcs.yaml orders.odcs.yaml",
        "meshplane contract diff old.yaml new.yaml --mode BACKWARD -o json"},
       Diff});
  commands->push_back(
      {{"contract", "check"},
       "-f FILE",
       "check a contract against its published versions on the server",
       "The CI check before a merge. Lints FILE locally (an invalid file is "
       "reported as by 'contract lint', and nothing is sent), then asks the "
       "server for a dry run of its publish (PublishContract with "
       "validate_only): the changes against the published versions under the "
       "contract's mode (or --mode), the semver bump they require, the "
       "consumers a breaking change hits, and the contract.publish policies. "
       "Exit 0 when the server would accept the version and nothing breaks "
       "(or it breaks under a major bump and --allow-breaking is given); 1 "
       "when it would not accept it, a change breaks without "
       "--allow-breaking, or the server refuses; 2 for an invalid file or bad "
       "flags; 3 when the server cannot be reached.",
       {{"filename", 'f', true, false, "FILE", "the candidate contract"},
        ProductFlag("the owning data product (required for a new contract "
                    "whose document names none)"),
        ModeFlag("check under this mode instead of the contract's own: "
                 "BACKWARD, FORWARD, FULL, their _TRANSITIVE forms or NONE"),
        {"allow-breaking", 0, false, false, "",
         "accept breaking changes that the version's major bump declares"},
        FormatFlag()},
       0,
       0,
       {"meshplane contract check -f contracts/orders.odcs.yaml",
        "meshplane contract check -f orders.odcs.yaml --format github",
        "meshplane contract check -f orders.odcs.yaml --allow-breaking -o "
        "json"},
       Check});
  commands->push_back(
      {{"contract", "convert"},
       "-f FILE --to VERSION",
       "convert a contract to another ODCS version offline",
       "Writes FILE as ODCS VERSION (v3.1.0 or v3.2.0) to stdout and lists "
       "on stderr, with FILE:line:column, every field the target version "
       "cannot carry (from v3.2.0 to v3.1.0: context, synonyms, "
       "semanticType, deprecated, relationship ids, SLA custom properties, "
       "map key and value definitions, vector options other than its "
       "dimensions; an enum becomes an invalidValues rule). Nothing is "
       "dropped silently: when a field would be lost nothing is written "
       "unless --allow-loss is given. Values, variables such as "
       "${DB_HOST:-localhost} included, are kept as written; comments and "
       "layout are not. Needs no server. Exit 0 when written, 1 when a field "
       "would be lost without --allow-loss or the result would not be valid "
       "in VERSION (e.g. v3.1.0 requires status), 2 for an invalid file or "
       "version.",
       {{"filename", 'f', true, false, "FILE", "the contract to convert"},
        {"to", 0, true, false, "VERSION", "v3.1.0 or v3.2.0"},
        {"allow-loss", 0, false, false, "",
         "write the document even though fields are lost (still listed)"}},
       0,
       0,
       {"meshplane contract convert -f orders.odcs.yaml --to v3.1.0",
        "meshplane contract convert -f old.odcs.yaml --to v3.2.0 > "
        "new.odcs.yaml"},
       ConvertCommand});
  RegisterContractTestCommand(commands);
  commands->push_back(
      {{"contract", "publish"},
       "-f FILE",
       "publish a new version of a contract",
       "Lints FILE locally, then publishes it: the document's `id` names the "
       "contract (created on its first version) and its `version` the new "
       "version. The server refuses an incompatible change without a major "
       "bump and a contract.publish policy's denial, and prints the report "
       "then (exit 1). With --dry-run nothing is written and the exit code "
       "says whether the publish would go through.",
       {{"filename", 'f', true, false, "FILE", "the contract to publish"},
        ProductFlag("the owning data product, on the first version"),
        ModeFlag("set the contract's compatibility mode (default FULL for "
                 "a new contract; an existing one keeps its own)"),
        {"label", 0, true, true, "KEY=VALUE",
         "a label of the contract (replaces them all)"}},
       0,
       0,
       {"meshplane contract publish -f contracts/orders.odcs.yaml --product "
        "sales/orders",
        "meshplane contract publish -f orders.odcs.yaml --mode FULL --label "
        "tier=1 --dry-run"},
       Publish});
  commands->push_back(
      {{"contract", "get"},
       "NAME",
       "show a contract, or one of its versions",
       absl::StrCat(kContractHelp,
                    " With --version (a semver or latest), the version and "
                    "its compatibility report; with --original, the "
                    "document exactly as published (of the latest version "
                    "unless --version says otherwise)."),
       {{"version", 0, true, false, "VERSION", "a semver, or latest"},
        {"original", 0, false, false, "",
         "print the version's document byte for byte"}},
       1,
       1,
       {"meshplane contract get orders-v1",
        "meshplane contract get orders-v1 --version 1.2.0 -o yaml",
        "meshplane contract get orders-v1 --version latest --original > "
        "published.odcs.yaml"},
       Get});
  commands->push_back(
      {{"contract", "list"},
       "",
       "list contracts",
       "Every page; the flags become an AIP-160 filter, joined with AND.",
       {ProductFlag("only the contracts of this data product"),
        {"domain", 0, true, false, "DOMAIN",
         "only the contracts of DOMAIN's data products"},
        {"state", 0, true, false, "STATE", "ACTIVE or DEPRECATED"}},
       0,
       0,
       {"meshplane contract list --domain sales",
        "meshplane contract list --product sales/orders -o json",
        "meshplane contract list --state deprecated"},
       List});
  commands->push_back(
      {{"contract", "history"},
       "NAME",
       "list the versions of a contract, newest first",
       absl::StrCat(kContractHelp,
                    " Each version with who published it and what its "
                    "compatibility report found against the versions "
                    "before it."),
       {},
       1,
       1,
       {"meshplane contract history orders-v1"},
       History});
  commands->push_back(
      {{"contract", "deprecate"},
       "NAME --message TEXT",
       "mark a contract as deprecated",
       absl::StrCat(kContractHelp,
                    " Consumers are told to move away; new versions can "
                    "still be published."),
       {{"message", 0, true, false, "TEXT",
         "why, and what consumers should use instead"},
        EtagFlag()},
       1,
       1,
       {"meshplane contract deprecate orders-v1 --message \"use orders-v2 "
        "(contracts/orders-v2)\""},
       Deprecate});
}

}  // namespace meshplane::cli
