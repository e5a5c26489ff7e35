#include "server/metrics.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

#include "meshplane/policy/policy.h"

namespace meshplane::server {
namespace {

// Prometheus label values escape backslash, quote and newline.
std::string Label(absl::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Number(double v) { return absl::StrFormat("%.9g", v); }

// A metric family: its HELP and TYPE lines and its plain samples, each
// `labels` ("" or `k="v"` pairs, without braces) and the value as text. A
// histogram's samples come from AppendHistogram.
struct Family {
  absl::string_view name;
  absl::string_view type;
  absl::string_view help;
  std::vector<std::pair<std::string, std::string>> samples;
};

void AppendFamily(std::string* out, const Family& f) {
  absl::StrAppend(out, "# HELP ", f.name, " ", f.help, "\n# TYPE ", f.name, " ",
                  f.type, "\n");
  for (const auto& [labels, value] : f.samples) {
    if (labels.empty()) {
      absl::StrAppend(out, f.name, " ", value, "\n");
    } else {
      absl::StrAppend(out, f.name, "{", labels, "} ", value, "\n");
    }
  }
}

// The samples of one histogram series; `labels` is "" or `k="v",` pairs
// ending with a comma, to which `le` is added.
void AppendHistogram(
    std::string* out, absl::string_view name, absl::string_view labels,
    const std::array<uint64_t, Metrics::kBuckets.size()>& buckets,
    uint64_t count, double sum) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < Metrics::kBuckets.size(); ++i) {
    cumulative += buckets[i];
    absl::StrAppend(out, name, "_bucket{", labels, "le=\"",
                    Number(Metrics::kBuckets[i]), "\"} ", cumulative, "\n");
  }
  absl::StrAppend(out, name, "_bucket{", labels, "le=\"+Inf\"} ", count, "\n");
  // Without labels, no braces at all.
  absl::string_view bare = absl::StripSuffix(labels, ",");
  const std::string braces =
      bare.empty() ? std::string() : absl::StrCat("{", bare, "}");
  absl::StrAppend(out, name, "_sum", braces, " ", Number(sum), "\n");
  absl::StrAppend(out, name, "_count", braces, " ", count, "\n");
}

}  // namespace

void Metrics::Histogram::Observe(double seconds) {
  ++count;
  sum += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++buckets[i];
      break;
    }
  }
}

void Metrics::RecordRpc(absl::string_view method, absl::StatusCode code,
                        absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  absl::MutexLock lock(&mu_);
  ++requests_[{std::string(method), absl::StatusCodeToString(code)}];
  latency_[std::string(method)].Observe(seconds);
}

void Metrics::SetReady(bool ready) {
  absl::MutexLock lock(&mu_);
  ready_ = ready;
}

void Metrics::RecordAccessChecks(int64_t allowed, int64_t denied) {
  absl::MutexLock lock(&mu_);
  access_allowed_ += static_cast<uint64_t>(allowed);
  access_denied_ += static_cast<uint64_t>(denied);
}

void Metrics::SetAccessIndexFresh(bool fresh) {
  absl::MutexLock lock(&mu_);
  access_fresh_ = fresh;
}

void Metrics::SetWatchSubscribers(int n) {
  absl::MutexLock lock(&mu_);
  watch_subscribers_ = n;
}

void Metrics::RecordListenerLost(absl::string_view listener) {
  absl::MutexLock lock(&mu_);
  ++listener_lost_[std::string(listener)];
}

void Metrics::RecordWebhookAttempt(bool success) {
  absl::MutexLock lock(&mu_);
  ++(success ? webhook_success_ : webhook_failure_);
}

absl::string_view Metrics::PolicyEffect(const policy::Decision& decision) {
  switch (decision.outcome) {
    case policy::Outcome::kDeny:
      return "deny";
    case policy::Outcome::kRequireApproval:
      return "require_approval";
    case policy::Outcome::kAllow:
      break;
  }
  for (const policy::Violation& v : decision.violations) {
    if (v.effect == policy::Effect::kWarn &&
        v.enforcement == policy::Enforcement::kEnforced) {
      return "warn";
    }
  }
  return "allow";
}

void Metrics::RecordPolicyDecision(absl::string_view trigger,
                                   const policy::Decision& decision) {
  // Label values must stay a small set: the triggers are one, but the
  // caller's string is not ours to trust.
  absl::string_view t = policy::IsKnownTrigger(trigger) ? trigger : "other";
  absl::MutexLock lock(&mu_);
  ++policy_decisions_[{std::string(PolicyEffect(decision)), std::string(t)}];
}

void Metrics::SetDbPool(int size, int in_use, int idle) {
  absl::MutexLock lock(&mu_);
  db_pool_size_ = size;
  db_pool_in_use_ = in_use;
  db_pool_idle_ = idle;
}

void Metrics::SetDbPoolQueue(int waiting, int64_t shed,
                             int64_t connect_attempts) {
  absl::MutexLock lock(&mu_);
  db_pool_waiting_ = waiting;
  db_pool_shed_ = shed;
  db_connect_attempts_ = connect_attempts;
}

void Metrics::SetHttpServer(int64_t connections_open, int64_t queued,
                            int64_t streams_open, int64_t rejected_overload,
                            int64_t rejected_too_large, int64_t timeouts) {
  absl::MutexLock lock(&mu_);
  http_connections_ = connections_open;
  http_queued_ = queued;
  http_streams_ = streams_open;
  http_rejected_overload_ = rejected_overload;
  http_rejected_too_large_ = rejected_too_large;
  http_timeouts_ = timeouts;
}

void Metrics::RecordDbPoolWait(absl::Duration waited, bool timed_out) {
  const double seconds = absl::ToDoubleSeconds(waited);
  absl::MutexLock lock(&mu_);
  db_pool_wait_.Observe(seconds);
  if (timed_out) {
    ++db_pool_timeouts_;
  }
}

