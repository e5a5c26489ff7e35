// Prometheus metrics of the server, served as text (format 0.0.4) on the
// HTTP listener's /metrics:
//
//   meshplane_rpc_requests_total{method,code}        counter
//   meshplane_rpc_duration_seconds{method}           histogram
//   meshplane_ready                                  gauge: 1 while /readyz
//       answers 200 (database, schema, caches; see app.cc)
//   meshplane_access_checks_total{decision}          counter (allow, deny):
//       CheckAccess and BatchCheckAccess verdicts, one per question
//   meshplane_access_index_fresh                     gauge: 1 = CheckAccess
//       answers from an index it can vouch for
//   meshplane_watch_subscribers                      gauge: open Watch
//       streams on this replica
//   meshplane_webhook_deliveries_total{result}       counter: webhook POST
//       attempts of this replica, result = "success" or "failure"
//   meshplane_listen_connections_lost_total{listener} counter: LISTEN
//       connections found broken (each is followed by a reconnect);
//       listener = "policies", "access", "events" (all three always shown)
//   meshplane_policy_decisions_total{effect,trigger} counter: one per
//       decision of the policy engine (core::Governance::Decide: governed
//       writes, validate_only ones included, access requests, the
//       access.check policies of CheckAccess, EvaluatePolicies; not
//       SimulatePolicy). effect is what the decision did, one of:
//         "deny"             refused (outcome DENY)
//         "require_approval" left for approval (access.request only)
//         "warn"             allowed, with an ENFORCED WARN violation
//         "allow"            allowed, no ENFORCED violation (DRY_RUN
//                            violations and waived policies do not count)
//       so the four add up to all decisions. trigger is the policy trigger
//       ("dataproduct.create", "access.check", ...), "other" if unknown.
//   meshplane_db_pool_size                           gauge: the most
//       connections the store's pool opens (--pool-size)
//   meshplane_db_pool_connections{state}             gauge: "in_use" (on
//       loan, or being opened) and "idle" (open and free)
//   meshplane_db_pool_wait_seconds                   histogram: how long
//       each connection request waited for a free slot (timeouts included,
//       at the acquire timeout)
//   meshplane_db_pool_timeouts_total                 counter: requests that
//       gave up waiting (RESOURCE_EXHAUSTED at the acquire timeout, or
//       DEADLINE_EXCEEDED at the call's deadline)
//   meshplane_db_pool_waiting                        gauge: requests queued
//       for a connection now (at most --db-pool-max-waiters)
//   meshplane_db_pool_shed_total                     counter: requests
//       refused at once because the queue was full (RESOURCE_EXHAUSTED)
//   meshplane_db_connect_attempts_total              counter: connections
//       the store tried to open (pool and readiness; not the listeners)
//   meshplane_http_connections, meshplane_http_queued,
//   meshplane_http_streams                           gauges of the HTTP
//       server: open connections, requests waiting for a worker, open
//       REST Watch streams
//   meshplane_http_rejected_total{reason}            counter: refused
//       before any handler (overload: 503; too_large: 413 or 431)
//   meshplane_http_timeouts_total                    counter: connections
//       cut by --http-idle-timeout or --http-read-timeout
//
// Thread-safe: every method may be called from any thread.
#ifndef MESHPLANE_SERVER_METRICS_H_
#define MESHPLANE_SERVER_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "meshplane/policy/engine.h"

namespace meshplane::server {

class Metrics {
 public:
  // Counts one finished RPC.
  void RecordRpc(absl::string_view method, absl::StatusCode code,
                 absl::Duration latency);
  void SetReady(bool ready);
  // Counts CheckAccess verdicts.
  void RecordAccessChecks(int64_t allowed, int64_t denied);
  // Whether the access index can be vouched for (core::Access::fresh()).
  void SetAccessIndexFresh(bool fresh);
  void SetWatchSubscribers(int n);
  // Counts a lost LISTEN connection of `listener` ("policies", "access",
  // "events").
  void RecordListenerLost(absl::string_view listener);
  // Counts a webhook delivery attempt.
  void RecordWebhookAttempt(bool success);
  // Counts one policy decision under its effect (see above).
  void RecordPolicyDecision(absl::string_view trigger,
                            const policy::Decision& decision);
  // The store's pool now (store::Store::pool_stats()).
  void SetDbPool(int size, int in_use, int idle);
  // The queue and counters of the store's pool (store::PoolStats).
  void SetDbPoolQueue(int waiting, int64_t shed, int64_t connect_attempts);
  // The HTTP server's gauges and counters (http::ServerStats).
  void SetHttpServer(int64_t connections_open, int64_t queued,
                     int64_t streams_open, int64_t rejected_overload,
                     int64_t rejected_too_large, int64_t timeouts);
  // One wait for a pool connection (store::PoolWaitObserver).
  void RecordDbPoolWait(absl::Duration waited, bool timed_out);
  // The effect label of a decision: "deny", "require_approval", "warn" or
  // "allow".
  static absl::string_view PolicyEffect(const policy::Decision& decision);
  // The exposition text.
  std::string Render() const;

  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative
    uint64_t count = 0;
    double sum = 0;
    void Observe(double seconds);
  };
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> requests_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram> latency_ ABSL_GUARDED_BY(mu_);
  bool ready_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t access_allowed_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t access_denied_ ABSL_GUARDED_BY(mu_) = 0;
  bool access_fresh_ ABSL_GUARDED_BY(mu_) = false;
  int watch_subscribers_ ABSL_GUARDED_BY(mu_) = 0;
  // The known listeners start at 0, so that their series exist from the
  // first scrape (rate() and alerts need a first sample).
  std::map<std::string, uint64_t> listener_lost_ ABSL_GUARDED_BY(mu_) = {
      {"access", 0}, {"events", 0}, {"policies", 0}};
  uint64_t webhook_success_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t webhook_failure_ ABSL_GUARDED_BY(mu_) = 0;
  // (effect, trigger)
  std::map<std::pair<std::string, std::string>, uint64_t> policy_decisions_
      ABSL_GUARDED_BY(mu_);
  int db_pool_size_ ABSL_GUARDED_BY(mu_) = 0;
  int db_pool_in_use_ ABSL_GUARDED_BY(mu_) = 0;
  int db_pool_idle_ ABSL_GUARDED_BY(mu_) = 0;
  Histogram db_pool_wait_ ABSL_GUARDED_BY(mu_);
  uint64_t db_pool_timeouts_ ABSL_GUARDED_BY(mu_) = 0;
  int db_pool_waiting_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t db_pool_shed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t db_connect_attempts_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t http_connections_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t http_queued_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t http_streams_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t http_rejected_overload_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t http_rejected_too_large_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t http_timeouts_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_METRICS_H_
