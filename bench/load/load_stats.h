// Latency statistics and output formatting for mp_load. Private to
// bench/load.
#ifndef MESHPLANE_BENCH_LOAD_LOAD_STATS_H_
#define MESHPLANE_BENCH_LOAD_LOAD_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace meshplane::bench {

// Order statistics of one run's successful calls, in microseconds.
struct LatencySummary {
  int64_t count = 0;
  double mean_us = 0;
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double max_us = 0;
};

// The nearest-rank q-quantile (0 < q <= 1) of an ascending vector; 0 when it
// is empty.
int64_t NearestRank(const std::vector<int64_t>& sorted, double q);

// Sorts `latencies_ns` in place and summarises it.
LatencySummary Summarize(std::vector<int64_t>* latencies_ns);

// Everything one run reports.
struct RunReport {
  std::string method;  // create | get | echo
  std::string target;
  int inflight = 0;
  int threads = 0;
  int channels = 0;
  double seconds = 0;           // length of the measured window
  int64_t ok = 0;               // successful calls completed in the window
  int64_t completed_total = 0;  // all calls completed, warm-up included
  std::map<std::string, int64_t> errors;  // gRPC code name -> count
  LatencySummary latency;
  // CPU seconds spent in the measured window, by process: "client" (this
  // process) and each --cpu-watch entry.
  std::map<std::string, double> cpu_seconds;
  int64_t request_bytes = 0;   // serialized size of one request
  int64_t response_bytes = 0;  // serialized size of one response (0 if none)

  double throughput() const { return seconds > 0 ? ok / seconds : 0; }
  int64_t error_count() const;
};

// One line for people:
// "create inflight=16 ok=51234 err=0 5123.4/s p50=2.91ms p90=... max=..."
std::string HumanLine(const RunReport& r);

// One JSON object on one line, for scripts (keys are stable).
std::string JsonLine(const RunReport& r);

// The canonical name of a gRPC status code ("UNAVAILABLE").
std::string StatusCodeName(int code);

// CPU time (user + system) that process `pid` has used, in seconds; with
// `with_children`, plus that of its live children and of the children it
// has reaped (for a PostgreSQL postmaster: every backend). -1 if the
// process is gone or /proc is unreadable.
double ProcessCpuSeconds(int pid, bool with_children);

// `s` as a JSON string literal, quotes included.
std::string JsonString(absl::string_view s);

// Rewrites "--foo-bar[=v]" to "--foo_bar[=v]" in place, so that the flags
// can be spelled with hyphens like meshplaned's (absl flags use '_').
void HyphenFlagsToUnderscores(int argc, char** argv);

}  // namespace meshplane::bench

#endif  // MESHPLANE_BENCH_LOAD_LOAD_STATS_H_