std::string Metrics::Render() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  Family decisions{"meshplane_policy_decisions_total",
                   "counter",
                   "Policy engine decisions by effect (deny, "
                   "require_approval, warn, allow) and trigger.",
                   {}};
  for (const auto& [key, n] : policy_decisions_) {
    decisions.samples.push_back(
        {absl::StrCat("effect=\"", Label(key.first), "\",trigger=\"",
                      Label(key.second), "\""),
         absl::StrCat(n)});
  }
  AppendFamily(&out, decisions);
  for (const Family& f : {
           Family{"meshplane_db_pool_size",
                  "gauge",
                  "Most connections the database pool opens.",
                  {{"", absl::StrCat(db_pool_size_)}}},
           Family{"meshplane_db_pool_connections",
                  "gauge",
                  "Database pool connections by state.",
                  {{"state=\"in_use\"", absl::StrCat(db_pool_in_use_)},
                   {"state=\"idle\"", absl::StrCat(db_pool_idle_)}}},
           Family{"meshplane_db_pool_timeouts_total",
                  "counter",
                  "Requests for a database connection that gave up waiting.",
                  {{"", absl::StrCat(db_pool_timeouts_)}}},
           Family{"meshplane_db_pool_waiting",
                  "gauge",
                  "Requests queued for a database connection.",
                  {{"", absl::StrCat(db_pool_waiting_)}}},
           Family{"meshplane_db_pool_shed_total",
                  "counter",
                  "Requests refused at once because the database connection "
                  "queue was full.",
                  {{"", absl::StrCat(db_pool_shed_)}}},
           Family{"meshplane_db_connect_attempts_total",
                  "counter",
                  "Database connections the server tried to open.",
                  {{"", absl::StrCat(db_connect_attempts_)}}},
       }) {
    AppendFamily(&out, f);
  }
  AppendFamily(&out, {"meshplane_db_pool_wait_seconds",
                      "histogram",
                      "Time spent waiting for a free database connection.",
                      {}});
  AppendHistogram(&out, "meshplane_db_pool_wait_seconds", "",
                  db_pool_wait_.buckets, db_pool_wait_.count,
                  db_pool_wait_.sum);
  Family listeners{"meshplane_listen_connections_lost_total",
                   "counter",
                   "LISTEN connections found broken (each is followed by a "
                   "reconnect).",
                   {}};
  for (const auto& [listener, n] : listener_lost_) {
    listeners.samples.push_back(
        {absl::StrCat("listener=\"", Label(listener), "\""), absl::StrCat(n)});
  }
  for (const Family& f : {
           Family{"meshplane_http_connections",
                  "gauge",
                  "Open HTTP connections.",
                  {{"", absl::StrCat(http_connections_)}}},
           Family{"meshplane_http_queued",
                  "gauge",
                  "HTTP requests waiting for a worker.",
                  {{"", absl::StrCat(http_queued_)}}},
           Family{"meshplane_http_streams",
                  "gauge",
                  "Open HTTP streams (REST Watch).",
                  {{"", absl::StrCat(http_streams_)}}},
           Family{
               "meshplane_http_rejected_total",
               "counter",
               "HTTP requests refused by the server before any handler, "
               "by reason (overload: 503, too_large: 413 or 431).",
               {{"reason=\"overload\"", absl::StrCat(http_rejected_overload_)},
                {"reason=\"too_large\"",
                 absl::StrCat(http_rejected_too_large_)}}},
           Family{"meshplane_http_timeouts_total",
                  "counter",
                  "HTTP connections cut by a timeout (slow or idle clients).",
                  {{"", absl::StrCat(http_timeouts_)}}},
           Family{"meshplane_watch_subscribers",
                  "gauge",
                  "Open Watch streams on this replica.",
                  {{"", absl::StrCat(watch_subscribers_)}}},
           listeners,
           Family{"meshplane_webhook_deliveries_total",
                  "counter",
                  "Webhook POST attempts of this replica.",
                  {{"result=\"success\"", absl::StrCat(webhook_success_)},
                   {"result=\"failure\"", absl::StrCat(webhook_failure_)}}},
           Family{"meshplane_ready",
                  "gauge",
                  "1 while the database answers.",
                  {{"", ready_ ? "1" : "0"}}},
           Family{"meshplane_access_checks_total",
                  "counter",
                  "CheckAccess verdicts (one per question of "
                  "BatchCheckAccess too).",
                  {{"decision=\"allow\"", absl::StrCat(access_allowed_)},
                   {"decision=\"deny\"", absl::StrCat(access_denied_)}}},
           Family{"meshplane_access_index_fresh",
                  "gauge",
                  "1 while CheckAccess can vouch for its access index.",
                  {{"", access_fresh_ ? "1" : "0"}}},
       }) {
    AppendFamily(&out, f);
  }
  Family requests{"meshplane_rpc_requests_total",
                  "counter",
                  "Finished RPCs by method and gRPC code.",
                  {}};
  for (const auto& [key, n] : requests_) {
    requests.samples.push_back({absl::StrCat("method=\"", Label(key.first),
                                             "\",code=\"", key.second, "\""),
                                absl::StrCat(n)});
  }
  AppendFamily(&out, requests);
  AppendFamily(&out, {"meshplane_rpc_duration_seconds",
                      "histogram",
                      "RPC latency in the server, from receipt to answer.",
                      {}});
  for (const auto& [method, h] : latency_) {
    AppendHistogram(&out, "meshplane_rpc_duration_seconds",
                    absl::StrCat("method=\"", Label(method), "\","), h.buckets,
                    h.count, h.sum);
  }
  return out;
}

}  // namespace meshplane::server
