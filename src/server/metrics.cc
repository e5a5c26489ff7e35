#include "server/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

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

}  // namespace

void Metrics::RecordRpc(absl::string_view method, absl::StatusCode code,
                        absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  absl::MutexLock lock(&mu_);
  ++requests_[{std::string(method), absl::StatusCodeToString(code)}];
  Histogram& h = latency_[std::string(method)];
  ++h.count;
  h.sum += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
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

std::string Metrics::Render() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  absl::StrAppend(&out,
                  "# HELP meshplane_watch_subscribers Open Watch streams on "
                  "this replica.\n"
                  "# TYPE meshplane_watch_subscribers gauge\n"
                  "meshplane_watch_subscribers ",
                  watch_subscribers_, "\n");
  absl::StrAppend(&out,
                  "# HELP meshplane_listen_connections_lost_total LISTEN "
                  "connections found broken (each is followed by a "
                  "reconnect).\n"
                  "# TYPE meshplane_listen_connections_lost_total counter\n");
  for (const auto& [listener, n] : listener_lost_) {
    absl::StrAppend(&out,
                    "meshplane_listen_connections_lost_total{listener=\"",
                    Label(listener), "\"} ", n, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP meshplane_ready 1 while the database answers.\n"
                  "# TYPE meshplane_ready gauge\n"
                  "meshplane_ready ",
                  ready_ ? 1 : 0, "\n");
  absl::StrAppend(
      &out,
      "# HELP meshplane_access_checks_total CheckAccess verdicts (one per "
      "question of BatchCheckAccess too).\n"
      "# TYPE meshplane_access_checks_total counter\n"
      "meshplane_access_checks_total{decision=\"allow\"} ",
      access_allowed_, "\n",
      "meshplane_access_checks_total{decision=\"deny\"} ", access_denied_,
      "\n");
  absl::StrAppend(&out,
                  "# HELP meshplane_access_index_fresh 1 while CheckAccess "
                  "can vouch for its access index.\n"
                  "# TYPE meshplane_access_index_fresh gauge\n"
                  "meshplane_access_index_fresh ",
                  access_fresh_ ? 1 : 0, "\n");
  absl::StrAppend(&out,
                  "# HELP meshplane_rpc_requests_total Finished RPCs by "
                  "method and gRPC code.\n"
                  "# TYPE meshplane_rpc_requests_total counter\n");
  for (const auto& [key, n] : requests_) {
    absl::StrAppend(&out, "meshplane_rpc_requests_total{method=\"",
                    Label(key.first), "\",code=\"", key.second, "\"} ", n,
                    "\n");
  }
  absl::StrAppend(&out,
                  "# HELP meshplane_rpc_duration_seconds RPC latency in the "
                  "server, from receipt to answer.\n"
                  "# TYPE meshplane_rpc_duration_seconds histogram\n");
  for (const auto& [method, h] : latency_) {
    const std::string m = Label(method);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      absl::StrAppend(&out, "meshplane_rpc_duration_seconds_bucket{method=\"",
                      m, "\",le=\"", Number(kBuckets[i]), "\"} ", cumulative,
                      "\n");
    }
    absl::StrAppend(&out, "meshplane_rpc_duration_seconds_bucket{method=\"", m,
                    "\",le=\"+Inf\"} ", h.count, "\n");
    absl::StrAppend(&out, "meshplane_rpc_duration_seconds_sum{method=\"", m,
                    "\"} ", Number(h.sum), "\n");
    absl::StrAppend(&out, "meshplane_rpc_duration_seconds_count{method=\"", m,
                    "\"} ", h.count, "\n");
  }
  return out;
}

}  // namespace meshplane::server
