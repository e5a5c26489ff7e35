#include "bench/load/retry_load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench/load/load_stats.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane::bench {
namespace {

namespace v1 = ::meshplane::v1;
using SteadyClock = std::chrono::steady_clock;

// The ErrorInfo reason the server attached, or "".
std::string ReasonOf(const grpc::Status& status) {
  if (status.error_details().empty()) {
    return "";
  }
  google::rpc::Status rpc_status;
  if (!rpc_status.ParseFromString(status.error_details())) {
    return "";
  }
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    google::rpc::ErrorInfo info;
    if (detail.UnpackTo(&info)) {
      return info.reason();
    }
  }
  return "";
}

// "ABORTED" or "ABORTED/REQUEST_IN_FLIGHT": the key a retry is counted by.
std::string CodeKey(const grpc::Status& status) {
  std::string key = StatusCodeName(status.error_code());
  const std::string reason = ReasonOf(status);
  if (!reason.empty() && reason != key) {
    absl::StrAppend(&key, "/", reason);
  }
  return key;
}

}  // namespace

std::string NewRequestId(absl::BitGen& gen) {
  const uint64_t hi = absl::Uniform<uint64_t>(gen);
  const uint64_t lo = absl::Uniform<uint64_t>(gen);
  // RFC 4122 version 4, variant 10.
  const uint64_t h = (hi & ~0xF000ULL) | 0x4000ULL;
  const uint64_t l = (lo & ~(3ULL << 62)) | (2ULL << 62);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", h >> 32,
                         (h >> 16) & 0xFFFF, h & 0xFFFF, l >> 48,
                         l & 0xFFFFFFFFFFFFULL);
}

bool IsRetryable(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return true;
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL: {
      // The server's own INTERNAL carries an ErrorInfo; what gRPC makes of
      // a stream the balancer reset, or of an HTTP error page, does not.
      if (!status.error_details().empty()) {
        return false;
      }
      const std::string& m = status.error_message();
      return absl::StrContains(m, "RST_STREAM") ||
             absl::StrContains(m, "Stream removed") ||
             absl::StrContains(m, "Socket closed") ||
             absl::StrContains(m, "Connection reset") ||
             absl::StrContains(m, "http2 header with status") ||
             absl::StrContains(m, "GOAWAY");
    }
    default:
      return false;
  }
}

