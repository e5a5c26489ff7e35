// events watch: follows the event feed (EventService.Watch), printing each
// event as it commits. On a lost connection it resumes after the last
// sequence it saw, so nothing is missed or printed twice.
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/commands/commands.h"
#include "cli/errors.h"
#include "cli/output.h"

namespace meshplane::cli {
namespace {

namespace v1 = ::meshplane::v1;

int Watch(Env& env, const ParsedArgs& args) {
  v1::WatchRequest request;
  int64_t since = -1;
  if (args.Has("since") && !absl::SimpleAtoi(args.Get("since"), &since)) {
    return env.Usage(absl::StrCat("--since: \"", args.Get("since"),
                                  "\" is not a sequence number"));
  }
  int64_t limit = 0;
  if (args.Has("limit") &&
      (!absl::SimpleAtoi(args.Get("limit"), &limit) || limit < 1)) {
    return env.Usage(absl::StrCat("--limit: \"", args.Get("limit"),
                                  "\" is not a positive count"));
  }
  for (const std::string& t : args.GetAll("type"))
    request.add_resource_types(t);
  request.set_domain(args.Get("domain"));
  request.set_include_subdomains(args.Has("include-subdomains"));
  int64_t printed = 0;
  int failures = 0;
  std::chrono::milliseconds backoff(200);
  while (true) {
    request.set_since_sequence(since);
    grpc::ClientContext context;
    env.client().PrepareStream(&context);
    auto reader = env.client().events().Watch(&context, request);
    v1::WatchResponse msg;
    while (reader->Read(&msg)) {
      failures = 0;
      backoff = std::chrono::milliseconds(200);
      for (const auto& e : msg.events()) {
        if (env.format() == Format::kTable) {
          env.out() << e.sequence() << "  " << FormatTimestamp(e.time()) << "  "
                    << e.type() << "  " << e.resource() << "\n";
        } else {
          // One document per event, as it comes (JSON Lines for -o json).
          std::string json = MessageToJson(e);
          if (env.format() == Format::kJson) {
            json.erase(std::remove(json.begin(), json.end(), '\n'), json.end());
            env.out() << json << "\n";
          } else {
            env.out() << "---\n";
            PrintMessage(env.format(), e, env.out());
          }
        }
        env.out().flush();
        if (limit > 0 && ++printed >= limit) {
          context.TryCancel();
          reader->Finish();
          return kExitOk;
        }
      }
      since = msg.high_water_sequence();
    }
    grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
      // The server pruned events this watch has not seen (its
      // --event-retention): resuming would skip them, so stop and say how
      // to go on.
      const int code = env.Fail(status);
      if (since > 0) {
        env.err() << "the event feed no longer holds the events after "
                     "sequence "
                  << since
                  << "; to go on regardless of the gap, run again with "
                     "--since 0 (from the oldest retained event) or "
                     "without --since (only new events)\n";
      }
      return code;
    }
    // A replica going away (UNAVAILABLE) is not the end: resume elsewhere.
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE ||
        ++failures > Client::kMaxRetries * 3) {
      return env.Fail(status);
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace

void RegisterEventCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"events", "watch"},
       "",
       "follow the event feed: every committed change, as it commits",
       "Prints one line per event (SEQ TIME TYPE RESOURCE), or one JSON "
       "document per line with -o json. Without --since it starts at the "
       "feed's current end. When the connection to a replica is lost it "
       "resumes after the last sequence seen, so nothing is missed or "
       "printed twice; if the server has pruned events it has not printed "
       "yet (--event-retention), it fails (exit 2) rather than skip them. "
       "Needs the platform-admin role or a principal the "
       "server names with --event-watcher.",
       {{"since", 0, true, false, "SEQ",
         "events after this sequence (0: all retained)"},
        {"type", 0, true, true, "TYPE",
         "only this resource type (domain, team, dataproduct, token, "
         "contract, policy, waiver, access, slo, webhook); repeatable"},
        {"domain", 0, true, false, "NAME", "only events of domains/{domain}"},
        {"include-subdomains", 0, false, false, "",
         "with --domain, also its subdomains"},
        {"limit", 0, true, false, "N", "exit after N events"}},
       0,
       0,
       {"meshplane events watch",
        "meshplane events watch --since 0 --type dataproduct -o json",
        "meshplane events watch --domain domains/sales --include-subdomains"},
       Watch});
}

}  // namespace meshplane::cli
