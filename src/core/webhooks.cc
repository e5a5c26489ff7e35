#include "meshplane/core/webhooks.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/page_token.h"
#include "core/resource_traits.h"
#include "core/rpc_names.h"
#include "core/validation.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"
#include <nlohmann/json.hpp>

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/core/event_feed.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

constexpr size_t kMinSecret = 16;
constexpr size_t kMaxSecret = 1024;
constexpr size_t kMaxUrl = 2048;
// A receiver's error text is kept up to this many bytes.
constexpr size_t kMaxError = 512;

// Why `url` cannot be POSTed to, or "" when it can: an absolute http:// or
// https:// URL with a host and no fragment, user info or whitespace.
std::string UrlProblem(const std::string& url) {
  if (url.empty()) return "is required";
  if (url.size() > kMaxUrl) {
    return absl::StrCat("is ", url.size(), " bytes long; at most ", kMaxUrl);
  }
  std::string lower = absl::AsciiStrToLower(url);
  size_t scheme_end = 0;
  if (absl::StartsWith(lower, "http://")) {
    scheme_end = 7;
  } else if (absl::StartsWith(lower, "https://")) {
    scheme_end = 8;
  } else {
    return absl::StrCat("\"", url, "\" is not an http:// or https:// URL");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return absl::StrCat("\"", url,
                          "\" contains whitespace or a control "
                          "character");
    }
  }
  if (url.find('#') != std::string::npos) {
    return absl::StrCat("\"", url, "\" has a fragment (#...)");
  }
  std::string authority = url.substr(scheme_end);
  authority = authority.substr(0, authority.find_first_of("/?"));
  if (authority.find('@') != std::string::npos) {
    return absl::StrCat("\"", url,
                        "\" carries user info; authenticate the receiver "
                        "with the signature instead");
  }
  std::string host = authority;
  if (!host.empty() && host[0] == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty() || host == "[]") {
    return absl::StrCat("\"", url, "\" has no host");
  }
  return "";
}

std::string Truncated(std::string s) {
  if (s.size() > kMaxError) {
    s.resize(kMaxError);
    s += "...";
  }
  return s;
}

}  // namespace

// --------------------------------------------------------------- wire form

std::string CloudEventJson(const model::Event& event,
                           const std::string& source) {
  nlohmann::json j = nlohmann::json::object();
  j["specversion"] = "1.0";
  j["id"] = std::to_string(event.sequence);
  j["source"] = source;
  j["type"] = absl::StrCat("meshplane.", event.type);
  j["subject"] = event.resource;
  j["time"] = absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", event.time,
                               absl::UTCTimeZone());
  j["datacontenttype"] = "application/json";
  j["meshplanesequence"] = event.sequence;
  if (!event.domain_id.empty()) {
    j["meshplanedomain"] = model::DomainName(event.domain_id);
  }
  nlohmann::json data = nullptr;
  if (!event.payload_json.empty()) {
    data = nlohmann::json::parse(event.payload_json, nullptr,
                                 /*allow_exceptions=*/false);
    if (data.is_discarded()) data = event.payload_json;  // keep it as text
  }
  j["data"] = std::move(data);
  return j.dump();
}

std::string WebhookSignature(const std::string& secret, absl::Time time,
                             const std::string& body) {
  const int64_t t = absl::ToUnixSeconds(time);
  return absl::StrCat(
      "t=", t, ",v1=", HmacSha256Hex(secret, absl::StrCat(t, ".", body)));
}

absl::Duration WebhookBackoff(int failed_attempts, absl::Duration min,
                              absl::Duration max) {
  absl::Duration d = min;
  for (int i = 1; i < failed_attempts && d < max; ++i) d *= 2;
  d = std::min(d, max);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.8, 1.0);
  return d * jitter(rng);
}

// ---------------------------------------------------------------- Webhooks

Webhooks::Webhooks(store::Store& store, const auth::Authorizer& authz,
                   const Clock& clock)
    : store_(store), authz_(authz), clock_(clock) {}

