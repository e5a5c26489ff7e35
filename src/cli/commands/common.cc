#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/commands/commands.h"
#include "cli/descriptor.h"

namespace meshplane::cli {

const std::vector<Command>& AllCommands() {
  static const std::vector<Command>* const commands = [] {
    auto* all = new std::vector<Command>();
    RegisterApplyCommands(all);
    RegisterDomainCommands(all);
    RegisterTeamCommands(all);
    RegisterProductCommands(all);
    RegisterTokenCommands(all);
    RegisterPolicyCommands(all);
    RegisterAuditCommands(all);
    RegisterEventCommands(all);
    RegisterWebhookCommands(all);
    RegisterAccessCommands(all);
    RegisterSloCommands(all);
    RegisterContractCommands(all);
    RegisterCompletionCommands(all);
    return all;
  }();
  return *commands;
}

FlagSpec PageSizeFlag() {
  return {"page-size", 0,
          true,        false,
          "N",         "results per page (server default 50, at most 1000)"};
}

FlagSpec PageTokenFlag() {
  return {"page-token", 0,       true,
          false,        "TOKEN", "continue from a previous page"};
}

FlagSpec AllPagesFlag() {
  return {"all", 0, false, false, "", "follow page tokens to the last page"};
}

FlagSpec EtagFlag() {
  return {"etag", 0,      true,
          false,  "ETAG", "act only while the resource still has this etag"};
}

Pages PagesOf(const ParsedArgs& args) {
  return {args.Has("all"), args.Get("page-token")};
}

absl::StatusOr<int> PageSize(const ParsedArgs& args) {
  if (!args.Has("page-size")) {
    return 0;
  }
  int n = 0;
  if (!absl::SimpleAtoi(args.Get("page-size"), &n) || n <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--page-size ", args.Get("page-size"),
                     ": expected a positive integer"));
  }
  return n;
}

int Show(Env& env, const google::protobuf::Message& message,
         const std::function<void(std::ostream&)>& table) {
  if (env.format() == Format::kTable) {
    table(env.out());
  } else {
    PrintMessage(env.format(), message, env.out());
  }
  return kExitOk;
}

int ShowDescriptors(Env& env, const std::vector<nlohmann::json>& descriptors,
                    bool list, const std::string& next_token,
                    const std::function<void(std::ostream&)>& table) {
  if (env.format() == Format::kTable) {
    table(env.out());
  } else {
    env.out() << FormatDescriptors(descriptors, env.format() == Format::kYaml,
                                   list);
  }
  if (!next_token.empty()) {
    env.err() << "more results: add --page-token " << next_token
              << " (or --all)\n";
  }
  return kExitOk;
}

int ShowWrite(Env& env, const google::protobuf::Message& message,
              const std::string& what, const std::string& done) {
  if (env.format() != Format::kTable) {
    PrintMessage(env.format(), message, env.out());
    return kExitOk;
  }
  if (env.dry_run()) {
    env.out() << what << " is valid (dry run: nothing was changed)\n";
  } else {
    env.out() << what << " " << done << "\n";
  }
  return kExitOk;
}

void HintNextPage(Env& env, const std::string& next_token) {
  if (!next_token.empty() && env.format() == Format::kTable) {
    env.err() << "more results: add --page-token " << next_token
              << " (or --all)\n";
  }
}

}  // namespace meshplane::cli
