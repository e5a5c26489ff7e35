// The commands of the meshplane CLI. Each Register* function appends the
// commands of one group; app.cc dispatches to them and prints their help.
#ifndef MESHPLANE_CLI_COMMANDS_COMMANDS_H_
#define MESHPLANE_CLI_COMMANDS_COMMANDS_H_

#include <functional>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/client.h"
#include <nlohmann/json.hpp>

namespace meshplane::cli {

struct Command {
  std::vector<std::string> path;  // {"domain", "create"}, {"whoami"}
  std::string args_usage;         // "ID --owner-team TEAM"
  std::string summary;            // one line
  std::string description;        // more, may be empty
  std::vector<FlagSpec> flags;    // besides the global ones
  size_t min_args = 0;            // positional arguments
  size_t max_args = 0;
  std::vector<std::string> examples;
  std::function<int(Env&, const ParsedArgs&)> run;
  // -o values of the command's own besides table, json and yaml (product
  // get: odps); the command reads them from its arguments.
  std::vector<std::string> own_formats = {};
};

void RegisterDomainCommands(std::vector<Command>* commands);
void RegisterTeamCommands(std::vector<Command>* commands);
void RegisterTokenCommands(std::vector<Command>* commands);
void RegisterProductCommands(std::vector<Command>* commands);
void RegisterApplyCommands(std::vector<Command>* commands);
void RegisterCompletionCommands(std::vector<Command>* commands);
void RegisterPolicyCommands(std::vector<Command>* commands);
void RegisterAuditCommands(std::vector<Command>* commands);
// events watch (events.cc).
void RegisterEventCommands(std::vector<Command>* commands);
// webhook create|get|list|delete|deliveries (webhook.cc).
void RegisterWebhookCommands(std::vector<Command>* commands);
// access request|approve|deny|withdraw|list|grants|revoke|check (access.cc).
void RegisterAccessCommands(std::vector<Command>* commands);
// product status, slo report|breaches (slo.cc).
void RegisterSloCommands(std::vector<Command>* commands);
// contract lint|diff (contract.cc): offline, with the contract library;
// contract check|publish|get|list|history|deprecate: through ContractService.
void RegisterContractCommands(std::vector<Command>* commands);
void RegisterContractTestCommand(std::vector<Command>* commands);

// `apply -f FILE...` (apply.cc): parses every file, then creates or updates
// each document in dependency order. With `policies_only` (`policy apply`),
// documents of kinds other than Policy and Waiver are input errors.
int RunApplyFiles(Env& env, const ParsedArgs& args, bool policies_only);

// Every command, in help order.
const std::vector<Command>& AllCommands();

// Shared flag helpers.
FlagSpec PageSizeFlag();
FlagSpec AllPagesFlag();
FlagSpec EtagFlag();

FlagSpec PageTokenFlag();

// Parses --page-size; INVALID_ARGUMENT if not a positive integer.
absl::StatusOr<int> PageSize(const ParsedArgs& args);

// Prints `message` as JSON/YAML, or calls `table` for -o table. Returns 0.
int Show(Env& env, const google::protobuf::Message& message,
         const std::function<void(std::ostream&)>& table);

// -o json|yaml: `descriptors` as apply reads them (FormatDescriptors; a
// `list` is a List in JSON); -o table: calls `table`. A next page token is
// hinted on stderr whatever the format, stdout holding only descriptors.
// Returns 0.
int ShowDescriptors(Env& env, const std::vector<nlohmann::json>& descriptors,
                    bool list, const std::string& next_token,
                    const std::function<void(std::ostream&)>& table);

// For a write in table mode: "<what> <done>", or "<what> is valid (dry run:
// nothing was changed)" with --dry-run; JSON/YAML print `message`.
int ShowWrite(Env& env, const google::protobuf::Message& message,
              const std::string& what, const std::string& done);

// Fetches every page when `all`, else one page: `fetch(token, &page)` does
// one call. Appends each page to `merged` with `merge(page, &merged)` and
// leaves the last next_page_token in `*next_token`.
template <typename Response, typename Fetch, typename Merge>
grpc::Status FetchPages(bool all, std::string token, Fetch fetch, Merge merge,
                        Response* merged, std::string* next_token) {
  while (true) {
    Response page;
    grpc::Status status = fetch(token, &page);
    if (!status.ok()) {
      return status;
    }
    merge(page, merged);
    token = page.next_page_token();
    if (!all || token.empty()) {
      break;
    }
  }
  *next_token = token;
  return grpc::Status::OK;
}

// Tells stderr how to get the next page, when there is one (table mode).
void HintNextPage(Env& env, const std::string& next_token);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_COMMANDS_COMMANDS_H_
