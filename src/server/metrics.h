// Prometheus metrics of the server, served as text (format 0.0.4) on the
// HTTP listener's /metrics:
//
//   meshplane_rpc_requests_total{method,code}        counter
//   meshplane_rpc_duration_seconds{method}           histogram
//   meshplane_ready                                  gauge (1 = database
//   answers)
//   meshplane_access_checks_total{decision}          counter (allow, deny):
//   CheckAccess and BatchCheckAccess verdicts, one per question
//   meshplane_access_index_fresh                     gauge (1 = CheckAccess
//   answers from an index it can vouch for)
//   meshplane_watch_subscribers                      gauge: open Watch
//   streams on this replica
//   meshplane_listen_connections_lost_total{listener} counter: LISTEN
//   connections found broken (each is followed by a reconnect)
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
  // Counts a lost LISTEN connection of `listener` ("events").
  void RecordListenerLost(absl::string_view listener);
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
  std::map<std::string, uint64_t> listener_lost_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_METRICS_H_