absl::StatusOr<model::Webhook> Webhooks::Create(const RequestContext& ctx,
                                                const std::string& webhook_id,
                                                model::Webhook webhook) {
  auto rule = [&](store::Transaction& txn,
                  internal::ResourceWrite<internal::WebhookTraits>&)
      -> absl::StatusOr<model::Webhook> {
    MP_RETURN_IF_ERROR(authz_.CheckAdmin(ctx.principal, "create webhooks"));
    const absl::Time now = internal::StoreNow(clock_);
    internal::Violations v;
    v.CheckId("webhook_id", webhook_id);
    if (std::string p = UrlProblem(webhook.url); !p.empty()) {
      v.Add("webhook.url", p);
    }
    if (webhook.secret.size() < kMinSecret ||
        webhook.secret.size() > kMaxSecret) {
      v.Add("webhook.secret",
            absl::StrCat("must be ", kMinSecret, " to ", kMaxSecret,
                         " bytes long, got ", webhook.secret.size()));
    }
    const std::string domain =
        webhook.domain_id.empty() ? "" : model::DomainName(webhook.domain_id);
    for (const FieldViolation& f : GetFieldViolations(
             ValidateEventFilter(webhook.resource_types, domain,
                                 webhook.include_subdomains, "webhook."))) {
      v.Add(f.field, f.description);
    }
    if (webhook.delivered_sequence < 0) {
      v.Add("webhook.delivered_sequence",
            absl::StrCat("must not be negative, got ",
                         webhook.delivered_sequence));
    }
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_ASSIGN_OR_RETURN(int64_t head, txn.events().LastEventSequence());
    if (webhook.delivered_sequence > head) {
      return InvalidArgumentWithFields(
          {{"webhook.delivered_sequence",
            absl::StrCat(webhook.delivered_sequence,
                         " is beyond the newest event, ", head)}});
    }
    MP_ASSIGN_OR_RETURN(int64_t pruned, txn.events().EventsPrunedThrough());
    if (webhook.delivered_sequence > 0 && webhook.delivered_sequence < pruned) {
      return WithReason(
          absl::OutOfRangeError(absl::StrCat(
              "webhook.delivered_sequence: events after ",
              webhook.delivered_sequence,
              " were pruned (retention); the oldest start is ", pruned)),
          "EVENTS_PRUNED");
    }
    if (!webhook.domain_id.empty()) {
      absl::StatusOr<model::Domain> d =
          txn.registry().GetDomain(webhook.domain_id);
      if (!d.ok()) {
        if (d.status().code() != absl::StatusCode::kNotFound) {
          return d.status();
        }
        return absl::NotFoundError(
            absl::StrCat("webhook.domain: ", domain, " not found"));
      }
    }
    model::Webhook w;
    w.id = webhook_id;
    w.url = webhook.url;
    w.resource_types = webhook.resource_types;
    internal::SortUnique(w.resource_types);
    w.domain_id = webhook.domain_id;
    w.include_subdomains = webhook.include_subdomains;
    w.secret = webhook.secret;
    w.creator = ctx.principal.id;
    w.create_time = now;
    w.delivered_sequence =
        webhook.delivered_sequence > 0 ? webhook.delivered_sequence : head;
    w.next_attempt_time = now;
    MP_RETURN_IF_ERROR(txn.events().InsertWebhook(w));
    // The JSON form never carries the secret, nor does the result.
    w.secret.clear();
    return w;
  };
  return internal::WritePipeline(store_, clock_)
      .Create<internal::WebhookTraits>(
          ctx,
          {internal::rpc::kCreateWebhook, model::WebhookName(webhook_id),
           // The secret is part of the request: fingerprint its hash only.
           absl::StrCat(webhook_id, "\n", webhook.url, "\n",
                        absl::StrJoin(webhook.resource_types, ","), "\n",
                        webhook.domain_id, "\n", webhook.include_subdomains,
                        "\n", Sha256Hex(webhook.secret), "\n",
                        webhook.delivered_sequence)},
          rule);
}