RetryLoadResult RunRetryingTeamCreates(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
    const RetryLoadConfig& config) {
  const int workers = std::max(1, config.workers);
  const bool count_mode = config.count > 0;
  const SteadyClock::time_point begin = SteadyClock::now();
  const SteadyClock::time_point end =
      begin + absl::ToChronoNanoseconds(config.duration);
  std::atomic<int64_t> tickets{0};
  auto take_ticket = [&] {
    if (config.rate > 0) {
      // Open-loop pacing: write n starts at begin + n / rate, whoever is
      // free takes it; a late worker does not make the schedule slip.
      const int64_t n = tickets.fetch_add(1);
      if (count_mode && n >= config.count) return false;
      const SteadyClock::time_point at =
          begin + std::chrono::duration_cast<SteadyClock::duration>(
                      std::chrono::duration<double>(n / config.rate));
      if (!count_mode && at >= end) return false;
      std::this_thread::sleep_until(at);
      return true;
    }
    if (count_mode) {
      return tickets.fetch_add(1) < config.count;
    }
    return SteadyClock::now() < end;
  };

  std::mutex mu;
  RetryLoadResult out;
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      auto stub = v1::TeamService::NewStub(channels[w % channels.size()]);
      absl::BitGen gen;
      RetryLoadResult local;
      for (int64_t n = 0; take_ticket(); ++n) {
        v1::CreateTeamRequest req;
        const std::string id =
            absl::StrFormat("%s-w%02d-%d", config.id_prefix, w, n);
        req.set_team_id(id);
        req.set_request_id(NewRequestId(gen));
        req.mutable_team()->set_display_name(
            absl::StrCat("Kill test team ", id));
        ++local.sent;

        absl::Duration backoff = config.initial_backoff;
        grpc::Status status;
        int attempt = 0;
        bool outcome_was_unknown = false;
        while (true) {
          ++attempt;
          grpc::ClientContext ctx;
          ctx.AddMetadata("authorization", config.bearer);
          ctx.set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoNanoseconds(config.attempt_deadline));
          v1::Team resp;
          const int64_t started = absl::ToUnixMillis(absl::Now());
          status = stub->CreateTeam(&ctx, req, &resp);
          if (config.record_attempts) {
            local.attempts.push_back({started, absl::ToUnixMillis(absl::Now()),
                                      status.ok() ? "OK" : CodeKey(status)});
          }
          if (status.ok() || !IsRetryable(status) ||
              attempt >= config.max_attempts) {
            break;
          }
          outcome_was_unknown = true;
          const std::string key = CodeKey(status);
          if (local.retried_by_code[key]++ == 0) {
            local.first_error.emplace(key, status.error_message());
          }
          // Full jitter (each wait uniform in [0, backoff]), so that the
          // workers cut off together do not come back together.
          std::this_thread::sleep_for(absl::ToChronoNanoseconds(
              absl::Uniform(gen, 0.0, 1.0) * backoff));
          backoff = std::min(backoff * 2, config.max_backoff);
        }
        local.max_attempts_used = std::max(local.max_attempts_used, attempt);
        if (attempt > 1) {
          ++local.retried;
          local.retry_attempts += attempt - 1;
        }
        if (status.ok()) {
          ++local.succeeded;
          local.succeeded_ids.push_back(id);
        } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS &&
                   outcome_was_unknown) {
          ++local.duplicate_signals;
          if (local.first_error.count("ALREADY_EXISTS") == 0) {
            local.first_error.emplace("ALREADY_EXISTS", status.error_message());
          }
        } else {
          ++local.failed;
          local.failed_ids.push_back(id);
          const std::string key = CodeKey(status);
          if (local.failed_by_code[key]++ == 0) {
            local.first_error.emplace(key, status.error_message());
          }
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      out.sent += local.sent;
      out.succeeded += local.succeeded;
      out.failed += local.failed;
      out.retried += local.retried;
      out.retry_attempts += local.retry_attempts;
      out.duplicate_signals += local.duplicate_signals;
      out.max_attempts_used =
          std::max(out.max_attempts_used, local.max_attempts_used);
      for (const auto& [k, v] : local.retried_by_code) {
        out.retried_by_code[k] += v;
      }
      for (const auto& [k, v] : local.failed_by_code) {
        out.failed_by_code[k] += v;
      }
      out.first_error.insert(local.first_error.begin(),
                             local.first_error.end());
      out.succeeded_ids.insert(out.succeeded_ids.end(),
                               local.succeeded_ids.begin(),
                               local.succeeded_ids.end());
      out.failed_ids.insert(out.failed_ids.end(), local.failed_ids.begin(),
                            local.failed_ids.end());
      out.attempts.insert(out.attempts.end(), local.attempts.begin(),
                          local.attempts.end());
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  out.seconds =
      std::chrono::duration<double>(SteadyClock::now() - begin).count();
  return out;
}

std::string RetryLoadJson(const RetryLoadResult& r, int workers) {
  auto counts = [](const std::map<std::string, int64_t>& m) {
    std::vector<std::string> items;
    for (const auto& [k, v] : m) {
      items.push_back(absl::StrCat(JsonString(k), ":", v));
    }
    return absl::StrCat("{", absl::StrJoin(items, ","), "}");
  };
  std::vector<std::string> errors;
  for (const auto& [k, v] : r.first_error) {
    errors.push_back(absl::StrCat(JsonString(k), ":", JsonString(v)));
  }
  std::vector<std::string> failed_ids;
  for (const std::string& id : r.failed_ids) {
    failed_ids.push_back(JsonString(id));
  }
  return absl::StrCat(
      "{\"method\":\"team-create\",\"workers\":", workers,
      ",\"seconds\":", absl::StrFormat("%.3f", r.seconds), ",\"sent\":", r.sent,
      ",\"succeeded\":", r.succeeded, ",\"failed\":", r.failed,
      ",\"retried\":", r.retried, ",\"retry_attempts\":", r.retry_attempts,
      ",\"max_attempts_used\":", r.max_attempts_used,
      ",\"duplicate_signals\":", r.duplicate_signals,
      ",\"retried_by_code\":", counts(r.retried_by_code),
      ",\"failed_by_code\":", counts(r.failed_by_code), ",\"first_error\":{",
      absl::StrJoin(errors, ","), "}", ",\"failed_ids\":[",
      absl::StrJoin(failed_ids, ","), "]}");
}

}  // namespace meshplane::bench
