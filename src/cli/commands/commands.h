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

// A get command of a resource that has a descriptor, once its `request` is
// built: -o json|yaml prints `describe(resource)` (ShowDescriptors), -o table
// `render(resource, out)` (RenderDomain, ...). Returns the exit code.
template <typename Stub, typename Request, typename Response, typename Describe,
          typename Render>
int ShowDescriptorGet(Env& env, Stub& stub,
                      UnaryRpc<Stub, Request, Response> rpc,
                      const Request& request, Describe describe,
                      Render render) {
  Response response;
  grpc::Status status = env.client().Call(stub, rpc, request, &response);
  if (!status.ok()) return env.Fail(status);
  return ShowDescriptors(env, {describe(response)}, false, "",
                         [&](std::ostream& out) { render(response, out); });
}

// A write command once its `request` is built: marks it (Env::PrepareWrite),
// sends it through `rpc`, and shows the response (ShowWrite: "<what>
// <done>") or reports the failure. Returns the exit code.
template <typename Stub, typename Request, typename Response>
int SendWrite(Env& env, Stub& stub, UnaryRpc<Stub, Request, Response> rpc,
              Request& request, const std::string& what,
              const std::string& done) {
  env.PrepareWrite(&request);
  Response response;
  grpc::Status status = env.client().Call(stub, rpc, request, &response);
  if (!status.ok()) return env.Fail(status);
  return ShowWrite(env, response, what, done);
}

// Reads the data product the first argument names (DOMAIN/PRODUCT, or an id
// with --domain) into `*product` (product.cc). Returns 0, or the exit code of
// the usage error or failed call it reported.
int GetProductArg(Env& env, const ParsedArgs& args,
                  meshplane::v1::DataProduct* product);

// Tells stderr how to get the next page, when there is one (table mode).
void HintNextPage(Env& env, const std::string& next_token);

// Which pages a list fetches: the one at `token`, and with `all` every page
// after it.
struct Pages {
  bool all = false;
  std::string token;
};
// --all and --page-token of `args`.
Pages PagesOf(const ParsedArgs& args);
// Every page from the first: for commands that need the whole set.
inline Pages EveryPage() { return {true, ""}; }

// Sends the list `request` through `rpc` of `stub` once per page of `pages`,
// appends the `items` of every page (their mutable accessor, e.g.
// &v1::ListDomainsResponse::mutable_domains) to `*merged`, and leaves the
// last page's next_page_token in `*merged`.
template <typename Stub, typename Request, typename Response, typename Item>
grpc::Status FetchPages(
    Client& client, Stub& stub, UnaryRpc<Stub, Request, Response> rpc,
    Request& request, Pages pages,
    google::protobuf::RepeatedPtrField<Item>* (Response::*items)(),
    Response* merged) {
  std::string token = std::move(pages.token);
  while (true) {
    Response page;
    request.set_page_token(token);
    grpc::Status status = client.Call(stub, rpc, request, &page);
    if (!status.ok()) {
      return status;
    }
    (merged->*items)()->MergeFrom(*(page.*items)());
    token = page.next_page_token();
    if (!pages.all || token.empty()) {
      break;
    }
  }
  merged->set_next_page_token(token);
  return grpc::Status::OK;
}

// A list command once its `request` is built: fetches `pages` (FetchPages),
// then shows the merged response (Show)
// with `table(merged, out)` for -o table, and hints at the next page.
// Returns the exit code.
template <typename Stub, typename Request, typename Response, typename Item,
          typename Table>
int ShowList(Env& env, Pages pages, Stub& stub,
             UnaryRpc<Stub, Request, Response> rpc, Request& request,
             google::protobuf::RepeatedPtrField<Item>* (Response::*items)(),
             Table table) {
  Response merged;
  grpc::Status status = FetchPages(env.client(), stub, rpc, request,
                                   std::move(pages), items, &merged);
  if (!status.ok()) return env.Fail(status);
  Show(env, merged, [&](std::ostream& out) { table(merged, out); });
  HintNextPage(env, merged.next_page_token());
  return kExitOk;
}

// ShowList for the resources that have descriptors: -o json|yaml prints
// `describe(item)` (DomainDescriptor, ...) of every item (ShowDescriptors),
// -o table `render(items, out)` (RenderDomains, ...).
template <typename Stub, typename Request, typename Response, typename Item,
          typename Describe, typename Render>
int ShowDescriptorList(
    Env& env, Pages pages, Stub& stub, UnaryRpc<Stub, Request, Response> rpc,
    Request& request,
    google::protobuf::RepeatedPtrField<Item>* (Response::*items)(),
    Describe describe, Render render) {
  Response merged;
  grpc::Status status = FetchPages(env.client(), stub, rpc, request,
                                   std::move(pages), items, &merged);
  if (!status.ok()) return env.Fail(status);
  const google::protobuf::RepeatedPtrField<Item>& list = *(merged.*items)();
  std::vector<nlohmann::json> descriptors;
  for (const Item& item : list) {
    descriptors.push_back(describe(item));
  }
  return ShowDescriptors(env, descriptors, true, merged.next_page_token(),
                         [&](std::ostream& out) { render(list, out); });
}

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_COMMANDS_COMMANDS_H_