absl::StatusOr<model::Webhook> Webhooks::Get(const RequestContext& ctx,
                                             const std::string& webhook_id) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_RETURN_IF_ERROR(authz_.CheckAdmin(ctx.principal, "read webhooks"));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kSingleRead));
  MP_ASSIGN_OR_RETURN(model::Webhook w, txn->events().GetWebhook(webhook_id));
  w.secret.clear();
  return w;
}

absl::StatusOr<ListResult<model::Webhook>> Webhooks::List(
    const RequestContext& ctx, const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_RETURN_IF_ERROR(authz_.CheckAdmin(ctx.principal, "list webhooks"));
  if (!query.filter.empty()) {
    return InvalidArgumentWithFields(
        {{"filter", "webhooks cannot be filtered"}});
  }
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  MP_ASSIGN_OR_RETURN(auto read, internal::BeginListRead(
                                     store_, store::TxnMode::kReadOnly,
                                     {"webhooks"}, query.page_token, limit));
  MP_ASSIGN_OR_RETURN(auto page, read.txn->events().ListWebhooks(read.page));
  ListResult<model::Webhook> out =
      internal::ToListResult(std::move(page), read.fingerprint);
  for (auto& w : out.items) w.secret.clear();
  return out;
}

absl::Status Webhooks::Delete(const RequestContext& ctx,
                              const std::string& webhook_id) {
  auto rule = [&](store::Transaction& txn,
                  internal::ResourceWrite<internal::WebhookTraits>&)
      -> absl::StatusOr<model::Webhook> {
    MP_RETURN_IF_ERROR(authz_.CheckAdmin(ctx.principal, "delete webhooks"));
    internal::Violations v;
    v.CheckId("name", webhook_id);
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_ASSIGN_OR_RETURN(model::Webhook current,
                        txn.events().GetWebhook(webhook_id));
    MP_RETURN_IF_ERROR(txn.events().DeleteWebhook(webhook_id));
    return current;
  };
  return internal::WritePipeline(store_, clock_)
      .Delete<internal::WebhookTraits>(
          ctx,
          {internal::rpc::kDeleteWebhook, model::WebhookName(webhook_id),
           webhook_id},
          rule);
}

absl::StatusOr<ListResult<model::WebhookDelivery>> Webhooks::ListDeliveries(
    const RequestContext& ctx, const std::string& webhook_id,
    const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_RETURN_IF_ERROR(
      authz_.CheckAdmin(ctx.principal, "read webhook deliveries"));
  if (!query.filter.empty()) {
    return InvalidArgumentWithFields(
        {{"filter", "webhook deliveries cannot be filtered"}});
  }
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  MP_ASSIGN_OR_RETURN(
      auto read, internal::BeginListRead(store_, store::TxnMode::kReadOnly,
                                         {"webhook-deliveries", webhook_id},
                                         query.page_token, limit));
  MP_RETURN_IF_ERROR(read.txn->events().GetWebhook(webhook_id).status());
  MP_ASSIGN_OR_RETURN(auto page, read.txn->events().ListWebhookDeliveries(
                                     webhook_id, read.page));
  return internal::ToListResult(std::move(page), read.fingerprint);
}

// ------------------------------------------------------- WebhookDispatcher

WebhookDispatcher::WebhookDispatcher(store::Store& store, WebhookSender& sender,
                                     const Clock& clock, Options options)
    : store_(store),
      sender_(sender),
      clock_(clock),
      options_(std::move(options)) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

void WebhookDispatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void WebhookDispatcher::Wake() {
  absl::MutexLock lock(&mu_);
  ++wakes_;
}

void WebhookDispatcher::WorkerLoop() {
  absl::Duration error_backoff = absl::Milliseconds(100);
  while (true) {
    uint64_t seen;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      seen = wakes_;
    }
    absl::StatusOr<bool> worked = DeliverOnce();
    absl::Duration wait = absl::ZeroDuration();
    if (!worked.ok()) {
      if (options_.on_error) options_.on_error(worked.status());
      wait = error_backoff;
      error_backoff = std::min(error_backoff * 2, absl::Seconds(10));
    } else {
      error_backoff = absl::Milliseconds(100);
      if (!*worked) wait = options_.poll;
    }
    if (wait > absl::ZeroDuration()) {
      absl::MutexLock lock(&mu_);
      auto woken = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || wakes_ != seen;
      };
      mu_.AwaitWithTimeout(absl::Condition(&woken), wait);
    }
  }
}

