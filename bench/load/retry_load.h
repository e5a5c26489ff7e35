// The retrying write load of mp_load (--method team-create): the client side
// of the three-replica kill test (tests/e2e/cluster_kill_test.sh). Private to
// bench/load.
//
// Unlike the other methods, which measure a server, this one behaves as a
// careful API client should (docs/operations.md, AIP-155): each logical
// write gets one request id, and a call whose outcome is unknown is resent
// unchanged, same request id, until it gets an answer or the attempts run
// out. It then reports what it believes was written, so that a test can
// compare that with the database.
#ifndef MESHPLANE_BENCH_LOAD_RETRY_LOAD_H_
#define MESHPLANE_BENCH_LOAD_RETRY_LOAD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/time/time.h"
#include <grpcpp/grpcpp.h>

namespace meshplane::bench {

// A request id as the CLI makes them: a random RFC 4122 version 4 UUID.
std::string NewRequestId(absl::BitGen& gen);

struct RetryLoadConfig {
  int workers = 8;    // concurrent synchronous callers
  int64_t count = 0;  // > 0: this many logical writes in all
  absl::Duration duration = absl::Seconds(10);  // else: start writes until
  int max_attempts = 30;  // per logical write, the first included
  absl::Duration initial_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
  absl::Duration attempt_deadline = absl::Seconds(10);
  std::string bearer;            // "Bearer ..." metadata value
  std::string id_prefix;         // team ids are PREFIX-wNN-N
  bool record_attempts = false;  // fill RetryLoadResult::attempts
  double rate = 0;  // > 0: start at most this many writes a second, evenly
};

// One call of the load, on the wall clock, for a failover test's timeline.
struct RetryAttempt {
  int64_t start_unix_ms = 0;
  int64_t end_unix_ms = 0;
  std::string code;  // "OK", or the code key as in retried_by_code
};

// What the load saw. `succeeded_ids` are the teams the client believes it
// created (an OK answer, first or replayed).
struct RetryLoadResult {
  int64_t sent = 0;  // distinct logical writes (request ids)
  int64_t succeeded = 0;
  int64_t failed = 0;          // gave up: attempts exhausted or not retryable
  int64_t retried = 0;         // logical writes that needed more than 1 call
  int64_t retry_attempts = 0;  // calls beyond the first, over all writes
  int max_attempts_used = 0;
  // ALREADY_EXISTS on a resend of a write whose first outcome was unknown:
  // the server wrote twice or did not replay its first answer. Never
  // expected; counted, not retried, and not in succeeded.
  int64_t duplicate_signals = 0;
  std::map<std::string, int64_t> retried_by_code;  // code name -> calls
  std::map<std::string, int64_t> failed_by_code;   // last code of failures
  std::map<std::string, std::string> first_error;  // code name -> message
  std::vector<std::string> succeeded_ids;
  std::vector<std::string> failed_ids;
  std::vector<RetryAttempt> attempts;  // when config.record_attempts
  double seconds = 0;
};

// Runs the load: `config.workers` threads, worker w on channels[w % size],
// each creating teams (CreateTeam, a fresh id and request id per logical
// write) until `count` writes have been started in all or `duration` has
// passed. Thread-compatible; blocks until every worker is done.
RetryLoadResult RunRetryingTeamCreates(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
    const RetryLoadConfig& config);

// True when a call that ended with `status` may have done nothing, or may
// have done its work without the answer reaching us, so that resending it
// with the same request id is both safe and useful: UNAVAILABLE, ABORTED
// (REQUEST_IN_FLIGHT, or a conflict the server gave up on),
// DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, and UNKNOWN or INTERNAL when they
// come from the transport (a stream or connection reset by the balancer)
// rather than from the server.
bool IsRetryable(const grpc::Status& status);

// The summary as one JSON object on one line (keys are stable; the id
// lists are left out, see --ids-out).
std::string RetryLoadJson(const RetryLoadResult& r, int workers);

}  // namespace meshplane::bench

#endif  // MESHPLANE_BENCH_LOAD_RETRY_LOAD_H_
