// meshplane webhook create|get|list|delete|deliveries: subscriptions that
// POST events of the feed to a URL (EventService webhook methods).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands/commands.h"
#include "cli/output.h"
#include "cli/util.h"

#include "meshplane/common/crypto.h"

namespace meshplane::cli {
namespace {

namespace v1 = ::meshplane::v1;

std::string Filters(const v1::Webhook& w) {
  std::string out = w.resource_types().empty()
                        ? "all types"
                        : absl::StrJoin(w.resource_types(), ",");
  if (!w.domain().empty()) {
    absl::StrAppend(&out, " in ", w.domain(),
                    w.include_subdomains() ? " and subdomains" : "");
  }
  return out;
}

std::string State(const v1::Webhook& w) {
  if (w.failing_attempts() == 0) return "ok";
  return absl::StrCat("failing (", w.failing_attempts(), " attempts; next ",
                      FormatTimestamp(w.next_attempt_time()), ")");
}

void PrintWebhook(const v1::Webhook& w, std::ostream& out) {
  Details details;
  details.Add("Webhook", w.name());
  details.Add("URL", w.url());
  details.Add("Events", Filters(w));
  details.Add("Delivered through", std::to_string(w.delivered_sequence()));
  details.Add("State", State(w));
  if (!w.last_error().empty()) details.Add("Last error", w.last_error());
  details.Add("Creator", w.creator());
  details.Add("Created", FormatTimestamp(w.create_time()));
  details.Print(out);
}

int Create(Env& env, const ParsedArgs& args) {
  v1::CreateWebhookRequest request;
  request.set_webhook_id(args.positional()[0]);
  v1::Webhook* w = request.mutable_webhook();
  w->set_url(args.Get("url"));
  for (const std::string& t : args.GetAll("type")) w->add_resource_types(t);
  if (args.Has("domain")) w->set_domain(DomainName(args.Get("domain")));
  w->set_include_subdomains(args.Has("include-subdomains"));
  if (args.Has("since")) {
    int64_t since = 0;
    if (!absl::SimpleAtoi(args.Get("since"), &since) || since < 1) {
      return env.Usage(absl::StrCat("--since: \"", args.Get("since"),
                                    "\" is not a positive sequence number"));
    }
    w->set_delivered_sequence(since);
  }
  // The secret never goes on the command line (it would show in `ps`):
  // from a file, or made here and shown once.
  bool generated = false;
  if (args.Has("secret-file")) {
    std::ifstream in(args.Get("secret-file"), std::ios::binary);
    if (!in) {
      return env.Usage(absl::StrCat("--secret-file: cannot read \"",
                                    args.Get("secret-file"), "\""));
    }
    std::stringstream text;
    text << in.rdbuf();
    w->set_secret(std::string(absl::StripTrailingAsciiWhitespace(text.str())));
  } else {
    w->set_secret(RandomToken(40));
    generated = true;
  }
  env.PrepareWrite(&request);
  v1::Webhook response;
  grpc::Status status = env.client().Call(
      env.client().events(), &v1::EventService::Stub::CreateWebhook, request,
      &response);
  if (!status.ok()) return env.Fail(status);
  if (env.dry_run()) {
    return ShowWrite(env, response, WebhookName(request.webhook_id()),
                     "created");
  }
  // The server never returns a secret; one made here is shown this once,
  // in every output format.
  if (generated) response.set_secret(w->secret());
  return Show(env, response, [&](std::ostream& out) {
    PrintWebhook(response, out);
    if (generated) {
      out << "\nSigning secret (shown only this once; receivers check "
             "X-Meshplane-Signature with it):\n"
          << w->secret() << "\n";
    }
  });
}

int Get(Env& env, const ParsedArgs& args) {
  v1::GetWebhookRequest request;
  request.set_name(WebhookName(args.positional()[0]));
  v1::Webhook response;
  grpc::Status status = env.client().Call(env.client().events(),
                                          &v1::EventService::Stub::GetWebhook,
                                          request, &response);
  if (!status.ok()) return env.Fail(status);
  return Show(env, response,
              [&](std::ostream& out) { PrintWebhook(response, out); });
}

int List(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  v1::ListWebhooksRequest request;
  request.set_page_size(*page_size);
  return ShowList(
      env, PagesOf(args), env.client().events(),
      &v1::EventService::Stub::ListWebhooks, request,
      &v1::ListWebhooksResponse::mutable_webhooks,
      [&](const v1::ListWebhooksResponse& merged, std::ostream& out) {
        Table table({"NAME", "URL", "EVENTS", "DELIVERED", "STATE"});
        for (const auto& w : merged.webhooks()) {
          table.AddRow(
              {w.name(), w.url(), Filters(w),
               std::to_string(w.delivered_sequence()),
               w.failing_attempts() == 0
                   ? "ok"
                   : absl::StrCat("failing (", w.failing_attempts(), ")")});
        }
        table.Print(out);
      });
}

int Delete(Env& env, const ParsedArgs& args) {
  if (env.dry_run()) return env.Usage("webhook delete has no dry run");
  v1::DeleteWebhookRequest request;
  request.set_name(WebhookName(args.positional()[0]));
  request.set_request_id(env.NextRequestId());
  google::protobuf::Empty response;
  grpc::Status status = env.client().Call(
      env.client().events(), &v1::EventService::Stub::DeleteWebhook, request,
      &response);
  if (!status.ok()) return env.Fail(status);
  return ShowWrite(env, response, request.name(), "deleted");
}

int Deliveries(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  v1::ListWebhookDeliveriesRequest request;
  request.set_parent(WebhookName(args.positional()[0]));
  request.set_page_size(*page_size);
  return ShowList(
      env, PagesOf(args), env.client().events(),
      &v1::EventService::Stub::ListWebhookDeliveries, request,
      &v1::ListWebhookDeliveriesResponse::mutable_deliveries,
      [&](const v1::ListWebhookDeliveriesResponse& merged, std::ostream& out) {
        Table table({"TIME", "EVENT", "TYPE", "ATTEMPT", "HTTP", "RESULT"});
        for (const auto& d : merged.deliveries()) {
          const int64_t ms =
              d.duration().seconds() * 1000 + d.duration().nanos() / 1000000;
          table.AddRow(
              {FormatTimestamp(d.time()), std::to_string(d.event_sequence()),
               d.event_type(), std::to_string(d.attempt()),
               d.http_status() == 0 ? "-" : std::to_string(d.http_status()),
               d.success() ? absl::StrCat("ok (", ms, " ms)")
                           : absl::StrCat("failed: ", d.error())});
        }
        table.Print(out);
      });
}

}  // namespace

void RegisterWebhookCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"webhook", "create"},
       "ID",
       "subscribe a URL to the event feed (platform admins)",
       "The server POSTs each matching event, in sequence order, as a "
       "CloudEvents 1.0 JSON document signed in the X-Meshplane-Signature "
       "header (t=UNIX,v1=HEX(HMAC-SHA256(secret, \"t.body\"))). A failed "
       "delivery is retried with backoff and later events wait for it. "
       "Delivery starts with the webhook's own creation unless --since says "
       "otherwise. Without --secret-file a secret is made and printed once.",
       {{"url", 0, true, false, "URL", "where to POST (http:// or https://)"},
        {"type", 0, true, true, "TYPE",
         "only this resource type (domain, team, dataproduct, token, "
         "contract, policy, waiver, access, slo, webhook); repeatable"},
        {"domain", 0, true, false, "NAME", "only events of this domain"},
        {"include-subdomains", 0, false, false, "",
         "with --domain, also its subdomains"},
        {"secret-file", 0, true, false, "FILE",
         "the signing secret (16 to 1024 bytes)"},
        {"since", 0, true, false, "SEQ", "deliver events after this sequence"}},
       1,
       1,
       {"meshplane webhook create provisioning --url "
        "https://hooks.example.com/meshplane --type dataproduct --type access",
        "meshplane webhook create sales-feed --url http://10.0.0.7:8080/in "
        "--domain sales --include-subdomains --secret-file ./secret"},
       Create});
  commands->push_back({{"webhook", "get"},
                       "NAME",
                       "show a webhook and how its deliveries go",
                       "",
                       {},
                       1,
                       1,
                       {"meshplane webhook get provisioning"},
                       Get});
  commands->push_back({{"webhook", "list"},
                       "",
                       "list webhooks",
                       "",
                       {PageSizeFlag(), PageTokenFlag(), AllPagesFlag()},
                       0,
                       0,
                       {"meshplane webhook list"},
                       List});
  commands->push_back({{"webhook", "delete"},
                       "NAME",
                       "delete a webhook; its deliveries stop",
                       "",
                       {},
                       1,
                       1,
                       {"meshplane webhook delete provisioning"},
                       Delete});
  commands->push_back(
      {{"webhook", "deliveries"},
       "NAME",
       "the delivery log of a webhook, newest first",
       "One line per attempt: the event, the attempt number, the HTTP "
       "status and how it went. The newest 500 attempts are kept.",
       {PageSizeFlag(), PageTokenFlag(), AllPagesFlag()},
       1,
       1,
       {"meshplane webhook deliveries provisioning --page-size 20"},
       Deliveries});
}

}  // namespace meshplane::cli