absl::StatusOr<bool> WebhookDispatcher::DeliverOnce() {
  // READ COMMITTED: the webhook's row lock is the isolation, and a
  // serialization failure at commit would repeat POSTs already made.
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadCommitted));
  const absl::Time start = clock_.Now();
  absl::StatusOr<std::optional<model::Webhook>> claimed =
      txn->events().ClaimDueWebhook(start);
  // Another worker delivered for the webhook since this transaction's
  // snapshot: look again, with a fresh one.
  if (store::IsRetryableConflict(claimed.status())) return true;
  MP_RETURN_IF_ERROR(claimed.status());
  if (!*claimed) return false;
  model::Webhook w = **std::move(claimed);
  MP_ASSIGN_OR_RETURN(
      EventMatcher matcher,
      EventMatcher::Create(
          store_, w.resource_types,
          w.domain_id.empty() ? "" : model::DomainName(w.domain_id),
          w.include_subdomains));
  absl::StatusOr<std::vector<model::Event>> listed = txn->events().ListEvents(
      w.delivered_sequence, std::max(options_.batch_size, 1));
  std::vector<model::WebhookDelivery> log;
  bool failed = false;
  if (listed.status().code() == absl::StatusCode::kOutOfRange) {
    // Events it has not delivered are gone (retention passed it, which
    // only a start set at creation can make happen): it cannot go on.
    // Say so, and look again after the longest backoff.
    failed = true;
    w.failing_attempts += 1;
    w.last_error = std::string(listed.status().message());
    listed = std::vector<model::Event>();
  }
  MP_RETURN_IF_ERROR(listed.status());
  const std::vector<model::Event>& events = *listed;
  for (const model::Event& e : events) {
    if (!matcher.Matches(e)) {
      w.delivered_sequence = e.sequence;
      continue;
    }
    if (!log.empty() && clock_.Now() - start >= options_.batch_time) break;
    WebhookRequest request;
    request.url = w.url;
    request.body = CloudEventJson(e, options_.source);
    request.timeout = options_.timeout;
    const absl::Time sent = clock_.Now();
    const int attempt = w.failing_attempts + 1;
    request.headers = {
        {"Content-Type", "application/cloudevents+json; charset=utf-8"},
        {"X-Meshplane-Signature",
         WebhookSignature(w.secret, sent, request.body)},
        {"X-Meshplane-Webhook", model::WebhookName(w.id)},
        {"X-Meshplane-Attempt", std::to_string(attempt)},
    };
    WebhookResponse response = sender_.Post(request);
    model::WebhookDelivery d;
    d.webhook_id = w.id;
    d.event_sequence = e.sequence;
    d.event_type = e.type;
    d.attempt = attempt;
    d.time = sent;
    d.duration = clock_.Now() - sent;
    d.http_status = response.status;
    d.success = response.status >= 200 && response.status < 300;
    if (!d.success) {
      d.error = Truncated(response.status == 0
                              ? response.error
                              : absl::StrCat("HTTP ", response.status,
                                             response.error.empty() ? "" : ": ",
                                             response.error));
    }
    if (options_.on_attempt) options_.on_attempt(d.success);
    log.push_back(d);
    if (!d.success) {
      w.failing_attempts = attempt;
      w.last_error = d.error;
      failed = true;
      break;
    }
    w.delivered_sequence = e.sequence;
    w.failing_attempts = 0;
    w.last_error.clear();
  }
  const absl::Time end = clock_.Now();
  w.next_attempt_time =
      failed ? end + WebhookBackoff(w.failing_attempts, options_.retry_min,
                                    options_.retry_max)
             : end;
  MP_RETURN_IF_ERROR(txn->events().UpdateWebhookState(w));
  MP_RETURN_IF_ERROR(
      txn->events().AppendWebhookDeliveries(log, options_.keep_deliveries));
  MP_RETURN_IF_ERROR(txn->Commit());
  return true;
}

}  // namespace meshplane::core
